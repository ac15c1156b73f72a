/**
 * The metric definitions of `ComplianceMonitor`: which sketches each
 * (system, time bucket) keeps, which event field feeds each, and which
 * events count. Validated once at construction and compiled to the index
 * tables the ingest path reads.
 *
 * @module
 */
import { InvalidArgumentError } from "../errors.js";
import type { BloomFilterOptions } from "../sketches/bloom-filter.js";
import { BloomFilter } from "../sketches/bloom-filter.js";
import type { CountMinSketchOptions } from "../sketches/count-min-sketch.js";
import { CountMinSketch } from "../sketches/count-min-sketch.js";
import type { HyperLogLogOptions } from "../sketches/hyperloglog.js";
import { HyperLogLog } from "../sketches/hyperloglog.js";
import { describeValue } from "../sketches/sketch.js";
import type { TDigestOptions } from "../sketches/t-digest.js";
import { TDigest } from "../sketches/t-digest.js";
import type { TopKOptions } from "../sketches/top-k.js";
import { TopK } from "../sketches/top-k.js";
import type { ComplianceEvent, EventField, EventPredicate } from "./event.js";
import { readTopLevelField } from "./event-field.js";

/** What every metric definition has. */
interface MetricBase {
  /** Unique name, used in queries and snapshots (`users`, `failedLoginIps`). */
  readonly name: string;
  /** Only events for which this returns true feed the metric (default: every accepted event). */
  readonly filter?: EventPredicate;
}

/**
 * Distinct values of a field (HyperLogLog of the field's hash): "distinct
 * users of billing today". Options: `precision` (default 12: 4 KiB dense,
 * 1.6 % standard error; sparse while small). No `seed`: the monitor hashes
 * each field once with the default seed and feeds that hash to every sketch.
 *
 * @example
 * ```ts
 * import type { DistinctMetric } from "papertrail/compliance";
 * const countries: DistinctMetric = { kind: "distinct", name: "countries", field: "raw.metadata.country" };
 * countries.kind; // => "distinct"
 * ```
 */
export interface DistinctMetric extends MetricBase {
  readonly kind: "distinct";
  readonly field: EventField;
  readonly options?: Omit<HyperLogLogOptions, "seed">;
}

/**
 * Whether a value of `field` (default `user`) touched the system: a Bloom
 * filter keyed by the (value, system) pair. Options: `{ capacity,
 * falsePositiveRate }` or `{ bits, hashes }` (default capacity 10000 at
 * 1 %: 11.7 KiB per bucket).
 *
 * @example
 * ```ts
 * import type { ActivityMetric } from "papertrail/compliance";
 * const roles: ActivityMetric = { kind: "activity", name: "roles", field: "raw.RoleId", options: { capacity: 1000, falsePositiveRate: 0.001 } };
 * roles.field; // => "raw.RoleId"
 * ```
 */
export interface ActivityMetric extends MetricBase {
  readonly kind: "activity";
  readonly field?: EventField;
  readonly options?: BloomFilterOptions & { readonly seed?: never };
}

/**
 * The most frequent values of a field (Space-Saving top-K). The values are
 * stored: as keyed pseudonyms unless the monitor's `identities` is
 * `"plain"` or `pseudonymize` is false (for fields that are not identities,
 * such as event kinds). Options: `capacity` (default 100 counters).
 *
 * @example
 * ```ts
 * import type { TopMetric } from "papertrail/compliance";
 * const statuses: TopMetric = { kind: "top", name: "statuses", field: "status", pseudonymize: false };
 * statuses.pseudonymize; // => false
 * ```
 */
export interface TopMetric extends MetricBase {
  readonly kind: "top";
  readonly field: EventField;
  readonly options?: TopKOptions;
  /** Store keyed pseudonyms of the values (default true; ignored when the monitor's `identities` is `"plain"`). */
  readonly pseudonymize?: boolean;
}

