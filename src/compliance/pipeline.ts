/**
 * The compliance pipeline: raw records in, answers and alerts out. One
 * object ties the parts together in the order that keeps every count
 * honest:
 *
 * 1. **extract**: each record is normalized with the shape named by the
 *    caller, or the one `detectShape` picks; a rejected record stops here
 *    and is reported with the field and what was expected;
 * 2. **dedup** (when configured): a record whose (kind, id) was seen within
 *    the TTL is dropped and counted;
 * 3. **monitor**: the event is counted in every metric of its system and
 *    time bucket, or refused (late, future, invalid, past `maxSystems`)
 *    and reported;
 * 4. **rules**: the monitor feeds every accepted event to the rule engine,
 *    which consults the allow-list and emits alerts.
 *
 * Nothing of a record rejected at step 1 or 3 is counted anywhere (an id
 * that passed dedup before the monitor refused its event stays remembered
 * by dedup, so a resend within the TTL is dropped: see docs/monitor.md).
 *
 * `toBytes()` writes the whole state (monitor windows, rule state,
 * allow-list, dedup table) as one image; `CompliancePipeline.fromBytes`
 * restores it.
 *
 * @module
 */
import { createEnvelope } from "../codec/envelope.js";
import { DecodeError, InvalidArgumentError } from "../errors.js";
import { Moments } from "../sketches/moments.js";
import { checkOptionKeys } from "../sketches/sketch.js";
import type { Alert, AlertSink } from "./alert.js";
import { AllowList } from "./allow-list.js";
import { Deduplicator, type DeduplicatorOptions } from "./deduplicator.js";
import type { ComplianceEvent } from "./event.js";
import type { EventShape } from "./event-shape.js";
import { APP_LOG_SHAPE, CLOUDTRAIL_SHAPE, COMPLIANCE_API_SHAPE, LOG_LINE_SHAPE, METRIC_SHAPE, TRANSACTION_SHAPE } from "./event-shapes.js";
import { AddOutcome, ComplianceMonitor, type ComplianceMonitorOptions } from "./monitor.js";
import { readyRules } from "./ready-rules.js";
import { extractRecord } from "./record-extraction.js";
import type { RuleDefinition } from "./rule.js";
import { RuleEngine, type RuleEngineOptions } from "./rule-engine.js";

/**
 * One record that was not accepted, and why.
 *
 * @example
 * ```ts
 * import type { PipelineRejection } from "papertrail/compliance";
 * const rejection: PipelineRejection = { index: 0, field: "time", reason: "expected an ISO-8601 time" };
 * rejection.field; // => "time"
 * ```
 */
export interface PipelineRejection {
  /** Position of the record in the batch. */
  readonly index: number;
  /** The event field at fault (`time`, `user`...), or `record`. */
  readonly field: string;
  readonly reason: string;
}

/**
 * What one `ingest` call did.
 *
 * @example
 * ```ts
 * import type { PipelineReport } from "papertrail/compliance";
 * const empty: PipelineReport = { accepted: 0, duplicates: 0, rejected: [], alerts: [], events: [] };
 * empty.accepted; // => 0
 * ```
 */
export interface PipelineReport {
  /** Records counted by the monitor. */
  readonly accepted: number;
  /** Records dropped as duplicates. */
  readonly duplicates: number;
  readonly rejected: readonly PipelineRejection[];
  /** Alerts the rules emitted during the call (summaries included). */
  readonly alerts: readonly Alert[];
  /** The accepted events. */
  readonly events: readonly ComplianceEvent[];
}

/**
 * Options of {@link CompliancePipeline}.
 *
 * @example
 * ```ts
 * import type { CompliancePipelineOptions } from "papertrail/compliance";
 * const options: CompliancePipelineOptions = { monitor: { identities: "plain" }, allowList: ["10.0.0.0/8"], dedup: { exact: true } };
 * options.allowList; // => ["10.0.0.0/8"]
 * ```
 */
