import { describe, expect, expectTypeOf, it } from "vitest";
import { count, max } from "../src/aggregators/index.js";
import { SlidingWindow, TimeWindows, parseWindowLength, type WindowLength } from "../src/windows/index.js";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const counting = () => count();

describe("far-future events in a SlidingWindow (maxFutureSkew, default one hour)", () => {
  const now = Date.UTC(2026, 0, 5, 12);
  const make = (options: { maxFutureSkew?: number; now?: () => number } = {}) =>
    new SlidingWindow({ aggregator: counting(), time: (t: number) => t, granularity: "minute", length: "1h", now: () => now, ...options });

  it("refuses an event stamped in 2099, counts it, and keeps the window's contents and watermark", () => {
    const window = make();
    for (let t = now - 30 * MINUTE; t <= now; t += MINUTE) expect(window.add(t)).toBe(true);
    expect(window.value).toBe(31);
    expect(window.add(Date.UTC(2099, 0, 1))).toBe(false);
    expect([window.watermark, window.dropped, window.droppedFuture]).toEqual([now, 1, 1]);
    // The next on-time event is stored, and nothing slid out.
    expect(window.add(now + MINUTE)).toBe(true);
    expect(window.value).toBe(32);
  });

  it("accepts events up to one hour after the clock, refuses the next millisecond, and Infinity opts out", () => {
    const window = make();
    expect(window.add(now + HOUR)).toBe(true);
    expect(window.add(now + HOUR + 1)).toBe(false);
    expect(window.droppedFuture).toBe(1);
    const replay = make({ maxFutureSkew: Number.POSITIVE_INFINITY });
    expect(replay.add(Date.UTC(2099, 0, 1))).toBe(true);
    expect(replay.watermark).toBe(Date.UTC(2099, 0, 1));
  });

  it("reads the clock again once events pass the limit it last computed", () => {
    let clock = 0;
    const window = make({ now: () => clock });
    expect(window.add(HOUR)).toBe(true);
    expect(window.add(2 * HOUR)).toBe(false);
    clock = HOUR;
    expect(window.add(2 * HOUR)).toBe(true);
    expect(window.droppedFuture).toBe(1);
  });

  it("restores with the skew given to fromBytes", () => {
    const window = make();
    window.add(now);
    const restored = SlidingWindow.fromBytes(window.toBytes(), { aggregator: counting(), time: (t: number) => t, now: () => now, maxFutureSkew: 0 });
    expect(restored.add(now + 1)).toBe(false);
    expect([restored.value, restored.droppedFuture]).toEqual([1, 1]);
  });
});

describe("far-future events (maxFutureSkew, default one hour)", () => {
  const now = Date.UTC(2026, 0, 5, 12);
  const make = (options: { maxFutureSkew?: number } = {}) =>
    new TimeWindows({ aggregator: counting(), time: (t: number) => t, now: () => now, ...options });

  it("refuses an event stamped in 2099, counts it in dropped.future, and keeps the watermark and history", () => {
    const windows = make();
    for (let t = now - 3 * DAY; t <= now; t += 10 * MINUTE) expect(windows.add(t)).toBe(true);
    const before = windows.query(undefined, "7d", { now }).value;
    expect(windows.add(Date.UTC(2099, 0, 1))).toBe(false);
    expect(windows.watermark).toBe(now);
    expect(windows.dropped).toEqual({ total: 1, late: 0, keyLimit: 0, invalidTime: 0, future: 1 });
    // The next on-time event is stored, and no history was expired.
    expect(windows.add(now + MINUTE)).toBe(true);
    expect(windows.query(undefined, "7d", { now }).value).toBe(before);
  });

  it("accepts events up to one hour after the clock, and refuses the next millisecond", () => {
    const windows = make();
    expect(windows.add(now + HOUR)).toBe(true);
    expect(windows.add(now + HOUR + 1)).toBe(false);
    expect(windows.dropped.future).toBe(1);
  });

  it("maxFutureSkew: Infinity opts out (replays stamped after the clock)", () => {
    const windows = make({ maxFutureSkew: Number.POSITIVE_INFINITY });
    expect(windows.add(Date.UTC(2099, 0, 1))).toBe(true);
    expect(windows.watermark).toBe(Date.UTC(2099, 0, 1));
  });

  it("reads the clock again once events pass the limit it last computed", () => {
    let clock = 0;
    const windows = new TimeWindows({ aggregator: counting(), time: (t: number) => t, now: () => clock });
    expect(windows.add(HOUR)).toBe(true);
    expect(windows.add(2 * HOUR)).toBe(false);
    clock = 2 * HOUR;
    expect(windows.add(2 * HOUR)).toBe(true);
  });
});

