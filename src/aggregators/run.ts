import { combineAllOption } from "../algebra/semigroup.js";
import type { Aggregator, MonoidAggregator } from "./aggregator.js";
import { isMonoidAggregator } from "./make.js";

/**
 * Aggregates an array or any iterable into a state, in one pass with
 * `append`: starting from `monoid.empty` for a monoid aggregator, or else
 * from `prepare` of the first input. For a plain (semigroup) aggregator an
 * empty iterable has no state: the result is `undefined`.
 *
 * This is what a worker runs over its share of a stream; merge the partial
 * states with {@link mergeStates}.
 *
 * @example
 * ```ts
 * import { aggregateState, makeAggregator, count } from "papertrail/aggregators";
 * import { SemigroupFirst } from "papertrail/algebra";
 * const firstSeen = makeAggregator({ prepare: (user: string) => user, semigroup: SemigroupFirst<string>(), present: (user) => user });
 * aggregateState(count(), new Set(["a", "b"])); // => 2
 * aggregateState(firstSeen, []); // => undefined
 * ```
 */
export function aggregateState<In, State, Out>(aggregator: MonoidAggregator<In, State, Out>, inputs: Iterable<In>): State;
export function aggregateState<In, State, Out>(aggregator: Aggregator<In, State, Out>, inputs: Iterable<In>): State | undefined;
export function aggregateState<In, State, Out>(aggregator: Aggregator<In, State, Out>, inputs: Iterable<In>): State | undefined {
  const append = aggregator.append;
  if (isMonoidAggregator(aggregator)) {
    let state = aggregator.monoid.empty;
    for (const input of inputs) state = append(state, input);
    return state;
  }
  let state: State | undefined;
  let started = false;
  for (const input of inputs) {
    if (started) state = append(state as State, input);
    else {
      state = aggregator.prepare(input);
      started = true;
    }
  }
  return state;
}

/**
 * Aggregates an array or any iterable and presents the answer (see
 * {@link aggregateState}). A plain semigroup aggregator (one made by
 * `makeAggregator`) over an empty iterable returns `undefined`; a monoid
 * aggregator returns `present(monoid.empty)`.
 *
 * @example
 * ```ts
 * import { aggregate, count, max, topK } from "papertrail/aggregators";
 * aggregate(count(), ["alice", "bob"]); // => 2
 * aggregate(max(), []); // => -Infinity
 * aggregate(topK({ capacity: 4, n: 1 }), ["a", "b", "a"]); // => [{ item: "a", count: 2, error: 0, guaranteed: true }]
 * aggregate(topK({ capacity: 4, n: 1 }), []); // => []
 * ```
 */
export function aggregate<In, State, Out>(aggregator: MonoidAggregator<In, State, Out>, inputs: Iterable<In>): Out;
export function aggregate<In, State, Out>(aggregator: Aggregator<In, State, Out>, inputs: Iterable<In>): Out | undefined;
export function aggregate<In, State, Out>(aggregator: Aggregator<In, State, Out>, inputs: Iterable<In>): Out | undefined {
  const state = aggregateState(aggregator, inputs);
  if (state === undefined && !isMonoidAggregator(aggregator)) return undefined;
  return aggregator.present(state as State);
}

/**
 * {@link aggregateState} over a stream: an async iterable (a Node.js
 * readable in object mode, an async generator) or a plain iterable. Inputs
 * are appended as they arrive; nothing is buffered.
 *
 * @example
 * ```ts
 * import { aggregateStateAsync, sum } from "papertrail/aggregators";
 * async function* sizes() { yield 10; yield 32; }
 * await aggregateStateAsync(sum(), sizes()); // => 42
 * ```
 */
