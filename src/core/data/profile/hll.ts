/**
 * HyperLogLog distinct-count estimator (Flajolet et al. 2007, with the small-range linear-counting correction).
 * p = 14 → 16,384 one-byte registers, standard error 1.04 / √16384 ≈ 0.8 %, well inside the ±2 % the profile
 * promises. Hand-written (60 lines) rather than a dependency: the npm HLL packages are either unmaintained or hash
 * through strings, and here numbers are hashed from their float64 bits without ever being turned into text.
 */
const P = 14;
const M = 1 << P;
const ALPHA = 0.7213 / (1 + 1.079 / M);

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

/** murmur3 finaliser: spreads the bits of a 32-bit value. */
function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** One murmur3_32 block step. */
function mix(h: number, k: number): number {
  k = Math.imul(k, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  h ^= Math.imul(k, 0x1b873593);
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

const SEED = 0x9747b28c;

/**
 * murmur3_32 of a string, two UTF-16 code units per block. (FNV-1a was tried first: on sequential keys such as
 * `u1`…`u1290000` its estimates ran 1–1.7 % high, twice the expected error; murmur3 stays within about 1 %.)
 */
export function hashString(s: string): number {
  const n = s.length;
  let h = SEED;
  let i = 0;
  for (; i + 1 < n; i += 2) { h = mix(h, s.charCodeAt(i) | (s.charCodeAt(i + 1) << 16)); }
  if (i < n) {
    let k = Math.imul(s.charCodeAt(i), 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    h ^= Math.imul(k, 0x1b873593);
  }
  return fmix(h ^ n);
}

/** murmur3_32 of a number's float64 bits (0 and -0 hash alike). */
export function hashNumber(n: number): number {
  f64[0] = n + 0;
  return fmix(mix(mix(SEED, u32[0]), u32[1]) ^ 8);
}

export class HyperLogLog {
  private readonly registers = new Uint8Array(M);

  addHash(h: number): void {
    const index = h >>> (32 - P);
    const rest = (h << P) >>> 0;
    // Rank = position of the first 1 bit in the remaining 18 bits (1-based); all zeros → 19.
    const rank = rest === 0 ? 32 - P + 1 : Math.clz32(rest) + 1;
    if (rank > this.registers[index]) { this.registers[index] = rank; }
  }

  estimate(): number {
    let sum = 0;
    let zeros = 0;
    for (let i = 0; i < M; i++) {
      const r = this.registers[i];
      sum += 1 / (1 << r);
      if (r === 0) { zeros++; }
    }
    const raw = ALPHA * M * M / sum;
    if (raw <= 2.5 * M && zeros > 0) { return Math.round(M * Math.log(M / zeros)); }
    // Large-range correction for a 32-bit hash space.
    const two32 = 4294967296;
    if (raw > two32 / 30) { return Math.round(-two32 * Math.log(1 - raw / two32)); }
    return Math.round(raw);
  }
}