/**
 * Counts per value of a field (Count-Min sketch of the field's hash). A
 * Count-Min sketch cannot list its keys, so each bucket also keeps the
 * first `maxValues` distinct values it saw (default 64) for listings;
 * values past that are still counted (and answered by `frequency`) but not
 * listed. Options: `{ epsilon, delta }` or `{ width, depth }`, `conservative`
 * (default width 136, depth 4: 4.3 KiB per bucket).
 *
 * @example
 * ```ts
 * import type { FrequencyMetric } from "papertrail/compliance";
 * const levels: FrequencyMetric = { kind: "frequency", name: "levels", field: "level", maxValues: 8 };
 * levels.maxValues; // => 8
 * ```
 */
export interface FrequencyMetric extends MetricBase {
  readonly kind: "frequency";
  readonly field: EventField;
  readonly options?: CountMinSketchOptions & { readonly seed?: never };
  /** Distinct values listed per bucket, 0..4096; default 64. */
  readonly maxValues?: number;
}

/**
 * Statistics of a numeric field (`value`, `metrics.<name>`): count, mean,
 * σ, min and max (Moments) and quantiles (t-digest). The sketches of a
 * bucket are made by its first value, so buckets without values cost
 * nothing. Options: t-digest `compression` (default 50).
 *
 * @example
 * ```ts
 * import type { StatsMetric } from "papertrail/compliance";
 * const latency: StatsMetric = { kind: "stats", name: "latency", field: "metrics.latency_ms", quantiles: [0.5, 0.99] };
 * latency.quantiles; // => [0.5, 0.99]
 * ```
 */
export interface StatsMetric extends MetricBase {
  readonly kind: "stats";
  readonly field: EventField;
  readonly options?: TDigestOptions;
  /** Quantiles reported by `stats` and snapshots, each in [0, 1]; default [0.5, 0.9, 0.99]. */
  readonly quantiles?: readonly number[];
}

/**
 * One metric of a `ComplianceMonitor`: its kind says which sketch keeps it
 * and which query answers it (`distinct` HyperLogLog, `activity` Bloom
 * filter, `top` TopK, `frequency` Count-Min, `stats` Moments and t-digest).
 *
 * @example
 * ```ts
 * import type { MonitorMetric } from "papertrail/compliance";
 * const metrics: MonitorMetric[] = [
 *   { kind: "distinct", name: "users", field: "user" },
 *   { kind: "top", name: "deniedIps", field: "ip", filter: (e) => e.status === "AccessDenied" },
 * ];
 * metrics.map((m) => m.kind); // => ["distinct", "top"]
 * ```
 */
export type MonitorMetric = DistinctMetric | ActivityMetric | TopMetric | FrequencyMetric | StatsMetric;

/**
 * A failed login: kind `login` with outcome `failure` (the filter of the
 * default `failedLoginIps` metric).
 *
 * @example
 * ```ts
 * import { isFailedLogin, type ComplianceEvent } from "papertrail/compliance";
 * const event = { kind: "login", outcome: "failure" } as ComplianceEvent;
 * isFailedLogin(event); // => true
 * ```
 */
export const isFailedLogin: EventPredicate = (event) => event.outcome === "failure" && event.kind === "login";

/**
 * The metrics a monitor keeps by default: distinct `users`, `ips` and
 * `sessions`; `activity` of users; `topUsers`; `failedLoginIps` (top IPs of
 * {@link isFailedLogin} events); `kinds` (frequency of event kinds); and
 * `values` (statistics of the numeric `value`).
 *
 * @example
 * ```ts
 * import { DEFAULT_MONITOR_METRICS } from "papertrail/compliance";
 * DEFAULT_MONITOR_METRICS.map((m) => m.name); // => ["users", "ips", "sessions", "activity", "topUsers", "failedLoginIps", "kinds", "values"]
 * ```
 */
