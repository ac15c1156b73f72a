import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { MonoidAggregator } from "../src/aggregators/aggregator.js";
import { GroupCompensatedSum, GroupSum, makeMonoid, MonoidMax, MonoidString, MonoidSum, type CompensatedSum } from "../src/algebra/index.js";
import { createEnvelope } from "../src/codec/index.js";
import { DecodeError, InvalidArgumentError } from "../src/errors.js";
import { approximateEquals, monoidLaws } from "../src/laws/index.js";
import { HyperLogLog } from "../src/sketches/index.js";
import {
  ExponentialDecay,
  SlidingWindow,
  TimeWindows,
  bucketStart,
  nextBucket,
  parseWindowLength,
  type DecayedValue,
  type WindowLevel,
  type WindowRange,
  type WindowResult,
} from "../src/windows/index.js";
import { decodeErrorCode, decodesOrRejectsCleanly, registerLaws } from "./support/checks.js";
import { mulberry32, uniform } from "./support/random.js";

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
const WEEK = 7 * DAY;

interface Event {
  readonly system: string;
  readonly user: string;
  readonly at: number;
  readonly bytes: number;
}

// Aggregators built inline (not from papertrail/aggregators) so this file
// depends only on the Aggregator interface.
const countOf: MonoidAggregator<Event, number, number> = {
  prepare: () => 1,
  append: (n) => n + 1,
  present: (n) => n,
  semigroup: MonoidSum,
  monoid: MonoidSum,
};
const bytesOf: MonoidAggregator<Event, number, number> = {
  prepare: (e) => e.bytes,
  append: (n, e) => n + e.bytes,
  present: (n) => n,
  semigroup: GroupSum,
  monoid: GroupSum,
};
const PRECISION = 12;
const hllMonoid = HyperLogLog.monoid({ precision: PRECISION });
const distinctUsers: MonoidAggregator<Event, HyperLogLog, number> = {
  prepare: (e) => new HyperLogLog({ precision: PRECISION }).add(e.user),
  append: (s, e) => s.add(e.user),
  present: (s) => s.cardinality(),
  semigroup: hllMonoid,
  monoid: hllMonoid,
};

const SYSTEMS = ["production_db", "billing_db", "auth", "vpn"];
// 2024-12-20 (a Friday): the stream crosses the year and several ISO weeks.
const START = Date.UTC(2024, 11, 20);

/**
 * A seeded stream: times advance steadily over `span`, most events a little
 * out of order, some late (within 2 h), a few very late (dropped).
 */
function makeStream(seed: number, n: number, span: number): Event[] {
  const random = uniform(seed);
  const events: Event[] = [];
  for (let i = 0; i < n; i++) {
    const base = START + Math.floor((i / n) * span);
    const r = random();
    const jitter = r < 0.8 ? random() * 10 * MINUTE : r < 0.97 ? random() * 110 * MINUTE : 2 * HOUR + random() * 10 * HOUR;
    events.push({
      system: SYSTEMS[Math.floor(random() ** 1.5 * SYSTEMS.length)] as string,
      user: `user-${Math.floor(random() ** 2 * 2000)}`,
      at: Math.max(START, Math.round(base - jitter)),
      bytes: 1 + Math.floor(random() * 1000),
    });
  }
  return events;
}

/** The exact oracle: which events a watermark with `lateness` accepts. */
class Oracle {
  readonly accepted: Event[] = [];
  readonly droppedBySystem = new Map<string, number>();
  dropped = 0;
  mark = Number.NEGATIVE_INFINITY;
  constructor(private readonly lateness: number) {}
  add(e: Event): boolean {
    if (e.at > this.mark) this.mark = e.at;
    if (e.at < this.mark - this.lateness) {
      this.dropped++;
      this.droppedBySystem.set(e.system, (this.droppedBySystem.get(e.system) ?? 0) + 1);
      return false;
    }
    this.accepted.push(e);
    return true;
  }
  inRange(system: string, from: number, to: number): Event[] {
    return this.accepted.filter((e) => e.system === system && e.at >= from && e.at < to);
  }
}

function directHll(events: readonly Event[]): HyperLogLog {
  const sketch = new HyperLogLog({ precision: PRECISION });
  for (const e of events) sketch.add(e.user);
  return sketch;
}

/**
 * A windows image fuzzed: about 300 truncations must all be rejected, and
 * 300 seeded single-bit flips must each decode or throw DecodeError only.
 */
function fuzzImage(restore: (bytes: Uint8Array) => unknown, bytes: Uint8Array, seed: number): void {
  for (let length = 0; length < bytes.length; length += Math.max(1, Math.floor(bytes.length / 300))) {
    expect(decodeErrorCode(() => restore(bytes.subarray(0, length)))).not.toBe("no error");
  }
  const random = mulberry32(seed);
  for (let i = 0; i < 300; i++) {
    const copy = bytes.slice();
    const position = random() % copy.length;
    copy[position] = (copy[position] as number) ^ (1 << (random() % 8));
    decodesOrRejectsCleanly(restore, copy);
  }
}

const LATENESS = 2 * HOUR;
const LEVELS: WindowLevel[] = [
  { granularity: "hour", retention: 168 },
  { granularity: "day", retention: 90 },
  { granularity: "week", retention: 12 },
];

