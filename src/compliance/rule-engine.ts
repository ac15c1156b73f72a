/**
 * The rule engine: evaluates the rule model (rule.ts) incrementally per
 * event, with bounded per-key state, lateness, cooldowns with summaries and
 * snapshots. Semantics: docs/rules.md.
 *
 * @module
 */
import { InvalidArgumentError } from "../errors.js";
import { checkOptionKeys } from "../sketches/sketch.js";
import type { Alert, AlertSink } from "./alert.js";
import type { ComplianceEvent } from "./event.js";
import { fieldReader } from "./event-field.js";
import type { RuleDefinition, Threshold } from "./rule.js";
import { BaselineEvaluator } from "./rules/baseline-evaluator.js";
import { CountEvaluator } from "./rules/count-evaluator.js";
import { DistinctEvaluator } from "./rules/distinct-evaluator.js";
import { GateDispatch } from "./rules/gate-dispatch.js";
import { KeyIndex } from "./rules/key-index.js";
import { MatchEvaluator } from "./rules/match-evaluator.js";
import { readRuleEngineImage, writeRuleEngineImage } from "./rules/rule-engine-image.js";
import { type EngineContext, RuleEvaluator, type RuleGate, STAT_NAMES } from "./rules/rule-evaluator.js";
import { SequenceEvaluator } from "./rules/sequence-evaluator.js";
import { SustainedEvaluator } from "./rules/sustained-evaluator.js";

/**
 * What the engine asks of an allow-list: `AllowList` fits, and so does a
 * `Set<string>`. Asked once per event and rule (for events that pass the
 * rule's `where`), so changes take effect on the next event.
 *
 * @example
 * ```ts
 * import type { AllowListLike } from "papertrail/compliance";
 * const office: AllowListLike = new Set(["198.51.100.10"]);
 * office.has("198.51.100.10"); // => true
 * ```
 */
export interface AllowListLike {
  has(value: string): boolean;
}

/**
 * Options of {@link RuleEngine}.
 *
 * @example
 * ```ts
 * import { type RuleEngineOptions, RuleEngine, bruteForceRule } from "papertrail/compliance";
 * const options: RuleEngineOptions = { rules: [bruteForceRule()], allowedLateness: 30_000, maxKeysPerRule: 10_000 };
 * new RuleEngine(options).rules.length; // => 1
 * ```
 */
export interface RuleEngineOptions {
  /** The rules; ids must be unique. */
  readonly rules: readonly RuleDefinition[];
  /** Where alerts and summaries go, in order. */
  readonly sinks?: readonly AlertSink[];
  /** Called with every alert and summary (after the sinks). */
  readonly onAlert?: (alert: Alert) => void;
  /** Consulted on each rule's `allowListField`; can be replaced at run time with {@link RuleEngine.allowList}. */
  readonly allowList?: AllowListLike;
  /** Live group keys per rule; a new key beyond it evicts the stalest. Default 100,000. */
  readonly maxKeysPerRule?: number;
  /** How far (ms) behind the latest event time an event is still evaluated; older ones are counted as late. Default 60,000. */
  readonly allowedLateness?: number;
  /** Slices per window of count, distinct and baseline rules, 1..32. Default 10. */
  readonly slices?: number;
  /** Events kept as an alert's evidence, 0..100. Default 5. */
  readonly evidence?: number;
  /** Distinct values kept per key of a distinct rule; thresholds must be below it. Default 1,000. */
  readonly maxDistinctValues?: number;
  /** How long (ms of event time) the key of a sustained rule lives without samples. Default 3,600,000. */
  readonly idleTimeout?: number;
  /** Clock for {@link RuleEngine.flush} without an argument; default `Date.now`. */
  readonly now?: () => number;
}

/**
 * Counters of one rule. Every event the rule does not act on is in one of
 * them: nothing is dropped silently.
 *
 * @example
 * ```ts
 * import { type RuleStats, RuleEngine, largeTransactionRule } from "papertrail/compliance";
 * const engine = new RuleEngine({ rules: [largeTransactionRule()] });
 * const stats: RuleStats = engine.stats().rules["large-transaction"]!;
 * stats.alerts; // => 0
 * ```
 */
