import { makeMonoid, type Monoid } from "./monoid.js";
import type { Semigroup } from "./semigroup.js";

/**
 * String concatenation, with `""` as identity. Not commutative.
 *
 * @example
 * ```ts
 * import { MonoidString } from "papertrail/algebra";
 * MonoidString.combineAll(["pay", "ment"]); // => "payment"
 * ```
 */
export const MonoidString: Monoid<string> = makeMonoid<string>({
  combine: (x, y) => x + y,
  empty: "",
  commutative: false,
  combineMany: (first, rest) => {
    const parts = [first];
    for (const value of rest) parts.push(value);
    return parts.join("");
  },
});

/**
 * Array concatenation, with `[]` as identity. Returns new arrays; inputs are
 * never mutated. The bulk path copies each input once.
 *
 * @example
 * ```ts
 * import { arrayConcat } from "papertrail/algebra";
 * arrayConcat<number>().combineAll([[1], [2, 3], []]); // => [1, 2, 3]
 * ```
 */
export function arrayConcat<A>(): Monoid<readonly A[]> {
  return makeMonoid<readonly A[]>({
    combine: (x, y) => x.concat(y),
    empty: () => [],
    freshEmpty: true,
    commutative: false,
    combineMany: (first, rest) => {
      const out = first.slice();
      for (const value of rest) for (const item of value) out.push(item);
      return out;
    },
  });
}

/**
 * Set union, with the empty set as identity. Commutative and idempotent.
 * Returns new sets.
 *
 * @example
 * ```ts
 * import { setUnion } from "papertrail/algebra";
 * [...setUnion<string>().combine(new Set(["a"]), new Set(["b", "a"]))]; // => ["a", "b"]
 * ```
 */
export function setUnion<A>(): Monoid<ReadonlySet<A>> {
  return makeMonoid<ReadonlySet<A>>({
    combine: (x, y) => {
      const out = new Set(x);
      for (const item of y) out.add(item);
      return out;
    },
    empty: () => new Set<A>(),
    freshEmpty: true,
    commutative: true,
    combineMany: (first, rest) => {
      const out = new Set(first);
      for (const value of rest) for (const item of value) out.add(item);
      return out;
    },
  });
}

/**
 * Map merge: keys are united, and values under the same key are combined
 * with `values`. Commutative exactly when `values` is. Entries keep the order
 * of first appearance. Returns new maps; the bulk path merges into one map.
 *
 * @example
 * ```ts
 * import { mapMerge, MonoidSum } from "papertrail/algebra";
 * const counts = mapMerge<string, number>(MonoidSum);
 * const merged = counts.combine(new Map([["alice", 2]]), new Map([["alice", 1], ["bob", 5]]));
 * [...merged]; // => [["alice", 3], ["bob", 5]]
 * ```
 */
export function mapMerge<K, V>(values: Semigroup<V>): Monoid<ReadonlyMap<K, V>> {
  const mergeInto = (target: Map<K, V>, source: ReadonlyMap<K, V>): void => {
    for (const [key, value] of source) {
      const existing = target.get(key);
      target.set(key, existing === undefined && !target.has(key) ? value : values.combine(existing as V, value));
    }
  };
  return makeMonoid<ReadonlyMap<K, V>>({
    combine: (x, y) => {
      const out = new Map(x);
      mergeInto(out, y);
      return out;
    },
    empty: () => new Map<K, V>(),
    freshEmpty: true,
    commutative: values.commutative,
    combineMany: (first, rest) => {
      const out = new Map(first);
      for (const value of rest) mergeInto(out, value);
      return out;
    },
  });
}
