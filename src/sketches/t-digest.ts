import { brand } from "../brand.js";
import { Approximate } from "../algebra/approximate.js";
import type { Monoid } from "../algebra/monoid.js";
import { ByteWriter } from "../codec/byte-writer.js";
import type { ImageCodec } from "../codec/image-codec.js";
import { Family, writePreamble } from "../codec/preamble.js";
import { DecodeError, InvalidArgumentError } from "../errors.js";
import { mergeMonoid, sketchCodec } from "./merge-instances.js";
import {
  allocate,
  checkOptionKeys,
  openImage,
  requireCompatible,
  type SketchClass,
  type SketchStorage,
  type WeightedSketch,
} from "./sketch.js";

const VERSION = 1;
const DEFAULT_COMPRESSION = 100;
const MIN_COMPRESSION = 10;
const MAX_COMPRESSION = 10_000;
/** Bytes before the centroids: preamble 8, compression, min, max, count 8 each, centroid count 4, reserved 4. */
const HEADER_BYTES = 48;
const OPTION_KEYS = ["compression"] as const;
/**
 * {@link TDigest.estimate}'s interval ends are the means this many centroids
 * before and after the one holding the target rank (see there for why 3).
 */
const ESTIMATE_NEIGHBOURS = 3;
/** The `probability` {@link TDigest.estimate} reports: measured coverage, stated conservatively (see there). */
const ESTIMATE_PROBABILITY = 0.99;

/**
 * Options of {@link TDigest}.
 *
 * @example
 * ```ts
 * import { type TDigestOptions, TDigest } from "papertrail/sketches";
 * const options: TDigestOptions = { compression: 200 };
 * new TDigest(options).compression; // => 200
 * ```
 */
export interface TDigestOptions {
  /**
   * The compression δ, 10..10000; default 100. The digest keeps about 1.3δ
   * centroids (the scale function's range is δ) and buffers 5δ points
   * between merges. Larger is more accurate and bigger.
   */
  readonly compression?: number;
}

/**
 * The merging t-digest (Dunning & Ertl, "Computing Extremely Accurate
 * Quantiles Using t-Digests", 2019): quantiles and ranks of a stream of
 * numbers ("what is the p99 latency?") in a few kilobytes, most accurate
 * near the tails.
 *
 * Points are buffered (5δ of them, in preallocated `Float64Array`s); a full
 * buffer is sorted and merged with the centroids in one pass. The pass uses
 * the arcsine scale function k1 (paper §2.1), normalised as in the reference
 * implementation (Dunning's `MergingDigest`): `k(q) = (δ/π)·asin(2q − 1)`,
 * applied as a size bound checked at both ends of each candidate centroid
 * (`weight/n ≤ 1/k'(q) = π·sqrt(q(1 − q))/δ`). Centroids are therefore
 * singletons at the extremes and at most `π/(2δ)` of the weight (1.6 % at
 * δ = 100) at the median. `min` and `max` are kept exactly.
 *
 * Measured on 10^6 log-normal values at δ = 100 (see `docs`), the rank error
 * `|F(quantile(q)) − q|` is below 1e-4 at q = 0.001 and 0.999, 3e-4 at 0.01
 * and 0.99, and 1e-3 at the median. This is empirical: the t-digest has no
 * worst-case guarantee (adversarial inputs can defeat it).
 * {@link TDigest.estimate} gives a quantile with the interval the centroids
 * can vouch for, and says how far that goes.
 *
 * Queries (`quantile`, `cdf`, `centroidCount`, `toBytes`, `equals`) never
 * change the digest: they read a merged view of the centroids and the
 * buffer, cached until the next `add` or `merge`. `merge` is deterministic
 * (no randomness; ties sorted by mean, then weight) and exactly commutative,
 * but not exactly associative: see {@link TDigest.monoid}.
 *
 * @example
 * ```ts
 * import { TDigest } from "papertrail/sketches";
 * const latency = new TDigest();
 * for (let ms = 1; ms <= 1000; ms++) latency.add(ms);
 * latency.quantile(0.5); // => 500.5
 * latency.quantile(0.99); // => 990.5
 * [latency.min, latency.max, latency.totalWeight]; // => [1, 1000, 1000]
 * Math.abs(latency.cdf(250) - 0.25) < 0.001; // => true
 * ```
 */
