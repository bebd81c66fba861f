/** A small seeded PRNG (mulberry32): same seed, same sequence, on every engine and machine. */
export type Random = () => number;

export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Uniform in [lo, hi). */
export function uniform(random: Random, lo: number, hi: number): number {
  return lo + (hi - lo) * random();
}

/** Integer in [lo, hi]. */
export function randomInt(random: Random, lo: number, hi: number): number {
  return lo + Math.floor(random() * (hi - lo + 1));
}

/** Fisher–Yates shuffle in place. */
export function shuffleInPlace<T>(items: T[], random: Random): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

/**
 * A normal draw N(0, sigma²) by Box–Muller. Consumes exactly two uniforms per call
 * (u1 then u2) and keeps no spare, so the number of draws taken from `random` is easy to predict.
 */
export function gaussian(random: Random, sigma = 1): number {
  const u1 = 1 - random(); // (0, 1]: log never sees 0
  const u2 = random();
  return sigma * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

// murmur3's 32-bit finalizer: every input bit flips each output bit with p ≈ 1/2.
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * Hashes integers (e.g. seed, epoch, position in the epoch) into one 32-bit seed for
 * `seededRandom`, so each image gets its own stream regardless of which worker draws it.
 * Order matters: hashSeed(1, 2) ≠ hashSeed(2, 1). Safe integers only.
 */
export function hashSeed(...values: number[]): number {
  let h = 0x9e3779b9;
  for (const value of values) {
    if (!Number.isSafeInteger(value)) throw new Error(`hashSeed takes safe integers, got ${value}`);
    // Fold both 32-bit halves so large or negative values stay distinct.
    h = fmix32((h ^ (value >>> 0)) + 0x9e3779b9);
    h = fmix32((h ^ (Math.floor(value / 4294967296) >>> 0)) + 0x7f4a7c15);
  }
  return fmix32(h ^ values.length);
}
