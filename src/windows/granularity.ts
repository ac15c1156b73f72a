import { InvalidArgumentError } from "../errors.js";

/**
 * The size of a time bucket. All buckets are in UTC and of fixed length:
 * minutes and hours and days start at multiples of their length since the
 * epoch; weeks are ISO weeks, starting on Monday 00:00 UTC.
 *
 * @example
 * ```ts
 * import { type Granularity, bucketStart } from "papertrail/windows";
 * const g: Granularity = "day";
 * bucketStart(Date.UTC(2024, 2, 5, 17, 30), g) === Date.UTC(2024, 2, 5); // => true
 * ```
 */
export type Granularity = "minute" | "hour" | "day" | "week";

/**
 * Length of a bucket of each granularity, in milliseconds.
 *
 * @example
 * ```ts
 * import { GRANULARITY_MS } from "papertrail/windows";
 * GRANULARITY_MS.hour; // => 3600000
 * GRANULARITY_MS.week / GRANULARITY_MS.day; // => 7
 * ```
 */
export const GRANULARITY_MS: Readonly<Record<Granularity, number>> = Object.freeze({
  minute: 60_000,
  hour: 3_600_000,
  day: 86_400_000,
  week: 604_800_000,
});

// The epoch (1970-01-01) was a Thursday: ISO weeks start 3 days earlier
// (Monday 1969-12-29), so a week's start is 3 days before a multiple of 7 days.
const WEEK_OFFSET = 3 * 86_400_000;

/**
 * Whether `value` names a {@link Granularity}.
 *
 * @example
 * ```ts
 * import { isGranularity } from "papertrail/windows";
 * isGranularity("hour"); // => true
 * isGranularity("month"); // => false
 * ```
 */
export function isGranularity(value: unknown): value is Granularity {
  return value === "minute" || value === "hour" || value === "day" || value === "week";
}

function sizeOf(granularity: Granularity): number {
  const size = GRANULARITY_MS[granularity];
  if (size === undefined || !isGranularity(granularity)) {
    throw new InvalidArgumentError(`granularity must be "minute", "hour", "day" or "week", got ${String(granularity)}`);
  }
  return size;
}

/**
 * The start (epoch milliseconds) of the bucket of `granularity` holding
 * `time`: the largest bucket boundary `<= time`. Works for times before the
 * epoch (floor, not truncation) and across years (a week starting on
 * Monday 2024-12-30 holds 2025-01-01).
 *
 * @example
 * ```ts
 * import { bucketStart } from "papertrail/windows";
 * bucketStart(Date.UTC(2025, 0, 1, 12), "week") === Date.UTC(2024, 11, 30); // => true
 * bucketStart(-1, "hour"); // => -3600000
 * bucketStart(0, "week"); // => -259200000
 * ```
 */
export function bucketStart(time: number, granularity: Granularity): number {
  const size = sizeOf(granularity);
  if (!Number.isFinite(time)) throw new InvalidArgumentError(`bucketStart: time must be a finite number, got ${time}`);
  if (granularity === "week") return Math.floor((time + WEEK_OFFSET) / size) * size - WEEK_OFFSET;
  return Math.floor(time / size) * size;
}

/**
 * The start of the bucket after the one holding `time` (so
 * `nextBucket(bucketStart(t, g), g)` is the end of `t`'s bucket).
 *
 * @example
 * ```ts
 * import { nextBucket } from "papertrail/windows";
 * nextBucket(Date.UTC(2024, 0, 1, 10, 15), "hour") === Date.UTC(2024, 0, 1, 11); // => true
 * nextBucket(Date.UTC(2024, 11, 31), "week") === Date.UTC(2025, 0, 6); // => true
 * ```
 */
export function nextBucket(time: number, granularity: Granularity): number {
  return bucketStart(time, granularity) + sizeOf(granularity);
}

/**
 * A window length written as `<n><unit>` with unit `m` (minutes), `h`
 * (hours), `d` (days) or `w` (weeks): `"1h"`, `"24h"`, `"7d"`, `"30d"`.
 *
 * @example
 * ```ts
 * import { type WindowLength, parseWindowLength } from "papertrail/windows";
 * const day: WindowLength = "24h";
 * parseWindowLength(day); // => 86400000
 * ```
 */
export type WindowLength = `${number}${"m" | "h" | "d" | "w"}`;

const UNIT_MS: Readonly<Record<string, number>> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/**
 * Parses a {@link WindowLength} into milliseconds; throws
 * `InvalidArgumentError` on anything else (the count must be a positive integer).
 *
 * @example
 * ```ts
 * import { parseWindowLength } from "papertrail/windows";
 * parseWindowLength("1h"); // => 3600000
 * parseWindowLength("30d") / 86400000; // => 30
 * parseWindowLength("2w"); // => 1209600000
 * ```
 */
export function parseWindowLength(window: string): number {
  const match = /^([1-9][0-9]{0,8})([mhdw])$/.exec(window);
  if (match === null) {
    throw new InvalidArgumentError(`window must look like "<n><unit>" with unit m, h, d or w (e.g. "24h", "7d"), got ${JSON.stringify(window)}`);
  }
  return Number(match[1]) * (UNIT_MS[match[2] as string] as number);
}

/**
 * Default `maxFutureSkew` of the windows, in ms (one hour): an event stamped
 * further than this after the clock is refused and counted, since it would
 * otherwise move the watermark and expire every bucket.
 *
 * @internal
 */
export const DEFAULT_MAX_FUTURE_SKEW = 3_600_000;