export class TDigest implements WeightedSketch<TDigest, number> {
  /** The compression δ. */
  readonly compression: number;
  /** Where the typed arrays come from (kept for growth). */
  private readonly storage: SketchStorage | undefined;
  /** Buffered points: values and weights (5δ slots). */
  private readonly bufferValues: Float64Array;
  private readonly bufferWeights: Float64Array;
  private bufferCount = 0;
  private bufferTotal = 0;
  /** Whether every buffered weight is 1 (then the values alone are sorted, natively). */
  private bufferUnit = true;
  /** Whether bufferValues[0..bufferCount) is sorted (unit weights only). */
  private bufferSorted = true;
  /** Index permutation for sorting weighted buffers, allocated on the first weighted add. */
  private order: Uint32Array | undefined;
  private orderCompare: ((a: number, b: number) => number) | undefined;
  /** Merged centroids, ascending by mean. */
  private means: Float64Array;
  private weights: Float64Array;
  private centroidsUsed = 0;
  /** Sum of the centroid weights, in order. */
  private centroidTotal = 0;
  private low = Infinity;
  private high = -Infinity;
  /** Work area: the sorted union of a merge, compressed in place. Also holds the cached view. */
  private scratchMeans: Float64Array;
  private scratchWeights: Float64Array;
  /** Whether the scratch holds the view of centroids + buffer (valid until the next mutation). */
  private viewValid = false;
  private viewUsed = 0;
  private viewTotal = 0;
  /** Sum of the weights of the last union, in sorted order (the n of its compression). */
  private unionTotal = 0;
  /** The merged state, set by `refresh`: the centroids, or the scratch when points are buffered. */
  private currentMeans: Float64Array;
  private currentWeights: Float64Array;
  private currentUsed = 0;
  private currentTotal = 0;

  /**
   * An empty digest.
   *
   * @param options - `{ compression }` (default 100); any other key throws `InvalidArgumentError`
   * @param storage - where the digest's arrays come from; default: their own buffers
   */
  constructor(options: TDigestOptions = {}, storage?: SketchStorage) {
    checkOptionKeys("TDigest", options, OPTION_KEYS);
    const compression = options.compression ?? DEFAULT_COMPRESSION;
    if (typeof compression !== "number" || !(compression >= MIN_COMPRESSION && compression <= MAX_COMPRESSION)) {
      throw new InvalidArgumentError(
        `TDigest compression must be a number from ${MIN_COMPRESSION} to ${MAX_COMPRESSION}, got ${String(compression)}`,
      );
    }
    this.compression = compression;
    this.storage = storage;
    const bufferSize = Math.ceil(5 * compression);
    const capacity = Math.ceil(2 * compression) + 10;
    this.bufferValues = this.f64(bufferSize);
    this.bufferWeights = this.f64(bufferSize);
    this.means = this.f64(capacity);
    this.weights = this.f64(capacity);
    this.scratchMeans = this.f64(bufferSize + capacity);
    this.scratchWeights = this.f64(bufferSize + capacity);
    this.currentMeans = this.means;
    this.currentWeights = this.weights;
  }

  /**
   * Adds `value` with `weight` (default 1). `value` must be a finite number
   * and `weight` a finite number `> 0`; anything else throws
   * `InvalidArgumentError` and leaves the digest unchanged. No allocation:
   * the point goes into the buffer, which is merged when full.
   *
   * @example
   * ```ts
   * import { TDigest } from "papertrail/sketches";
   * const digest = new TDigest().add(10).add(20, 3);
   * [digest.totalWeight, digest.quantile(0.9)]; // => [4, 20]
   * ```
   */
  add(value: number, weight = 1): this {
    if (typeof value !== "number" || value - value !== 0) {
      throw new InvalidArgumentError(`TDigest value must be a finite number, got ${String(value)}`);
    }
    if (weight !== 1) {
      if (typeof weight !== "number" || !(weight > 0 && weight <= Number.MAX_VALUE)) {
        throw new InvalidArgumentError(`TDigest weight must be a finite number > 0, got ${String(weight)}`);
      }
      this.bufferUnit = false;
    }
    if (!(this.centroidTotal + this.bufferTotal + weight <= Number.MAX_VALUE)) {
      throw new InvalidArgumentError(`TDigest total weight would overflow: ${this.totalWeight} + ${weight}`);
    }
    if (this.bufferCount === this.bufferValues.length) this.flush();
    const x = value + 0; // -0 becomes +0, so equal values have equal bits
    const at = this.bufferCount++;
    this.bufferValues[at] = x;
    this.bufferWeights[at] = weight;
    this.bufferTotal += weight;
    this.bufferSorted = false;
    this.viewValid = false;
    if (x < this.low) this.low = x;
    if (x > this.high) this.high = x;
    return this;
  }

  /**
   * Total weight added, merges included (the number of points, for unit
   * weights). With non-integer weights the image's count (the sum of the
   * merged weights) may differ from it by rounding.
   *
   * @example
   * ```ts
   * import { TDigest } from "papertrail/sketches";
   * new TDigest().add(1).add(2, 2.5).totalWeight; // => 3.5
   * ```
   */
  get totalWeight(): number {
    return this.centroidTotal + this.bufferTotal;
  }

  /**
   * The smallest value added, exactly; `NaN` when empty.
   *
   * @example
   * ```ts
   * import { TDigest } from "papertrail/sketches";
   * [new TDigest().add(3).add(-1.5).min, new TDigest().min]; // => [-1.5, NaN]
   * ```
   */
  get min(): number {
    return this.isEmpty ? Number.NaN : this.low;
  }

  /**
   * The largest value added, exactly; `NaN` when empty.
   *
   * @example
   * ```ts
   * import { TDigest } from "papertrail/sketches";
   * new TDigest().add(3).add(-1.5).max; // => 3
   * ```
   */
  get max(): number {
    return this.isEmpty ? Number.NaN : this.high;
  }

