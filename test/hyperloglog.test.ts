import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createEnvelope } from "../src/codec/index.js";
import { InvalidArgumentError, ParameterMismatchError } from "../src/errors.js";
import { HashedKey, hash64, REDIS_HLL_SEED } from "../src/hashing/index.js";
import { codecLaws, monoidLaws } from "../src/laws/index.js";
import { HyperLogLog, type HyperLogLogOptions } from "../src/sketches/index.js";
import { StorageArena } from "../src/storage-arena.js";
import { mulberry32 } from "./support/random.js";
import { registerLaws, decodeErrorCode } from "./support/checks.js";

const build = (precision: number) => (items: readonly string[]) => {
  const sketch = new HyperLogLog({ precision });
  for (const item of items) sketch.add(item);
  return sketch;
};
const sketchOptions = { equals: (a: HyperLogLog, b: HyperLogLog) => a.equals(b), clone: (s: HyperLogLog) => s.clone() };
const itemLists = fc.array(fc.string({ maxLength: 8 }), { maxLength: 200 });

// Redis's register rule, written independently with BigInt: index = low p
// bits of the hash; value = 1 + trailing zeros of (hash >> p | 1 << (64 - p)).
function referenceRegisters(items: readonly string[], precision: number): Uint8Array {
  const registers = new Uint8Array(1 << precision);
  for (const item of items) {
    const hash = hash64(item);
    const index = Number(hash & BigInt((1 << precision) - 1));
    let rest = (hash >> BigInt(precision)) | (1n << BigInt(64 - precision));
    let value = 1;
    while ((rest & 1n) === 0n) {
      rest >>= 1n;
      value++;
    }
    registers[index] = Math.max(registers[index] as number, value);
  }
  return registers;
}

/**
 * Register arrays compared in one pass (toEqual walks a typed array element
 * by element through its generic equality: seconds for 2^18 registers); a
 * failure names the first register that differs.
 */
function expectSameRegisters(actual: Uint8Array, expected: Uint8Array): void {
  expect(actual.length).toBe(expected.length);
  const at = actual.findIndex((value, i) => value !== expected[i]);
  expect(at === -1 ? "same registers" : `register ${at} is ${actual[at]}, expected ${expected[at]}`).toBe("same registers");
}

describe("HyperLogLog registers", () => {
  it("follow Redis's rule (independent BigInt reference), sparse and dense alike", () => {
    fc.assert(
      fc.property(fc.array(fc.string(), { maxLength: 3000 }), fc.constantFrom(4, 10, 12, 14, 18), (items, precision) => {
        expectSameRegisters(build(precision)(items).registers(), referenceRegisters(items, precision));
      }),
      { numRuns: 40 },
    );
  });
  it("switch from sparse to dense invisibly", () => {
    const sketch = new HyperLogLog({ precision: 14 });
    const items: string[] = [];
    for (let i = 0; i < 5000; i++) {
      items.push(`k${i}`);
      sketch.add(`k${i}`);
      if (i === 100) expect(sketch.isSparse).toBe(true);
    }
    expect(sketch.isSparse).toBe(false);
    expectSameRegisters(sketch.registers(), referenceRegisters(items, 14));
  });
  it("add(string) equals addHashed of the string's HashedKey", () => {
    const a = new HyperLogLog();
    const b = new HyperLogLog();
    const key = new HashedKey();
    for (let i = 0; i < 2000; i++) {
      a.add(`ip-${i}`);
      b.addHashed(key.set(`ip-${i}`));
    }
    expect(a.equals(b)).toBe(true);
  });
  it("add of any Hashable (string, bytes, number, bigint) equals addHashed of its HashedKey", () => {
    const item = fc.oneof(fc.string({ unit: "binary" }), fc.uint8Array({ maxLength: 20 }), fc.double(), fc.integer(), fc.bigInt({ min: -(2n ** 80n), max: 2n ** 80n }));
    fc.assert(
      fc.property(fc.array(item, { maxLength: 400 }), fc.constantFrom(4, 12, 14), (items, precision) => {
        const a = new HyperLogLog({ precision });
        const b = new HyperLogLog({ precision });
        const key = new HashedKey();
        for (const value of items) {
          a.add(value);
          b.addHashed(key.set(value));
        }
        expectSameRegisters(a.registers(), b.registers());
      }),
      { numRuns: 60 },
    );
  });
  it("a ~100-item sketch serializes well under 1 KB", () => {
    const sketch = build(14)(Array.from({ length: 100 }, (_, i) => `user-${i}`));
    expect(sketch.toBytes().length).toBeLessThan(512);
    expect(sketch.sizeInBytes).toBeLessThan(2048);
  });
});

