/**
 * Peak memory of a process and all its descendants (Linux /proc): the meta-metric "peak memory" of a script run,
 * which may start workers. Elsewhere (no /proc) sampling yields nothing and the run records no peak memory.
 */
import { promises as fsp } from 'node:fs';

const PAGE = 4096;

async function stat(pid: number): Promise<{ ppid: number; rss: number } | undefined> {
  try {
    const text = await fsp.readFile(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces and parentheses: fields are counted after its last ')'.
    const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(rest[1]), rss: Number(rest[21]) * PAGE };
  } catch {
    // Deliberate: the process ended between listing /proc and reading its stat file; it no longer counts.
    return undefined;
  }
}

/** Resident memory of `root` and its descendants now, or undefined when /proc is not there. */
export async function treeRss(root: number): Promise<number | undefined> {
  let entries: string[];
  try { entries = await fsp.readdir('/proc'); } catch { return undefined; /* deliberate: no /proc (not Linux), so no peak memory, as documented */ }
  const children = new Map<number, number[]>();
  const rss = new Map<number, number>();
  await Promise.all(entries.filter((e) => /^\d+$/.test(e)).map(async (e) => {
    const pid = Number(e);
    const s = await stat(pid);
    if (!s) { return; }
    rss.set(pid, s.rss);
    const list = children.get(s.ppid) ?? [];
    list.push(pid);
    children.set(s.ppid, list);
  }));
  if (!rss.has(root)) { return undefined; }
  let total = 0;
  const stack = [root];
  const seen = new Set<number>();
  while (stack.length) {
    const p = stack.pop()!;
    if (seen.has(p)) { continue; }
    seen.add(p);
    total += rss.get(p) ?? 0;
    stack.push(...(children.get(p) ?? []));
  }
  return total;
}

/** Samples the tree's memory every `everyMs` until stopped; `peak` is the highest total seen. */
export class PeakMemorySampler {
  peak = 0;
  private timer: NodeJS.Timeout | undefined;
  private busy = false;

  constructor(private readonly pid: number, private readonly everyMs = 200) {}

  start(): this {
    const tick = async () => {
      if (this.busy) { return; }
      this.busy = true;
      try { const v = await treeRss(this.pid); if (v !== undefined && v > this.peak) { this.peak = v; } } finally { this.busy = false; }
    };
    void tick();
    this.timer = setInterval(() => { void tick(); }, this.everyMs);
    return this;
  }

  stop(): number | undefined {
    if (this.timer) { clearInterval(this.timer); }
    return this.peak > 0 ? this.peak : undefined;
  }
}