  /**
   * Number of centroids after merging the buffer (what the image holds).
   *
   * @example
   * ```ts
   * import { TDigest } from "papertrail/sketches";
   * const digest = new TDigest();
   * for (let i = 0; i < 100_000; i++) digest.add(i);
   * digest.centroidCount < 200; // => true
   * ```
   */
  get centroidCount(): number {
    this.refresh();
    return this.currentUsed;
  }

  /**
   * Bytes held by the digest's typed arrays (buffer, centroids, work area):
   * `16 * (2 * bufferSize + 2 * centroidCapacity)` with `bufferSize = ceil(5δ)`
   * and `centroidCapacity = ceil(2δ) + 10` (grown only if ever exceeded),
   * plus 4 bytes per buffer slot once weighted points are added.
   *
   * @example
   * ```ts
   * import { TDigest } from "papertrail/sketches";
   * new TDigest().sizeInBytes; // => 22720
   * ```
   */
  get sizeInBytes(): number {
    return (
      this.bufferValues.byteLength +
      this.bufferWeights.byteLength +
      this.means.byteLength +
      this.weights.byteLength +
      this.scratchMeans.byteLength +
      this.scratchWeights.byteLength +
      (this.order?.byteLength ?? 0)
    );
  }

  /**
   * The value below which a fraction `q` (in [0, 1]) of the weight lies.
   * `quantile(0)` is `min` and `quantile(1)` is `max`, exactly; in between,
   * the estimate interpolates linearly between centroid means (placed at the
   * middle of their weight), from `min` before the first and to `max` after
   * the last. A centroid of weight 1 is a single point: it covers its unit
   * of weight with its exact value. Non-decreasing in `q`. `NaN` when empty;
   * `q` outside [0, 1] throws `InvalidArgumentError`.
   *
   * @example
   * ```ts
   * import { TDigest } from "papertrail/sketches";
   * const digest = new TDigest().add(1).add(2).add(3).add(4);
   * [digest.quantile(0), digest.quantile(0.5), digest.quantile(1)]; // => [1, 2, 4]
   * new TDigest().quantile(0.5); // => NaN
   * ```
   */
  quantile(q: number): number {
    if (typeof q !== "number" || !(q >= 0 && q <= 1)) {
      throw new InvalidArgumentError(`TDigest quantile q must be a number in [0, 1], got ${String(q)}`);
    }
    this.refresh();
    const used = this.currentUsed;
    if (used === 0) return Number.NaN;
    const low = this.low;
    const high = this.high;
    if (q === 0 || low === high) return low;
    if (q === 1) return high;
    const means = this.currentMeans;
    const weights = this.currentWeights;
    const total = this.currentTotal;
    const target = q * total;
    // Knots of the piecewise-linear quantile function: (0, min), then each
    // centroid's mean at the middle of its weight (a weight-1 centroid is one
    // point: flat over its unit of weight), then (total, max).
    let previousAt = 0;
    let previousValue = low;
    let before = 0;
    for (let i = 0; i < used; i++) {
      const weight = weights[i] as number;
      const mean = means[i] as number;
      if (weight === 1) {
        if (target <= before) return interpolateValue(previousAt, previousValue, before, mean, target);
        if (target <= before + 1) return mean;
        previousAt = before + 1;
      } else {
        const middle = before + weight / 2;
        if (target <= middle) return interpolateValue(previousAt, previousValue, middle, mean, target);
        previousAt = middle;
      }
      previousValue = mean;
      before += weight;
    }
    return interpolateValue(previousAt, previousValue, total, high, target);
  }

  /**
   * `quantile(q)` with an interval: from the mean of the centroid three
   * before the one holding rank `q · totalWeight` to the mean of the one
   * three after (`min` and `max` where the digest ends first). `q = 0` and
   * `q = 1` give `min` and `max` exactly, with probability 1.
   *
   * What a merging t-digest can vouch for: it keeps no value range per
   * centroid, so no value interval holds for every input. A digest
   * compressed once from its points keeps each centroid a run of
   * consecutive sorted values, and then the two neighbouring centroids'
   * means already bound the quantile. But every buffer flush and every
   * merge re-compresses centroids together with new points, and centroids'
   * value ranges come to overlap. Measured (test/t-digest.test.ts and
   * docs/sketches.md) on seeded data (log-normal, uniform, integers with
   * ties, bimodal; random, ascending, descending and alternating-extremes
   * orders; one digest or 8 merged; compression 10 to 100; exact quantiles
   * at 1001 ranks): one neighbour each side misses the exact quantile 2.9 %
   * of the time, two 0.05 % (all with alternating extremes), three never.
   * `probability` is 0.99: that measured coverage, stated conservatively,
   * not a proof; adversarial inputs can still defeat it.
   *
   * Throws `InvalidArgumentError` when empty or for `q` outside [0, 1].
   *
   * @param q - the quantile, in [0, 1]
   *
   * @example
   * ```ts
   * import { TDigest } from "papertrail/sketches";
   * const latency = new TDigest();
   * for (let ms = 1; ms <= 1000; ms++) latency.add(ms);
   * const p99 = latency.estimate(0.99);
   * [p99.estimate, p99.lower, p99.upper, p99.probability]; // => [990.5, 982, 996, 0.99]
   * latency.estimate(1).isExact; // => true
   * ```
   */
  estimate(q: number): Approximate {
    const value = this.quantile(q); // validates q, refreshes the merged view
    const used = this.currentUsed;
    if (used === 0) throw new InvalidArgumentError("TDigest.estimate needs at least one value, got an empty TDigest");
    if (q === 0 || q === 1 || this.low === this.high) return Approximate.exact(value);
    const means = this.currentMeans;
    const weights = this.currentWeights;
    const target = q * this.currentTotal;
    let holder = 0;
    let before = 0;
    while (holder < used - 1 && before + (weights[holder] as number) < target) {
      before += weights[holder] as number;
      holder++;
    }
    const lower = holder >= ESTIMATE_NEIGHBOURS ? (means[holder - ESTIMATE_NEIGHBOURS] as number) : this.low;
    const upper = holder + ESTIMATE_NEIGHBOURS < used ? (means[holder + ESTIMATE_NEIGHBOURS] as number) : this.high;
    return new Approximate(value, Math.min(lower, value), Math.max(upper, value), ESTIMATE_PROBABILITY);
  }

