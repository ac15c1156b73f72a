import type { Monoid } from "../algebra/monoid.js";
import type { Aggregator, MonoidAggregator } from "../aggregators/aggregator.js";
import type { SomeImageCodec } from "../codec/image-codec.js";
import { createEnvelope } from "../codec/envelope.js";
import { readImageRecord } from "./image-record.js";
import { DecodeError, InvalidArgumentError, PaperTrailError } from "../errors.js";
import { StorageArena } from "../storage-arena.js";
import { GRANULARITY_MS, isGranularity, parseWindowLength, type Granularity, type WindowLength } from "./granularity.js";

/**
 * One level of a {@link TimeWindows}: a bucket granularity and how many of
 * its buckets are kept (counting back from the bucket holding the watermark).
 *
 * @example
 * ```ts
 * import { type WindowLevel } from "papertrail/windows";
 * const hourlyForAWeek: WindowLevel = { granularity: "hour", retention: 168 };
 * hourlyForAWeek.retention / 24; // => 7
 * ```
 */
export interface WindowLevel {
  readonly granularity: Granularity;
  /** Buckets kept, >= 1. */
  readonly retention: number;
}

/**
 * Options of {@link TimeWindows}.
 *
 * @example
 * ```ts
 * import { type TimeWindowsOptions, TimeWindows } from "papertrail/windows";
 * import { MonoidSum } from "papertrail/algebra";
 * const count = { prepare: () => 1, semigroup: MonoidSum, present: (n: number) => n, append: (n: number) => n + 1 };
 * const options: TimeWindowsOptions<{ at: number }, number, number, undefined> = { aggregator: count, time: (e) => e.at };
 * new TimeWindows(options).levels.map((level) => level.granularity); // => ["hour", "day"]
 * ```
 */
export interface TimeWindowsOptions<In, State, Out, K> {
  /** How events become states and states merge (a count, an HLL of users...). */
  readonly aggregator: Aggregator<In, State, Out>;
  /** Event time of an input, epoch milliseconds. */
  readonly time: (input: In) => number;
  /** Partition key of an input (system, database...); all inputs share the key `undefined` without it. */
  readonly key?: (input: In) => K;
  /**
   * Levels from finest to coarsest, each granularity coarser than the one
   * before; default hourly for 168 buckets (7 days) and daily for 90. Add
   * `{ granularity: "week", retention: 52 }` for weekly rollups.
   */
  readonly levels?: readonly WindowLevel[];
  /** How far behind the watermark (the largest event time seen) an event may arrive, ms; default 300000 (5 minutes). */
  readonly allowedLateness?: number;
  /** Most keys held at once; events of further keys are dropped and counted. Default unlimited. */
  readonly maxKeys?: number;
  /** Clock for queries that pass no `now` (and for `maxFutureSkew`); default `Date.now`. */
  readonly now?: () => number;
  /**
   * When set, an event stamped more than this many ms after `now()` is not
   * stored and is counted in `dropped.invalidTime`: one bad future timestamp
   * would otherwise advance the watermark and expire every bucket. Default:
   * no limit. Not part of the snapshot; pass it again to `fromBytes`.
   */
  readonly maxFutureSkew?: number;
  /** Image codecs of the states that are not plain data (`HyperLogLog.codec`...), for {@link TimeWindows.toBytes}. */
  readonly codecs?: readonly SomeImageCodec[];
}

/**
 * Options of {@link TimeWindows.fromBytes}: the functions of
 * {@link TimeWindowsOptions} (levels, lateness and key limit come from the
 * image) plus the image codecs of sketch states.
 *
 * @example
 * ```ts
 * import { type TimeWindowsRestoreOptions } from "papertrail/windows";
 * import { HyperLogLog } from "papertrail/sketches";
 * import { MonoidSum } from "papertrail/algebra";
 * const count = { prepare: () => 1, semigroup: MonoidSum, present: (n: number) => n, append: (n: number) => n + 1 };
 * const options: TimeWindowsRestoreOptions<number, number, number, undefined> = { aggregator: count, time: (t) => t, codecs: [HyperLogLog.codec] };
 * options.codecs?.length; // => 1
 * ```
 */
export type TimeWindowsRestoreOptions<In, State, Out, K> = Omit<TimeWindowsOptions<In, State, Out, K>, "levels" | "allowedLateness" | "maxKeys">;

/**
 * The range a query asks for: a length ending at `now` (`"24h"`, `"7d"`),
 * or an explicit half-open range `[from, to)` of epoch milliseconds.
 *
 * @example
 * ```ts
 * import { type WindowRange } from "papertrail/windows";
 * const ranges: WindowRange[] = ["24h", { from: 0, to: 3600000 }];
 * ranges.length; // => 2
 * ```
 */
export type WindowRange = WindowLength | { readonly from: number; readonly to: number };

/**
 * Options of {@link TimeWindows.query}.
 *
 * @example
 * ```ts
 * import { type WindowQueryOptions } from "papertrail/windows";
 * const options: WindowQueryOptions = { now: Date.UTC(2024, 0, 2), align: "inner" };
 * options.align; // => "inner"
 * ```
 */
