// A separate OS process that writes to a store, for the concurrency tests:
//   node writer.js metrics ROOT RUN_ID NAME COUNT   → appends NAME@0..COUNT-1, printing "ack <step>" after each
//   node writer.js tags ROOT RUN_ID PREFIX COUNT    → adds tags PREFIX-0..COUNT-1 one update at a time
import { Store } from '../../../src/core';

async function main(): Promise<void> {
  const [mode, root, runId, name, countArg] = process.argv.slice(2);
  const store = await Store.open(root);
  const count = Number(countArg);
  for (let i = 0; i < count; i++) {
    if (mode === 'metrics') {
      await store.logMetrics(runId, [{ name, step: i, value: i / 10 }]);
    } else {
      await store.updateRun(runId, (r) => { r.tags.push(`${name}-${i}`); });
    }
    process.stdout.write(`ack ${i}\n`);
  }
}

main().catch((e: unknown) => { process.stderr.write(String(e) + '\n'); process.exit(1); });