  /**
   * The estimated fraction of the weight at or below `x`: 0 below `min`, 1
   * from `max` on, and the inverse of {@link TDigest.quantile}'s
   * interpolation in between. Non-decreasing in `x`. `NaN` when empty; a
   * `NaN` or non-number `x` throws `InvalidArgumentError`.
   *
   * @example
   * ```ts
   * import { TDigest } from "papertrail/sketches";
   * const digest = new TDigest().add(1).add(2).add(3).add(4);
   * [digest.cdf(0), digest.cdf(2), digest.cdf(2.5), digest.cdf(4)]; // => [0, 0.5, 0.5, 1]
   * ```
   */
  cdf(x: number): number {
    if (typeof x !== "number" || Number.isNaN(x)) {
      throw new InvalidArgumentError(`TDigest cdf x must be a number, got ${String(x)}`);
    }
    this.refresh();
    const used = this.currentUsed;
    if (used === 0) return Number.NaN;
    if (x < this.low) return 0;
    if (x >= this.high) return 1;
    const means = this.currentMeans;
    const weights = this.currentWeights;
    const total = this.currentTotal;
    let previousAt = 0;
    let previousValue = this.low;
    let before = 0;
    for (let i = 0; i < used; i++) {
      const weight = weights[i] as number;
      const mean = means[i] as number;
      if (weight === 1) {
        if (mean > x) return interpolateRank(previousAt, previousValue, before, mean, x) / total;
        previousAt = before + 1;
      } else {
        const middle = before + weight / 2;
        if (mean > x) return interpolateRank(previousAt, previousValue, middle, mean, x) / total;
        previousAt = middle;
      }
      previousValue = mean;
      before += weight;
    }
    return interpolateRank(previousAt, previousValue, total, this.high, x) / total;
  }

  /**
   * Merges `other` into this digest: the union of both digests' centroids
   * (each with its buffer merged first) is sorted by mean, then weight, and
   * compressed in one pass. `other` is not changed. Both must have the same
   * compression, else `ParameterMismatchError`.
   *
   * @example
   * ```ts
   * import { TDigest } from "papertrail/sketches";
   * const east = new TDigest().add(1).add(2);
   * const west = new TDigest().add(3).add(4);
   * const both = east.merge(west);
   * [both.totalWeight, both.min, both.max, both.quantile(0.5)]; // => [4, 1, 4, 2]
   * ```
   */
  merge(other: TDigest): this {
    requireCompatible(TDigest, this.describe(), other, (o) => o.compression === this.compression);
    // Flush first: when `other` is this digest, its merged state is then
    // the centroids, which the loop below only reads.
    this.flush();
    other.refresh();
    const otherUsed = other.currentUsed;
    if (otherUsed === 0) return this;
    const otherMeans = other.currentMeans;
    const otherWeights = other.currentWeights;
    const otherLow = other.low;
    const otherHigh = other.high;
    const used = this.centroidsUsed;
    if (used === 0) {
      // An empty digest is the identity: take the other's merged state as it
      // is, so that empty.merge(a) equals a.merge(empty) equals a.
      this.ensureCapacity(otherUsed);
      this.means.set(otherMeans.subarray(0, otherUsed));
      this.weights.set(otherWeights.subarray(0, otherUsed));
      this.centroidsUsed = otherUsed;
      this.centroidTotal = other.currentTotal;
      this.low = otherLow;
      this.high = otherHigh;
      this.viewValid = false;
      return this;
    }
    const length = used + otherUsed;
    this.ensureScratch(length);
    // Both inputs are sorted: merge them by (mean, weight) into the scratch.
    const means = this.means;
    const weights = this.weights;
    const outMeans = this.scratchMeans;
    const outWeights = this.scratchWeights;
    let total = 0;
    let i = 0;
    let j = 0;
    for (let k = 0; k < length; k++) {
      let mean: number;
      let weight: number;
      if (
        j >= otherUsed ||
        (i < used &&
          ((means[i] as number) < (otherMeans[j] as number) ||
            ((means[i] as number) === (otherMeans[j] as number) && (weights[i] as number) <= (otherWeights[j] as number))))
      ) {
        mean = means[i] as number;
        weight = weights[i++] as number;
      } else {
        mean = otherMeans[j] as number;
        weight = otherWeights[j++] as number;
      }
      outMeans[k] = mean;
      outWeights[k] = weight;
    }
    // A digest's own centroids of equal mean need not be ordered by weight,
    // so the two-pointer merge alone can depend on which digest is the
    // receiver. Ordering each run of equal means by weight makes the merged
    // sequence (and so the result) the same either way: merge commutes.
    for (let k = 1; k < length; k++) {
      const mean = outMeans[k] as number;
      const weight = outWeights[k] as number;
      let p = k - 1;
      if (outMeans[p] !== mean || (outWeights[p] as number) <= weight) continue;
      while (p >= 0 && outMeans[p] === mean && (outWeights[p] as number) > weight) {
        outMeans[p + 1] = outMeans[p] as number;
        outWeights[p + 1] = outWeights[p] as number;
        p--;
      }
      outMeans[p + 1] = mean;
      outWeights[p + 1] = weight;
    }
    for (let k = 0; k < length; k++) total += outWeights[k] as number;
    if (!(total <= Number.MAX_VALUE)) {
      throw new InvalidArgumentError(`TDigest total weight would overflow: ${this.centroidTotal} + ${other.currentTotal}`);
    }
    if (otherLow < this.low) this.low = otherLow;
    if (otherHigh > this.high) this.high = otherHigh;
    this.adoptScratch(compress(outMeans, outWeights, length, total, this.compression));
    return this;
  }