export interface WindowQueryOptions {
  /** End of a relative window (`"24h"` is `[now - 24h, now)`); default the `now` option of the windows, else the wall clock. */
  readonly now?: number;
  /**
   * How to round a range that does not fall on bucket boundaries: `"outer"`
   * (default) covers every bucket the range touches (no event of the range
   * is missed; events just outside may count); `"inner"` only buckets
   * entirely inside it.
   */
  readonly align?: "outer" | "inner";
}

/**
 * What {@link TimeWindows.query} returns: the answer, the merged state and
 * the range the answer really covers.
 *
 * @example
 * ```ts
 * import { type WindowResult } from "papertrail/windows";
 * const result: WindowResult<number, number> = { value: 3, state: 3, from: 0, to: 3600000, exact: true, buckets: 1 };
 * result.to - result.from; // => 3600000
 * ```
 */
export interface WindowResult<State, Out> {
  /** `present(state)`; `undefined` only when no bucket holds data and the aggregator has no monoid. */
  readonly value: Out | undefined;
  /**
   * The merged state: with a monoid aggregator a new value (merged from
   * `empty`), never a bucket's own state; without one, a single covering
   * bucket's state may be returned as is (treat it as read-only). The
   * monoid's empty, or `undefined`, when no bucket holds data.
   */
  readonly state: State | undefined;
  /** Start of the range really covered (inclusive). */
  readonly from: number;
  /** End of the range really covered (exclusive). */
  readonly to: number;
  /** True when `[from, to)` is exactly the range asked for. */
  readonly exact: boolean;
  /** Number of stored bucket states merged. */
  readonly buckets: number;
}

/**
 * Counts of events {@link TimeWindows} did not store, by reason.
 *
 * @example
 * ```ts
 * import { type DroppedCounts } from "papertrail/windows";
 * const dropped: DroppedCounts = { total: 3, late: 2, keyLimit: 1, invalidTime: 0 };
 * dropped.late + dropped.keyLimit + dropped.invalidTime === dropped.total; // => true
 * ```
 */
export interface DroppedCounts {
  readonly total: number;
  /** Older than the watermark minus the allowed lateness. */
  readonly late: number;
  /** Of a new key while `maxKeys` keys were held. */
  readonly keyLimit: number;
  /** With a time that is not a finite number. */
  readonly invalidTime: number;
}

/**
 * One stored bucket, as listed by {@link TimeWindows.buckets}.
 *
 * @example
 * ```ts
 * import { type StoredBucket } from "papertrail/windows";
 * const bucket: StoredBucket<number> = { granularity: "hour", start: 0, state: 5 };
 * bucket.state; // => 5
 * ```
 */
export interface StoredBucket<State> {
  readonly granularity: Granularity;
  readonly start: number;
  readonly state: State;
}

/** A bucket's state in a box, so append's result is written back without a Map.set. */
interface Box<State> {
  state: State;
}

interface KeyEntry<State> {
  /** One map per level: bucket start -> box. */
  readonly levels: Map<number, Box<State>>[];
  /** Cache of the finest bucket last written. */
  currentStart: number;
  currentEnd: number;
  current: Box<State> | undefined;
  dropped: number;
}

interface Level {
  readonly granularity: Granularity;
  readonly retention: number;
  readonly size: number;
  /** 3 days for weeks (ISO weeks start on Monday), else 0. */
  readonly offset: number;
}

const DEFAULT_LEVELS: readonly WindowLevel[] = [
  { granularity: "hour", retention: 168 },
  { granularity: "day", retention: 90 },
];
const DEFAULT_LATENESS = 300_000;
const IMAGE_FORMAT = "papertrail.windows";
const IMAGE_VERSION = 1;

function floorTo(time: number, level: Level): number {
  return Math.floor((time + level.offset) / level.size) * level.size - level.offset;
}

function validateLevels(levels: readonly WindowLevel[], lateness: number): Level[] {
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
    out.push({ granularity: level.granularity, retention: level.retention, size, offset: level.granularity === "week" ? 3 * 86_400_000 : 0 });
  }
  const finest = out[0] as Level;
  if ((finest.retention - 1) * finest.size < lateness) {
    throw new InvalidArgumentError(`TimeWindows: the ${finest.granularity} level keeps ${finest.retention} buckets, less than the allowed lateness of ${lateness} ms`);
  }
  return out;
}

