/**
 * What a worker measures: each metric turns the events of one system, hour
 * bucket and batch into one fresh sketch (a delta the store merges).
 *
 * @module
 */
import type { ComplianceEvent } from "../compliance/event.js";
import { InvalidArgumentError } from "../errors.js";
import type { StoredSketch } from "../redis/stored-sketch.js";
import { isFailedLogin } from "../compliance/monitor-metrics.js";
import { BloomFilter } from "../sketches/bloom-filter.js";
import { CountMinSketch } from "../sketches/count-min-sketch.js";
import { HyperLogLog } from "../sketches/hyperloglog.js";
import { Moments } from "../sketches/moments.js";
import { TDigest } from "../sketches/t-digest.js";
import { TopK } from "../sketches/top-k.js";

/**
 * A metric a worker keeps per (system, bucket): a fresh sketch per batch
 * from `create`, fed by `add` with every event `where` accepts. The store
 * merges the deltas through the family's monoid.
 *
 * @example
 * ```ts
 * import { type WorkerMetric } from "papertrail/workers";
 * import { HyperLogLog } from "papertrail/sketches";
 * const users: WorkerMetric = {
 *   name: "users",
 *   create: () => new HyperLogLog(),
 *   add: (sketch, event) => { if (event.user !== undefined) (sketch as HyperLogLog).add(event.user); },
 * };
 * users.create().describe().startsWith("HyperLogLog"); // => true
 * ```
 */
export interface WorkerMetric {
  /** Metric name in the store's keys. */
  readonly name: string;
  /** Events this metric takes (default: all). */
  readonly where?: (event: ComplianceEvent) => boolean;
  /** A fresh empty sketch; every call must give the same parameters. */
  create(): StoredSketch;
  /** Feeds one event to a sketch `create` made. */
  add(sketch: StoredSketch, event: ComplianceEvent): void;
}

/**
 * Which text of an event a metric counts: a function returning it, or
 * `undefined` to leave the event out of the metric.
 *
 * @example
 * ```ts
 * import { type EventKey, parseRecord } from "papertrail/workers";
 * const ip: EventKey = (event) => event.ip;
 * ip(parseRecord({ event_type: "login", user_id: "bob", system: "vpn", timestamp: "2026-01-01T00:00:00Z", metadata: { ip: "10.0.0.9" } })); // => "10.0.0.9"
 * ```
 */
export type EventKey = (event: ComplianceEvent) => string | undefined;

/** Events a helper metric takes: those `where` accepts that have a key (no empty sketch for a batch without one). */
function accepts(key: EventKey, where: ((event: ComplianceEvent) => boolean) | undefined): (event: ComplianceEvent) => boolean {
  return where === undefined ? (event) => key(event) !== undefined : (event) => where(event) && key(event) !== undefined;
}

function checkName(name: unknown): string {
  if (typeof name !== "string" || name.length === 0) throw new InvalidArgumentError(`metric name must be a non-empty string, got ${String(name)}`);
  return name;
}

/**
 * Distinct values of `key` per system and bucket, as a HyperLogLog at
 * Redis's precision (the store merges it with PFMERGE; idempotent).
 *
 * @example
 * ```ts
 * import { distinctMetric } from "papertrail/workers";
 * const metric = distinctMetric("users", (e) => e.user);
 * metric.name; // => "users"
 * ```
 */
export function distinctMetric(name: string, key: EventKey, where?: (event: ComplianceEvent) => boolean): WorkerMetric {
  checkName(name);
  return {
    name,
    where: accepts(key, where),
    create: () => new HyperLogLog(),
    add: (sketch, event) => {
      const value = key(event);
      if (value !== undefined) (sketch as HyperLogLog).add(value);
    },
  };
}

/**
 * Occurrences of each value of `key` per system and bucket, as a
 * Count-Min sketch (merges add: the checkpoint keeps replays out).
 *
 * @example
 * ```ts
 * import { countMetric } from "papertrail/workers";
 * const metric = countMetric("events-by-kind", (e) => e.kind, { width: 256, depth: 4 });
 * metric.create().describe(); // => "CountMinSketch(width=256, depth=4, seed=0xadc83b19, conservative=false)"
 * ```
 */
