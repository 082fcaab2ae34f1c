/**
 * What a script run records about its environment: the interpreter's version, a hash and copy of its package list
 * (`pip freeze`), and the hardware (CPU model, cores, memory, GPUs through nvidia-smi when present).
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as os from 'node:os';

type Outcome = { ok: true; stdout: string } | { ok: false; missing: boolean; cause: string };

function run(cmd: string, args: string[], timeoutMs = 30_000): Promise<Outcome> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: timeoutMs, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (!err) { resolve({ ok: true, stdout }); return; }
      const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
      // The reason is on stderr, in its last lines (pip prints a traceback before it).
      const said = stderr.trim().split('\n').filter((l) => l.trim()).slice(-2).join(' ');
      const how = err.killed ? `timed out after ${timeoutMs / 1000} s` : missing ? 'not found' : typeof err.code === 'number' ? `exit code ${err.code}` : err.message;
      resolve({ ok: false, missing, cause: said ? `${how}: ${said}` : how });
    });
  });
}

export interface PythonEnvironment {
  python?: string;
  /** `pip freeze` output, sorted, as saved next to the run. */
  freeze?: string;
  freezeHash?: string;
  /** What could not be found out, with the cause (e.g. `pip freeze` failed): the run is recorded without it. */
  problems: string[];
}

export async function describePython(interpreter: string): Promise<PythonEnvironment> {
  const [version, freezeRaw] = await Promise.all([
    run(interpreter, ['-c', 'import sys; print(sys.version.split()[0])']),
    run(interpreter, ['-m', 'pip', 'freeze', '--all']),
  ]);
  const out: PythonEnvironment = { problems: [] };
  if (version.ok && version.stdout.trim()) { out.python = version.stdout.trim(); } else if (!version.ok) {
    out.problems.push(`${interpreter} did not report its version (${version.cause})`);
  }
  if (freezeRaw.ok) {
    const freeze = freezeRaw.stdout.split('\n').map((l) => l.trim()).filter(Boolean).sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase())).join('\n') + '\n';
    out.freeze = freeze;
    out.freezeHash = createHash('sha256').update(freeze).digest('hex');
  } else {
    out.problems.push(`\`${interpreter} -m pip freeze\` failed, so the run records no package list (${freezeRaw.cause})`);
  }
  return out;
}

export interface Hardware { [key: string]: unknown; cpu?: string; cores: number; memoryBytes: number; gpus?: string[]; platform: string }

/** The machine; `problems` says what could not be read (a missing nvidia-smi is normal, not a problem). */
export async function describeHardware(): Promise<{ hardware: Hardware; problems: string[] }> {
  const cpus = os.cpus();
  const hw: Hardware = { cores: cpus.length, memoryBytes: os.totalmem(), platform: `${process.platform}-${process.arch}` };
  const problems: string[] = [];
  if (cpus[0]?.model) { hw.cpu = cpus[0].model.trim(); }
  const gpus = await run('nvidia-smi', ['--query-gpu=name,memory.total', '--format=csv,noheader'], 10_000);
  // No nvidia-smi means no NVIDIA driver: the run is recorded with no GPUs (an empty list, which budgets and the
  // cpu-only constraint can rely on). A failing nvidia-smi leaves the list out: unknown, not "none".
  if (gpus.ok) { hw.gpus = gpus.stdout.trim() ? gpus.stdout.trim().split('\n').map((l) => l.trim()) : []; } else if (gpus.missing) { hw.gpus = []; }
  if (!gpus.ok && !gpus.missing) { problems.push(`nvidia-smi failed, so the run records no GPUs (${gpus.cause})`); }
  return { hardware: hw, problems };
}
