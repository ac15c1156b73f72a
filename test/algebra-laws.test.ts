// The law kit applied to every algebra instance. Exact equality where the
// arithmetic is exact (integers in the safe range, booleans, strings,
// collections), approximate where it is floating point.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  Approximate,
  arrayConcat,
  GroupBigIntSum,
  GroupCompensatedSum,
  GroupSum,
  mapMerge,
  max,
  min,
  MonoidAll,
  MonoidAny,
  MonoidApproximateSum,
  MonoidMax,
  MonoidMin,
  MonoidProduct,
  MonoidString,
  MonoidSum,
  option,
  reverse,
  SemigroupFirst,
  SemigroupLast,
  setUnion,
  struct,
  tuple,
  vectorSum,
  type CompensatedSum,
} from "../src/algebra/index.js";
import { approximateEquals, groupLaws, monoidLaws, semigroupLaws } from "../src/laws/index.js";
import { registerLaws } from "./support/checks.js";

const smallInt = fc.integer({ min: -1_000_000, max: 1_000_000 });
const anyNumber = fc.double({ noNaN: false });
const compensated: fc.Arbitrary<CompensatedSum> = fc
  .array(fc.double({ min: -1e12, max: 1e12, noNaN: true }), { maxLength: 5 })
  .map((values) => {
    let sum = 0;
    let compensation = 0;
    for (const v of values) {
      const t = sum + v;
      compensation += Math.abs(sum) >= Math.abs(v) ? sum - t + v : v - t + sum;
      sum = t;
    }
    return { sum, compensation };
  });
const approximate = fc
  .tuple(fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 0, max: 50 }), fc.integer({ min: 0, max: 50 }), fc.double({ min: 0.5, max: 1, noNaN: true }))
  .map(([estimate, below, above, probability]) => new Approximate(estimate, estimate - below, estimate + above, probability));

registerLaws("GroupSum on safe integers", groupLaws(GroupSum, smallInt));
registerLaws("MonoidProduct on small integers", monoidLaws(MonoidProduct, fc.integer({ min: -30, max: 30 })));
registerLaws("MonoidMin on doubles (NaN absorbing)", monoidLaws(MonoidMin, anyNumber));
registerLaws("MonoidMax on doubles (NaN absorbing)", monoidLaws(MonoidMax, anyNumber));
registerLaws("GroupBigIntSum", groupLaws(GroupBigIntSum, fc.bigInt()));
registerLaws("MonoidAll", monoidLaws(MonoidAll, fc.boolean()));
registerLaws("MonoidAny", monoidLaws(MonoidAny, fc.boolean()));
registerLaws("MonoidString", monoidLaws(MonoidString, fc.string()));
registerLaws("reverse(MonoidString)", semigroupLaws(reverse(MonoidString), fc.string()));
registerLaws("arrayConcat", monoidLaws(arrayConcat<number>(), fc.array(fc.integer())));
registerLaws("setUnion", monoidLaws(setUnion<number>(), fc.array(fc.integer({ min: 0, max: 20 })).map((xs) => new Set(xs))));
registerLaws(
  "mapMerge(MonoidSum)",
  monoidLaws(
    mapMerge<string, number>(MonoidSum),
    fc.array(fc.tuple(fc.constantFrom("a", "b", "c", "d"), smallInt)).map((entries) => new Map(entries)),
  ),
);
registerLaws(
  "mapMerge(SemigroupFirst) is not commutative but lawful",
  monoidLaws(
    mapMerge<number, string>(SemigroupFirst<string>()),
    fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.string())).map((entries) => new Map(entries)),
  ),
);
registerLaws("SemigroupFirst", semigroupLaws(SemigroupFirst<string>(), fc.string()));
registerLaws("SemigroupLast", semigroupLaws(SemigroupLast<string>(), fc.string()));
registerLaws("min(order)", semigroupLaws(min<number>((x, y) => x - y), smallInt));
registerLaws("max(order)", semigroupLaws(max<string>((x, y) => (x < y ? -1 : x > y ? 1 : 0)), fc.string()));
registerLaws("option(SemigroupFirst)", monoidLaws(option(SemigroupFirst<string>()), fc.option(fc.string(), { nil: undefined })));
registerLaws("option(min(order))", monoidLaws(option(min<number>((x, y) => x - y)), fc.option(smallInt, { nil: undefined })));
registerLaws(
  "struct of groups",
  groupLaws(struct({ count: GroupSum, bytes: GroupBigIntSum }), fc.record({ count: smallInt, bytes: fc.bigInt() })),
);
registerLaws(
  "struct of monoids",
  monoidLaws(struct({ count: MonoidSum, any: MonoidAny, name: MonoidString }), fc.record({ count: smallInt, any: fc.boolean(), name: fc.string() })),
);
registerLaws(
  "tuple of semigroup and monoid",
  semigroupLaws(tuple(SemigroupLast<string>(), MonoidSum), fc.tuple(fc.string(), smallInt)),
);
registerLaws("tuple of groups", groupLaws(tuple(GroupSum, GroupSum), fc.tuple(smallInt, smallInt)));
registerLaws(
  "vectorSum(4) on integer vectors",
  groupLaws(vectorSum(4), fc.array(smallInt, { minLength: 4, maxLength: 4 }).map((xs) => Float64Array.from(xs))),
);
registerLaws(
  "GroupCompensatedSum (approximate: the value sum + compensation)",
  groupLaws(GroupCompensatedSum, compensated, {
    equals: (x, y) => approximateEquals({ relative: 1e-12, absolute: 1e-3 })(x.sum + x.compensation, y.sum + y.compensation),
  }),
);
registerLaws(
  "MonoidApproximateSum (approximate equality of the probability)",
  monoidLaws(MonoidApproximateSum, approximate, { equals: approximateEquals({ relative: 1e-12, absolute: 1e-12 }) }),
);

