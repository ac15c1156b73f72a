import type { MonoidAggregator } from "../aggregators/aggregator.js";
import type { Monoid } from "../algebra/monoid.js";
import { InvalidArgumentError } from "../errors.js";
import { HashedKey } from "../hashing/hashed-key.js";
import { murmurHash64AStringInto } from "../hashing/murmur64a.js";
import { BloomFilter } from "../sketches/bloom-filter.js";
import { CountMinSketch } from "../sketches/count-min-sketch.js";
import { HyperLogLog } from "../sketches/hyperloglog.js";
import { Moments } from "../sketches/moments.js";
import { checkOptionKeys, describeValue } from "../sketches/sketch.js";
import { TDigest } from "../sketches/t-digest.js";
import { hasLoneSurrogate, TopK } from "../sketches/top-k.js";
import { parseWindowLength } from "../windows/granularity.js";
import type { WindowLevel } from "../windows/levels.js";
import { TimeWindows, type WindowRange, type WindowResult } from "../windows/time-windows.js";
import type { ComplianceEvent, EventPredicate } from "./event.js";
import { bucketMonoid, newBucket, type MonitorBucket, type Projection } from "./monitor-bucket.js";
import { readMonitorImage, writeMonitorImage } from "./monitor-image.js";
import {
  type CompiledField,
  DEFAULT_MONITOR_METRICS,
  FieldCode,
  fieldType,
  type MetricPlan,
  type MonitorMetric,
  planMetrics,
  readField,
  type ResolvedMetric,
} from "./monitor-metrics.js";
import { HashCache } from "./monitor-hash-cache.js";
import { Pseudonymizer } from "./pseudonyms.js";
import type { ComplianceSnapshot, EstimateSummary, StatsSummary, SystemSnapshot, TimeRange, TopEntry } from "./snapshot.js";

/**
 * What the monitor needs of a rule engine: it hands every accepted event to
 * `evaluate` and puts `toBytes()` in its image (restored through
 * `restoreRules`). The `RuleEngine` of this module fits it.
 *
 * @example
 * ```ts
 * import type { MonitorRules } from "papertrail/compliance";
 * let seen = 0;
 * const counter: MonitorRules = { evaluate: () => void seen++, toBytes: () => Uint8Array.of(seen) };
 * counter.toBytes().length; // => 1
 * ```
 */
export interface MonitorRules {
  evaluate(event: ComplianceEvent): void;
  toBytes(): Uint8Array;
}

/**
 * What the monitor needs of an allow-list: its image, carried in the
 * monitor's image (restored through `restoreAllowList`). The monitor does
 * not consult it; the rule engine does.
 *
 * @example
 * ```ts
 * import type { MonitorAllowList } from "papertrail/compliance";
 * const none: MonitorAllowList = { toBytes: () => new Uint8Array(0) };
 * none.toBytes().length; // => 0
 * ```
 */
export interface MonitorAllowList {
  toBytes(): Uint8Array;
}

/**
 * Options of {@link ComplianceMonitor}.
 *
 * @example
 * ```ts
 * import type { ComplianceMonitorOptions } from "papertrail/compliance";
 * const options: ComplianceMonitorOptions = { identities: "plain", levels: [{ granularity: "hour", retention: 25 }] };
 * options.identities; // => "plain"
 * ```
 */
export interface ComplianceMonitorOptions {
  /** The metrics kept per system and bucket; default {@link DEFAULT_MONITOR_METRICS}. */
  readonly metrics?: readonly MonitorMetric[];
  /**
   * How top lists store identities: `"pseudonymized"` (default) as keyed
   * pseudonyms, which needs `pseudonymKey`; `"plain"` as given.
   */
  readonly identities?: "pseudonymized" | "plain";
  /** The deployment key of the pseudonyms (HMAC-SHA256), at least 16 bytes; never stored in images. */
  readonly pseudonymKey?: Uint8Array | string;
  /** Identities kept in the pseudonym cache (see `Pseudonymizer`); default 65536. */
  readonly pseudonymCacheSize?: number;
  /** System of events that name none; default `"unknown"`; `null` refuses such events as invalid. */
  readonly defaultSystem?: string | null;
  /** Time-window levels (see `TimeWindows`); default 169 hours and 90 days. */
  readonly levels?: readonly WindowLevel[];
  /** How far behind the latest event an event may arrive, ms; default 300000. */
  readonly allowedLateness?: number;
  /** Events stamped more than this after the clock are refused, ms; default 3600000. */
  readonly maxFutureSkew?: number;
  /** Most systems held; events of further systems are refused. Default unlimited. */
  readonly maxSystems?: number;
  /** The clock (epoch ms) of relative queries and the future check; default `Date.now`. */
  readonly now?: () => number;
  /** A rule engine fed every accepted event, whose state the image carries. */
  readonly rules?: MonitorRules;
  /** An allow-list whose state the image carries. */
  readonly allowList?: MonitorAllowList;
}

/**
 * Options of {@link ComplianceMonitor.fromBytes}: those of the constructor
 * except what the image holds (levels, lateness, system limit, identities
 * mode, default system), plus the callbacks that rebuild the rule engine
 * and the allow-list from their sections of the image.
 *
 * @example
 * ```ts
 * import type { ComplianceMonitorRestoreOptions } from "papertrail/compliance";
 * const options: ComplianceMonitorRestoreOptions = { pseudonymKey: "a deployment key of 32+ bytes....", restoreRules: () => ({ evaluate() {}, toBytes: () => new Uint8Array(0) }) };
 * typeof options.restoreRules; // => "function"
 * ```
 */
export interface ComplianceMonitorRestoreOptions
  extends Omit<ComplianceMonitorOptions, "levels" | "allowedLateness" | "maxSystems" | "identities" | "defaultSystem" | "rules" | "allowList"> {
  /** Rebuilds the rule engine from its section; required when the image has one. Runs after `restoreAllowList`. */
  readonly restoreRules?: (bytes: Uint8Array) => MonitorRules;
  /** Rebuilds the allow-list from its section; required when the image has one. Runs first. */
  readonly restoreAllowList?: (bytes: Uint8Array) => MonitorAllowList;
}

/**
 * Options of the monitor's queries.
 *
 * @example
 * ```ts
 * import type { MonitorQueryOptions } from "papertrail/compliance";
 * const options: MonitorQueryOptions = { now: "watermark", confidence: 0.99 };
 * options.confidence; // => 0.99
 * ```
 */
export interface MonitorQueryOptions {
  /** End of a relative window: epoch ms, or `"watermark"` (just after the latest event). Default the monitor's clock. */
  readonly now?: number | "watermark";
  /** `"outer"` (default): every bucket the range touches; `"inner"`: only buckets inside it. */
  readonly align?: "outer" | "inner";
  /** Confidence of the bounds of `distinct`, in (0, 1); default 0.95. */
  readonly confidence?: number;
}

/**
 * The range an answer really covers (whole buckets; see `TimeWindows.query`).
 *
 * @example
 * ```ts
 * import type { Coverage } from "papertrail/compliance";
 * const coverage: Coverage = { covered: { from: 0, to: 3_600_000 }, exact: true };
 * coverage.exact; // => true
 * ```
 */
export interface Coverage {
  readonly covered: TimeRange;
  /** True when `covered` is exactly the range asked for. */
  readonly exact: boolean;
}

/**
 * Answer of {@link ComplianceMonitor.activity}.
 *
 * @example
 * ```ts
 * import type { ActivityAnswer } from "papertrail/compliance";
 * const answer: ActivityAnswer = { accessed: true, falsePositiveProbability: 0.001, covered: { from: 0, to: 1 }, exact: true };
 * answer.accessed; // => true
 * ```
 */
export interface ActivityAnswer extends Coverage {
  /** Whether the (user, system) pair is in the filter: `false` is certain, `true` is false with `falsePositiveProbability`. */
  readonly accessed: boolean;
  /** The probability that a "yes" for an identity never seen is given: the filter's false-positive rate at its fill. */
  readonly falsePositiveProbability: number;
}

/**
 * Answer of {@link ComplianceMonitor.top}.
 *
 * @example
 * ```ts
 * import type { TopAnswer } from "papertrail/compliance";
 * const answer: TopAnswer = { entries: [{ item: "10.0.0.7", count: 5, error: 0 }], covered: { from: 0, to: 1 }, exact: true };
 * answer.entries.length; // => 1
 * ```
 */