describe("bucketStart / nextBucket", () => {
  it("floors to minutes, hours and days since the epoch, including before it", () => {
    const t = Date.UTC(2024, 1, 29, 13, 47, 12, 345);
    expect(bucketStart(t, "minute")).toBe(Date.UTC(2024, 1, 29, 13, 47));
    expect(bucketStart(t, "hour")).toBe(Date.UTC(2024, 1, 29, 13));
    expect(bucketStart(t, "day")).toBe(Date.UTC(2024, 1, 29));
    expect(bucketStart(-1, "minute")).toBe(-MINUTE);
    expect(bucketStart(-DAY, "day")).toBe(-DAY);
    expect(bucketStart(-DAY - 1, "day")).toBe(-2 * DAY);
    expect(bucketStart(Date.UTC(1969, 6, 20, 20, 17), "day")).toBe(Date.UTC(1969, 6, 20));
  });
  it("starts ISO weeks on Monday 00:00 UTC, across years", () => {
    expect(bucketStart(Date.UTC(2025, 0, 1, 12), "week")).toBe(Date.UTC(2024, 11, 30));
    expect(bucketStart(Date.UTC(2021, 0, 3, 23, 59), "week")).toBe(Date.UTC(2020, 11, 28)); // Sunday: ISO week 53 of 2020
    expect(bucketStart(Date.UTC(2021, 0, 4), "week")).toBe(Date.UTC(2021, 0, 4)); // Monday itself
    expect(bucketStart(Date.UTC(2021, 0, 4) - 1, "week")).toBe(Date.UTC(2020, 11, 28));
    expect(bucketStart(0, "week")).toBe(Date.UTC(1969, 11, 29));
    expect(bucketStart(Date.UTC(1900, 0, 1, 5), "week")).toBe(Date.UTC(1900, 0, 1)); // a Monday
    expect(nextBucket(Date.UTC(2024, 11, 31), "week")).toBe(Date.UTC(2025, 0, 6));
    expect(nextBucket(Date.UTC(2024, 11, 31, 23, 59, 59, 999), "day")).toBe(Date.UTC(2025, 0, 1));
  });
  it("always satisfy start <= t < next, are idempotent, and weeks start on Monday", () => {
    fc.assert(
      fc.property(fc.integer({ min: -4e12, max: 4e12 }), fc.constantFrom("minute", "hour", "day", "week" as const), (t, g) => {
        const start = bucketStart(t, g);
        const next = nextBucket(t, g);
        expect(start <= t && t < next).toBe(true);
        expect(bucketStart(start, g)).toBe(start);
        expect(nextBucket(start, g)).toBe(next);
        if (g === "week") {
          const date = new Date(start);
          expect([date.getUTCDay(), date.getUTCHours(), date.getUTCMinutes()]).toEqual([1, 0, 0]);
          expect(next - start).toBe(WEEK);
        }
      }),
      { numRuns: 300 },
    );
  });
  it("reject bad input with InvalidArgumentError", () => {
    expect(() => bucketStart(Number.NaN, "hour")).toThrow(InvalidArgumentError);
    expect(() => bucketStart(0, "month" as never)).toThrow(InvalidArgumentError);
    for (const bad of ["", "0h", "1y", "h", "1.5h", "-1d", "1 d", "01d"]) expect(() => parseWindowLength(bad)).toThrow(InvalidArgumentError);
    expect(parseWindowLength("90m")).toBe(90 * MINUTE);
    expect(parseWindowLength("7d")).toBe(7 * DAY);
  });
});

