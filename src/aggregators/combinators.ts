import type { SketchStorage } from "../sketches/sketch.js";
import { makeMonoid, type Monoid } from "../algebra/monoid.js";
import type { Semigroup } from "../algebra/semigroup.js";
import type { Aggregator, MonoidAggregator } from "./aggregator.js";
import { isMonoidAggregator, makeAggregator, makeMonoidAggregator } from "./make.js";

/**
 * Post-processes the answer (Algebird's `andThenPresent`): the states and
 * their merging are unchanged, only `present` becomes `f(present(state))`.
 * Keeps a monoid aggregator a monoid aggregator.
 *
 * @example
 * ```ts
 * import { mapOutput, distinctCount, aggregate } from "papertrail/aggregators";
 * const users = mapOutput(distinctCount(), (estimate) => Math.round(estimate.estimate));
 * aggregate(users, ["alice", "bob", "alice"]); // => 2
 * ```
 */
export function mapOutput<In, State, Out, Next>(
  aggregator: MonoidAggregator<In, State, Out>,
  f: (output: Out) => Next,
): MonoidAggregator<In, State, Next>;
export function mapOutput<In, State, Out, Next>(aggregator: Aggregator<In, State, Out>, f: (output: Out) => Next): Aggregator<In, State, Next>;
export function mapOutput<In, State, Out, Next>(aggregator: Aggregator<In, State, Out>, f: (output: Out) => Next): Aggregator<In, State, Next> {
  const present = aggregator.present;
  const { prepare, append } = aggregator;
  const presentNext = (state: State): Next => f(present(state));
  if (isMonoidAggregator(aggregator)) {
    return makeMonoidAggregator({ prepare, monoid: aggregator.monoid, present: presentNext, append });
  }
  return makeAggregator({ prepare, semigroup: aggregator.semigroup, present: presentNext, append });
}

/**
 * Feeds the aggregator `f(input)` instead of `input` (contramap, Algebird's
 * `composePrepare`): extract the field to aggregate from an event. `f` is
 * called once per input, by `prepare` or by `append`, and its result is not
 * retained by the built-ins, so `f` may return a reused object (a
 * `HashedKey`, see {@link distinctCountHashed}).
 *
 * @example
 * ```ts
 * import { mapInput, sum, aggregate } from "papertrail/aggregators";
 * const bytesOut = mapInput(sum(), (event: { bytes: number }) => event.bytes);
 * aggregate(bytesOut, [{ bytes: 120 }, { bytes: 80 }]); // => 200
 * ```
 */
export function mapInput<In, Mid, State, Out>(
  aggregator: MonoidAggregator<Mid, State, Out>,
  f: (input: In) => Mid,
): MonoidAggregator<In, State, Out>;
export function mapInput<In, Mid, State, Out>(aggregator: Aggregator<Mid, State, Out>, f: (input: In) => Mid): Aggregator<In, State, Out>;
export function mapInput<In, Mid, State, Out>(aggregator: Aggregator<Mid, State, Out>, f: (input: In) => Mid): Aggregator<In, State, Out> {
  const { prepare: prepareMid, append: appendMid, present } = aggregator;
  const prepare = (input: In, storage?: SketchStorage): State => prepareMid(f(input), storage);
  const append = (state: State, input: In): State => appendMid(state, f(input));
  if (isMonoidAggregator(aggregator)) return makeMonoidAggregator({ prepare, monoid: aggregator.monoid, present, append });
  return makeAggregator({ prepare, semigroup: aggregator.semigroup, present, append });
}

/**
 * Aggregates only the inputs for which `predicate` holds. Needs a monoid
 * aggregator: a rejected input prepares to `monoid.empty`, and `append`
 * skips it (leaving the state untouched). With a type guard, the result
 * accepts the wider input type.
 *
 * @example
 * ```ts
 * import { filter, mapInput, count, aggregate } from "papertrail/aggregators";
 * type Login = { user: string; ok: boolean };
 * const failures = filter(count(), (login: Login) => !login.ok);
 * aggregate(failures, [{ user: "a", ok: false }, { user: "b", ok: true }, { user: "a", ok: false }]); // => 2
 * const isNumber = (value: number | string): value is number => typeof value === "number";
 * aggregate(filter(mapInput(count(), (n: number) => n), isNumber), [1, "x", 2]); // => 2
 * ```
 */
