import { makeMonoid, type Monoid } from "./monoid.js";

/**
 * Logical AND, with `true` as identity: "did every check pass?".
 *
 * @example
 * ```ts
 * import { MonoidAll } from "papertrail/algebra";
 * MonoidAll.combineAll([true, false, true]); // => false
 * MonoidAll.combineAll([]); // => true
 * ```
 */
export const MonoidAll: Monoid<boolean> = makeMonoid<boolean>({
  combine: (x, y) => x && y,
  empty: true,
  commutative: true,
});

/**
 * Logical OR, with `false` as identity: "did any check fire?".
 *
 * @example
 * ```ts
 * import { MonoidAny } from "papertrail/algebra";
 * MonoidAny.combineAll([false, true]); // => true
 * ```
 */
export const MonoidAny: Monoid<boolean> = makeMonoid<boolean>({
  combine: (x, y) => x || y,
  empty: false,
  commutative: true,
});
