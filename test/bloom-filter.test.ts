import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createEnvelope } from "../src/codec/index.js";
import { InvalidArgumentError, ParameterMismatchError } from "../src/errors.js";
import { HashedKey, hash64, REDIS_HLL_SEED } from "../src/hashing/index.js";
import { codecLaws, monoidLaws } from "../src/laws/index.js";
import { modUint32 } from "../src/sketches/bloom-filter.js";
import { uniform } from "./support/random.js";
import { BloomFilter, CountMinSketch, type BloomFilterOptions } from "../src/sketches/index.js";
import { registerLaws, decodeErrorCode, decodesOrRejectsCleanly } from "./support/checks.js";

const build = (options: BloomFilterOptions) => (items: readonly string[]) => {
  const filter = new BloomFilter(options);
  for (const item of items) filter.add(item);
  return filter;
};
const filterOptions = { equals: (a: BloomFilter, b: BloomFilter) => a.equals(b), clone: (f: BloomFilter) => f.clone() };
const itemLists = fc.array(fc.string({ maxLength: 8 }), { maxLength: 60 });
const HEADER = 20;

/** The bit array of a filter, read from its image. */
function bitArray(filter: BloomFilter): Uint8Array {
  return filter.toBytes().subarray(HEADER);
}

// The documented probe positions, written independently with BigInt from
// the halves of the canonical 64-bit hash. Version 2 (enhanced double
// hashing): g_i = (lo + i hi + i(i+1)(i+2)/6) mod m; version 1
// (Kirsch–Mitzenmacher): g_i = (lo + i hi) mod m.
function referencePositions(lo: bigint, hi: bigint, bits: number, hashes: number, version: 1 | 2 = 2): number[] {
  const positions: number[] = [];
  for (let i = 0n; i < BigInt(hashes); i++) {
    const offset = version === 2 ? (i * (i + 1n) * (i + 2n)) / 6n : 0n;
    positions.push(Number((lo + i * hi + offset) % BigInt(bits)));
  }
  return positions;
}

function referenceBits(items: readonly string[], bits: number, hashes: number, seed: number, version: 1 | 2 = 2): Uint8Array {
  const array = new Uint8Array(Math.ceil(bits / 8));
  for (const item of items) {
    const hash = hash64(item, seed);
    for (const index of referencePositions(hash & 0xffffffffn, hash >> 32n, bits, hashes, version)) {
      array[index >> 3] = (array[index >> 3] as number) | (1 << (index & 7));
    }
  }
  return array;
}

/** Bit `index` of a filter, read from its private array (for filters too large to write out). */
function bitAt(filter: BloomFilter, index: number): boolean {
  const data = (filter as unknown as { data: Uint8Array }).data;
  return ((data[index >>> 3] as number) & (1 << (index & 7))) !== 0;
}

/** Byte equality that stays fast on large arrays (toEqual compares element by element); names the first difference. */
function expectSameBytes(actual: Uint8Array, expected: Uint8Array): void {
  if (Buffer.compare(actual, expected) === 0) return;
  let i = 0;
  while (i < Math.min(actual.length, expected.length) && actual[i] === expected[i]) i++;
  expect({ length: actual.length, firstDifference: i, byte: actual[i] }).toEqual({ length: expected.length, firstDifference: i, byte: expected[i] });
}

/**
 * The `expected` bits are set, and their neighbours only if expected too
 * (a popcount of a filter of 2^31 bits or more would map all its pages).
 */
function expectOnlyBits(filter: BloomFilter, expected: ReadonlySet<number>): void {
  for (const position of expected) {
    expect(bitAt(filter, position)).toBe(true);
    for (const neighbour of [position - 1, position + 1]) {
      const wrapped = (neighbour + filter.bits) % filter.bits;
      expect(bitAt(filter, wrapped)).toBe(expected.has(wrapped));
    }
  }
}

function popcount(bytes: Uint8Array): number {
  let count = 0;
  for (const byte of bytes) for (let b = byte; b !== 0; b &= b - 1) count++;
  return count;
}

