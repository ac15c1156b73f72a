import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createEnvelope } from "../src/codec/index.js";
import { InvalidArgumentError, ParameterMismatchError } from "../src/errors.js";
import { codecLaws, commutativeLaws, monoidLaws } from "../src/laws/index.js";
import { count as countAll, filter, groupBy, mapInput, aggregate, topK } from "../src/aggregators/index.js";
import { CountMinSketch, TopK, type TopKEntry, type TopKItem } from "../src/sketches/index.js";
import { topKFieldHash, topKStringHash } from "../src/sketches/top-k.js";
import { murmurHash64A, REDIS_HLL_SEED } from "../src/hashing/index.js";
import { Pseudonymizer } from "../src/compliance/pseudonyms.js";
import { uniform, zipfSampler } from "./support/random.js";
import { registerLaws, decodeErrorCode, decodesOrRejectsCleanly } from "./support/checks.js";

/** A TopK image written field by field (docs/format.md), for decoder tests. */
function topKImage(capacity: number, size: number, total: number, bound: number, entries: readonly (readonly [number, number, number, ArrayLike<number>])[]): Uint8Array {
  const parts: number[] = [0x50, 0x54, 0x04, 0x01, 0, 0, 0, 0];
  const head = new DataView(new ArrayBuffer(24));
  head.setUint32(0, capacity, true);
  head.setUint32(4, size, true);
  head.setFloat64(8, total, true);
  head.setFloat64(16, bound, true);
  parts.push(...new Uint8Array(head.buffer));
  for (const [count, error, kind, payload] of entries) {
    const e = new DataView(new ArrayBuffer(21));
    e.setFloat64(0, count, true);
    e.setFloat64(8, error, true);
    e.setUint8(16, kind);
    e.setUint32(17, payload.length, true);
    parts.push(...new Uint8Array(e.buffer), ...Array.from(payload));
  }
  return Uint8Array.from(parts);
}

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");

/** An item's identity as the summary defines it: kind and value (-0 is 0, every NaN one item, lone surrogates U+FFFD). */
function identity(item: TopKItem): string {
  if (typeof item === "string") return `s:${item.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, "\uFFFD")}`;
  if (item instanceof Uint8Array) return `b:${hex(item)}`;
  if (typeof item === "number") return `n:${item === 0 ? 0 : item}`;
  return `i:${item}`;
}

/** The string with every lone surrogate replaced by U+FFFD (String.prototype.toWellFormed, ES2024). */
const wellFormed = (text: string) => text.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, "\uFFFD");

type Stream = readonly (readonly [TopKItem, number])[];

const build = (capacity: number) => (stream: Stream) => {
  const sketch = new TopK({ capacity });
  for (const [item, count] of stream) sketch.add(item, count);
  return sketch;
};

function truthOf(...streams: Stream[]): Map<string, number> {
  const truth = new Map<string, number>();
  for (const stream of streams) for (const [item, count] of stream) truth.set(identity(item), (truth.get(identity(item)) ?? 0) + count);
  return truth;
}

/**
 * Every guarantee of a summary of `truth` (integer counts, so exact):
 * each tracked item's truth lies in [count - error, count]; error <= untracked
 * bound <= count; every untracked item's truth is at most the bound; every
 * overestimate, error and the bound are at most N / capacity; the counters
 * (free ones at the bound) sum to at most N; `estimate` agrees; `top`'s
 * `guaranteed` items really are in the true top n.
 */
function expectGuarantees(sketch: TopK, truth: Map<string, number>): void {
  let total = 0;
  for (const count of truth.values()) total += count;
  expect(sketch.totalWeight).toBe(total);
  const bound = sketch.maxUntrackedCount;
  const entries = sketch.top();
  expect(entries.length).toBe(sketch.size);
  expect(sketch.size).toBeLessThanOrEqual(sketch.capacity);
  const tracked = new Set<string>();
  let sum = 0;
  for (const entry of entries) {
    const id = identity(entry.item);
    expect(tracked.has(id)).toBe(false);
    tracked.add(id);
    const t = truth.get(id) ?? 0;
    expect(entry.count - entry.error).toBeLessThanOrEqual(t);
    expect(t).toBeLessThanOrEqual(entry.count);
    expect(entry.error).toBeGreaterThanOrEqual(0);
    expect(entry.error).toBeLessThanOrEqual(bound);
    expect(bound).toBeLessThanOrEqual(entry.count);
    expect(entry.count - t).toBeLessThanOrEqual(total / sketch.capacity);
    const estimate = sketch.estimate(entry.item);
    expect([estimate.estimate, estimate.lower, estimate.upper, estimate.probability]).toEqual([entry.count, entry.count - entry.error, entry.count, 1]);
    sum += entry.count;
  }
  expect(sum + (sketch.capacity - sketch.size) * bound).toBeLessThanOrEqual(total);
  if (sketch.size < sketch.capacity) expect(bound).toBe(0); // nothing was ever dropped
  expect(bound).toBeLessThanOrEqual(total / sketch.capacity);
  expect(sketch.errorBound).toBe(total / sketch.capacity);
  let untrackedMax = 0;
  for (const [id, t] of truth) if (!tracked.has(id)) untrackedMax = Math.max(untrackedMax, t);
  expect(untrackedMax).toBeLessThanOrEqual(bound);
  expect(untrackedMax).toBeLessThanOrEqual(total / sketch.capacity); // so anything above N / capacity is tracked
  // Metwally's guarantee: a `guaranteed` item of top(n) has a true count at
  // least that of every item outside the first n, so fewer than n items beat it.
  const descending = Float64Array.from(truth.values()).sort().reverse();
  const beating = (t: number) => {
    let low = 0;
    let high = descending.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if ((descending[mid] as number) > t) low = mid + 1;
      else high = mid;
    }
    return low;
  };
  for (let n = 1; n <= entries.length + 1; n++) {
    for (const entry of sketch.top(n)) {
      if (entry.guaranteed) expect(beating(truth.get(identity(entry.item)) ?? 0)).toBeLessThan(n);
    }
  }
}

// Items from small pools of every kind, so streams collide and overflow small capacities.
const items: fc.Arbitrary<TopKItem> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom("alice", "bob", "carol", "dave", "eve", "mallory", "", "\u00e9", "\ud83d\ude00") },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 2 }).map((b) => Uint8Array.from(b, (x) => x % 3)) },
  { weight: 1, arbitrary: fc.constantFrom(0, 1, -1, 2.5, Number.NaN, Infinity) },
  { weight: 1, arbitrary: fc.constantFrom(0n, 1n, -1n, 2n ** 64n, -(2n ** 63n) - 1n) },
);
const streams: fc.Arbitrary<Stream> = fc.array(fc.tuple(items, fc.oneof(fc.constant(1), fc.integer({ min: 0, max: 20 }))), {
  maxLength: 40,
});
const sketchOptions = { equals: (a: TopK, b: TopK) => a.equals(b), clone: (s: TopK) => s.clone() };