export interface CompliancePipelineOptions {
  /** The monitor's options (its rules and allow-list are the pipeline's). */
  readonly monitor?: Omit<ComplianceMonitorOptions, "rules" | "allowList">;
  /** The rules; every ready rule when absent; `[]` for none. */
  readonly rules?: readonly RuleDefinition[];
  /** The rule engine's options. */
  readonly engine?: Omit<RuleEngineOptions, "rules" | "allowList" | "sinks" | "onAlert" | "now">;
  /** Initial allow-list entries (addresses and CIDR ranges). */
  readonly allowList?: Iterable<string>;
  /** Dedup of (kind, id) within a TTL; off when absent. Events without an id are never duplicates. */
  readonly dedup?: DeduplicatorOptions;
  /** Named extraction shapes; the shipped ones when absent. */
  readonly shapes?: readonly EventShape[];
  /** Where alerts go besides each `ingest` report. */
  readonly sinks?: readonly AlertSink[];
  /** Clock: dedup time, and the monitor's and engine's clocks. `Date.now` when absent. */
  readonly now?: () => number;
}

/**
 * Options of {@link CompliancePipeline.fromBytes}: the same as the
 * constructor's except the allow-list entries, which the image holds.
 *
 * @example
 * ```ts
 * import type { CompliancePipelineRestoreOptions } from "papertrail/compliance";
 * const options: CompliancePipelineRestoreOptions = { monitor: { identities: "plain" } };
 * options.monitor?.identities; // => "plain"
 * ```
 */
export type CompliancePipelineRestoreOptions = Omit<CompliancePipelineOptions, "allowList">;

/**
 * The shipped extraction shapes, in the order `detectShape` tries them.
 *
 * @example
 * ```ts
 * import { SHIPPED_SHAPES } from "papertrail/compliance";
 * SHIPPED_SHAPES.map((shape) => shape.name); // => ["compliance-api", "cloudtrail", "app-log", "metric", "transaction", "log-line"]
 * ```
 */
export const SHIPPED_SHAPES: readonly EventShape[] = [COMPLIANCE_API_SHAPE, CLOUDTRAIL_SHAPE, APP_LOG_SHAPE, METRIC_SHAPE, TRANSACTION_SHAPE, LOG_LINE_SHAPE];

const OPTION_KEYS = ["monitor", "rules", "engine", "allowList", "dedup", "shapes", "sinks", "now"];
const IMAGE_FORMAT = "papertrail-pipeline";
const IMAGE_VERSION = 1;
const envelope = createEnvelope({ maxDepth: 4 });

/**
 * Raw records in; counts, answers and alerts out.
 *
 * @example
 * ```ts
 * import { CompliancePipeline } from "papertrail/compliance";
 * const now = Date.UTC(2026, 0, 5, 12);
 * const pipeline = new CompliancePipeline({ monitor: { identities: "plain" }, now: () => now });
 * const failed = (i: number) => ({ event_type: "login", user_id: `u${i}`, system: "vpn", timestamp: new Date(now - 60_000 + i * 1000).toISOString(), metadata: { ip: "203.0.113.9", status: "failed" } });
 * const report = pipeline.ingest([failed(1), failed(2), failed(3), failed(4), failed(5), { nonsense: true }]);
 * [report.accepted, report.rejected.length]; // => [5, 1]
 * report.alerts.map((alert) => alert.ruleId); // => ["brute-force"]
 * Math.round(pipeline.monitor.distinct("users", "vpn", "1h").estimate); // => 5
 * ```
 */
export class CompliancePipeline {
  readonly monitor: ComplianceMonitor;
  readonly engine: RuleEngine;
  readonly allowList: AllowList;
  readonly dedup: Deduplicator | undefined;
  private readonly shapes: ReadonlyMap<string, EventShape>;
  private readonly now: () => number;
  /** Alerts of the ingest call in progress. */
  private collected: Alert[] = [];
  private counters = { records: 0, accepted: 0, duplicates: 0, rejected: 0, alerts: 0 };