describe("BloomFilter sizing and arguments", () => {
  it("sizes at the optimum m = ceil(-n ln p / ln(2)^2), k = round((m/n) ln 2)", () => {
    expect(BloomFilter.optimalParameters(100_000, 0.01)).toEqual({ bits: 958_506, hashes: 7 });
    expect(BloomFilter.optimalParameters(100_000, 0.001)).toEqual({ bits: 1_437_759, hashes: 10 });
    expect(BloomFilter.optimalParameters(1, 0.5)).toEqual({ bits: 2, hashes: 1 });
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000_000 }), fc.double({ min: 1e-12, max: 0.999, noNaN: true }), (n, p) => {
        const { bits, hashes } = BloomFilter.optimalParameters(n, p);
        expect(bits).toBe(Math.ceil((-n * Math.log(p)) / Math.LN2 ** 2));
        expect(hashes).toBe(Math.max(1, Math.round((bits / n) * Math.LN2)));
        const filter = new BloomFilter({ capacity: n, falsePositiveRate: p });
        expect([filter.bits, filter.hashes, filter.sizeInBytes]).toEqual([bits, hashes, Math.ceil(bits / 8)]);
      }),
      { numRuns: 50 },
    );
  });
  it("rejects invalid arguments with InvalidArgumentError", () => {
    const bad: unknown[] = [
      { capacity: 0, falsePositiveRate: 0.01 },
      { capacity: 1.5, falsePositiveRate: 0.01 },
      { capacity: -3, falsePositiveRate: 0.01 },
      { capacity: Number.NaN, falsePositiveRate: 0.01 },
      { capacity: 100, falsePositiveRate: 0 },
      { capacity: 100, falsePositiveRate: 1 },
      { capacity: 100, falsePositiveRate: -0.1 },
      { capacity: 100, falsePositiveRate: Number.NaN },
      { capacity: 100 },
      { falsePositiveRate: 0.01 },
      { capacity: 100, falsePositiveRate: 1e-30 }, // needs k = 100 > 64
      { capacity: 1e9, falsePositiveRate: 1e-6 }, // needs 2.9e10 bits > 2^32 - 1
      { bits: 0, hashes: 3 },
      { bits: 2 ** 32, hashes: 3 },
      { bits: 100.5, hashes: 3 },
      { bits: 100, hashes: 0 },
      { bits: 100, hashes: 65 },
      { bits: 100, hashes: 2.5 },
      { bits: 100 },
      { bits: 100, hashes: 3, seed: -1 },
      { bits: 100, hashes: 3, seed: 2 ** 32 },
      { bits: 100, hashes: 3, seed: 1.5 },
      { bits: 100, hashes: 3, capacity: 10, falsePositiveRate: 0.1 },
      {},
      null,
      undefined,
    ];
    for (const options of bad) {
      expect(() => new BloomFilter(options as BloomFilterOptions), JSON.stringify(options)).toThrow(InvalidArgumentError);
    }
    expect(() => BloomFilter.monoid({ bits: 0, hashes: 1 })).toThrow(InvalidArgumentError);
    // The monoid keeps the shape, not a filter; its check still names both shapes.
    const monoid = BloomFilter.monoid({ bits: 100, hashes: 3 });
    const other = new BloomFilter({ bits: 101, hashes: 3 });
    expect(() => monoid.combine(other, monoid.empty)).toThrow(ParameterMismatchError);
    expect(() => monoid.combine(other, monoid.empty)).toThrow(/BloomFilter\(bits=100, hashes=3, seed=0xadc83b19\).*BloomFilter\(bits=101, hashes=3/);
    expect(() => monoid.combine("x" as unknown as BloomFilter, monoid.empty)).toThrow(/not a BloomFilter/);
    expect(monoid.combine(new BloomFilter({ bits: 100, hashes: 3 }).add("a"), monoid.empty).has("a")).toBe(true);
    expect(() => new BloomFilter({ capacity: 100, falsePositiveRate: 2 })).toThrow(/falsePositiveRate must be in \(0, 1\), got 2/);
    expect(() => new BloomFilter({ bits: 100, hashes: 99 })).toThrow(/hashes must be an integer in \[1, 64\], got 99/);
  });
});

describe("BloomFilter options", () => {
  it("reject a mix of the two forms at compile time and at run time", () => {
    // @ts-expect-error: bits does not join the size form
    expect(() => new BloomFilter({ capacity: 100, falsePositiveRate: 0.01, bits: 1000 })).toThrow(/exactly one of the two forms/);
    // @ts-expect-error: falsePositiveRate does not join the shape form
    expect(() => new BloomFilter({ bits: 1000, hashes: 3, falsePositiveRate: 0.01 })).toThrow(InvalidArgumentError);
    // @ts-expect-error: the full mix, in the monoid too
    expect(() => BloomFilter.monoid({ capacity: 100, falsePositiveRate: 0.01, bits: 1000, hashes: 3 })).toThrow(InvalidArgumentError);
    const forms: BloomFilterOptions[] = [
      { capacity: 100, falsePositiveRate: 0.01, seed: 1 },
      { bits: 1000, hashes: 3, seed: 2 },
    ];
    expect(forms.map((options) => new BloomFilter(options).describe())).toEqual([
      "BloomFilter(bits=959, hashes=7, seed=0x1)",
      "BloomFilter(bits=1000, hashes=3, seed=0x2)",
    ]);
  });
  it("reject unknown keys, naming the key and the known ones", () => {
    const misspelt = { capacity: 100, falsePositiveRate: 0.01, sed: 1 } as BloomFilterOptions;
    expect(() => new BloomFilter(misspelt)).toThrow(InvalidArgumentError);
    expect(() => new BloomFilter(misspelt)).toThrow(/BloomFilter has no option "sed" \(options: capacity, falsePositiveRate, bits, hashes, seed\)/);
    expect(() => BloomFilter.monoid({ bits: 64, hashes: 2, hash: 3 } as BloomFilterOptions)).toThrow(/no option "hash"/);
    expect(() => new BloomFilter({ bits: 64 } as BloomFilterOptions)).toThrow(/give both bits and hashes/);
    expect(() => new BloomFilter({ capacity: 64 } as BloomFilterOptions)).toThrow(/give both capacity and falsePositiveRate/);
  });
});

describe("modUint32 (probe start and step by a reciprocal multiply)", () => {
  // Exact reference: % on integers below 2^53 is exact in doubles.
  const check = (x: number, m: number): void => {
    expect(modUint32(x, m, 1 / m)).toBe(x % m);
  };
  // fc.integer stops at 2^31 - 1.
  const uint32 = (min: number) => fc.bigInt({ min: BigInt(min), max: 0xffffffffn }).map(Number);
  it("equals x % m on random operands", () => {
    fc.assert(
      fc.property(uint32(0), uint32(1), (x, m) => {
        check(x, m);
      }),
      { numRuns: 20000 },
    );
  });
  it("equals x % m next to every multiple of m, where the floor of x * (1/m) can be one off", () => {
    const random = uniform(20261124);
    const moduli = [1, 2, 3, 7, 10, 1000, 9586, 14377588, 0x7fffffff, 0x80000000, 0x80000001, 0xfffffffe, 0xffffffff];
    // Moduli of every magnitude, log-uniform.
    for (let i = 0; i < 3000; i++) moduli.push(Math.floor(2 ** (32 * random())));
    for (const m of moduli) {
      // Multiples of m spread over [0, 2^32), each with its neighbours.
      const count = Math.floor(0xffffffff / m);
      for (const q of [0, 1, 2, count >>> 1, count - 1, count, Math.floor(random() * (count + 1))]) {
        for (const d of [-2, -1, 0, 1, 2]) {
          const x = q * m + d;
          if (x >= 0 && x <= 0xffffffff) check(x, m);
        }
      }
      check(0xffffffff, m);
    }
  });
});

