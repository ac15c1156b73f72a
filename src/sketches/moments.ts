import { brand } from "../brand.js";
import { Approximate } from "../algebra/approximate.js";
import type { Monoid } from "../algebra/monoid.js";
import { ByteWriter } from "../codec/byte-writer.js";
import type { ImageCodec } from "../codec/image-codec.js";
import { Family, PREAMBLE_BYTES, writePreamble } from "../codec/preamble.js";
import { DecodeError, InvalidArgumentError } from "../errors.js";
import { twoSidedZ } from "../statistics.js";
import { mergeMonoid, sketchCodec } from "./merge-instances.js";
import { checkOptionKeys, openImage, requireCompatible, type SketchClass, type SketchStorage, type WeightedSketch } from "./sketch.js";

const VERSION = 1;
/** Seven little-endian doubles after the preamble. */
const PAYLOAD_BYTES = 56;
/** Largest accepted |value|: keeps every intermediate of the updates finite (see the class comment). */
const VALUE_LIMIT = 1e60;
/** Largest count: counts are exact integers in a double up to 2^53 - 1. */
const MAX_COUNT = Number.MAX_SAFE_INTEGER;
const MAX_FINITE = Number.MAX_VALUE;
/** Values buffered per run when `addAll` is given an array or iterable. */
const CHUNK = 4096;
/** Moments takes no options (yet). */
const NO_OPTIONS: readonly string[] = [];

/**
 * Options of {@link Moments}: none today. The constructor and
 * {@link Moments.monoid} take an options object like every other sketch
 * family, and reject any key (at compile time and at run time).
 *
 * @example
 * ```ts
 * import { type MomentsOptions, Moments } from "papertrail/sketches";
 * const options: MomentsOptions = {};
 * new Moments(options).add(2).add(4).mean; // => 3
 * ```
 */
export interface MomentsOptions {
  readonly [key: string]: never;
}

/**
 * Streaming statistics of a stream of numbers in constant space: count,
 * mean, variance (population and sample), standard deviation, skewness,
 * excess kurtosis, minimum and maximum.
 *
 * The state is the count `n`, the mean, the central sums
 * `M2 = Σ(x − mean)²`, `M3 = Σ(x − mean)³`, `M4 = Σ(x − mean)⁴`, and the
 * minimum and maximum. It is never a sum of raw powers, which loses every
 * digit when the mean is large next to the spread: on 10^9 + N(0, 1) a
 * naive `Σx² − (Σx)²/n` is off by a factor of about 10^5, while this class
 * is within about 1e-13 relative in one pass and 1e-9 after merging 1000
 * partitions (`docs/sketches.md`).
 *
 * - `add` is Welford's update extended to M3 and M4 (Terriberry 2007;
 *   Pébay, "Formulas for robust, one-pass parallel computation of
 *   covariances and arbitrary-order statistical moments", Sandia
 *   SAND2008-6212, eq. 2.1–2.3 with one new value). The running mean is
 *   kept as a double plus its accumulated rounding error (Knuth's TwoSum),
 *   so it does not drift by an ulp of |mean| per value.
 * - `merge` is the pairwise formula of Chan, Golub & LeVeque (1979) for the
 *   mean and M2 and Pébay's (2008, eq. 3.1) for M3 and M4. Written so that
 *   `a.merge(b)` and `b.merge(a)` give bit-identical states.
 * - Values must be finite with `|x| <= 1e60` (`Moments.VALUE_LIMIT`); with
 *   at most 2^53 − 1 values no intermediate can then overflow. Anything else
 *   throws `InvalidArgumentError` and leaves the state unchanged.
 *
 * Not a group: `Moments.monoid()` is a commutative monoid, and there is no
 * lawful inverse (see {@link Moments.monoid}).
 *
 * @example
 * ```ts
 * import { Moments } from "papertrail/sketches";
 * const latency = new Moments().addAll([12, 15, 11, 14, 48]);
 * [latency.totalWeight, latency.mean, latency.min, latency.max]; // => [5, 20, 11, 48]
 * latency.variance; // => 198
 * latency.skewness > 1; // => true
 * Moments.fromBytes(latency.toBytes()).equals(latency); // => true
 * ```
 */
export class Moments implements WeightedSketch<Moments, number> {
  /**
   * Largest accepted `|value|`, `1e60`: beyond it fourth powers of
   * deviations could overflow a double.
   *
   * @example
   * ```ts
   * import { Moments } from "papertrail/sketches";
   * Moments.VALUE_LIMIT; // => 1e60
   * ```
   */
  static readonly VALUE_LIMIT: number = VALUE_LIMIT;

