import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { distinctCount } from "../src/aggregators/index.js";
import { MonoidSum } from "../src/algebra/index.js";
import { BloomFilter, CountMinSketch, HyperLogLog } from "../src/sketches/index.js";
import type { SketchStorage } from "../src/sketches/sketch.js";
import { StorageArena } from "../src/storage-arena.js";
import { TimeWindows } from "../src/windows/index.js";

const HOUR = 3_600_000;

/** The typed array a sketch keeps its storage in (private fields, read for the test). */
function storageOf(sketch: HyperLogLog | BloomFilter | CountMinSketch): ArrayBufferView {
  const fields = sketch as unknown as { sparse?: Int32Array; dense?: Uint8Array; data?: Uint8Array; counters?: Float64Array };
  const view = fields.sparse ?? fields.dense ?? fields.data ?? fields.counters;
  if (view === undefined) throw new Error("no storage field");
  return view;
}

describe("StorageArena", () => {
  it("hands out disjoint, 8-byte aligned, zeroed ranges of shared chunks (random request sizes)", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 9000 }), { minLength: 1, maxLength: 60 }), (sizes) => {
        const arena = new StorageArena();
        const taken = new Map<ArrayBufferLike, [number, number][]>();
        for (const size of sizes) {
          const view = arena.allocate(size);
          expect(view.byteLength).toBe(size);
          expect(view.byteOffset % 8).toBe(0);
          expect(view.every((byte) => byte === 0)).toBe(true);
          view.fill(0xff); // a later range overlapping this one would not read zeros
          if (size > 8192) expect([view.buffer.byteLength, view.byteOffset]).toEqual([size, 0]);
          const ranges = taken.get(view.buffer) ?? [];
          for (const [start, end] of ranges) expect(view.byteOffset >= end || view.byteOffset + size <= start).toBe(true);
          ranges.push([view.byteOffset, view.byteOffset + size]);
          taken.set(view.buffer, ranges);
        }
        // Small requests share 64 KiB chunks: far fewer buffers than requests.
        const small = sizes.filter((size) => size <= 8192);
        const smallBytes = small.reduce((total, size) => total + ((size + 7) & ~7), 0);
        const chunks = [...taken.keys()].filter((buffer) => buffer.byteLength === 65536).length;
        expect(chunks).toBeLessThanOrEqual(Math.ceil(smallBytes / (65536 - 8192)) + (small.length > 0 ? 1 : 0));
      }),
    );
  });

  it("is a plain SketchStorage object: two arenas never share a chunk", () => {
    const a: SketchStorage = new StorageArena();
    const b: SketchStorage = new StorageArena();
    expect(a.allocate(16).buffer).not.toBe(b.allocate(16).buffer);
    expect(a.allocate(16).buffer).toBe(a.allocate(16).buffer);
  });

  it("sketches built with an arena share its chunk, grow inside it, and behave exactly like their own-buffer twins", () => {
    const arena = new StorageArena();
    const hll = new HyperLogLog({}, arena);
    const bloom = new BloomFilter({ capacity: 500, falsePositiveRate: 0.01 }, arena);
    const cms = new CountMinSketch({ width: 64, depth: 3 }, arena);
    const [hllTwin, bloomTwin, cmsTwin] = [new HyperLogLog(), new BloomFilter({ capacity: 500, falsePositiveRate: 0.01 }), new CountMinSketch({ width: 64, depth: 3 })];
    const chunk = storageOf(hll).buffer;
    expect(storageOf(bloom).buffer).toBe(chunk);
    expect(storageOf(cms).buffer).toBe(chunk);
    expect(storageOf(hllTwin).buffer).not.toBe(chunk);
    for (let i = 0; i < 300; i++) for (const sketch of [hll, bloom, cms, hllTwin, bloomTwin, cmsTwin]) sketch.add(`user-${i % 250}`);
    // The sparse HyperLogLog grew its table from the arena it was given.
    expect(hll.isSparse).toBe(true);
    expect(storageOf(hll).buffer).toBe(chunk);
    expect(storageOf(hll).byteOffset).toBeGreaterThan(0);
    // Every reader agrees with the twins: images and equality, merges both ways.
    expect(hll.toBytes()).toEqual(hllTwin.toBytes());
    expect(bloom.toBytes()).toEqual(bloomTwin.toBytes());
    expect(cms.toBytes()).toEqual(cmsTwin.toBytes());
    expect([hll.equals(hllTwin), bloom.equals(bloomTwin), cms.equals(cmsTwin), bloom.bitCount]).toEqual([true, true, true, bloomTwin.bitCount]);
    const other = new BloomFilter({ capacity: 500, falsePositiveRate: 0.01 }).add("mallory");
    expect(bloom.clone().merge(other).equals(bloomTwin.clone().merge(other))).toBe(true);
    expect(other.clone().merge(bloom).equals(other.clone().merge(bloomTwin))).toBe(true);
    expect(cms.clone().merge(cmsTwin).toBytes()).toEqual(cmsTwin.clone().merge(cmsTwin).toBytes());
    const dense = new HyperLogLog();
    for (let i = 0; i < 3000; i++) dense.add(`many-${i}`);
    expect(dense.isSparse).toBe(false);
    expect(dense.clone().merge(hll).equals(dense.clone().merge(hllTwin))).toBe(true);
    expect(hll.clone().merge(dense).equals(hllTwin.clone().merge(dense))).toBe(true);
    // Clones own their buffers.
    expect(storageOf(hll.clone()).buffer).not.toBe(chunk);
    expect(storageOf(bloom.clone()).buffer).not.toBe(chunk);
    expect(storageOf(cms.clone()).buffer).not.toBe(chunk);
  });

  type Event = { user: string; at: number };
  const users = distinctCount();
  const usersAggregator = { prepare: (e: Event, storage?: SketchStorage) => users.prepare(e.user, storage), append: (s: HyperLogLog, e: Event) => users.append(s, e.user), present: users.present, semigroup: users.monoid };

  /** Distinct users per hour over three hours of 40 users each, with or without a monoid. */
  function usersByHour(withMonoid: boolean) {
    const aggregator = withMonoid ? { ...usersAggregator, monoid: users.monoid } : usersAggregator;
    const windows = new TimeWindows({ aggregator, time: (event: Event) => event.at });
    for (let h = 0; h < 3; h++) for (let i = 0; i < 40; i++) windows.add({ user: `u${h}-${i}`, at: h * HOUR + i });
    return windows;
  }

  it("TimeWindows puts the sketches of its finest buckets in its arena; rollups and query results own their buffers", () => {
    const windows = usersByHour(true);
    const buffers = windows.buckets(undefined).map((bucket) => storageOf(bucket.state).buffer);
    expect(buffers).toHaveLength(3);
    expect(new Set(buffers).size).toBe(1);
    const direct = new HyperLogLog();
    for (let h = 0; h < 3; h++) for (let i = 0; i < 40; i++) direct.add(`u${h}-${i}`);
    expect((windows.query(undefined, { from: 0, to: 3 * HOUR }).state as HyperLogLog).equals(direct)).toBe(true);
    expect(storageOf(windows.query(undefined, { from: 0, to: HOUR }).state as HyperLogLog).buffer).not.toBe(buffers[0]);
    windows.advance(25 * HOUR); // closes day 0: its rollup is built from empty
    const day = windows.buckets(undefined).find((bucket) => bucket.granularity === "day");
    expect(day?.state.equals(direct)).toBe(true);
    expect(storageOf(day?.state as HyperLogLog).buffer).not.toBe(buffers[0]);
  });

  it("TimeWindows with a semigroup only (no monoid) uses no arena: its rollups may share a bucket's state", () => {
    const windows = usersByHour(false);
    const buffers = windows.buckets(undefined).map((bucket) => storageOf(bucket.state).buffer);
    expect(new Set(buffers).size).toBe(3);
  });

  it("a prepare or append that throws leaves the windows and their arena working", () => {
    const made: HyperLogLog[] = [];
    const failing = {
      prepare: (t: number, storage?: SketchStorage): number => {
        if (t === 5) throw new Error("prepare failed");
        made.push(new HyperLogLog({}, storage).add(`t${t}`));
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
    expect(windows.add(4)).toBe(true);
    expect(() => windows.add(6)).toThrow("append failed");
    expect(windows.add(7)).toBe(true);
    expect(windows.add(HOUR + 1)).toBe(true);
    expect(windows.query(undefined, { from: 0, to: 2 * HOUR }).value).toBe(3);
    // Both sketches came from the one arena, in disjoint ranges, and kept their own items.
    expect(made).toHaveLength(2);
    const [a, b] = made as [HyperLogLog, HyperLogLog];
    expect(storageOf(a).buffer).toBe(storageOf(b).buffer);
    expect(a.equals(new HyperLogLog().add("t4"))).toBe(true);
    expect(b.equals(new HyperLogLog().add(`t${HOUR + 1}`))).toBe(true);
  });
});