export async function aggregateStateAsync<In, State, Out>(
  aggregator: MonoidAggregator<In, State, Out>,
  inputs: AsyncIterable<In> | Iterable<In>,
): Promise<State>;
export async function aggregateStateAsync<In, State, Out>(
  aggregator: Aggregator<In, State, Out>,
  inputs: AsyncIterable<In> | Iterable<In>,
): Promise<State | undefined>;
export async function aggregateStateAsync<In, State, Out>(
  aggregator: Aggregator<In, State, Out>,
  inputs: AsyncIterable<In> | Iterable<In>,
): Promise<State | undefined> {
  const append = aggregator.append;
  if (isMonoidAggregator(aggregator)) {
    let state = aggregator.monoid.empty;
    for await (const input of inputs) state = append(state, input);
    return state;
  }
  let state: State | undefined;
  let started = false;
  for await (const input of inputs) {
    if (started) state = append(state as State, input);
    else {
      state = aggregator.prepare(input);
      started = true;
    }
  }
  return state;
}

/**
 * {@link aggregate} over a stream (an async iterable, or a plain iterable).
 * Resolves to `undefined` for an empty stream and a plain semigroup
 * aggregator.
 *
 * @example
 * ```ts
 * import { aggregateAsync, distinctCount } from "papertrail/aggregators";
 * async function* logins() { yield "alice"; yield "bob"; yield "alice"; }
 * (await aggregateAsync(distinctCount(), logins())).contains(2); // => true
 * ```
 */
export async function aggregateAsync<In, State, Out>(
  aggregator: MonoidAggregator<In, State, Out>,
  inputs: AsyncIterable<In> | Iterable<In>,
): Promise<Out>;
export async function aggregateAsync<In, State, Out>(
  aggregator: Aggregator<In, State, Out>,
  inputs: AsyncIterable<In> | Iterable<In>,
): Promise<Out | undefined>;
export async function aggregateAsync<In, State, Out>(
  aggregator: Aggregator<In, State, Out>,
  inputs: AsyncIterable<In> | Iterable<In>,
): Promise<Out | undefined> {
  const state = await aggregateStateAsync(aggregator, inputs);
  if (state === undefined && !isMonoidAggregator(aggregator)) return undefined;
  return aggregator.present(state as State);
}

/**
 * Merges partial states (from workers, shards or time buckets) with the
 * state semigroup's bulk path: `monoid.combineAll` (the empty state for
 * none), or `combineMany` for a plain semigroup aggregator (`undefined` for
 * none). Never mutates the given states.
 *
 * @example
 * ```ts
 * import { mergeStates, aggregateState, makeAggregator, count } from "papertrail/aggregators";
 * import { SemigroupFirst } from "papertrail/algebra";
 * const firstSeen = makeAggregator({ prepare: (user: string) => user, semigroup: SemigroupFirst<string>(), present: (user) => user });
 * const workers = [["a", "b"], ["c"], []].map((share) => aggregateState(count(), share));
 * mergeStates(count(), workers); // => 3
 * mergeStates(firstSeen, []); // => undefined
 * ```
 */
export function mergeStates<In, State, Out>(aggregator: MonoidAggregator<In, State, Out>, states: Iterable<State>): State;
export function mergeStates<In, State, Out>(aggregator: Aggregator<In, State, Out>, states: Iterable<State>): State | undefined;
export function mergeStates<In, State, Out>(aggregator: Aggregator<In, State, Out>, states: Iterable<State>): State | undefined {
  if (isMonoidAggregator(aggregator)) return aggregator.monoid.combineAll(states);
  return combineAllOption(aggregator.semigroup, states);
}

/**
 * Merges partial states (see {@link mergeStates}) and presents the answer;
 * `undefined` when a plain semigroup aggregator gets no states.
 *
 * @example
 * ```ts
 * import { presentMerged, aggregateState, distinctCount } from "papertrail/aggregators";
 * const users = distinctCount();
 * const shards = [aggregateState(users, ["alice", "bob"]), aggregateState(users, ["bob", "carol"])];
 * presentMerged(users, shards).contains(3); // => true
 * ```
 */
export function presentMerged<In, State, Out>(aggregator: MonoidAggregator<In, State, Out>, states: Iterable<State>): Out;
export function presentMerged<In, State, Out>(aggregator: Aggregator<In, State, Out>, states: Iterable<State>): Out | undefined;
export function presentMerged<In, State, Out>(aggregator: Aggregator<In, State, Out>, states: Iterable<State>): Out | undefined {
  const state = mergeStates(aggregator, states);
  if (state === undefined && !isMonoidAggregator(aggregator)) return undefined;
  return aggregator.present(state as State);
}
