// Lint benchmark: a 1,000-line requirements file and the whole corpus of real dependency files.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { lintText, vettedSet } from '../src/core/lint';
import { line, median, time } from './util';

export async function benchLint(repo: string): Promise<void> {
  const vetted = vettedSet();
  const names = ['numpy', 'pandas', 'einops', 'torch', 'rich', 'scipy', 'httpx', 'tqdm'];
  const big = Array.from({ length: 1000 }, (_, i) => {
    const n = `${names[i % names.length]}-${i}`;
    return i % 3 === 0 ? `${n}==1.${i % 20}.0` : i % 3 === 1 ? `${n}>=2.${i % 9},<3 ; python_version >= "3.9"  # range` : `${n}[extra]~=0.${i % 7}.1`;
  }).join('\n') + '\n';
  for (let i = 0; i < 5; i++) { lintText('requirements.txt', big, { vetted }); }
  const runs: number[] = [];
  for (let i = 0; i < 20; i++) { runs.push((await time(() => lintText('requirements.txt', big, { vetted }))).ms); }
  console.log('lint:');
  line('1,000-line requirements file (median of 20)', `${median(runs).toFixed(2)} ms`, '≤ 10 ms');

  const dir = path.resolve(repo, '..', 'shared', 'corpus', 'requirements');
  if (!fs.existsSync(dir)) { line('corpus', 'skipped (../shared/corpus missing)'); return; }
  const files = fs.readdirSync(dir).map((f) => ({ name: f, text: fs.readFileSync(path.join(dir, f), 'utf8') }));
  const corpusRuns: number[] = [];
  let findings = 0;
  for (let i = 0; i < 10; i++) {
    corpusRuns.push((await time(() => {
      findings = 0;
      for (const f of files) {
        findings += lintText(f.name.replace(/__/g, '/'), f.text, { vetted }).length;
      }
    })).ms);
  }
  line(`whole corpus, ${files.length} files, ${findings} findings (first run)`, `${corpusRuns[0].toFixed(1)} ms`, '≤ 200 ms');
  line('whole corpus (median of 10)', `${median(corpusRuns).toFixed(1)} ms`, '≤ 200 ms');
}