describe("HyperLogLog merge", () => {
  it("is commutative and idempotent", () => {
    fc.assert(
      fc.property(itemLists, itemLists, (x, y) => {
        const a = build(12)(x);
        const b = build(12)(y);
        expect(a.clone().merge(b).equals(b.clone().merge(a))).toBe(true);
        expect(a.clone().merge(a).equals(a)).toBe(true);
      }),
    );
  });
  it("folds a larger precision into a smaller one exactly", () => {
    fc.assert(
      fc.property(fc.array(fc.string(), { maxLength: 3000 }), fc.integer({ min: 4, max: 17 }), fc.integer({ min: 1, max: 4 }), (items, small, extra) => {
        const large = Math.min(18, small + extra);
        const direct = build(small)(items);
        expect(new HyperLogLog({ precision: small }).merge(build(large)(items)).equals(direct)).toBe(true);
        // The receiver folds itself down when the argument is smaller.
        const folded = build(large)(items).merge(new HyperLogLog({ precision: small }));
        expect(folded.precision).toBe(small);
        expect(folded.equals(direct)).toBe(true);
      }),
      { numRuns: 40 },
    );
  });
  it("refuses sketches of different seeds, naming both", () => {
    const a = new HyperLogLog();
    const b = new HyperLogLog({ seed: 1 });
    expect(() => a.merge(b)).toThrow(ParameterMismatchError);
    expect(() => a.merge(b)).toThrow("HyperLogLog(precision=14, seed=0xadc83b19) with HyperLogLog(precision=14, seed=0x1)");
  });
  it("splitting a stream across workers and merging gives the single-worker registers", () => {
    fc.assert(
      fc.property(fc.array(fc.string(), { maxLength: 4000 }), fc.integer({ min: 1, max: 8 }), (items, workers) => {
        const parts = Array.from({ length: workers }, () => new HyperLogLog());
        items.forEach((item, i) => parts[i % workers]?.add(item));
        expect(HyperLogLog.monoid().combineAll(parts).equals(build(14)(items))).toBe(true);
      }),
      { numRuns: 30 },
    );
  });
});

registerLaws("monoid laws: HyperLogLog.monoid({ precision: 10 }) (dense)", monoidLaws(HyperLogLog.monoid({ precision: 10 }), itemLists.map(build(10)), sketchOptions));
registerLaws("monoid laws: HyperLogLog.monoid({ precision: 14 }) (sparse and dense)", monoidLaws(HyperLogLog.monoid({ precision: 14 }), fc.array(fc.string({ maxLength: 6 }), { maxLength: 1500 }).map(build(14)), sketchOptions));
registerLaws("codec laws: HyperLogLog image", codecLaws(HyperLogLog.codec, itemLists.map(build(12)), { ...sketchOptions, semigroup: HyperLogLog.monoid({ precision: 12 }) }));
registerLaws("codec laws: HyperLogLog dense image", codecLaws(HyperLogLog.codec, fc.array(fc.string(), { minLength: 900, maxLength: 1200 }).map(build(11)), sketchOptions));