export const DEFAULT_MONITOR_METRICS: readonly MonitorMetric[] = Object.freeze([
  { kind: "distinct", name: "users", field: "user" },
  { kind: "distinct", name: "ips", field: "ip" },
  { kind: "distinct", name: "sessions", field: "session" },
  { kind: "activity", name: "activity", field: "user" },
  { kind: "top", name: "topUsers", field: "user" },
  { kind: "top", name: "failedLoginIps", field: "ip", filter: isFailedLogin },
  { kind: "frequency", name: "kinds", field: "kind" },
  { kind: "stats", name: "values", field: "value" },
] satisfies MonitorMetric[]);

export const DEFAULT_HLL_PRECISION = 12;
export const DEFAULT_BLOOM: BloomFilterOptions = { capacity: 10_000, falsePositiveRate: 0.01 };
export const DEFAULT_TOP_CAPACITY = 100;
export const DEFAULT_COUNT_MIN: CountMinSketchOptions = { width: 136, depth: 4 };
export const DEFAULT_MAX_VALUES = 64;
const MAX_MAX_VALUES = 4096;
export const DEFAULT_COMPRESSION = 50;
export const DEFAULT_QUANTILES: readonly number[] = [0.5, 0.9, 0.99];

/**
 * Field codes read by the ingest path (one monomorphic property load each).
 * Kind .. Id are numbered as `topLevelFieldCode` (event-field.ts) numbers the
 * top-level fields, so `readField` reads them through `readTopLevelField`.
 */
export const FieldCode = {
  Kind: 0,
  Time: 1,
  User: 2,
  System: 3,
  Ip: 4,
  Session: 5,
  Status: 6,
  Outcome: 7,
  Level: 8,
  Message: 9,
  Value: 10,
  Id: 11,
  Metric: 12,
  Raw: 13,
} as const;
export type FieldCode = (typeof FieldCode)[keyof typeof FieldCode];

const TOP_LEVEL: Readonly<Record<string, FieldCode>> = {
  kind: FieldCode.Kind,
  time: FieldCode.Time,
  user: FieldCode.User,
  system: FieldCode.System,
  ip: FieldCode.Ip,
  session: FieldCode.Session,
  status: FieldCode.Status,
  outcome: FieldCode.Outcome,
  level: FieldCode.Level,
  message: FieldCode.Message,
  value: FieldCode.Value,
  id: FieldCode.Id,
};

/** A parsed {@link EventField}. */
export interface CompiledField {
  readonly field: EventField;
  readonly code: FieldCode;
  /** The metric name for `metrics.<name>`; unused otherwise. */
  readonly name: string;
  /** The path for `raw.<path>`. */
  readonly path: readonly string[];
}

export function compileField(field: unknown, where: string): CompiledField {
  if (typeof field !== "string") throw new InvalidArgumentError(`${where} must be an event field name, got ${describeValue(field)}`);
  const code = TOP_LEVEL[field];
  if (code !== undefined && Object.hasOwn(TOP_LEVEL, field)) return { field: field as EventField, code, name: "", path: [] };
  if (field.startsWith("metrics.") && field.length > 8) return { field: field as EventField, code: FieldCode.Metric, name: field.slice(8), path: [] };
  if (field.startsWith("raw.") && field.length > 4) {
    const path = field.slice(4).split(".");
    if (path.every((part) => part.length > 0)) return { field: field as EventField, code: FieldCode.Raw, name: "", path };
  }
  throw new InvalidArgumentError(
    `${where} must be one of ${Object.keys(TOP_LEVEL).join(", ")}, metrics.<name> or raw.<path>, got ${JSON.stringify(field)}`,
  );
}

/** Whether a field holds text (the top-level string fields), a number, or anything (raw). */
export function fieldType(code: FieldCode): "string" | "number" | "any" {
  if (code === FieldCode.Time || code === FieldCode.Value || code === FieldCode.Metric) return "number";
  if (code === FieldCode.Raw) return "any";
  return "string";
}

