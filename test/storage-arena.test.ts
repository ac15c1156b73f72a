import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MonoidSum } from "../src/algebra/index.js";
import { BloomFilter, CountMinSketch, HyperLogLog } from "../src/sketches/index.js";
import { allocateStorage, currentArena, enterArena, StorageArena, storageOffset } from "../src/storage-arena.js";
import { TimeWindows } from "../src/windows/index.js";

/** Runs `body` with `arena` current, restoring the previous arena after. */
function inArena<T>(arena: StorageArena, body: () => T): T {
  const previous = enterArena(arena);
  try {
    return body();
  } finally {
    enterArena(previous);
  }
}

/** The typed arrays a sketch keeps its storage in (private fields, read for the test). */
function storageOf(sketch: HyperLogLog | BloomFilter | CountMinSketch): ArrayBufferView {
  const fields = sketch as unknown as { sparse?: Int32Array; dense?: Uint8Array; data?: Uint8Array; counters?: Float64Array };
  const view = fields.sparse ?? fields.dense ?? fields.data ?? fields.counters;
  if (view === undefined) throw new Error("no storage field");
  return view;
}

describe("StorageArena", () => {
  it("without an arena, every allocation is its own zeroed buffer at offset 0", () => {
    const buffer = allocateStorage(undefined, 100);
    expect([buffer.byteLength, storageOffset()]).toEqual([100, 0]);
    expect(new Uint8Array(buffer).every((byte) => byte === 0)).toBe(true);
  });

  it("hands out disjoint, 8-byte aligned, zeroed ranges of shared chunks (random request sizes)", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 9000 }), { minLength: 1, maxLength: 60 }), (sizes) => {
        const arena = new StorageArena();
        const taken = new Map<ArrayBuffer, [number, number][]>();
        for (const size of sizes) {
          const buffer = arena.allocate(size);
          const offset = storageOffset();
          expect(offset % 8).toBe(0);
          expect(offset + size).toBeLessThanOrEqual(buffer.byteLength);
          const view = new Uint8Array(buffer, offset, size);
          expect(view.every((byte) => byte === 0)).toBe(true);
          view.fill(0xff); // a later range overlapping this one would not read zeros
          if (size > 8192) expect([buffer.byteLength, offset]).toEqual([size, 0]);
          const ranges = taken.get(buffer) ?? [];
          for (const [start, end] of ranges) expect(offset >= end || offset + size <= start).toBe(true);
          ranges.push([offset, offset + size]);
          taken.set(buffer, ranges);
        }
        // Small requests share 64 KiB chunks: far fewer buffers than requests.
        const small = sizes.filter((size) => size <= 8192);
        const smallBytes = small.reduce((sum, size) => sum + ((size + 7) & ~7), 0);
        const chunks = [...taken.keys()].filter((buffer) => buffer.byteLength === 65536).length;
        expect(chunks).toBeLessThanOrEqual(Math.ceil(smallBytes / (65536 - 8192)) + (small.length > 0 ? 1 : 0));
      }),
    );
  });

  it("enterArena returns the previous arena, so scopes nest and restore", () => {
    const outer = new StorageArena();
    const inner = new StorageArena();
    expect(currentArena()).toBeUndefined();
    inArena(outer, () => {
      expect(currentArena()).toBe(outer);
      inArena(inner, () => expect(currentArena()).toBe(inner));
      expect(currentArena()).toBe(outer);
    });
    expect(currentArena()).toBeUndefined();
  });

  it("sketches made in an arena share its chunk and behave exactly like their own-buffer twins", () => {
    const arena = new StorageArena();
    const make = () => [new HyperLogLog(), new BloomFilter({ capacity: 500, falsePositiveRate: 0.01 }), new CountMinSketch({ width: 64, depth: 3 })] as const;
    const [hll, bloom, cms] = inArena(arena, make);
    const [hllTwin, bloomTwin, cmsTwin] = make();
    const chunk = storageOf(hll).buffer;
    expect(storageOf(bloom).buffer).toBe(chunk);
    expect(storageOf(cms).buffer).toBe(chunk);
    expect(storageOf(hllTwin).buffer).not.toBe(chunk);
    // Growth under the arena stays in it.
    inArena(arena, () => {
      for (let i = 0; i < 300; i++) for (const sketch of [hll, bloom, cms]) sketch.add(`user-${i % 250}`);
    });
    for (let i = 0; i < 300; i++) for (const sketch of [hllTwin, bloomTwin, cmsTwin]) sketch.add(`user-${i % 250}`);
    expect(hll.isSparse).toBe(true);
    expect(storageOf(hll).buffer).toBe(chunk);
    expect(storageOf(hll).byteOffset).toBeGreaterThan(0);
    // Every reader agrees with the twins: images, equality, counts, and the
    // Bloom filter's word view (merge, bitCount, estimatedItemCount).
    expect(hll.toBytes()).toEqual(hllTwin.toBytes());
    expect([hll.equals(hllTwin), hll.count()]).toEqual([true, hllTwin.count()]);
    expect(bloom.toBytes()).toEqual(bloomTwin.toBytes());
    expect([bloom.equals(bloomTwin), bloom.bitCount, bloom.estimatedItemCount()]).toEqual([true, bloomTwin.bitCount, bloomTwin.estimatedItemCount()]);
    expect(cms.toBytes()).toEqual(cmsTwin.toBytes());
    expect([cms.equals(cmsTwin), cms.count("user-7")]).toEqual([true, cmsTwin.count("user-7")]);
    const other = new BloomFilter({ capacity: 500, falsePositiveRate: 0.01 }).add("mallory");
    expect(bloom.clone().merge(other).equals(bloomTwin.clone().merge(other))).toBe(true);
    expect(other.clone().merge(bloom).equals(other.clone().merge(bloomTwin))).toBe(true);
    expect(cms.clone().merge(cmsTwin).toBytes()).toEqual(cmsTwin.clone().merge(cmsTwin).toBytes());
    // A sparse arena sketch merged into a dense one, and a dense one into it.
    const dense = new HyperLogLog();
    for (let i = 0; i < 3000; i++) dense.add(`many-${i}`);
    expect(dense.isSparse).toBe(false);
    expect(dense.clone().merge(hll).equals(dense.clone().merge(hllTwin))).toBe(true);
    expect(hll.clone().merge(dense).equals(hllTwin.clone().merge(dense))).toBe(true);
    // Outside any arena, growth and clones take their own buffers.
    for (let i = 0; i < 3000; i++) hll.add(`many-${i}`);
    expect(hll.isSparse).toBe(false);
    expect(storageOf(hll).buffer).not.toBe(chunk);
    expect(storageOf(bloom.clone()).buffer).not.toBe(chunk);
  });

  it("an arena never hands out storage before its first chunk (zero-byte requests included)", () => {
    const arena = new StorageArena();
    const buffer = arena.allocate(0);
    expect(buffer).toBeInstanceOf(ArrayBuffer);
    expect(storageOffset()).toBe(0);
  });

  type Event = { user: string; at: number };
  /** Distinct users per hour over three hours of 40 users each, with or without a monoid. */
  function usersByHour(withMonoid: boolean) {
    const users = {
      prepare: (event: Event) => new HyperLogLog().add(event.user),
      append: (state: HyperLogLog, event: Event) => state.add(event.user),
      present: (state: HyperLogLog) => state.count(),
      semigroup: HyperLogLog.monoid(),
      ...(withMonoid ? { monoid: HyperLogLog.monoid() } : {}),
    };
    const windows = new TimeWindows({ aggregator: users, time: (event: Event) => event.at });
    for (let h = 0; h < 3; h++) for (let i = 0; i < 40; i++) windows.add({ user: `u${h}-${i}`, at: h * 3_600_000 + i });
    return windows;
  }

  it("TimeWindows puts the sketches of new finest buckets in its arena, and leaves no arena current", () => {
    const windows = usersByHour(true);
    const hour = 3_600_000;
    expect(currentArena()).toBeUndefined();
    const buffers = windows.buckets(undefined).map((bucket) => storageOf(bucket.state).buffer);
    expect(buffers).toHaveLength(3);
    expect(new Set(buffers).size).toBe(1);
    const direct = new HyperLogLog();
    for (let h = 0; h < 3; h++) for (let i = 0; i < 40; i++) direct.add(`u${h}-${i}`);
    expect(windows.query(undefined, { from: 0, to: 3 * hour }).state?.equals(direct)).toBe(true);
    // Query results are built outside the arena.
    expect(storageOf(windows.query(undefined, { from: 0, to: hour }).state as HyperLogLog).buffer).not.toBe(buffers[0]);
  });

  it("TimeWindows with a semigroup only (no monoid) uses no arena: its rollups may share a bucket's state", () => {
    const windows = usersByHour(false);
    const buffers = windows.buckets(undefined).map((bucket) => storageOf(bucket.state).buffer);
    expect(new Set(buffers).size).toBe(3);
  });

  it("a prepare or append that throws leaves no arena current", () => {
    const failing = {
      prepare: (t: number): number => {
        if (t === 5) throw new Error("prepare failed");
        return 1;
      },
      append: (state: number, t: number): number => {
        if (t === 6) throw new Error("append failed");
        return state + 1;
      },
      present: (state: number) => state,
      semigroup: MonoidSum,
      monoid: MonoidSum, // a monoid aggregator: the windows use an arena
    };
    const windows = new TimeWindows({ aggregator: failing, time: (t: number) => t });
    expect(() => windows.add(5)).toThrow("prepare failed");
    expect(currentArena()).toBeUndefined();
    windows.add(4);
    expect(() => windows.add(6)).toThrow("append failed");
    expect(currentArena()).toBeUndefined();
    // ...and the windows did use one: a sketch made inside append lands in a shared chunk.
    const made: HyperLogLog[] = [];
    const probe = { ...failing, append: (state: number) => (made.push(new HyperLogLog()), state + 1) };
    const probed = new TimeWindows({ aggregator: probe, time: (t: number) => t });
    for (let t = 1; t <= 3; t++) probed.add(t);
    expect(made).toHaveLength(2);
    expect(storageOf(made[0] as HyperLogLog).buffer).toBe(storageOf(made[1] as HyperLogLog).buffer);
  });
});