describe("TimeWindows against an exact oracle", () => {
  const events = makeStream(7, 30_000, 40 * DAY);
  const oracle = new Oracle(LATENESS);
  const options = { time: (e: Event) => e.at, key: (e: Event) => e.system, levels: LEVELS, allowedLateness: LATENESS };
  const counts = new TimeWindows({ ...options, aggregator: countOf });
  const sums = new TimeWindows({ ...options, aggregator: bytesOf });
  const users = new TimeWindows({ ...options, aggregator: distinctUsers, codecs: [HyperLogLog.codec] });

  type Check = { at: number; range: WindowRange; align: "outer" | "inner"; now: number; mark: number };
  const checkpoints = [0.3, 0.65, 1];
  const results: { check: Check; count: WindowResult<number, number>; sum: WindowResult<number, number>; users: WindowResult<HyperLogLog, number>; expected: Event[]; system: string }[] = [];
  const acceptance: boolean[][] = [];
  let next = 0;
  for (const fraction of checkpoints) {
    const end = Math.floor(fraction * events.length);
    for (; next < end; next++) {
      const e = events[next] as Event;
      acceptance.push([oracle.add(e), counts.add(e), sums.add(e), users.add(e)]);
    }
    const mark = oracle.mark;
    const ranges: WindowRange[] = [
      "1h",
      "24h",
      "7d",
      "30d",
      "2w",
      { from: mark - 3 * DAY - 17 * MINUTE, to: mark - 5 * HOUR + 13 * MINUTE },
      { from: START + DAY + 7 * MINUTE, to: START + 9 * DAY + 3 * HOUR + 1 },
      { from: START - 5 * DAY, to: mark + 3 * DAY },
      { from: mark - 10 * DAY - 1, to: mark - 10 * DAY + 1 },
    ];
    for (const range of ranges) {
      for (const align of ["outer", "inner"] as const) {
        for (const now of [mark, mark + 90 * MINUTE + 7]) {
          for (const system of SYSTEMS.slice(0, 3)) {
            const check = { at: fraction, range, align, now, mark };
            const count = counts.query(system, range, { now, align });
            const expected = oracle.inRange(system, count.from, count.to);
            results.push({ check, count, sum: sums.query(system, range, { now, align }), users: users.query(system, range, { now, align }), expected, system });
          }
        }
      }
    }
  }

  it("accepts exactly the events the oracle accepts, and counts the dropped ones", () => {
    expect(oracle.dropped).toBeGreaterThan(100);
    expect(acceptance.every(([o, ...w]) => w.every((x) => x === o))).toBe(true);
    expect(counts.dropped).toEqual({ total: oracle.dropped, late: oracle.dropped, keyLimit: 0, invalidTime: 0, future: 0 });
    for (const system of SYSTEMS) expect(counts.droppedFor(system)).toBe(oracle.droppedBySystem.get(system) ?? 0);
  });

  it("answers counts and sums exactly over the range it reports", () => {
    expect(results.length).toBeGreaterThan(300);
    for (const { count, sum, expected, check } of results) {
      const where = JSON.stringify(check);
      expect(count.value, where).toBe(expected.length);
      expect(sum.value, where).toBe(expected.reduce((s, e) => s + e.bytes, 0));
      expect([sum.from, sum.to]).toEqual([count.from, count.to]);
    }
  });

  it("answers distinct users with exactly the registers of an HLL built on the covered events", () => {
    for (const { users: result, expected, check } of results) {
      const direct = directHll(expected);
      expect(result.state?.equals(direct), JSON.stringify(check)).toBe(true);
      const truth = new Set(expected.map((e) => e.user)).size;
      expect(result.state?.estimate(0.95).contains(truth), JSON.stringify(check)).toBe(true);
      expect(result.value).toBe(direct.cardinality());
    }
  });

  it("reports the covered range: outer covers the request, inner stays inside it", () => {
    const finalMark = oracle.mark;
    for (const { count, check } of results) {
      const where = JSON.stringify(check);
      const request = typeof check.range === "string" ? { from: check.now - parseWindowLength(check.range), to: check.now } : check.range;
      expect(count.from <= count.to, where).toBe(true);
      if (count.exact) expect([count.from, count.to], where).toEqual([request.from, request.to]);
      if (check.align === "inner") {
        expect(count.from >= request.from && count.to <= request.to, where).toBe(true);
      } else {
        expect(count.to >= request.to, where).toBe(true);
        // The start is clipped only by retention (90 days here: never).
        expect(count.from <= request.from, where).toBe(true);
        expect(count.from > request.from - WEEK, where).toBe(true);
      }
      // Near the watermark the hourly level answers, so relative windows cover whole hours,
      // except that a range ending past every stored event ends where the request does.
      if (typeof check.range === "string" && check.range !== "30d" && check.at === 1 && check.align === "outer") {
        expect(count.to, where).toBe(check.mark < check.now ? check.now : bucketStart(check.now, "hour") + HOUR);
      }
    }
    expect(finalMark).toBeGreaterThan(START + 39 * DAY);
  });

  it("merges few buckets: coarse where closed, fine at the edges", () => {
    const { count } = results.find((r) => r.check.at === 1 && r.check.range === "30d" && r.check.align === "outer") ?? {};
    // 30 days: at most 23 + 23 hours at the edges, 6 + 6 days, and 3 weeks.
    expect(count?.buckets).toBeLessThanOrEqual(61);
    expect(count?.buckets).toBeGreaterThan(3);
  });

  it("rolls up: every daily and weekly bucket equals aggregating its events directly", () => {
    let checked = 0;
    for (const system of SYSTEMS) {
      for (const bucket of users.buckets(system)) {
        const size = bucket.granularity === "hour" ? HOUR : bucket.granularity === "day" ? DAY : WEEK;
        const expected = oracle.inRange(system, bucket.start, bucket.start + size);
        expect(bucket.state.equals(directHll(expected)), `${system} ${bucket.granularity} ${bucket.start}`).toBe(true);
        if (bucket.granularity !== "hour") checked++;
      }
      for (const bucket of counts.buckets(system)) {
        const size = bucket.granularity === "hour" ? HOUR : bucket.granularity === "day" ? DAY : WEEK;
        expect(bucket.state).toBe(oracle.inRange(system, bucket.start, bucket.start + size).length);
      }
    }
    expect(checked).toBeGreaterThan(4 * 40);
  });

  it("snapshots and restores the whole state in one image", () => {
    const bytes = users.toBytes();
    const restored = TimeWindows.fromBytes(bytes, { aggregator: distinctUsers, time: (e: Event) => e.at, key: (e: Event) => e.system, codecs: [HyperLogLog.codec] });
    expect(restored.watermark).toBe(users.watermark);
    expect(restored.dropped).toEqual(users.dropped);
    expect(restored.levels).toEqual(LEVELS);
    expect(restored.allowedLateness).toBe(LATENESS);
    expect(restored.keys().sort()).toEqual(users.keys().sort());
    for (const system of SYSTEMS) {
      expect(restored.droppedFor(system)).toBe(users.droppedFor(system));
      const a = users.buckets(system);
      const b = restored.buckets(system);
      expect(b.map((x) => [x.granularity, x.start])).toEqual(a.map((x) => [x.granularity, x.start]));
      expect(b.every((x, i) => x.state.equals((a[i] as (typeof a)[number]).state))).toBe(true);
    }
    expect(restored.toBytes()).toEqual(bytes);
    // Both continue identically.
    const more = makeStream(8, 3000, 42 * DAY).slice(2000);
    for (const e of more) expect(restored.add(e)).toBe(users.add(e));
    for (const range of ["24h", "7d", "30d"] as const) {
      const x = users.query("production_db", range, { now: users.watermark });
      const y = restored.query("production_db", range, { now: users.watermark });
      expect([y.from, y.to, y.buckets, y.value]).toEqual([x.from, x.to, x.buckets, x.value]);
      expect(y.state?.equals(x.state as HyperLogLog)).toBe(true);
    }
  });

  it("restores only from valid images: truncations, bit flips and missing codecs give DecodeError", () => {
    const small = new TimeWindows({ ...options, aggregator: distinctUsers, codecs: [HyperLogLog.codec] });
    for (const e of events.slice(0, 3000)) small.add(e);
    const bytes = small.toBytes();
    const restore = (image: Uint8Array) => TimeWindows.fromBytes(image, { aggregator: distinctUsers, time: (e: Event) => e.at, codecs: [HyperLogLog.codec] });
    fuzzImage(restore, bytes, 99);
    expect(decodeErrorCode(() => TimeWindows.fromBytes(bytes, { aggregator: distinctUsers, time: (e: Event) => e.at }))).toBe("wrong-family");
    expect(decodeErrorCode(() => restore(Uint8Array.of(0x50, 0x54, 0x7f, 1, 0, 0, 0, 0, 0xc0)))).toBe("invalid-field");
  });
});