export interface TopAnswer extends Coverage {
  readonly entries: readonly TopEntry[];
}

/**
 * Answer of {@link ComplianceMonitor.frequencies}: every listed value with
 * its estimated count.
 *
 * @example
 * ```ts
 * import type { FrequencyListing } from "papertrail/compliance";
 * const listing: FrequencyListing = { values: { login: 3 }, unlisted: 0, covered: { from: 0, to: 1 }, exact: true };
 * listing.values.login; // => 3
 * ```
 */
export interface FrequencyListing extends Coverage {
  readonly values: Readonly<Record<string, number>>;
  /** Events whose value was counted but not listed (a bucket's list was full). */
  readonly unlisted: number;
}

/**
 * Refused events by reason: `late` (behind the allowed lateness), `future`
 * (stamped too far after the clock), `invalid` (malformed: see
 * {@link ComplianceMonitor.add}), `systemLimit` (a new system beyond `maxSystems`).
 *
 * @example
 * ```ts
 * import type { RefusedCounts } from "papertrail/compliance";
 * const refused: RefusedCounts = { total: 3, late: 1, future: 1, invalid: 1, systemLimit: 0 };
 * refused.total; // => 3
 * ```
 */
export interface RefusedCounts {
  readonly total: number;
  readonly late: number;
  readonly future: number;
  readonly invalid: number;
  readonly systemLimit: number;
}

type Of<K extends ResolvedMetric["kind"]> = Extract<ResolvedMetric, { kind: K }>;

const OPTION_KEYS: readonly (keyof ComplianceMonitorOptions)[] = [
  "metrics",
  "identities",
  "pseudonymKey",
  "pseudonymCacheSize",
  "defaultSystem",
  "levels",
  "allowedLateness",
  "maxFutureSkew",
  "maxSystems",
  "now",
  "rules",
  "allowList",
];
const RESTORE_KEYS: readonly (keyof ComplianceMonitorRestoreOptions)[] = [
  "metrics",
  "pseudonymKey",
  "pseudonymCacheSize",
  "maxFutureSkew",
  "now",
  "restoreRules",
  "restoreAllowList",
];
/** Hashed field types of the ingest path's checks. */
const TEXT = 0;
const NUMERIC = 1;
const ANY = 2;
/** Memo slots per metric (see `ComplianceMonitor.feed`). */
const MEMO_SIZE = 256;
/** Events `addMany` counts before the rules evaluate them (see `ComplianceMonitor.addMany`). */
const ADD_CHUNK = 512;

/**
 * What {@link ComplianceMonitor.addManyExplained} writes per event: accepted,
 * or why it was refused (the reasons {@link ComplianceMonitor.refused} counts).
 *
 * @internal
 */
export const AddOutcome = { Accepted: 1, Invalid: 2, Late: 3, Future: 4, SystemLimit: 5 } as const;
/** @internal */
export type AddOutcome = (typeof AddOutcome)[keyof typeof AddOutcome];
/** System names whose hashes are kept (the cache is emptied when full). */
const SYSTEM_CACHE_SIZE = 1024;
/**
 * Fields of few values (an event's kind, status, outcome, level), whose
 * values' hashes are kept like the systems': a `Map` lookup of one of a few
 * strings (about 7 ns) instead of MurmurHash64A over its characters. On
 * `bench/monitor.mjs`'s stream, 2026-12-06, alternating processes: 732 →
 * 720 ns per event for the monitor alone (plain identities).
 */
const FEW_VALUES: ReadonlySet<number> = new Set([FieldCode.Kind, FieldCode.Status, FieldCode.Outcome, FieldCode.Level]);
/** Values per field whose hashes are kept (the cache is emptied when full). */
const VALUE_CACHE_SIZE = 256;
const CODECS = [HyperLogLog.codec, BloomFilter.codec, TopK.codec, CountMinSketch.codec, Moments.codec, TDigest.codec];

/**
 * Per-system, per-time-window compliance metrics from a stream of
 * {@link ComplianceEvent}s, in bounded memory: distinct users, IPs and
 * sessions (HyperLogLog), whether a user touched a system (Bloom filter of
 * the (user, system) pair), top users and top failed-login IPs (TopK),
 * event-kind counts (Count-Min) and numeric statistics (Moments and
 * t-digest): the default metrics, or any set of {@link MonitorMetric}s.
 *
 * - **One state per (system, bucket).** The metrics of a system live in one
 *   composite bucket state of a `TimeWindows` keyed by system (hourly
 *   buckets rolled up into days by default), so an event costs one bucket
 *   lookup, not one per metric.
 * - **One hash per field.** Each field a hashed sketch reads (user, ip,
 *   session, kind...) is hashed once per event into a `HashedKey` and fed
 *   to every sketch that needs it through their pre-hashed paths; the
 *   activity filter's key is the user's hash XOR the system's.
 * - **Privacy.** HyperLogLog, Bloom and Count-Min sketches hold hashes only.
 *   Top lists hold keyed pseudonyms (HMAC-SHA256 with `pseudonymKey`)
 *   unless `identities: "plain"`; see docs/privacy.md.
 * - **All or nothing.** An event is validated and hashed before anything is
 *   counted; a refused one (late, future, invalid, past the system limit)
 *   is counted in {@link ComplianceMonitor.refused} and nowhere else.
 *
 * @example
 * ```ts
 * import { ComplianceMonitor, type ComplianceEvent } from "papertrail/compliance";
 * const at = Date.UTC(2026, 0, 5, 9);
 * const event = (user: string, ip: string, outcome: "success" | "failure"): ComplianceEvent => ({
 *   kind: "login", time: at, user, system: "billing", ip, session: undefined, status: undefined, outcome,
 *   level: undefined, message: undefined, value: undefined, metrics: undefined, id: undefined, raw: undefined,
 * });
 * const monitor = new ComplianceMonitor({ identities: "plain", now: () => at + 60_000 });
 * monitor.addMany([event("alice", "10.0.0.1", "success"), event("bob", "10.0.0.9", "failure"), event("bob", "10.0.0.9", "failure")]); // => 3
 * Math.round(monitor.distinct("users", "billing", "1h").estimate); // => 2
 * monitor.activity("alice", "billing", "1h").accessed; // => true
 * monitor.top("failedLoginIps", "billing", 1, "1h").entries; // => [{ item: "10.0.0.9", count: 2, error: 0 }]
 * ```
 */
export class ComplianceMonitor {
  /** Whether top lists hold pseudonyms (`"pseudonymized"`) or identities as given (`"plain"`). */
  readonly identities: "pseudonymized" | "plain";
  /** The system of events that name none (`null`: such events are refused). */
  readonly defaultSystem: string | null;
  private readonly plan: MetricPlan;
  private readonly pseudonyms: Pseudonymizer | undefined;
  private readonly projection: Projection = { only: undefined };
  private readonly monoid: Monoid<MonitorBucket>;
  private readonly aggregator: MonoidAggregator<ComplianceEvent, MonitorBucket, MonitorBucket>;
  private readonly clock: () => number;
  private windows: TimeWindows<ComplianceEvent, MonitorBucket, MonitorBucket, string, MonoidAggregator<ComplianceEvent, MonitorBucket, MonitorBucket>>;
  private rules: MonitorRules | undefined;
  private allowList: MonitorAllowList | undefined;
  private invalid = 0;
  private acceptedCount = 0;
  /** `addMany`'s accepted flags of the chunk being added. */
  private readonly chunkFlags = new Uint8Array(ADD_CHUNK);
  /** How many `addMany` chunks are having their rules evaluated (nested when a callback adds). */
  private rulesRunning = 0;