describe("the law kit can fail", () => {
  it("rejects a non-associative operation", () => {
    const minus = { ...MonoidSum, combine: (x: number, y: number) => x - y };
    const associativity = monoidLaws(minus, smallInt).find((law) => law.name === "associativity");
    expect(() => associativity?.check()).toThrow(/combine\(combine\(a, b\), c\)/);
  });
  it("rejects a false commutativity claim", () => {
    const lying = { ...MonoidString, commutative: true };
    const commutativity = monoidLaws(lying, fc.string()).find((law) => law.name === "commutativity");
    expect(() => commutativity?.check()).toThrow(/combine\(b, a\)/);
  });
  it("rejects a bulk combine that differs from the fold", () => {
    const wrongBulk = { ...MonoidSum, combineMany: (first: number) => first };
    const law = monoidLaws(wrongBulk, smallInt).find((l) => l.name === "combineMany equals the fold of combine");
    expect(() => law?.check()).toThrow(/combineMany/);
  });
  it("rejects a combine that mutates its input", () => {
    const mutating = {
      ...arrayConcat<number>(),
      combine: (x: readonly number[], y: readonly number[]) => {
        (x as number[]).push(...y);
        return x;
      },
    };
    const law = monoidLaws(mutating, fc.array(fc.integer())).find((l) => l.name === "combine and combineMany do not mutate their inputs");
    expect(() => law?.check()).toThrow(/input/);
  });
  it("rejects a wrong identity", () => {
    const wrongEmpty = { ...MonoidProduct, empty: 0 };
    const law = monoidLaws(wrongEmpty, fc.integer({ min: 1, max: 9 })).find((l) => l.name === "left identity");
    expect(() => law?.check()).toThrow(/empty/);
  });
  it("rejects a wrong inverse", () => {
    const wrongInverse = { ...GroupSum, inverse: (x: number) => x };
    const law = groupLaws(wrongInverse, fc.integer({ min: 1, max: 9 })).find((l) => l.name === "right inverse");
    expect(() => law?.check()).toThrow(/inverse/);
  });
  it("plain float summation breaks exact associativity (why GroupCompensatedSum exists)", () => {
    const associativity = monoidLaws(MonoidSum, fc.constantFrom(0.1, 0.2, 0.3, 1, 1e16, -1e16)).find((l) => l.name === "associativity");
    expect(() => associativity?.check()).toThrow();
  });
});