describe("TimeWindows retention, lateness and limits", () => {
  const count = { prepare: () => 1, append: (n: number) => n + 1, present: (n: number) => n, semigroup: MonoidSum, monoid: MonoidSum };
  const at = (t: number) => t;

  it("keeps exactly `retention` buckets per level and reports the clipped range", () => {
    const windows = new TimeWindows({ aggregator: count, time: at, levels: [{ granularity: "hour", retention: 48 }, { granularity: "day", retention: 10 }], allowedLateness: 10 * MINUTE });
    const times: number[] = [];
    for (let t = START + 7 * MINUTE; t < START + 30 * DAY + 5 * HOUR; t += 30 * MINUTE) {
      times.push(t);
      expect(windows.add(t)).toBe(true);
    }
    const mark = windows.watermark;
    const hours = windows.buckets(undefined).filter((b) => b.granularity === "hour").map((b) => b.start);
    const days = windows.buckets(undefined).filter((b) => b.granularity === "day").map((b) => b.start);
    const lastHour = bucketStart(mark, "hour");
    expect(hours).toEqual(Array.from({ length: 48 }, (_, i) => lastHour - (47 - i) * HOUR));
    const lastClosedDayEnd = bucketStart(mark - 10 * MINUTE, "day");
    const firstDay = bucketStart(mark, "day") - 9 * DAY;
    expect(days).toEqual(Array.from({ length: (lastClosedDayEnd - firstDay) / DAY }, (_, i) => firstDay + i * DAY));
    const result = windows.query(undefined, "30d", { now: mark });
    expect(result.exact).toBe(false);
    expect(result.from).toBe(firstDay);
    expect(result.to).toBe(lastHour + HOUR);
    expect(result.value).toBe(times.filter((t) => t >= result.from && t < result.to).length);
    // A quiet stream still expires: advance a week and the old hours are gone.
    windows.advance(mark + 7 * DAY);
    expect(windows.buckets(undefined).filter((b) => b.granularity === "hour")).toEqual([]);
    // Days with data end at the old watermark's day, 7 days ago: 3 of the 10 retained days hold data.
    expect(windows.bucketCount).toBe(3);
    windows.advance(mark + 40 * DAY);
    expect(windows.keyCount).toBe(0);
  });

  it("counts late, key-limited and invalid events instead of losing them silently", () => {
    const windows = new TimeWindows({ aggregator: count, time: (e: { k: string; t: number }) => e.t, key: (e) => e.k, maxKeys: 2, allowedLateness: HOUR });
    expect(windows.add({ k: "a", t: 10 * HOUR })).toBe(true);
    expect(windows.add({ k: "a", t: 9 * HOUR })).toBe(true); // exactly the lateness
    expect(windows.add({ k: "a", t: 9 * HOUR - 1 })).toBe(false);
    expect(windows.add({ k: "b", t: 10 * HOUR })).toBe(true);
    expect(windows.add({ k: "c", t: 10 * HOUR })).toBe(false);
    expect(windows.add({ k: "a", t: Number.NaN })).toBe(false);
    expect(windows.dropped).toEqual({ total: 3, late: 1, keyLimit: 1, invalidTime: 1, future: 0 });
    expect(windows.droppedFor("a")).toBe(1);
    expect(windows.query("a", { from: 0, to: 11 * HOUR }).value).toBe(2);
    expect(windows.query("c", "24h", { now: 11 * HOUR })).toMatchObject({ value: 0, state: 0, buckets: 0 });
  });

  it("merges the fewest buckets: weeks, then days, then hours at the edges", () => {
    const windows = new TimeWindows({ aggregator: count, time: at, levels: [{ granularity: "hour", retention: 2000 }, { granularity: "day", retention: 90 }, { granularity: "week", retention: 10 }], allowedLateness: 0 });
    const monday = Date.UTC(2025, 0, 6);
    for (let t = monday - 14 * DAY; t < monday + 30 * DAY; t += 20 * MINUTE) windows.add(t);
    const q = (from: number, to: number) => windows.query(undefined, { from, to });
    expect(q(monday, monday + WEEK)).toMatchObject({ buckets: 1, value: 7 * 72, exact: true });
    expect(q(monday + 5 * HOUR, monday + WEEK + 2 * DAY + 3 * HOUR)).toMatchObject({ buckets: 19 + 6 + 2 + 3, exact: true });
    expect(q(monday - 14 * DAY, monday + 14 * DAY)).toMatchObject({ buckets: 4, value: 28 * 72 });
    expect(q(monday + 90 * MINUTE, monday + 150 * MINUTE)).toMatchObject({ from: monday + HOUR, to: monday + 3 * HOUR, buckets: 2, value: 6, exact: false });
    expect(windows.query(undefined, { from: monday + 90 * MINUTE, to: monday + 150 * MINUTE }, { align: "inner" })).toMatchObject({ from: monday + 2 * HOUR, to: monday + 2 * HOUR, buckets: 0, value: 0 });
    expect(q(monday + 30 * DAY, monday + 40 * DAY)).toMatchObject({ from: monday + 30 * DAY, to: monday + 40 * DAY, buckets: 0, value: 0, exact: true });
  });

  it("rejects inconsistent options", () => {
    expect(() => new TimeWindows({ aggregator: count, time: at, levels: [] })).toThrow(InvalidArgumentError);
    expect(() => new TimeWindows({ aggregator: count, time: at, levels: [{ granularity: "day", retention: 5 }, { granularity: "hour", retention: 5 }] })).toThrow(InvalidArgumentError);
    expect(() => new TimeWindows({ aggregator: count, time: at, levels: [{ granularity: "hour", retention: 24 }, { granularity: "day", retention: 5 }] })).toThrow(/needs at least 26/);
    expect(() => new TimeWindows({ aggregator: count, time: at, allowedLateness: -1 })).toThrow(InvalidArgumentError);
    expect(() => new TimeWindows({ aggregator: count, time: at, maxKeys: 0 })).toThrow(InvalidArgumentError);
    const windows = new TimeWindows({ aggregator: count, time: at });
    expect(() => windows.query(undefined, "1y" as never)).toThrow(InvalidArgumentError);
    expect(() => windows.query(undefined, { from: 2, to: 1 })).toThrow(InvalidArgumentError);
  });

  it("uses the now option, never the wall clock, when a query gives none", () => {
    let clock = 5 * HOUR + 1;
    // The events run ahead of this clock: the future check is turned off.
    const windows = new TimeWindows({ aggregator: count, time: at, now: () => clock, maxFutureSkew: Number.POSITIVE_INFINITY });
    for (let t = 0; t < 10 * HOUR; t += HOUR) windows.add(t);
    expect(windows.query(undefined, "2h")).toMatchObject({ from: 3 * HOUR, to: 6 * HOUR, value: 3 });
    clock = 10 * HOUR;
    expect(windows.query(undefined, "2h")).toMatchObject({ from: 8 * HOUR, to: 10 * HOUR, value: 2, exact: true });
  });

  it("aggregators without a monoid give undefined for empty ranges", () => {
    const first = { prepare: (t: number) => t, append: (s: number) => s, present: (s: number) => s, semigroup: { combine: (x: number) => x, combineMany: (x: number) => x, commutative: false } };
    const windows = new TimeWindows({ aggregator: first, time: at });
    windows.add(5 * HOUR + 3);
    windows.add(5 * HOUR + 9);
    expect(windows.query(undefined, "1h", { now: 5 * HOUR + 10 }).value).toBe(5 * HOUR + 3);
    expect(windows.query(undefined, "1h", { now: 2 * HOUR })).toMatchObject({ value: undefined, state: undefined, buckets: 0 });
  });
});

