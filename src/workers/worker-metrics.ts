/**
 * What a worker measures: each metric turns the events of one system, hour
 * bucket and batch into one fresh sketch (a delta the store merges).
 *
 * @module
 */
import type { ComplianceEvent } from "../compliance/event.js";
import { InvalidArgumentError } from "../errors.js";
import type { StoredSketch } from "../redis/stored-sketch.js";
import { CountMinSketch } from "../sketches/count-min-sketch.js";
import { HyperLogLog } from "../sketches/hyperloglog.js";
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