  // Plain number fields: V8 keeps them unboxed, and `add` allocates nothing.
  private n = 0;
  /** The mean is the unevaluated sum `mu + muError` (see `add`). */
  private mu = 0;
  private muError = 0;
  private m2 = 0;
  private m3 = 0;
  private m4 = 0;
  /** +Infinity while empty, so the first value always replaces it. */
  private lo = Number.POSITIVE_INFINITY;
  /** -Infinity while empty. */
  private hi = Number.NEGATIVE_INFINITY;

  /**
   * An empty state.
   *
   * @param options - `{}` (no options yet); any key throws `InvalidArgumentError`
   * @param storage - accepted for the uniform constructor; unused (the state is seven numbers, no arrays)
   */
  constructor(options?: MomentsOptions, storage?: SketchStorage) {
    if (options !== undefined) checkOptionKeys("Moments", options, NO_OPTIONS);
    void storage;
  }

  /**
   * Adds `value`, `weight` times (default once). `value` must be a finite
   * number with `|value| <= 1e60`; `weight` a non-negative integer (a
   * frequency: `add(x, 3)` is `add(x)` three times, up to rounding; 0 adds
   * nothing). Anything else, or a count beyond 2^53 − 1, throws
   * `InvalidArgumentError` and leaves the state unchanged.
   *
   * @example
   * ```ts
   * import { Moments } from "papertrail/sketches";
   * const m = new Moments().add(1).add(3, 3);
   * [m.totalWeight, m.mean, m.variance]; // => [4, 2.5, 0.75]
   * ```
   */
  add(value: number, weight?: number): this {
    if (weight !== undefined && weight !== 1) return this.addWeighted(value, weight);
    if (typeof value !== "number" || !(value >= -VALUE_LIMIT && value <= VALUE_LIMIT)) throw invalidValue(value);
    const n1 = this.n;
    if (n1 >= MAX_COUNT) throw countOverflow(n1, 1);
    // Terriberry / Pébay one-value update: every moment from the old M2, M3.
    const n = n1 + 1;
    const mu = this.mu;
    const delta = value - mu - this.muError;
    const deltaN = delta / n;
    const deltaN2 = deltaN * deltaN;
    const term1 = delta * deltaN * n1;
    const m2 = this.m2;
    const m3 = this.m3;
    // The mean as a double-double: Knuth's TwoSum gives the exact rounding
    // error of mu + deltaN, kept in muError. Plain Welford lets the mean's
    // rounding errors (an ulp of |mean| per value) random-walk: on
    // 10^9 + N(0, 1) that cost M2 up to 5e-8 relative (1e-6 at 10^10);
    // with the error term, about 1e-13. It halves the raw speed.
    const mean = mu + deltaN;
    const back = mean - mu;
    const meanError = this.muError + (mu - (mean - back) + (deltaN - back));
    const m4 = this.m4 + term1 * deltaN2 * (n * n - 3 * n + 3) + 6 * deltaN2 * m2 - 4 * deltaN * m3;
    const m3n = m3 + term1 * deltaN * (n - 2) - 3 * deltaN * m2;
    const m2n = m2 + term1;
    // Never taken for states built from values (the bounds above rule out
    // overflow); guards states decoded from arbitrary valid-looking images.
    if (!(m4 >= 0 && Math.abs(mean + m2n + m3n + m4) <= MAX_FINITE)) throw overflow();
    this.n = n;
    this.mu = mean;
    this.muError = meanError;
    this.m2 = m2n;
    this.m3 = m3n;
    this.m4 = m4;
    if (value < this.lo) this.lo = value;
    if (value > this.hi) this.hi = value;
    return this;
  }

