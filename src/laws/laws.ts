import { array, assert, property, type Arbitrary, type IProperty } from "fast-check";
import type { Group } from "../algebra/group.js";
import type { Monoid } from "../algebra/monoid.js";
import type { Semigroup } from "../algebra/semigroup.js";
import { exactEquals, type Equivalence } from "./equivalence.js";

/**
 * One named, runnable law check. Register each as a test of your framework
 * (`for (const law of monoidLaws(M, arb)) it(law.name, law.check)`), or run
 * them all with {@link checkLaws}. `check` throws when fast-check finds a
 * counterexample, with the shrunk values in the message.
 *
 * @example
 * ```ts
 * import { monoidLaws } from "papertrail/laws";
 * import { MonoidSum } from "papertrail/algebra";
 * import fc from "fast-check";
 * monoidLaws(MonoidSum, fc.integer()).map((law) => law.name).includes("associativity"); // => true
 * ```
 */
export interface Law {
  readonly name: string;
  readonly check: () => void;
}

/**
 * The fast-check run parameters the law kit passes through.
 *
 * @example
 * ```ts
 * import { type LawParameters, monoidLaws, checkLaws } from "papertrail/laws";
 * import { MonoidMax } from "papertrail/algebra";
 * import fc from "fast-check";
 * const parameters: LawParameters = { numRuns: 20, seed: 42 };
 * checkLaws(monoidLaws(MonoidMax, fc.integer(), { parameters })); // => undefined
 * ```
 */
export interface LawParameters {
  /** Random inputs per law; fast-check's default is 100. */
  readonly numRuns?: number;
  /** Seed, to replay a failure. */
  readonly seed?: number;
  /** Replay path printed by a failing run. */
  readonly path?: string;
}

/**
 * Options of the law builders.
 *
 * @example
 * ```ts
 * import { type LawOptions, monoidLaws, checkLaws, approximateEquals } from "papertrail/laws";
 * import { MonoidProduct } from "papertrail/algebra";
 * import fc from "fast-check";
 * const options: LawOptions<number> = { equals: approximateEquals({ relative: 1e-9 }), maxBulk: 4 };
 * checkLaws(monoidLaws(MonoidProduct, fc.double({ min: 0.5, max: 2 }), options)); // => undefined
 * ```
 */
export interface LawOptions<A> {
  /** Equality of results; {@link exactEquals} by default. */
  readonly equals?: Equivalence<A>;
  /**
   * Deep copy, used to check that `combine` does not mutate its inputs;
   * `structuredClone` by default (pass `(s) => s.clone()` for classes).
   */
  readonly clone?: (value: A) => A;
  /** fast-check run parameters, shared by every property. */
  readonly parameters?: LawParameters;
  /** Longest list generated for bulk combines; default 8. */
  readonly maxBulk?: number;
}

function cloneOf<A>(options: LawOptions<A>): (value: A) => A {
  return options.clone ?? ((value: A) => structuredClone(value));
}

// Each property receives copies of the generated values, so an instance that
// wrongly mutates its inputs fails its law instead of corrupting the values
// fast-check keeps for shrinking (which can otherwise run for a very long time).
function isolated<A>(values: Arbitrary<A>, options: LawOptions<A>): Arbitrary<A> {
  return values.map(cloneOf(options));
}

function describe(value: unknown): string {
  try {
    return JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? `${v}n` : v));
  } catch {
    return String(value);
  }
}

function expectEqual<A>(equals: Equivalence<A>, actual: A, expected: A, what: string): void {
  if (!equals(actual, expected)) {
    throw new Error(`${what}: got ${describe(actual)}, expected ${describe(expected)}`);
  }
}

function run<T extends [unknown, ...unknown[]]>(parameters: LawParameters | undefined, prop: IProperty<T>): void {
  assert(prop, { includeErrorInReport: true, ...parameters });
}

/**
 * Laws of a {@link Semigroup}: associativity; the bulk `combineMany` equals
 * the plain fold; `combine` and `combineMany` leave their inputs unchanged;
 * and commutativity when the instance claims it.
 *
 * @example
 * ```ts
 * import { semigroupLaws, checkLaws } from "papertrail/laws";
 * import { SemigroupFirst } from "papertrail/algebra";
 * import fc from "fast-check";
 * checkLaws(semigroupLaws(SemigroupFirst<string>(), fc.string())); // => undefined
 * ```
 */