describe("BloomFilter bits", () => {
  it("follow enhanced double hashing (independent BigInt reference)", () => {
    fc.assert(
      fc.property(
        itemLists,
        fc.oneof(fc.integer({ min: 1, max: 70 }), fc.integer({ min: 1, max: 1 << 20 })),
        fc.integer({ min: 1, max: 64 }),
        fc.oneof(fc.constant(REDIS_HLL_SEED), fc.nat({ max: 0xffffffff })),
        (items, bits, hashes, seed) => {
          const filter = build({ bits, hashes, seed })(items);
          expectSameBytes(bitArray(filter), referenceBits(items, bits, hashes, seed));
        },
      ),
      { numRuns: 200 },
    );
  });
  it("follow the reference for keys whose step is within k(k-1)/2 of m (the inline path's hand-off)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 100_000 }),
        fc.integer({ min: 1, max: 64 }),
        fc.nat({ max: 0xffffffff }),
        fc.integer({ min: 0, max: 2100 }),
        fc.nat({ max: 3 }),
        (bits, hashes, lo, below, wraps) => {
          // hi = (m - below) + wraps * m: the step b = m - below, also reached from above 2^31.
          const step = Math.max(0, bits - below);
          const hi = step + Math.min(wraps, Math.floor((0xffffffff - step) / bits)) * bits;
          const filter = new BloomFilter({ bits, hashes }).addHashed({ lo: lo | 0, hi: hi | 0 });
          const expected = new Set(referencePositions(BigInt(lo), BigInt(hi), bits, hashes));
          for (const position of expected) expect(bitAt(filter, position)).toBe(true);
          expect(filter.bitCount).toBe(expected.size);
          expect(filter.hasHashed({ lo: lo | 0, hi: hi | 0 })).toBe(true);
        },
      ),
      { numRuns: 1000 },
    );
  });
  it("are the same whether probes address 32-bit words (little-endian hosts) or bytes (big-endian hosts)", () => {
    // The byte path is forced on this (little-endian) host through the
    // private flag; the word path is the default here.
    const byBytes = (filter: BloomFilter): BloomFilter => {
      (filter as unknown as { wordProbes: boolean }).wordProbes = false;
      return filter;
    };
    fc.assert(
      fc.property(itemLists, itemLists, fc.integer({ min: 1, max: 5000 }), fc.integer({ min: 1, max: 16 }), (items, others, bits, hashes) => {
        const words = new BloomFilter({ bits, hashes });
        const bytes = byBytes(new BloomFilter({ bits, hashes }));
        expect((words as unknown as { wordProbes: boolean }).wordProbes).toBe(true);
        for (const item of items) {
          words.add(item);
          bytes.add(item);
        }
        expectSameBytes(bitArray(words), bitArray(bytes));
        for (const item of [...items, ...others]) expect(bytes.has(item)).toBe(words.has(item));
      }),
      { numRuns: 200 },
    );
  });
  it("stay exact for bit counts above 2^31, up to the maximum 2^32 - 1", () => {
    // A 512 MiB filter: the zeroed pages are only mapped when touched. The
    // set bits are read back one by one against the BigInt reference.
    const items = Array.from({ length: 40 }, (_, i) => `user-${i}`);
    for (const bits of [3 * 2 ** 30 + 7, 2 ** 32 - 1]) {
      const filter = new BloomFilter({ bits, hashes: 10 });
      const expected = new Set<number>();
      for (const item of items) {
        filter.add(item);
        const hash = hash64(item);
        for (const position of referencePositions(hash & 0xffffffffn, hash >> 32n, bits, 10)) expected.add(position);
      }
      expectOnlyBits(filter, expected);
      for (const item of items) expect(filter.has(item)).toBe(true);
      expect([...expected].some((position) => position >= 2 ** 31)).toBe(true);
    }
  });
  it("walk probes exactly at the largest int32-walked size, 2^31 - 1 bits, where every sum wraps", () => {
    // 256 MiB of address space, touched only at the probed bits. The
    // crafted keys start at the top or bottom bit and step by m - 1 (one
    // bit backwards, so every probe after the first wraps) or by 0.
    const bits = 2 ** 31 - 1;
    const filter = new BloomFilter({ bits, hashes: 10 });
    const expected = new Set<number>();
    const crafted = [
      { lo: bits - 1, hi: bits - 1 },
      { lo: 0, hi: bits - 1 },
      { lo: bits - 1, hi: 0 },
      { lo: -1, hi: -1 }, // 2^32 - 1 for both halves: 1 mod m
    ];
    for (const key of crafted) {
      filter.addHashed(key);
      for (const position of referencePositions(BigInt(key.lo >>> 0), BigInt(key.hi >>> 0), bits, 10)) expected.add(position);
    }
    for (let i = 0; i < 40; i++) {
      const hash = hash64(`user-${i}`);
      filter.add(`user-${i}`);
      for (const position of referencePositions(hash & 0xffffffffn, hash >> 32n, bits, 10)) expected.add(position);
    }
    expectOnlyBits(filter, expected);
    for (const key of crafted) expect(filter.hasHashed(key)).toBe(true);
  });
  it("have no false negatives, for items of every Hashable type", () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.string(), fc.uint8Array({ maxLength: 12 }), fc.double(), fc.bigInt()), { maxLength: 100 }),
        fc.integer({ min: 1, max: 5000 }),
        fc.integer({ min: 1, max: 12 }),
        (items, bits, hashes) => {
          const filter = new BloomFilter({ bits, hashes });
          for (const item of items) filter.add(item);
          for (const item of items) expect(filter.has(item)).toBe(true);
        },
      ),
    );
  });
  it("addHashed and hasHashed with a HashedKey equal add and has, for any seed", () => {
    fc.assert(
      fc.property(itemLists, fc.nat({ max: 0xffffffff }), (items, seed) => {
        const byItem = new BloomFilter({ bits: 2048, hashes: 5, seed });
        const byKey = new BloomFilter({ bits: 2048, hashes: 5, seed });
        const key = new HashedKey();
        for (const item of items) {
          byItem.add(item);
          byKey.addHashed(key.set(item, seed));
        }
        expect(byKey.equals(byItem)).toBe(true);
        for (const item of items) expect(byItem.hasHashed(key.set(item, seed))).toBe(true);
      }),
    );
  });
  it("an empty filter contains nothing; bitCount is the popcount of the array", () => {
    const filter = new BloomFilter({ capacity: 1000, falsePositiveRate: 0.01 });
    expect([filter.has("alice"), filter.has(""), filter.bitCount, filter.estimate().isExact, filter.estimate().estimate]).toEqual([false, false, 0, false, 0]);
    fc.assert(
      fc.property(itemLists, fc.integer({ min: 1, max: 3000 }), fc.integer({ min: 1, max: 10 }), (items, bits, hashes) => {
        const f = build({ bits, hashes })(items);
        expect(f.bitCount).toBe(popcount(bitArray(f)));
        expect(f.bitCount).toBeLessThanOrEqual(Math.min(bits, items.length * hashes));
      }),
    );
  });
  it("a full filter estimates Infinity items and a false-positive rate of 1", () => {
    const filter = new BloomFilter({ bits: 13, hashes: 2 });
    for (let i = 0; filter.bitCount < 13; i++) filter.add(i);
    const estimate = filter.estimate();
    expect([estimate.estimate, estimate.upper, filter.estimatedFalsePositiveRate(), filter.has("anything")]).toEqual([Infinity, Infinity, 1, true]);
    // A full filter still bounds the count from below.
    expect(estimate.lower).toBeGreaterThanOrEqual(Math.ceil(13 / 2));
    expect(estimate.lower).toBeLessThan(Infinity);
  });
});

