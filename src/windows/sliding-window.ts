import type { Aggregator } from "../aggregators/aggregator.js";
import type { Group } from "../algebra/group.js";
import type { Monoid } from "../algebra/monoid.js";
import { createEnvelope } from "../codec/envelope.js";
import { readImageRecord } from "./image-record.js";
import { unusableState } from "./state-check.js";
import type { SomeImageCodec } from "../codec/image-codec.js";
import { DecodeError, InvalidArgumentError } from "../errors.js";
import { describeValue } from "../sketches/sketch.js";
import { DEFAULT_MAX_FUTURE_SKEW, GRANULARITY_MS, isGranularity, parseWindowLength, type Granularity, type WindowLength } from "./granularity.js";

const IMAGE_FORMAT = "papertrail.sliding-window";
const IMAGE_VERSION = 1;
const MAX_BUCKETS = 100_000;
/** The window-length unit of one bucket of each granularity. */
const LENGTH_UNIT = { minute: "m", hour: "h", day: "d", week: "w" } as const;

/**
 * Options of {@link SlidingWindow}.
 *
 * @example
 * ```ts
 * import { type SlidingWindowOptions } from "papertrail/windows";
 * import { GroupSum } from "papertrail/algebra";
 * const sum = { prepare: (x: number) => x, semigroup: GroupSum, present: (s: number) => s, append: (s: number, x: number) => s + x };
 * const options: SlidingWindowOptions<number, number, number> = { aggregator: sum, time: () => 0, granularity: "minute", length: "1h" };
 * options.length; // => "1h"
 * ```
 */
export interface SlidingWindowOptions<In, State, Out> {
  readonly aggregator: Aggregator<In, State, Out>;
  /** Event time of an input, epoch milliseconds. */
  readonly time: (input: In) => number;
  /** Bucket size: the window slides by one bucket at a time. */
  readonly granularity: Granularity;
  /** Window length, a whole number of buckets (`"1h"` of minutes, `"24h"` of hours...). */
  readonly length: WindowLength;
  /** Image codecs of the states that are not plain data (`HyperLogLog.codec`...), for {@link SlidingWindow.toBytes}. */
  readonly codecs?: readonly SomeImageCodec[];
  /** Clock for `maxFutureSkew`; default `Date.now`. */
  readonly now?: () => number;
  /**
   * An event stamped more than this many ms after the clock (`now()`) is not
   * stored and is counted in `dropped` (and `droppedFuture`): one bad future
   * timestamp would otherwise move the watermark and slide every bucket out
   * of the window. Default 3600000 (one hour); `Infinity` turns the check
   * off (replaying data stamped after the clock). Not part of the snapshot;
   * pass it again to `fromBytes`.
   */
  readonly maxFutureSkew?: number;
}

/**
 * Options of {@link SlidingWindow.fromBytes}: the aggregator, time function
 * and codecs (granularity and length come from the image).
 *
 * @example
 * ```ts
 * import { type SlidingWindowRestoreOptions } from "papertrail/windows";
 * import { GroupSum } from "papertrail/algebra";
 * const sum = { prepare: (x: number) => x, semigroup: GroupSum, present: (s: number) => s, append: (s: number, x: number) => s + x };
 * const options: SlidingWindowRestoreOptions<number, number, number> = { aggregator: sum, time: () => 0 };
 * options.codecs; // => undefined
 * ```
 */
export type SlidingWindowRestoreOptions<In, State, Out> = Omit<SlidingWindowOptions<In, State, Out>, "granularity" | "length">;

function isGroup<A>(semigroup: unknown): semigroup is Group<A> {
  return typeof (semigroup as Partial<Group<A>>).inverse === "function" && "empty" in (semigroup as object);
}

