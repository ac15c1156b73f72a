import { makeGroup, type Group } from "./group.js";
import { makeMonoid, type Monoid } from "./monoid.js";
import { makeSemigroup, type Semigroup } from "./semigroup.js";

/**
 * Structural stand-in for "a semigroup of some type", used as a constraint.
 *
 * @example
 * ```ts
 * import { type SomeSemigroup, MonoidSum, MonoidString } from "papertrail/algebra";
 * const instances: SomeSemigroup[] = [MonoidSum, MonoidString];
 * instances.every((instance) => typeof instance.combine === "function"); // => true
 * ```
 */
export interface SomeSemigroup {
  readonly combine: (x: never, y: never) => unknown;
  readonly commutative: boolean;
}
/**
 * Structural stand-in for "a monoid of some type".
 *
 * @example
 * ```ts
 * import { type SomeMonoid, MonoidMax } from "papertrail/algebra";
 * const instance: SomeMonoid = MonoidMax;
 * instance.empty; // => -Infinity
 * ```
 */
export interface SomeMonoid extends SomeSemigroup {
  readonly empty: unknown;
}
/**
 * Structural stand-in for "a group of some type".
 *
 * @example
 * ```ts
 * import { type SomeGroup, GroupSum } from "papertrail/algebra";
 * const instance: SomeGroup = GroupSum;
 * "inverse" in instance; // => true
 * ```
 */
export interface SomeGroup extends SomeMonoid {
  readonly inverse: (x: never) => unknown;
}

/**
 * The value type described by a record of instances.
 *
 * @example
 * ```ts
 * import { type StructOf, MonoidSum, MonoidAny } from "papertrail/algebra";
 * const value: StructOf<{ count: typeof MonoidSum; alerted: typeof MonoidAny }> = { count: 3, alerted: false };
 * value.count; // => 3
 * ```
 */
export type StructOf<R> = { readonly [K in keyof R]: R[K] extends Semigroup<infer A> ? A : never };

/**
 * The value type described by a tuple of instances.
 *
 * @example
 * ```ts
 * import { type TupleOf, MonoidSum, MonoidString } from "papertrail/algebra";
 * const value: TupleOf<[typeof MonoidSum, typeof MonoidString]> = [1, "a"];
 * value[1]; // => "a"
 * ```
 */
export type TupleOf<R> = { readonly [K in keyof R]: R[K] extends Semigroup<infer A> ? A : never };

/**
 * The strongest type class that every instance in the union `I` has: a group when all are
 * groups, a monoid when all are monoids, otherwise a semigroup.
 *
 * @example
 * ```ts
 * import { type Strongest, type StructOf, struct, GroupSum } from "papertrail/algebra";
 * const fields = { total: GroupSum };
 * const instance: Strongest<typeof GroupSum, StructOf<typeof fields>> = struct(fields);
 * instance.inverse({ total: 4 }); // => { total: -4 }
 * ```
 */
export type Strongest<I, A> = [I] extends [SomeGroup]
  ? Group<A>
  : [I] extends [SomeMonoid]
    ? Monoid<A>
    : Semigroup<A>;

function hasEmpty(value: Semigroup<unknown>): value is Monoid<unknown> {
  return "empty" in value && "combineAll" in value;
}
function hasInverse(value: Semigroup<unknown>): value is Group<unknown> {
  return hasEmpty(value) && "inverse" in value;
}

/**
 * Product of instances over a record: fields combine independently. Returns a
 * group, monoid or semigroup, the strongest that all fields allow, and is
 * commutative when every field is. One pass over the data feeds every field.
 *
 * @example
 * ```ts
 * import { struct, MonoidSum, MonoidMax } from "papertrail/algebra";
 * const stats = struct({ count: MonoidSum, largest: MonoidMax });
 * stats.combineAll([{ count: 1, largest: 7 }, { count: 1, largest: 3 }]); // => { count: 2, largest: 7 }
 * stats.empty; // => { count: 0, largest: -Infinity }
 * ```
 */
export function struct<R extends { readonly [key: string]: SomeSemigroup }>(fields: R): Strongest<R[keyof R], StructOf<R>> {
  const keys = Object.keys(fields) as (keyof R & string)[];
  const instances = keys.map((key) => fields[key] as unknown as Semigroup<unknown>);
  type S = StructOf<R>;
  const build = (values: (i: number) => unknown): S => {
    const out: Record<string, unknown> = {};
    for (let i = 0; i < keys.length; i++) out[keys[i] as string] = values(i);
    return out as S;
  };
  const read = (value: S, i: number): unknown => (value as Record<string, unknown>)[keys[i] as string];
  return productOf<S>(instances, build, read);
}

/**
 * Product of instances over a tuple: positions combine independently.
 * Returns the strongest type class all positions allow.
 *
 * @example
 * ```ts
 * import { tuple, MonoidSum, MonoidString } from "papertrail/algebra";
 * const pair = tuple(MonoidSum, MonoidString);
 * pair.combine([1, "a"], [2, "b"]); // => [3, "ab"]
 * pair.commutative; // => false
 * ```
 */
export function tuple<R extends readonly SomeSemigroup[]>(...instances: R): Strongest<R[number], TupleOf<R>> {
  type T = TupleOf<R>;
  const build = (values: (i: number) => unknown): T => {
    const out: unknown[] = [];
    for (let i = 0; i < instances.length; i++) out.push(values(i));
    return out as unknown as T;
  };
  const read = (value: T, i: number): unknown => (value as unknown as readonly unknown[])[i];
  return productOf<T>(instances as unknown as readonly Semigroup<unknown>[], build, read);
}

function productOf<S>(
  instances: readonly Semigroup<unknown>[],
  build: (values: (i: number) => unknown) => S,
  read: (value: S, i: number) => unknown,
): never {
  const commutative = instances.every((instance) => instance.commutative);
  const combine = (x: S, y: S): S => build((i) => (instances[i] as Semigroup<unknown>).combine(read(x, i), read(y, i)));
  const combineMany = (first: S, rest: Iterable<S>): S => {
    const restArray = Array.isArray(rest) ? (rest as readonly S[]) : [...rest];
    return build((i) =>
      (instances[i] as Semigroup<unknown>).combineMany(
        read(first, i),
        restArray.map((value) => read(value, i)),
      ),
    );
  };
  if (!instances.every(hasEmpty)) return makeSemigroup<S>({ combine, combineMany, commutative }) as never;
  const monoids = instances as readonly Monoid<unknown>[];
  const definition = {
    combine,
    combineMany,
    commutative,
    empty: () => build((i) => (monoids[i] as Monoid<unknown>).empty),
    freshEmpty: true,
  };
  if (!instances.every(hasInverse)) return makeMonoid<S>(definition) as never;
  const groups = instances as readonly Group<unknown>[];
  return makeGroup<S>({
    ...definition,
    inverse: (x: S) => build((i) => (groups[i] as Group<unknown>).inverse(read(x, i))),
  }) as never;
}