describe("headline queries with the default levels", () => {
  const start = Date.UTC(2026, 2, 1);
  const step = 7 * MINUTE;

  it.each(["1h", "24h", "7d"] as const)("%s covers whole hours at every minute of an hour: each end within one hourly bucket of the request, never a day", (window: WindowLength) => {
    const length = parseWindowLength(window);
    const times: number[] = [];
    const windows = new TimeWindows({ aggregator: counting(), time: (t: number) => t, maxFutureSkew: Number.POSITIVE_INFINITY });
    let next = start;
    const hour = start + 9 * DAY;
    for (let minute = 0; minute < 60; minute++) {
      const now = hour + minute * MINUTE + 17_000;
      for (; next <= now; next += step) {
        windows.add(next);
        times.push(next);
      }
      for (const at of [now, "watermark"] as const) {
        const result = windows.query(undefined, window, { now: at });
        const to = at === "watermark" ? windows.watermark + 1 : now;
        const where = `${window} at minute ${minute}, now ${at}`;
        expect(result.from, where).toBe(Math.floor((to - length) / HOUR) * HOUR);
        // Nothing stored lies past the watermark: when the request ends after it, so does the covered range.
        const pastEveryEvent = windows.watermark < to;
        expect(result.to, where).toBe(pastEveryEvent ? to : Math.ceil(to / HOUR) * HOUR);
        if (pastEveryEvent) expect(result.to - result.from - length, where).toBeLessThan(HOUR);
        else expect(result.to - result.from - length, where).toBeLessThanOrEqual(HOUR);
        expect(result.value, where).toBe(times.filter((t) => t >= result.from && t < result.to).length);
      }
    }
  });
});

describe("query clock and the watermark", () => {
  it("without now, a relative window ends at the wall clock and says when it lies past the watermark", () => {
    const windows = new TimeWindows({ aggregator: counting(), time: (t: number) => t });
    const replayed = Date.UTC(2020, 5, 1, 10);
    for (let i = 0; i < 10; i++) windows.add(replayed + i * MINUTE);
    const byClock = windows.query(undefined, "24h");
    expect(byClock).toMatchObject({ value: 0, pastWatermark: true });
    expect(byClock.to).toBeGreaterThan(Date.UTC(2025, 0, 1));
    const byWatermark = windows.query(undefined, "24h", { now: "watermark" });
    expect(byWatermark).toMatchObject({ value: 10, pastWatermark: false });
    // Nothing lies past the latest event, so the covered range ends just after it.
    expect(byWatermark.to).toBe(replayed + 9 * MINUTE + 1);
  });

  it('now: "watermark" includes the latest event even with inner alignment on its exact time', () => {
    const windows = new TimeWindows({ aggregator: counting(), time: (t: number) => t, levels: [{ granularity: "minute", retention: 120 }], allowedLateness: 0 });
    for (let m = 0; m < 10; m++) windows.add(m * MINUTE);
    expect(windows.query(undefined, "5m", { now: "watermark", align: "outer" }).value).toBe(6);
    expect(windows.query(undefined, "5m", { now: 9 * MINUTE, align: "outer" }).value).toBe(5);
  });

  it("before any event every range lies past the watermark", () => {
    const windows = new TimeWindows({ aggregator: counting(), time: (t: number) => t });
    expect(windows.query(undefined, "1h", { now: "watermark" })).toMatchObject({ value: 0, buckets: 0, pastWatermark: true });
    expect(windows.query(undefined, { from: 0, to: HOUR }).pastWatermark).toBe(true);
  });
});

describe("align: inner stays inside the request", () => {
  it("for random ranges over a stream with expired hours, the covered range never leaves the request", () => {
    const windows = new TimeWindows({ aggregator: counting(), time: (t: number) => t, levels: [{ granularity: "hour", retention: 30 }, { granularity: "day", retention: 30 }], allowedLateness: 0 });
    const times: number[] = [];
    for (let t = 0; t < 20 * DAY; t += 13 * MINUTE) {
      windows.add(t);
      times.push(t);
    }
    let seed = 12345;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    for (let i = 0; i < 2000; i++) {
      const from = Math.floor(random() * 22 * DAY) - DAY;
      const to = from + Math.floor(random() * 3 * DAY);
      const result = windows.query(undefined, { from, to }, { align: "inner" });
      const where = `[${from}, ${to})`;
      expect(result.from >= from && result.from <= result.to && result.to <= to, where).toBe(true);
      expect(result.value, where).toBe(times.filter((t) => t >= result.from && t < result.to).length);
    }
  });
});

describe("WindowResult types follow the aggregator", () => {
  it("a monoid aggregator's value and state are never undefined; a semigroup-only one's may be", () => {
    const counts = new TimeWindows({ aggregator: counting(), time: (t: number) => t });
    const result = counts.query(undefined, "1h", { now: 0 });
    expectTypeOf(result.value).toEqualTypeOf<number>();
    expectTypeOf(result.state).toEqualTypeOf<number>();
    const value: number = result.value;
    expect(value).toBe(0);
    const largest = max();
    const first = { prepare: largest.prepare, append: largest.append, present: largest.present, semigroup: largest.semigroup };
    const maybe = new TimeWindows({ aggregator: first, time: (t: number) => t }).query(undefined, "1h", { now: 0 });
    expectTypeOf(maybe.value).toEqualTypeOf<number | undefined>();
    // @ts-expect-error without a monoid an empty range answers undefined
    const notNumber: number = maybe.value;
    expect(notNumber).toBeUndefined();
  });
});
