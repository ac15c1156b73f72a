/**
 * A compliance backend whose sketch state lives in Redis (a
 * {@link RedisSketchStore}), so that several server processes ingest into
 * and answer from one state. Per ingest call:
 *
 * 1. records are normalized exactly as the embedded pipeline does (same
 *    rejections, same field and reason); events older than the store keeps
 *    hourly buckets, or too far in the future, are refused;
 * 2. events with an id are deduplicated across every server through the
 *    workers' {@link RedisEventMarks} (group `server`): each copy carries a
 *    token of its own, so any second copy of a (kind, id) is dropped;
 * 3. the accepted events become per-call delta sketches per (metric,
 *    system, hour), built by the workers' {@link BatchPipeline} with
 *    {@link complianceWorkerMetrics} (the embedded monitor's metric names),
 *    and are merged into the store;
 * 4. a local rule engine (the ready rules and the allow-list of this
 *    process) evaluates them and the alerts come back in the report;
 * 5. the set of systems, the totals and the per-minute event counts are
 *    updated in Redis.
 *
 * Queries read merged hourly buckets with `readRange`. Guide: docs/server.md
 * ("Storage").
 *
 * @module
 */
import type { Alert, AlertSink } from "../compliance/alert.js";
import { AllowList } from "../compliance/allow-list.js";
import type { ComplianceEvent } from "../compliance/event.js";
import type { EventShape } from "../compliance/event-shape.js";
import { SHIPPED_SHAPES, shapeTable } from "../compliance/pipeline.js";
import { Pseudonymizer } from "../compliance/pseudonyms.js";
import { readyRules } from "../compliance/ready-rules.js";
import { extractRecord } from "../compliance/record-extraction.js";
import type { RuleDefinition } from "../compliance/rule.js";
import { RuleEngine, type RuleEngineOptions } from "../compliance/rule-engine.js";
import type { ComplianceSnapshot, StatsSummary, SystemSnapshot, TimeRange, TopEntry } from "../compliance/snapshot.js";
import { InvalidArgumentError } from "../errors.js";
import type { RedisConnection } from "../redis/redis-connection.js";
import type { RedisSketchStore } from "../redis/redis-sketch-store.js";
import type { StoredSketch } from "../redis/stored-sketch.js";
import type { BloomFilter } from "../sketches/bloom-filter.js";
import type { CountMinSketch } from "../sketches/count-min-sketch.js";
import type { HyperLogLog } from "../sketches/hyperloglog.js";
import type { Moments } from "../sketches/moments.js";
import { checkOptionKeys, describeValue } from "../sketches/sketch.js";
import type { TDigest } from "../sketches/t-digest.js";
import type { TopK } from "../sketches/top-k.js";
import { parseWindowLength } from "../windows/granularity.js";
import { BatchPipeline } from "../workers/batch-pipeline.js";
import { RedisEventMarks } from "../workers/event-marks.js";
import { complianceWorkerMetrics } from "../workers/worker-metrics.js";
import type { ComplianceBackend, CountAnswer, IngestReport, MetricNames, QueryWindow, RejectedRecord } from "./backend.js";

/**
 * Options of {@link createRedisComplianceBackend}; unknown keys are refused.
 *
 * @example
 * ```ts
 * import type { RedisComplianceBackendOptions } from "papertrail/server";
 * const extra: Omit<RedisComplianceBackendOptions, "client" | "store"> = { identities: "plain", allowList: ["10.0.0.0/8"], dedup: true };
 * extra.identities; // => "plain"
 * ```
 */
