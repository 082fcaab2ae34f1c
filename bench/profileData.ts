// The generated CSV of the profile benchmark: 10 mixed columns (ints, floats, categories, strings, dates, some
// missing), ~100 bytes a row, seeded so every run profiles the same bytes.
import * as fs from 'node:fs';
import { mulberry32 } from '../src/core/data/profile';

const CITIES = ['Paris', 'London', 'New York, NY', 'Berlin', 'Madrid', 'Rome', 'Tokyo', 'Lagos', 'Lima', 'Oslo', 'Cairo', 'Delhi'];

/** Writes about `bytes` bytes of CSV to `file`; returns the rows written. */
export async function generateCsv(file: string, bytes: number): Promise<{ rows: number; bytes: number }> {
  const rnd = mulberry32(42);
  const out = fs.createWriteStream(file);
  out.write('id,user,age,score,amount,city,plan,comment,signup,active\n');
  let written = 0;
  let rows = 0;
  const day0 = Date.UTC(2015, 0, 1);
  while (written < bytes) {
    const parts: string[] = [];
    for (let k = 0; k < 10_000; k++) {
      rows++;
      const age = rnd() < 0.03 ? '' : String(18 + Math.floor(rnd() * 70));
      const score = (rnd() * 100).toFixed(3);
      const amount = rnd() < 0.05 ? 'NA' : (Math.exp(rnd() * 8) - 1).toFixed(2);
      const city = CITIES[Math.floor(rnd() * rnd() * CITIES.length)];
      const plan = `plan-${Math.floor(rnd() * 500)}`;
      const comment = rnd() < 0.2 ? '' : `note ${Math.floor(rnd() * 1e9).toString(36)} ${rnd() < 0.5 ? 'ok' : 'later'}`;
      const signup = new Date(day0 + Math.floor(rnd() * 3000) * 86_400_000).toISOString().slice(0, 10);
      const active = rnd() < 0.5 ? 'true' : 'false';
      parts.push(`${rows},u${Math.floor(rnd() * 2e6)},${age},${score},${amount},${city.includes(',') ? `"${city}"` : city},${plan},${comment},${signup},${active}\n`);
    }
    const chunk = parts.join('');
    written += Buffer.byteLength(chunk);
    if (!out.write(chunk)) { await new Promise<void>((r) => { out.once('drain', () => r()); }); }
  }
  await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
  return { rows, bytes: written };
}