  /**
   * Adds every value, exactly as repeated {@link Moments.add} would (same
   * bits), with a fast path for `Float64Array` and arrays. All or nothing:
   * if any value is invalid, `InvalidArgumentError` is thrown and the state
   * is unchanged.
   *
   * @example
   * ```ts
   * import { Moments } from "papertrail/sketches";
   * const fromArray = new Moments().addAll(Float64Array.of(2, 4, 6));
   * fromArray.equals(new Moments().add(2).add(4).add(6)); // => true
   * fromArray.sampleVariance; // => 4
   * ```
   */
  addAll(values: Iterable<number> | Float64Array): this {
    if (values instanceof Float64Array) return this.addRun(values, values.length);
    // Copy into a buffer (checking types on the way) and run the same loop on
    // a scratch copy of the state, committed only at the end.
    const chunk = new Float64Array(Array.isArray(values) ? Math.min(values.length, CHUNK) : CHUNK);
    const scratch = this.clone();
    let filled = 0;
    if (Array.isArray(values)) {
      for (let i = 0; i < values.length; i++) {
        const value: unknown = values[i];
        if (typeof value !== "number") throw invalidValue(value);
        chunk[filled++] = value;
        if (filled === chunk.length) {
          scratch.addRun(chunk, filled);
          filled = 0;
        }
      }
    } else {
      for (const value of values) {
        if (typeof value !== "number") throw invalidValue(value);
        chunk[filled++] = value;
        if (filled === chunk.length) {
          scratch.addRun(chunk, filled);
          filled = 0;
        }
      }
    }
    if (filled > 0) scratch.addRun(chunk, filled);
    this.commit(scratch.n, scratch.mu, scratch.muError, scratch.m2, scratch.m3, scratch.m4, scratch.lo, scratch.hi);
    return this;
  }

  /** `add` of `values[0..length)`, on locals; all or nothing. */
  private addRun(values: Float64Array, length: number): this {
    if (length === 0) return this;
    if (length > MAX_COUNT - this.n) throw countOverflow(this.n, length);
    let n = this.n;
    let mean = this.mu;
    let meanError = this.muError;
    let m2 = this.m2;
    let m3 = this.m3;
    let m4 = this.m4;
    let lo = this.lo;
    let hi = this.hi;
    for (let i = 0; i < length; i++) {
      const value = values[i] as number;
      if (!(value >= -VALUE_LIMIT && value <= VALUE_LIMIT)) throw invalidValue(value);
      const n1 = n;
      n = n1 + 1;
      const delta = value - mean - meanError;
      const deltaN = delta / n;
      const deltaN2 = deltaN * deltaN;
      const term1 = delta * deltaN * n1;
      const sum = mean + deltaN;
      const back = sum - mean;
      meanError = meanError + (mean - (sum - back) + (deltaN - back));
      mean = sum;
      m4 = m4 + term1 * deltaN2 * (n * n - 3 * n + 3) + 6 * deltaN2 * m2 - 4 * deltaN * m3;
      m3 = m3 + term1 * deltaN * (n - 2) - 3 * deltaN * m2;
      m2 = m2 + term1;
      if (value < lo) lo = value;
      if (value > hi) hi = value;
    }
    // Non-finite values are absorbing, so one check after the loop suffices.
    if (!(m4 >= 0 && Math.abs(mean + m2 + m3 + m4) <= MAX_FINITE)) throw overflow();
    this.commit(n, mean, meanError, m2, m3, m4, lo, hi);
    return this;
  }

  private addWeighted(value: number, weight: number): this {
    if (typeof value !== "number" || !(value >= -VALUE_LIMIT && value <= VALUE_LIMIT)) throw invalidValue(value);
    if (!Number.isSafeInteger(weight) || weight < 0) {
      throw new InvalidArgumentError(`Moments weight must be a non-negative integer (how many times the value occurred), got ${String(weight)}`);
    }
    if (weight > 0) this.absorb(weight, value, 0, 0, 0, value, value);
    return this;
  }

  /**
   * Number of values added (the sum of their weights), merges included.
   *
   * @example
   * ```ts
   * import { Moments } from "papertrail/sketches";
   * new Moments().add(7).add(8, 2).totalWeight; // => 3
   * ```
   */
  get totalWeight(): number {
    return this.n;
  }

  /**
   * The arithmetic mean; `NaN` when empty.
   *
   * @example
   * ```ts
   * import { Moments } from "papertrail/sketches";
   * [new Moments().addAll([1, 2, 6]).mean, new Moments().mean]; // => [3, NaN]
   * ```
   */
  get mean(): number {
    return this.n === 0 ? Number.NaN : this.currentMean();
  }

  /** The mean rounded to a double, within [min, max]; 0 when empty. */
  private currentMean(): number {
    if (this.n === 0) return 0;
    const mean = this.mu + this.muError;
    return mean < this.lo ? this.lo : mean > this.hi ? this.hi : mean;
  }