describe("BloomFilter merge and monoid", () => {
  it("is a bitwise OR: merging filters of two streams equals the filter of both", () => {
    fc.assert(
      // Random sizes: merge ORs four words per step plus a tail of 0..3.
      fc.property(itemLists, itemLists, fc.integer({ min: 1, max: 3000 }), (a, b, bits) => {
        const options = { bits, hashes: 4 };
        const merged = build(options)(a).merge(build(options)(b));
        expect(merged.equals(build(options)([...a, ...b]))).toBe(true);
      }),
    );
  });
  it("is commutative and idempotent", () => {
    fc.assert(
      fc.property(itemLists, itemLists, (a, b) => {
        const options = { capacity: 50, falsePositiveRate: 0.05 };
        const [fa, fb] = [build(options)(a), build(options)(b)];
        expect(fa.clone().merge(fb).equals(fb.clone().merge(fa))).toBe(true);
        expect(fa.clone().merge(fa).equals(fa)).toBe(true);
        expect(fa.clone().merge(fa.clone()).equals(fa)).toBe(true);
        const union = BloomFilter.monoid(options);
        expect(union.combine(fa, fa).equals(fa)).toBe(true);
      }),
    );
  });
  it("splitting a stream across 4 workers and merging gives the single filter", () => {
    const options = { capacity: 20_000, falsePositiveRate: 0.01 };
    const single = new BloomFilter(options);
    const workers = [0, 1, 2, 3].map(() => new BloomFilter(options));
    for (let i = 0; i < 20_000; i++) {
      single.add(`user-${i}`);
      (workers[i % 4] as BloomFilter).add(`user-${i}`);
    }
    const merged = BloomFilter.monoid(options).combineAll(workers);
    expect(merged.equals(single)).toBe(true);
    expect(workers.some((w) => w.equals(single))).toBe(false);
  });
  it("refuses filters of other bits, hashes or seed, naming both", () => {
    const base = new BloomFilter({ bits: 1000, hashes: 5 });
    const others = [
      new BloomFilter({ bits: 1001, hashes: 5 }),
      new BloomFilter({ bits: 1000, hashes: 6 }),
      new BloomFilter({ bits: 1000, hashes: 5, seed: 7 }),
    ];
    for (const other of others) {
      expect(() => base.merge(other)).toThrow(ParameterMismatchError);
      expect(() => base.merge(other)).toThrow(`cannot combine ${base.describe()} with ${other.describe()}`);
      expect(base.equals(other)).toBe(false);
    }
    expect(base.describe()).toBe("BloomFilter(bits=1000, hashes=5, seed=0xadc83b19)");
    expect(others[2]?.describe()).toBe("BloomFilter(bits=1000, hashes=5, seed=0x7)");
    const union = BloomFilter.monoid({ bits: 1000, hashes: 5 });
    expect(() => union.combine(others[0] as BloomFilter, others[0] as BloomFilter)).toThrow(ParameterMismatchError);
    expect(() => union.combine(base, others[1] as BloomFilter)).toThrow(ParameterMismatchError);
    expect(() => union.combineAll([base, others[2] as BloomFilter])).toThrow(ParameterMismatchError);
  });
  it("a monoid's empty is fresh on every read", () => {
    const union = BloomFilter.monoid({ bits: 64, hashes: 2 });
    union.empty.add("alice");
    expect(union.empty.has("alice")).toBe(false);
    expect(union.combineAll([]).bitCount).toBe(0);
  });
});

