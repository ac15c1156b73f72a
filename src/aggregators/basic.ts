import { MonoidCompensatedSum, type CompensatedSum } from "../algebra/compensated-sum.js";
import { MonoidMax, MonoidMin, MonoidSum } from "../algebra/number.js";
import { Moments } from "../sketches/moments.js";
import type { MonoidAggregator } from "./aggregator.js";
import { makeMonoidAggregator } from "./make.js";

const countAggregator: MonoidAggregator<unknown, number, number> = makeMonoidAggregator<unknown, number, number>({
  prepare: () => 1,
  monoid: MonoidSum,
  present: (n) => n,
  append: (n) => n + 1,
});

/**
 * Counts inputs (of any type). State: a number; merging adds.
 *
 * @example
 * ```ts
 * import { count, aggregate, filter } from "papertrail/aggregators";
 * aggregate(count(), ["login", "login", "logout"]); // => 3
 * aggregate(filter(count(), (event: string) => event === "login"), ["login", "login", "logout"]); // => 2
 * ```
 */
export function count(): MonoidAggregator<unknown, number, number> {
  return countAggregator;
}

const plainSum: MonoidAggregator<number, number, number> = makeMonoidAggregator<number, number, number>({
  prepare: (x) => x,
  monoid: MonoidSum,
  present: (total) => total,
  append: (total, x) => total + x,
});

type MutableCompensatedSum = { sum: number; compensation: number };

const compensatedSumAggregator: MonoidAggregator<number, CompensatedSum, number> = makeMonoidAggregator<number, CompensatedSum, number>({
  prepare: (x) => ({ sum: x, compensation: 0 }),
  monoid: MonoidCompensatedSum,
  present: (state) => state.sum + state.compensation,
  // Neumaier's step, in place on the caller's state (as MonoidCompensatedSum.combine does on a copy).
  append: (state, x) => {
    const acc = state as MutableCompensatedSum;
    const total = acc.sum + x;
    if (Math.abs(acc.sum) >= Math.abs(x)) acc.compensation += acc.sum - total + x;
    else acc.compensation += x - total + acc.sum;
    acc.sum = total;
    return acc;
  },
});

/**
 * Options of {@link sum}.
 *
 * @example
 * ```ts
 * import { type SumOptions, sum, aggregate } from "papertrail/aggregators";
 * // `as const` keeps `true` literal, so `sum` returns the compensated aggregator's own type.
 * const options = { compensated: true } as const satisfies SumOptions;
 * aggregate(sum(options), [0.1, 0.2, 0.3]); // => 0.6
 * ```
 */
export interface SumOptions {
  /**
   * Kahan–Neumaier compensated summation (state `{ sum, compensation }`,
   * `MonoidCompensatedSum`): nearly exact for long sums of doubles and
   * sums with cancellation. Default false: a plain `number` state.
   */
  readonly compensated?: boolean;
}

/**
 * Sums numbers. By default the state is a plain `number` and merging is
 * `+`: exact (and its laws exact) on integers below 2^53, with ordinary
 * floating-point rounding otherwise, so the total may differ in the last
 * bits with the order and grouping of the inputs. With
 * `{ compensated: true }` the state is a `CompensatedSum` and the answer
 * `sum + compensation` (nearly order-independent; about twice the cost).
 *
 * @example
 * ```ts
 * import { sum, aggregate } from "papertrail/aggregators";
 * aggregate(sum(), [1, 2, 3]); // => 6
 * aggregate(sum(), [0.1, 0.2, 0.3]); // => 0.6000000000000001
 * aggregate(sum({ compensated: true }), [1e100, 1, -1e100]); // => 1
 * ```
 */
export function sum(options?: { readonly compensated?: false }): MonoidAggregator<number, number, number>;
export function sum(options: { readonly compensated: true }): MonoidAggregator<number, CompensatedSum, number>;
export function sum(options?: SumOptions): MonoidAggregator<number, number, number> | MonoidAggregator<number, CompensatedSum, number>;
export function sum(options: SumOptions = {}): MonoidAggregator<number, number, number> | MonoidAggregator<number, CompensatedSum, number> {
  return options.compensated === true ? compensatedSumAggregator : plainSum;
}

const minAggregator: MonoidAggregator<number, number, number> = makeMonoidAggregator<number, number, number>({
  prepare: (x) => x,
  monoid: MonoidMin,
  present: (x) => x,
  append: (lowest, x) => Math.min(lowest, x),
});

const maxAggregator: MonoidAggregator<number, number, number> = makeMonoidAggregator<number, number, number>({
  prepare: (x) => x,
  monoid: MonoidMax,
  present: (x) => x,
  append: (highest, x) => Math.max(highest, x),
});

/**
 * The smallest number (`MonoidMin`, `Math.min`: `NaN` is absorbing):
 * `Infinity` when there were no inputs.
 *
 * @example
 * ```ts
 * import { min, aggregate } from "papertrail/aggregators";
 * aggregate(min(), [30, 5, 12]); // => 5
 * aggregate(min(), []); // => Infinity
 * ```
 */
export function min(): MonoidAggregator<number, number, number> {
  return minAggregator;
}

/**
 * The largest number (`MonoidMax`, `Math.max`: `NaN` is absorbing):
 * `-Infinity` when there were no inputs.
 *
 * @example
 * ```ts
 * import { max, aggregate } from "papertrail/aggregators";
 * aggregate(max(), [30, 5, 12]); // => 30
 * aggregate(max(), []); // => -Infinity
 * ```
 */
export function max(): MonoidAggregator<number, number, number> {
  return maxAggregator;
}

const momentsMonoid = Moments.monoid();
const momentsAggregator: MonoidAggregator<number, Moments, Moments> = makeMonoidAggregator<number, Moments, Moments>({
  prepare: (x) => new Moments().add(x),
  monoid: momentsMonoid,
  present: (state) => state,
  append: (state, x) => state.add(x),
});

/**
 * Streaming statistics of numbers: count (`totalWeight`), mean, variance, skewness,
 * kurtosis, min and max, in a `Moments` state (`papertrail/sketches`).
 * `append` calls `Moments.add` (no allocation). The answer is the state
 * itself, not a copy: read it, and `clone()` it before changing it.
 * Inputs must be finite with `|x| <= 1e60` (`Moments.add` throws otherwise).
 *
 * @example
 * ```ts
 * import { moments, aggregate } from "papertrail/aggregators";
 * const latency = aggregate(moments(), [12, 15, 11, 48, 14]);
 * [latency.totalWeight, latency.mean, latency.max]; // => [5, 20, 48]
 * ```
 */
export function moments(): MonoidAggregator<number, Moments, Moments> {
  return momentsAggregator;
}
