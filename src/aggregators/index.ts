/**
 * Aggregators: Algebird-style `prepare` / `semigroup` / `present` bundles
 * that describe a computation once and run it anywhere: over an array, an
 * async stream, or split across workers whose partial states merge
 * (`mergeStates`). Combinators compose them (`mapInput`, `mapOutput`,
 * `zip`, `join`, `filter`, `groupBy`), and built-ins cover counts, sums,
 * extremes, moments and every sketch, including "hash once, feed many"
 * variants that take a `HashedKey`. States are plain values or sketches, so
 * they serialize with `createEnvelope`.
 *
 * @module aggregators
 */
export type { Aggregator, MonoidAggregator } from "./aggregator.js";
export { makeAggregator, makeMonoidAggregator, isMonoidAggregator } from "./make.js";
export type { AggregatorDefinition, MonoidAggregatorDefinition } from "./make.js";
export { mapOutput, mapInput, filter, groupBy, keyedStates } from "./combinators.js";
export { zip, join } from "./product.js";
export type { SomeAggregator, InputOf, StateOf, OutputOf, Zipped, Joined } from "./product.js";
export { aggregate, aggregateState, aggregateAsync, aggregateStateAsync, mergeStates, presentMerged } from "./run.js";
export { count, sum, min, max, moments } from "./basic.js";
export type { SumOptions } from "./basic.js";
export {
  distinctCount,
  distinctCountHashed,
  membership,
  membershipHashed,
  frequency,
  frequencyHashed,
  topK,
  quantiles,
} from "./sketches.js";
export type { DistinctCountOptions, TopKAggregatorOptions } from "./sketches.js";
// The error classes, as every subpath exports them: callers catch what this
// module's functions throw without importing another entry point.
export { PaperTrailError, ParameterMismatchError, DecodeError, InvalidArgumentError } from "../errors.js";
export type { DecodeErrorCode } from "../errors.js";