  /**
   * Population variance `M2 / n`; 0 for one value, `NaN` when empty.
   *
   * @example
   * ```ts
   * import { Moments } from "papertrail/sketches";
   * [new Moments().addAll([1, 3]).variance, new Moments().add(5).variance]; // => [1, 0]
   * ```
   */
  get variance(): number {
    return this.n === 0 ? Number.NaN : this.m2 / this.n;
  }

  /**
   * Sample (unbiased) variance `M2 / (n − 1)`; `NaN` for fewer than two values.
   *
   * @example
   * ```ts
   * import { Moments } from "papertrail/sketches";
   * [new Moments().addAll([1, 3]).sampleVariance, new Moments().add(5).sampleVariance]; // => [2, NaN]
   * ```
   */
  get sampleVariance(): number {
    return this.n < 2 ? Number.NaN : this.m2 / (this.n - 1);
  }

  /**
   * Population standard deviation, `sqrt(variance)`; `NaN` when empty.
   *
   * @example
   * ```ts
   * import { Moments } from "papertrail/sketches";
   * new Moments().addAll([2, 4, 4, 4, 5, 5, 7, 9]).standardDeviation; // => 2
   * ```
   */
  get standardDeviation(): number {
    return Math.sqrt(this.variance);
  }

  /**
   * Sample standard deviation, `sqrt(sampleVariance)`; `NaN` for fewer than two values.
   *
   * @example
   * ```ts
   * import { Moments } from "papertrail/sketches";
   * new Moments().addAll([1, 3]).sampleStandardDeviation; // => Math.SQRT2
   * ```
   */
  get sampleStandardDeviation(): number {
    return Math.sqrt(this.sampleVariance);
  }

  /**
   * Population skewness `g1 = sqrt(n) M3 / M2^(3/2)` (the moment estimator,
   * as in Algebird and `scipy.stats.skew`; not bias-corrected). `NaN` when
   * it is undefined: fewer than two values, or all values equal (`M2 = 0`).
   *
   * @example
   * ```ts
   * import { Moments } from "papertrail/sketches";
   * new Moments().addAll([1, 2, 3]).skewness; // => 0
   * new Moments().addAll([1, 1, 1, 5]).skewness.toFixed(4); // => "1.1547"
   * new Moments().addAll([4, 4]).skewness; // => NaN
   * ```
   */
  get skewness(): number {
    if (this.n < 2 || this.m2 === 0) return Number.NaN;
    // (M3 / M2) / sqrt(M2 / n): ratios of like scale, so no M2^1.5 to over- or underflow.
    return this.m3 / this.m2 / Math.sqrt(this.m2 / this.n);
  }

  /**
   * Population excess kurtosis `g2 = n M4 / M2² − 3` (the moment
   * estimator, not bias-corrected: 0 for a normal distribution, −1.2 for a
   * uniform, 6 for an exponential; never below −2). `NaN` for fewer than
   * two values or all values equal.
   *
   * @example
   * ```ts
   * import { Moments } from "papertrail/sketches";
   * new Moments().addAll([0, 1]).excessKurtosis; // => -2
   * new Moments().add(3).excessKurtosis; // => NaN
   * ```
   */
  get excessKurtosis(): number {
    if (this.n < 2 || this.m2 === 0) return Number.NaN;
    return (this.m4 / this.m2) * (this.n / this.m2) - 3;
  }

  /**
   * Smallest value added; `NaN` when empty.
   *
   * @example
   * ```ts
   * import { Moments } from "papertrail/sketches";
   * [new Moments().addAll([3, -1, 2]).min, new Moments().min]; // => [-1, NaN]
   * ```
   */
  get min(): number {
    return this.n === 0 ? Number.NaN : this.lo;
  }

  /**
   * Largest value added; `NaN` when empty.
   *
   * @example
   * ```ts
   * import { Moments } from "papertrail/sketches";
   * [new Moments().addAll([3, -1, 2]).max, new Moments().max]; // => [3, NaN]
   * ```
   */
  get max(): number {
    return this.n === 0 ? Number.NaN : this.hi;
  }