describe("SlidingWindow", () => {
  const stream = (seed: number) => {
    const random = uniform(seed);
    return Array.from({ length: 5000 }, (_, i) => ({ at: Math.max(0, i * 20_000 - Math.floor(random() * 40 * MINUTE)), size: Math.floor(random() * 100), user: `u${Math.floor(random() * 300)}` }));
  };
  type E = { at: number; size: number; user: string };

  it("keeps a running total with a group and equals the direct sum after every event", () => {
    const sum = { prepare: (e: E) => e.size, append: (s: number, e: E) => s + e.size, present: (s: number) => s, semigroup: GroupSum };
    const window = new SlidingWindow({ aggregator: sum, time: (e: E) => e.at, granularity: "minute", length: "30m" });
    expect(window.usesInverse).toBe(true);
    const kept: E[] = [];
    let dropped = 0;
    for (const [i, e] of stream(3).entries()) {
      if (window.add(e)) kept.push(e);
      else dropped++;
      if (i % 37 === 0) expect(window.value).toBe(kept.filter((k) => k.at >= window.from && k.at < window.to).reduce((s, k) => s + k.size, 0));
    }
    expect(dropped).toBeGreaterThan(0);
    expect(window.dropped).toBe(dropped);
    expect(window.to - window.from).toBe(30 * MINUTE);
    window.advance(window.watermark + 10 * MINUTE);
    expect(window.value).toBe(kept.filter((k) => k.at >= window.from).reduce((s, k) => s + k.size, 0));
    window.advance(window.watermark + DAY);
    expect(window.value).toBe(0);
  });

  it("merges the buckets when the semigroup has no inverse (max, HLL)", () => {
    const largest = { prepare: (e: E) => e.size, append: (s: number, e: E) => Math.max(s, e.size), present: (s: number) => s, semigroup: MonoidMax };
    const users = { prepare: (e: E) => new HyperLogLog({ precision: 10 }).add(e.user), append: (s: HyperLogLog, e: E) => s.add(e.user), present: (s: HyperLogLog) => s.cardinality(), semigroup: HyperLogLog.monoid({ precision: 10 }) };
    const a = new SlidingWindow({ aggregator: largest, time: (e: E) => e.at, granularity: "minute", length: "45m" });
    const b = new SlidingWindow({ aggregator: users, time: (e: E) => e.at, granularity: "minute", length: "45m" });
    expect(a.usesInverse || b.usesInverse).toBe(false);
    const kept: E[] = [];
    for (const [i, e] of stream(4).entries()) {
      if (a.add(e)) kept.push(e);
      b.add(e);
      if (i % 101 === 0) {
        const live = kept.filter((k) => k.at >= a.from && k.at < a.to);
        expect(a.value).toBe(Math.max(Number.NEGATIVE_INFINITY, ...live.map((k) => k.size)));
        const direct = new HyperLogLog({ precision: 10 });
        for (const k of live) direct.add(k.user);
        expect(b.state?.equals(direct)).toBe(true);
      }
    }
  });
});

