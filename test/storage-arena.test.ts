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
    const [hll, bloom, cms] = inArena(arena, () => [new HyperLogLog(), new BloomFilter({ capacity: 500, falsePositiveRate: 0.01 }), new CountMinSketch({ width: 64, depth: 3 })] as const);
    const twins = [new HyperLogLog(), new BloomFilter({ capacity: 500, falsePositiveRate: 0.01 }), new CountMinSketch({ width: 64, depth: 3 })] as const;
    const chunk = storageOf(hll).buffer;
    expect(storageOf(bloom).buffer).toBe(chunk);
    expect(storageOf(cms).buffer).toBe(chunk);
    expect(storageOf(twins[0]).buffer).not.toBe(chunk);
    // Outside the scope: the HyperLogLog still grows inside its own arena.
    for (let i = 0; i < 300; i++) {
      for (const sketch of [hll, bloom, cms, ...twins]) sketch.add(`user-${i % 250}`);
    }
    expect(hll.isSparse).toBe(true);
    expect(storageOf(hll).buffer).toBe(chunk);
    expect(storageOf(hll).byteOffset).toBeGreaterThan(0);
    expect(hll.toBytes()).toEqual(twins[0].toBytes());
    expect(bloom.toBytes()).toEqual(twins[1].toBytes());
    expect(cms.toBytes()).toEqual(twins[2].toBytes());
    // Going dense takes 16 KiB: its own buffer, not the chunk.
    for (let i = 0; i < 3000; i++) hll.add(`many-${i}`);
    expect(hll.isSparse).toBe(false);
    expect(storageOf(hll).buffer).not.toBe(chunk);
    // A clone made outside any arena owns its storage.
    expect(storageOf(bloom.clone()).buffer).not.toBe(chunk);
  });

  it("TimeWindows puts the sketches of new finest buckets in its arena, and leaves no arena current", () => {
    type Event = { user: string; at: number };
    const users = {
      prepare: (event: Event) => new HyperLogLog().add(event.user),
      append: (state: HyperLogLog, event: Event) => state.add(event.user),
      present: (state: HyperLogLog) => state.count(),
      semigroup: HyperLogLog.monoid(),
      monoid: HyperLogLog.monoid(),
    };
    const windows = new TimeWindows({ aggregator: users, time: (event: Event) => event.at });
    const hour = 3_600_000;
    for (let h = 0; h < 3; h++) for (let i = 0; i < 40; i++) windows.add({ user: `u${h}-${i}`, at: h * hour + i });
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

  it("a prepare that throws leaves no arena current", () => {
    const failing = {
      prepare: (): number => {
        throw new Error("boom");
      },
      append: (state: number) => state + 1,
      present: (state: number) => state,
      semigroup: MonoidSum,
    };
    const windows = new TimeWindows({ aggregator: failing, time: (t: number) => t });
    expect(() => windows.add(5)).toThrow("boom");
    expect(currentArena()).toBeUndefined();
  });
});