/**
 * One sliding window over an event stream: the aggregate of the last
 * `length` of event time, ending with the bucket that holds the watermark
 * (the largest event time seen), sliding one bucket at a time.
 *
 * When the aggregator's semigroup is a group (it has `inverse`, as `GroupSum`),
 * the window keeps a running total: each event is appended to its bucket and
 * to the total, and a bucket leaving the window is subtracted (`combine(total,
 * inverse(bucket))`), so reading is O(1). Otherwise (sketches, max...) reading
 * merges the buckets in the window. With floating-point sums the running total
 * can drift by rounding; integer counts stay exact.
 *
 * Events older than the window's first bucket, and events stamped more than
 * `maxFutureSkew` (default one hour) after the clock, are not stored but
 * counted in {@link SlidingWindow.dropped}.
 *
 * @example
 * ```ts
 * import { SlidingWindow } from "papertrail/windows";
 * import { GroupSum } from "papertrail/algebra";
 * const bytes = { prepare: (e: { at: number; size: number }) => e.size, semigroup: GroupSum, present: (s: number) => s, append: (s: number, e: { at: number; size: number }) => s + e.size };
 * const window = new SlidingWindow({ aggregator: bytes, time: (e) => e.at, granularity: "minute", length: "5m" });
 * for (let minute = 0; minute < 10; minute++) window.add({ at: minute * 60_000, size: minute });
 * window.value; // => 5 + 6 + 7 + 8 + 9
 * window.usesInverse; // => true
 * ```
 */
export class SlidingWindow<In, State, Out> {
  readonly aggregator: Aggregator<In, State, Out>;
  /** Bucket granularity. */
  readonly granularity: Granularity;
  /** Number of buckets in the window. */
  readonly bucketCount: number;
  /** True when the semigroup is a group and a running total is kept. */
  readonly usesInverse: boolean;
  private readonly timeOf: (input: In) => number;
  private readonly codecs: readonly SomeImageCodec[];
  private readonly size: number;
  private readonly offset: number;
  private readonly starts: Float64Array;
  private readonly states: (State | undefined)[];
  private total: State | undefined;
  private mark = Number.NEGATIVE_INFINITY;
  private droppedCount = 0;
  private droppedFutureCount = 0;
  private readonly clock: () => number;
  private readonly maxFutureSkew: number;
  /** Events up to this time pass the future check without reading the clock: the clock plus the skew, when last read. */
  private futureLimit = Number.NEGATIVE_INFINITY;

  constructor(options: SlidingWindowOptions<In, State, Out>) {
    const { aggregator, granularity } = options;
    if (aggregator === null || typeof aggregator !== "object" || typeof aggregator.append !== "function") {
      throw new InvalidArgumentError("SlidingWindow needs an aggregator with prepare, semigroup, present and append");
    }
    if (typeof options.time !== "function") throw new InvalidArgumentError("SlidingWindow needs a time function (input) => epoch ms");
    if (!isGranularity(granularity)) throw new InvalidArgumentError(`SlidingWindow granularity must be "minute", "hour", "day" or "week", got ${String(granularity)}`);
    const size = GRANULARITY_MS[granularity];
    const length = parseWindowLength(options.length);
    if (length % size !== 0 || length / size > MAX_BUCKETS) {
      throw new InvalidArgumentError(`SlidingWindow length ${options.length} must be a whole number (at most ${MAX_BUCKETS}) of ${granularity}s`);
    }
    const skew = options.maxFutureSkew ?? DEFAULT_MAX_FUTURE_SKEW;
    if (!(skew >= 0)) throw new InvalidArgumentError(`SlidingWindow maxFutureSkew must be a number of ms >= 0, got ${skew}`);
    if (options.now !== undefined && typeof options.now !== "function") throw new InvalidArgumentError("SlidingWindow now must be a function returning epoch ms");
    this.clock = options.now ?? Date.now;
    this.maxFutureSkew = skew;
    this.aggregator = aggregator;
    this.granularity = granularity;
    this.timeOf = options.time;
    this.codecs = options.codecs ?? [];
    this.size = size;
    this.offset = granularity === "week" ? 3 * 86_400_000 : 0;
    this.bucketCount = length / size;
    this.starts = new Float64Array(this.bucketCount).fill(Number.NaN);
    this.states = new Array<State | undefined>(this.bucketCount).fill(undefined);
    this.usesInverse = isGroup<State>(aggregator.semigroup);
    this.total = this.usesInverse ? (aggregator.semigroup as Group<State>).empty : undefined;
  }

