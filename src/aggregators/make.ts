import type { SketchStorage } from "../sketches/sketch.js";
import type { Monoid } from "../algebra/monoid.js";
import type { Semigroup } from "../algebra/semigroup.js";
import type { Aggregator, MonoidAggregator } from "./aggregator.js";

/**
 * What {@link makeAggregator} needs: `prepare`, the state semigroup,
 * `present`, and optionally a faster `append` (by default
 * `(state, input) => semigroup.combine(state, prepare(input))`).
 *
 * @example
 * ```ts
 * import { type AggregatorDefinition, makeAggregator } from "papertrail/aggregators";
 * import { SemigroupLast } from "papertrail/algebra";
 * const definition: AggregatorDefinition<string, string, string> = {
 *   prepare: (user) => user,
 *   semigroup: SemigroupLast<string>(),
 *   present: (user) => `last login: ${user}`,
 * };
 * makeAggregator(definition).present("alice"); // => "last login: alice"
 * ```
 */
export interface AggregatorDefinition<In, State, Out> {
  readonly prepare: (input: In, storage?: SketchStorage) => State;
  readonly semigroup: Semigroup<State>;
  readonly present: (state: State) => Out;
  /** Must equal `semigroup.combine(state, prepare(input))`; may mutate `state`. */
  readonly append?: (state: State, input: In) => State;
}

/**
 * What {@link makeMonoidAggregator} needs: like {@link AggregatorDefinition}
 * with a monoid instead of a semigroup.
 *
 * @example
 * ```ts
 * import { type MonoidAggregatorDefinition, makeMonoidAggregator, aggregate } from "papertrail/aggregators";
 * import { MonoidMax } from "papertrail/algebra";
 * const definition: MonoidAggregatorDefinition<string, number, number> = {
 *   prepare: (path) => path.length,
 *   monoid: MonoidMax,
 *   present: (longest) => longest,
 * };
 * aggregate(makeMonoidAggregator(definition), ["/a", "/admin"]); // => 6
 * ```
 */
export interface MonoidAggregatorDefinition<In, State, Out> {
  readonly prepare: (input: In, storage?: SketchStorage) => State;
  readonly monoid: Monoid<State>;
  readonly present: (state: State) => Out;
  /** Must equal `monoid.combine(state, prepare(input))`; may mutate `state`. */
  readonly append?: (state: State, input: In) => State;
}

function defaultAppend<In, State>(semigroup: Semigroup<State>, prepare: (input: In, storage?: SketchStorage) => State): (state: State, input: In) => State {
  const combine = semigroup.combine;
  return (state, input) => combine(state, prepare(input));
}

/**
 * Builds an {@link Aggregator} from a semigroup. Without `append`, appending
 * an input combines the state with the prepared input (correct, but it
 * allocates a state per input); pass an `append` that updates the state in
 * place for the hot path.
 *
 * @example
 * ```ts
 * import { makeAggregator, aggregate } from "papertrail/aggregators";
 * import { SemigroupFirst } from "papertrail/algebra";
 * const firstSeen = makeAggregator({
 *   prepare: (event: { user: string; at: number }) => event,
 *   semigroup: SemigroupFirst<{ user: string; at: number }>(),
 *   present: (event) => event.user,
 * });
 * aggregate(firstSeen, [{ user: "alice", at: 1 }, { user: "bob", at: 2 }]); // => "alice"
 * aggregate(firstSeen, []); // => undefined
 * ```
 */
export function makeAggregator<In, State, Out>(definition: AggregatorDefinition<In, State, Out>): Aggregator<In, State, Out> {
  const { prepare, semigroup, present } = definition;
  return { prepare, semigroup, present, append: definition.append ?? defaultAppend(semigroup, prepare) };
}

/**
 * Builds a {@link MonoidAggregator} (so aggregating nothing has an answer,
 * `present(monoid.empty)`). `semigroup` and `monoid` are the same instance.
 *
 * @example
 * ```ts
 * import { makeMonoidAggregator, aggregate } from "papertrail/aggregators";
 * import { MonoidSum } from "papertrail/algebra";
 * const failedBytes = makeMonoidAggregator({
 *   prepare: (event: { ok: boolean; bytes: number }) => (event.ok ? 0 : event.bytes),
 *   monoid: MonoidSum,
 *   present: (total) => total,
 *   append: (total, event) => (event.ok ? total : total + event.bytes),
 * });
 * aggregate(failedBytes, [{ ok: false, bytes: 10 }, { ok: true, bytes: 99 }, { ok: false, bytes: 5 }]); // => 15
 * aggregate(failedBytes, []); // => 0
 * ```
 */
export function makeMonoidAggregator<In, State, Out>(
  definition: MonoidAggregatorDefinition<In, State, Out>,
): MonoidAggregator<In, State, Out> {
  const { prepare, monoid, present } = definition;
  return { prepare, semigroup: monoid, monoid, present, append: definition.append ?? defaultAppend(monoid, prepare) };
}

/**
 * Whether `aggregator` is a {@link MonoidAggregator} (has a `monoid`).
 *
 * @example
 * ```ts
 * import { isMonoidAggregator, makeAggregator, count, topK } from "papertrail/aggregators";
 * import { SemigroupFirst } from "papertrail/algebra";
 * const firstSeen = makeAggregator({ prepare: (user: string) => user, semigroup: SemigroupFirst<string>(), present: (user) => user });
 * [isMonoidAggregator(count()), isMonoidAggregator(topK({ capacity: 10, n: 3 }))]; // => [true, true]
 * isMonoidAggregator(firstSeen); // => false
 * ```
 */
export function isMonoidAggregator<In, State, Out>(
  aggregator: Aggregator<In, State, Out>,
): aggregator is MonoidAggregator<In, State, Out> {
  return "monoid" in aggregator && (aggregator as { monoid?: unknown }).monoid !== undefined;
}