describe("SlidingWindow image", () => {
  type E = { at: number; size: number; user: string };
  const stream = (seed: number, n: number) => {
    const random = uniform(seed);
    return Array.from({ length: n }, (_, i) => ({ at: Math.max(0, i * 20_000 - Math.floor(random() * 40 * MINUTE)), size: Math.floor(random() * 100), user: `u${Math.floor(random() * 300)}` }));
  };
  const sum = { prepare: (e: E) => e.size, append: (s: number, e: E) => s + e.size, present: (s: number) => s, semigroup: GroupSum };
  const users = { prepare: (e: E) => new HyperLogLog({ precision: 10 }).add(e.user), append: (s: HyperLogLog, e: E) => s.add(e.user), present: (s: HyperLogLog) => s.cardinality(), semigroup: HyperLogLog.monoid({ precision: 10 }) };
  const restoreSum = (bytes: Uint8Array) => SlidingWindow.fromBytes(bytes, { aggregator: sum, time: (e: E) => e.at });
  const restoreUsers = (bytes: Uint8Array) => SlidingWindow.fromBytes(bytes, { aggregator: users, time: (e: E) => e.at, codecs: [HyperLogLog.codec] });

  it("round-trips mid-stream and the restored window goes on exactly like the original", () => {
    const events = stream(11, 4000);
    for (const [granularity, length] of [["minute", "30m"], ["hour", "6h"]] as const) {
      const a = new SlidingWindow({ aggregator: sum, time: (e: E) => e.at, granularity, length });
      const b = new SlidingWindow({ aggregator: users, time: (e: E) => e.at, granularity, length, codecs: [HyperLogLog.codec] });
      for (const e of events.slice(0, 2500)) {
        a.add(e);
        b.add(e);
      }
      const a2 = restoreSum(a.toBytes());
      const b2 = restoreUsers(b.toBytes());
      expect([a2.granularity, a2.bucketCount, a2.watermark, a2.dropped, a2.from, a2.to]).toEqual([a.granularity, a.bucketCount, a.watermark, a.dropped, a.from, a.to]);
      expect(a2.value).toBe(a.value);
      expect(b2.state?.equals(b.state as HyperLogLog)).toBe(true);
      expect(a2.toBytes()).toEqual(a.toBytes());
      expect(b2.toBytes()).toEqual(b.toBytes());
      for (const e of events.slice(2500)) {
        expect(a2.add(e)).toBe(a.add(e));
        expect(b2.add(e)).toBe(b.add(e));
      }
      expect(a2.value).toBe(a.value);
      expect(a2.dropped).toBe(a.dropped);
      expect(b2.state?.equals(b.state as HyperLogLog)).toBe(true);
    }
  });

  it("round-trips an empty window and a window that only advanced", () => {
    const empty = new SlidingWindow({ aggregator: sum, time: (e: E) => e.at, granularity: "minute", length: "5m" });
    const restored = restoreSum(empty.toBytes());
    expect([restored.watermark, restored.value, restored.bucketCount]).toEqual([Number.NEGATIVE_INFINITY, 0, 5]);
    empty.advance(DAY);
    expect(restoreSum(empty.toBytes()).watermark).toBe(DAY);
  });

  it("rebuilds the running total from the buckets (no drift carried over)", () => {
    const floats = { prepare: (x: { at: number; v: number }) => x.v, append: (s: number, x: { at: number; v: number }) => s + x.v, present: (s: number) => s, semigroup: GroupSum };
    const window = new SlidingWindow({ aggregator: floats, time: (x: { at: number; v: number }) => x.at, granularity: "minute", length: "3m" });
    for (let i = 0; i < 600; i++) window.add({ at: i * 1000, v: i % 2 === 0 ? 1e16 : 0.1 });
    const restored = SlidingWindow.fromBytes(window.toBytes(), { aggregator: floats, time: (x: { at: number; v: number }) => x.at });
    // The restored total is the sum of the live buckets, each summed in arrival order.
    const live = new Map<number, number>();
    for (let i = 0; i < 600; i++) {
      const start = Math.floor((i * 1000) / MINUTE) * MINUTE;
      if (start >= restored.from) live.set(start, (live.get(start) ?? 0) + (i % 2 === 0 ? 1e16 : 0.1));
    }
    const expected = [...live.values()].reduce((s, v) => s + v, 0);
    expect(restored.value).toBe(expected);
  });

  it("golden bytes: a small image is frozen", () => {
    const window = new SlidingWindow({ aggregator: sum, time: (e: E) => e.at, granularity: "minute", length: "5m" });
    for (const minute of [0, 1, 1, 4, 6]) window.add({ at: Date.UTC(2026, 0, 5) + minute * MINUTE, size: minute + 1, user: "a" });
    const hex = Buffer.from(window.toBytes()).toString("hex");
    // Frozen: a changed layout breaks every stored image. See docs/windows.md.
    expect(hex.slice(0, 16)).toBe("50547f0100000000");
    expect(hex).toBe(GOLDEN_SLIDING_HEX);
    // Minutes 4 (size 5) and 6 (size 7) are live; minutes 0 and 1 have left the window.
    const restored = SlidingWindow.fromBytes(window.toBytes(), { aggregator: sum, time: (e: E) => e.at });
    expect([restored.value, restored.from, restored.to]).toEqual([12, Date.UTC(2026, 0, 5) + 2 * MINUTE, Date.UTC(2026, 0, 5) + 7 * MINUTE]);
  });

  it("restores only from valid images: truncations, bit flips, bad fields and missing codecs give DecodeError", () => {
    const window = new SlidingWindow({ aggregator: users, time: (e: E) => e.at, granularity: "minute", length: "20m", codecs: [HyperLogLog.codec] });
    for (const e of stream(12, 400)) window.add(e);
    const bytes = window.toBytes();
    fuzzImage(restoreUsers, bytes, 7);
    expect(decodeErrorCode(() => SlidingWindow.fromBytes(bytes, { aggregator: users, time: (e: E) => e.at }))).toBe("wrong-family");
    const envelope = createEnvelope({ codecs: [] });
    const image = (fields: Record<string, unknown>) =>
      envelope.encode({ format: "papertrail.sliding-window", version: 1, granularity: "minute", buckets: 5, watermark: 10 * MINUTE, dropped: 0, states: [], ...fields });
    expect(restoreSum(image({ states: [9 * MINUTE, 3, 10 * MINUTE, 4] })).value).toBe(7);
    for (const [fields, message] of [
      [{ format: "papertrail.windows" }, /format/],
      [{ granularity: "fortnight" }, /granularity/],
      [{ buckets: 0 }, /buckets/],
      [{ buckets: 100_001 }, /buckets/],
      [{ watermark: "now" }, /watermark/],
      [{ dropped: -1 }, /dropped/],
      [{ states: [MINUTE] }, /states/],
      [{ states: [9 * MINUTE + 1, 3] }, /boundary/],
      [{ states: [5 * MINUTE, 3] }, /outside/],
      [{ states: [11 * MINUTE, 3] }, /outside/],
      [{ states: [10 * MINUTE, 3, 9 * MINUTE, 4] }, /increase/],
      [{ states: [10 * MINUTE, 3, 10 * MINUTE, 4] }, /increase/],
      [{ states: [10 * MINUTE, null] }, /no state/],
      [{ watermark: null, states: [0, 1] }, /without a watermark/],
    ] as const) {
      expect(() => restoreSum(image(fields)), JSON.stringify(fields)).toThrow(message);
      expect(decodeErrorCode(() => restoreSum(image(fields)))).toBe("invalid-field");
    }
    expect(decodeErrorCode(() => restoreSum(image({ version: 2 })))).toBe("unsupported-version");
  });

  it("reports mistakes in the options as InvalidArgumentError, not as a bad image", () => {
    const bytes = new SlidingWindow({ aggregator: sum, time: (e: E) => e.at, granularity: "minute", length: "5m" }).toBytes();
    expect(() => SlidingWindow.fromBytes(bytes, { aggregator: sum, time: undefined as unknown as (e: E) => number })).toThrow(InvalidArgumentError);
    expect(() => SlidingWindow.fromBytes(bytes, { aggregator: {} as typeof sum, time: (e: E) => e.at })).toThrow(InvalidArgumentError);
    const windows = new TimeWindows({ aggregator: countOf, time: (e: Event) => e.at }).toBytes();
    expect(() => TimeWindows.fromBytes(windows, { aggregator: countOf, time: (e: Event) => e.at, maxFutureSkew: -1 })).toThrow(InvalidArgumentError);
    expect(() => TimeWindows.fromBytes(windows, { aggregator: countOf, time: 5 as unknown as (e: Event) => number })).toThrow(InvalidArgumentError);
  });

  it("refuses a non-Uint8Array image with DecodeError (malformed), as every sketch decoder does", () => {
    for (const bytes of ["x", null, [1, 2, 3], new ArrayBuffer(8)]) {
      const fromSliding = () => SlidingWindow.fromBytes(bytes as unknown as Uint8Array, { aggregator: sum, time: (e: E) => e.at });
      const fromTime = () => TimeWindows.fromBytes(bytes as unknown as Uint8Array, { aggregator: countOf, time: (e: Event) => e.at });
      for (const decode of [fromSliding, fromTime]) {
        expect(decode).toThrow(DecodeError);
        expect(decode).toThrow(/expected a Uint8Array/);
      }
    }
  });
});