  // Scratch of the event being added: filled by `prepareEvent` (validation,
  // hashing, filters) before the windows see the event, read by `feed`.
  private readonly hashedFields: readonly CompiledField[];
  private readonly hashes: HashedKey[];
  private readonly hashed: Uint8Array;
  /** Per hashed field: 1 where its value is an ASCII string hashed here (its hash's low 31 bits are then its top lists' table hash: `topKFieldHash`). */
  private readonly asciiText: Uint8Array;
  /** Per hashed field: TEXT, NUMERIC or ANY (raw: text or a finite number). */
  private readonly fieldTypes: Uint8Array;
  /** Per hashed field: the value read (valid where `hashed` is 1). */
  private readonly fieldValues: unknown[];
  /** The systems' hashes (for the activity filters' pair keys). */
  private readonly systemHashes = new HashCache(SYSTEM_CACHE_SIZE);
  /** Per hashed field: a cache of its values' hashes for a field of few values (kind, status, outcome, level), else undefined. */
  private readonly valueHashes: (HashCache | undefined)[];
  /**
   * Per activity metric, MEMO_SIZE slots indexed by the pair key's low
   * bits: (pair key, bucket) pairs already put into the bucket's filter
   * (see `feed`).
   */
  private readonly pairMemoHi: Int32Array;
  private readonly pairMemoLo: Int32Array;
  private readonly pairMemoBucket: (MonitorBucket | undefined)[];
  /**
   * Per frequency metric, MEMO_SIZE slots indexed by the value's hash:
   * (value, bucket) pairs whose value is listed in the bucket (see `feed`).
   */
  private readonly listedMemoValue: (string | number | undefined)[];
  private readonly listedMemoBucket: (MonitorBucket | undefined)[];
  private readonly systemHash = new HashedKey();
  private lastSystem: string | undefined = undefined;
  private readonly distinctSlot: Int32Array;
  private readonly distinctPass: Uint8Array;
  private readonly activitySlot: Int32Array;
  private readonly activityPass: Uint8Array;
  private readonly pairKeys: HashedKey[];
  private readonly topItem: (string | number | undefined)[];
  /** Per top metric: the item's TopK table hash (`topKFieldHash`) when known (a pseudonym, a well-formed identity), else -1. */
  private readonly topHash: Int32Array;
  private readonly frequencySlot: Int32Array;
  private readonly frequencyPass: Uint8Array;
  private readonly frequencyValue: (string | number | undefined)[];
  private readonly statsValue: Float64Array;
  private readonly filters: { readonly distinct: (EventPredicate | undefined)[]; readonly activity: (EventPredicate | undefined)[]; readonly top: (EventPredicate | undefined)[]; readonly frequency: (EventPredicate | undefined)[]; readonly stats: (EventPredicate | undefined)[] };

  /**
   * @throws InvalidArgumentError naming the option: unknown keys, a bad
   *   metric definition, pseudonymized identities without `pseudonymKey`, or
   *   a window option `TimeWindows` refuses.
   */
  constructor(options: ComplianceMonitorOptions = {}) {
    checkOptionKeys("ComplianceMonitor", options, OPTION_KEYS);
    this.plan = planMetrics(options.metrics ?? DEFAULT_MONITOR_METRICS);
    const identities = options.identities ?? "pseudonymized";
    if (identities !== "pseudonymized" && identities !== "plain") {
      throw new InvalidArgumentError(`ComplianceMonitor identities must be "pseudonymized" or "plain", got ${describeValue(identities)}`);
    }
    this.identities = identities;
    const needsKey = identities === "pseudonymized" && this.plan.top.some((m) => m.pseudonymize);
    if (needsKey && options.pseudonymKey === undefined) {
      throw new InvalidArgumentError(
        'ComplianceMonitor needs a pseudonymKey (a secret of at least 16 bytes) to store keyed pseudonyms in its top lists, or identities: "plain" to store identities as given; there is no default key',
      );
    }
    this.pseudonyms = needsKey ? new Pseudonymizer(options.pseudonymKey as Uint8Array | string, options.pseudonymCacheSize ?? 65_536) : undefined;
    const defaultSystem = options.defaultSystem === undefined ? "unknown" : options.defaultSystem;
    if (defaultSystem !== null && typeof defaultSystem !== "string") {
      throw new InvalidArgumentError(`ComplianceMonitor defaultSystem must be a string or null, got ${describeValue(defaultSystem)}`);
    }
    this.defaultSystem = defaultSystem;
    if (options.now !== undefined && typeof options.now !== "function") throw new InvalidArgumentError(`ComplianceMonitor now must be a function () => epoch ms, got ${describeValue(options.now)}`);
    this.clock = options.now ?? Date.now;
    this.rules = checkSeam(options.rules, "rules", ["evaluate", "toBytes"]);
    this.allowList = checkSeam(options.allowList, "allowList", ["toBytes"]);

    const plan = this.plan;
    this.hashedFields = plan.hashed;
    this.hashes = plan.hashed.map(() => new HashedKey());
    this.hashed = new Uint8Array(plan.hashed.length);
    this.asciiText = new Uint8Array(plan.hashed.length);
    this.fieldTypes = Uint8Array.from(plan.hashed, (field) => {
      const type = fieldType(field.code);
      return type === "string" ? TEXT : type === "number" ? NUMERIC : ANY;
    });
    this.fieldValues = plan.hashed.map(() => undefined);
    this.valueHashes = plan.hashed.map((field) => (FEW_VALUES.has(field.code) ? new HashCache(VALUE_CACHE_SIZE) : undefined));
    this.pairMemoHi = new Int32Array(plan.activity.length * MEMO_SIZE);
    this.pairMemoLo = new Int32Array(plan.activity.length * MEMO_SIZE);
    this.pairMemoBucket = new Array<MonitorBucket | undefined>(plan.activity.length * MEMO_SIZE).fill(undefined);
    this.listedMemoValue = new Array<string | number | undefined>(plan.frequency.length * MEMO_SIZE).fill(undefined);
    this.listedMemoBucket = new Array<MonitorBucket | undefined>(plan.frequency.length * MEMO_SIZE).fill(undefined);
    this.distinctSlot = Int32Array.from(plan.distinct, (m) => m.slot);
    this.distinctPass = new Uint8Array(plan.distinct.length);
    this.activitySlot = Int32Array.from(plan.activity, (m) => m.slot);
    this.activityPass = new Uint8Array(plan.activity.length);
    this.pairKeys = plan.activity.map(() => new HashedKey());
    this.topItem = plan.top.map(() => undefined);
    this.topHash = new Int32Array(plan.top.length).fill(-1);
    this.frequencySlot = Int32Array.from(plan.frequency, (m) => m.slot);
    this.frequencyPass = new Uint8Array(plan.frequency.length);
    this.frequencyValue = plan.frequency.map(() => undefined);
    this.statsValue = new Float64Array(plan.stats.length);
    this.filters = {
      distinct: plan.distinct.map((m) => m.filter),
      activity: plan.activity.map((m) => m.filter),
      top: plan.top.map((m) => m.filter),
      frequency: plan.frequency.map((m) => m.filter),
      stats: plan.stats.map((m) => m.filter),
    };

    this.monoid = bucketMonoid(plan, this.projection);
    this.aggregator = {
      prepare: (_event, storage) => {
        this.resetMemos();
        return this.feed(newBucket(plan, storage));
      },
      append: (bucket) => this.feed(bucket),
      present: (bucket) => bucket,
      semigroup: this.monoid,
      monoid: this.monoid,
    };
    this.windows = new TimeWindows(this.windowOptions(options, true));
  }

  private windowOptions(options: ComplianceMonitorOptions, withLevels: boolean) {
    return {
      aggregator: this.aggregator,
      time: (event: ComplianceEvent) => event.time,
      key: (event: ComplianceEvent) => event.system ?? (this.defaultSystem as string),
      codecs: CODECS,
      ...(options.now === undefined ? {} : { now: options.now }),
      ...(options.maxFutureSkew === undefined ? {} : { maxFutureSkew: options.maxFutureSkew }),
      ...(withLevels && options.levels !== undefined ? { levels: options.levels } : {}),
      ...(withLevels && options.allowedLateness !== undefined ? { allowedLateness: options.allowedLateness } : {}),
      ...(withLevels && options.maxSystems !== undefined ? { maxKeys: options.maxSystems } : {}),
    };
  }