describe("TopK arguments", () => {
  it("rejects invalid capacities, counts, items and n with InvalidArgumentError", () => {
    for (const options of [{ capacity: 0 }, { capacity: -1 }, { capacity: 1.5 }, { capacity: 2 ** 24 + 1 }, { capacity: Number.NaN }, { capacity: "10" }, {}, null, 5]) {
      expect(() => new TopK(options as unknown as { capacity: number }), JSON.stringify(options)).toThrow(InvalidArgumentError);
    }
    expect(() => new TopK({ capacity: 0 })).toThrow(/capacity must be an integer in \[1, 16777216\], got 0/);
    expect(() => TopK.monoid({ capacity: 0 })).toThrow(InvalidArgumentError);
    // Unknown option keys are rejected, not ignored.
    expect(() => new TopK({ capacity: 3, capacty: 4 } as unknown as { capacity: number })).toThrow(/TopK has no option "capacty"/);
    expect(() => TopK.monoid({ capacity: 3, n: 2 } as unknown as { capacity: number })).toThrow(InvalidArgumentError);
    expect(new TopK({ capacity: 2 ** 24 }).capacity).toBe(2 ** 24);

    const sketch = new TopK({ capacity: 3 }).add("alice", 2);
    const before = sketch.clone();
    for (const count of [-1, -0.5, Number.NaN, Infinity, -Infinity, "3" as unknown as number, 2n as unknown as number]) {
      expect(() => sketch.add("alice", count), String(count)).toThrow(InvalidArgumentError);
      expect(() => sketch.add("new", count), String(count)).toThrow(InvalidArgumentError);
    }
    expect(() => sketch.add("alice", -1)).toThrow(/count must be a finite number >= 0, got -1/);
    for (const item of [null, undefined, {}, [1], true, Symbol("x"), new Uint16Array(2)]) {
      expect(() => sketch.add(item as unknown as TopKItem), String(item?.toString?.())).toThrow(InvalidArgumentError);
      expect(() => sketch.add(item as unknown as TopKItem, 0)).toThrow(InvalidArgumentError);
      expect(() => sketch.estimate(item as unknown as TopKItem)).toThrow(InvalidArgumentError);
    }
    for (const n of [-1, 1.5, Number.NaN, "2" as unknown as number]) expect(() => sketch.top(n)).toThrow(InvalidArgumentError);
    expect(sketch.equals(before)).toBe(true);
  });
  it("adding 0 changes nothing, even for a new item in a full summary", () => {
    const sketch = new TopK({ capacity: 1 }).add("alice", 2);
    const before = sketch.clone();
    sketch.add("bob", 0).add("alice", 0).add(Uint8Array.of(1), 0).add(3, 0).add(3n, 0);
    expect(sketch.equals(before)).toBe(true);
    expect(sketch.top()).toEqual([{ item: "alice", count: 2, error: 0, guaranteed: true }]);
  });
});

describe("TopK counting", () => {
  it("is exact while at most `capacity` distinct items were seen", () => {
    fc.assert(
      fc.property(streams, (stream) => {
        const truth = truthOf(stream);
        const distinct = [...truth.values()].filter((c) => c > 0).length;
        const sketch = build(Math.max(1, distinct))(stream);
        expect(sketch.maxUntrackedCount).toBe(0);
        expect(sketch.size).toBe(distinct);
        for (const entry of sketch.top()) {
          expect(entry.error).toBe(0);
          expect(entry.count).toBe(truth.get(identity(entry.item)));
          expect(entry.guaranteed).toBe(true);
        }
      }),
    );
  });
  it("keeps every guarantee on overflowing streams, and the counters sum exactly to N", () => {
    fc.assert(
      fc.property(streams, fc.integer({ min: 1, max: 5 }), (stream, capacity) => {
        const sketch = build(capacity)(stream);
        expectGuarantees(sketch, truthOf(stream));
        // Without merges, Space-Saving's counters (free ones at 0) sum to N exactly.
        const sum = sketch.top().reduce((acc, e) => acc + e.count, 0);
        expect(sum).toBe(sketch.totalWeight);
      }),
      { numRuns: 300 },
    );
  });
  it("follows Space-Saving step by step (Metwally et al.)", () => {
    const sketch = new TopK({ capacity: 2 });
    sketch.add("a", 3).add("b");
    expect(sketch.top()).toEqual([
      { item: "a", count: 3, error: 0, guaranteed: true },
      { item: "b", count: 1, error: 0, guaranteed: true },
    ]);
    sketch.add("c"); // replaces b (the minimum, 1): c = 1 + 1, error 1
    expect(sketch.top().map((e) => [e.item, e.count, e.error])).toEqual([["a", 3, 0], ["c", 2, 1]]);
    expect([sketch.maxUntrackedCount, sketch.estimate("b").upper, sketch.estimate("b").estimate]).toEqual([1, 1, 0]);
    sketch.add("b", 5); // replaces c (2): b = 2 + 5, error 2
    expect(sketch.top().map((e) => [e.item, e.count, e.error, e.guaranteed])).toEqual([["b", 7, 2, true], ["a", 3, 0, true]]);
    expect(sketch.top(1)).toEqual([{ item: "b", count: 7, error: 2, guaranteed: true }]); // 7 - 2 >= 3
    sketch.add("a", 3);
    expect(sketch.top(1)[0]).toEqual({ item: "b", count: 7, error: 2, guaranteed: false }); // 5 < 6
    expect([sketch.totalWeight, sketch.maxUntrackedCount, sketch.size]).toEqual([13, 2, 2]);
  });
  it("orders equal counts by error first: the larger lower bound ranks higher", () => {
    const sketch = new TopK({ capacity: 3 }).add("z", 5).add("y", 2).add("x").add("w"); // w takes x's counter: 2, error 1
    expect(sketch.top().map((e) => [e.item, e.count, e.error])).toEqual([["z", 5, 0], ["y", 2, 0], ["w", 2, 1]]);
    expect(sketch.top(2).map((e) => e.guaranteed)).toEqual([true, true]); // y: 2 - 0 >= 2
    expect(sketch.top(1)[0]?.guaranteed).toBe(true);
  });
  it("orders equal counts and errors by item: strings, bytes, numbers, bigints, each in its own order", () => {
    const sketch = new TopK({ capacity: 20 });
    const shuffled: TopKItem[] = [5n, Number.NaN, "b", Uint8Array.of(2), -1n, 3, "a", Uint8Array.of(1, 0), -Infinity, Uint8Array.of(1), "B", "\ud83d\ude00", "\uffff"];
    for (const item of shuffled) sketch.add(item, 2);
    sketch.add("z", 9);
    expect(sketch.top().map((e) => e.item)).toEqual([
      "z",
      "B",
      "a",
      "b",
      "\ud83d\ude00", // UTF-16 code units: 0xd83d < 0xffff
      "\uffff",
      Uint8Array.of(1),
      Uint8Array.of(1, 0),
      Uint8Array.of(2),
      -Infinity,
      3,
      Number.NaN,
      -1n,
      5n,
    ]);
  });
  it("keeps items apart by kind and value, never by hash", () => {
    const sketch = new TopK({ capacity: 10 });
    sketch.add("1").add(1).add(1n).add(new TextEncoder().encode("1")).add(-0).add(0).add(Number.NaN).add(-Number.NaN);
    expect(sketch.size).toBe(6);
    expect(sketch.estimate(0).estimate).toBe(2);
    expect(sketch.estimate(-0).estimate).toBe(2);
    expect(Object.is(sketch.top().find((e) => e.count === 2 && typeof e.item === "number" && !Number.isNaN(e.item))?.item, 0)).toBe(true);
    expect(sketch.estimate(Number.NaN).estimate).toBe(2);
    for (const item of ["1", 1, 1n, Uint8Array.of(0x31)] as TopKItem[]) expect(sketch.estimate(item).estimate).toBe(1);
    // Lone surrogates count as U+FFFD, as in the string's canonical UTF-8 bytes.
    sketch.add("x\ud800").add("x\udc00").add("x\ufffd");
    expect(sketch.estimate("x\ufffd").estimate).toBe(3);
    expect(sketch.estimate("x\udbff").estimate).toBe(3);
    expect(sketch.top().filter((e) => typeof e.item === "string" && e.item.startsWith("x"))).toEqual([
      { item: "x\ufffd", count: 3, error: 0, guaranteed: true },
    ]);
    expect(sketch.add("\ud83d\ude00").estimate("\ud83d\ude00").estimate).toBe(1); // a well-formed pair stays itself
  });
  it("counts a string with lone surrogates at any position as its U+FFFD form", () => {
    const unit = fc.oneof(fc.constantFrom(0x61, 0x2e, 0xd7ff, 0xe000, 0xfffd), fc.integer({ min: 0xd800, max: 0xdfff }));
    const text = fc.array(unit, { maxLength: 7 }).map((units) => String.fromCharCode(...units));
    fc.assert(
      fc.property(fc.array(text, { minLength: 1, maxLength: 12 }), (texts) => {
        const sketch = new TopK({ capacity: 64 });
        for (const t of texts) sketch.add(t);
        const truth = truthOf(texts.map((t) => [t, 1] as const));
        for (const t of texts) {
          expect(sketch.frequency(t)).toBe(truth.get(identity(t)));
          expect(sketch.frequency(wellFormed(t))).toBe(truth.get(identity(t)));
        }
        for (const entry of sketch.top()) expect(entry.item).toBe(wellFormed(entry.item as string));
      }),
      { numRuns: 300 },
    );
  });
  it("returns byte items as fresh copies, and keeps long byte strings intact", () => {
    const bytes = Uint8Array.from({ length: 70_000 }, (_, i) => (i * 7) & 0xff);
    const sketch = new TopK({ capacity: 2 }).add(bytes, 2).add(bytes.subarray(0, 3));
    bytes[0] = 99;
    const [first] = sketch.top(1) as [TopKEntry];
    expect((first.item as Uint8Array).length).toBe(70_000);
    expect((first.item as Uint8Array)[0]).toBe(0);
    expect((first.item as Uint8Array)[69_999]).toBe((69_999 * 7) & 0xff);
    (first.item as Uint8Array)[1] = 42;
    expect((sketch.top(1)[0]?.item as Uint8Array)[1]).toBe(7);
    expect(sketch.estimate(Uint8Array.of(0, 7, 14)).estimate).toBe(1);
  });
  it("frequency is the counter of a tracked item and 0 for an untracked one, as estimate's point", () => {
    fc.assert(
      fc.property(streams, fc.integer({ min: 1, max: 4 }), fc.array(items, { maxLength: 10 }), (stream, capacity, probes) => {
        const sketch = build(capacity)(stream);
        for (const item of [...stream.map(([i]) => i), ...probes]) expect(sketch.frequency(item)).toBe(sketch.estimate(item).estimate);
      }),
    );
    const sketch = new TopK({ capacity: 2 }).add("a", 5).add("b", 2).add("c");
    expect([sketch.frequency("a"), sketch.frequency("c"), sketch.frequency("b"), sketch.frequency(7)]).toEqual([5, 3, 0, 0]);
    expect(() => sketch.frequency({} as unknown as TopKItem)).toThrow(InvalidArgumentError);
  });
  it("finds every tracked string and no untracked one through many evictions (string-table deletions keep probe runs intact)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 400 }), fc.integer({ min: 0, max: 3 })), { minLength: 1, maxLength: 600 }),
        fc.integer({ min: 1, max: 70 }),
        (stream, capacity) => {
          const sketch = new TopK({ capacity });
          const tracked = () => new Set(sketch.top().map((e) => e.item));
          for (const [id, count] of stream) {
            sketch.add(`user-${id}`, count);
          }
          const now = tracked();
          for (const entry of sketch.top()) expect(sketch.frequency(entry.item)).toBe(entry.count);
          for (let id = 0; id <= 400; id++) if (!now.has(`user-${id}`)) expect(sketch.frequency(`user-${id}`)).toBe(0);
          expectGuarantees(sketch, truthOf(stream.map(([id, count]) => [`user-${id}`, count] as const)));
          // The same after a merge (which rebuilds the table) and a decode.
          const merged = sketch.clone().merge(new TopK({ capacity }).add("user-1"));
          for (const entry of merged.top()) expect(merged.frequency(entry.item)).toBe(entry.count);
          const decoded = TopK.fromBytes(sketch.toBytes());
          for (const entry of sketch.top()) expect(decoded.frequency(entry.item)).toBe(entry.count);
        },
      ),
      { numRuns: 200 },
    );
  });
  it("estimates untracked items as [0, maxUntrackedCount]", () => {
    const sketch = new TopK({ capacity: 2 }).add("a", 5).add("b", 2).add("c");
    expect(sketch.estimate("b").toString()).toBe("0 [0, 2] @ 100%");
    expect(sketch.estimate("never").toString()).toBe("0 [0, 2] @ 100%");
    expect(new TopK({ capacity: 2 }).add("a").estimate("b").isExact).toBe(true);
  });
  it("reports size, sizeInBytes (growing by doubling), describe", () => {
    const sketch = new TopK({ capacity: 1000 });
    // 37 bytes per allocated slot, 4 per string-table entry (a power of two >= 2 x slots).
    expect([sketch.size, sketch.sizeInBytes, sketch.describe(), String(sketch)]).toEqual([0, 16 * 37 + 32 * 4, "TopK(capacity=1000)", "TopK(capacity=1000)"]);
    for (let i = 0; i < 100; i++) sketch.add(`k${i}`);
    expect([sketch.size, sketch.sizeInBytes]).toEqual([100, 128 * 37 + 256 * 4]);
    for (let i = 0; i < 5000; i++) sketch.add(`k${i}`);
    expect([sketch.size, sketch.sizeInBytes]).toEqual([1000, 1000 * 37 + 2048 * 4]);
    expect(new TopK({ capacity: 3 }).sizeInBytes).toBe(3 * 37 + 8 * 4);
  });
  it("clone is independent and evolves exactly as the original", () => {
    fc.assert(
      fc.property(streams, streams, (a, b) => {
        const original = build(3)(a);
        const copy = original.clone();
        expect(copy.equals(original)).toBe(true);
        for (const [item, count] of b) {
          original.add(item, count);
          copy.add(item, count);
        }
        expect(copy.equals(original)).toBe(true);
        expect(hex(copy.toBytes())).toBe(hex(original.toBytes()));
        const before = original.clone();
        copy.add("fresh-item", 50);
        expect(original.equals(before)).toBe(true);
      }),
    );
  });
  it("equals compares capacity, total, bound and entries", () => {
    const base = () => new TopK({ capacity: 2 }).add("a", 2).add("b");
    expect(base().equals(base())).toBe(true);
    expect(base().equals(new TopK({ capacity: 3 }).add("a", 2).add("b"))).toBe(false);
    expect(base().equals(base().add("a", 0))).toBe(true);
    expect(base().equals(base().add("a"))).toBe(false);
    expect(base().equals(new TopK({ capacity: 2 }).add("a", 2).add("c"))).toBe(false);
    expect(base().equals(new TopK({ capacity: 2 }).add("a", 2).add(Uint8Array.of(0x62)))).toBe(false);
    expect(base().add("c").equals(base().add("d"))).toBe(false);
    expect(base().equals("TopK" as unknown as TopK)).toBe(false);
  });
});