export interface RuleStats {
  /** Events looked at (every in-order or late event the engine took). */
  readonly evaluated: number;
  /** Events that passed `where`, the allow-list and had every group field. */
  readonly matched: number;
  /** Alerts emitted (not counting summaries). */
  readonly alerts: number;
  /** Summary alerts emitted when a cooldown ended with suppressed alerts. */
  readonly summaries: number;
  /** Alerts suppressed by cooldowns. */
  readonly suppressed: number;
  /** Events that passed `where` but whose allow-list field was allow-listed. */
  readonly allowListed: number;
  /** Events that passed `where` but came later than the allowed lateness (or, for a rule, later than its state still covers). */
  readonly late: number;
  /** Events that passed `where` but missed a group-by field or the rule's value field. */
  readonly missingField: number;
  /** Keys evicted after idling past the rule's horizon (window or cooldown, plus the lateness). */
  readonly evictedIdle: number;
  /** Keys evicted, stalest first, to stay under `maxKeysPerRule`. */
  readonly evictedCap: number;
  /** Distinct rules: new values not kept because a key had `maxDistinctValues` already. */
  readonly overflow: number;
  /** Keys live now. */
  readonly liveKeys: number;
  /** Cooldowns running now. */
  readonly cooldowns: number;
}

/**
 * Counters of a {@link RuleEngine}.
 *
 * @example
 * ```ts
 * import { type RuleEngineStats, RuleEngine } from "papertrail/compliance";
 * const stats: RuleEngineStats = new RuleEngine({ rules: [] }).stats();
 * stats.events; // => 0
 * ```
 */
export interface RuleEngineStats {
  /** Events taken (in time or late). */
  readonly events: number;
  /** Events older than the watermark minus the allowed lateness (counted per rule too). */
  readonly late: number;
  /** Events refused for a time that is not a finite number. */
  readonly invalid: number;
  /** Errors thrown by sinks and `onAlert` (the alert still went to the others). */
  readonly sinkErrors: number;
  /** The latest event time seen (or advanced to), `-Infinity` before any. */
  readonly watermark: number;
  readonly rules: Readonly<Record<string, RuleStats>>;
}

/**
 * Options of {@link RuleEngine.fromBytes}: the rules (the same definitions
 * the snapshot was taken with) and the run-time parts.
 *
 * @example
 * ```ts
 * import { type RuleEngineRestoreOptions, RuleEngine, bruteForceRule } from "papertrail/compliance";
 * const rules = [bruteForceRule()];
 * const options: RuleEngineRestoreOptions = { rules };
 * RuleEngine.fromBytes(new RuleEngine({ rules }).toBytes(), options).rules.length; // => 1
 * ```
 */
export type RuleEngineRestoreOptions = RuleEngineOptions;

/** Event time (ms) between two sweeps on ingest: cooldowns end at most this late; `advance` and `flush` sweep at once. */
const SWEEP_STEP = 1_000;

const OPTION_KEYS: readonly (keyof RuleEngineOptions)[] = [
  "rules",
  "sinks",
  "onAlert",
  "allowList",
  "maxKeysPerRule",
  "allowedLateness",
  "slices",
  "evidence",
  "maxDistinctValues",
  "idleTimeout",
  "now",
];

/** The engine-wide parameters an image carries. @internal */
export interface EngineParameters {
  readonly maxKeysPerRule: number;
  readonly allowedLateness: number;
  readonly slices: number;
  readonly maxDistinctValues: number;
  readonly idleTimeout: number;
}

