/**
 * What a script run records about its environment: the interpreter's version, a hash and copy of its package list
 * (`pip freeze`), and the hardware (CPU model, cores, memory, GPUs through nvidia-smi when present).
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as os from 'node:os';

function run(cmd: string, args: string[], timeoutMs = 30_000): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: timeoutMs, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 }, (err, stdout) => resolve(err ? undefined : stdout));
  });
}

export interface PythonEnvironment {
  python?: string;
  /** `pip freeze` output, sorted, as saved next to the run. */
  freeze?: string;
  freezeHash?: string;
}

export async function describePython(interpreter: string): Promise<PythonEnvironment> {
  const version = (await run(interpreter, ['-c', 'import sys; print(sys.version.split()[0])']))?.trim();
  const freezeRaw = await run(interpreter, ['-m', 'pip', 'freeze', '--all']);
  const out: PythonEnvironment = {};
  if (version) { out.python = version; }
  if (freezeRaw !== undefined) {
    const freeze = freezeRaw.split('\n').map((l) => l.trim()).filter(Boolean).sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase())).join('\n') + '\n';
    out.freeze = freeze;
    out.freezeHash = createHash('sha256').update(freeze).digest('hex');
  }
  return out;
}

export interface Hardware { [key: string]: unknown; cpu?: string; cores: number; memoryBytes: number; gpus?: string[]; platform: string }

export async function describeHardware(): Promise<Hardware> {
  const cpus = os.cpus();
  const hw: Hardware = { cores: cpus.length, memoryBytes: os.totalmem(), platform: `${process.platform}-${process.arch}` };
  if (cpus[0]?.model) { hw.cpu = cpus[0].model.trim(); }
  const gpus = await run('nvidia-smi', ['--query-gpu=name,memory.total', '--format=csv,noheader'], 10_000);
  if (gpus?.trim()) { hw.gpus = gpus.trim().split('\n').map((l) => l.trim()); }
  return hw;
}
