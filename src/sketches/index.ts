/**
 * Probabilistic sketches: HyperLogLog (distinct counts, Redis-compatible),
 * Bloom filter (membership), Count-Min (frequencies), TopK (Space-Saving
 * heavy hitters), Moments (streaming statistics) and TDigest (quantiles).
 * Each implements the same contract (`Sketch` and `SketchClass`):
 * `add`, `merge`, `clone`, `equals`, `toBytes`, `fromBytes`, `estimate(...)`
 * with its error bounds, `totalWeight` on the weighted ones, and
 * `monoid(options)`, whose `combine` never mutates its inputs. The hashing sketches
 * also take pre-hashed keys (`addHashed`).
 *
 * @module sketches
 */
export type { Sketch, WeightedSketch, SketchClass, SketchStorage } from "./sketch.js";
export { HyperLogLog } from "./hyperloglog.js";
export type { HyperLogLogOptions } from "./hyperloglog.js";
export { BloomFilter } from "./bloom-filter.js";
export type { BloomFilterOptions } from "./bloom-filter.js";
export { CountMinSketch } from "./count-min-sketch.js";
export type { CountMinSketchOptions } from "./count-min-sketch.js";
export { Moments } from "./moments.js";
export type { MomentsOptions } from "./moments.js";
export { TDigest } from "./t-digest.js";
export type { TDigestOptions } from "./t-digest.js";
export { TopK } from "./top-k.js";
export type { TopKOptions, TopKItem, TopKEntry } from "./top-k.js";
// The error classes, as every subpath exports them: callers catch what this
// module's functions throw without importing another entry point.
export { PaperTrailError, ParameterMismatchError, DecodeError, InvalidArgumentError } from "../errors.js";
export type { DecodeErrorCode } from "../errors.js";