describe("ExponentialDecay", () => {
  const decay = new ExponentialDecay(HOUR);
  const values = fc.record({ value: fc.double({ min: -1e3, max: 1e3, noNaN: true }), time: fc.integer({ min: 0, max: 48 * HOUR }) });
  // Identity and commutativity hold exactly; associativity up to rounding.
  registerLaws("decayed sums", monoidLaws<DecayedValue>(decay.monoid, values, { equals: approximateEquals({ relative: 1e-9, absolute: 1e-9 }) as (a: DecayedValue, b: DecayedValue) => boolean }));

  it("equals the direct sum of v * 2^(-(T - t) / halfLife), in any order", () => {
    const random = uniform(11);
    const events = Array.from({ length: 2000 }, (_, i) => ({ v: Math.floor(random() * 10), at: i * 30_000 - Math.floor(random() * 20 * MINUTE) }));
    const aggregator = decay.aggregator((e: { v: number; at: number }) => e.v, (e) => e.at);
    let state = aggregator.monoid.empty;
    for (const e of events) state = aggregator.append(state, e);
    const latest = Math.max(...events.map((e) => e.at));
    const direct = events.reduce((s, e) => s + e.v * 2 ** (-(latest - e.at) / HOUR), 0);
    expect(state.time).toBe(latest);
    expect(Math.abs(aggregator.present(state) - direct) / direct).toBeLessThan(1e-12);
    const merged = decay.monoid.combineAll(events.map((e) => aggregator.prepare(e)).reverse());
    expect(Math.abs(merged.value - direct) / direct).toBeLessThan(1e-12);
    expect(decay.valueAt(state, latest + 2 * HOUR)).toBeCloseTo(direct / 4, 9);
    expect(() => new ExponentialDecay(0)).toThrow(InvalidArgumentError);
  });

  it("works as a TimeWindows state, snapshot included", () => {
    const aggregator = decay.aggregator((e: { v: number; at: number }) => e.v, (e) => e.at);
    const windows = new TimeWindows({ aggregator, time: (e: { v: number; at: number }) => e.at });
    for (let i = 0; i < 100; i++) windows.add({ v: 1, at: i * 15 * MINUTE });
    const result = windows.query(undefined, "24h", { now: windows.watermark });
    expect([result.from, result.to]).toEqual([0, 25 * HOUR]);
    const direct = Array.from({ length: 100 }, (_, i) => 2 ** (-(99 - i) / 4)).reduce((s, x) => s + x, 0);
    expect(result.value).toBeCloseTo(direct, 9);
    const restored = TimeWindows.fromBytes(windows.toBytes(), { aggregator, time: (e: { v: number; at: number }) => e.at });
    expect(restored.query(undefined, "24h", { now: windows.watermark })).toEqual(result);
    expect(() => TimeWindows.fromBytes(Uint8Array.of(1, 2, 3), { aggregator, time: (e: { v: number; at: number }) => e.at })).toThrow(DecodeError);
  });
});

describe("TimeWindows image", () => {
  const build = () => {
    const windows = new TimeWindows({ aggregator: countOf, time: (e: Event) => e.at, key: (e: Event) => e.system });
    for (const [system, minutes] of [["db", 5], ["db", 70], ["vpn", 10]] as const) {
      windows.add({ system, user: "alice", at: Date.UTC(2026, 0, 5) + minutes * 60_000, bytes: 1 });
    }
    return windows;
  };
  it("golden bytes: a small snapshot is frozen", () => {
    const hex = Buffer.from(build().toBytes()).toString("hex");
    // Frozen: a changed layout breaks every stored snapshot. See docs/windows.md.
    expect(hex.slice(0, 16)).toBe("50547f0100000000"); // envelope preamble, family 0x7f, version 1
    expect(hex).toBe(GOLDEN_WINDOWS_HEX);
    expect(Buffer.from(TimeWindows.fromBytes(build().toBytes(), { aggregator: countOf, time: (e: Event) => e.at, key: (e: Event) => e.system }).toBytes()).toString("hex")).toBe(hex);
  });
  it("still reads images with three dropped counts (no future count): future is 0", () => {
    const restored = TimeWindows.fromBytes(Buffer.from(GOLDEN_WINDOWS_THREE_COUNTS_HEX, "hex"), { aggregator: countOf, time: (e: Event) => e.at, key: (e: Event) => e.system });
    expect(restored.levels).toEqual([{ granularity: "hour", retention: 168 }, { granularity: "day", retention: 90 }]);
    expect(restored.dropped).toEqual({ total: 1, late: 1, keyLimit: 0, invalidTime: 0, future: 0 });
    expect(restored.query("db", { from: Date.UTC(2026, 0, 5), to: Date.UTC(2026, 0, 5, 2) }).value).toBe(2);
  });
  it("huge declared sizes are refused without allocating them", () => {
    const preamble = [0x50, 0x54, 0x7f, 1, 0, 0, 0, 0];
    for (const header of [0xdd, 0xdf, 0xc6, 0xdb, 0xc9]) {
      const bytes = Uint8Array.from([...preamble, header, 0xff, 0xff, 0xff, 0xf0, 1]);
      expect(decodeErrorCode(() => TimeWindows.fromBytes(bytes, { aggregator: countOf, time: (e: Event) => e.at }))).not.toBe("no error");
    }
  });
});
// Captured from this build; any change to the snapshot layout must be deliberate.
const GOLDEN_WINDOWS_HEX =
  "50547f010000000088a6666f726d6174b27061706572747261696c2e77696e646f7773a776657273696f6e01a66c6576656c739292a4686f7572cca992a36461795aaf616c6c6f7765644c6174656e657373ce000493e0a76d61784b657973c0a977617465726d61726bcf0000019b8bb42e40a764726f707065649401000000a46b657973919391a26462009294cf0000019b8b74180001cf0000019b8bab06800190";
// The same windows written with the former default levels (168 hours) and three dropped counts (no `future`).
const GOLDEN_WINDOWS_THREE_COUNTS_HEX =
  "50547f010000000088a6666f726d6174b27061706572747261696c2e77696e646f7773a776657273696f6e01a66c6576656c739292a4686f7572cca892a36461795aaf616c6c6f7765644c6174656e657373ce000493e0a76d61784b657973c0a977617465726d61726bcf0000019b8bb42e40a764726f7070656493010000a46b657973919391a26462009294cf0000019b8b74180001cf0000019b8bab06800190";

// Captured from this build; any change to the sliding-window image layout must be deliberate.
const GOLDEN_SLIDING_HEX =
  "50547f010000000087a6666f726d6174b97061706572747261696c2e736c6964696e672d77696e646f77a776657273696f6e01ab6772616e756c6172697479a66d696e757465a76275636b65747305a977617465726d61726bcf0000019b8b799640a764726f7070656400a673746174657394cf0000019b8b77c18005cf0000019b8b79964007";