export interface RedisComplianceBackendOptions {
  /** A connected node-redis client: systems set, totals, per-minute counts, dedup marks. */
  readonly client: RedisConnection;
  /** The sketch store, on a connection of its own (`client.duplicate()`); its prefix is used for every key. */
  readonly store: RedisSketchStore;
  /** How top lists store users and IPs: keyed pseudonyms (default, needs `pseudonymKey`) or `"plain"`. */
  readonly identities?: "pseudonymized" | "plain";
  /** The deployment key of the pseudonyms (HMAC-SHA256), at least 16 bytes; every server must use the same. */
  readonly pseudonymKey?: Uint8Array | string;
  /** The rules of this process's engine; every ready rule when absent; `[]` for none. */
  readonly rules?: readonly RuleDefinition[];
  /** The rule engine's options. */
  readonly engine?: Omit<RuleEngineOptions, "rules" | "allowList" | "sinks" | "onAlert" | "now">;
  /** Initial allow-list entries of this process. */
  readonly allowList?: Iterable<string>;
  /** Where alerts go besides each ingest report. */
  readonly sinks?: readonly AlertSink[];
  /** Drop a second copy of a (kind, id) across every server (default true). Events without an id are never duplicates. */
  readonly dedup?: boolean;
  /** Named extraction shapes; the shipped ones when absent. */
  readonly shapes?: readonly EventShape[];
  /** Events stamped more than this after the clock are refused, ms (default 3,600,000, as the monitor). */
  readonly maxFutureSkew?: number;
  /** The clock (epoch ms). */
  readonly now?: () => number;
}

/**
 * The Redis backend: the {@link ComplianceBackend} interface, answering
 * with promises, plus the process-local rule engine.
 *
 * @example
 * ```ts
 * import type { RedisComplianceBackend } from "papertrail/server";
 * const flushOf = (backend: RedisComplianceBackend) => backend.engine.flush();
 * typeof flushOf; // => "function"
 * ```
 */
export interface RedisComplianceBackend extends ComplianceBackend {
  /** This process's rule engine (rules state is per process). */
  readonly engine: RuleEngine;
  // Everything that reads or writes Redis answers with a promise.
  ingest(records: readonly unknown[], shape?: string): Promise<IngestReport>;
  systems(): Promise<readonly string[]>;
  distinct(metric: string, system: string, window: QueryWindow): Promise<CountAnswer>;
  activity(user: string, system: string, window: QueryWindow): Promise<{ readonly accessed: boolean; readonly probability: number; readonly covered: TimeRange }>;
  top(metric: string, system: string, k: number, window: QueryWindow): Promise<{ readonly items: readonly TopEntry[]; readonly covered: TimeRange }>;
  frequency(metric: string, system: string, value: string, window: QueryWindow): Promise<CountAnswer>;
  stats(metric: string, system: string, window: QueryWindow): Promise<StatsSummary & { readonly covered: TimeRange }>;
  eventTimeline(from: number, to: number): Promise<readonly { readonly time: number; readonly count: number }[]>;
  snapshot(period: TimeRange): Promise<ComplianceSnapshot>;
  counters(): Promise<Readonly<Record<string, number>>>;
}

const OPTION_KEYS = ["client", "store", "identities", "pseudonymKey", "rules", "engine", "allowList", "sinks", "dedup", "shapes", "maxFutureSkew", "now"];
const MINUTE = 60_000;
/** Minutes of per-minute counts kept and answered (one day), as the embedded backend. */
const MINUTES_KEPT = 1440;
const GRANULARITY = "hour";
const CONFIDENCE = 0.95;
const METRIC_NAMES: MetricNames = Object.freeze({
  distinct: Object.freeze(["users", "ips", "sessions"]),
  top: Object.freeze(["topUsers", "failedLoginIps"]),
  frequency: Object.freeze(["kinds"]),
  stats: Object.freeze(["values"]),
});
const QUANTILES = [0.5, 0.9, 0.99];
const TOP_CAPACITY = 100;

/**
 * Creates the Redis backend. The client and store are yours: connect them
 * before, close them after.
 *
 * Usage, against a server (test/redis-compliance-backend.test.ts runs it):
 *
 * ```js
 * const client = await createClient({ url: process.env.REDIS_URL }).connect();
 * const store = new RedisSketchStore(await client.duplicate().connect());
 * const backend = createRedisComplianceBackend({ client, store, identities: "plain" });
 * await backend.ingest(records);
 * (await backend.distinct("users", "vpn", "24h")).count;
 * ```
 *
 * @example
 * ```ts
 * import { createRedisComplianceBackend, type RedisComplianceBackendOptions } from "papertrail/server";
 * let message = "";
 * try {
 *   createRedisComplianceBackend({ client: {}, store: {}, colour: "blue" } as unknown as RedisComplianceBackendOptions);
 * } catch (error) {
 *   message = (error as Error).message;
 * }
 * message.includes('"colour"'); // => true
 * ```
 */
