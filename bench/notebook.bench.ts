// Notebook benchmark: one 10 MB notebook, and a workspace of 500 notebooks + 2,000 scripts analysed the way the
// extension's scan does (scripts indexed for training patterns, then every notebook linted).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { lintText, scriptTrainingPatterns, vettedSet } from '../src/core/lint';
import { line, median, time } from './util';

function notebook(cells: number, outputBytes: number): string {
  const code = (i: number) => ({
    cell_type: 'code', execution_count: i + 1, metadata: {},
    source: [`import numpy as np\n`, `x_${i} = np.arange(${i})\n`, i % 10 === 0 ? `model.fit(X, y)\n` : `print(x_${i}.sum() % 7)\n`, `!echo step ${i}\n`],
    outputs: [{ output_type: 'stream', name: 'stdout', text: ['x'.repeat(outputBytes)] }],
  });
  return JSON.stringify({ nbformat: 4, nbformat_minor: 5, metadata: { language_info: { name: 'python' } }, cells: Array.from({ length: cells }, (_, i) => code(i)) });
}

export async function benchNotebooks(): Promise<void> {
  const vetted = vettedSet();
  console.log('notebooks:');
  const big = notebook(2000, 5000);
  const runs: number[] = [];
  for (let i = 0; i < 5; i++) { runs.push((await time(() => lintText('big.ipynb', big, { vetted }))).ms); }
  line(`${(big.length / 1e6).toFixed(1)} MB notebook, 2,000 cells (median of 5)`, `${median(runs).toFixed(1)} ms`, '≤ 150 ms');

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlops-nb-bench-'));
  try {
    for (let i = 0; i < 500; i++) { fs.writeFileSync(path.join(dir, `nb${i}.ipynb`), notebook(40, 200)); }
    for (let i = 0; i < 2000; i++) { fs.writeFileSync(path.join(dir, `s${i}.py`), `import numpy as np\n\ndef f${i}(x):\n    return np.sum(x) % ${i + 1}\n${i % 50 === 0 ? 'booster = xgb.train(params, dtrain)\n' : ''}`); }
    const files = fs.readdirSync(dir);
    let findings = 0;
    let longestSync = 0;
    const scan = await time(async () => {
      const training = new Set<string>();
      for (const f of files.filter((x) => x.endsWith('.py'))) {
        const t0 = performance.now();
        for (const p of scriptTrainingPatterns(await fs.promises.readFile(path.join(dir, f), 'utf8'))) { training.add(p); }
        longestSync = Math.max(longestSync, performance.now() - t0);
      }
      for (const f of files.filter((x) => x.endsWith('.ipynb'))) {
        const text = await fs.promises.readFile(path.join(dir, f), 'utf8');
        const t0 = performance.now();
        findings += lintText(f, text, { vetted, scriptTraining: training }).length;
        longestSync = Math.max(longestSync, performance.now() - t0);
        await new Promise((r) => setImmediate(r));
      }
    });
    line(`workspace of 500 notebooks + 2,000 scripts (${findings} findings)`, `${(scan.ms / 1000).toFixed(2)} s`);
    line('longest synchronous step of that scan (what blocks the host)', `${longestSync.toFixed(1)} ms`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