export function filter<In, Sub extends In, State, Out>(
  aggregator: MonoidAggregator<Sub, State, Out>,
  predicate: (input: In) => input is Sub,
): MonoidAggregator<In, State, Out>;
export function filter<In, State, Out>(
  aggregator: MonoidAggregator<In, State, Out>,
  predicate: (input: In) => boolean,
): MonoidAggregator<In, State, Out>;
export function filter<In, State, Out>(
  aggregator: MonoidAggregator<In, State, Out>,
  predicate: (input: In) => boolean,
): MonoidAggregator<In, State, Out> {
  const { prepare: prepareKept, append: appendKept, monoid, present } = aggregator;
  return makeMonoidAggregator({
    prepare: (input: In, storage?: SketchStorage) => (predicate(input) ? prepareKept(input, storage) : monoid.empty),
    monoid,
    present,
    append: (state: State, input: In) => (predicate(input) ? appendKept(state, input) : state),
  });
}

/**
 * The monoid of keyed states used by {@link groupBy}: keys are united and
 * the states under one key are combined with `semigroup` (the merge of
 * `mapMerge` from `papertrail/algebra`; commutative when `semigroup` is;
 * entries keep the order of first appearance). Unlike `mapMerge`, a result
 * never shares a per-key state with its inputs: a state found under a key in
 * only one input is copied with `semigroup.combineMany(state, [])` (a clone
 * for every sketch instance), so appending into a merged state later never
 * changes the states it was merged from. The bulk path combines each key's
 * states with one `combineMany`.
 *
 * @example
 * ```ts
 * import { keyedStates } from "papertrail/aggregators";
 * import { MonoidSum } from "papertrail/algebra";
 * const perUser = keyedStates<string, number>(MonoidSum);
 * perUser.combineAll([new Map([["alice", 2]]), new Map([["bob", 1], ["alice", 3]])]); // => new Map([["alice", 5], ["bob", 1]])
 * ```
 */
export function keyedStates<K, State>(semigroup: Semigroup<State>): Monoid<ReadonlyMap<K, State>> {
  const combineMany = (first: ReadonlyMap<K, State>, rest: Iterable<ReadonlyMap<K, State>>): ReadonlyMap<K, State> => {
    const byKey = new Map<K, State[]>();
    const collect = (map: ReadonlyMap<K, State>): void => {
      for (const [key, state] of map) {
        const states = byKey.get(key);
        if (states === undefined) byKey.set(key, [state]);
        else states.push(state);
      }
    };
    collect(first);
    for (const map of rest) collect(map);
    const out = new Map<K, State>();
    for (const [key, states] of byKey) out.set(key, semigroup.combineMany(states[0] as State, states.slice(1)));
    return out;
  };
  return makeMonoid<ReadonlyMap<K, State>>({
    combine: (x, y) => combineMany(x, [y]),
    combineMany,
    empty: () => new Map<K, State>(),
    freshEmpty: true,
    commutative: semigroup.commutative,
  });
}

/**
 * One aggregation per key: the state is a `Map` from key to the inner
 * aggregator's state, merged per key with {@link keyedStates}, and the
 * answer a `Map` from key to the inner answer. `append` appends into the
 * key's state in place, creating it with `prepare` on the key's first input
 * (so the inner aggregator may be a plain semigroup one). The
 * result is always a monoid aggregator: no keys is the empty map.
 *
 * `append` mutates the `Map` it is given (as every `append` may); states
 * from `prepare`, `monoid.empty` and `combine` are always fresh maps.
 *
 * @example
 * ```ts
 * import { groupBy, mapInput, sum, aggregate } from "papertrail/aggregators";
 * type Transfer = { user: string; bytes: number };
 * const perUser = groupBy(mapInput(sum(), (t: Transfer) => t.bytes), (t) => t.user);
 * aggregate(perUser, [{ user: "alice", bytes: 5 }, { user: "bob", bytes: 1 }, { user: "alice", bytes: 2 }]); // => new Map([["alice", 7], ["bob", 1]])
 * ```
 */
export function groupBy<In, K, State, Out>(
  aggregator: Aggregator<In, State, Out>,
  key: (input: In) => K,
): MonoidAggregator<In, ReadonlyMap<K, State>, ReadonlyMap<K, Out>> {
  const { prepare: prepareOne, append: appendOne, present: presentOne } = aggregator;
  return makeMonoidAggregator<In, ReadonlyMap<K, State>, ReadonlyMap<K, Out>>({
    prepare: (input, storage) => new Map([[key(input), prepareOne(input, storage)]]),
    monoid: keyedStates<K, State>(aggregator.semigroup),
    present: (states) => {
      const out = new Map<K, Out>();
      for (const [k, state] of states) out.set(k, presentOne(state));
      return out;
    },
    append: (states, input) => {
      const map = states as Map<K, State>;
      const k = key(input);
      const state = map.get(k);
      if (state === undefined && !map.has(k)) map.set(k, prepareOne(input));
      else {
        const next = appendOne(state as State, input);
        if (next !== state) map.set(k, next);
      }
      return map;
    },
  });
}