describe("HyperLogLog accuracy (seeded trials)", () => {
  // Random 64-bit hashes stand in for distinct items: they exercise the
  // estimator itself. (The real hash on real keys is checked separately.)
  function trial(precision: number, n: number, next: () => number): HyperLogLog {
    const sketch = new HyperLogLog({ precision });
    const key = { hi: 0, lo: 0 };
    for (let i = 0; i < n; i++) {
      key.hi = next();
      key.lo = next();
      sketch.addHashed(key);
    }
    return sketch;
  }
  const plan: [precision: number, n: number, trials: number][] = [
    [8, 100, 300], [8, 1000, 300], [8, 10_000, 200], [8, 100_000, 60],
    [11, 100, 300], [11, 1000, 300], [11, 10_000, 200], [11, 100_000, 60], [11, 1_000_000, 12],
    [14, 100, 200], [14, 1000, 200], [14, 10_000, 120], [14, 100_000, 40], [14, 1_000_000, 12],
  ];
  interface Trials {
    /** Mean of (estimate - n) / n. */
    readonly meanRelativeError: number;
    /** Trials whose 95 % interval holds n. */
    readonly inside: number;
    /** Trials whose rounded estimate differs from cardinality() (must be none). */
    readonly roundingMismatches: number;
  }
  // The trials of one plan row, seeded by the row: a pure function of its
  // arguments, memoized so the coverage test and the per-row tests share the
  // work whatever order they run in (each computes what it needs when alone).
  const results = new Map<string, Trials>();
  function trials(precision: number, n: number, count: number): Trials {
    const id = `${precision}/${n}/${count}`;
    const known = results.get(id);
    if (known !== undefined) return known;
    const next = mulberry32(precision * 1_000_003 + n);
    let sum = 0;
    let inside = 0;
    let roundingMismatches = 0;
    for (let t = 0; t < count; t++) {
      const sketch = trial(precision, n, next);
      const approximate = sketch.estimate(0.95);
      if (Math.round(approximate.estimate) !== sketch.cardinality()) roundingMismatches++;
      sum += (approximate.estimate - n) / n;
      if (approximate.contains(n)) inside++;
    }
    const result = { meanRelativeError: sum / count, inside, roundingMismatches };
    results.set(id, result);
    return result;
  }
  for (const [precision, n, count] of plan) {
    it(`precision ${precision}, n = ${n}: unbiased within 4 standard errors of the mean over ${count} trials`, () => {
      const { meanRelativeError, roundingMismatches } = trials(precision, n, count);
      expect(roundingMismatches).toBe(0);
      // The relative error has standard deviation at most ~1.04/sqrt(m), so its
      // mean over `count` independent sketches has at most that / sqrt(count).
      const bound = (4 * 1.04) / Math.sqrt(2 ** precision) / Math.sqrt(count);
      expect(Math.abs(meanRelativeError)).toBeLessThanOrEqual(bound);
    }, 30_000);
  }
  it("95% bounds contain the truth at least 95% of the time over every trial of the plan (Hoeffding slack)", () => {
    let inside = 0;
    let total = 0;
    for (const [precision, n, count] of plan) {
      inside += trials(precision, n, count).inside;
      total += count;
    }
    expect(total).toBeGreaterThan(2000);
    // P(observed < promised - slack) <= exp(-2 T slack^2) = 1e-4.
    const slack = Math.sqrt(Math.log(1e4) / (2 * total));
    expect(inside / total).toBeGreaterThanOrEqual(0.95 - slack);
  }, 60_000);
  it("real string keys through the real hash: 10^5 distinct user ids within 4 sigma at p = 14", () => {
    const sketch = new HyperLogLog();
    for (let i = 0; i < 100_000; i++) sketch.add(`user-${i}`);
    expect(Math.abs(sketch.cardinality() - 100_000) / 100_000).toBeLessThanOrEqual(4 * sketch.relativeStandardError);
  });
  it("small counts are exact or nearly so, and the lower bound never exceeds the truth", () => {
    for (let n = 0; n <= 50; n++) {
      const sketch = build(14)(Array.from({ length: n }, (_, i) => `x${i}`));
      expect(Math.abs(sketch.cardinality() - n)).toBeLessThanOrEqual(1);
      expect(sketch.estimate(0.99).lower).toBeLessThanOrEqual(n);
    }
  });
  it("estimate rejects a confidence outside (0, 1)", () => {
    expect(() => new HyperLogLog().estimate(1)).toThrow(InvalidArgumentError);
  });
});

