import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { floorTo, validateLevels, type Level } from "../src/windows/levels.js";
import { levelBounds, planQuery, type LevelCoverage, type QueryPlan } from "../src/windows/query-plan.js";
import type { Granularity } from "../src/windows/index.js";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

// Level sets from finest to coarsest, and how far (in finest buckets) ranges may reach,
// so the brute-force oracle below stays small.
const LEVEL_SETS: readonly (readonly Granularity[])[] = [
  ["hour"],
  ["minute", "hour"],
  ["minute", "hour", "day"],
  ["hour", "day"],
  ["hour", "day", "week"],
  ["hour", "week"],
  ["day", "week"],
];

interface Case {
  readonly levels: Level[];
  readonly coverage: LevelCoverage;
  readonly from: number;
  readonly to: number;
}

/** Random levels (retentions just long enough, or longer), watermark, data start and range. */
const cases = fc
  .record({
    set: fc.constantFrom(...LEVEL_SETS),
    extra: fc.array(fc.integer({ min: 0, max: 60 }), { minLength: 3, maxLength: 3 }),
    lateness: fc.integer({ min: 0, max: 3 * HOUR }),
    mark: fc.integer({ min: 0, max: 400 * DAY }),
    dataAge: fc.oneof(fc.constant(-1), fc.integer({ min: 0, max: 120 })),
    fromBack: fc.double({ min: -0.3, max: 1.2, noNaN: true }),
    length: fc.double({ min: 0, max: 1, noNaN: true }),
  })
  .map(({ set, extra, lateness, mark, dataAge, fromBack, length }): Case => {
    const sizes = { minute: 60_000, hour: HOUR, day: DAY, week: 7 * DAY };
    const retentions: number[] = [];
    set.forEach((granularity, i) => {
      const next = set[i + 1];
      const needed = next === undefined ? Math.ceil(lateness / sizes[granularity]) + 1 : Math.ceil((lateness + sizes[next]) / sizes[granularity]) + 1;
      retentions.push(needed + (extra[i] as number));
    });
    const levels = validateLevels(set.map((granularity, i) => ({ granularity, retention: retentions[i] as number })), lateness);
    const finest = levels[0] as Level;
    const coarsest = levels[levels.length - 1] as Level;
    const { retainedFrom, closedTo } = levelBounds(levels, lateness, mark);
    // Data started `dataAge` coarse buckets before the watermark's (or never: Infinity).
    const dataFrom = dataAge < 0 ? Number.POSITIVE_INFINITY : floorTo(mark, coarsest) - dataAge * coarsest.size;
    const dataTo = dataAge < 0 ? Number.NEGATIVE_INFINITY : floorTo(mark, finest) + finest.size;
    // Ranges reach back about 1.2 times the span the finest level holds, at most 3000 finest buckets.
    const span = Math.min(3000 * finest.size, Math.max(finest.retention * finest.size, 3 * coarsest.size));
    const from = Math.round(mark - fromBack * span);
    const to = Math.round(from + length * span);
    return { levels, coverage: { retainedFrom, closedTo, dataFrom, dataTo }, from, to };
  });

function available(c: Case, l: number, start: number): boolean {
  const level = c.levels[l] as Level;
  const { retainedFrom, closedTo, dataFrom, dataTo } = c.coverage;
  return (
    floorTo(start, level) === start &&
    start >= (retainedFrom[l] as number) &&
    (l === 0 || start + level.size <= (closedTo[l] as number)) &&
    start >= dataFrom &&
    start < dataTo
  );
}

const isEmptyStretch = (c: Case, from: number, to: number) => to <= c.coverage.dataFrom || from >= c.coverage.dataTo;

/** Brute force: the fewest available buckets tiling [from, to) exactly, stretches without data free. */
function fewestBuckets(c: Case, from: number, to: number): number {
  const step = (c.levels[0] as Level).size;
  const best = new Map<number, number>([[from, 0]]);
  for (let p = from; p < to; p += step) {
    const here = best.get(p);
    if (here === undefined) continue;
    const relax = (end: number, cost: number) => {
      if (end <= to && (best.get(end) ?? Number.POSITIVE_INFINITY) > here + cost) best.set(end, here + cost);
    };
    if (isEmptyStretch(c, p, p + step)) relax(p + step, 0);
    c.levels.forEach((level, l) => {
      if (available(c, l, p)) relax(p + level.size, 1);
    });
  }
  return best.get(to) ?? Number.NaN;
}

/** The plan's buckets are available, in order, and tile [plan.from, plan.to) with stretches without data between them. */
function expectTiles(c: Case, plan: QueryPlan): void {
  let at = plan.from;
  for (const bucket of plan.buckets) {
    expect(available(c, bucket.level, bucket.start)).toBe(true);
    if (bucket.start !== at) expect(bucket.start > at && isEmptyStretch(c, at, bucket.start)).toBe(true);
    at = bucket.start + (c.levels[bucket.level] as Level).size;
  }
  expect(at <= plan.to).toBe(true);
  if (at < plan.to) expect(isEmptyStretch(c, at, plan.to)).toBe(true);
}

function earliestHeld(c: Case): number {
  let earliest = c.coverage.retainedFrom[0] as number;
  for (let l = 1; l < c.levels.length; l++) {
    const start = c.coverage.retainedFrom[l] as number;
    if (start < (c.coverage.closedTo[l] as number)) earliest = Math.min(earliest, start);
  }
  return earliest;
}