  /**
   * Adds one event; returns false when it is refused, which
   * {@link ComplianceMonitor.refused} counts and nothing else sees (not the
   * metrics, not the rules). Refused as invalid: not an object, a `kind`
   * that is not a string, a `time` that is not a finite number, a `system`
   * that is neither a string nor absent (or absent with `defaultSystem:
   * null`), a field a metric reads holding a value of the wrong type (a
   * text field that is not a string, a numeric one that is not a finite
   * number, a stats value beyond ±1e60). Also refused: events more than the
   * allowed lateness behind the latest event, more than `maxFutureSkew`
   * after the clock, and of new systems past `maxSystems`. Accepted events
   * then go to the rule engine, if any.
   *
   * @example
   * ```ts
   * import { ComplianceMonitor, type ComplianceEvent } from "papertrail/compliance";
   * const monitor = new ComplianceMonitor({ identities: "plain", now: () => Date.UTC(2026, 0, 5, 10) });
   * const base = { kind: "login", time: Date.UTC(2026, 0, 5, 9), user: "alice", system: "billing", ip: undefined, session: undefined, status: undefined, outcome: undefined, level: undefined, message: undefined, value: undefined, metrics: undefined, id: undefined, raw: undefined };
   * monitor.add(base as ComplianceEvent); // => true
   * monitor.add({ ...base, value: Number.NaN } as ComplianceEvent); // => false
   * monitor.refused; // => { total: 1, late: 0, future: 0, invalid: 1, systemLimit: 0 }
   * ```
   */
  add(event: ComplianceEvent): boolean {
    if (!this.countEvent(event)) return false;
    const rules = this.rules;
    if (rules !== undefined) rules.evaluate(event);
    return true;
  }

  /**
   * Adds every event of `events`; returns how many were accepted. With
   * `accepted` (at least as long as `events`), writes 1 at the index of each
   * accepted event and 0 at each refused one.
   *
   * Each event is counted or refused exactly as {@link ComplianceMonitor.add}
   * does, and the rules see the same accepted events in the same order, so
   * metrics, rule state and alerts come out the same. The events go through
   * in chunks of 512: the monitor counts a chunk, then the rules evaluate its
   * accepted events. The two passes each keep their own state hot in the
   * caches instead of evicting each other's on every event (with the
   * twelve ready rules on `bench:monitor`'s stream, 1.1–1.2× the events/s
   * of a loop of `add`; docs/performance.md). What differs from `add` is
   * only what an alert callback sees of this monitor: its metrics may
   * already hold up to 511 later events of the chunk, and
   * {@link ComplianceMonitor.toBytes} throws there (its image would hold
   * events the rules have not seen). Feed with `add` when a callback must see
   * the monitor exactly at the alert's event.
   *
   * @example
   * ```ts
   * import { ComplianceMonitor, RuleEngine, bruteForceRule, type ComplianceEvent } from "papertrail/compliance";
   * const at = Date.UTC(2026, 0, 5, 9);
   * const failed = (i: number): ComplianceEvent => ({ kind: "login", time: at + i * 1000, user: `user-${i}`, system: "vpn", ip: "203.0.113.7", outcome: "failure" }) as ComplianceEvent;
   * const rules = new RuleEngine({ rules: [bruteForceRule()] });
   * const monitor = new ComplianceMonitor({ identities: "plain", now: () => at + 60_000, rules });
   * const accepted = new Uint8Array(7);
   * monitor.addMany([failed(0), failed(1), failed(2), { kind: 7 } as unknown as ComplianceEvent, failed(3), failed(4), failed(5)], accepted); // => 6
   * [...accepted]; // => [1, 1, 1, 0, 1, 1, 1]
   * rules.stats().rules["brute-force"].alerts; // => 1
   * ```
   *
   * @throws InvalidArgumentError when `accepted` is given and is not a
   *   `Uint8Array` at least as long as `events` (checked before anything is
   *   counted for an array; for another iterable, when the events outrun it).
   */
  addMany(events: Iterable<ComplianceEvent>, accepted?: Uint8Array): number {
    if (accepted !== undefined && !(accepted instanceof Uint8Array)) {
      throw new InvalidArgumentError(`ComplianceMonitor.addMany: accepted must be a Uint8Array, got ${describeValue(accepted)}`);
    }
    if (Array.isArray(events)) {
      const list = events as readonly ComplianceEvent[];
      if (accepted !== undefined && accepted.length < list.length) {
        throw new InvalidArgumentError(`ComplianceMonitor.addMany: accepted holds ${accepted.length} flags for ${list.length} events`);
      }
      let total = 0;
      for (let start = 0; start < list.length; start += ADD_CHUNK) total += this.addChunk(list, start, Math.min(list.length, start + ADD_CHUNK), accepted, undefined, start);
      return total;
    }
    // Another iterable: pulled a chunk at a time into an array of our own.
    const chunk: ComplianceEvent[] = [];
    let total = 0;
    let offset = 0;
    const flush = (): void => {
      if (accepted !== undefined && accepted.length < offset + chunk.length) {
        throw new InvalidArgumentError(`ComplianceMonitor.addMany: accepted holds ${accepted.length} flags, and there are more events`);
      }
      total += this.addChunk(chunk, 0, chunk.length, accepted, undefined, offset);
      offset += chunk.length;
      chunk.length = 0;
    };
    for (const event of events) {
      chunk.push(event);
      if (chunk.length === ADD_CHUNK) flush();
    }
    if (chunk.length > 0) flush();
    return total;
  }

  /**
   * {@link ComplianceMonitor.addMany} for an array, writing into `outcomes`
   * (at least as long as `events`) an {@link AddOutcome} per event: accepted,
   * or why it was refused. For callers that report each refusal, as
   * `CompliancePipeline.ingest` does.
   *
   * @internal
   */
  addManyExplained(events: readonly ComplianceEvent[], outcomes: Uint8Array): number {
    if (outcomes.length < events.length) throw new InvalidArgumentError(`ComplianceMonitor.addManyExplained: outcomes holds ${outcomes.length} entries for ${events.length} events`);
    let total = 0;
    for (let start = 0; start < events.length; start += ADD_CHUNK) total += this.addChunk(events, start, Math.min(events.length, start + ADD_CHUNK), undefined, outcomes, start);
    return total;
  }

  /**
   * Counts `list[start..end)`, then has the rules evaluate the accepted ones
   * in order (see {@link ComplianceMonitor.addMany}); flags at `at..` of
   * `accepted` when given, or an {@link AddOutcome} per event at `at..` of
   * `outcomes` when given (one of the two at most).
   */
  private addChunk(list: readonly ComplianceEvent[], start: number, end: number, accepted: Uint8Array | undefined, outcomes: Uint8Array | undefined, at: number): number {
    // A callback may call addMany again while the rules run: that call gets flags of its own.
    const flags = this.rulesRunning === 0 ? this.chunkFlags : new Uint8Array(ADD_CHUNK);
    let total = 0;
    if (outcomes !== undefined) total = this.countExplained(list, start, end, flags, outcomes, at);
    else {
      for (let i = start; i < end; i++) {
        const ok = this.countEvent(list[i] as ComplianceEvent) ? 1 : 0;
        flags[i - start] = ok;
        total += ok;
      }
    }
    if (accepted !== undefined) accepted.set(flags.subarray(0, end - start), at);
    const rules = this.rules;
    if (rules === undefined || total === 0) return total;
    this.rulesRunning++;
    try {
      for (let i = start; i < end; i++) if (flags[i - start] === 1) rules.evaluate(list[i] as ComplianceEvent);
    } finally {
      this.rulesRunning--;
    }
    return total;
  }

  /**
   * The counting loop of {@link addChunk} writing an {@link AddOutcome} per
   * event at `at..` of `outcomes`: a refusal's reason is the windows' drop
   * count (late, future, system limit) it made grow; a refusal that grew
   * none of them is invalid (the monitor's own check, or a time the windows
   * found invalid).
   */
  private countExplained(list: readonly ComplianceEvent[], start: number, end: number, flags: Uint8Array, outcomes: Uint8Array, at: number): number {
    let before = this.windows.dropped;
    let total = 0;
    for (let i = start; i < end; i++) {
      const ok = this.countEvent(list[i] as ComplianceEvent);
      flags[i - start] = ok ? 1 : 0;
      let outcome: AddOutcome = AddOutcome.Accepted;
      if (ok) total++;
      else {
        const now = this.windows.dropped;
        if (now.late > before.late) outcome = AddOutcome.Late;
        else if (now.future > before.future) outcome = AddOutcome.Future;
        else if (now.keyLimit > before.keyLimit) outcome = AddOutcome.SystemLimit;
        else outcome = AddOutcome.Invalid; // the monitor's own invalid count, or the windows' invalid times, grew
        before = now;
      }
      outcomes[at + i - start] = outcome;
    }
    return total;
  }