describe("HyperLogLog images", () => {
  it("golden bytes: sparse image", () => {
    const sketch = build(12)(["alice", "bob"]);
    const hex = Buffer.from(sketch.toBytes()).toString("hex");
    // preamble | p=12, reserved, seed 0xadc83b19 | 2 entries | (index << 8 | value) x 2
    expect(hex).toBe("50540101010000000c000000193bc8ad02000000" + hex.slice(40));
    const entries = referenceRegisters(["alice", "bob"], 12);
    const expected = [...entries.entries()].filter(([, v]) => v > 0).map(([i, v]) => i * 256 + v);
    const view = new DataView(sketch.toBytes().buffer);
    expect([view.getUint32(20, true), view.getUint32(24, true)]).toEqual(expected);
    // Frozen: a changed image breaks every stored sketch.
    expect(hex).toBe("50540101010000000c000000193bc8ad02000000" + "083d0500" + "02ba0e00");
  });
  it("golden bytes: dense image", () => {
    const sketch = build(4)(["a", "b", "c", "d", "e", "f", "g", "h"]);
    // preamble (flags 0: dense) | p=4, reserved, seed | 16 registers x 6 bits (frozen)
    expect(Buffer.from(sketch.toBytes()).toString("hex")).toBe("5054010100000000" + "04000000193bc8ad" + "000000420008011000012000");
    expect(sketch.toBytes().length).toBe(16 + 12);
    expectSameRegisters(HyperLogLog.fromBytes(sketch.toBytes()).registers(), referenceRegisters(["a", "b", "c", "d", "e", "f", "g", "h"], 4));
  });
  it("fuzz: every truncation is rejected, bit flips and random bytes never crash", () => {
    fc.assert(
      fc.property(itemLists, fc.constantFrom(4, 12), fc.nat(), (items, precision, at) => {
        const bytes = build(precision)(items).toBytes();
        for (let length = 0; length < bytes.length; length += 1 + (length >> 4)) {
          expect(decodeErrorCode(() => HyperLogLog.fromBytes(bytes.subarray(0, length)))).not.toBe("no error");
        }
        const flipped = bytes.slice();
        const bit = at % (bytes.length * 8);
        flipped[bit >> 3] = (flipped[bit >> 3] as number) ^ (1 << (bit & 7));
        decodeErrorCode(() => HyperLogLog.fromBytes(flipped));
      }),
    );
    fc.assert(fc.property(fc.uint8Array({ maxLength: 80 }), (bytes) => void decodeErrorCode(() => HyperLogLog.fromBytes(bytes))));
  });
  it("rejects inconsistent fields with a typed error", () => {
    const bytes = build(12)(["alice", "bob"]).toBytes();
    const view = new DataView(bytes.buffer);
    const withField = (offset: number, value: number, size: 1 | 4) => {
      const copy = bytes.slice();
      const v = new DataView(copy.buffer);
      if (size === 1) v.setUint8(offset, value);
      else v.setUint32(offset, value, true);
      return copy;
    };
    expect(decodeErrorCode(() => HyperLogLog.fromBytes(withField(8, 3, 1)))).toBe("invalid-field"); // precision 3
    expect(decodeErrorCode(() => HyperLogLog.fromBytes(withField(16, 0xffffffff, 4)))).toBe("invalid-field"); // entry count
    expect(decodeErrorCode(() => HyperLogLog.fromBytes(withField(16, 3, 4)))).toBe("too-large"); // 3 entries, 2 present
    expect(decodeErrorCode(() => HyperLogLog.fromBytes(withField(20, view.getUint32(24, true), 4)))).toBe("invalid-field"); // not increasing
    expect(decodeErrorCode(() => HyperLogLog.fromBytes(withField(20, (5 << 8) | 60, 4)))).toBe("invalid-field"); // value 60 > 53
    expect(decodeErrorCode(() => HyperLogLog.fromBytes(Uint8Array.from([...bytes, 0])))).toBe("length-mismatch");
    expect(decodeErrorCode(() => HyperLogLog.fromBytes(withField(2, 2, 1)))).toBe("wrong-family");
  });
  it("travels in an envelope", () => {
    const envelope = createEnvelope({ codecs: [HyperLogLog.codec] });
    const state = new Map([["prod_db", build(14)(["alice", "bob"])], ["vpn", build(14)(["carol"])]]);
    const restored = envelope.decode(envelope.encode(state)) as Map<string, HyperLogLog>;
    expect(restored.get("prod_db")?.equals(state.get("prod_db") as HyperLogLog)).toBe(true);
    expect(restored.get("vpn")?.cardinality()).toBe(1);
  });
});