  constructor(options: CompliancePipelineOptions = {}) {
    checkOptionKeys("CompliancePipeline", options, OPTION_KEYS);
    this.now = options.now ?? Date.now;
    this.shapes = shapeTable(options.shapes ?? SHIPPED_SHAPES);
    this.allowList = new AllowList(options.allowList ?? []);
    this.engine = new RuleEngine(this.engineOptions(options));
    this.dedup = options.dedup === undefined ? undefined : new Deduplicator(options.dedup);
    this.monitor = new ComplianceMonitor({ now: this.now, ...options.monitor, rules: this.engine, allowList: this.allowList });
  }

  /**
   * Normalizes, dedups, counts and evaluates `records`. `shape` names one of
   * the pipeline's shapes for every record; absent, each record's shape is
   * detected. A record's problems never affect the others: each rejection
   * names the record's index, the field at fault and why (extraction, or
   * the monitor's refusal: too late, too far in the future, a system past
   * `maxSystems`, a value out of range). The events go to the monitor as
   * {@link ComplianceMonitor.addMany} takes them (in chunks: the same counts,
   * state and alerts as one at a time, as long as no alert sink ingests
   * into this pipeline or its monitor). So an alert sink that reads the
   * monitor during the call may see later events of the batch counted
   * already, and `toBytes` (the pipeline's or the monitor's) throws inside
   * such a sink: the engine catches a sink's error and counts it in its
   * `sinkErrors`, so take images between `ingest` calls.
   */
  ingest(records: readonly unknown[], shape?: string): PipelineReport {
    if (!Array.isArray(records)) throw new InvalidArgumentError(`ingest expects an array of records, got ${typeof records}`);
    const fixed = shape === undefined ? undefined : this.shapes.get(shape);
    if (shape !== undefined && fixed === undefined) throw new InvalidArgumentError(`unknown shape ${JSON.stringify(shape)}; expected one of ${[...this.shapes.keys()].join(", ")}`);
    const rejected: PipelineRejection[] = [];
    const events: ComplianceEvent[] = [];
    let duplicates = 0;
    this.collected = [];
    const received = this.now();
    // Named in the rejection of a record no shape fits; built once per call.
    const shapeNames = [...this.shapes.keys()];
    const extracted: { index: number; event: ComplianceEvent }[] = [];
    for (let index = 0; index < records.length; index++) {
      const result = extractRecord(records[index], fixed, shapeNames);
      if ("event" in result) extracted.push({ index, event: result.event });
      else rejected.push({ index, field: result.field, reason: result.reason });
    }
    // The batch's ids in one checkMany (events without an id are never duplicates).
    let duplicate: Uint8Array | undefined;
    if (this.dedup !== undefined) {
      const keyed = extracted.filter(({ event }) => event.id !== undefined);
      const flags = this.dedup.checkMany(
        keyed.map(({ event }) => event.kind),
        keyed.map(({ event }) => event.id as string),
        received,
      );
      duplicate = new Uint8Array(extracted.length);
      for (let i = 0, k = 0; i < extracted.length; i++) if ((extracted[i] as (typeof extracted)[number]).event.id !== undefined) duplicate[i] = flags[k++] as number;
    }
    // The events that are not duplicates go to the monitor in one addManyExplained (chunks: ComplianceMonitor.addMany).
    const fresh: ComplianceEvent[] = [];
    const freshIndex: number[] = [];
    for (let i = 0; i < extracted.length; i++) {
      const { index, event } = extracted[i] as (typeof extracted)[number];
      if (duplicate !== undefined && duplicate[i] === 1) duplicates++;
      else {
        fresh.push(event);
        freshIndex.push(index);
      }
    }
    const outcomes = new Uint8Array(fresh.length);
    this.monitor.addManyExplained(fresh, outcomes);
    for (let i = 0; i < fresh.length; i++) {
      const event = fresh[i] as ComplianceEvent;
      const outcome = outcomes[i] as AddOutcome;
      if (outcome === AddOutcome.Accepted) events.push(event);
      else rejected.push({ index: freshIndex[i] as number, ...refusal(event, outcome, this.monitor) });
    }
    rejected.sort((a, b) => a.index - b.index); // refusals by the monitor came after the extraction's
    const alerts = this.collected;
    this.collected = [];
    this.counters.records += records.length;
    this.counters.accepted += events.length;
    this.counters.duplicates += duplicates;
    this.counters.rejected += rejected.length;
    this.counters.alerts += alerts.length;
    return { accepted: events.length, duplicates, rejected, alerts, events };
  }