/**
 * Evaluates detection rules ({@link RuleDefinition}) on a stream of events,
 * one event at a time, and sends alerts to sinks.
 *
 * - Windows slide over **event time** in slices of `window / slices` ms;
 *   events may come out of order up to `allowedLateness` behind the latest
 *   event time, later ones are counted as late (per engine and per rule).
 * - State is bounded: per rule at most `maxKeysPerRule` group keys (the
 *   stalest evicted first), and a key idle past its rule's window (or
 *   cooldown) plus the lateness is evicted; every eviction is counted.
 * - One attack, one alert: after an alert, the rule's alerts for the same
 *   group are suppressed for `cooldown` ms and counted; when the cooldown
 *   ends (event time passes it, or {@link RuleEngine.flush} /
 *   {@link RuleEngine.advance}) a `summary` alert says how many.
 *
 * @example
 * ```ts
 * import { RuleEngine, bruteForceRule, type Alert, type ComplianceEvent } from "papertrail/compliance";
 * const alerts: Alert[] = [];
 * const engine = new RuleEngine({ rules: [bruteForceRule()], onAlert: (alert) => void alerts.push(alert) });
 * const failed = (time: number): ComplianceEvent => ({ kind: "login", time, user: "bob", system: "auth", ip: "203.0.113.7",
 *   session: undefined, status: "failed", outcome: "failure", level: undefined, message: undefined, value: undefined,
 *   metrics: undefined, id: undefined, raw: {} });
 * for (let i = 0; i < 12; i++) engine.evaluate(failed(Date.UTC(2026, 0, 5, 9) + i * 10_000));
 * alerts.map((alert) => alert.type); // => ["alert"]
 * alerts[0]!.count; // => 5
 * engine.advance(Date.UTC(2026, 0, 5, 10));
 * alerts.map((alert) => alert.type); // => ["alert", "summary"]
 * alerts[1]!.suppressed; // => 1
 * ```
 */
export class RuleEngine {
  /** The rules, in evaluation order. */
  readonly rules: readonly RuleDefinition[];
  private readonly evaluators: RuleEvaluator[];
  /**
   * The evaluators' per-event fronts, all of one class (monomorphic loads in
   * {@link RuleEngine.evaluate}'s loop), in rule order, picked per event by
   * what the rules require of it (their `kinds`, and the guards the Sigma
   * compiler and the ready rules record for their filters: a rule whose
   * filter cannot pass is not called).
   */
  private readonly dispatch: GateDispatch<RuleGate>;
  private readonly sinks: readonly AlertSink[];
  private readonly onAlert: ((alert: Alert) => void) | undefined;
  private readonly clock: () => number;
  private readonly parameters: EngineParameters;
  private readonly context: EngineContext & { watermark: number; allowList: AllowListLike | undefined; evaluation: number };
  private sweepAt = Number.POSITIVE_INFINITY;
  private events = 0;
  private late = 0;
  private invalid = 0;
  private sinkErrors = 0;
  private emitted = 0;

  constructor(options: RuleEngineOptions) {
    checkOptionKeys("RuleEngine", options, OPTION_KEYS);
    const rules = options.rules;
    if (!Array.isArray(rules)) throw new InvalidArgumentError("RuleEngine: rules must be an array of rule definitions");
    const maxKeysPerRule = integerOption("maxKeysPerRule", options.maxKeysPerRule, 100_000, 1, 2 ** 30);
    const allowedLateness = numberOption("allowedLateness", options.allowedLateness, 60_000);
    const slices = integerOption("slices", options.slices, 10, 1, 32);
    const evidence = integerOption("evidence", options.evidence, 5, 0, 100);
    const maxDistinctValues = integerOption("maxDistinctValues", options.maxDistinctValues, 1_000, 1, 2 ** 24);
    const idleTimeout = numberOption("idleTimeout", options.idleTimeout, 3_600_000);
    if (options.sinks !== undefined && (!Array.isArray(options.sinks) || options.sinks.some((sink) => typeof sink?.emit !== "function"))) {
      throw new InvalidArgumentError("RuleEngine: sinks must be an array of objects with an emit method");
    }
    if (options.onAlert !== undefined && typeof options.onAlert !== "function") throw new InvalidArgumentError("RuleEngine: onAlert must be a function");
    if (options.now !== undefined && typeof options.now !== "function") throw new InvalidArgumentError("RuleEngine: now must be a function returning epoch ms");
    checkAllowList(options.allowList);
    this.parameters = { maxKeysPerRule, allowedLateness, slices, maxDistinctValues, idleTimeout };
    this.sinks = [...(options.sinks ?? [])];
    this.onAlert = options.onAlert;
    this.clock = options.now ?? Date.now;
    const engine = this;
    // Rules grouping by the same fields share one key index (one key text and one lookup per event).
    const indexes = new Map<string, KeyIndex>();
    this.context = {
      watermark: Number.NEGATIVE_INFINITY,
      evaluation: 0,
      allowedLateness,
      slices,
      evidence,
      idleTimeout,
      maxKeysPerRule,
      maxDistinctValues,
      allowList: options.allowList,
      emit: (alert) => engine.emit(alert),
      wake: (time) => {
        if (time < engine.sweepAt) engine.sweepAt = time;
      },
      keyIndex: (fields) => {
        const signature = JSON.stringify(fields);
        let index = indexes.get(signature);
        if (index === undefined) indexes.set(signature, (index = new KeyIndex(fields.map((field) => fieldReader(field as never)), engine.context)));
        return index;
      },
    };
    const ids = new Set<string>();
    for (const rule of rules) {
      validateRule(rule, maxDistinctValues);
      if (ids.has(rule.id)) throw new InvalidArgumentError(`RuleEngine: two rules have the id "${rule.id}"`);
      ids.add(rule.id);
    }
    this.rules = [...rules];
    this.evaluators = this.rules.map((rule) => createEvaluator(rule, this.context));
    this.dispatch = new GateDispatch(
      this.evaluators.map((evaluator) => evaluator.gate),
      this.evaluators.map((evaluator) => evaluator.guards),
    );
  }