describe("Redis HYLL strings", () => {
  it("round-trip sparse and dense", () => {
    fc.assert(
      fc.property(fc.array(fc.string(), { maxLength: 6000 }), (items) => {
        const sketch = build(14)(items);
        const bytes = sketch.toRedisBytes();
        expect(bytes[4]).toBe(items.length < 400 ? 1 : bytes[4]);
        expect(HyperLogLog.fromRedisBytes(bytes).equals(sketch)).toBe(true);
      }),
      { numRuns: 30 },
    );
  });
  it("an empty sketch is header + XZERO(16384): 18 bytes", () => {
    expect(Buffer.from(new HyperLogLog().toRedisBytes()).toString("hex")).toBe("48594c4c01000000000000000000008" + "07fff");
  });
  it("a register above 32 forces the dense encoding", () => {
    const sketch = new HyperLogLog();
    sketch.addHashed({ hi: 0, lo: 5 }); // all-zero high bits: value 51
    const bytes = sketch.toRedisBytes();
    expect(bytes[4]).toBe(0);
    expect(bytes.length).toBe(12304);
    expect(HyperLogLog.fromRedisBytes(bytes).registers()[5]).toBe(51);
  });
  it("fuzz: malformed strings throw DecodeError, never anything else", () => {
    const sparse = build(14)(["a", "b", "c"]).toRedisBytes();
    fc.assert(
      fc.property(fc.nat(), fc.nat(), (at, cut) => {
        const flipped = sparse.slice();
        const bit = at % (sparse.length * 8);
        flipped[bit >> 3] = (flipped[bit >> 3] as number) ^ (1 << (bit & 7));
        decodeErrorCode(() => HyperLogLog.fromRedisBytes(flipped));
        expect(decodeErrorCode(() => HyperLogLog.fromRedisBytes(sparse.subarray(0, cut % sparse.length)))).not.toBe("no error");
      }),
    );
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => void decodeErrorCode(() => HyperLogLog.fromRedisBytes(Uint8Array.from([0x48, 0x59, 0x4c, 0x4c, ...bytes])))));
    expect(decodeErrorCode(() => HyperLogLog.fromRedisBytes(new Uint8Array(12303).fill(0).map((_, i) => [0x48, 0x59, 0x4c, 0x4c][i] ?? 0)))).toBe("truncated");
    expect(decodeErrorCode(() => HyperLogLog.fromRedisBytes(Uint8Array.from([0x48, 0x59, 0x4c, 0x4c, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])))).toBe("invalid-field");
    // Two XZERO(16384) opcodes describe too many registers.
    expect(decodeErrorCode(() => HyperLogLog.fromRedisBytes(Uint8Array.from([...sparse.subarray(0, 16), 0x7f, 0xff, 0x7f, 0xff])))).toBe("invalid-field");
  });
  it("toRedisBytes refuses other precisions and seeds", () => {
    expect(() => new HyperLogLog({ precision: 12 }).toRedisBytes()).toThrow(ParameterMismatchError);
    expect(() => new HyperLogLog({ seed: 0 }).toRedisBytes()).toThrow(/Redis HyperLogLog/);
  });
});