export function semigroupLaws<A>(semigroup: Semigroup<A>, generated: Arbitrary<A>, options: LawOptions<A> = {}): Law[] {
  const equals = options.equals ?? (exactEquals as Equivalence<A>);
  const clone = cloneOf(options);
  const values = isolated(generated, options);
  const parameters = options.parameters;
  const many = array(values, { maxLength: options.maxBulk ?? 8 });
  const laws: Law[] = [
    {
      name: "associativity",
      check: () =>
        run(
          parameters,
          property(values, values, values, (a, b, c) =>
            expectEqual(
              equals,
              semigroup.combine(semigroup.combine(a, b), c),
              semigroup.combine(a, semigroup.combine(b, c)),
              "combine(combine(a, b), c) vs combine(a, combine(b, c))",
            ),
          ),
        ),
    },
    {
      name: "combineMany equals the fold of combine",
      check: () =>
        run(
          parameters,
          property(values, many, (first, rest) => {
            let folded = first;
            for (const value of rest) folded = semigroup.combine(folded, value);
            expectEqual(equals, semigroup.combineMany(first, rest), folded, "combineMany(first, rest) vs fold");
          }),
        ),
    },
    {
      name: "combine and combineMany do not mutate their inputs",
      check: () =>
        run(
          parameters,
          property(values, values, many, (a, b, rest) => {
            const [a0, b0, rest0] = [clone(a), clone(b), rest.map(clone)];
            semigroup.combine(a, b);
            semigroup.combineMany(a, rest);
            expectEqual(equals, a, a0, "left input after combine");
            expectEqual(equals, b, b0, "right input after combine");
            rest.forEach((value, i) => expectEqual(equals, value, rest0[i] as A, `input ${i} after combineMany`));
          }),
        ),
    },
  ];
  if (semigroup.commutative) laws.push(...commutativeLaws(semigroup, generated, options));
  return laws;
}

/**
 * The commutativity law, `combine(a, b)` equals `combine(b, a)`: required
 * before merging partial results from parallel workers in arrival order.
 * Included automatically by the other builders when `commutative` is true.
 *
 * @example
 * ```ts
 * import { commutativeLaws, checkLaws } from "papertrail/laws";
 * import { setUnion } from "papertrail/algebra";
 * import fc from "fast-check";
 * checkLaws(commutativeLaws(setUnion<number>(), fc.array(fc.nat()).map((xs) => new Set(xs)))); // => undefined
 * ```
 */
export function commutativeLaws<A>(semigroup: Semigroup<A>, generated: Arbitrary<A>, options: LawOptions<A> = {}): Law[] {
  const equals = options.equals ?? (exactEquals as Equivalence<A>);
  const values = isolated(generated, options);
  return [
    {
      name: "commutativity",
      check: () =>
        run(
          options.parameters,
          property(values, values, (a, b) =>
            expectEqual(equals, semigroup.combine(a, b), semigroup.combine(b, a), "combine(a, b) vs combine(b, a)"),
          ),
        ),
    },
  ];
}

/**
 * Laws of a {@link Monoid}: the semigroup laws, left and right identity,
 * `combineAll` equals the fold from `empty`, and `combineAll([])` is `empty`.
 *
 * @example
 * ```ts
 * import { monoidLaws, checkLaws, approximateEquals } from "papertrail/laws";
 * import { MonoidSum } from "papertrail/algebra";
 * import fc from "fast-check";
 * checkLaws(monoidLaws(MonoidSum, fc.integer({ min: -1e6, max: 1e6 }))); // => undefined
 * const doubles = fc.double({ min: -1e6, max: 1e6, noNaN: true });
 * checkLaws(monoidLaws(MonoidSum, doubles, { equals: approximateEquals({ relative: 1e-9, absolute: 1e-6 }) })); // => undefined
 * ```
 */
export function monoidLaws<A>(monoid: Monoid<A>, generated: Arbitrary<A>, options: LawOptions<A> = {}): Law[] {
  const equals = options.equals ?? (exactEquals as Equivalence<A>);
  const values = isolated(generated, options);
  const parameters = options.parameters;
  const many = array(values, { maxLength: options.maxBulk ?? 8 });
  return [
    ...semigroupLaws(monoid, generated, options),
    {
      name: "left identity",
      check: () =>
        run(parameters, property(values, (a) => expectEqual(equals, monoid.combine(monoid.empty, a), a, "combine(empty, a) vs a"))),
    },
    {
      name: "right identity",
      check: () =>
        run(parameters, property(values, (a) => expectEqual(equals, monoid.combine(a, monoid.empty), a, "combine(a, empty) vs a"))),
    },
    {
      name: "combineAll equals the fold from empty",
      check: () =>
        run(
          parameters,
          property(many, (list) => {
            let folded = monoid.empty;
            for (const value of list) folded = monoid.combine(folded, value);
            expectEqual(equals, monoid.combineAll(list), folded, "combineAll(list) vs fold");
          }),
        ),
    },
    {
      name: "combineAll of nothing is empty",
      check: () => expectEqual(equals, monoid.combineAll([]), monoid.empty, "combineAll([]) vs empty"),
    },
  ];
}

