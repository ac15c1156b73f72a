import type { Monoid } from "../algebra/monoid.js";
import type { Semigroup } from "../algebra/semigroup.js";
import type { SketchStorage } from "../sketches/sketch.js";

/**
 * An aggregation in Algebird's shape: `prepare` turns one input into a
 * state, a semigroup merges states (from many inputs, workers or time
 * buckets), and `present` turns the final state into the answer.
 *
 * `append(state, input)` adds one input into a state the caller owns and may
 * mutate it (like a sketch's `add`); it must equal
 * `semigroup.combine(state, prepare(input))`. Built-ins implement it without
 * allocating, which is what makes per-event ingestion fast.
 *
 * @example
 * ```ts
 * import { type Aggregator, count } from "papertrail/aggregators";
 * const logins: Aggregator<unknown, number, number> = count();
 * logins.present(logins.append(logins.prepare("a"), "b")); // => 2
 * ```
 */
export interface Aggregator<In, State, Out> {
  /**
   * One input as a state. `storage`, when given, is where a sketch state
   * takes its arrays from (a `TimeWindows` passes the arena of its finest
   * buckets); aggregators whose states hold no arrays ignore it.
   */
  readonly prepare: (input: In, storage?: SketchStorage) => State;
  /** Merges states; never mutates its inputs. */
  readonly semigroup: Semigroup<State>;
  /** The answer for a state. Never mutates the state. */
  readonly present: (state: State) => Out;
  /** Adds `input` into `state` (which it may mutate) and returns the updated state. */
  readonly append: (state: State, input: In) => State;
}

/**
 * An aggregator whose states form a monoid, so an empty input has an answer
 * (`present(monoid.empty)`) and states can start empty.
 *
 * @example
 * ```ts
 * import { type MonoidAggregator, sum } from "papertrail/aggregators";
 * const bytes: MonoidAggregator<number, number, number> = sum();
 * bytes.present(bytes.monoid.empty); // => 0
 * ```
 */
export interface MonoidAggregator<In, State, Out> extends Aggregator<In, State, Out> {
  readonly semigroup: Monoid<State>;
  /** The same instance as `semigroup`, typed as a monoid. */
  readonly monoid: Monoid<State>;
}