  /** The allow-list consulted (replace it at run time; `undefined` turns allow-listing off). */
  get allowList(): AllowListLike | undefined {
    return this.context.allowList;
  }

  set allowList(list: AllowListLike | undefined) {
    checkAllowList(list);
    this.context.allowList = list;
  }

  /** The latest event time seen (or advanced to), `-Infinity` before any. */
  get watermark(): number {
    return this.context.watermark;
  }

  /**
   * Evaluates one event against every rule; returns the number of alerts
   * (and summaries) it caused. An event older than the watermark minus the
   * allowed lateness is counted as late; one whose time is not a finite
   * number is counted as invalid.
   */
  evaluate(event: ComplianceEvent): number {
    const time = event.time;
    if (typeof time !== "number" || !Number.isFinite(time)) {
      this.invalid++;
      return 0;
    }
    const before = this.emitted;
    this.events++;
    const context = this.context;
    context.evaluation++;
    if (time > context.watermark) {
      context.watermark = time;
      if (time >= this.sweepAt) this.sweep();
    }
    const late = time < context.watermark - context.allowedLateness;
    if (late) this.late++;
    const gates = this.dispatch.select(event);
    for (let i = 0; i < gates.length; i++) (gates[i] as RuleGate).evaluate(event, late);
    return this.emitted - before;
  }

  /**
   * Moves event time forward to `time` without an event (a quiet stream
   * still ends its cooldowns and evicts idle keys). Never moves it back.
   */
  advance(time: number): void {
    if (typeof time !== "number" || Number.isNaN(time)) throw new InvalidArgumentError(`RuleEngine.advance: time must be a number (epoch ms), got ${String(time)}`);
    if (time > this.context.watermark) this.context.watermark = time;
    this.sweep();
  }

  /** {@link RuleEngine.advance} to `now` (default: the `now` option's clock). */
  flush(now: number = this.clock()): void {
    this.advance(now);
  }

  /** Ends every cooldown now, emitting the summaries (at the end of the input). */
  finish(): void {
    for (const evaluator of this.evaluators) evaluator.finish();
  }

  /** The counters, per engine and per rule. */
  stats(): RuleEngineStats {
    const rules: Record<string, RuleStats> = {};
    for (const evaluator of this.evaluators) {
      const entry: Record<string, number> = {};
      STAT_NAMES.forEach((name, index) => {
        entry[name] = evaluator.stats[index] as number;
      });
      entry.evaluated = this.events;
      entry.liveKeys = evaluator.table?.size ?? 0;
      entry.cooldowns = evaluator.cooldowns.size;
      rules[evaluator.rule.id] = entry as unknown as RuleStats;
    }
    return { events: this.events, late: this.late, invalid: this.invalid, sinkErrors: this.sinkErrors, watermark: this.context.watermark, rules };
  }

  /**
   * The rules' state as a versioned binary image (docs/format.md, "Rule
   * engine"): per rule its keys with their windows, cooldowns and counters.
   * Rules are code: the image names them (id, type, the parameters that
   * shape the state) and {@link RuleEngine.fromBytes} takes the same
   * definitions. Evidence samples are not kept.
   */
  toBytes(): Uint8Array<ArrayBuffer> {
    return writeRuleEngineImage({
      parameters: this.parameters,
      watermark: this.context.watermark,
      counters: [this.events, this.late, this.invalid, this.sinkErrors],
      evaluators: this.evaluators,
    });
  }

