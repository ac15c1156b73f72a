import fc from "fast-check";
import { afterEach, describe, expect, it, vi } from "vitest";

// Tables of every size get the kernel here (outside this file only tables of
// KERNEL_MIN_TABLE_BYTES or more), so that small tables, which fill, kick
// and overflow within a few hundred checks, test it.
vi.mock("../src/compliance/dedup-kernel.js", async (importOriginal) => ({
  ...(await importOriginal<typeof import("../src/compliance/dedup-kernel.js")>()),
  KERNEL_MIN_TABLE_BYTES: 0,
}));
import { Deduplicator } from "../src/compliance/index.js";
import { createDedupKernel, dedupKernelModuleBytes } from "../src/compliance/dedup-kernel.js";
import { FingerprintTable, tableGeometry, tableWords } from "../src/compliance/dedup-table.js";
import { writeDeduplicatorImage } from "../src/compliance/dedup-image.js";
import { SipHasher } from "../src/hashing/siphash.js";
import { sweepCase, sweepTable } from "./support/sweep-table.js";

// The WebAssembly check (src/compliance/dedup-kernel.ts) must give the same
// answers, counters and images as the JavaScript one, which these tests get
// by hiding WebAssembly while a Deduplicator is made (its fallback where
// WebAssembly is missing or refused).

const KEY = Uint8Array.from({ length: 16 }, (_, i) => (i * 29 + 3) & 0xff);
const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 0, 5, 9);

type Options = ConstructorParameters<typeof Deduplicator>[0];

function withoutWebAssembly<T>(make: () => T): T {
  vi.stubGlobal("WebAssembly", undefined);
  try {
    return make();
  } finally {
    vi.unstubAllGlobals();
  }
}

function hasKernel(dedup: Deduplicator): boolean {
  return (dedup as unknown as { kernel: unknown }).kernel !== undefined;
}

/** A pair of Deduplicators, one checking in WebAssembly and one in JavaScript. */
function pair(options: Options): [Deduplicator, Deduplicator] {
  const wasm = new Deduplicator(options);
  const js = withoutWebAssembly(() => new Deduplicator(options));
  expect(hasKernel(wasm)).toBe(true);
  expect(hasKernel(js)).toBe(false);
  return [wasm, js];
}

function expectSame(wasm: Deduplicator, js: Deduplicator): void {
  expect(wasm.stats).toEqual(js.stats);
  expect(wasm.toBytes()).toEqual(js.toBytes());
}

/**
 * One random check: mostly repeating ids, some Unicode, some longer than the
 * kernel's message area for one check (22,000 characters: checked in
 * JavaScript alone, in a run of checkMany by the kernel); a time step that is
 * mostly 0 (`still` times as likely as a small step), sometimes a jump past
 * the TTL or back in time (late).
 */
function checkStep(still: number) {
  return fc.record({
    id: fc.oneof(
      { weight: 12, arbitrary: fc.integer({ min: 0, max: 400 }).map((n) => `evt-${n}`) },
      { weight: 2, arbitrary: fc.string({ unit: "grapheme", maxLength: 12 }) },
      { weight: 1, arbitrary: fc.integer({ min: 0, max: 3 }).map((n) => `${"x".repeat(22_000)}${n}`) },
    ),
    kind: fc.constantFrom("login", "logout", "ünïcode-kind"),
    advance: fc.oneof(
      { weight: still, arbitrary: fc.constant(0) },
      { weight: 6, arbitrary: fc.integer({ min: 1, max: HOUR / 12 }) },
      { weight: 1, arbitrary: fc.integer({ min: HOUR / 12, max: 3 * HOUR }) },
      { weight: 1, arbitrary: fc.integer({ min: -HOUR / 6, max: -1 }) },
    ),
  });
}

afterEach(() => {
  vi.unstubAllGlobals();
});