  /**
   * A normal-approximation confidence interval of the mean:
   * `mean ± z · s / sqrt(n)`, with `s` the sample standard deviation and
   * `z` the two-sided normal quantile of `confidence` (1.96 for 0.95);
   * `probability` is `confidence`. It says where the metric's long-run
   * average lies, and narrows as `1 / sqrt(n)`; it is not the range of
   * normal single readings (for that use `mean ± z · standardDeviation`).
   * The coverage is approximate: it uses `z`, not Student's t, so for fewer
   * than about 30 values the interval is too narrow, and skewed data need
   * more. With one value the interval is `[−∞, ∞]`; with none it throws
   * `InvalidArgumentError`, as it does for `confidence` outside (0, 1).
   *
   * @param confidence - probability in (0, 1); default 0.95
   *
   * @example
   * ```ts
   * import { Moments } from "papertrail/sketches";
   * const m = new Moments().addAll([9, 10, 11, 10, 10, 9, 11, 10]);
   * const estimate = m.estimate(0.95);
   * [estimate.estimate, estimate.probability]; // => [10, 0.95]
   * [estimate.lower.toFixed(3), estimate.upper.toFixed(3)]; // => ["9.476", "10.524"]
   * new Moments().add(4).estimate().upper; // => Infinity
   * ```
   */
  estimate(confidence = 0.95): Approximate {
    const z = twoSidedZ(confidence);
    if (this.n === 0) throw new InvalidArgumentError("Moments.estimate needs at least one value, got an empty Moments");
    const mean = this.currentMean();
    if (this.n === 1) return new Approximate(mean, Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY, confidence);
    const half = z * Math.sqrt(this.m2 / (this.n - 1) / this.n);
    return new Approximate(mean, mean - half, mean + half, confidence);
  }

  /**
   * Merges `other` into this state (the pairwise formulas of Chan, Golub &
   * LeVeque 1979 and Pébay 2008) and returns this: afterwards it describes
   * both streams together. `a.merge(b)` and `b.merge(a)` give identical
   * bits. A non-`Moments` argument throws `ParameterMismatchError`.
   *
   * @example
   * ```ts
   * import { Moments } from "papertrail/sketches";
   * const east = new Moments().addAll([1, 2, 3]);
   * const west = new Moments().addAll([4, 5, 6, 7]);
   * const both = east.merge(west);
   * [both.totalWeight, both.mean, both.variance, both.min, both.max]; // => [7, 4, 4, 1, 7]
   * ```
   */
  merge(other: Moments): this {
    requireCompatible(Moments, this.describe(), other, () => true);
    if (this.n === 0) {
      this.commit(other.n, other.mu, other.muError, other.m2, other.m3, other.m4, other.lo, other.hi);
      return this;
    }
    return this.absorb(other.n, other.currentMean(), other.m2, other.m3, other.m4, other.lo, other.hi);
  }

  /**
   * Merges the state `(nb, mb, m2b, m3b, m4b, lob, hib)` into this one. Uses
   * only what the image holds (the mean rounded to a double), so states that
   * are `equals` merge to `equals` results, shipped or kept.
   */
  private absorb(nb: number, mb: number, m2b: number, m3b: number, m4b: number, lob: number, hib: number): this {
    if (nb === 0) return this;
    const na = this.n;
    if (na === 0) {
      this.commit(nb, mb, 0, m2b, m3b, m4b, lob, hib);
      return this;
    }
    if (nb > MAX_COUNT - na) throw countOverflow(na, nb);
    const n = na + nb;
    const ma = this.currentMean();
    const m2a = this.m2;
    const m3a = this.m3;
    const m4a = this.m4;
    // Every expression below is symmetric under swapping a and b (delta
    // changes sign, and so does each factor it multiplies), so the merge is
    // exactly commutative.
    const delta = mb - ma;
    const delta2 = delta * delta;
    const nab = na * nb;
    const lo = Math.min(this.lo, lob);
    const hi = Math.max(this.hi, hib);
    // Chan et al.: step from the larger side's mean, the more accurate one.
    let mean = na > nb ? ma + delta * (nb / n) : nb > na ? mb - delta * (na / n) : (ma + mb) / 2;
    if (mean < lo) mean = lo;
    else if (mean > hi) mean = hi;
    const m2 = m2a + m2b + delta2 * (nab / n);
    // Pébay (2008), eq. 3.1 for p = 3 and 4; na² − na·nb + nb² = (na − nb)² + na·nb.
    const m3 = m3a + m3b + delta * delta2 * ((nab * (na - nb)) / (n * n)) + (3 * delta * (na * m2b - nb * m2a)) / n;
    const diff = na - nb;
    const m4 =
      m4a +
      m4b +
      delta2 * delta2 * ((nab * (diff * diff + nab)) / (n * n * n)) +
      (6 * delta2 * (na * na * m2b + nb * nb * m2a)) / (n * n) +
      (4 * delta * (na * m3b - nb * m3a)) / n;
    if (!(m4 >= 0 && Math.abs(mean + m2 + m3 + m4) <= MAX_FINITE)) throw overflow();
    this.commit(n, mean, 0, m2, m3, m4, lo, hi);
    return this;
  }