describe("query planner (pure, over random levels, watermarks and ranges)", () => {
  it("outer: tiles the covered range with the fewest buckets and covers the request, cut only where retention ended", () => {
    fc.assert(
      fc.property(cases, (c) => {
        const plan = planQuery(c.levels, c.coverage, c.from, c.to, "outer");
        expectTiles(c, plan);
        expect(plan.buckets.length).toBe(fewestBuckets(c, plan.from, plan.to));
        if (c.from === c.to) {
          expect([plan.from, plan.to, plan.buckets.length]).toEqual([c.from, c.to, 0]);
          return;
        }
        const finest = c.levels[0] as Level;
        const earliest = earliestHeld(c);
        // `+ 0`: Math.ceil of a time just below 0 is -0, the same instant as the planner's 0 (toBe tells them apart).
        const outerTo = Math.ceil((c.to + finest.offset) / finest.size) * finest.size - finest.offset + 0;
        // Retention cut the range when data it held is gone: the range starts before what any level
        // holds and its rounded end reaches past dataFrom (a range wholly before dataFrom had no data).
        const cut = c.coverage.dataFrom < earliest && c.from < earliest && outerTo > c.coverage.dataFrom;
        if (!cut) {
          expect(plan.from <= c.from && plan.to >= c.to).toBe(true);
          // Where the finest level still holds the range's start, the range is rounded to finest buckets only.
          if (floorTo(c.from, finest) >= (c.coverage.retainedFrom[0] as number)) {
            expect(plan.from).toBe(floorTo(c.from, finest));
            expect(plan.to).toBe(outerTo);
          }
        } else if (plan.from < plan.to) {
          expect(plan.from).toBe(earliest);
          expect(plan.to >= c.to).toBe(true);
        } else {
          expect([plan.from, plan.to]).toEqual([c.to, c.to]);
        }
      }),
      { numRuns: 400 },
    );
  });

  it("inner: the covered range is always inside the request, tiled with the fewest buckets", () => {
    fc.assert(
      fc.property(cases, (c) => {
        const plan = planQuery(c.levels, c.coverage, c.from, c.to, "inner");
        expect(c.from <= plan.from && plan.from <= plan.to && plan.to <= c.to).toBe(true);
        expectTiles(c, plan);
        expect(plan.buckets.length).toBe(fewestBuckets(c, plan.from, plan.to));
        // Where the finest level holds the whole request, inner covers every whole finest bucket in it.
        const finest = c.levels[0] as Level;
        const first = Math.ceil((c.from + finest.offset) / finest.size) * finest.size - finest.offset;
        const last = floorTo(c.to, finest);
        // (`+ 0` folds -0 into 0: Math.ceil of a small negative ratio is -0, the same instant.)
        if (first < last && first >= (c.coverage.retainedFrom[0] as number)) expect([plan.from + 0, plan.to + 0]).toEqual([first + 0, last + 0]);
      }),
      { numRuns: 400 },
    );
  });

  it("inner never reports the end of a skipped coarse bucket past the request", () => {
    // Hours kept for 30 h, days closed: a request starting inside an expired day and ending before the day's end.
    const levels = validateLevels([{ granularity: "hour", retention: 30 }, { granularity: "day", retention: 10 }], 0);
    const mark = 20 * DAY + 12 * HOUR;
    const { retainedFrom, closedTo } = levelBounds(levels, 0, mark);
    const coverage = { retainedFrom, closedTo, dataFrom: 0, dataTo: mark + HOUR };
    const plan = planQuery(levels, coverage, 15 * DAY + 2 * HOUR, 15 * DAY + 20 * HOUR, "inner");
    expect(plan.buckets).toEqual([]);
    expect(plan.from).toBe(plan.to);
    expect(plan.from >= 15 * DAY + 2 * HOUR && plan.to <= 15 * DAY + 20 * HOUR).toBe(true);
    // The same request with outer alignment is answered by the closed day.
    expect(planQuery(levels, coverage, 15 * DAY + 2 * HOUR, 15 * DAY + 20 * HOUR, "outer")).toEqual({ buckets: [{ level: 1, start: 15 * DAY }], from: 15 * DAY, to: 16 * DAY });
  });
});

describe("query planner: cases fast-check found", () => {
  const hour: Level = { granularity: "hour", retention: 26, size: HOUR, offset: 0 };
  const day: Level = { granularity: "day", retention: 11, size: DAY, offset: 0 };
  const week: Level = { granularity: "week", retention: 2, size: 7 * DAY, offset: 3 * DAY };

  it("outer: edges grown to whole days that are exactly one closed week take the week (one bucket, not seven)", () => {
    const coverage: LevelCoverage = { retainedFrom: [-25 * HOUR, -10 * DAY, -10 * DAY], closedTo: [-HOUR, -DAY, -3 * DAY], dataFrom: -10 * DAY, dataTo: HOUR };
    const plan = planQuery([hour, day, week], coverage, -9 * DAY - 1, -4 * DAY + 1, "outer");
    expect(plan).toEqual({ buckets: [{ level: 2, start: -10 * DAY }], from: -10 * DAY, to: -3 * DAY });
  });

  it("outer: a range wholly before the first data is covered without a bucket, not cut at the retention edge", () => {
    const coverage: LevelCoverage = { retainedFrom: [-43 * HOUR], closedTo: [0], dataFrom: -44 * HOUR, dataTo: HOUR };
    const plan = planQuery([{ ...hour, retention: 44 }], coverage, -44 * HOUR - 1, -44 * HOUR, "outer");
    expect(plan).toEqual({ buckets: [], from: -45 * HOUR, to: -44 * HOUR });
  });
});
