import { makeMonoid, type Monoid, type MonoidDefinition } from "./monoid.js";

/**
 * A group: a monoid where every value has an inverse, so that
 * `combine(x, inverse(x))` equals `empty`. Sliding windows use the inverse to
 * subtract the bucket that leaves the window instead of re-merging the rest.
 *
 * @example
 * ```ts
 * import { GroupSum, subtract } from "papertrail/algebra";
 * GroupSum.inverse(5); // => -5
 * subtract(GroupSum, 10, 3); // => 7
 * ```
 */
export interface Group<A> extends Monoid<A> {
  /** The value whose combination with `x` is `empty`. Never mutates `x`. */
  readonly inverse: (x: A) => A;
}

/**
 * What {@link makeGroup} needs.
 *
 * @example
 * ```ts
 * import { type GroupDefinition, makeGroup } from "papertrail/algebra";
 * const definition: GroupDefinition<number> = { combine: (a, b) => a + b, empty: 0, inverse: (a) => -a, commutative: true };
 * makeGroup(definition).inverse(2); // => -2
 * ```
 */
export interface GroupDefinition<A> extends MonoidDefinition<A> {
  readonly inverse: (x: A) => A;
}

/**
 * Builds a {@link Group} from a monoid definition and an inverse.
 *
 * @example
 * ```ts
 * import { makeGroup } from "papertrail/algebra";
 * const xor = makeGroup<number>({ combine: (a, b) => a ^ b, empty: 0, inverse: (a) => a, commutative: true });
 * xor.combine(xor.inverse(6), 6); // => 0
 * ```
 */
export function makeGroup<A>(definition: GroupDefinition<A>): Group<A> {
  const monoid = makeMonoid(definition);
  return Object.defineProperties(
    { inverse: definition.inverse },
    Object.getOwnPropertyDescriptors(monoid),
  ) as Group<A>;
}

/**
 * `combine(x, inverse(y))`: removes `y`'s contribution from `x`.
 *
 * @example
 * ```ts
 * import { subtract, GroupSum } from "papertrail/algebra";
 * subtract(GroupSum, 100, 40); // => 60
 * ```
 */
export function subtract<A>(group: Group<A>, x: A, y: A): A {
  return group.combine(x, group.inverse(y));
}