  /**
   * Restores an engine from {@link RuleEngine.toBytes} with the same rules.
   * Throws `DecodeError` for malformed bytes and `ParameterMismatchError`
   * when the rules or engine parameters differ from the image's.
   *
   * @example
   * ```ts
   * import { RuleEngine, readyRules, ParameterMismatchError } from "papertrail/compliance";
   * const engine = new RuleEngine({ rules: readyRules() });
   * const copy = RuleEngine.fromBytes(engine.toBytes(), { rules: readyRules() });
   * copy.stats().events; // => 0
   * let caught: unknown;
   * try { RuleEngine.fromBytes(engine.toBytes(), { rules: readyRules().slice(1) }); } catch (e) { caught = e; }
   * caught instanceof ParameterMismatchError; // => true
   * ```
   */
  static fromBytes(bytes: Uint8Array, options: RuleEngineRestoreOptions): RuleEngine {
    const engine = new RuleEngine(options);
    const image = readRuleEngineImage(bytes, engine.parameters, engine.evaluators);
    engine.context.watermark = image.watermark;
    [engine.events, engine.late, engine.invalid, engine.sinkErrors] = image.counters;
    engine.sweepAt = Number.NEGATIVE_INFINITY;
    engine.sweepNextOnly();
    return engine;
  }

  private sweep(): void {
    const watermark = this.context.watermark;
    let next = Number.POSITIVE_INFINITY;
    for (const evaluator of this.evaluators) next = Math.min(next, evaluator.sweep(watermark));
    // At most one sweep per SWEEP_STEP of event time from ingest: keys go
    // idle one by one, and a sweep per event would visit every rule each time.
    this.sweepAt = Math.max(next, watermark + SWEEP_STEP);
  }

  /** Recomputes when to sweep next without ending anything (after a restore). */
  private sweepNextOnly(): void {
    let next = Number.POSITIVE_INFINITY;
    for (const evaluator of this.evaluators) next = Math.min(next, evaluator.nextWake());
    this.sweepAt = next;
  }

  private emit(alert: Alert): void {
    this.emitted++;
    this.context.evaluation++; // a callback may change or re-evaluate events: per-event memos start over
    for (const sink of this.sinks) {
      try {
        sink.emit(alert);
      } catch {
        this.sinkErrors++;
      }
    }
    if (this.onAlert !== undefined) {
      try {
        this.onAlert(alert);
      } catch {
        this.sinkErrors++;
      }
    }
  }
}

function createEvaluator(rule: RuleDefinition, context: EngineContext): RuleEvaluator {
  switch (rule.type) {
    case "match":
      return new MatchEvaluator(rule, context);
    case "count":
      return new CountEvaluator(rule, context);
    case "distinct":
      return new DistinctEvaluator(rule, context);
    case "sequence":
      return new SequenceEvaluator(rule, context);
    case "sustained":
      return new SustainedEvaluator(rule, context);
    case "baseline":
      return new BaselineEvaluator(rule, context);
  }
}

function checkAllowList(list: unknown): void {
  if (list !== undefined && (list === null || typeof (list as AllowListLike).has !== "function")) {
    throw new InvalidArgumentError("RuleEngine: allowList must have a has(value) method (an AllowList or a Set of addresses)");
  }
}

function numberOption(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) throw new InvalidArgumentError(`RuleEngine: ${name} must be a finite number >= 0 (ms), got ${String(value)}`);
  return value;
}

function integerOption(name: string, value: number | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw new InvalidArgumentError(`RuleEngine: ${name} must be an integer in ${min}..${max}, got ${String(value)}`);
  }
  return value;
}

const RULE_TYPES = ["match", "count", "distinct", "sequence", "sustained", "baseline"];