  /**
   * An independent copy, buffer included (so it evolves exactly as the
   * original would).
   *
   * @example
   * ```ts
   * import { TDigest } from "papertrail/sketches";
   * const a = new TDigest().add(1);
   * const b = a.clone().add(2);
   * [a.totalWeight, b.totalWeight]; // => [1, 2]
   * ```
   */
  clone(): TDigest {
    // The copy gets its own buffers (never the receiver's storage).
    const copy = new TDigest({ compression: this.compression });
    copy.bufferValues.set(this.bufferValues.subarray(0, this.bufferCount));
    copy.bufferWeights.set(this.bufferWeights.subarray(0, this.bufferCount));
    copy.bufferCount = this.bufferCount;
    copy.bufferTotal = this.bufferTotal;
    copy.bufferUnit = this.bufferUnit;
    copy.bufferSorted = this.bufferSorted;
    copy.ensureCapacity(this.centroidsUsed);
    copy.means.set(this.means.subarray(0, this.centroidsUsed));
    copy.weights.set(this.weights.subarray(0, this.centroidsUsed));
    copy.centroidsUsed = this.centroidsUsed;
    copy.centroidTotal = this.centroidTotal;
    copy.low = this.low;
    copy.high = this.high;
    return copy;
  }

  /**
   * Same compression and the same merged state: count, min, max and every
   * centroid (mean and weight), with buffers merged first. Equal digests
   * answer every query alike and have the same image. (Their buffers may
   * differ, so later `add`s may merge at different moments.)
   *
   * @example
   * ```ts
   * import { TDigest } from "papertrail/sketches";
   * const a = new TDigest().add(1).add(2);
   * [a.equals(a.clone()), a.equals(new TDigest().add(2).add(1)), a.equals(new TDigest().add(1))]; // => [true, true, false]
   * ```
   */
  equals(other: TDigest): boolean {
    if (!(other instanceof TDigest) || other.compression !== this.compression) return false;
    this.refresh();
    other.refresh();
    const used = this.currentUsed;
    if (used !== other.currentUsed || this.currentTotal !== other.currentTotal) return false;
    if (used === 0) return true;
    if (this.low !== other.low || this.high !== other.high) return false;
    const means = this.currentMeans;
    const weights = this.currentWeights;
    const otherMeans = other.currentMeans;
    const otherWeights = other.currentWeights;
    for (let i = 0; i < used; i++) {
      if (means[i] !== otherMeans[i] || weights[i] !== otherWeights[i]) return false;
    }
    return true;
  }

  /**
   * Names the digest's parameters, as in error messages.
   *
   * @example
   * ```ts
   * import { TDigest } from "papertrail/sketches";
   * new TDigest().describe(); // => "TDigest(compression=100)"
   * ```
   */
  describe(): string {
    return `TDigest(compression=${this.compression})`;
  }

  /** Same as {@link TDigest.describe}. */
  toString(): string {
    return this.describe();
  }