describe("TopK addStringHashed (the monitor's pseudonyms, hashed once)", () => {
  it("counts exactly as add, image for image, when given each string's table hash", () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: "grapheme-ascii", maxLength: 12 }), { maxLength: 300 }), fc.integer({ min: 1, max: 20 }), (items, capacity) => {
        const plain = new TopK({ capacity });
        const hashed = new TopK({ capacity });
        for (const item of items) {
          plain.add(item);
          const hash = topKStringHash(item);
          expect(hash).toBeGreaterThanOrEqual(0);
          hashed.addStringHashed(item, hash);
        }
        expect(hashed.toBytes()).toEqual(plain.toBytes());
        expect(hashed.top(capacity)).toEqual(plain.top(capacity));
      }),
      { numRuns: 150 },
    );
  });

  it("gets the table hash of every pseudonym from the pseudonym cache: hits, misses, evictions, no cache", () => {
    const key = "test deployment key, 32 bytes...";
    for (const cacheSize of [0, 4, 65_536]) {
      const pseudonyms = new Pseudonymizer(key, cacheSize);
      for (let i = 0; i < 3_000; i++) {
        const identity = `user-${(i * 7919) % 257}@corp.example`;
        const pseudonym = i % 5 === 0 ? pseudonyms.of(identity) : pseudonyms.ofHashed(identity, i % 11);
        expect(pseudonyms.tableHash).toBe(topKFieldHash(pseudonym));
        expect(pseudonyms.tableHash).toBeGreaterThanOrEqual(0);
      }
    }
  });
});