registerLaws(
  "monoid laws: BloomFilter union (bits=512, hashes=3)",
  monoidLaws(BloomFilter.monoid({ bits: 512, hashes: 3 }), itemLists.map(build({ bits: 512, hashes: 3 })), filterOptions),
);
registerLaws(
  "monoid laws: BloomFilter union (capacity=20, p=0.1, seed=42)",
  monoidLaws(
    BloomFilter.monoid({ capacity: 20, falsePositiveRate: 0.1, seed: 42 }),
    itemLists.map(build({ capacity: 20, falsePositiveRate: 0.1, seed: 42 })),
    filterOptions,
  ),
);
registerLaws(
  "codec laws: BloomFilter image",
  codecLaws(BloomFilter.codec, itemLists.map(build({ bits: 300, hashes: 4 })), {
    ...filterOptions,
    semigroup: BloomFilter.monoid({ bits: 300, hashes: 4 }),
  }),
);

describe("BloomFilter accuracy", () => {
  // Why the bounds are sound. The filter is fixed once built; each query of a
  // never-inserted key is then an independent Bernoulli trial with success
  // probability f = (X/m)^k (X = set bits). For the two n = 100,000 cases,
  // the occupancy X has standard deviation about sqrt(0.08 m) (< 0.06% of X),
  // so f sits within 0.5% of the textbook (1 - e^(-kn/m))^k, itself within
  // 0.4% of the target p at these rounded (m, k). Over Q queries the false-
  // positive count has mean Qf and standard deviation sqrt(Qf): Q = 250,000 at
  // p = 0.01 and Q = 2,500,000 at p = 0.001 both give a mean near 2,500 and a
  // standard deviation near 50, so the 1.1 x target bound (2,750) lies about
  // 5 standard deviations above the mean. For the small filter (n = 1,000,
  // m = 9,586) the occupancy itself varies: f has a relative standard
  // deviation of about 7 x 0.56% = 3.9%, plus 2% from the queries, so its
  // bound is 1.25 x target, again more than 5 standard deviations.
  const cases = [
    { n: 100_000, p: 0.01, queries: 250_000, bound: 1.1 },
    { n: 100_000, p: 0.001, queries: 2_500_000, bound: 1.1 },
    { n: 1_000, p: 0.01, queries: 250_000, bound: 1.25 },
  ];
  for (const { n, p, queries, bound } of cases) {
    it(`n = ${n}, p = ${p}: no false negatives, false-positive rate <= ${bound} x p over ${queries} fresh keys`, () => {
      const filter = new BloomFilter({ capacity: n, falsePositiveRate: p });
      for (let i = 0; i < n; i++) filter.add(`user-${i}`);
      let falseNegatives = 0;
      for (let i = 0; i < n; i++) if (!filter.has(`user-${i}`)) falseNegatives++;
      expect(falseNegatives).toBe(0);
      let falsePositives = 0;
      for (let i = 0; i < queries; i++) if (filter.has(`visitor-${i}`)) falsePositives++;
      const measured = falsePositives / queries;
      const predicted = filter.estimatedFalsePositiveRate();
      const estimate = filter.estimate();
      const items = estimate.estimate;
      console.log(
        `BloomFilter n=${n} p=${p} (bits=${filter.bits}, hashes=${filter.hashes}): measured FP ${measured.toFixed(6)} ` +
          `(${falsePositives}/${queries}), predicted from fill ${predicted.toFixed(6)}, estimated items ${items.toFixed(0)}`,
      );
      expect(measured).toBeLessThanOrEqual(bound * p);
      // The fill's prediction (X/m)^k is the success probability of the
      // queries: the count must be within 5 binomial standard deviations.
      expect(Math.abs(falsePositives - queries * predicted)).toBeLessThanOrEqual(5 * Math.sqrt(queries * predicted));
      expect(Math.abs(predicted / p - 1)).toBeLessThan(bound - 1);
      // Swamidass–Baldi: standard deviation about 0.1% of n here, 0.8% for n = 1,000.
      expect(Math.abs(items / n - 1)).toBeLessThan(0.03);
      expect(estimate.contains(n)).toBe(true);
    });
  }
  it("the false-positive rate grows past the target when the filter is overfilled", () => {
    const filter = new BloomFilter({ capacity: 1000, falsePositiveRate: 0.01 });
    for (let i = 0; i < 3000; i++) filter.add(`user-${i}`);
    let falsePositives = 0;
    for (let i = 0; i < 20_000; i++) if (filter.has(`visitor-${i}`)) falsePositives++;
    // (1 - e^(-7 * 3000 / 9586))^7 = 0.47: far above p, and the fill sees it.
    expect(falsePositives / 20_000).toBeGreaterThan(0.4);
    expect(filter.estimatedFalsePositiveRate()).toBeGreaterThan(0.4);
    expect(Math.abs(filter.estimate().estimate / 3000 - 1)).toBeLessThan(0.05);
  });
});

