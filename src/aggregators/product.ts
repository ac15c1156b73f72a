import type { SketchStorage } from "../sketches/sketch.js";
import type { Semigroup } from "../algebra/semigroup.js";
import { struct, tuple, type SomeMonoid, type SomeSemigroup } from "../algebra/product.js";
import type { Aggregator, MonoidAggregator } from "./aggregator.js";
import { isMonoidAggregator, makeAggregator, makeMonoidAggregator } from "./make.js";

/**
 * Structural stand-in for "an aggregator of some types", used as a
 * constraint by {@link zip} and {@link join}.
 *
 * @example
 * ```ts
 * import { type SomeAggregator, makeAggregator, count, topK } from "papertrail/aggregators";
 * import { SemigroupFirst } from "papertrail/algebra";
 * const firstSeen = makeAggregator({ prepare: (user: string) => user, semigroup: SemigroupFirst<string>(), present: (user) => user });
 * const all: SomeAggregator[] = [count(), topK({ capacity: 5, n: 1 }), firstSeen];
 * all.length; // => 3
 * ```
 */
export interface SomeAggregator {
  readonly prepare: (input: never, storage?: SketchStorage) => unknown;
  readonly semigroup: SomeSemigroup;
  readonly present: (state: never) => unknown;
  readonly append: (state: never, input: never) => unknown;
}

/**
 * The input type of an aggregator.
 *
 * @example
 * ```ts
 * import { type InputOf, sum } from "papertrail/aggregators";
 * const input: InputOf<ReturnType<typeof sum>> = 5;
 * input; // => 5
 * ```
 */
export type InputOf<A> = A extends { readonly prepare: (input: infer I) => unknown } ? I : never;

/**
 * The state type of an aggregator.
 *
 * @example
 * ```ts
 * import { type StateOf, count } from "papertrail/aggregators";
 * const state: StateOf<ReturnType<typeof count>> = 3;
 * state; // => 3
 * ```
 */
export type StateOf<A> = A extends { readonly prepare: (input: never) => infer S } ? S : never;

/**
 * The answer type of an aggregator.
 *
 * @example
 * ```ts
 * import { type OutputOf, max } from "papertrail/aggregators";
 * const answer: OutputOf<ReturnType<typeof max>> = 7;
 * answer; // => 7
 * ```
 */
export type OutputOf<A> = A extends { readonly present: (state: never) => infer O } ? O : never;

type TupleInput<R> = R extends readonly [infer Head, ...infer Tail] ? InputOf<Head> & TupleInput<Tail> : unknown;
type RecordInput<R> = { [K in keyof R]: (input: InputOf<R[K]>) => void }[keyof R] extends (input: infer I) => void ? I : never;

/**
 * What {@link zip} returns for the aggregators `R`: inputs of the
 * intersection of their input types, states and answers as tuples in the
 * same order; a monoid aggregator when every one of `R` is.
 *
 * @example
 * ```ts
 * import { type Zipped, zip, count, max } from "papertrail/aggregators";
 * const both: Zipped<[ReturnType<typeof count>, ReturnType<typeof max>]> = zip(count(), max());
 * both.present(both.monoid.empty); // => [0, -Infinity]
 * ```
 */
export type Zipped<R extends readonly SomeAggregator[]> = [R[number]] extends [{ readonly monoid: SomeMonoid }]
  ? MonoidAggregator<TupleInput<R>, { readonly [K in keyof R]: StateOf<R[K]> }, { readonly [K in keyof R]: OutputOf<R[K]> }>
  : Aggregator<TupleInput<R>, { readonly [K in keyof R]: StateOf<R[K]> }, { readonly [K in keyof R]: OutputOf<R[K]> }>;

/**
 * What {@link join} returns for the record of aggregators `R`: inputs of
 * the intersection of their input types, states and answers as records with
 * the same keys; a monoid aggregator when every field is one.
 *
 * @example
 * ```ts
 * import { type Joined, join, count, sum } from "papertrail/aggregators";
 * const parts = { n: count(), total: sum() };
 * const stats: Joined<typeof parts> = join(parts);
 * stats.present(stats.prepare(4)); // => { n: 1, total: 4 }
 * ```
 */
export type Joined<R extends { readonly [key: string]: SomeAggregator }> = [R[keyof R]] extends [{ readonly monoid: SomeMonoid }]
  ? MonoidAggregator<RecordInput<R>, { readonly [K in keyof R]: StateOf<R[K]> }, { readonly [K in keyof R]: OutputOf<R[K]> }>
  : Aggregator<RecordInput<R>, { readonly [K in keyof R]: StateOf<R[K]> }, { readonly [K in keyof R]: OutputOf<R[K]> }>;