/**
 * Per-key time-bucketed aggregation with rollups and retention: "unique
 * users of each database in the last 24 hours / 7 days / 30 days".
 *
 * - **Ingest.** `add(input)` appends the input to the state of its key's
 *   finest bucket with `aggregator.append` (a bucket's first input starts
 *   it with `prepare`): no allocation per event beyond a new bucket. With
 *   a monoid aggregator, sketches made or grown in `prepare` and `append`
 *   take their storage from an arena of shared chunks (see docs/windows.md,
 *   "Where bucket sketches live").
 * - **Watermark and lateness.** The watermark is the largest event time
 *   seen (or passed to {@link TimeWindows.advance}). Events older than the
 *   watermark minus `allowedLateness` are not stored but counted in
 *   {@link TimeWindows.dropped} (and per key in `droppedFor`).
 * - **Rollups, eagerly on close.** A coarser bucket (a day) is built once,
 *   by merging its finer buckets with the aggregator's semigroup, as soon as
 *   it is closed: when the watermark minus the lateness passes its end, so
 *   no event can reach it any more. It therefore equals aggregating its
 *   events directly, and long ranges are answered from a few coarse buckets.
 *   The finer buckets stay until their own retention ends.
 * - **Retention.** Each level keeps `retention` buckets counting back from
 *   the bucket of the watermark; older ones are deleted, so a key holds at
 *   most the sum of the retentions (plus the open coarse buckets' parts).
 *   Keys left without buckets are forgotten; `maxKeys` bounds the key count.
 * - **Queries.** {@link TimeWindows.query} merges the fewest stored buckets
 *   covering the range (coarse where closed and aligned, fine at the edges)
 *   and says which range it really covered.
 *
 * @example
 * ```ts
 * import { TimeWindows } from "papertrail/windows";
 * import { MonoidSum } from "papertrail/algebra";
 * const count = { prepare: () => 1, semigroup: MonoidSum, present: (n: number) => n, append: (n: number) => n + 1 };
 * const logins = new TimeWindows({ aggregator: count, time: (e: { db: string; at: number }) => e.at, key: (e) => e.db });
 * const hour = 3_600_000;
 * for (let h = 0; h < 48; h++) logins.add({ db: "production_db", at: h * hour + 60_000 });
 * logins.query("production_db", "24h", { now: 48 * hour }).value; // => 24
 * logins.query("production_db", "1h", { now: 48 * hour }).value; // => 1
 * // day 1 is still open (events up to 5 minutes late may arrive): 1 daily + 24 hourly buckets
 * logins.query("production_db", { from: 0, to: 48 * hour }).buckets; // => 25
 * logins.advance(49 * hour); // closes day 1: it is rolled up
 * logins.query("production_db", { from: 0, to: 48 * hour }).buckets; // => 2
 * logins.query("production_db", { from: 0, to: 48 * hour }).value; // => 48
 * ```
 */
export class TimeWindows<In, State, Out, K = undefined> {
  readonly aggregator: Aggregator<In, State, Out>;
  /** The allowed lateness, ms. */
  readonly allowedLateness: number;
  /** The key limit (`Infinity` without one). */
  readonly maxKeys: number;
  private readonly timeOf: (input: In) => number;
  private readonly keyOf: ((input: In) => K) | undefined;
  private readonly clock: () => number;
  private readonly maxFutureSkew: number;
  private readonly codecs: readonly SomeImageCodec[];
  private readonly lv: Level[];
  private readonly entries = new Map<K, KeyEntry<State>>();
  /**
   * Storage for the sketches of finest buckets, current while `prepare` and
   * `append` run on them (src/storage-arena.ts): those buckets expire in the
   * order they were made, and so do the arena's chunks. Only with a monoid:
   * a semigroup rollup or query may return a bucket's own state, which would
   * then keep its chunk alive.
   */
  private readonly arena: StorageArena | undefined;
  private lastKey: K | undefined = undefined;
  private lastEntry: KeyEntry<State> | undefined = undefined;
  private mark = Number.NEGATIVE_INFINITY;
  private nextMaintenance = Number.NEGATIVE_INFINITY;
  /** Per level: start of the oldest retained bucket. */
  private readonly retainedFrom: number[];
  /** Per level (>= 1): end of the last closed (rolled-up) bucket. */
  private readonly closedTo: number[];
  /** Start of the earliest finest bucket ever stored (no data before it). */
  private dataFrom = Number.POSITIVE_INFINITY;
  private droppedLate = 0;
  private droppedKeyLimit = 0;
  private droppedInvalid = 0;

  constructor(options: TimeWindowsOptions<In, State, Out, K>) {
    if (options === null || typeof options !== "object") throw new InvalidArgumentError("TimeWindows needs an options object");
    const { aggregator } = options;
    if (aggregator === null || typeof aggregator !== "object" || typeof aggregator.append !== "function" || typeof aggregator.prepare !== "function") {
      throw new InvalidArgumentError("TimeWindows needs an aggregator with prepare, semigroup, present and append");
    }
    if (typeof options.time !== "function") throw new InvalidArgumentError("TimeWindows needs a time function (input) => epoch ms");
    const lateness = options.allowedLateness ?? DEFAULT_LATENESS;
    if (!Number.isFinite(lateness) || lateness < 0) {
      throw new InvalidArgumentError(`TimeWindows allowedLateness must be a finite number of ms >= 0, got ${lateness}`);
    }
    const maxKeys = options.maxKeys ?? Number.POSITIVE_INFINITY;
    if (!(maxKeys === Number.POSITIVE_INFINITY || (Number.isInteger(maxKeys) && maxKeys >= 1))) {
      throw new InvalidArgumentError(`TimeWindows maxKeys must be a positive integer, got ${maxKeys}`);
    }
    this.aggregator = aggregator;
    this.arena = isMonoidAggregator(aggregator) ? new StorageArena() : undefined;
    this.allowedLateness = lateness;
    this.maxKeys = maxKeys;
    this.timeOf = options.time;
    this.keyOf = options.key;
    this.clock = options.now ?? Date.now;
    const skew = options.maxFutureSkew ?? Number.POSITIVE_INFINITY;
    if (!(skew >= 0)) throw new InvalidArgumentError(`TimeWindows maxFutureSkew must be a number of ms >= 0, got ${skew}`);
    this.maxFutureSkew = skew;
    this.codecs = options.codecs ?? [];
    this.lv = validateLevels(options.levels ?? DEFAULT_LEVELS, lateness);
    this.retainedFrom = this.lv.map(() => Number.NEGATIVE_INFINITY);
    this.closedTo = this.lv.map(() => Number.NEGATIVE_INFINITY);
  }

