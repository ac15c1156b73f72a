/**
 * A semigroup: a type with an associative `combine`.
 *
 * PaperTrail's one mutability rule: `combine` and `combineMany` never mutate
 * their inputs. (Sketch methods `add` and `merge` do mutate their receiver;
 * a semigroup instance is the immutable face of the same operation.)
 *
 * @example
 * ```ts
 * import { type Semigroup, makeSemigroup } from "papertrail/algebra";
 * const longest: Semigroup<string> = makeSemigroup({
 *   combine: (x, y) => (y.length > x.length ? y : x),
 *   commutative: false,
 * });
 * longest.combine("ab", "abc"); // => "abc"
 * longest.combineMany("a", ["bb", "cc"]); // => "bb"
 * ```
 */
export interface Semigroup<A> {
  /** Associative binary operation. Never mutates `x` or `y`. */
  readonly combine: (x: A, y: A) => A;
  /**
   * Combines `first` with every element of `rest`, left to right. Equal to
   * folding `combine`; instances override it to work in one buffer.
   */
  readonly combineMany: (first: A, rest: Iterable<A>) => A;
  /**
   * True when `combine(x, y)` equals `combine(y, x)` for all values, so
   * partial results from parallel workers may be merged in any order. The law
   * kit checks the claim.
   */
  readonly commutative: boolean;
}

/**
 * What {@link makeSemigroup} needs: the operation and whether it commutes.
 *
 * @example
 * ```ts
 * import { type SemigroupDefinition, makeSemigroup } from "papertrail/algebra";
 * const definition: SemigroupDefinition<number> = { combine: Math.max, commutative: true };
 * makeSemigroup(definition).combine(2, 9); // => 9
 * ```
 */
export interface SemigroupDefinition<A> {
  readonly combine: (x: A, y: A) => A;
  readonly commutative: boolean;
  readonly combineMany?: (first: A, rest: Iterable<A>) => A;
}

/**
 * Builds a {@link Semigroup} from its operation, supplying the plain fold as
 * `combineMany` unless a faster bulk combine is given.
 *
 * @example
 * ```ts
 * import { makeSemigroup } from "papertrail/algebra";
 * const gcd = makeSemigroup<number>({
 *   combine: (a, b) => { while (b !== 0) [a, b] = [b, a % b]; return Math.abs(a); },
 *   commutative: true,
 * });
 * gcd.combineMany(12, [18, 30]); // => 6
 * ```
 */
export function makeSemigroup<A>(definition: SemigroupDefinition<A>): Semigroup<A> {
  const combine = definition.combine;
  return {
    combine,
    commutative: definition.commutative,
    combineMany:
      definition.combineMany ??
      ((first: A, rest: Iterable<A>): A => {
        let acc = first;
        for (const value of rest) acc = combine(acc, value);
        return acc;
      }),
  };
}

/**
 * Combines a non-empty iterable with a semigroup's bulk path, or returns
 * `undefined` for an empty one (a semigroup has no identity to return).
 *
 * @example
 * ```ts
 * import { combineAllOption, SemigroupFirst } from "papertrail/algebra";
 * combineAllOption(SemigroupFirst<string>(), ["a", "b"]); // => "a"
 * combineAllOption(SemigroupFirst<string>(), []); // => undefined
 * ```
 */
export function combineAllOption<A>(semigroup: Semigroup<A>, values: Iterable<A>): A | undefined {
  const iterator = values[Symbol.iterator]();
  const first = iterator.next();
  if (first.done === true) return undefined;
  return semigroup.combineMany(first.value, { [Symbol.iterator]: () => iterator });
}

/**
 * The dual semigroup: `combine(x, y)` of the result is `combine(y, x)` of the
 * original. Commutativity is preserved.
 *
 * @example
 * ```ts
 * import { reverse, MonoidString } from "papertrail/algebra";
 * reverse(MonoidString).combine("a", "b"); // => "ba"
 * ```
 */
export function reverse<A>(semigroup: Semigroup<A>): Semigroup<A> {
  return makeSemigroup({ combine: (x, y) => semigroup.combine(y, x), commutative: semigroup.commutative });
}
