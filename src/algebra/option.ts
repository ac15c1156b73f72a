import { makeMonoid, type Monoid } from "./monoid.js";
import type { Semigroup } from "./semigroup.js";

/**
 * Lifts a semigroup into a monoid on `A | undefined`, with `undefined` as
 * identity ("no value yet"). Turns {@link SemigroupFirst}, `min(order)` or a
 * sketch semigroup without a natural empty into a monoid. `A` itself must not
 * include `undefined`.
 *
 * @example
 * ```ts
 * import { option, SemigroupFirst } from "papertrail/algebra";
 * const firstSeen = option(SemigroupFirst<string>());
 * firstSeen.combineAll([undefined, "10.0.0.1", "10.0.0.2"]); // => "10.0.0.1"
 * firstSeen.combineAll([]); // => undefined
 * ```
 */
export function option<A>(semigroup: Semigroup<A>): Monoid<A | undefined> {
  const combine = (x: A | undefined, y: A | undefined): A | undefined =>
    x === undefined ? y : y === undefined ? x : semigroup.combine(x, y);
  return makeMonoid<A | undefined>({
    combine,
    empty: undefined,
    commutative: semigroup.commutative,
    combineMany: (first, rest) => {
      const defined: A[] = [];
      if (first !== undefined) defined.push(first);
      for (const value of rest) if (value !== undefined) defined.push(value);
      if (defined.length === 0) return undefined;
      return semigroup.combineMany(defined[0] as A, defined.slice(1));
    },
  });
}