describe("TopK keyed by field hashes (the monitor's top lists)", () => {
  // Strings of every kind: ASCII, beyond ASCII, surrogate pairs and lone surrogates (counted as U+FFFD).
  const texts = fc.oneof(fc.string({ unit: "grapheme-ascii", maxLength: 10 }), fc.string({ unit: "binary", maxLength: 6 }), fc.constantFrom("eve-\uD800", "eve-\uFFFD", "\uDC00", "zoë"));
  const fieldStreams: fc.Arbitrary<Stream> = fc.array(fc.tuple(fc.oneof({ weight: 3, arbitrary: texts }, { weight: 1, arbitrary: items }), fc.oneof(fc.constant(1), fc.integer({ min: 0, max: 20 }))), { maxLength: 60 });
  const buildFieldKeyed = (capacity: number) => (stream: Stream) => {
    const sketch = TopK.keyedByFieldHash({ capacity });
    for (const [item, count] of stream) {
      // ASCII strings as the monitor hands them over, with their table hash; everything else through add.
      const hash = typeof item === "string" && count === 1 ? topKFieldHash(item) : -1;
      if (hash >= 0) sketch.addStringHashed(item as string, hash);
      else sketch.add(item, count);
    }
    return sketch;
  };

  it("takes as table hash the low 31 bits of the string's MurmurHash64A with Redis's seed, flagged beyond ASCII", () => {
    const low31 = (text: string) => Number(murmurHash64A(text, REDIS_HLL_SEED) & 0x7fffffffn);
    fc.assert(
      fc.property(fc.string({ unit: "grapheme-ascii", maxLength: 80 }), (text) => {
        expect(topKFieldHash(text)).toBe(low31(text));
      }),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(fc.string({ unit: "grapheme-ascii", maxLength: 70 }), fc.string({ unit: "binary", maxLength: 6 }), (head, tail) => {
        const hash = topKFieldHash(`${head}\u00e9${tail}`);
        expect(hash).toBeLessThan(0);
        expect(~hash).toBe(low31(`${head}\u00e9${tail}`));
      }),
      { numRuns: 300 },
    );
    expect(topKFieldHash("eve-\uD800")).toBe(topKFieldHash("eve-\uFFFD"));
  });

  it("counts, answers and writes images exactly as a plain summary", () => {
    fc.assert(
      fc.property(fieldStreams, fc.integer({ min: 1, max: 8 }), (stream, capacity) => {
        const keyed = buildFieldKeyed(capacity)(stream);
        const plain = build(capacity)(stream);
        expect(keyed.keyedByFieldHashes).toBe(true);
        expect(keyed.toBytes()).toEqual(plain.toBytes());
        expect(keyed.top()).toEqual(plain.top());
        for (const [item] of stream) expect(keyed.estimate(item)).toEqual(plain.estimate(item));
        // A clone keeps the hashing (and the layout: it evolves as a plain summary's clone does).
        const copy = keyed.clone();
        const plainCopy = plain.clone();
        expect(copy.keyedByFieldHashes).toBe(true);
        for (const [item, count] of stream) {
          copy.add(item, count);
          plainCopy.add(item, count);
        }
        expect(copy.toBytes()).toEqual(plainCopy.toBytes());
        // A restored image hashes its own way, and finds every item.
        const restored = TopK.fromBytes(keyed.toBytes());
        expect(restored.keyedByFieldHashes).toBe(false);
        for (const [item] of stream) expect(restored.estimate(item)).toEqual(keyed.estimate(item));
        // Equal across the two kinds, both ways; unequal once one differs.
        expect(keyed.equals(plain) && plain.equals(keyed) && keyed.equals(restored) && restored.equals(keyed)).toBe(true);
        expect(keyed.equals(plain.clone().add("not in the stream \u00e9"))).toBe(false);
      }),
      { numRuns: 200 },
    );
  });

  it("merges with summaries of either hashing as plain summaries merge", () => {
    fc.assert(
      fc.property(fieldStreams, fieldStreams, fc.integer({ min: 1, max: 8 }), (a, b, capacity) => {
        const expected = build(capacity)(a).merge(build(capacity)(b)).toBytes();
        expect(buildFieldKeyed(capacity)(a).merge(build(capacity)(b)).toBytes()).toEqual(expected);
        expect(build(capacity)(a).merge(buildFieldKeyed(capacity)(b)).toBytes()).toEqual(expected);
        const both = buildFieldKeyed(capacity)(a).merge(buildFieldKeyed(capacity)(b));
        expect(both.toBytes()).toEqual(expected);
        const keyedIntoPlain = build(capacity)(a).merge(buildFieldKeyed(capacity)(b));
        const plainIntoKeyed = buildFieldKeyed(capacity)(a).merge(build(capacity)(b));
        // After a merge each summary still finds its items by its own hashing.
        const again = build(capacity)(a).merge(build(capacity)(b));
        for (const sketch of [both, keyedIntoPlain, plainIntoKeyed, again]) for (const [item, count] of b) sketch.add(item, count);
        expect(both.toBytes()).toEqual(again.toBytes());
        expect(keyedIntoPlain.toBytes()).toEqual(again.toBytes());
        expect(plainIntoKeyed.toBytes()).toEqual(again.toBytes());
        // A keyed summary merged with itself.
        const self = buildFieldKeyed(capacity)(a);
        expect(self.merge(self).toBytes()).toEqual(build(capacity)(a).merge(build(capacity)(a)).toBytes());
        expect(self.keyedByFieldHashes).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});

describe("TopK merge", () => {
  it("keeps every guarantee of the union stream (Cafaro et al. merge), and the error bound N / capacity", () => {
    fc.assert(
      fc.property(fc.array(streams, { minLength: 1, maxLength: 5 }), fc.integer({ min: 1, max: 4 }), streams, (parts, capacity, more) => {
        const merged = build(capacity)(parts[0] as Stream);
        for (const part of parts.slice(1)) merged.merge(build(capacity)(part));
        expectGuarantees(merged, truthOf(...parts));
        // A merged summary keeps counting correctly (new items start at its untracked bound).
        for (const [item, count] of more) merged.add(item, count);
        expectGuarantees(merged, truthOf(...parts, more));
      }),
      { numRuns: 300 },
    );
  });
  it("is exact when the union fits: merged summaries of disjoint streams without evictions", () => {
    const a = new TopK({ capacity: 4 }).add("a", 3).add("b");
    const b = new TopK({ capacity: 4 }).add("c", 2).add("a");
    expect(a.merge(b).top()).toEqual([
      { item: "a", count: 4, error: 0, guaranteed: true },
      { item: "c", count: 2, error: 0, guaranteed: true },
      { item: "b", count: 1, error: 0, guaranteed: true },
    ]);
  });
  it("charges a missing item the other side's untracked bound, and keeps the capacity largest", () => {
    const a = new TopK({ capacity: 2 }).add("a", 5).add("b", 2).add("c"); // a 5, c 3 (error 2), bound 2
    const b = new TopK({ capacity: 2 }).add("d", 4).add("a", 1); // exact, bound 0
    a.merge(b);
    // a: 5 + 1; c: 3 + 0 (b's bound), error 2; d: 2 (a's bound) + 4, error 2. Keep a and d (tie at 6: "a" first).
    expect(a.top().map((e) => [e.item, e.count, e.error])).toEqual([["a", 6, 0], ["d", 6, 2]]);
    // New bound: max(2 + 0, largest dropped count 3).
    expect([a.maxUntrackedCount, a.totalWeight]).toEqual([3, 13]);
  });
  it("merging 8 summaries keeps the guarantee however they are grouped", () => {
    fc.assert(
      fc.property(fc.array(streams, { minLength: 8, maxLength: 8 }), (parts) => {
        const sketches = parts.map(build(3));
        const truth = truthOf(...parts);
        const union = TopK.monoid({ capacity: 3 });
        expectGuarantees(union.combineMany(sketches[0] as TopK, sketches.slice(1)), truth);
        expectGuarantees(union.combineAll(sketches), truth);
        const pairs = [0, 2, 4, 6].map((i) => union.combine(sketches[i] as TopK, sketches[i + 1] as TopK));
        const tree = union.combine(union.combine(pairs[0] as TopK, pairs[1] as TopK), union.combine(pairs[2] as TopK, pairs[3] as TopK));
        expectGuarantees(tree, truth);
      }),
      { numRuns: 100 },
    );
  });
  it("is not exactly associative once truncation happens (both groupings still keep the guarantee)", () => {
    const one = (item: string) => new TopK({ capacity: 1 }).add(item);
    const [a, b, c] = [one("x"), one("y"), one("y")];
    const union = TopK.monoid({ capacity: 1 });
    const left = union.combine(union.combine(a, b), c);
    const right = union.combine(a, union.combine(b, c));
    // (x + y) keeps x (tie, item order) and forgets y; y then comes back with error 1.
    expect(left.top()).toEqual([{ item: "y", count: 2, error: 1, guaranteed: true }]);
    expect(right.top()).toEqual([{ item: "y", count: 2, error: 0, guaranteed: true }]);
    expect(left.equals(right)).toBe(false);
    const truth = truthOf([["x", 1]], [["y", 1]], [["y", 1]]);
    expectGuarantees(left, truth);
    expectGuarantees(right, truth);
  });
  it("with itself doubles every count", () => {
    const sketch = new TopK({ capacity: 2 }).add("a", 3).add("b").add("c");
    const doubled = sketch.clone().merge(sketch.clone());
    expect(sketch.merge(sketch).equals(doubled)).toBe(true);
    expect(sketch.top().map((e) => [e.item, e.count, e.error])).toEqual([["a", 6, 0], ["c", 4, 2]]);
  });
  it("refuses other capacities and other types, naming both", () => {
    const base = new TopK({ capacity: 10 });
    const other = new TopK({ capacity: 11 });
    expect(() => base.merge(other)).toThrow(ParameterMismatchError);
    expect(() => base.merge(other)).toThrow("cannot combine TopK(capacity=10) with TopK(capacity=11): parameters differ");
    expect(() => base.merge(new CountMinSketch({ width: 4, depth: 1 }) as unknown as TopK)).toThrow(/not a TopK/);
    const union = TopK.monoid({ capacity: 10 });
    expect(() => union.combine(other, other)).toThrow(ParameterMismatchError);
    expect(() => union.combine(base, other)).toThrow(ParameterMismatchError);
    expect(() => union.combineMany(base, [other])).toThrow(ParameterMismatchError);
    expect(() => union.combineMany(other, [])).toThrow(ParameterMismatchError);
    expect(() => union.combineAll([base, other])).toThrow(ParameterMismatchError);
    expect(() => union.combineAll([other])).toThrow("cannot combine TopK(capacity=10) with TopK(capacity=11): parameters differ");
  });
  it("an empty summary is an exact identity of merge, combine and the bulk path", () => {
    const union = TopK.monoid({ capacity: 3 });
    fc.assert(
      fc.property(streams, streams, (stream, other) => {
        const sketch = build(3)(stream);
        expect(new TopK({ capacity: 3 }).merge(sketch).equals(sketch)).toBe(true);
        expect(sketch.clone().merge(new TopK({ capacity: 3 })).equals(sketch)).toBe(true);
        expect(union.combine(union.empty, sketch).equals(sketch)).toBe(true);
        expect(union.combine(sketch, union.empty).equals(sketch)).toBe(true);
        expect(union.combineAll([union.empty, sketch, union.empty]).equals(sketch)).toBe(true);
        expect(union.combineMany(union.empty, [sketch]).equals(sketch)).toBe(true);
        const second = build(3)(other);
        expect(union.combineAll([sketch, union.empty, second]).equals(union.combine(sketch, second))).toBe(true);
      }),
    );
    expect(union.combineAll([]).equals(new TopK({ capacity: 3 }))).toBe(true);
    expect(union.combineAll([]).totalWeight).toBe(0);
  });
  it("the monoid's empty is fresh on every read", () => {
    const union = TopK.monoid({ capacity: 2 });
    union.empty.add("a");
    expect([union.empty.size, union.empty.totalWeight, union.combineAll([]).size]).toEqual([0, 0, 0]);
  });
});

/**
 * Equality up to truncation, for the associativity law: same capacity and
 * total weight, and for every item either summary tracks, the two intervals
 * `estimate(item)` overlap. Two valid summaries of one stream always pass
 * (both intervals hold the true count); where nothing was truncated the
 * intervals are exact points, so the counts must agree.
 */
function agreeUpToTruncation(a: TopK, b: TopK): boolean {
  if (a.capacity !== b.capacity || a.totalWeight !== b.totalWeight) return false;
  for (const entry of [...a.top(), ...b.top()]) {
    const x = a.estimate(entry.item);
    const y = b.estimate(entry.item);
    if (x.lower > y.upper || y.lower > x.upper) return false;
  }
  return true;
}

// Law kit. What holds exactly (integer counts throughout, TopK.equals):
// - both identities, commutativity, "combineMany/combineAll equal the fold"
//   and non-mutation: on any summaries (items of every kind, evictions,
//   truncation, ties);
// - associativity when no merge truncates: summaries that all track the same
//   `capacity` items (below).
// In general associativity holds up to truncation (the counterexample
// above): checked with agreeUpToTruncation, as TDigest's is with its
// quantile tolerance.
const general = streams.map(build(3));
const union3 = TopK.monoid({ capacity: 3 });
registerLaws(
  "monoid laws (exact, except associativity): TopK merge, capacity 3",
  monoidLaws(union3, general, sketchOptions).filter((law) => law.name !== "associativity"),
);
registerLaws(
  "monoid laws (up to truncation: intervals overlap): TopK merge associativity, capacity 3",
  monoidLaws(union3, general, { ...sketchOptions, equals: agreeUpToTruncation, parameters: { numRuns: 300 } }).filter((law) => law.name === "associativity"),
);
registerLaws("commutativity: TopK (capacity=1, heavy ties)", commutativeLaws(TopK.monoid({ capacity: 1 }), streams.map(build(1)), sketchOptions));

describe("TopK monoid: what is not exact", () => {
  it("merge is not exactly associative: the law kit finds a counterexample", () => {
    const [associativity] = monoidLaws(union3, general, { ...sketchOptions, parameters: { seed: 1, numRuns: 300 } }).filter(
      (law) => law.name === "associativity",
    );
    expect(() => associativity?.check()).toThrow(/combine\(combine\(a, b\), c\) vs combine\(a, combine\(b, c\)\)/);
  });
  it("the up-to-truncation equality is not vacuous: it tells different counts and totals apart", () => {
    const a = new TopK({ capacity: 3 }).add("x", 2).add("y");
    expect(agreeUpToTruncation(a, a.clone())).toBe(true);
    expect(agreeUpToTruncation(a, new TopK({ capacity: 3 }).add("x").add("y", 2))).toBe(false);
    expect(agreeUpToTruncation(a, new TopK({ capacity: 3 }).add("x", 2).add("z"))).toBe(false);
    expect(agreeUpToTruncation(a, new TopK({ capacity: 3 }).add("x", 2).add("y", 2))).toBe(false);
    expect(agreeUpToTruncation(a, new TopK({ capacity: 4 }).add("x", 2).add("y"))).toBe(false);
  });
});

// Summaries that all end up tracking exactly the 6 items h0..h5: a few light
// "noise" items (counts 1..3) come first and are evicted by the heavy items
// (counts >= 4), so the untracked bound is 0..3 and no merge ever truncates.
const heavy = ["h0", "h1", "h2", "h3", "h4", "h5"];
const sameItems = fc
  .tuple(
    fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 4 }),
    fc.shuffledSubarray(heavy, { minLength: 6, maxLength: 6 }),
    fc.array(fc.integer({ min: 4, max: 9 }), { minLength: 6, maxLength: 6 }),
    fc.array(fc.tuple(fc.constantFrom(...heavy), fc.integer({ min: 0, max: 5 })), { maxLength: 10 }),
  )
  .map(([noise, order, weights, extra]) => {
    const sketch = new TopK({ capacity: 6 });
    noise.forEach((count, i) => sketch.add(`noise-${i}`, count));
    order.forEach((item, i) => sketch.add(item, weights[i] as number));
    for (const [item, count] of extra) sketch.add(item, count);
    return sketch;
  });
registerLaws("monoid laws, all exact: TopK tracking the same 6 items (no truncation)", monoidLaws(TopK.monoid({ capacity: 6 }), sameItems, sketchOptions));
registerLaws("codec laws: TopK image", codecLaws(TopK.codec, general, { ...sketchOptions, semigroup: TopK.monoid({ capacity: 3 }) }));

describe("the same-items generator", () => {
  it("really tracks h0..h5 with bounds 0..3", () => {
    fc.assert(
      fc.property(sameItems, (sketch) => {
        expect(sketch.top().map((e) => e.item).sort()).toEqual(heavy);
        expect(sketch.maxUntrackedCount).toBeLessThanOrEqual(3);
      }),
    );
  });
});


describe("TopK accuracy on a Zipf(1.1) stream", () => {
  const KEYS = 100_000;
  const EVENTS = 1_000_000;
  // Smallest capacities measured to give the exact top 10 in order on this
  // stream: 66 (single summary and 8 merged partitions); 70 on seeds 1..8 as
  // well. 100 leaves a margin and makes all ten `guaranteed`.
  const CAPACITY = 100;
  const sample = zipfSampler(KEYS, 1.1, uniform(0x5eed));
  const events = new Int32Array(EVENTS);
  const counts = new Float64Array(KEYS);
  for (let i = 0; i < EVENTS; i++) {
    const key = sample();
    events[i] = key;
    counts[key]++;
  }
  const names = Array.from({ length: KEYS }, (_, i) => `key-${i}`);
  const truth = new Map(names.map((name, i) => [`s:${name}`, counts[i] as number]));
  const exactTop = Array.from({ length: KEYS }, (_, i) => i)
    .sort((a, b) => (counts[b] as number) - (counts[a] as number))
    .slice(0, 11);
  const feed = (sketch: TopK, from = 0, to = EVENTS) => {
    for (let i = from; i < to; i++) sketch.add(names[events[i] as number] as string);
    return sketch;
  };
  const single = feed(new TopK({ capacity: CAPACITY }));
  const part = EVENTS / 8;
  const partitions = Array.from({ length: 8 }, (_, p) => feed(new TopK({ capacity: CAPACITY }), p * part, (p + 1) * part));
  const merged = TopK.monoid({ capacity: CAPACITY }).combineMany(partitions[0] as TopK, partitions.slice(1));

  it("the stream is as skewed as intended, with no tie in the true top 11", () => {
    expect(counts[0]).toBeGreaterThan(100_000);
    const top = exactTop.map((i) => counts[i] as number);
    for (let i = 1; i < top.length; i++) expect(top[i]).toBeLessThan(top[i - 1] as number);
  });
  for (const [name, sketch] of [
    ["one summary", () => single],
    ["8 partitions merged", () => merged],
  ] as const) {
    it(`${name}: top(10) is the exact top 10 in order, all guaranteed`, () => {
      const top = sketch().top(10);
      expect(top.map((e) => e.item)).toEqual(exactTop.slice(0, 10).map((i) => names[i]));
      expect(top.every((e) => e.guaranteed)).toBe(true);
    });
    it(`${name}: bounds contain every true count, and every overestimate is at most N / capacity`, () => {
      const s = sketch();
      expect(s.totalWeight).toBe(EVENTS);
      expectGuarantees(s, truth);
      let maxOver = 0;
      let maxError = 0;
      for (const entry of s.top()) {
        maxOver = Math.max(maxOver, entry.count - (truth.get(`s:${entry.item as string}`) as number));
        maxError = Math.max(maxError, entry.error);
      }
      const top10Over = Math.max(...s.top(10).map((e) => e.count - (truth.get(`s:${e.item as string}`) as number)));
      console.log(
        `TopK ${name} (capacity ${CAPACITY}, N ${EVENTS}, N/capacity ${s.errorBound}): max overestimate ${maxOver}, ` +
          `max reported error ${maxError}, untracked bound ${s.maxUntrackedCount}, max overestimate in the top 10 ${top10Over}`,
      );
      expect(maxOver).toBeLessThanOrEqual(s.errorBound);
    });
  }
});

describe("TopK image", () => {
  // capacity 4: "bob" (1) is evicted by -1n, which starts at 1 + 1 with error 1.
  const golden = () => new TopK({ capacity: 4 }).add("alice", 3).add(Uint8Array.of(10, 0, 0, 7), 2).add(42, 2).add("bob").add(-1n);
  it("writes the frozen golden bytes (docs/format.md)", () => {
    // Computed once with this implementation and frozen.
    expect(hex(golden().toBytes())).toBe(
      "5054040100000000" + // preamble: "PT", family 0x04, version 1, flags 0
        "04000000" + // capacity = 4
        "04000000" + // size = 4
        "0000000000002240" + // total = 9
        "000000000000f03f" + // untracked bound = 1
        // "alice": count 3, error 0, kind 0 (string), 5 bytes of UTF-8
        "0000000000000840" + "0000000000000000" + "00" + "05000000" + "616c696365" +
        // bytes 0a 00 00 07: count 2, error 0, kind 1
        "0000000000000040" + "0000000000000000" + "01" + "04000000" + "0a000007" +
        // 42: count 2, error 0, kind 2, the double 42.0
        "0000000000000040" + "0000000000000000" + "02" + "08000000" + "0000000000004540" +
        // -1n: count 2, error 1, kind 3, one 8-byte word
        "0000000000000040" + "000000000000f03f" + "03" + "08000000" + "ffffffffffffffff",
    );
    expect(golden().toBytes().length).toBe(141);
    expect(TopK.fromBytes(golden().toBytes()).equals(golden())).toBe(true);
    expect(hex(new TopK({ capacity: 7 }).toBytes())).toBe("5054040100000000" + "07000000" + "00000000" + "0".repeat(32));
  });
  it("round-trips every kind of item, including NaN, long bigints and a leading BOM", () => {
    const sketch = new TopK({ capacity: 20 });
    const all: TopKItem[] = ["", "\ufeffbom", "\ud83d\ude00", Uint8Array.of(), Uint8Array.of(255, 0), Number.NaN, -Infinity, 5e-324, 0, 2n ** 63n, -(2n ** 63n), -(2n ** 63n) - 1n, 2n ** 200n, 0n];
    all.forEach((item, i) => sketch.add(item, i + 1));
    const copy = TopK.fromBytes(sketch.toBytes());
    expect(copy.equals(sketch)).toBe(true);
    expect(copy.top().map((e) => e.item)).toEqual(sketch.top().map((e) => e.item));
    expect(copy.estimate("\ufeffbom").estimate).toBe(2);
    expect(copy.estimate(2n ** 200n).estimate).toBe(13);
    expect(hex(copy.toBytes())).toBe(hex(sketch.toBytes()));
  });
  it("fuzz: every truncation is rejected", () => {
    fc.assert(
      fc.property(streams, fc.integer({ min: 1, max: 5 }), (stream, capacity) => {
        const bytes = build(capacity)(stream).toBytes();
        for (let length = 0; length < bytes.length; length++) {
          const code = decodeErrorCode(() => TopK.fromBytes(bytes.subarray(0, length)));
          expect(["truncated", "too-large"]).toContain(code);
        }
      }),
      { numRuns: 100 },
    );
  });
  it("fuzz: bit flips and random bytes decode or throw DecodeError; whatever decodes re-encodes to the same bytes", () => {
    let decoded = 0;
    fc.assert(
      fc.property(streams, fc.integer({ min: 1, max: 5 }), fc.nat(), (stream, capacity, at) => {
        const bytes = build(capacity)(stream).toBytes();
        const bit = at % (bytes.length * 8);
        bytes[bit >> 3] = (bytes[bit >> 3] as number) ^ (1 << (bit & 7));
        const outcome = decodesOrRejectsCleanly(TopK.fromBytes, bytes);
        if (bit < 64 || (bit >= 96 && bit < 128)) expect(outcome).toBe("rejected"); // preamble, size
        if (outcome === "ok") {
          decoded++;
          expect(hex(TopK.fromBytes(bytes).toBytes())).toBe(hex(bytes)); // images are canonical
        }
      }),
      { numRuns: 500 },
    );
    expect(decoded).toBeGreaterThan(0);
    fc.assert(fc.property(fc.uint8Array({ maxLength: 120 }), (bytes) => void decodesOrRejectsCleanly(TopK.fromBytes, bytes)));
    const header = [0x50, 0x54, 0x04, 0x01, 0, 0, 0, 0];
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 120 }), (tail) => {
        decodesOrRejectsCleanly(TopK.fromBytes, Uint8Array.from([...header, ...tail]));
      }),
    );
    // Structured garbage: a plausible header and entries with random fields.
    const entry = fc.tuple(
      fc.constantFrom(0, 0.5, 1, 2, 3, -1, Number.NaN),
      fc.constantFrom(0, 1, 2, -1),
      fc.integer({ min: 0, max: 5 }),
      fc.uint8Array({ maxLength: 10 }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 4 }), fc.constantFrom(0, 3, 9, 100), fc.constantFrom(0, 1, 2), fc.array(entry, { maxLength: 4 }), (capacity, size, total, bound, entries) => {
        const bytes = topKImage(capacity, size, total, bound, entries);
        if (decodesOrRejectsCleanly(TopK.fromBytes, bytes) === "ok") expect(hex(TopK.fromBytes(bytes).toBytes())).toBe(hex(bytes));
      }),
      { numRuns: 500 },
    );
  });
  it("refuses huge declared sizes before allocating them", () => {
    const patched = (patch: (view: DataView) => void) => {
      const bytes = golden().toBytes();
      patch(new DataView(bytes.buffer));
      return bytes;
    };
    const before = process.memoryUsage().arrayBuffers;
    expect(
      decodeErrorCode(() =>
        TopK.fromBytes(
          patched((v) => {
            v.setUint32(8, 2 ** 24, true);
            v.setUint32(12, 2 ** 24, true);
          }),
        ),
      ),
    ).toBe("too-large");
    expect(decodeErrorCode(() => TopK.fromBytes(patched((v) => v.setUint32(8, 0xffffffff, true))))).toBe("invalid-field");
    expect(decodeErrorCode(() => TopK.fromBytes(patched((v) => v.setUint32(32 + 17, 0xffffffff, true))))).toBe("too-large"); // first item's length
    // A valid image with the largest capacity allocates by its entries, not by its capacity.
    const big = new TopK({ capacity: 2 }).add("a").add("b").toBytes();
    new DataView(big.buffer).setUint32(8, 2 ** 24, true);
    expect(decodeErrorCode(() => TopK.fromBytes(big))).toBe("no error");
    expect(TopK.fromBytes(big).sizeInBytes).toBe(16 * 37 + 32 * 4);
    expect(TopK.fromBytes(big).capacity).toBe(2 ** 24);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(1 << 20);
  });
  it("rejects invalid fields with typed errors", () => {
    const patched = (patch: (view: DataView) => void) => {
      const bytes = golden().toBytes();
      patch(new DataView(bytes.buffer));
      return bytes;
    };
    const code = (patch: (view: DataView) => void) => decodeErrorCode(() => TopK.fromBytes(patched(patch)));
    const E0 = 32; // "alice": count, error, kind, length, 5 bytes (26 bytes)
    const E1 = E0 + 26; // bytes 0a000007 (25 bytes)
    const E2 = E1 + 25; // 42 (29 bytes)
    const E3 = E2 + 29; // -1n (29 bytes)
    expect(code((v) => v.setUint8(4, 1))).toBe("invalid-field"); // flags
    expect(code((v) => v.setUint8(3, 2))).toBe("unsupported-version");
    expect(code((v) => v.setUint32(8, 0, true))).toBe("invalid-field"); // capacity 0
    expect(code((v) => v.setUint32(8, 3, true))).toBe("invalid-field"); // size 4 > capacity 3
    expect(code((v) => v.setUint32(12, 3, true))).toBe("invalid-field"); // a free counter with bound 1
    expect(code((v) => v.setUint32(8, 5, true))).toBe("invalid-field"); // likewise: capacity 5 > size 4
    expect(
      code((v) => {
        v.setUint32(12, 3, true);
        v.setFloat64(24, 0, true);
        v.setFloat64(E3 + 8, 0, true);
      }),
    ).toBe("length-mismatch"); // 3 entries, then the 4th as trailing bytes
    expect(code((v) => v.setFloat64(16, -1, true))).toBe("invalid-field"); // total < 0
    expect(code((v) => v.setFloat64(16, Infinity, true))).toBe("invalid-field");
    expect(code((v) => v.setFloat64(16, 2.5, true))).toBe("invalid-field"); // a count above the total
    expect(code((v) => v.setFloat64(16, 8, true))).toBe("invalid-field"); // counters sum to 9 > 8
    expect(code((v) => v.setFloat64(24, Number.NaN, true))).toBe("invalid-field"); // bound
    expect(code((v) => v.setFloat64(24, 2.5, true))).toBe("invalid-field"); // bound above a count
    expect(code((v) => v.setFloat64(24, 0, true))).toBe("invalid-field"); // an error above the bound
    expect(code((v) => v.setFloat64(E0, 0, true))).toBe("invalid-field"); // count 0
    expect(code((v) => v.setFloat64(E0, Number.NaN, true))).toBe("invalid-field");
    expect(code((v) => v.setFloat64(E0, 1.5, true))).toBe("invalid-field"); // out of rank order
    expect(code((v) => v.setFloat64(E0 + 8, -1, true))).toBe("invalid-field"); // error < 0
    expect(code((v) => v.setFloat64(E3 + 8, 2, true))).toBe("invalid-field"); // error above the bound
    expect(code((v) => v.setUint8(E0 + 16, 4))).toBe("invalid-field"); // unknown kind
    expect(code((v) => v.setUint8(E0 + 21, 0xff))).toBe("invalid-field"); // invalid UTF-8
    expect(code((v) => v.setUint8(E1 + 16, 0))).toBe("no error"); // bytes 0a000007 re-tagged as the string "\n\0\0\x07": still in order
    expect(code((v) => v.setUint8(E2 + 16, 1))).toBe("invalid-field"); // 42's 8 bytes as a byte string sort before 0a000007: out of order
    expect(code((v) => v.setUint8(E2 + 16, 3))).toBe("no error"); // 42's bytes as the bigint 0x4045000000000000: valid, in order (before -1n by error)
    expect(code((v) => v.setUint32(E2 + 17, 4, true))).toBe("invalid-field"); // a 4-byte number
    expect(code((v) => v.setFloat64(E2 + 21, -0, true))).toBe("invalid-field"); // -0
    expect(
      code((v) => {
        v.setUint32(E2 + 21, 1, true);
        v.setUint32(E2 + 25, 0x7ff80000, true);
      }),
    ).toBe("invalid-field"); // a NaN with a payload
    expect(code((v) => v.setUint32(E3 + 17, 7, true))).toBe("invalid-field"); // a 7-byte bigint
    expect(code((v) => v.setUint8(E3 + 7, 0))).toBe("invalid-field"); // count 0 for -1n (2.0 is 00..00 40)
    expect(decodeErrorCode(() => TopK.fromBytes(Uint8Array.from([...golden().toBytes(), 0])))).toBe("length-mismatch");
    expect(decodeErrorCode(() => TopK.fromBytes(new Uint8Array([1, 2, 3])))).toBe("truncated");
    expect(decodeErrorCode(() => TopK.fromBytes(new CountMinSketch({ width: 2, depth: 1 }).toBytes()))).toBe("wrong-family");
    expect(() => TopK.fromBytes(new CountMinSketch({ width: 2, depth: 1 }).toBytes())).toThrow(/this is CountMinSketch \(family 3\), not TopK \(family 4\)/);
    // An empty summary must have total and bound 0.
    const empty = new TopK({ capacity: 2 }).toBytes();
    new DataView(empty.buffer).setFloat64(16, 1, true);
    expect(decodeErrorCode(() => TopK.fromBytes(empty))).toBe("invalid-field");
  });
  it("rejects repeated items and non-canonical encodings", () => {
    const image = (entries: [number, number, number, number[]][], total: number, bound = 0, capacity = 4) =>
      topKImage(capacity, entries.length, total, bound, entries);
    const decodes = (bytes: Uint8Array) => decodeErrorCode(() => TopK.fromBytes(bytes));
    expect(decodes(image([[2, 0, 0, [0x61]], [1, 0, 0, [0x62]]], 3))).toBe("no error");
    expect(decodes(image([[2, 0, 0, [0x61]], [1, 0, 0, [0x61]]], 3))).toBe("invalid-field"); // "a" twice
    expect(() => TopK.fromBytes(image([[2, 0, 0, [0x61]], [1, 0, 0, [0x61]]], 3))).toThrow(/item repeats entry 0/);
    expect(decodes(image([[1, 0, 0, [0x61]], [1, 0, 0, [0x61]]], 3))).toBe("invalid-field"); // same count and item
    expect(decodes(image([[1, 0, 0, [0x62]], [1, 0, 0, [0x61]]], 3))).toBe("invalid-field"); // ties out of item order
    expect(decodes(image([[1, 0, 1, [0x61]], [1, 0, 0, [0x61]]], 3))).toBe("invalid-field"); // bytes before strings
    expect(decodes(image([[2, 1, 0, [0x61]], [2, 0, 0, [0x62]]], 4, 1, 2))).toBe("invalid-field"); // equal counts: smaller error first
    expect(decodes(image([[2, 0, 0, [0x62]], [2, 1, 0, [0x61]]], 4, 1, 2))).toBe("no error");
    expect(decodes(image([[1, 0, 0, [0x61]], [1, 0, 1, [0x61]]], 3))).toBe("no error"); // "a" and bytes 61 are two items
    const word = (value: bigint, words: number) => {
      const out = new DataView(new ArrayBuffer(8 * words));
      for (let w = 0; w < words; w++) out.setBigUint64(8 * w, BigInt.asUintN(64, value >> BigInt(64 * w)), true);
      return [...new Uint8Array(out.buffer)];
    };
    expect(decodes(image([[1, 0, 3, word(5n, 1)]], 1))).toBe("no error");
    expect(decodes(image([[1, 0, 3, word(5n, 2)]], 1))).toBe("invalid-field"); // not the fewest words
    expect(decodes(image([[1, 0, 3, word(-5n, 2)]], 1))).toBe("invalid-field");
    expect(decodes(image([[1, 0, 3, word(2n ** 63n, 2)]], 1))).toBe("no error"); // needs two words
    expect(decodes(image([[1, 0, 3, []]], 1))).toBe("invalid-field"); // empty bigint
    expect(decodes(image([[1, 0, 0, [0xef, 0xbb, 0xbf]]], 1))).toBe("no error"); // a BOM is an item, not a marker
    expect(TopK.fromBytes(image([[1, 0, 0, [0xef, 0xbb, 0xbf]]], 1)).top()[0]?.item).toBe("\ufeff");
    expect(decodes(image([[1, 0, 0, [0xed, 0xa0, 0x80]]], 1))).toBe("invalid-field"); // an encoded surrogate
    expect(decodes(image([[1, 0, 0, [0xc0, 0x80]]], 1))).toBe("invalid-field"); // overlong
    // Counters sum to at most the total: 2 + 2 = 4 > 3.
    expect(decodes(image([[2, 0, 0, [0x61]], [2, 1, 0, [0x62]]], 3, 1, 2))).toBe("invalid-field");
    expect(decodes(image([[2, 0, 0, [0x61]], [2, 1, 0, [0x62]]], 4, 1, 2))).toBe("no error");
    // A summary with a free counter never dropped an item: its bound is 0.
    expect(decodes(image([[2, 1, 0, [0x61]]], 5, 1, 2))).toBe("invalid-field");
    expect(() => TopK.fromBytes(image([[2, 1, 0, [0x61]]], 5, 1, 2))).toThrow(/free counters has untracked bound 0/);
  });
  it("decoded summaries are independent of the input bytes and behave like the original", () => {
    const source = golden();
    const bytes = source.toBytes();
    const decoded = TopK.fromBytes(bytes);
    bytes.fill(0, 32);
    expect(decoded.equals(source)).toBe(true);
    expect(decoded.top(1)[0]?.item).toBe("alice");
    const padded = new Uint8Array(source.toBytes().length + 1);
    padded.set(source.toBytes(), 1);
    expect(TopK.fromBytes(padded.subarray(1)).equals(source)).toBe(true);
    fc.assert(
      fc.property(streams, streams, (a, b) => {
        const original = build(3)(a);
        const copy = TopK.fromBytes(original.toBytes());
        for (const [item, count] of b) {
          original.add(item, count);
          copy.add(item, count);
        }
        // Both remain valid summaries of a + b (ties at the minimum may be broken differently).
        expectGuarantees(copy, truthOf(a, b));
        expect(copy.totalWeight).toBe(original.totalWeight);
      }),
    );
  });
  it("travels in an envelope", () => {
    const envelope = createEnvelope({ codecs: [TopK.codec] });
    const state = { failedLogins: golden(), perHost: new Map([["db-1", new TopK({ capacity: 2 }).add(Uint8Array.of(1, 2), 5)]]) };
    const decoded = envelope.decode(envelope.encode(state)) as typeof state;
    expect(decoded.failedLogins.equals(golden())).toBe(true);
    expect(decoded.perHost.get("db-1")?.estimate(Uint8Array.of(1, 2)).estimate).toBe(5);
    expect(TopK.codec.is(golden())).toBe(true);
    expect(TopK.codec.is({})).toBe(false);
  });
});

