/**
 * Time windows: per-key time buckets (minute, hour, day, ISO week) with
 * eager rollups, retention, late-event accounting and range queries
 * ("unique users of production_db in the last 24 hours"); sliding windows
 * (running totals for groups); exponentially decayed sums; one-call
 * snapshots. States come from an `Aggregator` (`papertrail/aggregators`).
 *
 * @module windows
 */
export { bucketStart, nextBucket, parseWindowLength, isGranularity, GRANULARITY_MS } from "./granularity.js";
export type { Granularity, WindowLength } from "./granularity.js";
export { TimeWindows } from "./time-windows.js";
export type {
  WindowLevel,
  TimeWindowsOptions,
  TimeWindowsRestoreOptions,
  WindowRange,
  WindowQueryOptions,
  WindowResult,
  DroppedCounts,
  StoredBucket,
  EmptyResultOf,
} from "./time-windows.js";
export { SlidingWindow } from "./sliding-window.js";
export type { SlidingWindowOptions, SlidingWindowRestoreOptions } from "./sliding-window.js";
export { ExponentialDecay } from "./exponential-decay.js";
export type { DecayedValue } from "./exponential-decay.js";
// The error classes, as every subpath exports them: callers catch what this
// module's functions throw without importing another entry point.
export { PaperTrailError, ParameterMismatchError, DecodeError, InvalidArgumentError } from "../errors.js";
export type { DecodeErrorCode } from "../errors.js";