  /** The levels, finest first. */
  get levels(): readonly WindowLevel[] {
    return this.lv.map((level) => ({ granularity: level.granularity, retention: level.retention }));
  }

  /** The largest event time seen or advanced to (`-Infinity` before any). */
  get watermark(): number {
    return this.mark;
  }

  /**
   * Events not stored, by reason.
   *
   * @example
   * ```ts
   * import { TimeWindows } from "papertrail/windows";
   * import { MonoidSum } from "papertrail/algebra";
   * const count = { prepare: () => 1, semigroup: MonoidSum, monoid: MonoidSum, present: (n: number) => n, append: (n: number) => n + 1 };
   * const windows = new TimeWindows({ aggregator: count, time: (t: number) => t, allowedLateness: 1000 });
   * windows.add(10_000); windows.add(8_999);
   * windows.dropped; // => { total: 1, late: 1, keyLimit: 0, invalidTime: 0 }
   * ```
   */
  get dropped(): DroppedCounts {
    return {
      total: this.droppedLate + this.droppedKeyLimit + this.droppedInvalid,
      late: this.droppedLate,
      keyLimit: this.droppedKeyLimit,
      invalidTime: this.droppedInvalid,
    };
  }

  /** Late events dropped for `key` while it was held (0 for unknown keys). */
  droppedFor(key: K): number {
    return this.entries.get(key)?.dropped ?? 0;
  }

  /** Number of keys held. */
  get keyCount(): number {
    return this.entries.size;
  }

  /** The keys held. */
  keys(): K[] {
    return [...this.entries.keys()];
  }

  /** Number of stored bucket states, over all keys and levels. */
  get bucketCount(): number {
    let count = 0;
    for (const entry of this.entries.values()) for (const level of entry.levels) count += level.size;
    return count;
  }

  /**
   * The stored buckets of `key`, finest level first, oldest first (states are live: do not mutate).
   *
   * @example
   * ```ts
   * import { TimeWindows } from "papertrail/windows";
   * import { MonoidSum } from "papertrail/algebra";
   * const count = { prepare: () => 1, semigroup: MonoidSum, monoid: MonoidSum, present: (n: number) => n, append: (n: number) => n + 1 };
   * const windows = new TimeWindows({ aggregator: count, time: (t: number) => t });
   * windows.add(0); windows.add(60_000); windows.add(3_600_000);
   * windows.buckets(undefined); // => [{ granularity: "hour", start: 0, state: 2 }, { granularity: "hour", start: 3600000, state: 1 }]
   * ```
   */
  buckets(key: K): StoredBucket<State>[] {
    const entry = this.entries.get(key);
    if (entry === undefined) return [];
    const out: StoredBucket<State>[] = [];
    entry.levels.forEach((map, i) => {
      const granularity = (this.lv[i] as Level).granularity;
      for (const start of [...map.keys()].sort((a, b) => a - b)) out.push({ granularity, start, state: (map.get(start) as Box<State>).state });
    });
    return out;
  }

  /**
   * Adds one event; returns false when it was dropped (late, key limit, or a
   * time that is not a finite number), which the `dropped` counts record.
   *
   * @example
   * ```ts
   * import { TimeWindows } from "papertrail/windows";
   * import { MonoidSum } from "papertrail/algebra";
   * const count = { prepare: () => 1, semigroup: MonoidSum, monoid: MonoidSum, present: (n: number) => n, append: (n: number) => n + 1 };
   * const windows = new TimeWindows({ aggregator: count, time: (t: number) => t, allowedLateness: 60_000 });
   * windows.add(7_200_000); // => true
   * windows.add(7_200_000 - 30_000); // => true
   * windows.add(0); // => false
   * ```
   */
  add(input: In): boolean {
    const time = this.timeOf(input);
    if (typeof time !== "number" || !Number.isFinite(time)) {
      this.droppedInvalid++;
      return false;
    }
    const key = this.keyOf === undefined ? (undefined as K) : this.keyOf(input);
    // Only events ahead of the watermark can be too far in the future; the clock is read only then.
    if (time > this.mark && this.maxFutureSkew !== Number.POSITIVE_INFINITY && time > this.clock() + this.maxFutureSkew) {
      this.droppedInvalid++;
      return false;
    }
    if (time > this.mark) {
      this.mark = time;
      if (time >= this.nextMaintenance) this.maintain();
    } else if (time < this.mark - this.allowedLateness) {
      this.dropLate(key);
      return false;
    }
    let entry = this.lastEntry;
    if (entry === undefined || key !== this.lastKey) {
      entry = this.entries.get(key);
      if (entry === undefined) {
        if (this.entries.size >= this.maxKeys) {
          this.droppedKeyLimit++;
          return false;
        }
        entry = { levels: this.lv.map(() => new Map<number, Box<State>>()), currentStart: 0, currentEnd: 0, current: undefined, dropped: 0 };
        this.entries.set(key, entry);
      }
      this.lastKey = key;
      this.lastEntry = entry;
    }
    const box = entry.current;
    if (box !== undefined && time >= entry.currentStart && time < entry.currentEnd) {
      // Written out here, not a shared method: as a method call it cost about
      // 10 ns per event in bench/windows-ab.mjs (add is past the inlining budget).
      box.state = this.aggregator.append(box.state, input);
      return true;
    }
    return this.addSlow(entry, key, time, input);
  }

