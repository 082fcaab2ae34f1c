// A separate OS process that writes to a store, for the concurrency tests:
//   node writer.js metrics ROOT RUN_ID NAME COUNT   → appends NAME@0..COUNT-1, printing "ack <step>" after each
//   node writer.js tags ROOT RUN_ID PREFIX COUNT    → adds tags PREFIX-0..COUNT-1 one update at a time
//   node writer.js promote ROOT MODEL VERSIONS COUNT → promotes versions 1..VERSIONS to production in turn
//   node writer.js lock ROOT FILE HOLD_MS COUNT      → holds FILE's lock HOLD_MS, printing "held" inside
import { Store } from '../../../src/core';
import { withFileLock } from '../../../src/core/store/lock';

async function main(): Promise<void> {
  const [mode, root, runId, name, countArg] = process.argv.slice(2);
  const store = await Store.open(root);
  const count = Number(countArg);
  if (mode === 'lock') {
    for (let i = 0; i < count; i++) {
      await withFileLock(runId, async () => {
        process.stdout.write('held\n');
        await new Promise((r) => setTimeout(r, Number(name)));
      });
    }
    return;
  }
  if (mode === 'promote') {
    for (let i = 0; i < count; i++) {
      await store.setModelStage(runId, (i % Number(name)) + 1, 'production');
      process.stdout.write(`ack ${i}\n`);
    }
    return;
  }
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
