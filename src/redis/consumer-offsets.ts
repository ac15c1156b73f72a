/**
 * Consumer offsets as the checkpoint compares them: a Kafka offset (an
 * integer) or a Redis Streams entry id (`<ms>-<seq>`), per source (a
 * partition, or a stream and consumer: whatever the worker reads in order).
 *
 * @module
 */
import { InvalidArgumentError } from "../errors.js";

/**
 * One position in a log: a non-negative integer (Kafka offset) as a number,
 * bigint or decimal string, or a Redis Streams id `"<ms>-<seq>"`. Integers
 * compare as ids with sequence 0 (`5` equals `"5-0"`).
 *
 * @example
 * ```ts
 * import { type Offset } from "papertrail/redis";
 * const kafka: Offset = 41n;
 * const stream: Offset = "1767258000000-3";
 * [typeof kafka, typeof stream]; // => ["bigint", "string"]
 * ```
 */
export type Offset = number | bigint | string;

/**
 * The offsets of one source a batch reflects: its first and last event.
 *
 * @example
 * ```ts
 * import { type OffsetRange } from "papertrail/redis";
 * const partition0: OffsetRange = { first: 120, last: 219 };
 * partition0.last; // => 219
 * ```
 */
export interface OffsetRange {
  readonly first: Offset;
  readonly last: Offset;
}

/**
 * Internal helpers.
 *
 * @internal
 */

/** An offset parsed for comparison, with its canonical text (what the store writes). */
export interface ParsedOffset {
  readonly major: bigint;
  readonly minor: bigint;
  readonly text: string;
}

const INTEGER = /^(0|[1-9][0-9]*)$/;
const STREAM_ID = /^(0|[1-9][0-9]*)-(0|[1-9][0-9]*)$/;
const U64_MAX = (1n << 64n) - 1n;

export function parseOffset(field: string, value: unknown): ParsedOffset {
  let major: bigint | undefined;
  let minor = 0n;
  let stream = false;
  if (typeof value === "number" && Number.isSafeInteger(value) && value >= 0) major = BigInt(value);
  else if (typeof value === "bigint" && value >= 0n) major = value;
  else if (typeof value === "string") {
    const id = STREAM_ID.exec(value);
    if (id !== null) {
      major = BigInt(id[1] as string);
      minor = BigInt(id[2] as string);
      stream = true;
    } else if (INTEGER.test(value)) major = BigInt(value);
  }
  if (major === undefined || major > U64_MAX || minor > U64_MAX) {
    throw new InvalidArgumentError(
      `${field} must be a non-negative integer (number, bigint or decimal string) or a Redis Streams id "<ms>-<seq>", got ${typeof value === "string" ? JSON.stringify(value) : String(value)}`,
    );
  }
  return { major, minor, text: stream ? `${major}-${minor}` : String(major) };
}

/** Negative, zero or positive as `a` is before, at or after `b`. */
export function compareOffsets(a: ParsedOffset, b: ParsedOffset): number {
  if (a.major !== b.major) return a.major < b.major ? -1 : 1;
  return a.minor === b.minor ? 0 : a.minor < b.minor ? -1 : 1;
}