export function countMetric(
  name: string,
  key: EventKey,
  options: { readonly width?: number; readonly depth?: number } = {},
  where?: (event: ComplianceEvent) => boolean,
): WorkerMetric {
  checkName(name);
  const width = options.width ?? 2048;
  const depth = options.depth ?? 5;
  return {
    name,
    where: accepts(key, where),
    create: () => new CountMinSketch({ width, depth }),
    add: (sketch, event) => {
      const value = key(event);
      if (value !== undefined) (sketch as CountMinSketch).add(value);
    },
  };
}

/**
 * The heaviest values of `key` per system and bucket, as a TopK summary
 * (merges add counts; exact while a bucket has at most `capacity` values).
 *
 * @example
 * ```ts
 * import { topMetric } from "papertrail/workers";
 * const metric = topMetric("top-users", (e) => e.user, { capacity: 64 });
 * metric.create().describe(); // => "TopK(capacity=64)"
 * ```
 */
export function topMetric(
  name: string,
  key: EventKey,
  options: { readonly capacity?: number } = {},
  where?: (event: ComplianceEvent) => boolean,
): WorkerMetric {
  checkName(name);
  const capacity = options.capacity ?? 1024;
  return {
    name,
    where: accepts(key, where),
    create: () => new TopK({ capacity }),
    add: (sketch, event) => {
      const value = key(event);
      if (value !== undefined) (sketch as TopK).add(value);
    },
  };
}

const failed = (event: ComplianceEvent): boolean => event.outcome === "failure";

/**
 * The metrics a worker keeps unless told otherwise: events by kind, events
 * by user, distinct users and IPs, failed logins by user, the top users and
 * the top IPs of failures.
 *
 * @example
 * ```ts
 * import { defaultWorkerMetrics } from "papertrail/workers";
 * defaultWorkerMetrics().map((m) => m.name); // => ["events-by-kind", "events-by-user", "distinct-users", "distinct-ips", "failures-by-user", "top-users", "top-failure-ips"]
 * ```
 */
export function defaultWorkerMetrics(): WorkerMetric[] {
  return [
    countMetric("events-by-kind", (e) => e.kind, { width: 256, depth: 4 }),
    countMetric("events-by-user", (e) => e.user),
    distinctMetric("distinct-users", (e) => e.user),
    distinctMetric("distinct-ips", (e) => e.ip),
    countMetric("failures-by-user", (e) => e.user, {}, failed),
    topMetric("top-users", (e) => e.user, { capacity: 1024 }),
    topMetric("top-failure-ips", (e) => e.ip, { capacity: 256 }, failed),
  ];
}

/**
 * Whether a value of `key` (a user, say) touched the system in the bucket,
 * as a Bloom filter per system and bucket (the store merges with BITOP OR:
 * idempotent). Default capacity 10,000 at a 1 % false-positive rate
 * (11.7 KiB per bucket), the embedded monitor's `activity` default.
 *
 * @example
 * ```ts
 * import { activityMetric } from "papertrail/workers";
 * const metric = activityMetric("activity", (e) => e.user);
 * metric.create().describe().startsWith("BloomFilter"); // => true
 * ```
 */
export function activityMetric(
  name: string,
  key: EventKey,
  options: { readonly capacity?: number; readonly falsePositiveRate?: number } = {},
  where?: (event: ComplianceEvent) => boolean,
): WorkerMetric {
  checkName(name);
  const capacity = options.capacity ?? 10_000;
  const falsePositiveRate = options.falsePositiveRate ?? 0.01;
  return {
    name,
    where: accepts(key, where),
    create: () => new BloomFilter({ capacity, falsePositiveRate }),
    add: (sketch, event) => {
      const value = key(event);
      if (value !== undefined) (sketch as BloomFilter).add(value);
    },
  };
}

