import { makeGroup, type Group } from "./group.js";
import { makeMonoid, type Monoid } from "./monoid.js";

/**
 * Addition of numbers, with 0 as identity and negation as inverse.
 *
 * Floating-point addition is only approximately associative: for long sums
 * of doubles use {@link MonoidCompensatedSum}. On integers within
 * `Number.MAX_SAFE_INTEGER` the laws hold exactly.
 *
 * @example
 * ```ts
 * import { GroupSum } from "papertrail/algebra";
 * GroupSum.combineAll([1, 2, 3, 4]); // => 10
 * GroupSum.inverse(3); // => -3
 * ```
 */
export const GroupSum: Group<number> = makeGroup<number>({
  combine: (x, y) => x + y,
  empty: 0,
  inverse: (x) => 0 - x,
  commutative: true,
  combineMany: (first, rest) => {
    let total = first;
    for (const value of rest) total += value;
    return total;
  },
});

/**
 * Addition of numbers as a monoid; the same operation as {@link GroupSum}.
 *
 * @example
 * ```ts
 * import { MonoidSum } from "papertrail/algebra";
 * MonoidSum.combine(2, 3); // => 5
 * ```
 */
export const MonoidSum: Monoid<number> = GroupSum;

/**
 * Multiplication of numbers, with 1 as identity.
 *
 * @example
 * ```ts
 * import { MonoidProduct } from "papertrail/algebra";
 * MonoidProduct.combineAll([2, 3, 4]); // => 24
 * ```
 */
export const MonoidProduct: Monoid<number> = makeMonoid<number>({
  combine: (x, y) => x * y,
  empty: 1,
  commutative: true,
});

/**
 * Minimum of numbers, with `+Infinity` as identity. `NaN` is absorbing
 * (any `NaN` input gives `NaN`), which keeps the operation associative.
 *
 * @example
 * ```ts
 * import { MonoidMin } from "papertrail/algebra";
 * MonoidMin.combineAll([3, 1, 2]); // => 1
 * MonoidMin.combineAll([]); // => Infinity
 * ```
 */
export const MonoidMin: Monoid<number> = makeMonoid<number>({
  combine: (x, y) => Math.min(x, y),
  empty: Number.POSITIVE_INFINITY,
  commutative: true,
});

/**
 * Maximum of numbers, with `-Infinity` as identity. `NaN` is absorbing.
 *
 * @example
 * ```ts
 * import { MonoidMax } from "papertrail/algebra";
 * MonoidMax.combineAll([3, 1, 2]); // => 3
 * ```
 */
export const MonoidMax: Monoid<number> = makeMonoid<number>({
  combine: (x, y) => Math.max(x, y),
  empty: Number.NEGATIVE_INFINITY,
  commutative: true,
});

/**
 * Addition of bigints: exact at any size, with 0n as identity.
 *
 * @example
 * ```ts
 * import { GroupBigIntSum } from "papertrail/algebra";
 * GroupBigIntSum.combine(2n ** 64n, 1n); // => 18446744073709551617n
 * GroupBigIntSum.inverse(5n); // => -5n
 * ```
 */
export const GroupBigIntSum: Group<bigint> = makeGroup<bigint>({
  combine: (x, y) => x + y,
  empty: 0n,
  inverse: (x) => -x,
  commutative: true,
});