  /** The largest event time seen or advanced to. */
  get watermark(): number {
    return this.mark;
  }

  /** Events not stored: older than the window when they arrived, without a finite time, or too far in the future. */
  get dropped(): number {
    return this.droppedCount;
  }

  /**
   * The part of {@link SlidingWindow.dropped} stamped more than
   * `maxFutureSkew` after the clock, since this window was made or restored.
   */
  get droppedFuture(): number {
    return this.droppedFutureCount;
  }

  /** Start of the window (the oldest bucket's start); `-Infinity` before any event. */
  get from(): number {
    return this.mark === Number.NEGATIVE_INFINITY ? this.mark : this.floor(this.mark) - (this.bucketCount - 1) * this.size;
  }

  /** End of the window (exclusive): the end of the watermark's bucket. */
  get to(): number {
    return this.mark === Number.NEGATIVE_INFINITY ? this.mark : this.floor(this.mark) + this.size;
  }

  private floor(time: number): number {
    return Math.floor((time + this.offset) / this.size) * this.size - this.offset;
  }

  private slot(start: number): number {
    const n = this.bucketCount;
    return ((((start + this.offset) / this.size) % n) + n) % n;
  }

  /** Adds one event; false when it was not stored (counted in `dropped`). */
  add(input: In): boolean {
    const time = this.timeOf(input);
    if (typeof time !== "number" || !Number.isFinite(time)) {
      this.droppedCount++;
      return false;
    }
    if (time > this.mark) {
      // The clock is read again only when an event passes the limit last computed.
      if (time > this.futureLimit && time > (this.futureLimit = this.clock() + this.maxFutureSkew)) {
        this.droppedCount++;
        this.droppedFutureCount++;
        return false;
      }
      this.advance(time);
    }
    const start = this.floor(time);
    if (start < this.from) {
      this.droppedCount++;
      return false;
    }
    const i = this.slot(start);
    const aggregator = this.aggregator;
    if (this.starts[i] === start) this.states[i] = aggregator.append(this.states[i] as State, input);
    else {
      this.starts[i] = start;
      this.states[i] = aggregator.prepare(input);
    }
    if (this.usesInverse) this.total = aggregator.append(this.total as State, input);
    return true;
  }

  /** Moves the watermark forward to `time` (never back), evicting the buckets that leave the window. */
  advance(time: number): this {
    if (!Number.isFinite(time)) throw new InvalidArgumentError(`SlidingWindow.advance: time must be a finite number, got ${time}`);
    if (time <= this.mark) return this;
    const oldFrom = this.from;
    this.mark = time;
    const newFrom = this.from;
    if (oldFrom === Number.NEGATIVE_INFINITY || newFrom === oldFrom) return this;
    const group = this.usesInverse ? (this.aggregator.semigroup as Group<State>) : undefined;
    if ((newFrom - oldFrom) / this.size >= this.bucketCount) {
      // Everything left: start over (exact, no subtraction).
      this.starts.fill(Number.NaN);
      this.states.fill(undefined);
      if (group !== undefined) this.total = group.empty;
      return this;
    }
    for (let start = oldFrom; start < newFrom; start += this.size) {
      const i = this.slot(start);
      if (this.starts[i] !== start) continue;
      if (group !== undefined) this.total = group.combine(this.total as State, group.inverse(this.states[i] as State));
      this.starts[i] = Number.NaN;
      this.states[i] = undefined;
    }
    return this;
  }