describe("Deduplicator kernel (WebAssembly)", () => {
  it("is a valid module with its four exports", () => {
    const module = new WebAssembly.Module(dedupKernelModuleBytes());
    expect(WebAssembly.Module.exports(module).map((e) => `${e.kind}:${e.name}`)).toEqual(["function:sip", "function:insert", "function:checks", "function:sweep"]);
    expect(WebAssembly.Module.imports(module).map((e) => `${e.kind}:${e.module}.${e.name}`)).toEqual(["memory:env.memory"]);
    // Chromium compiles at most 4 KB synchronously on a page's main thread.
    expect(dedupKernelModuleBytes().length).toBeLessThanOrEqual(4096);
  });

  it("sweeps exactly as the JavaScript sweep does, for any slot width and any expiring epochs", () => {
    // The kernel's sweep works on 64-bit words and the JavaScript one on
    // 32-bit words: the same random table is swept by both, from the same
    // clock (epochLow) and jump, and every word must agree. Sweeps in a
    // Deduplicator expire 4 aligned epochs; these jumps give any run of them.
    fc.assert(
      fc.property(sweepCase, ([fingerprintBits, buckets, epochLow, jump, seed]) => {
        const js = sweepTable(fingerprintBits, buckets, epochLow, seed);
        const geometry = { buckets, fingerprintBits };
        const kernel = createDedupKernel(geometry, KEY, "1-3")!;
        kernel.words.set(js.words);
        const inKernel = new FingerprintTable(geometry, kernel.words, (slots, expiring) => kernel.sweep(slots, expiring));
        inKernel.recount();
        expect(inKernel.sweep(epochLow, jump)).toBe(js.sweep(epochLow, jump));
        expect(Array.from(kernel.words)).toEqual(Array.from(js.words));
        expect(inKernel.stored).toBe(js.stored);
      }),
      { numRuns: 300 },
    );
  });

  it("is not made where WebAssembly is missing", () => {
    expect(createDedupKernel(tableGeometry(1000, 1e-6), KEY, "1-3")).toBeDefined();
    expect(withoutWebAssembly(() => createDedupKernel(tableGeometry(1000, 1e-6), KEY, "1-3"))).toBeUndefined();
  });

  it("answers, counts and images as the JavaScript check does, on random streams (slot widths 9 to 32 bits, both SipHash variants, overflow, sweeps, jumps, late checks, restores)", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(20, 60, 500),
        fc.constantFrom(0.5, 1e-2, 1e-6, 3e-8),
        fc.constantFrom("1-3" as const, "2-4" as const),
        fc.array(checkStep(20), { minLength: 1, maxLength: 400 }),
        fc.integer({ min: 0, max: 400 }),
        (capacity, falsePositiveRate, sipHash, steps, restoreAt) => {
          let [wasm, js] = pair({ ttl: HOUR, capacity, falsePositiveRate, key: KEY, sipHash });
          let time = T0;
          steps.forEach((s, index) => {
            if (index === restoreAt) {
              // Images cross over: each restores the other's.
              const fromJs = js.toBytes();
              const fromWasm = wasm.toBytes();
              wasm = Deduplicator.fromBytes(fromJs, { key: KEY });
              js = withoutWebAssembly(() => Deduplicator.fromBytes(fromWasm, { key: KEY }));
              expect(hasKernel(wasm)).toBe(true);
            }
            time += s.advance;
            expect(wasm.check(s.kind, s.id, time)).toBe(js.check(s.kind, s.id, time));
          });
          expectSame(wasm, js);
        },
      ),
      { numRuns: 150 },
    );
  });

  it("checkMany gives, batch by batch, what check gives one by one (kernel runs, epochs, late checks, repeats, overflow, long ids)", () => {
    const batch = fc.record({
      items: fc.array(checkStep(30), { minLength: 0, maxLength: 600 }),
      oneKind: fc.boolean(),
      oneTime: fc.boolean(),
    });
    fc.assert(
      fc.property(
        fc.constantFrom(20, 60, 500, 5_000),
        fc.constantFrom(1e-2, 1e-6),
        fc.array(batch, { minLength: 1, maxLength: 6 }),
        (capacity, falsePositiveRate, batches) => {
          const options = { ttl: HOUR, capacity, falsePositiveRate, key: KEY };
          const [wasm, js] = pair(options);
          const jsMany = withoutWebAssembly(() => new Deduplicator(options));
          let time = T0;
          for (const { items, oneKind, oneTime } of batches) {
            const kinds = oneKind ? "login" : items.map((i) => i.kind);
            const times = items.map((i) => (time += oneTime ? 0 : i.advance));
            const ids = items.map((i) => i.id);
            const expected = items.map((_, k) => (js.check(oneKind ? "login" : (kinds[k] as string), ids[k] as string, oneTime ? time : (times[k] as number)) ? 1 : 0));
            const at = oneTime ? time : times;
            expect(Array.from(wasm.checkMany(kinds, ids, at))).toEqual(expected);
            expect(Array.from(jsMany.checkMany(kinds, ids, at))).toEqual(expected);
          }
          expectSame(wasm, js);
          expectSame(jsMany, js);
        },
      ),
      { numRuns: 120 },
    );
  });

  it("checkMany counts a late check that starts the next run, when the message area ends a run at it", () => {
    const [wasm, js] = pair({ ttl: HOUR, capacity: 1_000, key: KEY });
    // 30,000 + 31,000 characters do not fit one run: the run ends before the late third check.
    const ids = ["a", "x".repeat(30_000), "y".repeat(31_000), "b"];
    const times = [T0, T0, T0 - 1, T0 - 1];
    const expected = ids.map((id, i) => (js.check("login", id, times[i] as number) ? 1 : 0));
    expect(Array.from(wasm.checkMany("login", ids, times))).toEqual(expected);
    expect(wasm.stats.late).toBe(2);
    expectSame(wasm, js);
  });

  it("checkMany runs through a table that overflows mid-run (the moves give up) exactly as check does", () => {
    for (const capacity of [8, 40, 300]) {
      const [wasm, js] = pair({ ttl: HOUR, capacity, falsePositiveRate: 1e-4, key: KEY });
      const ids = Array.from({ length: 3 * capacity }, (_, i) => `over-${i % (2 * capacity)}`);
      // Every third check is late (from the epoch before): also after the check where a run stops.
      const times = ids.map((_, i) => (i % 3 === 2 ? T0 - 1 : T0));
      const expected = ids.map((id, i) => (js.check("login", id, times[i] as number) ? 1 : 0));
      expect(Array.from(wasm.checkMany("login", ids, times))).toEqual(expected);
      expect(wasm.stats.late).toBe(capacity);
      expect(wasm.stats.overflowTables).toBeGreaterThan(0);
      expect(expected.slice(2 * capacity).every((d) => d === 1)).toBe(true);
      expectSame(wasm, js);
    }
  });

  it("fills a table of 20,000 ids an hour over four hours exactly as JavaScript does (kicks, sweeps, duplicates)", () => {
    const [wasm, js] = pair({ ttl: HOUR, capacity: 20_000, key: KEY });
    for (let hour = 0; hour < 4; hour++) {
      for (let i = 0; i < 24_000; i++) {
        const time = T0 + hour * HOUR + Math.floor((i * HOUR) / 24_000);
        // Every seventh check (of an even step) repeats an id of this hour.
        const id = i % 7 === 0 ? `id-${hour}-${i >> 1}` : `id-${hour}-${i}`;
        expect(wasm.check("login", id, time)).toBe(js.check("login", id, time));
      }
    }
    const stats = wasm.stats;
    expect(stats.duplicates).toBeGreaterThan(5_000);
    expect(stats.expired).toBeGreaterThan(40_000);
    expectSame(wasm, js);
  });

  it("gives up moving entries as JavaScript does: the same entry goes to the same overflow table", () => {
    for (const capacity of [8, 40, 300]) {
      const [wasm, js] = pair({ ttl: HOUR, capacity, falsePositiveRate: 1e-4, key: KEY });
      // Twice the capacity at one time: the moves give up and overflow tables take the rest.
      for (let i = 0; i < 2 * capacity; i++) expect(wasm.check("login", `over-${i}`, T0)).toBe(js.check("login", `over-${i}`, T0));
      expect(wasm.stats.overflowTables).toBeGreaterThan(0);
      expectSame(wasm, js);
      for (let i = 0; i < 2 * capacity; i++) expect(wasm.check("login", `over-${i}`, T0 + 1)).toBe(true);
    }
  });

  it("restores an image sized for another load into a kernel of the image's shape, not the constructor's", () => {
    // 500 ids per TTL at 1e-6: 181 buckets at today's load of 0.75, 151 at the 0.9 of older images.
    const geometry = tableGeometry(500, 1e-6, 0.9);
    expect(geometry.buckets).not.toBe(tableGeometry(500, 1e-6).buckets);
    const image = writeDeduplicatorImage(
      {
        exact: false, ttl: HOUR, started: true, epoch: Math.floor((T0 * 12) / HOUR), counts: [0, 0, 0, 0, 0, 0], randomState: 12345,
        sipHash: "1-3", capacity: 500, falsePositiveRate: 1e-6, geometry, tables: [new Uint32Array(tableWords(geometry))], entries: [],
      },
      new SipHasher(KEY),
    );
    const wasm = Deduplicator.fromBytes(image, { key: KEY });
    const js = withoutWebAssembly(() => Deduplicator.fromBytes(image, { key: KEY }));
    expect(hasKernel(wasm)).toBe(true);
    for (let i = 0; i < 700; i++) expect(wasm.check("login", `id-${i % 600}`, T0 + i)).toBe(js.check("login", `id-${i % 600}`, T0 + i));
    expect(wasm.stats.duplicates).toBeGreaterThanOrEqual(100);
    expectSame(wasm, js);
  });

  it("counts the kernel's memory in sizeInBytes: the table and its scratch page, in whole pages", () => {
    const [wasm, js] = pair({ ttl: HOUR, capacity: 1_000_000, falsePositiveRate: 1e-6, key: KEY });
    const extra = wasm.sizeInBytes - js.sizeInBytes;
    expect(extra).toBeGreaterThanOrEqual(65_536);
    expect(extra).toBeLessThan(2 * 65_536);
    expect((wasm.sizeInBytes + 0) % 65_536).toBe(0);
    expect(wasm.sizeInBytes).toBeLessThanOrEqual(5_000_000);
  });
});