/**
 * Laws of a {@link Group}: the monoid laws, and `combine(a, inverse(a))` and
 * `combine(inverse(a), a)` equal `empty`.
 *
 * @example
 * ```ts
 * import { groupLaws, checkLaws } from "papertrail/laws";
 * import { GroupBigIntSum } from "papertrail/algebra";
 * import fc from "fast-check";
 * checkLaws(groupLaws(GroupBigIntSum, fc.bigInt())); // => undefined
 * ```
 */
export function groupLaws<A>(group: Group<A>, generated: Arbitrary<A>, options: LawOptions<A> = {}): Law[] {
  const equals = options.equals ?? (exactEquals as Equivalence<A>);
  const values = isolated(generated, options);
  return [
    ...monoidLaws(group, generated, options),
    {
      name: "right inverse",
      check: () =>
        run(
          options.parameters,
          property(values, (a) => expectEqual(equals, group.combine(a, group.inverse(a)), group.empty, "combine(a, inverse(a)) vs empty")),
        ),
    },
    {
      name: "left inverse",
      check: () =>
        run(
          options.parameters,
          property(values, (a) => expectEqual(equals, group.combine(group.inverse(a), a), group.empty, "combine(inverse(a), a) vs empty")),
        ),
    },
  ];
}

/**
 * A serializer checked by {@link codecLaws}.
 *
 * @example
 * ```ts
 * import { type CodecUnderTest, codecLaws, checkLaws } from "papertrail/laws";
 * import fc from "fast-check";
 * const json: CodecUnderTest<number[]> = {
 *   toBytes: (value) => new TextEncoder().encode(JSON.stringify(value)),
 *   fromBytes: (bytes) => JSON.parse(new TextDecoder().decode(bytes)),
 * };
 * checkLaws(codecLaws(json, fc.array(fc.integer()))); // => undefined
 * ```
 */
export interface CodecUnderTest<A> {
  readonly toBytes: (value: A) => Uint8Array;
  readonly fromBytes: (bytes: Uint8Array) => A;
}

/**
 * Laws of a binary codec: `fromBytes(toBytes(x))` equals `x`; encoding is
 * deterministic (re-encoding the decoded value gives the same bytes); and,
 * with a `semigroup`, combining decoded values equals combining the
 * originals (what was shipped merges like what was kept).
 *
 * @example
 * ```ts
 * import { codecLaws, checkLaws, approximateEquals } from "papertrail/laws";
 * import { compensatedSumCodec } from "papertrail/codec";
 * import { MonoidCompensatedSum } from "papertrail/algebra";
 * import fc from "fast-check";
 * const sums = fc.record({ sum: fc.double({ noNaN: true }), compensation: fc.double({ noNaN: true }) });
 * checkLaws(codecLaws(compensatedSumCodec, sums, { semigroup: MonoidCompensatedSum })); // => undefined
 * ```
 */
export function codecLaws<A>(
  codec: CodecUnderTest<A>,
  generated: Arbitrary<A>,
  options: LawOptions<A> & { readonly semigroup?: Semigroup<A> } = {},
): Law[] {
  const equals = options.equals ?? (exactEquals as Equivalence<A>);
  const values = isolated(generated, options);
  const laws: Law[] = [
    {
      name: "decode(encode(x)) equals x",
      check: () =>
        run(options.parameters, property(values, (a) => expectEqual(equals, codec.fromBytes(codec.toBytes(a)), a, "round trip"))),
    },
    {
      name: "encoding is deterministic",
      check: () =>
        run(
          options.parameters,
          property(values, (a) => {
            const bytes = codec.toBytes(a);
            expectEqual(exactEquals, codec.toBytes(codec.fromBytes(bytes)), bytes, "re-encoded bytes");
          }),
        ),
    },
  ];
  const semigroup = options.semigroup;
  if (semigroup !== undefined) {
    laws.push({
      name: "decoded values combine like the originals",
      check: () =>
        run(
          options.parameters,
          property(values, values, (a, b) =>
            expectEqual(
              equals,
              semigroup.combine(codec.fromBytes(codec.toBytes(a)), codec.fromBytes(codec.toBytes(b))),
              semigroup.combine(a, b),
              "combine after round trip",
            ),
          ),
        ),
    });
  }
  return laws;
}

/**
 * Runs every law, throwing on the first failure with the law's name.
 *
 * @example
 * ```ts
 * import { checkLaws, semigroupLaws } from "papertrail/laws";
 * import { makeSemigroup } from "papertrail/algebra";
 * import fc from "fast-check";
 * const minus = makeSemigroup<number>({ combine: (a, b) => a - b, commutative: false });
 * let message = "";
 * try { checkLaws(semigroupLaws(minus, fc.integer())); } catch (e) { message = (e as Error).message; }
 * message.startsWith("law 'associativity' failed"); // => true
 * ```
 */
export function checkLaws(laws: readonly Law[]): void {
  for (const law of laws) {
    try {
      law.check();
    } catch (error) {
      throw new Error(`law '${law.name}' failed: ${(error as Error).message}`, { cause: error });
    }
  }
}