  /** The names of the pipeline's shapes. */
  shapeNames(): string[] {
    return [...this.shapes.keys()];
  }

  /** Totals since the pipeline started (records, accepted, duplicates, rejected, alerts). */
  get totals(): Readonly<{ records: number; accepted: number; duplicates: number; rejected: number; alerts: number }> {
    return { ...this.counters };
  }

  /**
   * Closes every cooldown as of `now` (emitting the summaries due), for a
   * quiet stream; returns the alerts emitted.
   */
  flush(now: number = this.now()): Alert[] {
    this.collected = [];
    this.engine.flush(now);
    const alerts = this.collected;
    this.collected = [];
    this.counters.alerts += alerts.length;
    return alerts;
  }

  /** The whole state as one image (monitor with its rule state and allow-list, and dedup). */
  toBytes(): Uint8Array<ArrayBuffer> {
    return envelope.encode({ format: IMAGE_FORMAT, version: IMAGE_VERSION, monitor: this.monitor.toBytes(), dedup: this.dedup?.toBytes() ?? null, totals: this.counters });
  }

  /**
   * Restores a pipeline from `toBytes()`. The rules, shapes and keys must be
   * those it was written with (the parts refuse otherwise).
   */
  static fromBytes(bytes: Uint8Array, options: CompliancePipelineRestoreOptions = {}): CompliancePipeline {
    checkOptionKeys("CompliancePipeline.fromBytes", options, OPTION_KEYS.filter((key) => key !== "allowList"));
    const value = envelope.decode(bytes);
    if (value === null || typeof value !== "object" || (value as { format?: unknown }).format !== IMAGE_FORMAT) {
      throw new DecodeError("wrong-family", "not a compliance pipeline image");
    }
    const image = value as { version?: unknown; monitor?: unknown; dedup?: unknown; totals?: unknown };
    if (image.version !== IMAGE_VERSION) throw new DecodeError("unsupported-version", `compliance pipeline image: version ${String(image.version)} (this library reads ${IMAGE_VERSION})`);
    if (!(image.monitor instanceof Uint8Array)) throw new DecodeError("invalid-field", "compliance pipeline image: monitor is not bytes");
    if (image.dedup !== null && !(image.dedup instanceof Uint8Array)) throw new DecodeError("invalid-field", "compliance pipeline image: dedup is neither bytes nor null");
    if ((image.dedup === null) !== (options.dedup === undefined)) {
      throw new InvalidArgumentError(`CompliancePipeline.fromBytes: the image ${image.dedup === null ? "has no" : "has a"} dedup table but the options ${options.dedup === undefined ? "configure none" : "configure one"}`);
    }
    const pipeline = Object.create(CompliancePipeline.prototype) as CompliancePipeline;
    const self = pipeline as unknown as { now: () => number; shapes: ReadonlyMap<string, EventShape>; collected: Alert[]; counters: CompliancePipeline["counters"] };
    self.now = options.now ?? Date.now;
    self.shapes = shapeTable(options.shapes ?? SHIPPED_SHAPES);
    self.collected = [];
    self.counters = readTotals(image.totals);
    let allowList: AllowList | undefined;
    let engine: RuleEngine | undefined;
    // The image holds the monitor's construction-time settings; pass on only what a restore takes.
    const { metrics, pseudonymKey, pseudonymCacheSize, maxFutureSkew } = options.monitor ?? {};
    const restoreOptions = Object.fromEntries(Object.entries({ metrics, pseudonymKey, pseudonymCacheSize, maxFutureSkew }).filter(([, value]) => value !== undefined));
    const monitor = ComplianceMonitor.fromBytes(image.monitor, {
      now: options.monitor?.now ?? self.now,
      ...restoreOptions,
      restoreAllowList: (section) => (allowList = AllowList.fromBytes(section)),
      restoreRules: (section) => (engine = RuleEngine.fromBytes(section, { ...pipeline.engineOptions(options), allowList: allowList ?? new AllowList() })),
    });
    if (allowList === undefined || engine === undefined) throw new DecodeError("invalid-field", "compliance pipeline image: the monitor image lacks its rule engine or allow-list");
    const dedup = image.dedup === null ? undefined : Deduplicator.fromBytes(image.dedup as Uint8Array, { key: options.dedup?.key });
    Object.assign(pipeline, { monitor, engine, allowList, dedup });
    return pipeline;
  }