/**
 * Which number of an event a statistics metric takes, or `undefined` to
 * leave the event out.
 *
 * @example
 * ```ts
 * import { type EventValue, parseRecord } from "papertrail/workers";
 * const latency: EventValue = (event) => event.value;
 * latency(parseRecord({ service: "api", cpu: 50, latency_ms: 9, timestamp: 0 })); // => 9
 * ```
 */
export type EventValue = (event: ComplianceEvent) => number | undefined;

/** Values the statistics sketches take: finite, within ±Moments.VALUE_LIMIT. */
const statValue = (value: EventValue) => (event: ComplianceEvent): number | undefined => {
  const x = value(event);
  return typeof x === "number" && x >= -Moments.VALUE_LIMIT && x <= Moments.VALUE_LIMIT ? x : undefined;
};

/**
 * Statistics of a numeric value per system and bucket, as two metrics:
 * `<name>.moments` (count, mean, σ, min, max: Moments) and `<name>.digest`
 * (quantiles: a t-digest of `compression`, default 50). Values that are not
 * finite numbers within ±1e60 are left out.
 *
 * @example
 * ```ts
 * import { statsMetrics } from "papertrail/workers";
 * statsMetrics("values", (e) => e.value).map((m) => m.name); // => ["values.moments", "values.digest"]
 * ```
 */
export function statsMetrics(name: string, value: EventValue, options: { readonly compression?: number } = {}, where?: (event: ComplianceEvent) => boolean): WorkerMetric[] {
  checkName(name);
  const compression = options.compression ?? 50;
  const x = statValue(value);
  const takes = (event: ComplianceEvent): boolean => (where === undefined || where(event)) && x(event) !== undefined;
  return [
    { name: `${name}.moments`, where: takes, create: () => new Moments(), add: (sketch, event) => void (sketch as Moments).add(x(event) as number) },
    { name: `${name}.digest`, where: takes, create: () => new TDigest({ compression }), add: (sketch, event) => void (sketch as TDigest).add(x(event) as number) },
  ];
}

/**
 * The embedded monitor's default metrics (`DEFAULT_MONITOR_METRICS`) as
 * worker metrics, under the same names: distinct `users`, `ips`,
 * `sessions` (HyperLogLog), `activity` of users (Bloom), `topUsers` and
 * `failedLoginIps` (TopK, capacity 100), `kinds` (Count-Min, width 136,
 * depth 4) with `kinds.values` (a TopK of 64 that lists the kinds seen), and
 * `values` (statistics: `values.moments`, `values.digest`). The Redis
 * backend of the server writes and reads these; workers given them write
 * the state that backend serves. `identity` maps a user or IP before a top
 * list stores it (keyed pseudonyms, say); identity by default.
 *
 * @example
 * ```ts
 * import { complianceWorkerMetrics } from "papertrail/workers";
 * complianceWorkerMetrics().map((m) => m.name); // => ["users", "ips", "sessions", "activity", "topUsers", "failedLoginIps", "kinds", "kinds.values", "values.moments", "values.digest"]
 * ```
 */
export function complianceWorkerMetrics(options: { readonly identity?: (value: string) => string } = {}): WorkerMetric[] {
  const identity = options.identity ?? ((value: string) => value);
  const mapped = (key: EventKey): EventKey => (event) => {
    const value = key(event);
    return value === undefined ? undefined : identity(value);
  };
  return [
    distinctMetric("users", (e) => e.user),
    distinctMetric("ips", (e) => e.ip),
    distinctMetric("sessions", (e) => e.session),
    activityMetric("activity", (e) => e.user),
    topMetric("topUsers", mapped((e) => e.user), { capacity: 100 }),
    topMetric("failedLoginIps", mapped((e) => e.ip), { capacity: 100 }, isFailedLogin),
    countMetric("kinds", (e) => e.kind, { width: 136, depth: 4 }),
    topMetric("kinds.values", (e) => e.kind, { capacity: 64 }),
    ...statsMetrics("values", (e) => e.value),
  ];
}
