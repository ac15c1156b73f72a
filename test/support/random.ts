// Seeded pseudo-random generators for reproducible statistical tests.

/** mulberry32: a small, fast 32-bit generator; returns uint32 values. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/** Uniform doubles in [0, 1) from mulberry32. */
export function uniform(seed: number): () => number {
  const next = mulberry32(seed);
  return () => next() / 4294967296;
}

// Zipf(s) over keys 0..K-1 by inverse CDF: a table of cumulative
// probabilities and a binary search for the first entry above u.
export function zipfSampler(keys: number, s: number, random: () => number): () => number {
  const cdf = new Float64Array(keys);
  let sum = 0;
  for (let i = 0; i < keys; i++) cdf[i] = sum += 1 / (i + 1) ** s;
  for (let i = 0; i < keys; i++) cdf[i] = (cdf[i] as number) / sum;
  return () => {
    const u = random();
    let low = 0;
    let high = keys - 1;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if ((cdf[mid] as number) > u) high = mid;
      else low = mid + 1;
    }
    return low;
  };
}