  /** Adds every event of `inputs`; returns how many were stored. */
  addAll(inputs: Iterable<In>): number {
    let stored = 0;
    for (const input of inputs) if (this.add(input)) stored++;
    return stored;
  }

  private addSlow(entry: KeyEntry<State>, key: K, time: number, input: In): boolean {
    const finest = this.lv[0] as Level;
    const start = floorTo(time, finest);
    if (start < (this.retainedFrom[0] as number)) {
      this.dropLate(key);
      return false;
    }
    const map = entry.levels[0] as Map<number, Box<State>>;
    let box = map.get(start);
    if (box === undefined) {
      // The finest buckets' sketches take their arrays from the arena.
      box = { state: this.aggregator.prepare(input, this.arena) };
      map.set(start, box);
      this.noteData(start);
    } else {
      box.state = this.aggregator.append(box.state, input);
    }
    entry.current = box;
    entry.currentStart = start;
    entry.currentEnd = start + finest.size;
    return true;
  }

  /** Data now starts no later than the coarsest bucket holding `start`. */
  private noteData(start: number): void {
    const coarse = floorTo(start, this.lv[this.lv.length - 1] as Level);
    if (coarse < this.dataFrom) this.dataFrom = coarse;
  }

  private dropLate(key: K): void {
    this.droppedLate++;
    const entry = this.entries.get(key);
    if (entry !== undefined) entry.dropped++;
  }

  /**
   * Moves the watermark forward to `time` (never back), closing the coarse
   * buckets and expiring the old ones as if an event at `time` had arrived.
   * Call it on a quiet stream so retention still advances.
   *
   * @example
   * ```ts
   * import { TimeWindows } from "papertrail/windows";
   * import { MonoidSum } from "papertrail/algebra";
   * const count = { prepare: () => 1, semigroup: MonoidSum, monoid: MonoidSum, present: (n: number) => n, append: (n: number) => n + 1 };
   * const windows = new TimeWindows({ aggregator: count, time: (t: number) => t, levels: [{ granularity: "hour", retention: 24 }] });
   * windows.add(0);
   * windows.advance(48 * 3_600_000).bucketCount; // => 0
   * ```
   */
  advance(time: number): this {
    if (!Number.isFinite(time)) throw new InvalidArgumentError(`TimeWindows.advance: time must be a finite number, got ${time}`);
    if (time > this.mark) {
      this.mark = time;
      if (time >= this.nextMaintenance) this.maintain();
    }
    return this;
  }

  /** Rolls up newly closed buckets, then expires buckets older than each level's retention. */
  private maintain(): void {
    const mark = this.mark;
    const levels = this.lv;
    const closing = mark - this.allowedLateness;
    for (let l = 1; l < levels.length; l++) {
      const level = levels[l] as Level;
      const closedTo = floorTo(closing, level);
      const previous = this.closedTo[l] as number;
      if (closedTo <= previous) continue;
      for (const entry of this.entries.values()) this.rollUp(entry, l, previous, closedTo);
      this.closedTo[l] = closedTo;
    }
    for (let l = 0; l < levels.length; l++) {
      const level = levels[l] as Level;
      const from = floorTo(mark, level) - (level.retention - 1) * level.size;
      if (from <= (this.retainedFrom[l] as number)) continue;
      this.retainedFrom[l] = from;
      for (const entry of this.entries.values()) {
        const map = entry.levels[l] as Map<number, Box<State>>;
        for (const start of map.keys()) if (start < from) map.delete(start);
      }
    }
    for (const [key, entry] of this.entries) {
      if (entry.current !== undefined && entry.currentStart < (this.retainedFrom[0] as number)) entry.current = undefined;
      if (entry.levels.every((map) => map.size === 0)) {
        this.entries.delete(key);
        if (this.lastEntry === entry) this.lastEntry = undefined;
      }
    }
    const finest = levels[0] as Level;
    this.nextMaintenance = Math.min(floorTo(mark, finest) + finest.size, floorTo(closing, finest) + finest.size + this.allowedLateness);
  }