  /** {@link ComplianceMonitor.add} without the rules: validates and counts the event, or counts its refusal. */
  private countEvent(event: ComplianceEvent): boolean {
    if (!this.prepareEvent(event)) {
      this.invalid++;
      return false;
    }
    if (!this.windows.add(event)) return false;
    this.acceptedCount++;
    return true;
  }

  /**
   * Validates the event and fills the scratch: the hash of every hashed
   * field, the filters' verdicts, the top items (pseudonymized) and the
   * numeric values. False when the event is invalid; nothing is counted yet.
   */
  private prepareEvent(event: ComplianceEvent): boolean {
    if (event === null || typeof event !== "object" || typeof event.kind !== "string") return false;
    const system = event.system;
    if (system === undefined) {
      if (this.defaultSystem === null) return false;
    } else if (typeof system !== "string") {
      return false;
    }
    const fields = this.hashedFields;
    const types = this.fieldTypes;
    const hashes = this.hashes;
    const hashed = this.hashed;
    const ascii = this.asciiText;
    const values = this.fieldValues;
    const caches = this.valueHashes;
    for (let j = 0; j < fields.length; j++) {
      const value = readField(event, fields[j] as CompiledField);
      if (value === undefined) {
        hashed[j] = 0;
        continue;
      }
      const key = hashes[j] as HashedKey;
      if (typeof value === "string") {
        if (types[j] === NUMERIC) return false;
      } else if (types[j] === TEXT || typeof value !== "number" || value - value !== 0) {
        // A text field holding anything else, INVALID, or a number that is not finite
        // (readField gives raw fields as strings and finite numbers only).
        return false;
      }
      // Only text fields have a cache, so its value is a string here.
      const cache = caches[j];
      let text = 0;
      if (cache !== undefined) cache.hashInto(value as string, key);
      // Strings straight to the string hash, Redis's seed (REDIS_HLL_SEED) as a
      // literal as in HashedKey.set: set's own dispatch on the item's type,
      // inlined here, took inlining budget the rest of this function needs.
      else if (typeof value === "string") text = murmurHash64AStringInto(value, 0xadc83b19, key) ? 1 : 0;
      else key.set(value);
      ascii[j] = text;
      values[j] = value;
      hashed[j] = 1;
    }
    const filters = this.filters;
    const plan = this.plan;
    for (let i = 0; i < plan.distinct.length; i++) {
      const filter = filters.distinct[i];
      this.distinctPass[i] = hashed[this.distinctSlot[i] as number] === 1 && (filter === undefined || filter(event)) ? 1 : 0;
    }
    if (plan.activity.length > 0) {
      const name = system ?? (this.defaultSystem as string);
      if (name !== this.lastSystem) {
        this.systemHashes.hashInto(name, this.systemHash);
        this.lastSystem = name;
      }
      for (let i = 0; i < plan.activity.length; i++) {
        const slot = this.activitySlot[i] as number;
        const filter = filters.activity[i];
        const pass = hashed[slot] === 1 && (filter === undefined || filter(event));
        this.activityPass[i] = pass ? 1 : 0;
        if (pass) {
          // The (value, system) pair's key: the value's hash XOR the system's. For one
          // system this is a bijection of the value's hash, so the filter sees
          // hashes as uniform as the value's own.
          const from = hashes[slot] as HashedKey;
          const pair = this.pairKeys[i] as HashedKey;
          pair.hi = from.hi ^ this.systemHash.hi;
          pair.lo = from.lo ^ this.systemHash.lo;
        }
      }
    }
    const pseudonyms = this.pseudonyms;
    for (let i = 0; i < plan.top.length; i++) {
      const metric = plan.top[i] as Of<"top">;
      const slot = metric.slot;
      let item: string | number | undefined;
      let tableHash = -1;
      if (hashed[slot] === 1) {
        const filter = filters.top[i];
        if (filter === undefined || filter(event)) {
          const value = values[slot] as string | number;
          if (pseudonyms === undefined || !metric.pseudonymize) {
            item = value;
            // A well-formed identity's table hash is its field hash's low 31 bits
            // (topKFieldHash; only one with a lone surrogate goes through add, which counts it as U+FFFD).
            if (typeof value === "string" && (ascii[slot] === 1 || !hasLoneSurrogate(value))) tableHash = (hashes[slot] as HashedKey).lo & 0x7fffffff;
          } else {
            item = typeof value === "string" ? pseudonyms.ofHashed(value, (hashes[slot] as HashedKey).lo) : pseudonyms.of(String(value));
            tableHash = pseudonyms.tableHash;
          }
        }
      }
      this.topItem[i] = item;
      this.topHash[i] = tableHash;
    }
    for (let i = 0; i < plan.frequency.length; i++) {
      const slot = this.frequencySlot[i] as number;
      const filter = filters.frequency[i];
      const pass = hashed[slot] === 1 && (filter === undefined || filter(event));
      this.frequencyPass[i] = pass ? 1 : 0;
      this.frequencyValue[i] = pass ? (values[slot] as string | number) : undefined;
    }
    for (let i = 0; i < plan.stats.length; i++) {
      const metric = plan.stats[i] as Of<"stats">;
      const value = readField(event, metric.field);
      let x = Number.NaN;
      if (value !== undefined) {
        if (typeof value !== "number" || !(value >= -Moments.VALUE_LIMIT && value <= Moments.VALUE_LIMIT)) {
          // A raw field holding text is not a number for the statistics; a typed field is invalid.
          if (metric.field.code !== FieldCode.Raw || typeof value === "number") return false;
        } else {
          const filter = filters.stats[i];
          if (filter === undefined || filter(event)) x = value;
        }
      }
      this.statsValue[i] = x;
    }
    return true;
  }

  /** Forgets the memos of `feed` (when the windows start a bucket: no memo keeps an expired bucket alive). */
  private resetMemos(): void {
    this.pairMemoBucket.fill(undefined);
    this.listedMemoBucket.fill(undefined);
  }

  /** Counts the prepared event into `bucket` (the windows' append and prepare). */
  private feed(bucket: MonitorBucket): MonitorBucket {
    bucket.events++;
    const hashes = this.hashes;
    const distinctPass = this.distinctPass;
    for (let i = 0; i < distinctPass.length; i++) {
      if (distinctPass[i] === 1) (bucket.distinct[i] as HyperLogLog).addHashed(hashes[this.distinctSlot[i] as number] as HashedKey);
    }
    const activityPass = this.activityPass;
    for (let i = 0; i < activityPass.length; i++) {
      if (activityPass[i] !== 1) continue;
      // A pair key put into this bucket's filter before sets no new bit: the
      // memo of recent puts skips the probes (most events are of users seen
      // in the bucket already).
      const pair = this.pairKeys[i] as HashedKey;
      const at = i * MEMO_SIZE + (pair.lo & (MEMO_SIZE - 1));
      if (this.pairMemoLo[at] === pair.lo && this.pairMemoHi[at] === pair.hi && this.pairMemoBucket[at] === bucket) continue;
      (bucket.activity[i] as BloomFilter).addHashed(pair);
      this.pairMemoLo[at] = pair.lo;
      this.pairMemoHi[at] = pair.hi;
      this.pairMemoBucket[at] = bucket;
    }
    const topItem = this.topItem;
    for (let i = 0; i < topItem.length; i++) {
      const item = topItem[i];
      if (item === undefined) continue;
      // A pseudonym comes with its table hash from the pseudonym cache, an
      // identity with its field hash: the TopK does not hash it again.
      // (A TopK restored from an image hashes strings its own way.)
      const tableHash = this.topHash[i] as number;
      const top = bucket.top[i] as TopK;
      if (tableHash >= 0 && top.keyedByFieldHashes) top.addStringHashed(item as string, tableHash);
      else top.add(item);
    }
    const frequencyPass = this.frequencyPass;
    for (let i = 0; i < frequencyPass.length; i++) {
      if (frequencyPass[i] !== 1) continue;
      const slot = this.frequencySlot[i] as number;
      (bucket.frequency[i] as CountMinSketch).addHashed(hashes[slot] as HashedKey);
      const value = this.frequencyValue[i] as string | number;
      // Values listed in the bucket stay listed: the memo of recent ones skips the Set lookup.
      const at = i * MEMO_SIZE + ((hashes[slot] as HashedKey).lo & (MEMO_SIZE - 1));
      if (this.listedMemoValue[at] === value && this.listedMemoBucket[at] === bucket) continue;
      const values = bucket.values[i] as Set<string | number>;
      if (!values.has(value)) {
        if (values.size >= (this.plan.frequency[i] as Of<"frequency">).maxValues) {
          bucket.unlisted[i]++; // not listed: counted on every event, no memo
          continue;
        }
        values.add(value);
      }
      this.listedMemoValue[at] = value;
      this.listedMemoBucket[at] = bucket;
    }
    const statsValue = this.statsValue;
    for (let i = 0; i < statsValue.length; i++) {
      const x = statsValue[i] as number;
      if (x !== x) continue;
      let moments = bucket.moments[i];
      if (moments === null || moments === undefined) {
        moments = new Moments();
        bucket.moments[i] = moments;
        bucket.digests[i] = new TDigest((this.plan.stats[i] as Of<"stats">).options);
      }
      moments.add(x);
      (bucket.digests[i] as TDigest).add(x);
    }
    return bucket;
  }