/** Checks a rule definition at run time, naming the rule and the field. */
function validateRule(rule: RuleDefinition, maxDistinctValues: number): void {
  if (rule === null || typeof rule !== "object") throw new InvalidArgumentError(`RuleEngine: a rule must be an object, got ${String(rule)}`);
  const id = typeof rule.id === "string" && rule.id.length > 0 ? rule.id : undefined;
  if (id === undefined) throw new InvalidArgumentError("RuleEngine: every rule needs a non-empty string id");
  const fail = (message: string): never => {
    throw new InvalidArgumentError(`rule "${id}": ${message}`);
  };
  if (!RULE_TYPES.includes(rule.type)) fail(`type must be one of ${RULE_TYPES.join(", ")}, got ${String(rule.type)}`);
  if (typeof rule.title !== "string") fail("title must be a string");
  if (!["informational", "low", "medium", "high", "critical"].includes(rule.severity)) fail(`severity must be informational, low, medium, high or critical, got ${String(rule.severity)}`);
  if (rule.where !== undefined && typeof rule.where !== "function") fail("where must be a function of the event");
  if (rule.kinds !== undefined && (!Array.isArray(rule.kinds) || rule.kinds.some((kind) => typeof kind !== "string"))) fail("kinds must be an array of event kinds (strings)");
  if (rule.groupBy !== undefined && !Array.isArray(rule.groupBy)) fail("groupBy must be an array of event fields");
  if (rule.cooldown !== undefined && (typeof rule.cooldown !== "number" || !Number.isFinite(rule.cooldown) || rule.cooldown < 0)) fail("cooldown must be a finite number >= 0 (ms)");
  const fields = [...(rule.groupBy ?? [])];
  if (rule.allowListField !== undefined && rule.allowListField !== false) fields.push(rule.allowListField);
  for (const field of fields) {
    try {
      fieldReader(field);
    } catch (error) {
      fail((error as Error).message);
    }
  }
  const window = (value: unknown): void => {
    if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) fail("window must be a finite number > 0 (ms)");
  };
  switch (rule.type) {
    case "match":
      if (rule.value !== undefined) checkField(rule.value, fail);
      break;
    case "count":
      window(rule.window);
      checkThreshold(rule.threshold, fail);
      break;
    case "distinct":
      window(rule.window);
      checkField(rule.field, fail);
      checkThreshold(rule.threshold, fail);
      for (const value of Object.values(rule.threshold)) {
        if (typeof value === "number" && value >= maxDistinctValues) fail(`threshold ${value} must be below maxDistinctValues (${maxDistinctValues})`);
      }
      break;
    case "sequence":
      window(rule.window);
      if (typeof rule.ordered !== "boolean") fail("ordered must be a boolean");
      if (!Array.isArray(rule.steps) || rule.steps.length === 0) fail("steps must be a non-empty array");
      for (const step of rule.steps) if (step === null || typeof step !== "object" || typeof step.where !== "function" || typeof step.name !== "string") fail("each step needs a name and a where function");
      break;
    case "sustained":
      if (typeof rule.sample !== "function") fail("sample must be a function of the event");
      if (rule.samples === undefined && rule.duration === undefined) fail("give samples, duration or both");
      if (rule.samples !== undefined && (!Number.isInteger(rule.samples) || rule.samples < 1)) fail("samples must be an integer >= 1");
      if (rule.duration !== undefined && (typeof rule.duration !== "number" || !Number.isFinite(rule.duration) || rule.duration < 0)) fail("duration must be a finite number >= 0 (ms)");
      break;
    case "baseline":
      window(rule.window);
      checkField(rule.field, fail);
      if (typeof rule.sigmas !== "number" || !Number.isFinite(rule.sigmas) || rule.sigmas < 0) fail("sigmas must be a finite number >= 0");
      if (!Number.isInteger(rule.minSamples) || rule.minSamples < 2) fail("minSamples must be an integer >= 2");
      break;
  }
}

function checkField(field: unknown, fail: (message: string) => never): void {
  try {
    fieldReader(field as never);
  } catch (error) {
    fail((error as Error).message);
  }
}

function checkThreshold(threshold: Threshold, fail: (message: string) => never): void {
  if (threshold === null || typeof threshold !== "object") fail("threshold must be an object with gt, gte, lt, lte or eq");
  const keys = Object.keys(threshold);
  if (keys.length === 0) fail("threshold needs at least one of gt, gte, lt, lte, eq");
  for (const key of keys) {
    const value = (threshold as Record<string, unknown>)[key];
    if (!["gt", "gte", "lt", "lte", "eq"].includes(key)) fail(`threshold has no key "${key}" (gt, gte, lt, lte, eq)`);
    if (typeof value !== "number" || !Number.isFinite(value)) fail(`threshold ${key} must be a finite number`);
  }
}

