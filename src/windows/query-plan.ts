import { floorTo, type Level } from "./levels.js";

/**
 * Which buckets of each level a {@link TimeWindows} holds, as the query
 * planner sees them. Every key of the windows shares these bounds.
 *
 * @internal
 */
export interface LevelCoverage {
  /** Per level: start of the oldest retained bucket. */
  readonly retainedFrom: readonly number[];
  /** Per level: end of the last closed (rolled-up) bucket; ignored for the finest level, whose buckets are all usable. */
  readonly closedTo: readonly number[];
  /** No data was ever stored before this time (`Infinity` before any). */
  readonly dataFrom: number;
  /** No data is stored from this time on: the end of the watermark's finest bucket (`-Infinity` before any). */
  readonly dataTo: number;
}

/** One bucket of a plan: its level index and start. @internal */
export interface PlannedBucket {
  readonly level: number;
  readonly start: number;
}

/**
 * What a query merges: buckets in time order, and the range `[from, to)`
 * they cover together with the stretches known to hold no data.
 *
 * @internal
 */
export interface QueryPlan {
  readonly buckets: PlannedBucket[];
  readonly from: number;
  readonly to: number;
}

/**
 * The retention and closing bounds of each level when the watermark is
 * `mark`: level `l` holds the buckets starting from `retainedFrom[l]`, and
 * (for the coarser levels) those ending by `closedTo[l]`.
 *
 * @internal
 */
export function levelBounds(levels: readonly Level[], lateness: number, mark: number): { retainedFrom: number[]; closedTo: number[] } {
  return {
    retainedFrom: levels.map((level) => floorTo(mark, level) - (level.retention - 1) * level.size),
    closedTo: levels.map((level) => floorTo(mark - lateness, level)),
  };
}

/**
 * Plans a query of `[from, to)` (finite, `from <= to`) over `levels`: the
 * fewest stored buckets covering it, coarse where a closed bucket lies whole
 * inside the (rounded) range, finer ones at the edges.
 *
 * - `"outer"`: the plan covers every finest bucket the range touches; where
 *   the finest level has expired, the finest closed coarse bucket holding the
 *   edge is used and the covered range grows to its edges. What retention no
 *   longer holds is cut off at the start (the covered range then begins later
 *   than asked).
 * - `"inner"`: only buckets lying whole inside `[from, to)`; the covered
 *   range is always inside the request (empty ranges too).
 *
 * Stretches before `dataFrom` and from `dataTo` on hold no data and count as
 * covered without a bucket. Pure: a function of its arguments only.
 *
 * @internal
 */
export function planQuery(levels: readonly Level[], coverage: LevelCoverage, from: number, to: number, align: "outer" | "inner"): QueryPlan {
  let plan = planOnce(levels, coverage, from, to, align);
  if (align === "inner") return plan;
  // Outer: where the finest level has expired at an edge, the covered range
  // grew to the edges of a coarser bucket, and a bucket coarser still may
  // now lie whole inside it (seven days that are exactly one week): plan
  // the grown range again until it stops growing. It grows to coarser edges
  // each time, so this ends within one pass per level.
  for (let pass = 0; pass < levels.length && plan.buckets.length > 0 && (plan.from < from || plan.to > to); pass++) {
    from = plan.from;
    to = plan.to;
    plan = planOnce(levels, coverage, from, to, align);
  }
  return plan;
}

/** One greedy pass of {@link planQuery} over `[from, to)`. */
function planOnce(levels: readonly Level[], coverage: LevelCoverage, from: number, to: number, align: "outer" | "inner"): QueryPlan {
  const outer = align === "outer";
  const finest = levels[0] as Level;
  const { retainedFrom, closedTo, dataFrom, dataTo } = coverage;
  const available = (l: number, start: number, end: number): boolean =>
    start >= (retainedFrom[l] as number) && (l === 0 || end <= (closedTo[l] as number));
  if (from === to) return { buckets: [], from, to };
  let a = floorTo(from, finest);
  let b = floorTo(to, finest);
  if (outer) {
    if (b < to) b += finest.size;
  } else {
    if (a < from) a += finest.size;
    if (b <= a) return { buckets: [], from: Math.min(a, to), to: Math.min(a, to) };
  }
  // Earliest time some level holds; data stored in [dataFrom, earliest) has
  // expired everywhere, so a covered range cannot reach across it.
  let earliest = retainedFrom[0] as number;
  for (let l = 1; l < levels.length; l++) {
    const start = retainedFrom[l] as number;
    if (start < (closedTo[l] as number) && start < earliest) earliest = start;
  }
  let t = a;
  if (dataFrom < earliest && a < earliest && b > dataFrom) t = earliest;
  if (t >= to) return { buckets: [], from: to, to };

  const buckets: PlannedBucket[] = [];
  let coveredFrom = t;
  while (t < b) {
    if (t < dataFrom || t >= dataTo) {
      t = t >= dataTo ? b : Math.min(b, dataFrom);
      continue;
    }
    // The coarsest bucket starting at t that lies whole inside [t, b).
    let level = -1;
    let end = t;
    for (let l = levels.length - 1; l >= 0; l--) {
      const candidate = levels[l] as Level;
      const e = t + candidate.size;
      if (floorTo(t, candidate) === t && e <= b && available(l, t, e)) {
        level = l;
        end = e;
        break;
      }
    }
    if (level >= 0) {
      buckets.push({ level, start: t });
      t = end;
      continue;
    }
    // Only a bucket reaching past an edge of the range holds t: the finest such one.
    let start = t;
    for (let l = 0; l < levels.length && level < 0; l++) {
      const candidate = levels[l] as Level;
      const s = floorTo(t, candidate);
      if (available(l, s, s + candidate.size)) {
        level = l;
        start = s;
        end = s + candidate.size;
      }
    }
    if (level < 0) break; // a hole in coverage (validated levels leave none)
    if (outer) {
      buckets.push({ level, start });
      if (start < coveredFrom) coveredFrom = start;
      if (end > b) b = end;
      t = end;
    } else if (buckets.length === 0 && t === coveredFrom && start < t && end <= b) {
      // Inner, at the start: skip the bucket straddling the range's start.
      t = coveredFrom = end;
    } else {
      break;
    }
  }
  return { buckets, from: coveredFrom, to: t };
}
