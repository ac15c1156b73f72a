import { describe, expect, it } from "vitest";
import { count, distinctCount, sum } from "../src/aggregators/index.js";
import { createEnvelope } from "../src/codec/index.js";
import { DecodeError } from "../src/errors.js";
import { HyperLogLog } from "../src/sketches/index.js";
import { SlidingWindow, TimeWindows, type WindowRange } from "../src/windows/index.js";
import { decodeErrorCode } from "./support/checks.js";
import { mulberry32 } from "./support/random.js";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const START = Date.UTC(2026, 0, 5);

interface Login {
  readonly db: string;
  readonly user: string;
  readonly at: number;
}

function logins(n: number): Login[] {
  return Array.from({ length: n }, (_, i) => ({ db: ["prod", "billing", "auth"][i % 3] as string, user: `user-${(i * 7) % 11}`, at: START + i * 17 * MINUTE }));
}

const users = distinctCount({ precision: 6 });
const usersOf = { prepare: (e: Login) => users.prepare(e.user), append: (s: HyperLogLog, e: Login) => users.append(s, e.user), present: users.present, semigroup: users.monoid, monoid: users.monoid };
const countOf = count();
const timeOf = (e: Login) => e.at;
const dbOf = (e: Login) => e.db;

const restoreUsers = (bytes: Uint8Array) => TimeWindows.fromBytes(bytes, { aggregator: usersOf, time: timeOf, key: dbOf, codecs: [HyperLogLog.codec] });
const restoreCounts = (bytes: Uint8Array) => TimeWindows.fromBytes(bytes, { aggregator: countOf, time: timeOf, key: dbOf });
const restoreSliding = (bytes: Uint8Array) => SlidingWindow.fromBytes(bytes, { aggregator: usersOf, time: timeOf, codecs: [HyperLogLog.codec] });

function userWindows(): TimeWindows<Login, HyperLogLog, ReturnType<typeof users.present>, string, typeof usersOf> {
  const windows = new TimeWindows({ aggregator: usersOf, time: timeOf, key: dbOf, codecs: [HyperLogLog.codec], maxFutureSkew: Number.POSITIVE_INFINITY });
  for (const e of logins(150)) windows.add(e);
  return windows;
}

function slidingWindow(): SlidingWindow<Login, HyperLogLog, ReturnType<typeof users.present>> {
  const window = new SlidingWindow({ aggregator: usersOf, time: timeOf, granularity: "hour", length: "6h", codecs: [HyperLogLog.codec] });
  for (const e of logins(40)) window.add(e);
  return window;
}

/** The offset of the first byte where HyperLogLog images of two seeds differ: the seed field. */
function seedOffset(): number {
  const a = new HyperLogLog({ precision: 6, seed: 6 }).toBytes();
  const b = new HyperLogLog({ precision: 6, seed: 7 }).toBytes();
  return a.findIndex((byte, i) => byte !== b[i]);
}