describe("HyperLogLog arguments", () => {
  it("validates precision and seed", () => {
    expect(() => new HyperLogLog({ precision: 3 })).toThrow(InvalidArgumentError);
    expect(() => new HyperLogLog({ precision: 19 })).toThrow(/4 to 18/);
    expect(() => new HyperLogLog({ precision: 12.5 })).toThrow(InvalidArgumentError);
    expect(() => new HyperLogLog({ seed: -1 })).toThrow(InvalidArgumentError);
    expect(() => new HyperLogLog({ seed: 2 ** 32 })).toThrow(InvalidArgumentError);
    expect(new HyperLogLog().seed).toBe(REDIS_HLL_SEED);
  });
  it("rejects an unknown option key, naming it, in the constructor and the monoid", () => {
    const misspelt = { precison: 12 } as HyperLogLogOptions;
    expect(() => new HyperLogLog(misspelt)).toThrow(InvalidArgumentError);
    expect(() => new HyperLogLog(misspelt)).toThrow(/"precison"/);
    expect(() => HyperLogLog.monoid(misspelt)).toThrow(/"precison"/);
    expect(() => new HyperLogLog({ precision: 12, storage: {} } as HyperLogLogOptions)).toThrow(/"storage"/);
    expect(() => new HyperLogLog(null as unknown as HyperLogLogOptions)).toThrow(InvalidArgumentError);
    // The known keys, with undefined values, still mean the defaults.
    expect(new HyperLogLog({ precision: undefined, seed: undefined }).describe()).toBe("HyperLogLog(precision=14, seed=0xadc83b19)");
  });
  it("monoid takes the constructor's options: its empty sketch has that precision and seed", () => {
    expect(HyperLogLog.monoid({ precision: 12, seed: 7 }).empty.describe()).toBe("HyperLogLog(precision=12, seed=0x7)");
    expect(HyperLogLog.monoid().empty.equals(new HyperLogLog())).toBe(true);
  });
});

describe("HyperLogLog storage", () => {
  /** A storage that counts what it hands out. */
  function countingStorage() {
    const storage = {
      calls: 0,
      bytes: 0,
      allocate(byteLength: number): Uint8Array<ArrayBuffer> {
        storage.calls++;
        storage.bytes += byteLength;
        return new Uint8Array(byteLength);
      },
    };
    return storage;
  }
  it("allocates the registers from the constructor's storage, also when the sparse table grows and turns dense", () => {
    const storage = countingStorage();
    const sketch = new HyperLogLog({}, storage);
    expect(storage.calls).toBe(1);
    for (let i = 0; i < 5000; i++) sketch.add(`k${i}`);
    expect(sketch.isSparse).toBe(false);
    // The initial table, its growths, then the dense registers.
    expect(storage.calls).toBeGreaterThan(2);
    expect(storage.bytes).toBeGreaterThanOrEqual(16384);
  });
  it("a clone never allocates from the receiver's storage, then or when it grows later", () => {
    for (const size of [10, 5000]) {
      const storage = countingStorage();
      const sketch = new HyperLogLog({}, storage);
      for (let i = 0; i < size; i++) sketch.add(`k${i}`);
      const before = storage.calls;
      const copy = sketch.clone();
      for (let i = 0; i < 5000; i++) copy.add(`more${i}`); // grows the sparse table, then turns dense
      expect([size, storage.calls]).toEqual([size, before]);
      expect(copy.isSparse).toBe(false);
      // Nor do the monoid's results, which are clones of the first operand.
      HyperLogLog.monoid().combine(sketch, sketch).add("x");
      expect([size, storage.calls]).toEqual([size, before]);
      // The original still holds its own registers.
      expectSameRegisters(sketch.registers(), build(14)(Array.from({ length: size }, (_, i) => `k${i}`)).registers());
    }
  });
});

describe("HyperLogLog monoid and merge guards", () => {
  it("validates the monoid's parameters up front and refuses other seeds", () => {
    expect(() => HyperLogLog.monoid({ precision: 99 })).toThrow(InvalidArgumentError);
    const monoid = HyperLogLog.monoid({ precision: 14, seed: 1 });
    const defaultSeed = new HyperLogLog().add("a");
    expect(() => monoid.combine(defaultSeed, defaultSeed)).toThrow(ParameterMismatchError);
    expect(() => monoid.combineAll([defaultSeed])).toThrow(ParameterMismatchError);
  });
  it("merge refuses a non-sketch with ParameterMismatchError and equals returns false", () => {
    expect(() => new HyperLogLog().merge({} as HyperLogLog)).toThrow(ParameterMismatchError);
    expect(new HyperLogLog().equals(undefined as unknown as HyperLogLog)).toBe(false);
  });
});

