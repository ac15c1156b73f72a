/**
 * Probabilistic sketches: HyperLogLog (distinct counts, Redis-compatible),
 * Bloom filter (membership) and Count-Min (frequencies). Each has the same
 * verbs (`add`, `addHashed`, `merge`, `clone`, `toBytes`, `fromBytes`), a
 * monoid whose `combine` never mutates its inputs, and estimates with bounds.
 *
 * @module sketches
 */
export { HyperLogLog } from "./hyperloglog.js";
export type { HyperLogLogOptions } from "./hyperloglog.js";
export { BloomFilter } from "./bloom-filter.js";
export type { BloomFilterOptions } from "./bloom-filter.js";
export { CountMinSketch } from "./count-min-sketch.js";
export type { CountMinSketchOptions } from "./count-min-sketch.js";