type AnyAggregator = Aggregator<unknown, unknown, unknown>;

/**
 * Runs several aggregators in one pass over the same inputs: the state is
 * the tuple of their states, merged position by position (the `tuple`
 * product of `papertrail/algebra`), and the answer the tuple of their
 * answers. `append` appends the input into every position of the state in
 * place. A monoid aggregator when every argument is one.
 *
 * @example
 * ```ts
 * import { zip, count, sum, max, aggregate } from "papertrail/aggregators";
 * aggregate(zip(count(), sum(), max()), [3, 9, 4]); // => [3, 16, 9]
 * ```
 */
export function zip<R extends readonly SomeAggregator[]>(...aggregators: R): Zipped<R> {
  const parts = aggregators as unknown as readonly AnyAggregator[];
  const n = parts.length;
  const semigroup = tuple(...parts.map((part) => part.semigroup)) as unknown as Semigroup<unknown[]>;
  const prepare = (input: unknown, storage?: SketchStorage): unknown[] => {
    const out = new Array<unknown>(n);
    for (let i = 0; i < n; i++) out[i] = (parts[i] as AnyAggregator).prepare(input as never, storage);
    return out;
  };
  const append = (state: unknown[], input: unknown): unknown[] => {
    for (let i = 0; i < n; i++) state[i] = (parts[i] as AnyAggregator).append(state[i], input);
    return state;
  };
  const present = (state: unknown[]): unknown[] => {
    const out = new Array<unknown>(n);
    for (let i = 0; i < n; i++) out[i] = (parts[i] as AnyAggregator).present(state[i]);
    return out;
  };
  if (parts.every(isMonoidAggregator)) {
    return makeMonoidAggregator({ prepare, monoid: semigroup as never, present, append }) as never;
  }
  return makeAggregator({ prepare, semigroup, present, append }) as never;
}

/**
 * Runs a record of aggregators in one pass over the same inputs: the state
 * is the record of their states, merged field by field (the `struct` product
 * of `papertrail/algebra`), and the answer the record of their answers.
 * `append` appends the input into every field of the state in place. A
 * monoid aggregator when every field is one.
 *
 * Combined with {@link mapInput} and the hashed sketch aggregators, one
 * hash per event feeds every sketch (see {@link distinctCountHashed}).
 *
 * @example
 * ```ts
 * import { join, count, sum, max, mapInput, aggregate } from "papertrail/aggregators";
 * type Request = { bytes: number };
 * const traffic = mapInput(join({ requests: count(), bytes: sum(), largest: max() }), (r: Request) => r.bytes);
 * aggregate(traffic, [{ bytes: 10 }, { bytes: 30 }]); // => { requests: 2, bytes: 40, largest: 30 }
 * ```
 */
export function join<R extends { readonly [key: string]: SomeAggregator }>(fields: R): Joined<R> {
  const keys = Object.keys(fields);
  const n = keys.length;
  const parts = keys.map((key) => fields[key] as unknown as AnyAggregator);
  const instances: Record<string, Semigroup<unknown>> = {};
  for (let i = 0; i < n; i++) instances[keys[i] as string] = (parts[i] as AnyAggregator).semigroup;
  const semigroup = struct(instances) as unknown as Semigroup<Record<string, unknown>>;
  const prepare = (input: unknown, storage?: SketchStorage): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (let i = 0; i < n; i++) out[keys[i] as string] = (parts[i] as AnyAggregator).prepare(input as never, storage);
    return out;
  };
  const append = (state: Record<string, unknown>, input: unknown): Record<string, unknown> => {
    for (let i = 0; i < n; i++) {
      const key = keys[i] as string;
      state[key] = (parts[i] as AnyAggregator).append(state[key], input);
    }
    return state;
  };
  const present = (state: Record<string, unknown>): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (let i = 0; i < n; i++) {
      const key = keys[i] as string;
      out[key] = (parts[i] as AnyAggregator).present(state[key]);
    }
    return out;
  };
  if (parts.every(isMonoidAggregator)) {
    return makeMonoidAggregator({ prepare, monoid: semigroup as never, present, append }) as never;
  }
  return makeAggregator({ prepare, semigroup, present, append }) as never;
}
