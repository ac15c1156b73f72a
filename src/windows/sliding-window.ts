import type { Aggregator } from "../aggregators/aggregator.js";
import type { Group } from "../algebra/group.js";
import type { Monoid } from "../algebra/monoid.js";
import { InvalidArgumentError } from "../errors.js";
import { GRANULARITY_MS, isGranularity, parseWindowLength, type Granularity, type WindowLength } from "./granularity.js";

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
}

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
 * Events older than the window's first bucket are not stored but counted in
 * {@link SlidingWindow.dropped}.
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
  private readonly size: number;
  private readonly offset: number;
  private readonly starts: Float64Array;
  private readonly states: (State | undefined)[];
  private total: State | undefined;
  private mark = Number.NEGATIVE_INFINITY;
  private droppedCount = 0;

  constructor(options: SlidingWindowOptions<In, State, Out>) {
    const { aggregator, granularity } = options;
    if (aggregator === null || typeof aggregator !== "object" || typeof aggregator.append !== "function") {
      throw new InvalidArgumentError("SlidingWindow needs an aggregator with prepare, semigroup, present and append");
    }
    if (typeof options.time !== "function") throw new InvalidArgumentError("SlidingWindow needs a time function (input) => epoch ms");
    if (!isGranularity(granularity)) throw new InvalidArgumentError(`SlidingWindow granularity must be "minute", "hour", "day" or "week", got ${String(granularity)}`);
    const size = GRANULARITY_MS[granularity];
    const length = parseWindowLength(options.length);
    if (length % size !== 0 || length / size > 100_000) {
      throw new InvalidArgumentError(`SlidingWindow length ${options.length} must be a whole number (at most 100000) of ${granularity}s`);
    }
    this.aggregator = aggregator;
    this.granularity = granularity;
    this.timeOf = options.time;
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

  /** Events older than the window when they arrived (or without a finite time). */
  get dropped(): number {
    return this.droppedCount;
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

  /** Adds one event; false when it was older than the window (counted in `dropped`). */
  add(input: In): boolean {
    const time = this.timeOf(input);
    if (typeof time !== "number" || !Number.isFinite(time)) {
      this.droppedCount++;
      return false;
    }
    if (time > this.mark) this.advance(time);
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
    const monoid = "empty" in semigroup ? (semigroup as Monoid<State>) : undefined;
    // A copy: the running total and the bucket states stay private.
    if (this.usesInverse) return (monoid as Monoid<State>).combine(monoid!.empty, this.total as State);
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
}
