/**
 * The one composite state a `ComplianceMonitor` keeps per (system, time
 * bucket): the event count and every metric's sketch, grouped by sketch
 * type so the ingest loops stay monomorphic. Its merge (the monoid the
 * time windows roll up and query with) can be restricted to one metric.
 *
 * @module
 */
import type { Monoid } from "../algebra/monoid.js";
import { InvalidArgumentError } from "../errors.js";
import { BloomFilter } from "../sketches/bloom-filter.js";
import { CountMinSketch } from "../sketches/count-min-sketch.js";
import { HyperLogLog } from "../sketches/hyperloglog.js";
import { REDIS_HLL_SEED } from "../hashing/murmur64a.js";
import { Moments } from "../sketches/moments.js";
import type { SketchStorage } from "../sketches/sketch.js";
import { TDigest } from "../sketches/t-digest.js";
import { TopK } from "../sketches/top-k.js";
import type { MetricPlan, ResolvedMetric } from "./monitor-metrics.js";

/**
 * A bucket's state. A plain object (so the windows' image codec stores it
 * as a map of sketch images) made by one factory (so every bucket has the
 * same hidden class).
 *
 * @internal
 */
export interface MonitorBucket {
  /** Events accepted into the bucket. */
  events: number;
  readonly distinct: HyperLogLog[];
  readonly activity: BloomFilter[];
  readonly top: TopK[];
  readonly frequency: CountMinSketch[];
  /** Per frequency metric: the first `maxValues` distinct values seen (Count-Min cannot list its keys). */
  readonly values: Set<string | number>[];
  /** Per frequency metric: events whose value was not listed because `values` was full. */
  readonly unlisted: number[];
  /** Per stats metric; `null` until the bucket's first value. */
  readonly moments: (Moments | null)[];
  readonly digests: (TDigest | null)[];
}

/** @internal */
export function newBucket(plan: MetricPlan, storage: SketchStorage | undefined): MonitorBucket {
  return {
    events: 0,
    distinct: plan.distinct.map((m) => new HyperLogLog(m.options, storage)),
    activity: plan.activity.map((m) => new BloomFilter(m.options, storage)),
    // Keyed by field hashes: the monitor hands each item's table hash over (ComplianceMonitor's feed).
    top: plan.top.map((m) => TopK.keyedByFieldHash(m.options, storage)),
    frequency: plan.frequency.map((m) => new CountMinSketch(m.options, storage)),
    values: plan.frequency.map(() => new Set<string | number>()),
    unlisted: plan.frequency.map(() => 0),
    moments: plan.stats.map(() => null),
    digests: plan.stats.map(() => null),
  };
}

function badState(message: string): never {
  throw new InvalidArgumentError(`compliance monitor bucket: ${message}`);
}

function checkArray(value: unknown, length: number, what: string): unknown[] {
  if (!Array.isArray(value) || value.length !== length) badState(`${what} must be an array of ${length}`);
  return value;
}

/**
 * Checks that a state read from an image has the plan's shape and
 * parameters (the sketches' own merges would fold a HyperLogLog of another
 * precision instead of refusing it).
 */