  /** Events accepted so far (restored images included). */
  get accepted(): number {
    return this.acceptedCount;
  }

  /**
   * Refused events by reason.
   *
   * @example
   * ```ts
   * import { ComplianceMonitor } from "papertrail/compliance";
   * new ComplianceMonitor({ identities: "plain" }).refused; // => { total: 0, late: 0, future: 0, invalid: 0, systemLimit: 0 }
   * ```
   */
  get refused(): RefusedCounts {
    const dropped = this.windows.dropped;
    const invalid = this.invalid + dropped.invalidTime;
    return { total: invalid + dropped.late + dropped.future + dropped.keyLimit, late: dropped.late, future: dropped.future, invalid, systemLimit: dropped.keyLimit };
  }

  /** The latest event time seen (`-Infinity` before any). */
  get watermark(): number {
    return this.windows.watermark;
  }

  /** The metric definitions in use. */
  get metrics(): readonly MonitorMetric[] {
    return this.plan.metrics.map((m) => {
      const base = { kind: m.kind, name: m.name, field: m.field.field, options: m.options, ...(m.filter === undefined ? {} : { filter: m.filter }) };
      if (m.kind === "top") return { ...base, pseudonymize: m.pseudonymize } as MonitorMetric;
      if (m.kind === "frequency") return { ...base, maxValues: m.maxValues } as MonitorMetric;
      if (m.kind === "stats") return { ...base, quantiles: m.quantiles } as MonitorMetric;
      return base as MonitorMetric;
    });
  }

  /**
   * The systems held, sorted.
   *
   * @example
   * ```ts
   * import { ComplianceMonitor } from "papertrail/compliance";
   * new ComplianceMonitor({ identities: "plain" }).systems(); // => []
   * ```
   */
  systems(): string[] {
    return this.windows.keys().sort();
  }

  /** Moves the watermark forward on a quiet stream, so buckets close and expire (see `TimeWindows.advance`). */
  advance(time: number): this {
    this.windows.advance(time);
    return this;
  }

  private metric<K extends ResolvedMetric["kind"]>(name: string, kind: K, query: string): Of<K> {
    if (typeof name !== "string") throw new InvalidArgumentError(`ComplianceMonitor.${query}: metric must be a metric name, got ${describeValue(name)}`);
    const metric = this.plan.metrics.find((m) => m.name === name);
    if (metric === undefined) throw new InvalidArgumentError(`ComplianceMonitor.${query}: no metric named "${name}" (metrics: ${this.plan.metrics.map((m) => m.name).join(", ")})`);
    if (metric.kind !== kind) throw new InvalidArgumentError(`ComplianceMonitor.${query}: metric "${name}" is a ${metric.kind} metric, not ${kind}`);
    return metric as Of<K>;
  }

  /** Merges `system`'s buckets over `window`, restricted to `only` (undefined: every metric; null: the count). */
  private query(system: string, window: WindowRange, options: MonitorQueryOptions, only: ResolvedMetric | null | undefined): WindowResult<MonitorBucket, MonitorBucket, never> {
    if (typeof system !== "string") throw new InvalidArgumentError(`ComplianceMonitor: system must be a string, got ${describeValue(system)}`);
    if (options === null || typeof options !== "object") throw new InvalidArgumentError(`ComplianceMonitor: query options must be an object, got ${describeValue(options)}`);
    checkOptionKeys("ComplianceMonitor query", options, ["now", "align", "confidence"]);
    this.projection.only = only;
    try {
      return this.windows.query(system, window, { ...(options.now === undefined ? {} : { now: options.now }), ...(options.align === undefined ? {} : { align: options.align }) });
    } finally {
      this.projection.only = undefined;
    }
  }

  /**
   * Events accepted for `system` in `window` (exact).
   *
   * @example
   * ```ts
   * import { ComplianceMonitor } from "papertrail/compliance";
   * new ComplianceMonitor({ identities: "plain" }).count("billing", { from: 0, to: 3_600_000 }); // => { count: 0, covered: { from: 0, to: 3600000 }, exact: true }
   * ```
   */
  count(system: string, window: WindowRange, options: MonitorQueryOptions = {}): Coverage & { readonly count: number } {
    const result = this.query(system, window, options, null);
    return { count: result.state.events, ...coverage(result) };
  }

  /**
   * Distinct values of a `distinct` metric for `system` over `window`
   * ("24h", "7d", `{ from, to }`), with bounds holding with probability
   * `confidence` (default 0.95) and the range covered.
   *
   * @example
   * ```ts
   * import { ComplianceMonitor, type ComplianceEvent } from "papertrail/compliance";
   * const monitor = new ComplianceMonitor({ identities: "plain" });
   * const at = Date.UTC(2026, 0, 5, 9, 30);
   * for (let i = 0; i < 500; i++) monitor.add({ kind: "read", time: at, user: `user-${i % 200}`, system: "prod_db" } as ComplianceEvent);
   * const users = monitor.distinct("users", "prod_db", "24h", { now: "watermark" });
   * [Math.abs(users.estimate - 200) < 10, users.lower <= 200 && 200 <= users.upper, users.covered.from]; // => [true, true, Date.UTC(2026, 0, 4, 9)]
   * ```
   */
  distinct(metric: string, system: string, window: WindowRange, options: MonitorQueryOptions = {}): EstimateSummary & Coverage {
    const m = this.metric(metric, "distinct", "distinct");
    const result = this.query(system, window, options, m);
    const estimate = (result.state.distinct[m.local] as HyperLogLog).estimate(options.confidence ?? 0.95);
    return { estimate: estimate.estimate, lower: estimate.lower, upper: estimate.upper, confidence: estimate.probability, ...coverage(result) };
  }

  /**
   * Whether `user` (the value of the activity metric's field) touched
   * `system` in `window`. A "no" is certain; a "yes" for a pair never seen
   * comes with probability `falsePositiveProbability`, the filter's rate at
   * its fill. `options.metric` names the activity metric (default: the first).
   *
   * @example
   * ```ts
   * import { ComplianceMonitor, type ComplianceEvent } from "papertrail/compliance";
   * const monitor = new ComplianceMonitor({ identities: "plain" });
   * monitor.add({ kind: "read", time: Date.UTC(2026, 0, 5, 9), user: "alice", system: "billing" } as ComplianceEvent);
   * const week = { from: Date.UTC(2026, 0, 5), to: Date.UTC(2026, 0, 12) };
   * [monitor.activity("alice", "billing", week).accessed, monitor.activity("alice", "hr", week).accessed, monitor.activity("bob", "billing", week).accessed]; // => [true, false, false]
   * ```
   */
  activity(user: string, system: string, window: WindowRange, options: MonitorQueryOptions & { readonly metric?: string } = {}): ActivityAnswer {
    const { metric: name, ...rest } = options;
    const m = name === undefined ? this.plan.activity[0] : this.metric(name, "activity", "activity");
    if (m === undefined) throw new InvalidArgumentError("ComplianceMonitor.activity: the monitor has no activity metric");
    if (typeof user !== "string" && typeof user !== "number") throw new InvalidArgumentError(`ComplianceMonitor.activity: user must be a string, got ${describeValue(user)}`);
    const result = this.query(system, window, rest, m);
    const filter = result.state.activity[m.local] as BloomFilter;
    const key = HashedKey.of(user);
    const systemKey = HashedKey.of(system);
    key.hi ^= systemKey.hi;
    key.lo ^= systemKey.lo;
    return { accessed: filter.hasHashed(key), falsePositiveProbability: filter.estimatedFalsePositiveRate(), ...coverage(result) };
  }