  /**
   * The digest's binary image (family 0x06, version 1; `docs/format.md`),
   * after merging the buffer (the digest itself is not changed): 48 header
   * bytes (compression, min, max, count, centroid count), then each
   * centroid's mean and weight as little-endian doubles.
   *
   * @example
   * ```ts
   * import { TDigest } from "papertrail/sketches";
   * [new TDigest().toBytes().length, new TDigest().add(1).add(2).toBytes().length]; // => [48, 80]
   * ```
   */
  toBytes(): Uint8Array<ArrayBuffer> {
    this.refresh();
    const used = this.currentUsed;
    const writer = new ByteWriter(HEADER_BYTES + 16 * used);
    writePreamble(writer, Family.TDigest, VERSION, 0);
    // An empty digest writes min = max = 0 (its min and max are undefined).
    writer.f64(this.compression).f64(used === 0 ? 0 : this.low).f64(used === 0 ? 0 : this.high).f64(this.currentTotal);
    writer.u32(used).u32(0);
    const means = this.currentMeans;
    const weights = this.currentWeights;
    for (let i = 0; i < used; i++) writer.f64(means[i] as number).f64(weights[i] as number);
    return writer.finish();
  }

  /**
   * Parses an image written by {@link TDigest.toBytes}; throws a
   * `DecodeError` on anything else: a compression outside 10..10000, a
   * non-finite or out-of-order min and max, weights that are not finite and
   * positive, means that decrease or leave [min, max], a count that is not
   * the sum of the weights, or more centroids than the input holds.
   *
   * @example
   * ```ts
   * import { TDigest } from "papertrail/sketches";
   * const digest = new TDigest({ compression: 50 }).add(5).add(7, 2);
   * const copy = TDigest.fromBytes(digest.toBytes());
   * [copy.equals(digest), copy.compression, copy.quantile(1)]; // => [true, 50, 7]
   * ```
   */
  static fromBytes(bytes: Uint8Array): TDigest {
    const { reader } = openImage(bytes, "TDigest", Family.TDigest, [VERSION]);
    const compression = reader.f64("compression");
    if (!(compression >= MIN_COMPRESSION && compression <= MAX_COMPRESSION)) {
      reader.invalid(`compression must be in [${MIN_COMPRESSION}, ${MAX_COMPRESSION}], got ${compression}`);
    }
    const low = reader.f64("min");
    const high = reader.f64("max");
    if (Object.is(low, -0) || Object.is(high, -0)) reader.invalid("-0 is written as 0");
    const total = reader.f64("count");
    const used = reader.u32("centroid count");
    if (reader.u32("reserved") !== 0) reader.invalid("reserved bytes 44..47 must be zero");
    if (used === 0) {
      if (total !== 0 || !Object.is(low, 0) || !Object.is(high, 0)) {
        reader.invalid(`an empty digest must have count 0 and min = max = 0, got ${total}, ${low}, ${high}`);
      }
    } else {
      if (!(low - low === 0) || !(high - high === 0) || !(low <= high)) {
        reader.invalid(`min and max must be finite with min <= max, got ${low}, ${high}`);
      }
      if (!(total > 0 && total <= Number.MAX_VALUE)) reader.invalid(`count must be finite and > 0, got ${total}`);
    }
    reader.requireElements(used, 16, "centroids");
    const raw = reader.bytesView(used * 16, "centroids");
    reader.expectEnd();
    const digest = new TDigest({ compression });
    digest.ensureCapacity(used);
    const means = digest.means;
    const weights = digest.weights;
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    let sum = 0;
    let previous = low;
    for (let i = 0; i < used; i++) {
      const mean = view.getFloat64(16 * i, true);
      const weight = view.getFloat64(16 * i + 8, true);
      const at = HEADER_BYTES + 16 * i;
      if (Object.is(mean, -0)) throw new DecodeError("invalid-field", `TDigest image: centroid ${i} mean is -0 (written as 0)`, at);
      if (!(mean >= previous && mean <= high)) {
        throw new DecodeError(
          "invalid-field",
          `TDigest image: centroid ${i} mean ${mean} must be in [${previous}, ${high}] (non-decreasing, within [min, max])`,
          at,
        );
      }
      if (!(weight > 0 && weight <= Number.MAX_VALUE)) {
        throw new DecodeError("invalid-field", `TDigest image: centroid ${i} weight must be finite and > 0, got ${weight}`, at + 8);
      }
      means[i] = mean;
      weights[i] = weight;
      sum += weight;
      previous = mean;
    }
    if (sum !== total) reader.invalid(`count ${total} is not the sum of the centroid weights, ${sum}`);
    digest.centroidsUsed = used;
    digest.centroidTotal = total;
    if (used > 0) {
      digest.low = low;
      digest.high = high;
    }
    return digest;
  }

  /**
   * The {@link ImageCodec} of t-digests, for envelopes.
   *
   * @example
   * ```ts
   * import { TDigest } from "papertrail/sketches";
   * import { createEnvelope } from "papertrail/codec";
   * const envelope = createEnvelope({ codecs: [TDigest.codec] });
   * const state = { latency: new TDigest().add(12).add(30) };
   * (envelope.decode(envelope.encode(state)) as typeof state).latency.max; // => 30
   * ```
   */
  static readonly codec: ImageCodec<TDigest> = sketchCodec(Family.TDigest, "TDigest", TDigest, (bytes) => TDigest.fromBytes(bytes));