describe("BloomFilter image", () => {
  const goldenFilter = () => new BloomFilter({ bits: 64, hashes: 3, seed: 0x5eed }).add("alice").add("bob");
  it("golden bytes", () => {
    // Computed once with this implementation and frozen; the bit positions
    // are checked against the BigInt reference below.
    expect([...goldenFilter().toBytes()]).toEqual([
      0x50, 0x54, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, // preamble: "PT", family 0x02, version 2, flags 0
      0x40, 0x00, 0x00, 0x00, // bits = 64
      0x03, 0x00, 0x00, 0x00, // hashes = 3, 3 reserved zero bytes
      0xed, 0x5e, 0x00, 0x00, // seed = 0x5eed
      0x00, 0x01, 0x08, 0x10, 0x00, 0x20, 0x02, 0x08, // bits 8, 19, 28, 45, 49, 59
    ]);
    expect(bitArray(goldenFilter())).toEqual(referenceBits(["alice", "bob"], 64, 3, 0x5eed));
  });
  it("fuzz: every truncation is rejected: truncated header or too-large bit array", () => {
    fc.assert(
      fc.property(itemLists, fc.integer({ min: 1, max: 200 }), fc.integer({ min: 1, max: 8 }), (items, bits, hashes) => {
        const bytes = build({ bits, hashes })(items).toBytes();
        for (let length = 0; length < bytes.length; length++) {
          expect(decodeErrorCode(() => BloomFilter.fromBytes(bytes.subarray(0, length)))).toBe(length < HEADER ? "truncated" : "too-large");
        }
      }),
      { numRuns: 50 },
    );
  });
  it("fuzz: bit flips and random bytes decode or throw DecodeError, nothing else", () => {
    fc.assert(
      fc.property(itemLists, fc.integer({ min: 1, max: 200 }), fc.nat(), (items, bits, at) => {
        const bytes = build({ bits, hashes: 3 })(items).toBytes();
        const bit = at % (bytes.length * 8);
        bytes[bit >> 3] = (bytes[bit >> 3] as number) ^ (1 << (bit & 7));
        const outcome = decodesOrRejectsCleanly(BloomFilter.fromBytes, bytes);
        // Every flip in the preamble, in the top two bits of hashes (3 becomes 67 or 131) or in the reserved bytes is caught.
        if (bit < 64 || (bit >= 96 + 6 && bit < 128)) expect(outcome).toBe("rejected");
      }),
    );
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => void decodesOrRejectsCleanly(BloomFilter.fromBytes, bytes)));
    for (const version of [1, 2]) {
      const preamble = [0x50, 0x54, 0x02, version, 0, 0, 0, 0];
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 64 }), (tail) => {
          decodesOrRejectsCleanly(BloomFilter.fromBytes, Uint8Array.from([...preamble, ...tail]));
        }),
      );
    }
  });
  it("refuses a huge declared bit array before allocating it", () => {
    const bytes = goldenFilter().toBytes();
    new DataView(bytes.buffer).setUint32(8, 0xffffffff, true); // 512 MiB of bits, 8 bytes present
    const before = process.memoryUsage().arrayBuffers;
    expect(decodeErrorCode(() => BloomFilter.fromBytes(bytes))).toBe("too-large");
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(1 << 20);
  });
  it("rejects invalid fields with typed errors", () => {
    const withByte = (offset: number, value: number) => {
      const bytes = goldenFilter().toBytes();
      bytes[offset] = value;
      return bytes;
    };
    // The golden image with another bits field and the first arrayBytes of its bit array.
    const withBits = (bits: number, arrayBytes: number) => {
      const golden = goldenFilter().toBytes();
      const bytes = new Uint8Array(HEADER + arrayBytes);
      bytes.set(golden.subarray(0, Math.min(golden.length, bytes.length)));
      new DataView(bytes.buffer).setUint32(8, bits, true);
      return bytes;
    };
    expect(decodeErrorCode(() => BloomFilter.fromBytes(withByte(4, 1)))).toBe("invalid-field"); // flags
    expect(decodeErrorCode(() => BloomFilter.fromBytes(withByte(12, 0)))).toBe("invalid-field"); // hashes 0
    expect(decodeErrorCode(() => BloomFilter.fromBytes(withByte(12, 65)))).toBe("invalid-field"); // hashes 65
    expect(decodeErrorCode(() => BloomFilter.fromBytes(withByte(13, 1)))).toBe("invalid-field"); // reserved
    expect(decodeErrorCode(() => BloomFilter.fromBytes(withByte(15, 1)))).toBe("invalid-field"); // reserved
    expect(decodeErrorCode(() => BloomFilter.fromBytes(withBits(0, 0)))).toBe("invalid-field");
    expect(BloomFilter.fromBytes(withBits(56, 7)).bitCount).toBe(5); // bit 59 of the golden array is cut off
    expect(decodeErrorCode(() => BloomFilter.fromBytes(withBits(49, 7)))).toBe("invalid-field"); // bit 49 is set in the golden array
    expect(decodeErrorCode(() => BloomFilter.fromBytes(withBits(72, 8)))).toBe("too-large");
    expect(decodeErrorCode(() => BloomFilter.fromBytes(Uint8Array.from([...goldenFilter().toBytes(), 0])))).toBe("length-mismatch");
    // Unused high bits of the last byte must be zero; the used ones may be anything.
    const partial = withBits(13, 2);
    partial[HEADER + 1] = 0x1f; // bits 8..12 (the golden array has none below 8)
    expect(BloomFilter.fromBytes(partial).bitCount).toBe(5);
    partial[HEADER + 1] = 0x20;
    expect(decodeErrorCode(() => BloomFilter.fromBytes(partial))).toBe("invalid-field");
    expect(decodeErrorCode(() => BloomFilter.fromBytes(withByte(3, 3)))).toBe("unsupported-version");
    expect(decodeErrorCode(() => BloomFilter.fromBytes(withByte(3, 0)))).toBe("unsupported-version");
    expect(decodeErrorCode(() => BloomFilter.fromBytes("not bytes" as unknown as Uint8Array))).toBe("malformed");
  });
  it("rejects images of other families as wrong-family", () => {
    const countMin = new CountMinSketch({ width: 4, depth: 2 }).toBytes();
    expect(decodeErrorCode(() => BloomFilter.fromBytes(countMin))).toBe("wrong-family");
    expect(() => BloomFilter.fromBytes(countMin)).toThrow(/this is CountMinSketch \(family 3\), not BloomFilter \(family 2\)/);
  });
  it("decoded filters are independent of the input bytes", () => {
    const bytes = goldenFilter().toBytes();
    const filter = BloomFilter.fromBytes(bytes);
    bytes.fill(0, HEADER);
    expect(filter.has("alice")).toBe(true);
    filter.add("carol");
    expect(BloomFilter.fromBytes(goldenFilter().toBytes()).equals(goldenFilter())).toBe(true);
  });
  it("travels in an envelope", () => {
    const envelope = createEnvelope({ codecs: [BloomFilter.codec, CountMinSketch.codec] });
    const state = new Map([
      ["logins", goldenFilter()],
      ["big", build({ capacity: 10_000, falsePositiveRate: 0.001, seed: 9 })(["x", "y"])],
    ]);
    const decoded = envelope.decode(envelope.encode(state)) as Map<string, BloomFilter>;
    expect(decoded.get("logins")?.equals(goldenFilter())).toBe(true);
    expect(decoded.get("big")?.has("y")).toBe(true);
    expect(BloomFilter.codec.is(goldenFilter())).toBe(true);
    expect(BloomFilter.codec.is(new CountMinSketch({ width: 1, depth: 1 }))).toBe(false);
  });
});