  private commit(n: number, mean: number, meanError: number, m2: number, m3: number, m4: number, lo: number, hi: number): void {
    this.n = n;
    this.mu = mean;
    this.muError = meanError;
    this.m2 = m2;
    this.m3 = m3;
    this.m4 = m4;
    this.lo = lo;
    this.hi = hi;
  }

  /**
   * An independent copy.
   *
   * @example
   * ```ts
   * import { Moments } from "papertrail/sketches";
   * const a = new Moments().add(1);
   * const b = a.clone().add(3);
   * [a.mean, b.mean]; // => [1, 2]
   * ```
   */
  clone(): Moments {
    const copy = new Moments();
    copy.commit(this.n, this.mu, this.muError, this.m2, this.m3, this.m4, this.lo, this.hi);
    return copy;
  }

  /**
   * Exact equality of the seven fields of the image: count, mean (rounded
   * to a double), M2, M3, M4, minimum and maximum, compared with `===` (so
   * `-0` equals `0`). Equal states have equal images and merge to equal
   * results; only the mean's hidden rounding-error term, which later `add`s
   * use, is not compared. Floating-point results depend on the order values
   * were added and merged in; compare those with
   * {@link Moments.approximatelyEquals}.
   *
   * @example
   * ```ts
   * import { Moments } from "papertrail/sketches";
   * const a = new Moments().addAll([0.1, 0.2, 0.3]);
   * const reversed = new Moments().addAll([0.3, 0.2, 0.1]);
   * [a.equals(a.clone()), a.equals(reversed), a.approximatelyEquals(reversed)]; // => [true, false, true]
   * ```
   */
  equals(other: Moments): boolean {
    return (
      other instanceof Moments &&
      this.n === other.n &&
      this.currentMean() === other.currentMean() &&
      this.m2 === other.m2 &&
      this.m3 === other.m3 &&
      this.m4 === other.m4 &&
      this.lo === other.lo &&
      this.hi === other.hi
    );
  }

  /**
   * Equality up to rounding: count, minimum and maximum identical, and the
   * mean, M2, M3 and M4 within `relative` of their scale: the mean within
   * `relative · (|mean| + sd)`, M2 and M4 within `relative` of the larger
   * value, M3 within `relative · max(|M3|, n · sd³)` (M3 of symmetric data
   * is a cancellation near 0, so its own magnitude is no scale). What
   * different orders of adding and merging the same values agree to.
   *
   * @param relative - tolerance, finite and `>= 0`; default 1e-9
   *
   * @example
   * ```ts
   * import { Moments } from "papertrail/sketches";
   * const a = new Moments().addAll([0.1, 0.2, 0.3, 0.7]);
   * const b = new Moments().addAll([0.7, 0.3, 0.2, 0.1]);
   * [a.equals(b), a.approximatelyEquals(b)]; // => [false, true]
   * a.approximatelyEquals(new Moments().addAll([0.1, 0.2, 0.3, 0.8])); // => false
   * ```
   */
  approximatelyEquals(other: Moments, relative = 1e-9): boolean {
    if (!(relative >= 0 && relative <= MAX_FINITE)) {
      throw new InvalidArgumentError(`Moments.approximatelyEquals: relative tolerance must be finite and >= 0, got ${relative}`);
    }
    if (!(other instanceof Moments) || this.n !== other.n || this.lo !== other.lo || this.hi !== other.hi) return false;
    const n = this.n;
    if (n === 0) return true;
    const m2 = Math.max(this.m2, other.m2);
    const sd = Math.sqrt(m2 / n);
    const close = (x: number, y: number, scale: number): boolean => Math.abs(x - y) <= relative * scale;
    return (
      close(this.currentMean(), other.currentMean(), Math.max(Math.abs(this.currentMean()), Math.abs(other.currentMean())) + sd) &&
      close(this.m2, other.m2, m2) &&
      close(this.m3, other.m3, Math.max(Math.abs(this.m3), Math.abs(other.m3), n * sd * sd * sd)) &&
      close(this.m4, other.m4, Math.max(this.m4, other.m4))
    );
  }