function checkBucket(plan: MetricPlan, state: MonitorBucket): void {
  if (state === null || typeof state !== "object") badState("not an object");
  if (typeof state.events !== "number" || !Number.isSafeInteger(state.events) || state.events < 0) badState("events must be a count");
  checkArray(state.distinct, plan.distinct.length, "distinct").forEach((s, i) => {
    const spec = plan.distinct[i] as Extract<ResolvedMetric, { kind: "distinct" }>;
    if (!(s instanceof HyperLogLog) || s.precision !== spec.options.precision || s.seed !== REDIS_HLL_SEED) {
      badState(`distinct[${i}] must be a HyperLogLog of precision ${spec.options.precision}`);
    }
  });
  checkArray(state.activity, plan.activity.length, "activity").forEach((s, i) => {
    if (!(s instanceof BloomFilter)) badState(`activity[${i}] must be a BloomFilter`);
  });
  checkArray(state.top, plan.top.length, "top").forEach((s, i) => {
    if (!(s instanceof TopK)) badState(`top[${i}] must be a TopK`);
  });
  checkArray(state.frequency, plan.frequency.length, "frequency").forEach((s, i) => {
    if (!(s instanceof CountMinSketch)) badState(`frequency[${i}] must be a CountMinSketch`);
  });
  checkArray(state.values, plan.frequency.length, "values").forEach((s, i) => {
    const max = (plan.frequency[i] as Extract<ResolvedMetric, { kind: "frequency" }>).maxValues;
    if (!(s instanceof Set) || s.size > max) badState(`values[${i}] must be a set of at most ${max} values`);
    for (const v of s) if (typeof v !== "string" && (typeof v !== "number" || !Number.isFinite(v))) badState(`values[${i}] holds a ${typeof v}`);
  });
  checkArray(state.unlisted, plan.frequency.length, "unlisted").forEach((n, i) => {
    if (typeof n !== "number" || !Number.isSafeInteger(n) || n < 0) badState(`unlisted[${i}] must be a count`);
  });
  const moments = checkArray(state.moments, plan.stats.length, "moments");
  checkArray(state.digests, plan.stats.length, "digests").forEach((d, i) => {
    const m = moments[i];
    const compression = (plan.stats[i] as Extract<ResolvedMetric, { kind: "stats" }>).options.compression;
    if (d === null && m === null) return;
    if (!(m instanceof Moments) || !(d instanceof TDigest) || d.compression !== compression) {
      badState(`moments[${i}] and digests[${i}] must both be null or a Moments and a TDigest of compression ${compression}`);
    }
  });
}

/**
 * Which metrics a merge combines: `undefined` for all (rollups, snapshots,
 * decoding), `null` for none (the event count only), else one metric (a
 * query reads only that one). Set only
 * around a query, which never rolls up (rollups run inside `add`).
 *
 * @internal
 */
export interface Projection {
  only: ResolvedMetric | null | undefined;
}

/**
 * The monoid of buckets: counts add, sketches merge (each into a fresh
 * sketch: inputs are never mutated). With a projection, only the projected
 * metric's sketch is merged and the others stay empty.
 *
 * @internal
 */
export function bucketMonoid(plan: MetricPlan, projection: Projection): Monoid<MonitorBucket> {
  const empty = newBucket(plan, undefined);
  const mergeInto = (target: MonitorBucket, source: MonitorBucket): void => {
    // Cheap next to the merges; it is what refuses a state decoded from an image that the plan cannot use.
    checkBucket(plan, source);
    target.events += source.events;
    const only = projection.only;
    const pick = (metric: ResolvedMetric): boolean => only === undefined || only === metric;
    for (const m of plan.distinct) if (pick(m)) (target.distinct[m.local] as HyperLogLog).merge(source.distinct[m.local] as HyperLogLog);
    for (const m of plan.activity) if (pick(m)) (target.activity[m.local] as BloomFilter).merge(source.activity[m.local] as BloomFilter);
    for (const m of plan.top) if (pick(m)) (target.top[m.local] as TopK).merge(source.top[m.local] as TopK);
    for (const m of plan.frequency) {
      if (!pick(m)) continue;
      const i = m.local;
      (target.frequency[i] as CountMinSketch).merge(source.frequency[i] as CountMinSketch);
      const values = target.values[i] as Set<string | number>;
      let unlisted = (target.unlisted[i] as number) + (source.unlisted[i] as number);
      for (const v of source.values[i] as Set<string | number>) {
        if (values.has(v)) continue;
        if (values.size < m.maxValues) values.add(v);
        else unlisted++;
      }
      target.unlisted[i] = unlisted;
    }
    for (const m of plan.stats) {
      if (!pick(m)) continue;
      const i = m.local;
      const moments = source.moments[i];
      const digest = source.digests[i];
      if (moments === null || moments === undefined || digest === null || digest === undefined) continue;
      let into = target.moments[i];
      if (into === null || into === undefined) {
        into = new Moments();
        target.moments[i] = into;
        target.digests[i] = new TDigest(m.options);
      }
      into.merge(moments);
      (target.digests[i] as TDigest).merge(digest);
    }
  };
  const combineMany = (first: MonitorBucket, rest: Iterable<MonitorBucket>): MonitorBucket => {
    const out = newBucket(plan, undefined);
    if (first !== empty) mergeInto(out, first);
    for (const state of rest) mergeInto(out, state);
    return out;
  };
  return {
    empty,
    // TopK and t-digest merges depend on order in ties and rounding.
    commutative: false,
    combine: (x, y) => combineMany(x, [y]),
    combineMany,
    combineAll: (values) => combineMany(empty, values),
  };
}