describe("HyperLogLog cardinality after interleaved updates", () => {
  it("cardinality() after any mix of adds, merges, folds, clones and round trips equals a sketch built in one go", () => {
    // The register histogram is built lazily, marked stale by sparse writes and
    // kept incrementally by dense ones; cardinality() runs only at "count" steps, so
    // operations also follow each other with the histogram stale or never built.
    const items = fc.array(fc.integer({ min: 0, max: 6000 }), { maxLength: 700 });
    const step = fc.oneof(
      fc.record({ kind: fc.constant("add" as const), items }),
      fc.record({ kind: fc.constant("count" as const) }),
      fc.record({ kind: fc.constant("merge" as const), items }),
      fc.record({ kind: fc.constant("merge-finer" as const), items }),
      fc.record({ kind: fc.constant("merge-coarser" as const), items }),
      fc.record({ kind: fc.constant("merge-self" as const) }),
      fc.record({ kind: fc.constant("clone" as const) }),
      fc.record({ kind: fc.constant("bytes" as const) }),
    );
    fc.assert(
      fc.property(fc.constantFrom(11, 12, 14, 18), fc.boolean(), fc.array(step, { maxLength: 10 }), (start, inArena, steps) => {
        // Built in an arena or not: the storage must not change the answers.
        let sketch = new HyperLogLog({ precision: start }, inArena ? new StorageArena() : undefined);
        let precision: number = start;
        const all: string[] = [];
        for (const s of steps) {
          const keys = "items" in s ? s.items.map((n) => `k${n}`) : [];
          if (s.kind === "add") for (const key of keys) sketch.add(key);
          else if (s.kind === "merge") sketch.merge(build(precision)(keys));
          else if (s.kind === "merge-finer") sketch.merge(build(Math.min(18, precision + 2))(keys));
          else if (s.kind === "merge-coarser") {
            precision = Math.max(4, precision - 3);
            sketch.merge(build(precision)(keys));
          } else if (s.kind === "merge-self") sketch.merge(sketch);
          else if (s.kind === "clone") sketch = sketch.clone();
          else if (s.kind === "bytes") sketch = HyperLogLog.fromBytes(sketch.toBytes());
          else expect(sketch.cardinality()).toBe(build(precision)(all).cardinality());
          all.push(...keys);
        }
        expect(sketch.precision).toBe(precision);
        expect(sketch.cardinality()).toBe(build(precision)(all).cardinality());
        expectSameRegisters(sketch.registers(), referenceRegisters(all, precision));
      }),
      { numRuns: 200 },
    );
  });

  it("merging a sketch into itself changes nothing, sparse or dense", () => {
    for (const size of [10, 200, 600, 3000]) {
      const sketch = build(12)(Array.from({ length: size }, (_, i) => `s${i}`));
      const before = sketch.registers();
      // 200 registers at p = 12 are sparse, and twice 200 would pass the dense threshold.
      if (size === 200) expect(sketch.isSparse).toBe(true);
      expectSameRegisters(sketch.merge(sketch).registers(), before);
    }
  });
});

