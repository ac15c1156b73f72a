import type { Monoid } from "../algebra/monoid.js";
import type { Aggregator } from "../aggregators/aggregator.js";
import { isMonoidAggregator } from "../aggregators/make.js";
import type { SomeImageCodec } from "../codec/image-codec.js";
import { DecodeError, InvalidArgumentError } from "../errors.js";
import { describeValue } from "../sketches/sketch.js";
import { StorageArena } from "../storage-arena.js";
import { DEFAULT_MAX_FUTURE_SKEW, type Granularity, parseWindowLength, type WindowLength } from "./granularity.js";
import { DEFAULT_LEVELS, floorTo, validateLevels, type Level, type WindowLevel } from "./levels.js";
import { levelBounds, planQuery, type LevelCoverage } from "./query-plan.js";
import { unusableState } from "./state-check.js";
import { readTimeWindowsImage, writeTimeWindowsImage, type KeyImage } from "./time-windows-image.js";

export type { WindowLevel } from "./levels.js";

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
export interface TimeWindowsOptions<In, State, Out, K, A extends Aggregator<In, State, Out> = Aggregator<In, State, Out>> {
  /** How events become states and states merge (a count, an HLL of users...). */
  readonly aggregator: A & Aggregator<In, State, Out>;
  /** Event time of an input, epoch milliseconds. */
  readonly time: (input: In) => number;
  /** Partition key of an input (system, database...); all inputs share the key `undefined` without it. */
  readonly key?: (input: In) => K;
  /**
   * Levels from finest to coarsest, each granularity coarser than the one
   * before; default hourly for 169 buckets (7 days and the hour in
   * progress, so `"7d"` is answered from hours at any minute) and daily for
   * 90. Add `{ granularity: "week", retention: 52 }` for weekly rollups.
   */
  readonly levels?: readonly WindowLevel[];
  /** How far behind the watermark (the largest event time seen) an event may arrive, ms; default 300000 (5 minutes). */
  readonly allowedLateness?: number;
  /** Most keys held at once; events of further keys are dropped and counted. Default unlimited. */
  readonly maxKeys?: number;
  /** Clock for queries that pass no `now`, and for `maxFutureSkew`; default `Date.now`. */
  readonly now?: () => number;
  /**
   * An event stamped more than this many ms after the clock (`now()`) is not
   * stored and is counted in `dropped.future`: one bad future timestamp would
   * otherwise advance the watermark and expire every bucket. Default
   * 3600000 (one hour); `Infinity` turns the check off (replaying data
   * stamped after the clock). Not part of the snapshot; pass it again to
   * `fromBytes`.
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
export type TimeWindowsRestoreOptions<In, State, Out, K, A extends Aggregator<In, State, Out> = Aggregator<In, State, Out>> = Omit<
  TimeWindowsOptions<In, State, Out, K, A>,
  "levels" | "allowedLateness" | "maxKeys"
>;

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
 * const options: WindowQueryOptions = { now: "watermark", align: "inner" };
 * options.align; // => "inner"
 * ```
 */
export interface WindowQueryOptions {
  /**
   * End of a relative window (`"24h"` is `[now - 24h, now)`): epoch ms, or
   * `"watermark"` for just after the latest event seen (`watermark + 1`, so
   * that event counts; the clock when there is none yet), which suits
   * replayed data. Default the `now` option of the windows, else the wall
   * clock.
   */
  readonly now?: number | "watermark";
  /**
   * How to round a range that does not fall on bucket boundaries: `"outer"`
   * (default) covers every bucket the range touches (no event of the range
   * is missed; events just outside may count); `"inner"` only buckets
   * entirely inside it (the covered range never leaves the request).
   */
  readonly align?: "outer" | "inner";
}

/**
 * What {@link TimeWindows.query} returns: the answer, the merged state and
 * the range the answer really covers. `Empty` is what `value` and `state`
 * may be besides an answer: `never` with a monoid aggregator (an empty
 * range answers `present(empty)`), `undefined` without one.
 *
 * @example
 * ```ts
 * import { type WindowResult } from "papertrail/windows";
 * const result: WindowResult<number, number, never> = { value: 3, state: 3, from: 0, to: 3600000, exact: true, buckets: 1, pastWatermark: false };
 * result.to - result.from; // => 3600000
 * ```
 */
export interface WindowResult<State, Out, Empty = undefined> {
  /** `present(state)`; `undefined` only when no bucket holds data and the aggregator has no monoid. */
  readonly value: Out | Empty;
  /**
   * The merged state: with a monoid aggregator a new value (merged from
   * `empty`), never a bucket's own state; without one, a single covering
   * bucket's state may be returned as is (treat it as read-only). The
   * monoid's empty, or `undefined`, when no bucket holds data.
   */
  readonly state: State | Empty;
  /** Start of the range really covered (inclusive). */
  readonly from: number;
  /**
   * End of the range really covered (exclusive): the end of the last bucket
   * merged, or the request's end when that lies after every stored event
   * (the rest of the bucket holds nothing).
   */
  readonly to: number;
  /** True when `[from, to)` is exactly the range asked for. */
  readonly exact: boolean;
  /** Number of stored bucket states merged. */
  readonly buckets: number;
  /**
   * True when the whole requested range lies after the watermark (or no
   * event was seen yet): the answer is empty because the stream has not
   * reached it, as when replayed data is queried by the wall clock.
   */
  readonly pastWatermark: boolean;
}

/**
 * `never` for an aggregator with a monoid, else `undefined`: what a
 * {@link WindowResult} holds besides an answer.
 *
 * @example
 * ```ts
 * import { type EmptyResultOf } from "papertrail/windows";
 * import { type Aggregator, type MonoidAggregator } from "papertrail/aggregators";
 * const none: EmptyResultOf<MonoidAggregator<number, number, number>>[] = []; // never: a monoid answers every range
 * const maybe: EmptyResultOf<Aggregator<number, number, number>> = undefined; // without a monoid, empty ranges answer undefined
 * [none.length, maybe]; // => [0, undefined]
 * ```
 */
export type EmptyResultOf<A> = A extends { readonly monoid: Monoid<infer _> } ? never : undefined;

/**
 * Counts of events {@link TimeWindows} did not store, by reason.
 *
 * @example
 * ```ts
 * import { type DroppedCounts } from "papertrail/windows";
 * const dropped: DroppedCounts = { total: 4, late: 2, keyLimit: 1, invalidTime: 0, future: 1 };
 * dropped.late + dropped.keyLimit + dropped.invalidTime + dropped.future === dropped.total; // => true
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
  /** Stamped more than `maxFutureSkew` after the clock. */
  readonly future: number;
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

const DEFAULT_LATENESS = 300_000;
/**
 * Per-key time-bucketed aggregation with rollups and retention: "unique
 * users of each database in the last 24 hours / 7 days / 30 days".
 *
 * - **Ingest.** `add(input)` appends the input to the state of its key's
 *   finest bucket with `aggregator.append` (a bucket's first input starts
 *   it with `prepare`): no allocation per event beyond a new bucket. With
 *   a monoid aggregator, `prepare` of a finest bucket gets the windows'
 *   storage arena, where its sketches take (and later grow) their arrays
 *   (see docs/windows.md, "Where bucket sketches live").
 * - **Watermark and lateness.** The watermark is the largest event time
 *   seen (or passed to {@link TimeWindows.advance}). Events older than the
 *   watermark minus `allowedLateness` are not stored but counted in
 *   {@link TimeWindows.dropped} (and per key in `droppedFor`); so are
 *   events stamped more than `maxFutureSkew` (default one hour) after the
 *   clock, which would otherwise move the watermark and expire everything.
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
export class TimeWindows<In, State, Out, K = undefined, A extends Aggregator<In, State, Out> = Aggregator<In, State, Out>> {
  readonly aggregator: A & Aggregator<In, State, Out>;
  /** The allowed lateness, ms. */
  readonly allowedLateness: number;
  /** The key limit (`Infinity` without one). */
  readonly maxKeys: number;
  private readonly timeOf: (input: In) => number;
  private readonly keyOf: ((input: In) => K) | undefined;
  private readonly clock: () => number;
  private readonly maxFutureSkew: number;
  /** Events up to this time pass the future check without reading the clock: the clock plus the skew, when last read. */
  private futureLimit = Number.NEGATIVE_INFINITY;
  private readonly codecs: readonly SomeImageCodec[];
  private readonly lv: Level[];
  private readonly entries = new Map<K, KeyEntry<State>>();
  /**
   * Storage passed to `prepare` of the finest buckets (src/storage-arena.ts):
   * those buckets expire in the order they were made, and so do the arena's
   * chunks. Only with a monoid: a semigroup rollup or query may return a
   * bucket's own state, which would then keep its chunk alive.
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
  private droppedFuture = 0;

  constructor(options: TimeWindowsOptions<In, State, Out, K, A>) {
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
    const skew = options.maxFutureSkew ?? DEFAULT_MAX_FUTURE_SKEW;
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
   * windows.dropped; // => { total: 1, late: 1, keyLimit: 0, invalidTime: 0, future: 0 }
   * ```
   */
  get dropped(): DroppedCounts {
    return {
      total: this.droppedLate + this.droppedKeyLimit + this.droppedInvalid + this.droppedFuture,
      late: this.droppedLate,
      keyLimit: this.droppedKeyLimit,
      invalidTime: this.droppedInvalid,
      future: this.droppedFuture,
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
   * Adds one event; returns false when it was dropped (late, key limit, a
   * time that is not a finite number, or one more than `maxFutureSkew` after
   * the clock), which the `dropped` counts record.
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
    if (time > this.mark) {
      // Only events ahead of the watermark can be too far in the future; the
      // clock is read again only when one passes the limit last computed.
      if (time > this.futureLimit && this.isTooFarAhead(time)) {
        this.droppedFuture++;
        return false;
      }
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

  private isTooFarAhead(time: number): boolean {
    this.futureLimit = this.clock() + this.maxFutureSkew;
    return time > this.futureLimit;
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
    const { retainedFrom, closedTo } = levelBounds(levels, this.allowedLateness, mark);
    for (let l = 1; l < levels.length; l++) {
      const to = closedTo[l] as number;
      const previous = this.closedTo[l] as number;
      if (to <= previous) continue;
      for (const entry of this.entries.values()) this.rollUp(entry, l, previous, to);
      this.closedTo[l] = to;
    }
    for (let l = 0; l < levels.length; l++) {
      const from = retainedFrom[l] as number;
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
    const closing = mark - this.allowedLateness;
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
   * `from` / `to` of the result say what was covered (`exact` is false);
   * `pastWatermark` says when the range lies wholly after the latest event.
   *
   * @example
   * ```ts
   * import { TimeWindows } from "papertrail/windows";
   * import { MonoidSum } from "papertrail/algebra";
   * const count = { prepare: () => 1, semigroup: MonoidSum, monoid: MonoidSum, present: (n: number) => n, append: (n: number) => n + 1 };
   * const windows = new TimeWindows({ aggregator: count, time: (t: number) => t });
   * for (let minute = 0; minute < 180; minute++) windows.add(minute * 60_000);
   * windows.query(undefined, "1h", { now: 150 * 60_000 }); // => { value: 120, state: 120, from: 3600000, to: 10800000, exact: false, buckets: 2, pastWatermark: false }
   * windows.query(undefined, { from: 30 * 60_000, to: 150 * 60_000 }, { align: "inner" }).value; // => 60
   * windows.query(undefined, "1h", { now: "watermark" }).value; // => 120
   * windows.query(undefined, "1h").pastWatermark; // => true
   * ```
   */
  query(key: K, window: WindowRange, options: WindowQueryOptions = {}): WindowResult<State, Out, EmptyResultOf<A>> {
    let from: number;
    let to: number;
    if (typeof window === "string") {
      const length = parseWindowLength(window);
      const now = options.now ?? this.clock();
      if (now === "watermark") to = this.mark === Number.NEGATIVE_INFINITY ? this.clock() : this.mark + 1;
      else if (typeof now === "number") to = now;
      else throw new InvalidArgumentError(`TimeWindows.query: now must be epoch ms or "watermark", got ${String(now)}`);
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
    const plan = planQuery(this.lv, this.coverage(), from, to, align);
    const entry = this.entries.get(key);
    const states: State[] = [];
    if (entry !== undefined) {
      for (const bucket of plan.buckets) {
        const box = entry.levels[bucket.level]?.get(bucket.start);
        if (box !== undefined) states.push(box.state);
      }
    }
    let state: State | undefined;
    // From the monoid's empty when there is one: the result never shares a
    // bucket's state, even when it covers a single bucket.
    const aggregator: Aggregator<In, State, Out> = this.aggregator;
    if (isMonoidAggregator(aggregator)) state = aggregator.monoid.combineMany(aggregator.monoid.empty, states);
    else if (states.length > 0) state = aggregator.semigroup.combineMany(states[0] as State, states.slice(1));
    const value = state === undefined ? undefined : aggregator.present(state);
    // No stored event is later than the watermark, so when the request ends
    // after it, the part of the last bucket past the request's end holds
    // nothing: the range really covered ends where the request does. (A
    // relative window at the wall clock or at the watermark then exceeds its
    // length by less than one bucket, at its start only.)
    const coveredTo = plan.to > to && this.mark < to ? to : plan.to;
    const result: WindowResult<State, Out> = {
      value,
      state,
      from: plan.from,
      to: coveredTo,
      exact: plan.from === from && coveredTo === to,
      buckets: states.length,
      pastWatermark: !(from <= this.mark),
    };
    // `value` and `state` are undefined only without a monoid, where EmptyResultOf<A> is undefined.
    return result as WindowResult<State, Out, EmptyResultOf<A>>;
  }

  /** What the levels hold now, for the query planner. */
  private coverage(): LevelCoverage {
    const finest = this.lv[0] as Level;
    return {
      retainedFrom: this.retainedFrom,
      closedTo: this.closedTo,
      dataFrom: this.dataFrom,
      // After the watermark's finest bucket nothing is stored.
      dataTo: this.mark === Number.NEGATIVE_INFINITY ? Number.NEGATIVE_INFINITY : floorTo(this.mark, finest) + finest.size,
    };
  }

  /**
   * The whole windowed state (levels, lateness, watermark, dropped counts,
   * every key's buckets) as one binary image: a `createEnvelope` envelope
   * (family 0x7f; docs/format.md). Sketch states need their codecs in the
   * `codecs` option.
   *
   * @example
   * ```ts
   * import { TimeWindows } from "papertrail/windows";
   * import { distinctCount } from "papertrail/aggregators";
   * import { HyperLogLog } from "papertrail/sketches";
   * const users = distinctCount({ precision: 12 });
   * const windows = new TimeWindows({ aggregator: users, time: () => 0, codecs: [HyperLogLog.codec] });
   * windows.add("alice"); windows.add("bob");
   * const copy = TimeWindows.fromBytes(windows.toBytes(), { aggregator: users, time: () => 0, codecs: [HyperLogLog.codec] });
   * Math.round(copy.query(undefined, { from: 0, to: 1 }).value.estimate); // => 2
   * ```
   */
  toBytes(): Uint8Array<ArrayBuffer> {
    const keys: KeyImage[] = [];
    for (const [key, entry] of this.entries) {
      keys.push({
        key,
        dropped: entry.dropped,
        levels: entry.levels.map((map) => [...map].sort((x, y) => x[0] - y[0]).map(([start, box]) => [start, box.state] as const)),
      });
    }
    return writeTimeWindowsImage(
      {
        levels: this.levels,
        allowedLateness: this.allowedLateness,
        maxKeys: this.maxKeys,
        watermark: this.mark,
        dropped: [this.droppedLate, this.droppedKeyLimit, this.droppedInvalid, this.droppedFuture],
        keys,
      },
      this.codecs,
    );
  }

  /**
   * Restores windows written by {@link TimeWindows.toBytes}. Levels,
   * lateness, key limit, watermark and dropped counts come from the image;
   * the functions from `options` (mistakes there throw
   * `InvalidArgumentError`). Throws `DecodeError` on malformed bytes,
   * including a bucket state the aggregator cannot use (of another type, or
   * a sketch that does not merge with the aggregator's): restored windows
   * answer every query.
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
  static fromBytes<In, State, Out, K = undefined, A extends Aggregator<In, State, Out> = Aggregator<In, State, Out>>(
    bytes: Uint8Array,
    options: TimeWindowsRestoreOptions<In, State, Out, K, A>,
  ): TimeWindows<In, State, Out, K, A> {
    if (!(bytes instanceof Uint8Array)) throw new DecodeError("malformed", `TimeWindows image: expected a Uint8Array, got ${describeValue(bytes)}`);
    // Options first, with default levels: their mistakes are not the image's.
    void new TimeWindows<In, State, Out, K, A>(options);
    const image = readTimeWindowsImage(bytes, options.codecs ?? [], (state) => unusableState(options.aggregator, state));
    const windows = new TimeWindows<In, State, Out, K, A>({
      ...options,
      levels: image.levels,
      allowedLateness: image.allowedLateness,
      maxKeys: image.maxKeys,
    });
    if (image.watermark !== Number.NEGATIVE_INFINITY) windows.advance(image.watermark);
    [windows.droppedLate, windows.droppedKeyLimit, windows.droppedInvalid, windows.droppedFuture] = image.dropped;
    for (const item of image.keys) {
      const entry: KeyEntry<State> = { levels: [], currentStart: 0, currentEnd: 0, current: undefined, dropped: item.dropped };
      for (const buckets of item.levels) {
        const map = new Map<number, Box<State>>();
        for (const [start, state] of buckets) {
          map.set(start, { state: state as State });
          windows.noteData(start);
        }
        entry.levels.push(map);
      }
      windows.entries.set(item.key as K, entry);
    }
    return windows;
  }
}