  /** Builds the level-`l` buckets of `entry` in [from, to) from its level `l - 1` buckets. */
  private rollUp(entry: KeyEntry<State>, l: number, from: number, to: number): void {
    const level = this.lv[l] as Level;
    // The finer buckets were created in arrival order: merge them in time
    // order, so order-sensitive semigroups roll up like a direct aggregation.
    const finer = [...(entry.levels[l - 1] as Map<number, Box<State>>)]
      .filter(([start]) => start >= from && start < to)
      .sort((a, b) => a[0] - b[0]);
    const groups = new Map<number, State[]>();
    for (const [start, box] of finer) {
      const parent = floorTo(start, level);
      const group = groups.get(parent);
      if (group === undefined) groups.set(parent, [box.state]);
      else group.push(box.state);
    }
    const target = entry.levels[l] as Map<number, Box<State>>;
    const semigroup = this.aggregator.semigroup;
    const monoid = "empty" in semigroup ? (semigroup as Monoid<State>) : undefined;
    for (const [start, states] of groups) {
      // combineMany never mutates its inputs; starting from empty (when there is
      // one) also keeps a one-bucket rollup from sharing the finer bucket's state.
      const state = monoid !== undefined ? monoid.combineMany(monoid.empty, states) : semigroup.combineMany(states[0] as State, states.slice(1));
      target.set(start, { state });
    }
  }


  /**
   * The aggregate of `key` over `window`: a length ending at `now`
   * (`"1h"`, `"24h"`, `"7d"`, `"30d"`...) or an explicit `{ from, to }`.
   * Merges the fewest stored buckets covering the range: closed coarse
   * buckets where the range holds them whole, finer ones at the edges.
   * When bucket boundaries or retention prevent covering the exact range,
   * `from` / `to` of the result say what was covered (`exact` is false).
   *
   * @example
   * ```ts
   * import { TimeWindows } from "papertrail/windows";
   * import { MonoidSum } from "papertrail/algebra";
   * const count = { prepare: () => 1, semigroup: MonoidSum, monoid: MonoidSum, present: (n: number) => n, append: (n: number) => n + 1 };
   * const windows = new TimeWindows({ aggregator: count, time: (t: number) => t });
   * for (let minute = 0; minute < 180; minute++) windows.add(minute * 60_000);
   * windows.query(undefined, "1h", { now: 150 * 60_000 }); // => { value: 120, state: 120, from: 3600000, to: 10800000, exact: false, buckets: 2 }
   * windows.query(undefined, { from: 30 * 60_000, to: 150 * 60_000 }, { align: "inner" }).value; // => 60
   * ```
   */
  query(key: K, window: WindowRange, options: WindowQueryOptions = {}): WindowResult<State, Out> {
    let from: number;
    let to: number;
    if (typeof window === "string") {
      const length = parseWindowLength(window);
      to = options.now ?? this.clock();
      from = to - length;
    } else if (window !== null && typeof window === "object") {
      ({ from, to } = window);
    } else {
      throw new InvalidArgumentError(`TimeWindows.query: window must be like "24h" or { from, to }, got ${String(window)}`);
    }
    if (!Number.isFinite(from) || !Number.isFinite(to) || from > to) {
      throw new InvalidArgumentError(`TimeWindows.query: needs finite from <= to, got [${from}, ${to})`);
    }
    const align = options.align ?? "outer";
    if (align !== "outer" && align !== "inner") throw new InvalidArgumentError(`TimeWindows.query: align must be "outer" or "inner", got ${String(align)}`);
    const outer = align === "outer";
    const levels = this.lv;
    const finest = levels[0] as Level;
    let a = floorTo(from, finest);
    if (!outer && a < from) a += finest.size;
    let b = floorTo(to, finest);
    if (outer && b < to) b += finest.size;
    if (b < a || from === to) a = b = from; // inner: no whole bucket inside; or an empty range

    const entry = this.entries.get(key);
    const states: State[] = [];
    // Earliest time some level covers.
    let earliest = this.retainedFrom[0] as number;
    for (let l = 1; l < levels.length; l++) {
      const start = this.retainedFrom[l] as number;
      if (start < (this.closedTo[l] as number) && start < earliest) earliest = start;
    }
    // After the watermark's finest bucket nothing is stored.
    const dataTo = this.mark === Number.NEGATIVE_INFINITY ? Number.NEGATIVE_INFINITY : floorTo(this.mark, finest) + finest.size;
    let t = Math.min(b, Math.max(a, earliest)); // a range wholly before retention covers nothing, at b
    let coveredFrom = Number.NaN;
    let coveredTo = t;
    while (t < b) {
      // Nothing was ever stored before dataFrom or after dataTo: covered, empty.
      if (t < this.dataFrom || t >= dataTo) {
        const next = t >= dataTo ? b : Math.min(b, this.dataFrom);
        if (Number.isNaN(coveredFrom)) coveredFrom = t;
        t = coveredTo = next;
        continue;
      }
      let chosen = -1;
      let start = t;
      let end = t;
      for (let l = levels.length - 1; l >= 0; l--) {
        const level = levels[l] as Level;
        const s = floorTo(t, level);
        const e = s + level.size;
        if (s === t && e <= b && this.covers(l, s, e)) {
          chosen = l;
          start = s;
          end = e;
          break;
        }
      }
      if (chosen < 0) {
        // Only a coarse bucket straddling the range's edge holds t.
        for (let l = 0; l < levels.length && chosen < 0; l++) {
          const level = levels[l] as Level;
          const s = floorTo(t, level);
          const e = s + level.size;
          if (this.covers(l, s, e)) {
            chosen = l;
            start = s;
            end = e;
          }
        }
        if (chosen < 0) break; // a hole in coverage (cannot happen with validated levels)
        if (!outer) {
          if (start < t) {
            t = end;
            if (Number.isNaN(coveredFrom)) coveredTo = t;
            continue;
          }
          break; // end > b
        }
        if (end > b) b = end;
      }
      const box = entry?.levels[chosen]?.get(start);
      if (box !== undefined) states.push(box.state);
      if (Number.isNaN(coveredFrom)) coveredFrom = start;
      t = coveredTo = end;
    }
    if (Number.isNaN(coveredFrom)) coveredFrom = coveredTo;
    let state: State | undefined;
    // From the monoid's empty when there is one: the result never shares a
    // bucket's state, even when it covers a single bucket.
    if (isMonoidAggregator(this.aggregator)) state = this.aggregator.monoid.combineMany(this.aggregator.monoid.empty, states);
    else if (states.length > 0) state = this.aggregator.semigroup.combineMany(states[0] as State, states.slice(1));
    const value = state === undefined ? undefined : this.aggregator.present(state);
    return { value, state, from: coveredFrom, to: coveredTo, exact: coveredFrom === from && coveredTo === to, buckets: states.length };
  }