describe("BloomFilter probes without the zero-step flaw", () => {
  // Plain double hashing (version 1) walks g_i = a + i b: a key whose
  // second half is 0 mod m puts all k probes on one bit. Version 2 adds the
  // tetrahedral offsets 0, 1, 4, 10, 20, ..., i(i+1)(i+2)/6, distinct mod m
  // whenever m exceeds the last one, (k-1)k(k+1)/6 (45,760 for k = 64).
  it("a key whose second hash is 0 mod m sets k distinct bits", () => {
    const random = uniform(0x2e70);
    for (let k = 1; k <= 64; k++) {
      const smallest = ((k - 1) * k * (k + 1)) / 6 + 1;
      for (const m of [Math.max(k, smallest), smallest + 1 + Math.floor(random() * 5000), 958_506, 14_377_588]) {
        const lo = Math.floor(random() * 2 ** 32) | 0;
        for (const hi of [0, m, 2 * m].filter((h) => h < 2 ** 32)) {
          const filter = new BloomFilter({ bits: m, hashes: k }).addHashed({ lo, hi: hi | 0 });
          expect(filter.bitCount, `m=${m} k=${k} hi=${hi}`).toBe(k);
        }
      }
    }
  });
  it("the same key on a version-1 filter still sets one bit, as version 1 always did", () => {
    const v1 = versionOne(new BloomFilter({ bits: 1000, hashes: 7 }));
    expect(v1.addHashed({ lo: 12345, hi: 0 }).bitCount).toBe(1);
    expect(new BloomFilter({ bits: 1000, hashes: 7 }).addHashed({ lo: 12345, hi: 0 }).bitCount).toBe(7);
  });
  it("on realistic shapes, fewer than k distinct bits per key is as rare as for independent hashes", () => {
    // k probes into m bits collide (some two equal) with probability about
    // k(k-1)/(2m) for independent uniform hashes: 2.2e-5 for k = 7,
    // m = 958,506. Over 20,000 keys that is 0.44 expected keys.
    let short = 0;
    for (let i = 0; i < 20_000; i++) {
      const hash = hash64(`key-${i}`);
      if (new Set(referencePositions(hash & 0xffffffffn, hash >> 32n, 958_506, 7)).size < 7) short++;
    }
    expect(short).toBeLessThanOrEqual(5);
  });
});

/** The same filter as a version-1 filter: its image with the version byte set to 1, decoded. */
function versionOne(filter: BloomFilter): BloomFilter {
  const bytes = filter.toBytes();
  bytes[3] = 1;
  return BloomFilter.fromBytes(bytes);
}

describe("BloomFilter version-1 images", () => {
  // Images and has() answers written by the version-1 code before version 2
  // existed (test/fixtures/capture-bloom-v1.ts).
  interface FixtureCase {
    readonly options: BloomFilterOptions;
    readonly added: readonly (string | number)[];
    readonly queried: readonly (string | number)[];
    readonly positives: readonly number[];
    readonly image: string;
  }
  const fixture = JSON.parse(readFileSync(new URL("./fixtures/bloom-v1.json", import.meta.url), "utf8")) as {
    readonly cases: Record<string, FixtureCase>;
  };
  const decode = (hex: string) => BloomFilter.fromBytes(Uint8Array.from(Buffer.from(hex, "hex")));
  for (const [name, { options, added, queried, positives, image }] of Object.entries(fixture.cases)) {
    it(`${name}: decodes and answers has() as the version-1 code did`, () => {
      const filter = decode(image);
      const shape = new BloomFilter(options);
      expect([filter.bits, filter.hashes, filter.seed]).toEqual([shape.bits, shape.hashes, shape.seed]);
      for (const item of added) expect(filter.has(item)).toBe(true);
      const answered: number[] = [];
      queried.forEach((item, i) => {
        if (filter.has(item)) answered.push(i);
      });
      expect(answered).toEqual(positives);
      // Its bits are the version-1 reference's, and it writes version 1 back, byte for byte.
      if (added.every((item) => typeof item === "string")) {
        expectSameBytes(bitArray(filter), referenceBits(added as string[], filter.bits, filter.hashes, filter.seed, 1));
      }
      expect(Buffer.from(filter.toBytes()).toString("hex")).toBe(image);
      expect(filter.describe()).toBe(`${shape.describe().slice(0, -1)}, probes=v1)`);
    });
  }
  it("a version-1 filter keeps its probes when added to, cloned and re-encoded", () => {
    const { image, added } = fixture.cases["capacity 1000 at 1%"] as FixtureCase;
    const filter = decode(image);
    const rebuilt = versionOne(new BloomFilter({ bits: filter.bits, hashes: filter.hashes, seed: filter.seed }));
    for (const item of added) rebuilt.add(item);
    expect(rebuilt.equals(filter)).toBe(true);
    const more = filter.clone().add("carol").add(7);
    expect(BloomFilter.fromBytes(more.toBytes()).equals(more)).toBe(true);
    expect(more.toBytes()[3]).toBe(1);
    expectSameBytes(bitArray(more), bitArray(decode(image).add("carol").add(7)));
    expect([more.has("carol"), more.has(7), filter.has("carol")]).toEqual([true, true, false]);
  });
  it("a version-1 filter merges only with version-1 filters of its shape, and says why", () => {
    const { image } = fixture.cases["64 bits, 3 hashes, seed 0x5eed"] as FixtureCase;
    const v1 = decode(image);
    const v2 = new BloomFilter({ bits: 64, hashes: 3, seed: 0x5eed }).add("carol");
    expect(v1.equals(v2)).toBe(false);
    for (const [a, b] of [[v1.clone(), v2], [v2.clone(), v1]] as const) {
      expect(() => a.merge(b)).toThrow(ParameterMismatchError);
      expect(() => a.merge(b)).toThrow(/probe schemes differ: a filter decoded from a version-1 image merges only with version-1 filters/);
    }
    expect(() => v1.clone().merge(v2)).toThrow("cannot combine BloomFilter(bits=64, hashes=3, seed=0x5eed, probes=v1) with BloomFilter(bits=64, hashes=3, seed=0x5eed)");
    const other = versionOne(new BloomFilter({ bits: 64, hashes: 3, seed: 0x5eed })).add("dave");
    const merged = v1.clone().merge(other);
    expect([merged.has("alice"), merged.has("dave"), merged.bitCount >= v1.bitCount]).toEqual([true, true, true]);
    expect(() => v1.clone().merge(versionOne(new BloomFilter({ bits: 64, hashes: 4, seed: 0x5eed })))).toThrow(ParameterMismatchError);
    // The monoid is over version-2 filters.
    const union = BloomFilter.monoid({ bits: 64, hashes: 3, seed: 0x5eed });
    expect(() => union.combine(v1, union.empty)).toThrow(/probe schemes differ/);
    expect(() => union.combineAll([v1, other])).toThrow(ParameterMismatchError);
  });
});