describe("Order-sensitive states, invalid times and state sharing", () => {
  interface Letter {
    readonly s: string;
    readonly at: number;
  }
  const concat: MonoidAggregator<Letter, string, string> = {
    prepare: (e) => e.s,
    append: (state, e) => state + e.s,
    present: (state) => state,
    semigroup: MonoidString,
    monoid: MonoidString,
  };
  const minute = 60_000;
  const hour = 3_600_000;

  it("a sliding window merges its buckets in time order, also after the ring wraps", () => {
    const window = new SlidingWindow({ aggregator: concat, time: (e: Letter) => e.at, granularity: "minute", length: "3m" });
    for (let i = 0; i < 5; i++) window.add({ s: String(i), at: i * minute });
    expect(window.value).toBe("234");
  });
  it("a rollup merges its finer buckets in time order, whatever order they were created in", () => {
    const windows = new TimeWindows({ aggregator: concat, time: (e: Letter) => e.at });
    windows.add({ s: "B", at: hour + minute });
    windows.add({ s: "A", at: hour - minute }); // late, within the default 5 minutes: creates an earlier hour
    expect(windows.query(undefined, { from: 0, to: 24 * hour }).value).toBe("AB");
    windows.advance(25 * hour);
    const rolled = windows.query(undefined, { from: 0, to: 24 * hour });
    expect(rolled.buckets).toBe(1);
    expect(rolled.value).toBe("AB");
  });
  it("event times that are not finite numbers are counted as invalid, never stored", () => {
    const windows = new TimeWindows({ aggregator: concat, time: (e: Letter) => e.at });
    expect(windows.add({ s: "x", at: "3600000" } as unknown as Letter)).toBe(false);
    expect(windows.add({ s: "x", at: new Date(3_600_000) } as unknown as Letter)).toBe(false);
    expect(windows.add({ s: "x", at: Number.NaN })).toBe(false);
    expect(windows.dropped.invalidTime).toBe(3);
    expect(windows.bucketCount).toBe(0);
  });
  it("a sliding window's state is a copy, not its live running total", () => {
    const compensated: MonoidAggregator<{ v: number; at: number }, CompensatedSum, number> = {
      prepare: (e) => ({ sum: e.v, compensation: 0 }),
      append: (state, e) => GroupCompensatedSum.combine(state, { sum: e.v, compensation: 0 }),
      present: (state) => state.sum + state.compensation,
      semigroup: GroupCompensatedSum,
      monoid: GroupCompensatedSum,
    };
    const window = new SlidingWindow({ aggregator: compensated, time: (e: { v: number; at: number }) => e.at, granularity: "minute", length: "3m" });
    window.add({ v: 1, at: 0 });
    const seen = window.state as { sum: number; compensation: number };
    window.add({ v: 10, at: minute });
    expect(seen.sum).toBe(1);
    seen.sum = 1000;
    expect(window.value).toBe(11);
  });
  it("a query result never shares a bucket's state", () => {
    interface Box {
      n: number;
    }
    const boxMonoid = makeMonoid<Box>({ combine: (x, y) => ({ n: x.n + y.n }), empty: () => ({ n: 0 }), freshEmpty: true, commutative: true });
    const boxes: MonoidAggregator<{ at: number }, Box, number> = {
      prepare: () => ({ n: 1 }),
      append: (state) => {
        state.n++;
        return state;
      },
      present: (state) => state.n,
      semigroup: boxMonoid,
      monoid: boxMonoid,
    };
    const windows = new TimeWindows({ aggregator: boxes, time: (e: { at: number }) => e.at });
    windows.add({ at: 0 });
    const result = windows.query(undefined, { from: 0, to: hour });
    windows.add({ at: 1 });
    expect((result.state as Box).n).toBe(1);
  });
});

describe("Empty and expired ranges; decay input checks", () => {
  const countEvents: MonoidAggregator<{ at: number }, number, number> = { prepare: () => 1, append: (n) => n + 1, present: (n) => n, semigroup: MonoidSum, monoid: MonoidSum };
  it("an empty range covers nothing", () => {
    const windows = new TimeWindows({ aggregator: countEvents, time: (e: { at: number }) => e.at });
    windows.add({ at: 10 });
    windows.add({ at: 20 });
    const result = windows.query(undefined, { from: 15, to: 15 });
    expect([result.value, result.buckets, result.from, result.to]).toEqual([0, 0, 15, 15]);
  });
  it("a range wholly before retention reports a covered range inside the request", () => {
    const windows = new TimeWindows({ aggregator: countEvents, time: (e: { at: number }) => e.at });
    windows.add({ at: 0 }); // expires: its day is 400 days before the watermark
    windows.add({ at: 400 * 86_400_000 });
    const result = windows.query(undefined, { from: 0, to: 86_400_000 });
    expect(result.from).toBeGreaterThanOrEqual(0);
    expect(result.to).toBeLessThanOrEqual(86_400_000);
    expect(result.exact).toBe(false);
  });
  it("the decay aggregator rejects non-finite times and values", () => {
    const decay = new ExponentialDecay(3_600_000);
    const aggregator = decay.aggregator((e: { v: number; at: number }) => e.v, (e) => e.at);
    expect(() => aggregator.prepare({ v: 1, at: Number.NaN })).toThrow(InvalidArgumentError);
    expect(() => aggregator.append(aggregator.prepare({ v: 1, at: 0 }), { v: Number.NaN, at: 1 })).toThrow(InvalidArgumentError);
  });
});

describe("TimeWindows maxFutureSkew", () => {
  const countEvents: MonoidAggregator<{ at: number }, number, number> = { prepare: () => 1, append: (n) => n + 1, present: (n) => n, semigroup: MonoidSum, monoid: MonoidSum };
  it("drops events stamped too far after now(), keeping the watermark and the buckets", () => {
    const now = 100 * 3_600_000;
    const windows = new TimeWindows({ aggregator: countEvents, time: (e: { at: number }) => e.at, now: () => now, maxFutureSkew: 60_000 });
    expect(windows.add({ at: now - 1000 })).toBe(true);
    expect(windows.add({ at: now + 30_000 })).toBe(true);
    expect(windows.add({ at: now + 10 * 86_400_000 })).toBe(false);
    expect(windows.watermark).toBe(now + 30_000);
    expect(windows.dropped).toMatchObject({ future: 1, invalidTime: 0, total: 1 });
    expect(windows.query(undefined, "1h", { now: now + 60_000 }).value).toBe(2);
  });
  it("with maxFutureSkew: Infinity, a far-future event is accepted (and moves the watermark)", () => {
    const windows = new TimeWindows({ aggregator: countEvents, time: (e: { at: number }) => e.at, now: () => 0, maxFutureSkew: Number.POSITIVE_INFINITY });
    expect(windows.add({ at: 10 * 86_400_000 })).toBe(true);
    expect(windows.watermark).toBe(10 * 86_400_000);
  });
  it("rejects a negative or NaN skew", () => {
    expect(() => new TimeWindows({ aggregator: countEvents, time: (e: { at: number }) => e.at, maxFutureSkew: -1 })).toThrow(InvalidArgumentError);
    expect(() => new TimeWindows({ aggregator: countEvents, time: (e: { at: number }) => e.at, maxFutureSkew: Number.NaN })).toThrow(InvalidArgumentError);
  });
});