  private covers(l: number, start: number, end: number): boolean {
    if (start < (this.retainedFrom[l] as number)) return false;
    return l === 0 || end <= (this.closedTo[l] as number);
  }

  /**
   * The whole windowed state (levels, lateness, watermark, dropped counts,
   * every key's buckets) as one binary image: a `createEnvelope` envelope
   * (family 0x7f). Sketch states need their codecs in the `codecs` option.
   *
   * @example
   * ```ts
   * import { TimeWindows } from "papertrail/windows";
   * import { HyperLogLog } from "papertrail/sketches";
   * const users = { prepare: (u: string) => new HyperLogLog().add(u), append: (s: HyperLogLog, u: string) => s.add(u), present: (s: HyperLogLog) => s.count(), semigroup: HyperLogLog.monoid() };
   * const windows = new TimeWindows({ aggregator: users, time: () => 0, codecs: [HyperLogLog.codec] });
   * windows.add("alice"); windows.add("bob");
   * const copy = TimeWindows.fromBytes(windows.toBytes(), { aggregator: users, time: () => 0, codecs: [HyperLogLog.codec] });
   * copy.query(undefined, { from: 0, to: 1 }).value; // => 2
   * ```
   */
  toBytes(): Uint8Array {
    const codecs = this.codecs;
    const keys: unknown[] = [];
    for (const [key, entry] of this.entries) {
      keys.push([
        key === undefined ? [] : [key],
        entry.dropped,
        entry.levels.map((map) => {
          const flat: unknown[] = [];
          for (const start of [...map.keys()].sort((x, y) => x - y)) flat.push(start, (map.get(start) as Box<State>).state);
          return flat;
        }),
      ]);
    }
    return createEnvelope({ codecs }).encode({
      format: IMAGE_FORMAT,
      version: IMAGE_VERSION,
      levels: this.lv.map((level) => [level.granularity, level.retention]),
      allowedLateness: this.allowedLateness,
      maxKeys: this.maxKeys === Number.POSITIVE_INFINITY ? null : this.maxKeys,
      watermark: this.mark === Number.NEGATIVE_INFINITY ? null : this.mark,
      dropped: [this.droppedLate, this.droppedKeyLimit, this.droppedInvalid],
      keys,
    });
  }