  /**
   * The `k` most frequent values of a `top` metric for `system` over
   * `window`: each with its count (never below the truth) and the most it
   * overestimates by. Items are pseudonyms when the metric pseudonymizes.
   *
   * @example
   * ```ts
   * import { ComplianceMonitor, type ComplianceEvent } from "papertrail/compliance";
   * const monitor = new ComplianceMonitor({ identities: "plain" });
   * for (const user of ["alice", "bob", "alice", "carol", "alice", "bob"]) monitor.add({ kind: "read", time: Date.UTC(2026, 0, 5, 9), user, system: "billing" } as ComplianceEvent);
   * monitor.top("topUsers", "billing", 2, { from: Date.UTC(2026, 0, 5), to: Date.UTC(2026, 0, 6) }).entries; // => [{ item: "alice", count: 3, error: 0 }, { item: "bob", count: 2, error: 0 }]
   * ```
   */
  top(metric: string, system: string, k: number, window: WindowRange, options: MonitorQueryOptions = {}): TopAnswer {
    const m = this.metric(metric, "top", "top");
    if (!Number.isInteger(k) || k < 0) throw new InvalidArgumentError(`ComplianceMonitor.top: k must be an integer >= 0, got ${describeValue(k)}`);
    const result = this.query(system, window, options, m);
    return { entries: topEntries(result.state.top[m.local] as TopK, k), ...coverage(result) };
  }

  /**
   * The estimated count of `value` in a `frequency` metric for `system`
   * over `window`: never below the truth, above it by at most
   * `epsilon × total` with probability `confidence` (1 − delta).
   *
   * @example
   * ```ts
   * import { ComplianceMonitor, type ComplianceEvent } from "papertrail/compliance";
   * const monitor = new ComplianceMonitor({ identities: "plain" });
   * for (const kind of ["login", "login", "file_access"]) monitor.add({ kind, time: Date.UTC(2026, 0, 5, 9), system: "billing" } as ComplianceEvent);
   * monitor.frequency("kinds", "billing", "login", { from: Date.UTC(2026, 0, 5), to: Date.UTC(2026, 0, 6) }).estimate; // => 2
   * ```
   */
  frequency(metric: string, system: string, value: string | number, window: WindowRange, options: MonitorQueryOptions = {}): EstimateSummary & Coverage {
    const m = this.metric(metric, "frequency", "frequency");
    if (typeof value !== "string" && typeof value !== "number") throw new InvalidArgumentError(`ComplianceMonitor.frequency: value must be a string or number, got ${describeValue(value)}`);
    const result = this.query(system, window, options, m);
    const estimate = (result.state.frequency[m.local] as CountMinSketch).estimate(value);
    return { estimate: estimate.estimate, lower: estimate.lower, upper: estimate.upper, confidence: estimate.probability, ...coverage(result) };
  }

  /**
   * Every listed value of a `frequency` metric with its estimated count
   * (values past a bucket's `maxValues` are counted in `unlisted` instead).
   *
   * @example
   * ```ts
   * import { ComplianceMonitor, type ComplianceEvent } from "papertrail/compliance";
   * const monitor = new ComplianceMonitor({ identities: "plain" });
   * for (const kind of ["login", "login", "file_access"]) monitor.add({ kind, time: Date.UTC(2026, 0, 5, 9), system: "billing" } as ComplianceEvent);
   * monitor.frequencies("kinds", "billing", { from: Date.UTC(2026, 0, 5), to: Date.UTC(2026, 0, 6) }).values; // => { file_access: 1, login: 2 }
   * ```
   */
  frequencies(metric: string, system: string, window: WindowRange, options: MonitorQueryOptions = {}): FrequencyListing {
    const m = this.metric(metric, "frequency", "frequencies");
    const result = this.query(system, window, options, m);
    const listed = listFrequencies(result.state, m);
    return { values: listed.values, unlisted: listed.unlisted, ...coverage(result) };
  }

  /**
   * Statistics of a `stats` metric for `system` over `window`: count, mean,
   * σ (population), min and max (exact up to rounding), and the metric's
   * quantiles from the t-digest. With no values: count 0 and `NaN` elsewhere.
   *
   * @example
   * ```ts
   * import { ComplianceMonitor, type ComplianceEvent } from "papertrail/compliance";
   * const monitor = new ComplianceMonitor({ identities: "plain" });
   * for (const value of [10, 20, 30]) monitor.add({ kind: "transaction", time: Date.UTC(2026, 0, 5, 9), system: "payments", value } as ComplianceEvent);
   * const stats = monitor.stats("values", "payments", { from: Date.UTC(2026, 0, 5), to: Date.UTC(2026, 0, 6) });
   * [stats.count, stats.mean, stats.min, stats.max, stats.quantiles["0.5"]]; // => [3, 20, 10, 30, 20]
   * ```
   */
  stats(metric: string, system: string, window: WindowRange, options: MonitorQueryOptions = {}): StatsSummary & Coverage {
    const m = this.metric(metric, "stats", "stats");
    const result = this.query(system, window, options, m);
    return { ...statsOf(result.state, m), ...coverage(result) };
  }

  /**
   * Every metric of every system for `period` (a window like `"24h"`,
   * ending at `options.now`, or `{ from, to }`), as JSON-safe data for
   * reports. Stats metrics without values in the period are left out.
   *
   * @example
   * ```ts
   * import { ComplianceMonitor, type ComplianceEvent } from "papertrail/compliance";
   * const monitor = new ComplianceMonitor({ identities: "plain", now: () => Date.UTC(2026, 0, 6) });
   * monitor.add({ kind: "login", time: Date.UTC(2026, 0, 5, 9), user: "alice", system: "billing" } as ComplianceEvent);
   * const snapshot = monitor.snapshot({ from: Date.UTC(2026, 0, 5), to: Date.UTC(2026, 0, 6) });
   * [snapshot.systems.length, snapshot.systems[0]?.events, snapshot.systems[0]?.frequencies.kinds]; // => [1, 1, { login: 1 }]
   * ```
   */
  snapshot(period: WindowRange, options: MonitorQueryOptions = {}): ComplianceSnapshot {
    let range: TimeRange;
    if (typeof period === "string") {
      const length = parseWindowLength(period);
      const now = options.now ?? this.clock();
      const to = now === "watermark" ? (this.watermark === Number.NEGATIVE_INFINITY ? this.clock() : this.watermark + 1) : now;
      range = { from: to - length, to };
    } else if (period !== null && typeof period === "object") {
      range = { from: period.from, to: period.to };
    } else {
      throw new InvalidArgumentError(`ComplianceMonitor.snapshot: period must be like "24h" or { from, to }, got ${describeValue(period)}`);
    }
    const systems: SystemSnapshot[] = [];
    for (const system of this.systems()) {
      const result = this.query(system, range, { ...(options.align === undefined ? {} : { align: options.align }) }, undefined);
      const state = result.state;
      const distinct: Record<string, EstimateSummary> = {};
      const top: Record<string, readonly TopEntry[]> = {};
      const frequencies: Record<string, Readonly<Record<string, number>>> = {};
      const stats: Record<string, StatsSummary> = {};
      for (const m of this.plan.metrics) {
        if (m.kind === "distinct") {
          const e = (state.distinct[m.local] as HyperLogLog).estimate(options.confidence ?? 0.95);
          distinct[m.name] = { estimate: e.estimate, lower: e.lower, upper: e.upper, confidence: e.probability };
        } else if (m.kind === "top") {
          top[m.name] = topEntries(state.top[m.local] as TopK, m.options.capacity);
        } else if (m.kind === "frequency") {
          frequencies[m.name] = listFrequencies(state, m).values;
        } else if (m.kind === "stats") {
          const summary = statsOf(state, m);
          if (summary.count > 0) stats[m.name] = summary;
        }
      }
      systems.push({ system, covered: { from: result.from, to: result.to }, events: state.events, distinct, top, frequencies, stats });
    }
    return {
      period: range,
      generatedAt: this.clock(),
      pseudonymized: this.pseudonyms !== undefined,
      systems,
    };
  }