/**
 * Reads a field of an event. `undefined` when absent. Raw fields give
 * strings, finite numbers and booleans (as `"true"` / `"false"`); anything
 * else counts as absent. Type errors of typed fields are the caller's to
 * check (see `ComplianceMonitor`'s validation).
 *
 * The top-level fields go through `readTopLevelField`'s switch on literal
 * codes: the bundle makes `FieldCode` a plain object, and a `case
 * FieldCode.Kind:` switch loaded a property per case tried, in order
 * (callgrind on `bench:monitor`'s stream: 289 instructions per event in
 * this function, five calls).
 */
export function readField(event: ComplianceEvent, field: CompiledField): unknown {
  const code = field.code;
  // Kind (0) .. Id (11) are the top-level fields, numbered as topLevelFieldCode numbers them.
  // (Past them the numberings part: FieldCode.Metric is 12 here, one metric; 12 of
  // topLevelFieldCode is the whole metrics object. Only codes below 12 go there.)
  return code < 12 ? readTopLevelField(event, code) : readNestedField(event, field);
}

/**
 * {@link readField} of a `metrics.<name>` or `raw.<path>` field: a function
 * of its own, so that the common case above stays small enough for the
 * ingest loop to inline it with the calls after it.
 */
function readNestedField(event: ComplianceEvent, field: CompiledField): unknown {
  if (field.code === 12) {
    // FieldCode.Metric
    const metrics = event.metrics;
    if (metrics === undefined) return undefined;
    if (metrics === null || typeof metrics !== "object") return INVALID;
    return Object.hasOwn(metrics, field.name) ? metrics[field.name] : undefined;
  }
  let value: unknown = event.raw;
  for (const part of field.path) {
    if (value === null || typeof value !== "object" || !Object.hasOwn(value, part)) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  if (typeof value === "string") return value;
  if (typeof value === "number") return Number.isFinite(value) ? value : undefined;
  if (typeof value === "boolean") return value ? "true" : "false";
  return undefined;
}

/** Returned by {@link readField} when a container the field lives in has the wrong type. */
export const INVALID: unique symbol = Symbol("invalid field");

/** A validated metric with its resolved sketch options. */
export type ResolvedMetric =
  | { readonly kind: "distinct"; readonly name: string; readonly filter: EventPredicate | undefined; readonly field: CompiledField; readonly options: HyperLogLogOptions; readonly slot: number; readonly local: number }
  | { readonly kind: "activity"; readonly name: string; readonly filter: EventPredicate | undefined; readonly field: CompiledField; readonly options: BloomFilterOptions; readonly slot: number; readonly local: number }
  | { readonly kind: "top"; readonly name: string; readonly filter: EventPredicate | undefined; readonly field: CompiledField; readonly options: TopKOptions; readonly pseudonymize: boolean; readonly slot: number; readonly local: number }
  | { readonly kind: "frequency"; readonly name: string; readonly filter: EventPredicate | undefined; readonly field: CompiledField; readonly options: CountMinSketchOptions; readonly maxValues: number; readonly slot: number; readonly local: number }
  | { readonly kind: "stats"; readonly name: string; readonly filter: EventPredicate | undefined; readonly field: CompiledField; readonly options: TDigestOptions; readonly quantiles: readonly number[]; readonly local: number };

/** The compiled metric set: metrics in order, and the fields hashed per event. */
export interface MetricPlan {
  readonly metrics: readonly ResolvedMetric[];
  /** Fields hashed once per event (shared by every distinct, activity, top and frequency metric naming them). */
  readonly hashed: readonly CompiledField[];
  readonly distinct: readonly Extract<ResolvedMetric, { kind: "distinct" }>[];
  readonly activity: readonly Extract<ResolvedMetric, { kind: "activity" }>[];
  readonly top: readonly Extract<ResolvedMetric, { kind: "top" }>[];
  readonly frequency: readonly Extract<ResolvedMetric, { kind: "frequency" }>[];
  readonly stats: readonly Extract<ResolvedMetric, { kind: "stats" }>[];
  /** A canonical text of the metric set (names, kinds, fields, sketch parameters), stored in images. */
  readonly signature: string;
}

const METRIC_KEYS: Readonly<Record<MonitorMetric["kind"], readonly string[]>> = {
  distinct: ["kind", "name", "filter", "field", "options"],
  activity: ["kind", "name", "filter", "field", "options"],
  top: ["kind", "name", "filter", "field", "options", "pseudonymize"],
  frequency: ["kind", "name", "filter", "field", "options", "maxValues"],
  stats: ["kind", "name", "filter", "field", "options", "quantiles"],
};

function noSeed(options: object | undefined, where: string): void {
  if (options !== undefined && options !== null && typeof options === "object" && "seed" in options) {
    throw new InvalidArgumentError(`${where}.seed is not supported: the monitor hashes each field once with the default seed and feeds every sketch that hash`);
  }
}

/** Validates metric definitions (every mistake names the metric and the option) and compiles them. */
export function planMetrics(definitions: unknown): MetricPlan {
  if (!Array.isArray(definitions)) throw new InvalidArgumentError(`ComplianceMonitor metrics must be an array of metric definitions, got ${describeValue(definitions)}`);
  const metrics: ResolvedMetric[] = [];
  const hashed: CompiledField[] = [];
  const names = new Set<string>();
  const counts = { distinct: 0, activity: 0, top: 0, frequency: 0, stats: 0 };
  const slotOf = (field: CompiledField): number => {
    const at = hashed.findIndex((f) => f.field === field.field);
    if (at >= 0) return at;
    hashed.push(field);
    return hashed.length - 1;
  };
  definitions.forEach((definition: unknown, index: number) => {
    if (definition === null || typeof definition !== "object") {
      throw new InvalidArgumentError(`ComplianceMonitor metrics[${index}] must be a metric definition object, got ${describeValue(definition)}`);
    }
    const d = definition as Record<string, unknown>;
    const name = d["name"];
    if (typeof name !== "string" || name.length === 0) throw new InvalidArgumentError(`ComplianceMonitor metrics[${index}].name must be a non-empty string, got ${describeValue(name)}`);
    const where = `ComplianceMonitor metric "${name}"`;
    if (names.has(name)) throw new InvalidArgumentError(`${where}: two metrics are named "${name}"`);
    names.add(name);
    const kind = d["kind"];
    if (typeof kind !== "string" || !Object.hasOwn(METRIC_KEYS, kind)) {
      throw new InvalidArgumentError(`${where}: kind must be one of ${Object.keys(METRIC_KEYS).join(", ")}, got ${describeValue(kind)}`);
    }
    const allowed = METRIC_KEYS[kind as MonitorMetric["kind"]];
    for (const key of Object.keys(d)) {
      if (!allowed.includes(key)) throw new InvalidArgumentError(`${where} (kind ${kind}) has no option "${key}" (options: ${allowed.join(", ")})`);
    }
    const filter = d["filter"];
    if (filter !== undefined && typeof filter !== "function") throw new InvalidArgumentError(`${where}: filter must be a function (event) => boolean, got ${describeValue(filter)}`);
    const f = filter as EventPredicate | undefined;
    const options = d["options"];
    if (options !== undefined && (options === null || typeof options !== "object" || Array.isArray(options))) {
      throw new InvalidArgumentError(`${where}: options must be an object, got ${describeValue(options)}`);
    }
    const wrap = <T>(build: () => T): T => {
      try {
        return build();
      } catch (error) {
        if (error instanceof InvalidArgumentError) throw new InvalidArgumentError(`${where}: options: ${error.message}`);
        throw error;
      }
    };
    switch (kind) {
      case "distinct": {
        const field = compileField(d["field"], `${where}: field`);
        noSeed(options as object, `${where}: options`);
        const resolved: HyperLogLogOptions = { precision: DEFAULT_HLL_PRECISION, ...(options as HyperLogLogOptions | undefined) };
        wrap(() => new HyperLogLog(resolved));
        metrics.push({ kind, name, filter: f, field, options: resolved, slot: slotOf(field), local: counts.distinct++ });
        break;
      }
      case "activity": {
        const field = compileField(d["field"] ?? "user", `${where}: field`);
        noSeed(options as object, `${where}: options`);
        const resolved = (options as BloomFilterOptions | undefined) ?? DEFAULT_BLOOM;
        wrap(() => new BloomFilter(resolved));
        metrics.push({ kind, name, filter: f, field, options: resolved, slot: slotOf(field), local: counts.activity++ });
        break;
      }
      case "top": {
        const field = compileField(d["field"], `${where}: field`);
        const resolved: TopKOptions = { capacity: DEFAULT_TOP_CAPACITY, ...(options as Partial<TopKOptions> | undefined) };
        wrap(() => new TopK(resolved));
        const pseudonymize = d["pseudonymize"] ?? true;
        if (typeof pseudonymize !== "boolean") throw new InvalidArgumentError(`${where}: pseudonymize must be a boolean, got ${describeValue(pseudonymize)}`);
        // Hashed too: the hash indexes the pseudonym cache.
        metrics.push({ kind, name, filter: f, field, options: resolved, pseudonymize, slot: slotOf(field), local: counts.top++ });
        break;
      }
      case "frequency": {
        const field = compileField(d["field"], `${where}: field`);
        noSeed(options as object, `${where}: options`);
        const resolved = (options as CountMinSketchOptions | undefined) ?? DEFAULT_COUNT_MIN;
        wrap(() => new CountMinSketch(resolved));
        const maxValues = d["maxValues"] ?? DEFAULT_MAX_VALUES;
        if (typeof maxValues !== "number" || !Number.isInteger(maxValues) || maxValues < 0 || maxValues > MAX_MAX_VALUES) {
          throw new InvalidArgumentError(`${where}: maxValues must be an integer from 0 to ${MAX_MAX_VALUES}, got ${describeValue(maxValues)}`);
        }
        metrics.push({ kind, name, filter: f, field, options: resolved, maxValues, slot: slotOf(field), local: counts.frequency++ });
        break;
      }
      default: {
        const field = compileField(d["field"], `${where}: field`);
        if (fieldType(field.code) === "string") throw new InvalidArgumentError(`${where}: field must be numeric (value, time, metrics.<name> or raw.<path>), got ${field.field}`);
        const resolved: TDigestOptions = { compression: DEFAULT_COMPRESSION, ...(options as TDigestOptions | undefined) };
        wrap(() => new TDigest(resolved));
        const quantiles = d["quantiles"] ?? DEFAULT_QUANTILES;
        if (!Array.isArray(quantiles) || !quantiles.every((q) => typeof q === "number" && q >= 0 && q <= 1)) {
          throw new InvalidArgumentError(`${where}: quantiles must be an array of numbers in [0, 1], got ${describeValue(quantiles)}`);
        }
        metrics.push({ kind: "stats", name, filter: f, field, options: resolved, quantiles: [...(quantiles as number[])], local: counts.stats++ });
      }
    }
  });
  const signature = JSON.stringify(
    metrics.map((m) => [m.name, m.kind, m.field.field, m.options, m.kind === "frequency" ? m.maxValues : m.kind === "top" ? m.pseudonymize : null]),
  );
  const of = <K extends ResolvedMetric["kind"]>(kind: K) => metrics.filter((m): m is Extract<ResolvedMetric, { kind: K }> => m.kind === kind);
  return { metrics, hashed, distinct: of("distinct"), activity: of("activity"), top: of("top"), frequency: of("frequency"), stats: of("stats"), signature };
}