describe("HyperLogLog monoid bulk combine", () => {
  it("combineMany sizes the union once and still equals merging one by one (mixed precisions, sparse and dense)", () => {
    const part = fc.record({ precision: fc.constantFrom(10, 12, 13), items: fc.array(fc.integer({ min: 0, max: 20_000 }), { maxLength: 1500 }) });
    fc.assert(
      fc.property(part, fc.array(part, { maxLength: 12 }), (head, tail) => {
        const sketches = [head, ...tail].map(({ precision, items }) => build(precision)(items.map((n) => `u${n}`)));
        const images = sketches.map((sketch) => sketch.toBytes());
        const bulk = HyperLogLog.monoid({ precision: 12 }).combineMany(sketches[0] as HyperLogLog, sketches.slice(1));
        const oneByOne = (sketches[0] as HyperLogLog).clone();
        for (const sketch of sketches.slice(1)) oneByOne.merge(sketch);
        expect(bulk.equals(oneByOne)).toBe(true);
        expect(bulk.cardinality()).toBe(oneByOne.cardinality());
        const precision = Math.min(...[head, ...tail].map((p) => p.precision));
        expectSameRegisters(bulk.registers(), referenceRegisters([head, ...tail].flatMap((p) => p.items.map((n) => `u${n}`)), precision));
        // combineMany never mutates its inputs.
        expect(sketches.map((sketch) => sketch.toBytes())).toEqual(images);
      }),
      { numRuns: 120 },
    );
  });

  it("sizes the union from the inputs, and a small union stays sparse however much the inputs overlap", () => {
    // Twenty copies of one 100-register sketch at p = 12 (dense above 256):
    // the inputs' entries add up to 2,100, so the bulk path goes dense first,
    // then back to sparse, since the union holds only 100 registers.
    const part = build(12)(Array.from({ length: 100 }, (_, i) => `same-${i}`));
    const copies = Array.from({ length: 20 }, () => part.clone());
    const oneByOne = part.clone();
    for (const copy of copies) oneByOne.merge(copy);
    const bulk = HyperLogLog.monoid({ precision: 12 }).combineMany(part, copies);
    expect([oneByOne.isSparse, bulk.isSparse]).toEqual([true, true]);
    expect(bulk.equals(oneByOne)).toBe(true);
    expect(bulk.sizeInBytes).toBeLessThanOrEqual(oneByOne.sizeInBytes);
    // Twenty-four disjoint parts of 120 registers at p = 14 (dense above 1,024)
    // end dense, like a day of hourly sketches.
    const hours = Array.from({ length: 24 }, (_, h) => build(14)(Array.from({ length: 120 }, (_, i) => `h${h}-${i}`)));
    const day = HyperLogLog.monoid().combineMany(HyperLogLog.monoid().empty, hours);
    expect(day.isSparse).toBe(false);
    expectSameRegisters(day.registers(), referenceRegisters(Array.from({ length: 24 * 120 }, (_, k) => `h${Math.floor(k / 120)}-${k % 120}`), 14));
  });

  it("returns to sparse exactly when at most 2^p / 16 registers are set (256 stays sparse, 257 dense)", () => {
    // Items with distinct register indexes at p = 12, so n items set exactly n registers.
    const seen = new Set<number>();
    const items: string[] = [];
    for (let n = 0; items.length < 257; n++) {
      const index = Number(hash64(`b${n}`) & 4095n);
      if (!seen.has(index)) {
        seen.add(index);
        items.push(`b${n}`);
      }
    }
    // A sparse first operand of 256 registers and twenty copies (2^12 / 16 = 256:
    // still sparse), then the same plus one sketch holding one more register.
    const part = build(12)(items.slice(0, 256));
    const copies = Array.from({ length: 20 }, () => part.clone());
    expect(part.isSparse).toBe(true);
    for (const [extra, sparse] of [[[], true], [[build(12)(items.slice(256))], false]] as const) {
      const bulk = HyperLogLog.monoid({ precision: 12 }).combineMany(part, [...copies, ...extra]);
      expect([extra.length, bulk.isSparse]).toEqual([extra.length, sparse]);
      expectSameRegisters(bulk.registers(), referenceRegisters(items.slice(0, 256 + extra.length), 12));
    }
  });

  it("all-sparse inputs of one precision below the threshold grow the table once and equal merging one by one", () => {
    fc.assert(
      fc.property(fc.array(fc.array(fc.integer({ min: 0, max: 100_000 }), { maxLength: 60 }), { minLength: 1, maxLength: 8 }), (parts) => {
        const sketches = parts.map((items) => build(14)(items.map((n) => `s${n}`)));
        const bulk = HyperLogLog.monoid().combineMany(sketches[0] as HyperLogLog, sketches.slice(1));
        const oneByOne = (sketches[0] as HyperLogLog).clone();
        for (const sketch of sketches.slice(1)) oneByOne.merge(sketch);
        expect([bulk.isSparse, bulk.equals(oneByOne), bulk.cardinality()]).toEqual([true, true, oneByOne.cardinality()]);
      }),
      { numRuns: 100 },
    );
  });
});