  /**
   * The merge monoid of digests of the given compression: `empty` is a
   * fresh empty digest, `combine` merges into a copy (never its inputs),
   * and `combineAll` merges everything into one new digest.
   *
   * Which laws hold exactly ({@link TDigest.equals}): both identities
   * (re-compressing a digest's own centroids changes nothing),
   * commutativity (the merged union is sorted by mean, then weight), and
   * `combineMany`/`combineAll` equal the fold of `combine`. Associativity
   * does not: `(a + b) + c` and `a + (b + c)` compress in different orders,
   * so their centroids differ. It holds approximately (the quantiles agree
   * to within about a centroid's weight): an approximate monoid, fine for
   * merging partial digests in any grouping, but not bit-identical across
   * groupings.
   *
   * @example
   * ```ts
   * import { TDigest } from "papertrail/sketches";
   * const digests = TDigest.monoid({ compression: 100 });
   * const hourly = [digests.empty.add(1).add(2), digests.empty.add(3)];
   * const day = digests.combineAll(hourly);
   * [day.totalWeight, day.max, hourly[0].totalWeight]; // => [3, 3, 2]
   * ```
   */
  static monoid(options: TDigestOptions = {}): Monoid<TDigest> {
    const compression = new TDigest(options).compression; // validates
    const expected = `TDigest(compression=${compression})`;
    return mergeMonoid(() => new TDigest({ compression }), {
      check: (first) => requireCompatible(TDigest, expected, first, (o) => o.compression === compression),
    });
  }

  private get isEmpty(): boolean {
    return this.centroidsUsed === 0 && this.bufferCount === 0;
  }

  private f64(length: number): Float64Array {
    const bytes = allocate(this.storage, length * 8);
    return new Float64Array(bytes.buffer, bytes.byteOffset, length);
  }

  /**
   * Points `current*` at the merged state (centroids + buffer), computing it
   * into the scratch at most once per mutation. No allocation.
   */
  private refresh(): void {
    if (this.bufferCount === 0) {
      this.currentMeans = this.means;
      this.currentWeights = this.weights;
      this.currentUsed = this.centroidsUsed;
      this.currentTotal = this.centroidTotal;
      return;
    }
    if (!this.viewValid) {
      const length = this.unionIntoScratch();
      this.viewUsed = compress(this.scratchMeans, this.scratchWeights, length, this.unionTotal, this.compression);
      this.viewTotal = sumOf(this.scratchWeights, this.viewUsed);
      this.viewValid = true;
    }
    this.currentMeans = this.scratchMeans;
    this.currentWeights = this.scratchWeights;
    this.currentUsed = this.viewUsed;
    this.currentTotal = this.viewTotal;
  }

  /** Merges the buffer into the centroids. */
  private flush(): void {
    if (this.bufferCount === 0) return;
    if (!this.viewValid) {
      const length = this.unionIntoScratch();
      this.viewUsed = compress(this.scratchMeans, this.scratchWeights, length, this.unionTotal, this.compression);
    }
    this.adoptScratch(this.viewUsed);
    this.bufferCount = 0;
    this.bufferTotal = 0;
    this.bufferUnit = true;
    this.bufferSorted = true;
  }

  /** Copies the first `used` scratch entries into the centroids. */
  private adoptScratch(used: number): void {
    this.ensureCapacity(used);
    this.means.set(this.scratchMeans.subarray(0, used));
    this.weights.set(this.scratchWeights.subarray(0, used));
    this.centroidsUsed = used;
    this.centroidTotal = sumOf(this.weights, used);
    this.viewValid = false;
  }

  /**
   * Sorts the buffer and merges it with the centroids, by (mean, weight),
   * into the scratch; sets `unionTotal` to the sum of the weights in that
   * order. Returns the number of entries.
   */
  private unionIntoScratch(): number {
    const count = this.bufferCount;
    const used = this.centroidsUsed;
    const length = count + used;
    this.ensureScratch(length);
    const values = this.bufferValues;
    const bufferWeights = this.bufferWeights;
    const means = this.means;
    const weights = this.weights;
    const outMeans = this.scratchMeans;
    const outWeights = this.scratchWeights;
    let total = 0;
    let j = 0;
    if (this.bufferUnit) {
      // Unit weights: only the values need sorting (native numeric sort).
      if (!this.bufferSorted) {
        values.subarray(0, count).sort();
        this.bufferSorted = true;
      }
      let i = 0;
      for (let k = 0; k < length; k++) {
        if (j >= used || (i < count && ((values[i] as number) < (means[j] as number) || ((values[i] as number) === (means[j] as number) && 1 <= (weights[j] as number))))) {
          outMeans[k] = values[i++] as number;
          outWeights[k] = 1;
          total += 1;
        } else {
          const weight = weights[j] as number;
          outMeans[k] = means[j++] as number;
          outWeights[k] = weight;
          total += weight;
        }
      }
    } else {
      const order = this.sortedOrder();
      let i = 0;
      for (let k = 0; k < length; k++) {
        const b = i < count ? (order[i] as number) : 0;
        if (
          j >= used ||
          (i < count &&
            ((values[b] as number) < (means[j] as number) ||
              ((values[b] as number) === (means[j] as number) && (bufferWeights[b] as number) <= (weights[j] as number))))
        ) {
          const weight = bufferWeights[b] as number;
          outMeans[k] = values[b] as number;
          outWeights[k] = weight;
          total += weight;
          i++;
        } else {
          const weight = weights[j] as number;
          outMeans[k] = means[j++] as number;
          outWeights[k] = weight;
          total += weight;
        }
      }
    }
    this.unionTotal = total;
    return length;
  }