  /** The merged state of the window (the monoid's empty, or `undefined`, when no bucket holds data). */
  get state(): State | undefined {
    const semigroup = this.aggregator.semigroup;
    if (this.usesInverse) {
      // A copy: the running total stays private.
      const group = semigroup as Group<State>;
      return group.combine(group.empty, this.total as State);
    }
    // A semigroup with an `empty` is a monoid even when the aggregator has no `monoid` field.
    const monoid = "empty" in semigroup ? (semigroup as Monoid<State>) : undefined;
    // Buckets in time order (not ring order), for order-sensitive semigroups.
    const live: State[] = [];
    for (let k = 0, start = this.from; k < this.bucketCount; k++, start += this.size) {
      const i = this.slot(start);
      if (this.starts[i] === start && this.states[i] !== undefined) live.push(this.states[i] as State);
    }
    if (monoid !== undefined) return monoid.combineMany(monoid.empty, live);
    if (live.length === 0) return undefined;
    return semigroup.combineMany(live[0] as State, live.slice(1));
  }

  /** `present(state)`, or `undefined` when empty without a monoid. */
  get value(): Out | undefined {
    const state = this.state;
    return state === undefined ? undefined : this.aggregator.present(state);
  }

  /**
   * The window as one binary image: a `createEnvelope` envelope (family
   * 0x7f) holding the granularity, the number of buckets, the watermark, the
   * dropped count and every live bucket. The running total of a group
   * aggregator is not stored: {@link SlidingWindow.fromBytes} rebuilds it
   * from the buckets (which also clears any floating-point drift). Sketch
   * states need their codecs in the `codecs` option.
   *
   * @example
   * ```ts
   * import { SlidingWindow } from "papertrail/windows";
   * import { HyperLogLog } from "papertrail/sketches";
   * const users = { prepare: (e: { at: number; user: string }) => new HyperLogLog().add(e.user), append: (s: HyperLogLog, e: { at: number; user: string }) => s.add(e.user), present: (s: HyperLogLog) => s.cardinality(), semigroup: HyperLogLog.monoid() };
   * const window = new SlidingWindow({ aggregator: users, time: (e) => e.at, granularity: "minute", length: "1h", codecs: [HyperLogLog.codec] });
   * window.add({ at: 0, user: "alice" }); window.add({ at: 60_000, user: "bob" });
   * const copy = SlidingWindow.fromBytes(window.toBytes(), { aggregator: users, time: (e) => e.at, codecs: [HyperLogLog.codec] });
   * [copy.value, copy.watermark, copy.bucketCount]; // => [2, 60000, 60]
   * ```
   */
  toBytes(): Uint8Array<ArrayBuffer> {
    const buckets: unknown[] = [];
    if (this.mark !== Number.NEGATIVE_INFINITY) {
      for (let k = 0, start = this.from; k < this.bucketCount; k++, start += this.size) {
        const i = this.slot(start);
        if (this.starts[i] === start && this.states[i] !== undefined) buckets.push(start, this.states[i]);
      }
    }
    return createEnvelope({ codecs: this.codecs }).encode({
      format: IMAGE_FORMAT,
      version: IMAGE_VERSION,
      granularity: this.granularity,
      buckets: this.bucketCount,
      watermark: this.mark === Number.NEGATIVE_INFINITY ? null : this.mark,
      dropped: this.droppedCount,
      states: buckets,
    });
  }

