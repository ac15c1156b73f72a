/**
 * Otmar Ertl's improved HyperLogLog estimator ("New cardinality estimation
 * algorithms for HyperLogLog sketches", arXiv:1702.01284, 2017), computed
 * from the histogram of register values exactly as Redis does (same order of
 * floating-point operations), so identical registers give Redis's PFCOUNT.
 *
 * @internal
 */

/** Redis's HLL_ALPHA_INF, 0.5 / ln 2, as the same double literal. */
const ALPHA_INF = 0.72134752044448170368;

/** sigma(x) = x + sum_{k>=1} x^(2^k) 2^(k-1), for 0 <= x <= 1. */
function sigma(x: number): number {
  if (x === 1) return Number.POSITIVE_INFINITY;
  let y = 1;
  let z = x;
  let previous: number;
  do {
    x *= x;
    previous = z;
    z += x * y;
    y += y;
  } while (previous !== z);
  return z;
}

/** tau(x) = (1 - x - sum_{k>=1} (1 - x^(2^-k))^2 2^-k) / 3, for 0 <= x <= 1. */
function tau(x: number): number {
  if (x === 0 || x === 1) return 0;
  let y = 1;
  let z = 1 - x;
  let previous: number;
  do {
    x = Math.sqrt(x);
    previous = z;
    y *= 0.5;
    // Redis computes pow(1 - x, 2); a correctly rounded pow(v, 2) equals v * v.
    z -= (1 - x) * (1 - x) * y;
  } while (previous !== z);
  return z / 3;
}

/**
 * Estimates the cardinality from `histogram[v]` = number of registers of
 * value v (v = 0..q+1), with m = 2^p registers and q = 64 - p. Returns the
 * unrounded value; Redis's PFCOUNT is `Math.round` of it (llroundl, half away
 * from zero, on a non-negative double).
 */
export function ertlEstimate(histogram: ArrayLike<number>, registerCount: number, q: number): number {
  const m = registerCount;
  let z = m * tau((m - (histogram[q + 1] as number)) / m);
  for (let j = q; j >= 1; --j) {
    z += histogram[j] as number;
    z *= 0.5;
  }
  z += m * sigma((histogram[0] as number) / m);
  return (ALPHA_INF * m * m) / z;
}
