import { makeSemigroup, type Semigroup } from "./semigroup.js";

/**
 * A monoid: a semigroup with an identity element `empty`, so that
 * `combine(empty, x)` and `combine(x, empty)` both equal `x`.
 *
 * For mutable values (sketches) `empty` is a getter that returns a fresh
 * value on each read, so mutating one never changes another.
 *
 * @example
 * ```ts
 * import { type Monoid, MonoidSum } from "papertrail/algebra";
 * const m: Monoid<number> = MonoidSum;
 * m.combine(m.empty, 5); // => 5
 * m.combineAll([1, 2, 3]); // => 6
 * ```
 */
export interface Monoid<A> extends Semigroup<A> {
  /** The identity element. */
  readonly empty: A;
  /** Combines every element of `values`, returning `empty` for none. */
  readonly combineAll: (values: Iterable<A>) => A;
}

/**
 * What {@link makeMonoid} needs.
 *
 * @example
 * ```ts
 * import { type MonoidDefinition, makeMonoid } from "papertrail/algebra";
 * const definition: MonoidDefinition<readonly string[]> = { combine: (x, y) => [...x, ...y], empty: () => [], freshEmpty: true, commutative: false };
 * makeMonoid(definition).combineAll([["a"], ["b"]]); // => ["a", "b"]
 * ```
 */
export interface MonoidDefinition<A> {
  readonly combine: (x: A, y: A) => A;
  readonly empty: A | (() => A);
  readonly commutative: boolean;
  readonly combineMany?: (first: A, rest: Iterable<A>) => A;
  /** Set when `empty` is a factory: each read of `empty` then calls it. */
  readonly freshEmpty?: boolean;
}

/**
 * Builds a {@link Monoid}. `combineAll` starts from `empty` and takes the
 * bulk path `combineMany`.
 *
 * Pass `empty` as a function together with `freshEmpty: true` when the
 * identity is a mutable object: each read of `monoid.empty` then yields a new one.
 *
 * @example
 * ```ts
 * import { makeMonoid } from "papertrail/algebra";
 * const lcm = makeMonoid<number>({
 *   combine: (a, b) => { let x = a, y = b; while (y !== 0) [x, y] = [y, x % y]; return (a / x) * b; },
 *   empty: 1,
 *   commutative: true,
 * });
 * lcm.combineAll([4, 6, 10]); // => 60
 * lcm.combineAll([]); // => 1
 * ```
 */
export function makeMonoid<A>(definition: MonoidDefinition<A>): Monoid<A> {
  const semigroup = makeSemigroup(definition);
  const emptyOf: () => A =
    definition.freshEmpty === true
      ? (definition.empty as () => A)
      : ((value: A) => () => value)(definition.empty as A);
  const combineMany = semigroup.combineMany;
  return {
    combine: semigroup.combine,
    combineMany,
    commutative: semigroup.commutative,
    get empty(): A {
      return emptyOf();
    },
    combineAll: (values: Iterable<A>): A => combineMany(emptyOf(), values),
  };
}

/**
 * Combines every value with the monoid's bulk path (`combineAll`), returning
 * the identity for an empty iterable.
 *
 * @example
 * ```ts
 * import { combineAll, MonoidSum, MonoidString } from "papertrail/algebra";
 * combineAll(MonoidSum, [1, 2, 3]); // => 6
 * combineAll(MonoidString, new Set(["a", "b"])); // => "ab"
 * combineAll(MonoidSum, []); // => 0
 * ```
 */
export function combineAll<A>(monoid: Monoid<A>, values: Iterable<A>): A {
  return monoid.combineAll(values);
}