describe("TopK total weight and image canonicity", () => {
  it("refuses an add or merge that would overflow the total, leaving the state unchanged", () => {
    const summary = new TopK({ capacity: 2 }).add("a", 1e308);
    const before = summary.clone();
    expect(() => summary.add("b", 1e308)).toThrow(InvalidArgumentError);
    expect(() => summary.merge(before)).toThrow(InvalidArgumentError);
    expect(summary.equals(before)).toBe(true);
    expect(TopK.fromBytes(summary.toBytes()).equals(summary)).toBe(true);
  });
  it("rejects -0 in an image, so every summary has exactly one image", () => {
    const bytes = new TopK({ capacity: 2 }).toBytes();
    const at = bytes.length - 16; // an empty summary ends with total and untracked bound
    const view = new DataView(bytes.buffer);
    const total = view.getFloat64(at, true);
    expect(total).toBe(0);
    view.setFloat64(at, -0, true);
    expect(decodeErrorCode(() => TopK.fromBytes(bytes))).toBe("invalid-field");
  });
});

describe("TopK as a monoid aggregator", () => {
  type Login = { readonly system: string; readonly ip: string; readonly ok: boolean };
  const logins: Login[] = [
    { system: "vpn", ip: "10.0.0.7", ok: false },
    { system: "vpn", ip: "10.0.0.7", ok: false },
    { system: "vpn", ip: "10.0.0.9", ok: false },
    { system: "vpn", ip: "10.0.0.1", ok: true },
    { system: "vpn", ip: "10.0.0.1", ok: true },
    { system: "vpn", ip: "10.0.0.1", ok: true },
    { system: "db", ip: "10.0.0.3", ok: false },
    { system: "db", ip: "10.0.0.7", ok: true },
    { system: "mail", ip: "10.0.0.8", ok: true },
  ];
  it("top failed-login IPs per system: groupBy(filter(mapInput(topK)))", () => {
    const failedPerSystem = groupBy(
      filter(
        mapInput(topK({ capacity: 16, n: 2 }), (login: Login) => login.ip),
        (login: Login) => !login.ok,
      ),
      (login: Login) => login.system,
    );
    const result = aggregate(failedPerSystem, logins);
    const shown = new Map([...result].map(([system, top]) => [system, top.map((e) => [e.item, e.count])]));
    expect(shown.get("vpn")).toEqual([["10.0.0.7", 2], ["10.0.0.9", 1]]);
    expect(shown.get("db")).toEqual([["10.0.0.3", 1]]);
    // A system with only successful logins has an empty top list (the identity's answer), or no entry at all.
    expect(shown.get("mail") ?? []).toEqual([]);
  });
  it("aggregating nothing answers the empty summary's top list", () => {
    expect(aggregate(topK({ capacity: 4, n: 2 }), [])).toEqual([]);
    expect(aggregate(filter(topK({ capacity: 4, n: 2 }), () => false), ["a", "b"])).toEqual([]);
    expect(aggregate(countAll(), [])).toBe(0);
  });
});

describe("TopK storage", () => {
  it("takes its counters' arrays from the given storage, and counts exactly as with its own buffers", () => {
    const sizes: number[] = [];
    const storage = {
      allocate: (byteLength: number) => {
        sizes.push(byteLength);
        return new Uint8Array(byteLength);
      },
    };
    const stored = new TopK({ capacity: 40 }, storage);
    const plain = new TopK({ capacity: 40 });
    for (let i = 0; i < 500; i++) {
      stored.add(`k${(i * 7) % 60}`, 1 + (i % 3));
      plain.add(`k${(i * 7) % 60}`, 1 + (i % 3));
    }
    expect(stored.equals(plain)).toBe(true);
    expect(sizes.length).toBeGreaterThan(0);
    // Growth (16 -> 32 -> 40 slots) allocates from the storage too; clones get their own buffers.
    const before = sizes.length;
    stored.clone().add("another");
    expect(sizes.length).toBe(before);
  });
});
