/**
 * Where the Redis store keeps things: key layout, granularities (bucket
 * width and TTL) and the validation of addresses.
 *
 * ```text
 * <prefix>:{<system>}:<metric>:<granularity>:<bucket>   one sketch per bucket
 * <prefix>:{<system>}:offsets:<group>                    a hash: source -> last offset applied
 * <prefix>:{<system>}:tmp:<n>                            scratch, alive only inside one MULTI/EXEC
 * ```
 *
 * The braces are a Redis Cluster hash tag: only `<system>` is hashed, so
 * every key of one system lives in one slot and multi-key commands
 * (PFMERGE, BITOP, MULTI/EXEC, MGET) work on a cluster. Parts are escaped
 * (`%` `:` `{` `}` as `%25` `%3A` `%7B` `%7D`), so no name can move the tag
 * or be confused with another key.
 *
 * @module
 */
import { InvalidArgumentError } from "../errors.js";

/**
 * Which bucket a sketch belongs to: a metric of a system, at a granularity,
 * for the bucket starting at `bucket` (epoch milliseconds, a multiple of the
 * granularity's `bucketMs`).
 *
 * @example
 * ```ts
 * import { type SketchAddress } from "papertrail/redis";
 * const address: SketchAddress = { metric: "failed-logins", system: "vault", granularity: "hour", bucket: Date.UTC(2026, 0, 1, 9) };
 * address.bucket; // => 1767258000000
 * ```
 */
export interface SketchAddress {
  readonly metric: string;
  readonly system: string;
  readonly granularity: string;
  /** Start of the bucket, epoch ms, a multiple of the granularity's `bucketMs`. */
  readonly bucket: number;
}

/**
 * A granularity: its bucket width and how long its keys live after their
 * last write.
 *
 * @example
 * ```ts
 * import { type Granularity } from "papertrail/redis";
 * const minute: Granularity = { bucketMs: 60_000, ttlMs: 86_400_000 };
 * minute.ttlMs / minute.bucketMs; // => 1440
 * ```
 */
export interface Granularity {
  /** Width of a bucket in milliseconds (buckets start at multiples of it, UTC). */
  readonly bucketMs: number;
  /** Time to live of a bucket's key after its last write, milliseconds. */
  readonly ttlMs: number;
}

const HOUR = 3_600_000;
const DAY = 86_400_000;

/**
 * The granularities every store knows unless told otherwise: `hour`
 * (kept 7 days) and `day` (kept 90 days).
 *
 * @example
 * ```ts
 * import { DEFAULT_GRANULARITIES } from "papertrail/redis";
 * DEFAULT_GRANULARITIES.hour; // => { bucketMs: 3600000, ttlMs: 604800000 }
 * DEFAULT_GRANULARITIES.day.ttlMs / 86_400_000; // => 90
 * ```
 */
export const DEFAULT_GRANULARITIES: Readonly<Record<"hour" | "day", Granularity>> = Object.freeze({
  hour: Object.freeze({ bucketMs: HOUR, ttlMs: 7 * DAY }),
  day: Object.freeze({ bucketMs: DAY, ttlMs: 90 * DAY }),
});

/**
 * Internal helpers.
 *
 * @internal
 */

/** Escapes the characters that would change a key's structure or its hash tag. */
export function escapeKeyPart(part: string): string {
  return part.replace(/[%:{}]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`);
}

export function checkName(field: string, value: unknown): string {
  if (typeof value !== "string" || value.length === 0) {
    throw new InvalidArgumentError(`${field} must be a non-empty string, got ${typeof value === "string" ? '""' : String(value)}`);
  }
  return value;
}

export function checkGranularity(name: string, value: unknown): Granularity {
  if (value === null || typeof value !== "object") {
    throw new InvalidArgumentError(`granularities.${name} must be an object { bucketMs, ttlMs }, got ${String(value)}`);
  }
  for (const key of Object.keys(value)) {
    if (key !== "bucketMs" && key !== "ttlMs") throw new InvalidArgumentError(`granularities.${name} has no option "${key}" (options: bucketMs, ttlMs)`);
  }
  const { bucketMs, ttlMs } = value as Record<string, unknown>;
  for (const [field, v] of [
    ["bucketMs", bucketMs],
    ["ttlMs", ttlMs],
  ] as const) {
    if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 1) {
      throw new InvalidArgumentError(`granularities.${name}.${field} must be a positive integer number of milliseconds, got ${String(v)}`);
    }
  }
  return { bucketMs: bucketMs as number, ttlMs: ttlMs as number };
}

/** The key of one system's scope: `<prefix>:{<system>}`. */
export function systemScope(prefix: string, system: string): string {
  return `${prefix}:{${escapeKeyPart(checkName("system", system))}}`;
}