  /**
   * The whole monitor as one versioned binary image (docs/format.md,
   * "Compliance monitor"): every system's buckets, the refused and accepted
   * counts, and the images of the rule engine and allow-list when there
   * are. The pseudonym key is not in it.
   *
   * @example
   * ```ts
   * import { ComplianceMonitor, type ComplianceEvent } from "papertrail/compliance";
   * const monitor = new ComplianceMonitor({ identities: "plain" });
   * monitor.add({ kind: "login", time: Date.UTC(2026, 0, 5, 9), user: "alice", system: "billing" } as ComplianceEvent);
   * const copy = ComplianceMonitor.fromBytes(monitor.toBytes());
   * copy.count("billing", { from: Date.UTC(2026, 0, 5), to: Date.UTC(2026, 0, 6) }).count; // => 1
   * ```
   *
   * @throws InvalidArgumentError when called by an alert callback while
   *   {@link ComplianceMonitor.addMany} has the rules evaluate a chunk.
   */
  toBytes(): Uint8Array<ArrayBuffer> {
    if (this.rulesRunning > 0) {
      throw new InvalidArgumentError(
        "ComplianceMonitor.toBytes: called while addMany has the rules evaluate a chunk the monitor has already counted; the image would hold events the rules have not seen (take it after addMany returns, or feed with add)",
      );
    }
    return writeMonitorImage({
      metrics: this.plan.signature,
      identities: this.identities,
      keyCheck: this.pseudonyms?.keyCheck ?? null,
      defaultSystem: this.defaultSystem,
      invalid: this.invalid,
      accepted: this.acceptedCount,
      windows: this.windows.toBytes(),
      rules: this.rules?.toBytes() ?? null,
      allowList: this.allowList?.toBytes() ?? null,
    });
  }

  /**
   * Restores a monitor written by {@link ComplianceMonitor.toBytes}. The
   * metrics (default the default set), the pseudonym key and the clock
   * come from `options`; everything else from the image. Throws
   * `DecodeError` on malformed bytes or an image written with other
   * metrics, and `InvalidArgumentError` for option mistakes: another
   * pseudonym key than the image's, or a rule-engine or allow-list section
   * without `restoreRules` / `restoreAllowList` to rebuild it.
   *
   * @example
   * ```ts
   * import { ComplianceMonitor } from "papertrail/compliance";
   * const key = "a deployment key of 32+ bytes....";
   * const image = new ComplianceMonitor({ pseudonymKey: key }).toBytes();
   * ComplianceMonitor.fromBytes(image, { pseudonymKey: key }).identities; // => "pseudonymized"
   * ```
   */
  static fromBytes(bytes: Uint8Array, options: ComplianceMonitorRestoreOptions = {}): ComplianceMonitor {
    checkOptionKeys("ComplianceMonitor.fromBytes", options, RESTORE_KEYS);
    const { restoreRules, restoreAllowList, ...rest } = options;
    if (restoreRules !== undefined && typeof restoreRules !== "function") throw new InvalidArgumentError(`ComplianceMonitor.fromBytes restoreRules must be a function (bytes) => rules, got ${describeValue(restoreRules)}`);
    if (restoreAllowList !== undefined && typeof restoreAllowList !== "function") {
      throw new InvalidArgumentError(`ComplianceMonitor.fromBytes restoreAllowList must be a function (bytes) => allow-list, got ${describeValue(restoreAllowList)}`);
    }
    const image = readMonitorImage(bytes);
    const plan = planMetrics(options.metrics ?? DEFAULT_MONITOR_METRICS);
    if (plan.signature !== image.metrics) image.mismatch(`it was written with other metrics than the options give (image: ${image.metrics}; options: ${plan.signature})`);
    const needsKey = image.identities === "pseudonymized" && plan.top.some((m) => m.pseudonymize);
    if (needsKey !== (image.keyCheck !== null)) image.mismatch("its key check does not match its identities mode");
    const monitor = new ComplianceMonitor({ ...rest, identities: image.identities, defaultSystem: image.defaultSystem });
    if (needsKey && monitor.pseudonyms?.keyCheck !== image.keyCheck) {
      throw new InvalidArgumentError("ComplianceMonitor.fromBytes pseudonymKey is not the key the image's pseudonyms were made with");
    }
    monitor.windows = TimeWindows.fromBytes(image.windows, monitor.windowOptions(rest, false));
    monitor.invalid = image.invalid;
    monitor.acceptedCount = image.accepted;
    // The allow-list first, so that restoreRules can hand it to the engine it rebuilds.
    if (image.allowList !== null) {
      if (restoreAllowList === undefined) throw new InvalidArgumentError("ComplianceMonitor.fromBytes: the image holds an allow-list; pass restoreAllowList to rebuild it");
      monitor.allowList = checkSeam(restoreAllowList(image.allowList), "restoreAllowList result", ["toBytes"]);
    }
    if (image.rules !== null) {
      if (restoreRules === undefined) throw new InvalidArgumentError("ComplianceMonitor.fromBytes: the image holds a rule engine's state; pass restoreRules to rebuild it");
      monitor.rules = checkSeam(restoreRules(image.rules), "restoreRules result", ["evaluate", "toBytes"]);
    }
    return monitor;
  }

  /** The rule engine fed by this monitor (given or restored), if any. */
  get ruleEngine(): MonitorRules | undefined {
    return this.rules;
  }

  /** The allow-list carried by this monitor's image (given or restored), if any. */
  get allowListState(): MonitorAllowList | undefined {
    return this.allowList;
  }
}

function checkSeam<T>(seam: T | undefined, name: string, methods: readonly string[]): T | undefined {
  if (seam === undefined) return undefined;
  if (seam === null || typeof seam !== "object" || methods.some((method) => typeof (seam as Record<string, unknown>)[method] !== "function")) {
    throw new InvalidArgumentError(`ComplianceMonitor ${name} must be an object with ${methods.map((m) => `${m}()`).join(" and ")}, got ${describeValue(seam)}`);
  }
  return seam;
}

function coverage(result: WindowResult<MonitorBucket, MonitorBucket, never>): Coverage {
  return { covered: { from: result.from, to: result.to }, exact: result.exact };
}

function topEntries(sketch: TopK, k: number): TopEntry[] {
  return sketch.top(k).map((entry) => ({ item: typeof entry.item === "string" ? entry.item : String(entry.item), count: entry.count, error: entry.error }));
}

function listFrequencies(state: MonitorBucket, m: Of<"frequency">): { values: Record<string, number>; unlisted: number } {
  const sketch = state.frequency[m.local] as CountMinSketch;
  const values: Record<string, number> = {};
  for (const value of [...(state.values[m.local] as Set<string | number>)].map(String).sort()) values[value] = 0;
  for (const value of state.values[m.local] as Set<string | number>) values[String(value)] = sketch.frequency(value);
  return { values, unlisted: state.unlisted[m.local] as number };
}

function statsOf(state: MonitorBucket, m: Of<"stats">): StatsSummary {
  const moments = state.moments[m.local];
  const digest = state.digests[m.local];
  const quantiles: Record<string, number> = {};
  if (moments === null || moments === undefined || digest === null || digest === undefined) {
    for (const q of m.quantiles) quantiles[String(q)] = Number.NaN;
    return { count: 0, mean: Number.NaN, stddev: Number.NaN, min: Number.NaN, max: Number.NaN, quantiles };
  }
  for (const q of m.quantiles) quantiles[String(q)] = digest.quantile(q);
  return { count: moments.totalWeight, mean: moments.mean, stddev: moments.standardDeviation, min: moments.min, max: moments.max, quantiles };
}