describe("BloomFilter estimate of distinct items", () => {
  // Coverage over seeded trials: each trial fills a fresh filter with n
  // distinct items of its own, and the interval must hold n. With T trials
  // at nominal coverage c, the count of covering trials has standard
  // deviation sqrt(T c (1 - c)); each shape's coverage must be within 4 of
  // them below c, and the pooled coverage within 4 pooled deviations above
  // c plus 0.02 (the half-bit continuity correction and the integer
  // hard bound make small fills a little conservative), so that a method
  // with needlessly wide intervals fails too.
  const shapes: { options: BloomFilterOptions; loads: number[] }[] = [
    { options: { capacity: 1000, falsePositiveRate: 0.01 }, loads: [10, 100, 1000, 3000] },
    { options: { bits: 64, hashes: 3 }, loads: [5, 20, 60] },
    { options: { capacity: 20_000, falsePositiveRate: 0.001 }, loads: [20_000] },
  ];
  for (const confidence of [0.95, 0.8]) {
    it(`covers the true count about ${confidence * 100} % of the time, from nearly empty to overfilled`, () => {
      const trials = 150;
      let pooled = 0;
      let total = 0;
      const report: string[] = [];
      for (const { options, loads } of shapes) {
        for (const n of loads) {
          let covered = 0;
          for (let t = 0; t < trials; t++) {
            const filter = new BloomFilter(options);
            for (let i = 0; i < n; i++) filter.add(`trial-${t}-item-${i}`);
            const estimate = filter.estimate(confidence);
            expect(estimate.probability).toBe(confidence);
            expect(estimate.lower).toBeGreaterThanOrEqual(Math.ceil(filter.bitCount / filter.hashes));
            if (estimate.contains(n)) covered++;
          }
          report.push(`${JSON.stringify(options)} n=${n}: ${covered}/${trials}`);
          expect(covered / trials, `${JSON.stringify(options)} n=${n}`).toBeGreaterThanOrEqual(confidence - 4 * Math.sqrt((confidence * (1 - confidence)) / trials));
          pooled += covered;
          total += trials;
        }
      }
      console.log(`BloomFilter estimate(${confidence}) coverage: ${report.join("; ")}; pooled ${(pooled / total).toFixed(3)}`);
      expect(pooled / total).toBeLessThanOrEqual(confidence + 0.02 + 4 * Math.sqrt((confidence * (1 - confidence)) / total));
    });
  }
  it("is an ordered interval for every shape and fill, tiny and full filters included", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 300 }),
        fc.integer({ min: 1, max: 64 }),
        fc.integer({ min: 0, max: 400 }),
        fc.double({ min: 0.01, max: 0.999, noNaN: true }),
        (bits, hashes, n, confidence) => {
          const filter = new BloomFilter({ bits, hashes });
          for (let i = 0; i < n; i++) filter.add(i);
          const { estimate, lower, upper } = filter.estimate(confidence);
          expect(lower).toBeLessThanOrEqual(estimate);
          expect(estimate).toBeLessThanOrEqual(upper);
          expect(lower).toBeGreaterThanOrEqual(Math.ceil(filter.bitCount / hashes));
          expect(Number.isNaN(lower) || Number.isNaN(upper)).toBe(false);
          if (filter.bitCount === bits) expect([estimate, upper]).toEqual([Infinity, Infinity]);
        },
      ),
      { numRuns: 500 },
    );
  });
  it("narrows as confidence drops and brackets its point estimate", () => {
    const filter = new BloomFilter({ capacity: 1000, falsePositiveRate: 0.01 });
    for (let i = 0; i < 800; i++) filter.add(`user-${i}`);
    const wide = filter.estimate(0.99);
    const narrow = filter.estimate(0.5);
    expect(wide.estimate).toBe(narrow.estimate);
    expect(wide.lower).toBeLessThan(narrow.lower);
    expect(wide.upper).toBeGreaterThan(narrow.upper);
    expect(narrow.lower).toBeLessThanOrEqual(narrow.estimate);
    expect(() => filter.estimate(1)).toThrow(InvalidArgumentError);
  });
});