  /**
   * Bytes of state: seven doubles.
   *
   * @example
   * ```ts
   * import { Moments } from "papertrail/sketches";
   * new Moments().sizeInBytes; // => 56
   * ```
   */
  get sizeInBytes(): number {
    return PAYLOAD_BYTES;
  }

  /**
   * For logs and error messages: the count, mean and population standard
   * deviation (6 significant digits).
   *
   * @example
   * ```ts
   * import { Moments } from "papertrail/sketches";
   * new Moments().addAll([1, 2, 3, 4]).describe(); // => "Moments(totalWeight=4, mean=2.5, sd=1.11803)"
   * new Moments().describe(); // => "Moments(totalWeight=0)"
   * ```
   */
  describe(): string {
    if (this.n === 0) return "Moments(totalWeight=0)";
    const show = (x: number): string => String(+x.toPrecision(6));
    return `Moments(totalWeight=${this.n}, mean=${show(this.currentMean())}, sd=${show(this.standardDeviation)})`;
  }

  /** Same as {@link Moments.describe}. */
  toString(): string {
    return this.describe();
  }

  /**
   * The binary image (family 0x05, version 1; `docs/format.md`): the
   * preamble, then count, mean, M2, M3, M4, min and max as little-endian
   * doubles, 64 bytes. An empty state is all zeros after the preamble, and
   * `-0` is written as `0`, so equal states have equal images.
   *
   * @example
   * ```ts
   * import { Moments } from "papertrail/sketches";
   * new Moments().add(1).toBytes().length; // => 64
   * ```
   */
  toBytes(): Uint8Array<ArrayBuffer> {
    const writer = new ByteWriter(PREAMBLE_BYTES + PAYLOAD_BYTES);
    writePreamble(writer, Family.Moments, VERSION, 0);
    if (this.n === 0) {
      for (let i = 0; i < 7; i++) writer.f64(0);
    } else {
      // `x + 0` turns -0 into +0.
      writer.f64(this.n).f64(this.currentMean() + 0).f64(this.m2 + 0).f64(this.m3 + 0).f64(this.m4 + 0).f64(this.lo + 0).f64(this.hi + 0);
    }
    return writer.finish();
  }

  /**
   * Parses an image written by {@link Moments.toBytes}; throws a
   * `DecodeError` on anything else. Checks: the count is an integer in
   * `[0, 2^53 − 1]`; an empty state is all zeros; otherwise every field is
   * finite, `−1e60 <= min <= mean <= max <= 1e60`, `M2 >= 0`, `M4 >= 0`,
   * and one value or `min = max` means `M2 = M3 = M4 = 0`.
   *
   * @example
   * ```ts
   * import { Moments } from "papertrail/sketches";
   * const m = Moments.fromBytes(new Moments().addAll([1, 2, 3, 10]).toBytes());
   * [m.totalWeight, m.mean, m.variance, m.max]; // => [4, 4, 12.5, 10]
   * ```
   */
  static fromBytes(bytes: Uint8Array): Moments {
    const { reader } = openImage(bytes, "Moments", Family.Moments, [VERSION]);
    const payload = reader.bytesView(PAYLOAD_BYTES, "count, mean, M2, M3, M4, min and max");
    reader.expectEnd();
    const view = new DataView(payload.buffer, payload.byteOffset, PAYLOAD_BYTES);
    const field = (i: number): number => view.getFloat64(i * 8, true);
    const at = (i: number): number => PREAMBLE_BYTES + i * 8;
    const [count, mean, m2, m3, m4, lo, hi] = [field(0), field(1), field(2), field(3), field(4), field(5), field(6)];
    if (!(Number.isSafeInteger(count) && count >= 0)) {
      throw invalidField(`count must be an integer in [0, 2^53 - 1], got ${count}`, at(0));
    }
    const state = new Moments();
    if (count === 0) {
      for (let i = 0; i < PAYLOAD_BYTES; i++) {
        if (payload[i] !== 0) throw invalidField("an empty state must have every field +0 (its one canonical image)", PREAMBLE_BYTES + i);
      }
      return state;
    }
    if (!(lo >= -VALUE_LIMIT && lo <= VALUE_LIMIT)) throw invalidField(`min must be finite with |min| <= 1e60, got ${lo}`, at(5));
    if (!(hi >= -VALUE_LIMIT && hi <= VALUE_LIMIT)) throw invalidField(`max must be finite with |max| <= 1e60, got ${hi}`, at(6));
    if (!(lo <= hi)) throw invalidField(`min ${lo} is greater than max ${hi}`, at(5));
    if (!(mean >= lo && mean <= hi)) throw invalidField(`mean ${mean} is outside [min, max] = [${lo}, ${hi}]`, at(1));
    if (!(m2 >= 0 && m2 <= MAX_FINITE)) throw invalidField(`M2 must be finite and >= 0, got ${m2}`, at(2));
    if (!(Math.abs(m3) <= MAX_FINITE)) throw invalidField(`M3 must be finite, got ${m3}`, at(3));
    if (!(m4 >= 0 && m4 <= MAX_FINITE)) throw invalidField(`M4 must be finite and >= 0, got ${m4}`, at(4));
    if (count === 1 && lo !== hi) throw invalidField(`one value, but min ${lo} differs from max ${hi}`, at(5));
    if (lo === hi && (m2 !== 0 || m3 !== 0 || m4 !== 0)) {
      throw invalidField("all values are equal (min = max), so M2, M3 and M4 must be 0", at(2));
    }
    state.commit(count, mean, 0, m2, m3, m4, lo, hi);
    return state;
  }