  /**
   * Restores windows written by {@link TimeWindows.toBytes}. Levels,
   * lateness, key limit, watermark and dropped counts come from the image;
   * the functions from `options` (mistakes there throw
   * `InvalidArgumentError`). Throws `DecodeError` on malformed bytes
   * (bucket states themselves are checked only by their codecs).
   *
   * @example
   * ```ts
   * import { TimeWindows } from "papertrail/windows";
   * import { MonoidSum } from "papertrail/algebra";
   * const count = { prepare: () => 1, semigroup: MonoidSum, monoid: MonoidSum, present: (n: number) => n, append: (n: number) => n + 1 };
   * const windows = new TimeWindows({ aggregator: count, time: (t: number) => t });
   * windows.add(5);
   * TimeWindows.fromBytes(windows.toBytes(), { aggregator: count, time: (t: number) => t }).watermark; // => 5
   * ```
   */
  static fromBytes<In, State, Out, K = undefined>(bytes: Uint8Array, options: TimeWindowsRestoreOptions<In, State, Out, K>): TimeWindows<In, State, Out, K> {
    if (!(bytes instanceof Uint8Array)) throw new InvalidArgumentError("TimeWindows.fromBytes needs a Uint8Array");
    // Options first, with default levels: their mistakes are not the image's.
    void new TimeWindows<In, State, Out, K>(options);
    const { record, bad } = readImageRecord(bytes, options.codecs ?? [], { name: "TimeWindows", format: IMAGE_FORMAT, version: IMAGE_VERSION, what: "windows" });
    const isCount = (value: unknown): value is number => typeof value === "number" && Number.isSafeInteger(value) && value >= 0;
    const levelList = record.levels;
    if (!Array.isArray(levelList) || levelList.length === 0 || levelList.length > 4) bad("levels must be 1 to 4 entries");
    const levels: WindowLevel[] = (levelList as unknown[]).map((level) => {
      if (!Array.isArray(level) || level.length !== 2 || !isGranularity(level[0]) || !isCount(level[1])) return bad("malformed level");
      return { granularity: level[0] as Granularity, retention: level[1] as number };
    });
    const lateness = record.allowedLateness;
    if (typeof lateness !== "number" || !Number.isFinite(lateness) || lateness < 0) bad("allowedLateness must be a finite number >= 0");
    const maxKeys = record.maxKeys;
    if (maxKeys !== null && (!isCount(maxKeys) || maxKeys < 1)) bad("maxKeys must be null or a positive integer");
    const watermark = record.watermark;
    if (watermark !== null && (typeof watermark !== "number" || !Number.isFinite(watermark))) bad("watermark must be null or a finite number");
    const dropped = record.dropped;
    if (!Array.isArray(dropped) || dropped.length !== 3 || !dropped.every(isCount)) bad("dropped must be three counts");
    let windows: TimeWindows<In, State, Out, K>;
    try {
      windows = new TimeWindows<In, State, Out, K>({ ...options, levels, allowedLateness: lateness as number, maxKeys: maxKeys === null ? undefined : (maxKeys as number) });
    } catch (error) {
      if (error instanceof PaperTrailError) throw new DecodeError("invalid-field", `TimeWindows image: ${error.message}`);
      throw error;
    }
    if (watermark !== null) windows.advance(watermark as number);
    [windows.droppedLate, windows.droppedKeyLimit, windows.droppedInvalid] = dropped as number[];
    const keys = record.keys;
    if (!Array.isArray(keys)) return bad("keys must be an array");
    if (keys.length > windows.maxKeys) bad(`${keys.length} keys exceed maxKeys ${windows.maxKeys}`);
    for (const item of keys as unknown[]) {
      if (!Array.isArray(item) || item.length !== 3) return bad("malformed key entry");
      const [wrapped, droppedForKey, levelBuckets] = item as [unknown, unknown, unknown];
      if (!Array.isArray(wrapped) || wrapped.length > 1) return bad("malformed key");
      const key = (wrapped.length === 0 ? undefined : wrapped[0]) as K;
      if (windows.entries.has(key)) bad("duplicate key");
      if (!isCount(droppedForKey)) bad("malformed per-key dropped count");
      if (!Array.isArray(levelBuckets) || levelBuckets.length !== windows.lv.length) return bad("bucket lists do not match the levels");
      const entry: KeyEntry<State> = { levels: [], currentStart: 0, currentEnd: 0, current: undefined, dropped: droppedForKey as number };
      (levelBuckets as unknown[]).forEach((flat, l) => {
        const level = windows.lv[l] as Level;
        if (!Array.isArray(flat) || flat.length % 2 !== 0 || flat.length / 2 > level.retention) bad(`malformed ${level.granularity} buckets`);
        const map = new Map<number, Box<State>>();
        const list = flat as unknown[];
        for (let i = 0; i < list.length; i += 2) {
          const start = list[i];
          const state = list[i + 1];
          if (typeof start !== "number" || !Number.isFinite(start) || floorTo(start, level) !== start) bad(`${level.granularity} bucket start ${String(start)} is not a bucket boundary`);
          const s = start as number;
          if (!windows.covers(l, s, s + level.size)) bad(`${level.granularity} bucket at ${s} is outside retention or not yet closed`);
          if (watermark === null || s > (watermark as number)) bad(`bucket at ${s} is after the watermark`);
          if (map.has(s)) bad(`duplicate ${level.granularity} bucket ${s}`);
          if (state === undefined || state === null) bad(`${level.granularity} bucket ${s} has no state`);
          map.set(s, { state: state as State });
          windows.noteData(s);
        }
        entry.levels.push(map);
      });
      if (entry.levels.every((map) => map.size === 0)) bad("key without buckets");
      windows.entries.set(key, entry);
    }
    return windows;
  }
}

function isMonoidAggregator<In, State, Out>(aggregator: Aggregator<In, State, Out>): aggregator is MonoidAggregator<In, State, Out> {
  return "monoid" in aggregator && (aggregator as MonoidAggregator<In, State, Out>).monoid !== undefined;
}