  private engineOptions(options: CompliancePipelineRestoreOptions & { allowList?: unknown }): RuleEngineOptions {
    return {
      ...options.engine,
      rules: options.rules ?? readyRules(),
      allowList: (this as { allowList?: AllowList }).allowList,
      sinks: options.sinks ?? [],
      onAlert: (alert) => void this.collected.push(alert),
      now: options.now ?? Date.now,
    };
  }
}

export function shapeTable(shapes: readonly EventShape[]): ReadonlyMap<string, EventShape> {
  const table = new Map<string, EventShape>();
  for (const shape of shapes) {
    if (table.has(shape.name)) throw new InvalidArgumentError(`two shapes are named ${JSON.stringify(shape.name)}`);
    table.set(shape.name, shape);
  }
  return table;
}

function readTotals(value: unknown): CompliancePipeline["counters" & keyof CompliancePipeline] {
  const names = ["records", "accepted", "duplicates", "rejected", "alerts"] as const;
  const totals = { records: 0, accepted: 0, duplicates: 0, rejected: 0, alerts: 0 };
  if (value === null || typeof value !== "object") throw new DecodeError("invalid-field", "compliance pipeline image: totals missing");
  for (const name of names) {
    const n = (value as Record<string, unknown>)[name];
    if (typeof n !== "number" || !Number.isSafeInteger(n) || n < 0) throw new DecodeError("invalid-field", `compliance pipeline image: totals.${name} is not a count`);
    totals[name] = n;
  }
  return totals as never;
}

/** The rejection of an event the monitor refused with `outcome` (after the batch: the watermark may be later than at the event). */
function refusal(event: ComplianceEvent, outcome: AddOutcome, monitor: ComplianceMonitor): { field: string; reason: string } {
  // toISOString throws outside the Date range (extraction keeps times inside it; a report never throws).
  const time = Number.isFinite(event.time) && Math.abs(event.time) <= 8.64e15 ? new Date(event.time).toISOString() : String(event.time);
  switch (outcome) {
    case AddOutcome.Late:
      return { field: "time", reason: `event time ${time} is too late (more than the allowed lateness behind the latest event${Number.isFinite(monitor.watermark) ? `; latest event time after this batch: ${new Date(monitor.watermark).toISOString()}` : ""})` };
    case AddOutcome.Future:
      return { field: "time", reason: `event time ${time} is too far in the future (more than maxFutureSkew after the clock)` };
    case AddOutcome.SystemLimit:
      return { field: "system", reason: `system ${event.system === undefined ? "(the default system)" : JSON.stringify(event.system)} was refused: the monitor holds maxSystems systems already` };
    default:
      if (typeof event.value === "number" && !(Math.abs(event.value) <= Moments.VALUE_LIMIT) && monitor.metrics.some((metric) => metric.kind === "stats" && metric.field === "value")) {
        return { field: "value", reason: `value ${event.value} was refused: the monitor's statistics take values within ±${Moments.VALUE_LIMIT}` };
      }
      return { field: "record", reason: `the monitor refused the event as invalid (a field a metric reads holds a value of the wrong type, or a statistics value beyond ±${Moments.VALUE_LIMIT})` };
  }
}