  /**
   * The {@link ImageCodec} of moments, for envelopes.
   *
   * @example
   * ```ts
   * import { Moments } from "papertrail/sketches";
   * import { createEnvelope } from "papertrail/codec";
   * const envelope = createEnvelope({ codecs: [Moments.codec] });
   * const state = { latency: new Moments().addAll([10, 20]) };
   * (envelope.decode(envelope.encode(state)) as typeof state).latency.mean; // => 15
   * ```
   */
  static readonly codec: ImageCodec<Moments> = sketchCodec(Family.Moments, "Moments", Moments, (bytes) => Moments.fromBytes(bytes));

  /**
   * The commutative monoid of moments: `empty` is a fresh empty state,
   * `combine` merges into a copy (never its inputs), `combineAll` merges
   * everything into one new state. Count, minimum and maximum combine
   * exactly; the mean and M2–M4 are associative up to rounding, and
   * commutative and identity laws hold exactly.
   *
   * It is not a `Group`, and no inverse is offered: (1) a minimum or maximum
   * cannot be "un-merged"; (2) even without them, the stable state (count,
   * mean, central sums) cannot represent a difference: `{1}` minus `{2}` has
   * count 0 but a non-zero sum, and a mean over a count of 0 does not exist.
   * The representation that is a group, raw power sums `(n, Σx, Σx², ...)`,
   * is the numerically unstable one. Removing a sub-stream with the inverse
   * of the pairwise formula is possible on paper, but it cancels: removing
   * most of the data leaves the rest with large relative error. For
   * sliding windows, keep one `Moments` per bucket and re-merge.
   *
   * @example
   * ```ts
   * import { Moments } from "papertrail/sketches";
   * const stats = Moments.monoid();
   * const hourly = [stats.empty.addAll([1, 2]), stats.empty.addAll([3, 4, 5])];
   * const day = stats.combineAll(hourly);
   * [day.totalWeight, day.mean, hourly[0].totalWeight, "inverse" in stats]; // => [5, 3, 2, false]
   * ```
   */
  static monoid(options?: MomentsOptions): Monoid<Moments> {
    if (options !== undefined) checkOptionKeys("Moments", options, NO_OPTIONS);
    return monoidInstance;
  }
}

Moments satisfies SketchClass<Moments, MomentsOptions>;

// `instanceof Moments` holds for sketches of any copy of PaperTrail 1.x (src/brand.ts).
brand(Moments, "Moments");

const monoidInstance: Monoid<Moments> = mergeMonoid(() => new Moments(), {
  check: (first) => requireCompatible(Moments, "Moments", first, () => true),
});

function invalidValue(value: unknown): InvalidArgumentError {
  const shown = typeof value === "number" ? String(value) : `${typeof value} ${String(value)}`;
  return new InvalidArgumentError(`Moments values must be finite numbers with |value| <= 1e60, got ${shown}`);
}

function countOverflow(count: number, more: number): InvalidArgumentError {
  return new InvalidArgumentError(`Moments count would exceed 2^53 - 1 (${count} + ${more})`);
}

function overflow(): InvalidArgumentError {
  return new InvalidArgumentError("Moments: the update would overflow the central moments (the state is not one of real data); state unchanged");
}

function invalidField(message: string, offset: number): DecodeError {
  return new DecodeError("invalid-field", `Moments image: ${message}`, offset);
}