function indexOfBytes(haystack: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

/** `image` with the lowest bit of the seed of the embedded sketch image `sketch` flipped. */
function withSeedBitFlipped(image: Uint8Array, sketch: Uint8Array): Uint8Array {
  const at = indexOfBytes(image, sketch);
  expect(at).toBeGreaterThan(0);
  const copy = image.slice();
  copy[at + seedOffset()] = (copy[at + seedOffset()] as number) ^ 1;
  return copy;
}

const RANGES: readonly WindowRange[] = ["24h", "30d", { from: START - HOUR, to: START + 3 * 24 * HOUR + 7 }];

/** Every query of every key (and of a key never seen) runs; the windows go on taking events and write an image. */
function exerciseTimeWindows<S, O>(windows: TimeWindows<Login, S, O, string>, check: (value: O | undefined) => void): void {
  for (const key of [...windows.keys(), "never-seen"]) {
    for (const range of RANGES) {
      for (const align of ["outer", "inner"] as const) {
        for (const now of ["watermark", START + 2 * 24 * HOUR] as const) check(windows.query(key, range, { now, align }).value);
      }
    }
  }
  windows.add({ db: "prod", user: "late-comer", at: Number.isFinite(windows.watermark) ? windows.watermark : START });
  windows.toBytes();
}

function exerciseSliding(window: SlidingWindow<Login, HyperLogLog, ReturnType<typeof users.present>>): void {
  expect(Number.isFinite(window.value?.estimate)).toBe(true);
  window.add({ db: "prod", user: "late-comer", at: Number.isFinite(window.watermark) ? window.watermark : START });
  expect(Number.isFinite(window.value?.estimate)).toBe(true);
  window.toBytes();
}

/**
 * Each single-bit flip, each truncation and `randomImages` random payloads
 * behind a valid preamble: `fromBytes` throws DecodeError (nothing else), or
 * gives windows on which `exercise` runs without throwing.
 */
function fuzz<W>(bytes: Uint8Array, restore: (bytes: Uint8Array) => W, exercise: (windows: W) => void, randomImages: number): { decoded: number; rejected: number } {
  const tally = { decoded: 0, rejected: 0 };
  const attempt = (candidate: Uint8Array, what: string) => {
    let windows: W;
    try {
      windows = restore(candidate);
    } catch (error) {
      if (!(error instanceof DecodeError)) throw new Error(`${what}: fromBytes threw ${(error as Error).name}: ${(error as Error).message}`);
      tally.rejected++;
      return;
    }
    try {
      exercise(windows);
    } catch (error) {
      throw new Error(`${what}: decoded, then threw ${(error as Error).name}: ${(error as Error).message}`);
    }
    tally.decoded++;
  };
  for (let bit = 0; bit < bytes.length * 8; bit++) {
    const copy = bytes.slice();
    copy[bit >> 3] = (copy[bit >> 3] as number) ^ (1 << (bit & 7));
    attempt(copy, `bit ${bit} flipped`);
  }
  for (let length = 0; length < bytes.length; length++) attempt(bytes.subarray(0, length), `truncated to ${length} bytes`);
  const random = mulberry32(2026);
  for (let i = 0; i < randomImages; i++) {
    const payload = Uint8Array.from({ length: 1 + (random() % 64) }, () => random() & 0xff);
    attempt(Uint8Array.from([...bytes.subarray(0, 8), ...payload]), `random payload ${i}`);
  }
  return tally;
}

describe("windows images validate every stored state", () => {
  it("a TimeWindows image whose embedded HyperLogLog seed has one flipped bit is refused by fromBytes", () => {
    const windows = userWindows();
    const bytes = windows.toBytes();
    const sketch = (windows.buckets("prod")[0]?.state as HyperLogLog).toBytes();
    expect(restoreUsers(bytes).keyCount).toBe(3);
    expect(decodeErrorCode(() => restoreUsers(withSeedBitFlipped(bytes, sketch)))).toBe("invalid-field");
    expect(() => restoreUsers(withSeedBitFlipped(bytes, sketch))).toThrow(/cannot use/);
  });

  it("a SlidingWindow image whose embedded HyperLogLog seed has one flipped bit is refused by fromBytes", () => {
    const window = slidingWindow();
    const bytes = window.toBytes();
    const sketch = (window.state as HyperLogLog).toBytes();
    const envelope = createEnvelope({ codecs: [HyperLogLog.codec] });
    const record = envelope.decode(bytes) as { states: unknown[] };
    const stored = (record.states[1] as HyperLogLog).toBytes();
    expect(sketch.length).toBeGreaterThan(0);
    expect(decodeErrorCode(() => restoreSliding(withSeedBitFlipped(bytes, stored)))).toBe("invalid-field");
  });

  it("a state of the wrong type (1n in a count window) is refused with DecodeError, never TypeError", () => {
    const envelope = createEnvelope();
    const counts = new TimeWindows({ aggregator: countOf, time: timeOf, key: dbOf });
    for (const e of logins(10)) counts.add(e);
    const record = envelope.decode(counts.toBytes()) as { keys: [unknown, unknown, unknown[][]][] };
    for (const [state, what] of [[1n, "bigint"], ["1", "string"], [{ n: 1 }, "object"], [[1], "array"], [true, "boolean"]] as const) {
      const bad = structuredClone(record);
      ((bad.keys[0] as [unknown, unknown, unknown[][]])[2][0] as unknown[])[1] = state;
      expect(decodeErrorCode(() => restoreCounts(envelope.encode(bad))), what).toBe("invalid-field");
    }
    const sliding = new SlidingWindow({ aggregator: sum(), time: (t: number) => t, granularity: "minute", length: "5m" });
    sliding.add(3);
    const image = envelope.decode(sliding.toBytes()) as { states: unknown[] };
    image.states[1] = 1n;
    expect(decodeErrorCode(() => SlidingWindow.fromBytes(envelope.encode(image), { aggregator: sum(), time: (t: number) => t }))).toBe("invalid-field");
  });

  it("fuzzed TimeWindows images (every bit flip, every truncation, random payloads) are refused or fully usable", () => {
    const counts = new TimeWindows({ aggregator: countOf, time: timeOf, key: dbOf, maxFutureSkew: Number.POSITIVE_INFINITY });
    for (const e of logins(24)) counts.add(e);
    const tally = fuzz(counts.toBytes(), restoreCounts, (windows) => exerciseTimeWindows(windows, (value) => expect(typeof value).toBe("number")), 300);
    expect(tally.decoded).toBeGreaterThan(100);
    expect(tally.rejected).toBeGreaterThan(100);
  });

  it("fuzzed TimeWindows images of HyperLogLog states are refused or fully usable", () => {
    const windows = new TimeWindows({ aggregator: usersOf, time: timeOf, key: dbOf, codecs: [HyperLogLog.codec], maxFutureSkew: Number.POSITIVE_INFINITY });
    for (const e of logins(9)) windows.add(e);
    const tally = fuzz(windows.toBytes(), restoreUsers, (restored) => exerciseTimeWindows(restored, (value) => expect(Number.isFinite(value?.estimate)).toBe(true)), 300);
    expect(tally.decoded).toBeGreaterThan(100);
    expect(tally.rejected).toBeGreaterThan(100);
  });

  it("fuzzed SlidingWindow images are refused or fully usable", () => {
    const tally = fuzz(slidingWindow().toBytes(), restoreSliding, exerciseSliding, 300);
    expect(tally.decoded).toBeGreaterThan(100);
    expect(tally.rejected).toBeGreaterThan(100);
  });
});