  /** The buffer's indices sorted by (value, weight, index). */
  private sortedOrder(): Uint32Array {
    const count = this.bufferCount;
    if (this.order === undefined) {
      this.order = new Uint32Array(this.bufferValues.length);
      const values = this.bufferValues;
      const weights = this.bufferWeights;
      // Created once per digest, not per call. Values are finite, so the
      // differences are never NaN (at worst ±Infinity, with the right sign).
      this.orderCompare = (a, b) =>
        (values[a] as number) - (values[b] as number) || (weights[a] as number) - (weights[b] as number) || a - b;
    }
    const order = this.order.subarray(0, count);
    for (let i = 0; i < count; i++) order[i] = i;
    order.sort(this.orderCompare);
    return order;
  }

  private ensureScratch(length: number): void {
    if (this.scratchMeans.length < length) {
      const size = Math.max(length, 2 * this.scratchMeans.length);
      this.scratchMeans = this.f64(size);
      this.scratchWeights = this.f64(size);
      this.viewValid = false;
    }
  }

  private ensureCapacity(used: number): void {
    if (this.means.length < used) {
      const size = Math.max(used, 2 * this.means.length);
      const means = this.f64(size);
      const weights = this.f64(size);
      means.set(this.means.subarray(0, this.centroidsUsed));
      weights.set(this.weights.subarray(0, this.centroidsUsed));
      this.means = means;
      this.weights = weights;
    }
  }
}

TDigest satisfies SketchClass<TDigest, TDigestOptions>;

// `instanceof TDigest` holds for sketches of any copy of PaperTrail 1.x (src/brand.ts).
brand(TDigest, "TDigest");

/**
 * Compresses `length` entries sorted by mean, of total weight `total`, in
 * place; returns the number of centroids. Greedy, left to right: an entry
 * joins the current centroid while the joined weight `w` satisfies the k1
 * size bound at both ends of the centroid, `w/n <= π·sqrt(q(1 − q))/δ` for q
 * the rank before and after it (Dunning & Ertl 2019, §2.1, with the
 * reference MergingDigest's normalisation `k(q) = (δ/π)·asin(2q − 1)`).
 * At q = 0 and q = 1 the bound is 0, so the extreme points stay singletons.
 * The bound is checked as `(w·δ/π)^2 <= W·(n − W)` for the weight W below
 * each end, with no division. The check fails monotonically as w grows, so
 * compressing an output again changes nothing (the monoid identity law).
 */
function compress(means: Float64Array, weights: Float64Array, length: number, total: number, compression: number): number {
  if (length === 0) return 0;
  const scale = compression / Math.PI;
  let out = 0;
  let below = 0;
  let mean = means[0] as number;
  let weight = weights[0] as number;
  let first = mean;
  for (let i = 1; i < length; i++) {
    const x = means[i] as number;
    const w = weights[i] as number;
    const joined = weight + w;
    const z = joined * scale;
    const zz = z * z;
    const above = below + joined;
    if (zz <= below * (total - below) && zz <= above * (total - above)) {
      weight = joined;
      mean += ((x - mean) * w) / joined;
      // Keep the mean within its points' range despite rounding: means stay
      // non-decreasing and within [min, max].
      if (mean > x) mean = x;
      else if (mean < first) mean = first;
    } else {
      means[out] = mean;
      weights[out] = weight;
      out++;
      below += weight;
      mean = x;
      weight = w;
      first = x;
    }
  }
  means[out] = mean;
  weights[out] = weight;
  return out + 1;
}

function sumOf(weights: Float64Array, used: number): number {
  let sum = 0;
  for (let i = 0; i < used; i++) sum += weights[i] as number;
  return sum;
}

/** The value at `target` on the segment from (at0, value0) to (at1, value1); at0 <= target <= at1. */
function interpolateValue(at0: number, value0: number, at1: number, value1: number, target: number): number {
  if (!(at1 > at0)) return value0;
  const fraction = (target - at0) / (at1 - at0);
  const span = value1 - value0;
  // A span above Number.MAX_VALUE (data from near -MAX to near +MAX) is taken in halves.
  const value = Number.isFinite(span) ? value0 + span * fraction : value0 + (value1 / 2 - value0 / 2) * fraction * 2;
  return value >= value0 ? (value <= value1 ? value : value1) : value0;
}

/** The position of `x` on the segment from (at0, value0) to (at1, value1); value0 <= x < value1. */
function interpolateRank(at0: number, value0: number, at1: number, value1: number, x: number): number {
  const span = value1 - value0;
  const fraction = Number.isFinite(span) ? (x - value0) / span : (x / 2 - value0 / 2) / (value1 / 2 - value0 / 2);
  const at = at0 + (at1 - at0) * fraction;
  return at >= at0 ? (at <= at1 ? at : at1) : at0;
}

