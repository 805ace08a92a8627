/** Seeded pseudo-random numbers for reproducible tests, benchmarks and generated networks (no Node APIs). */

/** mulberry32 (Tommy Ettinger's 32-bit generator): a function returning uniform numbers in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Uniform number in [lo, hi) from a generator. */
export function uniform(rand: () => number, lo: number, hi: number): number {
  return lo + (hi - lo) * rand();
}

/** Standard normal sample (Box–Muller) from a uniform generator. */
export function gaussian(rand: () => number): number {
  const u = 1 - rand(); // (0, 1]: keeps log finite
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}
