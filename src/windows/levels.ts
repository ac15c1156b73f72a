import { InvalidArgumentError } from "../errors.js";
import { GRANULARITY_MS, isGranularity, type Granularity } from "./granularity.js";

/**
 * One level of a {@link TimeWindows}: a bucket granularity and how many of
 * its buckets are kept (counting back from the bucket holding the watermark).
 *
 * @example
 * ```ts
 * import { type WindowLevel } from "papertrail/windows";
 * const hourlyForAWeek: WindowLevel = { granularity: "hour", retention: 169 };
 * Math.floor(hourlyForAWeek.retention / 24); // => 7
 * ```
 */
export interface WindowLevel {
  readonly granularity: Granularity;
  /** Buckets kept, >= 1. */
  readonly retention: number;
}

/**
 * A validated level: its granularity, retention, bucket size and the offset
 * of its bucket boundaries.
 *
 * @internal
 */
export interface Level {
  readonly granularity: Granularity;
  readonly retention: number;
  readonly size: number;
  /** 3 days for weeks (ISO weeks start on Monday), else 0. */
  readonly offset: number;
}

/**
 * The default levels: 169 hourly buckets (7 days plus the hour in progress,
 * so `"7d"` is answered from hours at any minute) and 90 daily ones.
 *
 * @internal
 */
export const DEFAULT_LEVELS: readonly WindowLevel[] = Object.freeze([
  Object.freeze({ granularity: "hour", retention: 169 }),
  Object.freeze({ granularity: "day", retention: 90 }),
]);

/**
 * The start of the bucket of `level` holding `time`.
 *
 * @internal
 */
export function floorTo(time: number, level: Level): number {
  return Math.floor((time + level.offset) / level.size) * level.size - level.offset;
}

/**
 * Checks levels (finest to coarsest, each finer level long enough to hold a
 * coarse bucket's parts until it closes) and adds their sizes; throws
 * `InvalidArgumentError`.
 *
 * @internal
 */
export function validateLevels(levels: readonly WindowLevel[], lateness: number): Level[] {
  if (!Array.isArray(levels) || levels.length === 0) throw new InvalidArgumentError("TimeWindows needs at least one level");
  const out: Level[] = [];
  for (const [i, level] of levels.entries()) {
    if (!isGranularity(level.granularity)) {
      throw new InvalidArgumentError(`TimeWindows level ${i}: granularity must be "minute", "hour", "day" or "week", got ${String(level.granularity)}`);
    }
    if (!Number.isInteger(level.retention) || level.retention < 1 || level.retention > 1_000_000) {
      throw new InvalidArgumentError(`TimeWindows level ${i}: retention must be an integer from 1 to 1000000 buckets, got ${level.retention}`);
    }
    const size = GRANULARITY_MS[level.granularity as Granularity];
    const previous = out[i - 1];
    if (previous !== undefined) {
      if (size <= previous.size) {
        throw new InvalidArgumentError(`TimeWindows levels must go from finest to coarsest: ${level.granularity} after ${previous.granularity}`);
      }
      // The finer level must still hold a coarse bucket's parts when it closes
      // (lateness after its end): (retention - 1) finer buckets >= lateness + coarse size.
      if ((previous.retention - 1) * previous.size < lateness + size) {
        const needed = Math.ceil((lateness + size) / previous.size) + 1;
        throw new InvalidArgumentError(
          `TimeWindows level ${i - 1} (${previous.granularity}) keeps ${previous.retention} buckets; rolling up into ${level.granularity} with lateness ${lateness} ms needs at least ${needed}`,
        );
      }
    }
    out.push({ granularity: level.granularity as Granularity, retention: level.retention, size, offset: level.granularity === "week" ? 3 * 86_400_000 : 0 });
  }
  const finest = out[0] as Level;
  if ((finest.retention - 1) * finest.size < lateness) {
    throw new InvalidArgumentError(`TimeWindows: the ${finest.granularity} level keeps ${finest.retention} buckets, less than the allowed lateness of ${lateness} ms`);
  }
  return out;
}