export function createRedisComplianceBackend(options: RedisComplianceBackendOptions): RedisComplianceBackend {
  if (options === null || typeof options !== "object") throw new InvalidArgumentError(`createRedisComplianceBackend options must be an object { client, store, ... }, got ${describeValue(options)}`);
  checkOptionKeys("createRedisComplianceBackend", options, OPTION_KEYS);
  const { client, store } = options;
  if (client === null || typeof client !== "object" || typeof client.sendCommand !== "function") {
    throw new InvalidArgumentError("createRedisComplianceBackend client must be a connected node-redis client (createClient().connect())");
  }
  if (store === null || typeof store !== "object" || typeof store.readRange !== "function" || typeof store.merge !== "function") {
    throw new InvalidArgumentError("createRedisComplianceBackend store must be a RedisSketchStore (on its own connection: client.duplicate())");
  }
  const identities = options.identities ?? "pseudonymized";
  if (identities !== "pseudonymized" && identities !== "plain") throw new InvalidArgumentError(`createRedisComplianceBackend identities must be "pseudonymized" or "plain", got ${describeValue(identities)}`);
  if (identities === "pseudonymized" && options.pseudonymKey === undefined) {
    throw new InvalidArgumentError('createRedisComplianceBackend needs a pseudonymKey (the same secret of at least 16 bytes on every server) to store keyed pseudonyms in its top lists, or identities: "plain"');
  }
  const maxFutureSkew = options.maxFutureSkew ?? 3_600_000;
  if (!Number.isSafeInteger(maxFutureSkew) || maxFutureSkew < 0) throw new InvalidArgumentError(`createRedisComplianceBackend maxFutureSkew must be a non-negative integer of ms, got ${describeValue(options.maxFutureSkew)}`);
  const clock = options.now ?? Date.now;
  if (typeof clock !== "function") throw new InvalidArgumentError("createRedisComplianceBackend now must be a function () => epoch ms");
  const granularity = store.granularities[GRANULARITY];
  if (granularity === undefined) throw new InvalidArgumentError(`createRedisComplianceBackend: the store has no "${GRANULARITY}" granularity`);
  const { bucketMs, ttlMs } = granularity;

  const pseudonyms = identities === "pseudonymized" ? new Pseudonymizer(options.pseudonymKey as Uint8Array | string) : undefined;
  const batch = new BatchPipeline({
    metrics: complianceWorkerMetrics(pseudonyms === undefined ? {} : { identity: (value) => pseudonyms.of(value) }),
    granularity: GRANULARITY,
    bucketMs,
    defaultSystem: "unknown", // the monitor's default system
  });
  const shapes = shapeTable(options.shapes ?? SHIPPED_SHAPES);
  const allowList = new AllowList(options.allowList ?? []);
  let collected: Alert[] = [];
  const engine = new RuleEngine({
    ...options.engine,
    rules: options.rules ?? readyRules(),
    allowList,
    sinks: options.sinks ?? [],
    onAlert: (alert) => void collected.push(alert),
    now: clock,
  });
  const dedup = options.dedup ?? true;
  if (typeof dedup !== "boolean") throw new InvalidArgumentError(`createRedisComplianceBackend dedup must be a boolean, got ${describeValue(dedup)}`);
  const prefix = store.prefix;
  const marks = dedup ? new RedisEventMarks(client, { prefix, group: "server", bucketMs }) : undefined;
  // Each event copy's token: this backend instance and a sequence number, never reused,
  // so every second copy of a (kind, id) is a duplicate, whichever server gets it.
  const source = `server-${globalThis.crypto.randomUUID()}`;
  let sequence = 0;
  const systemsKey = `${prefix}:server:systems`;
  const countersKey = `${prefix}:server:counters`;
  const minuteKey = (minute: number): string => `${prefix}:server:events-per-minute:${minute}`;

  /** The hourly buckets a window touches (outer alignment, as the embedded monitor's default). */
  const rangeOf = (window: QueryWindow): TimeRange => {
    let from: number;
    let to: number;
    if (typeof window === "string") {
      const length = parseWindowLength(window);
      to = clock();
      from = to - length;
    } else if (window !== null && typeof window === "object" && typeof window.from === "number" && typeof window.to === "number" && window.from < window.to) {
      ({ from, to } = window);
    } else {
      throw new InvalidArgumentError(`window must be like "24h" or { from, to } with from < to, got ${describeValue(window)}`);
    }
    if (to - from > ttlMs) throw new InvalidArgumentError(`window must be at most ${ttlMs / 3_600_000} hours: the Redis store keeps hourly buckets that long`);
    const start = Math.max(0, Math.floor(from / bucketMs) * bucketMs);
    const end = Math.max(Math.ceil(to / bucketMs) * bucketMs, start + bucketMs);
    // The bucket of the clock holds events up to now only: the answer covers up to now there.
    return { from: start, to: Math.min(end, Math.max(to, clock())) };
  };
  const read = (metric: string, system: string, covered: TimeRange): Promise<StoredSketch | undefined> => {
    if (typeof system !== "string" || system === "") throw new InvalidArgumentError(`system must be a non-empty string, got ${describeValue(system)}`);
    // Every bucket starting in the covered range.
    return store.readRange({ metric, system, granularity: GRANULARITY, from: covered.from, to: covered.to });
  };
  const checkMetric = (metric: string, kind: keyof MetricNames): void => {
    if (!METRIC_NAMES[kind].includes(metric)) throw new InvalidArgumentError(`unknown ${kind} metric ${JSON.stringify(metric)}; expected one of ${METRIC_NAMES[kind].join(", ")}`);
  };
  const countOf = (sketch: HyperLogLog | undefined, covered: TimeRange): CountAnswer => {
    if (sketch === undefined) return { count: 0, lower: 0, upper: 0, confidence: CONFIDENCE, covered };
    const e = sketch.estimate(CONFIDENCE);
    return { count: e.estimate, lower: e.lower, upper: e.upper, confidence: e.probability, covered };
  };
  const topOf = (sketch: TopK | undefined, k: number): TopEntry[] =>
    sketch === undefined ? [] : sketch.top(k).map((entry) => ({ item: String(entry.item), count: entry.count, error: entry.error }));
  const statsOf = async (metric: string, system: string, covered: TimeRange): Promise<StatsSummary> => {
    const [moments, digest] = (await Promise.all([read(`${metric}.moments`, system, covered), read(`${metric}.digest`, system, covered)])) as [Moments | undefined, TDigest | undefined];
    const quantiles: Record<string, number> = {};
    for (const q of QUANTILES) quantiles[String(q)] = moments === undefined || digest === undefined ? Number.NaN : digest.quantile(q);
    if (moments === undefined || digest === undefined) return { count: 0, mean: Number.NaN, stddev: Number.NaN, min: Number.NaN, max: Number.NaN, quantiles };
    return { count: moments.totalWeight, mean: moments.mean, stddev: moments.standardDeviation, min: moments.min, max: moments.max, quantiles };
  };
  const command = (args: string[]): Promise<unknown> => client.sendCommand(args);
  const listSystems = async (): Promise<string[]> => ((await command(["SMEMBERS", systemsKey])) as unknown[]).map(String).sort();

  return {
    engine,
    async ingest(records, shape): Promise<IngestReport> {
      if (!Array.isArray(records)) throw new InvalidArgumentError(`ingest expects an array of records, got ${typeof records}`);
      const fixed = shape === undefined ? undefined : shapes.get(shape);
      if (shape !== undefined && fixed === undefined) throw new InvalidArgumentError(`unknown shape ${JSON.stringify(shape)}; expected one of ${[...shapes.keys()].join(", ")}`);
      const shapeNames = [...shapes.keys()];
      const now = clock();
      const oldest = Math.floor((now - ttlMs) / bucketMs) * bucketMs + bucketMs;
      const rejected: RejectedRecord[] = [];
      let candidates: ComplianceEvent[] = [];
      for (let index = 0; index < records.length; index++) {
        const extracted = extractRecord(records[index], fixed, shapeNames);
        if (!("event" in extracted)) {
          rejected.push({ index, field: extracted.field, reason: extracted.reason });
          continue;
        }
        const time = extracted.event.time;
        if (time > now + maxFutureSkew) {
          rejected.push({ index, field: "time", reason: `event time ${new Date(time).toISOString()} was refused (more than ${maxFutureSkew} ms after the clock)` });
        } else if (!(time >= oldest)) {
          rejected.push({ index, field: "time", reason: `event time ${Number.isFinite(time) ? new Date(time).toISOString() : String(time)} is older than the ${ttlMs / 3_600_000} hours the Redis store keeps` });
        } else {
          candidates.push(extracted.event);
        }
      }
      let duplicates = 0;
      if (marks !== undefined && candidates.some((e) => e.id !== undefined && e.id !== "")) {
        const call = sequence++;
        const isDuplicate = await marks.duplicates(source, candidates.map((event, i) => ({ offset: `${call}-${i}`, event })));
        duplicates = isDuplicate.filter(Boolean).length;
        candidates = candidates.filter((_, i) => !isDuplicate[i]);
      }
      const events = candidates;
      if (events.length > 0) await store.merge(batch.deltas(events));
      // Rules after the merge: a failed merge leaves the rule state as it was.
      collected = [];
      for (const event of events) engine.evaluate(event);
      const alerts = collected;
      collected = [];
      const perMinute = new Map<number, number>();
      for (const event of events) {
        const minute = Math.floor(event.time / MINUTE) * MINUTE;
        perMinute.set(minute, (perMinute.get(minute) ?? 0) + 1);
      }
      const writes: Promise<unknown>[] = [];
      const systems = new Set(events.map((event) => batch.systemOf(event)));
      if (systems.size > 0) writes.push(command(["SADD", systemsKey, ...systems]));
      for (const [minute, n] of perMinute) {
        writes.push(command(["INCRBY", minuteKey(minute), String(n)]), command(["PEXPIRE", minuteKey(minute), String((MINUTES_KEPT + 1) * MINUTE)]));
      }
      const totals: [string, number][] = [
        ["records", records.length],
        ["accepted", events.length],
        ["duplicates", duplicates],
        ["rejected", rejected.length],
        ["alerts", alerts.length],
      ];
      for (const [field, n] of totals) if (n > 0) writes.push(command(["HINCRBY", countersKey, field, String(n)]));
      await Promise.all(writes);
      return { accepted: events.length, duplicates, rejected, alerts, events };
    },
    shapes: () => [...shapes.keys()],
    systems: listSystems,
    metrics: () => METRIC_NAMES,
    async distinct(metric, system, window) {
      checkMetric(metric, "distinct");
      const covered = rangeOf(window);
      return countOf((await read(metric, system, covered)) as HyperLogLog | undefined, covered);
    },
    async activity(user, system, window) {
      if (typeof user !== "string" || user === "") throw new InvalidArgumentError(`user must be a non-empty string, got ${describeValue(user)}`);
      const covered = rangeOf(window);
      const filter = (await read("activity", system, covered)) as BloomFilter | undefined;
      if (filter === undefined) return { accessed: false, probability: 0, covered };
      return { accessed: filter.has(user), probability: filter.estimatedFalsePositiveRate(), covered };
    },
    async top(metric, system, k, window) {
      checkMetric(metric, "top");
      if (!Number.isInteger(k) || k < 0) throw new InvalidArgumentError(`k must be an integer >= 0, got ${describeValue(k)}`);
      const covered = rangeOf(window);
      return { items: topOf((await read(metric, system, covered)) as TopK | undefined, k), covered };
    },
    async frequency(metric, system, value, window) {
      checkMetric(metric, "frequency");
      if (typeof value !== "string") throw new InvalidArgumentError(`value must be a string, got ${describeValue(value)}`);
      const covered = rangeOf(window);
      const sketch = (await read(metric, system, covered)) as CountMinSketch | undefined;
      if (sketch === undefined) return { count: 0, lower: 0, upper: 0, confidence: CONFIDENCE, covered };
      const e = sketch.estimate(value);
      return { count: e.estimate, lower: e.lower, upper: e.upper, confidence: e.probability, covered };
    },
    async stats(metric, system, window) {
      checkMetric(metric, "stats");
      const covered = rangeOf(window);
      return { ...(await statsOf(metric, system, covered)), covered };
    },
    async eventTimeline(from, to) {
      if (!(from < to) || (to - from) / MINUTE > MINUTES_KEPT) throw new InvalidArgumentError(`eventTimeline needs from < to, at most ${MINUTES_KEPT} minutes apart`);
      const minutes: number[] = [];
      for (let t = Math.floor(from / MINUTE) * MINUTE; t < to; t += MINUTE) minutes.push(t);
      const values = (await command(["MGET", ...minutes.map(minuteKey)])) as unknown[];
      return minutes.map((time, i) => ({ time, count: values[i] === null || values[i] === undefined ? 0 : Number(values[i]) }));
    },
    async snapshot(period) {
      // Hours older than the store keeps have expired: a longer period reads what is left.
      const from = Math.min(Math.max(period.from, clock() - ttlMs), period.to - 1);
      const covered = rangeOf({ from, to: period.to });
      const systems: SystemSnapshot[] = [];
      for (const system of await listSystems()) {
        const [users, ips, sessions, topUsers, failedLoginIps, kinds, kindValues, values] = await Promise.all([
          read("users", system, covered),
          read("ips", system, covered),
          read("sessions", system, covered),
          read("topUsers", system, covered),
          read("failedLoginIps", system, covered),
          read("kinds", system, covered),
          read("kinds.values", system, covered),
          statsOf("values", system, covered),
        ]);
        const distinct = Object.fromEntries(
          (
            [
              ["users", users],
              ["ips", ips],
              ["sessions", sessions],
            ] as const
          ).map(([name, sketch]) => {
            const { count, lower, upper, confidence } = countOf(sketch as HyperLogLog | undefined, covered);
            return [name, { estimate: count, lower, upper, confidence }];
          }),
        );
        const kindSketch = kinds as CountMinSketch | undefined;
        const listed: Record<string, number> = {};
        if (kindSketch !== undefined) for (const { item } of topOf(kindValues as TopK | undefined, Number.MAX_SAFE_INTEGER).sort((a, b) => (a.item < b.item ? -1 : 1))) listed[item] = kindSketch.frequency(item);
        systems.push({
          system,
          covered,
          // Every accepted event has a kind, so the kinds sketch's total is the event count.
          events: kindSketch?.totalWeight ?? 0,
          distinct,
          top: { topUsers: topOf(topUsers as TopK | undefined, TOP_CAPACITY), failedLoginIps: topOf(failedLoginIps as TopK | undefined, TOP_CAPACITY) },
          frequencies: { kinds: listed },
          stats: values.count > 0 ? { values } : {},
        });
      }
      const snapshot: ComplianceSnapshot = { period: { from: period.from, to: period.to }, generatedAt: clock(), pseudonymized: pseudonyms !== undefined, systems };
      return snapshot;
    },
    allowList: {
      entries: () => allowList.entries(),
      add: (entry) => allowList.add(entry),
      remove: (entry) => allowList.remove(entry),
    },
    async counters() {
      const [reply, systems] = await Promise.all([command(["HGETALL", countersKey]), command(["SCARD", systemsKey])]);
      const out: Record<string, number> = { records: 0, accepted: 0, duplicates: 0, rejected: 0, alerts: 0 };
      const entries: [unknown, unknown][] = [];
      if (Array.isArray(reply)) for (let i = 0; i + 1 < reply.length; i += 2) entries.push([reply[i], reply[i + 1]]);
      else if (reply instanceof Map) entries.push(...reply.entries());
      else if (reply !== null && typeof reply === "object") entries.push(...Object.entries(reply));
      for (const [field, value] of entries) out[String(field)] = Number(value);
      out.systems = Number(systems);
      return out;
    },
  };
}
