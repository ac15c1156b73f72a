import { makeSemigroup, type Semigroup } from "./semigroup.js";

/**
 * A total order as a comparison function: negative when `x < y`, zero when
 * equal, positive when `x > y`.
 *
 * @example
 * ```ts
 * import { type Order, min } from "papertrail/algebra";
 * const byLength: Order<string> = (x, y) => x.length - y.length;
 * min(byLength).combine("abc", "de"); // => "de"
 * ```
 */
export type Order<A> = (x: A, y: A) => number;

/**
 * The smaller of two values under `order`; on ties the left one, so the
 * semigroup is commutative only when ties are equal values. Pass
 * `commutative: false` if equal-ranked values can differ.
 *
 * @example
 * ```ts
 * import { min } from "papertrail/algebra";
 * min<string>((x, y) => x.localeCompare(y)).combineMany("pear", ["apple", "fig"]); // => "apple"
 * ```
 */
export function min<A>(order: Order<A>, options: { commutative?: boolean } = {}): Semigroup<A> {
  return makeSemigroup({
    combine: (x, y) => (order(y, x) < 0 ? y : x),
    commutative: options.commutative ?? true,
  });
}

/**
 * The larger of two values under `order`; on ties the left one.
 *
 * @example
 * ```ts
 * import { max } from "papertrail/algebra";
 * max<Date>((x, y) => x.getTime() - y.getTime()).combine(new Date(1), new Date(2)).getTime(); // => 2
 * ```
 */
export function max<A>(order: Order<A>, options: { commutative?: boolean } = {}): Semigroup<A> {
  return makeSemigroup({
    combine: (x, y) => (order(y, x) > 0 ? y : x),
    commutative: options.commutative ?? true,
  });
}

/**
 * The first value wins. Associative, not commutative; no identity (lift it
 * with {@link option} for a monoid).
 *
 * @example
 * ```ts
 * import { SemigroupFirst } from "papertrail/algebra";
 * SemigroupFirst<string>().combineMany("login", ["logout", "login"]); // => "login"
 * ```
 */
export function SemigroupFirst<A>(): Semigroup<A> {
  return makeSemigroup<A>({ combine: (x) => x, commutative: false, combineMany: (first) => first });
}

/**
 * The last value wins. Associative, not commutative; no identity.
 *
 * @example
 * ```ts
 * import { SemigroupLast } from "papertrail/algebra";
 * SemigroupLast<string>().combineMany("a", ["b", "c"]); // => "c"
 * ```
 */
export function SemigroupLast<A>(): Semigroup<A> {
  return makeSemigroup<A>({ combine: (_x, y) => y, commutative: false });
}