  /**
   * Restores a window written by {@link SlidingWindow.toBytes}. Granularity,
   * length, watermark and dropped count come from the image; the aggregator,
   * time function and codecs from `options` (mistakes there throw
   * `InvalidArgumentError`). Malformed bytes throw `DecodeError`, and so
   * does a bucket state the aggregator cannot use (of another type, or a
   * sketch that does not merge with the aggregator's).
   *
   * @example
   * ```ts
   * import { SlidingWindow } from "papertrail/windows";
   * import { GroupSum } from "papertrail/algebra";
   * const bytes = { prepare: (e: { at: number; size: number }) => e.size, semigroup: GroupSum, present: (s: number) => s, append: (s: number, e: { at: number; size: number }) => s + e.size };
   * const window = new SlidingWindow({ aggregator: bytes, time: (e) => e.at, granularity: "minute", length: "5m" });
   * for (let minute = 0; minute < 10; minute++) window.add({ at: minute * 60_000, size: minute });
   * const copy = SlidingWindow.fromBytes(window.toBytes(), { aggregator: bytes, time: (e) => e.at });
   * copy.add({ at: 10 * 60_000, size: 10 });
   * copy.value; // => 6 + 7 + 8 + 9 + 10
   * ```
   */
  static fromBytes<In, State, Out>(bytes: Uint8Array, options: SlidingWindowRestoreOptions<In, State, Out>): SlidingWindow<In, State, Out> {
    if (!(bytes instanceof Uint8Array)) throw new DecodeError("malformed", `SlidingWindow image: expected a Uint8Array, got ${describeValue(bytes)}`);
    if (options === null || typeof options !== "object") throw new InvalidArgumentError("SlidingWindow.fromBytes needs an options object");
    // Options first, with a placeholder shape: their mistakes are not the image's.
    void new SlidingWindow<In, State, Out>({ ...options, granularity: "minute", length: "1m" });
    const { record, bad } = readImageRecord(bytes, options.codecs ?? [], {
      name: "SlidingWindow",
      format: IMAGE_FORMAT,
      version: IMAGE_VERSION,
      what: "sliding-window",
    });
    const granularity = record.granularity;
    if (!isGranularity(granularity)) bad(`granularity ${JSON.stringify(granularity)} is not minute, hour, day or week`);
    const bucketCount = record.buckets;
    if (typeof bucketCount !== "number" || !Number.isInteger(bucketCount) || bucketCount < 1 || bucketCount > MAX_BUCKETS) {
      bad(`buckets must be an integer from 1 to ${MAX_BUCKETS}`);
    }
    const watermark = record.watermark;
    if (watermark !== null && (typeof watermark !== "number" || !Number.isFinite(watermark))) bad("watermark must be null or a finite number");
    const dropped = record.dropped;
    if (typeof dropped !== "number" || !Number.isSafeInteger(dropped) || dropped < 0) bad("dropped must be a count");
    const list = record.states;
    if (!Array.isArray(list) || list.length % 2 !== 0 || list.length / 2 > (bucketCount as number)) bad("states must be [start, state, ...] for at most every bucket");
    if (watermark === null && (list as unknown[]).length > 0) bad("buckets without a watermark");

    const unit = LENGTH_UNIT[granularity as Granularity];
    const window = new SlidingWindow<In, State, Out>({ ...options, granularity: granularity as Granularity, length: `${bucketCount as number}${unit}` });
    if (watermark !== null) window.advance(watermark as number);
    window.droppedCount = dropped as number;
    const live: State[] = [];
    const states = list as unknown[];
    for (let j = 0; j < states.length; j += 2) {
      const start = states[j];
      const state = states[j + 1];
      if (typeof start !== "number" || !Number.isFinite(start) || window.floor(start) !== start) bad(`bucket start ${String(start)} is not a ${granularity} boundary`);
      const s = start as number;
      if (s < window.from || s >= window.to) bad(`bucket at ${s} is outside the window [${window.from}, ${window.to})`);
      if (j > 0 && s <= (states[j - 2] as number)) bad("bucket starts must increase");
      const reason = unusableState(window.aggregator, state);
      if (reason !== undefined) bad(`bucket at ${s} has ${reason}`);
      const i = window.slot(s);
      window.starts[i] = s;
      window.states[i] = state as State;
      live.push(state as State);
    }
    if (window.usesInverse) {
      const group = window.aggregator.semigroup as Group<State>;
      window.total = group.combineMany(group.empty, live);
    }
    return window;
  }
}
