/**
 * Ready rules: the detections of the systems PaperTrail learns from, as
 * factories of {@link RuleDefinition}s with options and defaults. Cookbook:
 * docs/rules.md.
 *
 * @module
 */
import { InvalidArgumentError } from "../errors.js";
import { checkOptionKeys } from "../sketches/sketch.js";
import type { Severity } from "./alert.js";
import type { ComplianceEvent, EventField } from "./event.js";
import { fieldReader, readEventMetrics } from "./event-field.js";
import type { BaselineRule, CountRule, DistinctRule, MatchRule, RuleDefinition, SustainedRule } from "./rule.js";
import { type EventGuard, guarded, whenPresent } from "./rules/event-guard.js";

/**
 * Options every ready rule takes: its id, title, severity, cooldown (ms)
 * and tags can be changed.
 *
 * @example
 * ```ts
 * import { type ReadyRuleOptions, bruteForceRule } from "papertrail/compliance";
 * const options: ReadyRuleOptions = { id: "ssh-brute-force", severity: "critical" };
 * bruteForceRule(options).id; // => "ssh-brute-force"
 * ```
 */
export interface ReadyRuleOptions {
  readonly id?: string;
  readonly title?: string;
  readonly severity?: Severity;
  readonly cooldown?: number;
  readonly tags?: readonly string[];
}

const BASE_KEYS = ["id", "title", "severity", "cooldown", "tags"] as const;

function base<O extends ReadyRuleOptions>(name: string, options: O, keys: readonly string[], defaults: { id: string; title: string; severity: Severity; cooldown?: number }) {
  checkOptionKeys(name, options, [...BASE_KEYS, ...keys]);
  const out: { id: string; title: string; severity: Severity; cooldown?: number; tags?: readonly string[] } = {
    id: options.id ?? defaults.id,
    title: options.title ?? defaults.title,
    severity: options.severity ?? defaults.severity,
  };
  const cooldown = options.cooldown ?? defaults.cooldown;
  if (cooldown !== undefined) out.cooldown = cooldown;
  if (options.tags !== undefined) out.tags = options.tags;
  return out;
}

function positive(name: string, option: string, value: number): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) throw new InvalidArgumentError(`${name}: ${option} must be a finite number > 0, got ${String(value)}`);
  return value;
}

function count(name: string, option: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new InvalidArgumentError(`${name}: ${option} must be an integer >= 1, got ${String(value)}`);
  return value;
}

function numberAt(field: EventField): (event: ComplianceEvent) => number | undefined {
  const read = fieldReader(field);
  return (event) => {
    const value = read(event);
    return typeof value === "number" ? value : undefined;
  };
}

const failedLogin = (event: ComplianceEvent): boolean => event.kind === "login" && event.outcome === "failure";

/**
 * The guard (rules/event-guard.ts) of a filter that holds only when `field`
 * is present: for a `metrics.<name>` field, the event's metrics (one field
 * the engine reads once for every metric rule); the field itself otherwise.
 */
function presentGuard(field: EventField): EventGuard {
  if (field.startsWith("metrics.")) return [{ field: "metrics", read: readEventMetrics, folded: false, values: undefined }];
  return [{ field, read: fieldReader(field), folded: false, values: undefined }];
}

/**
 * Brute force: at least `attempts` (5) failed logins from one IP within
 * `window` (300 s). Alerts once, then the count starts over; further
 * bursts during the cooldown (the window by default) are suppressed and
 * summarized.
 *
 * @example
 * ```ts
 * import { bruteForceRule } from "papertrail/compliance";
 * const rule = bruteForceRule({ attempts: 10 });
 * rule.type === "count" && rule.threshold.gte; // => 10
 * ```
 */
export function bruteForceRule(options: ReadyRuleOptions & { readonly attempts?: number; readonly window?: number } = {}): CountRule {
  const name = "bruteForceRule";
  const head = base(name, options, ["attempts", "window"], { id: "brute-force", title: "Brute force", severity: "high" });
  const attempts = count(name, "attempts", options.attempts ?? 5);
  const window = positive(name, "window", options.window ?? 300_000);
  return {
    ...head,
    type: "count",
    description: `${attempts} or more failed logins from one IP within ${window / 1000} s`,
    where: failedLogin,
    kinds: ["login"],
    groupBy: ["ip"],
    window,
    threshold: { gte: attempts },
  };
}

/**
 * Error spike: at least `errors` (20) `ERROR` log events within `window`
 * (180 s), over all systems (or per `groupBy` group).
 *
 * @example
 * ```ts
 * import { errorSpikeRule } from "papertrail/compliance";
 * errorSpikeRule().window; // => 180000
 * ```
 */
export function errorSpikeRule(
  options: ReadyRuleOptions & { readonly errors?: number; readonly window?: number; readonly groupBy?: readonly EventField[] } = {},
): CountRule {
  const name = "errorSpikeRule";
  const head = base(name, options, ["errors", "window", "groupBy"], { id: "error-spike", title: "Error spike", severity: "high" });
  const errors = count(name, "errors", options.errors ?? 20);
  const window = positive(name, "window", options.window ?? 180_000);
  return {
    ...head,
    type: "count",
    description: `${errors} or more ERROR logs within ${window / 1000} s`,
    where: guarded((event: ComplianceEvent) => event.level === "ERROR", [{ field: "level", read: (event) => event.level, folded: false, values: new Set(["ERROR"]) }]),
    groupBy: options.groupBy ?? [],
    window,
    threshold: { gte: errors },
  };
}

/**
 * Keyword match: the event's `field` (`message`) contains one of `keywords`
 * (`failed`, `unauthorized`, `exception`), case-insensitively. A cooldown
 * of 60 s per group (`groupBy`, one group by default) keeps a noisy log
 * to one alert a minute plus summaries.
 *
 * @example
 * ```ts
 * import { keywordRule, type ComplianceEvent } from "papertrail/compliance";
 * const rule = keywordRule({ keywords: ["denied"] });
 * rule.where!({ message: "Access DENIED for bob" } as ComplianceEvent); // => true
 * ```
 */
export function keywordRule(
  options: ReadyRuleOptions & { readonly keywords?: readonly string[]; readonly field?: EventField; readonly groupBy?: readonly EventField[] } = {},
): MatchRule {
  const name = "keywordRule";
  const head = base(name, options, ["keywords", "field", "groupBy"], { id: "keyword", title: "Keyword in message", severity: "medium", cooldown: 60_000 });
  const keywords = options.keywords ?? ["failed", "unauthorized", "exception"];
  if (!Array.isArray(keywords) || keywords.length === 0 || keywords.some((word) => typeof word !== "string" || word.length === 0)) {
    throw new InvalidArgumentError(`${name}: keywords must be a non-empty array of non-empty strings`);
  }
  const pattern = new RegExp(keywords.map((word) => word.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|"), "i");
  const read = fieldReader(options.field ?? "message");
  return {
    ...head,
    type: "match",
    description: `${options.field ?? "message"} contains ${keywords.join(", ")}`,
    where: guarded((event: ComplianceEvent) => {
      const text = read(event);
      return typeof text === "string" && pattern.test(text);
    }, presentGuard(options.field ?? "message")),
    groupBy: options.groupBy ?? [],
  };
}

/**
 * Per-user spike: at least `events` (100) events of one user within
 * `window` (60 s).
 *
 * @example
 * ```ts
 * import { userSpikeRule } from "papertrail/compliance";
 * userSpikeRule({ events: 500 }).threshold; // => { gte: 500 }
 * ```
 */
export function userSpikeRule(options: ReadyRuleOptions & { readonly events?: number; readonly window?: number } = {}): CountRule {
  const name = "userSpikeRule";
  const head = base(name, options, ["events", "window"], { id: "user-spike", title: "User activity spike", severity: "medium" });
  const events = count(name, "events", options.events ?? 100);
  const window = positive(name, "window", options.window ?? 60_000);
  return {
    ...head,
    type: "count",
    description: `${events} or more events of one user within ${window / 1000} s`,
    where: whenPresent("user"),
    groupBy: ["user"],
    window,
    threshold: { gte: events },
  };
}

/**
 * Transaction frequency: at least `transactions` (10) transactions of one
 * user within `window` (300 s).
 *
 * @example
 * ```ts
 * import { transactionFrequencyRule } from "papertrail/compliance";
 * transactionFrequencyRule().window; // => 300000
 * ```
 */
export function transactionFrequencyRule(options: ReadyRuleOptions & { readonly transactions?: number; readonly window?: number } = {}): CountRule {
  const name = "transactionFrequencyRule";
  const head = base(name, options, ["transactions", "window"], { id: "transaction-frequency", title: "Frequent transactions", severity: "medium" });
  const transactions = count(name, "transactions", options.transactions ?? 10);
  const window = positive(name, "window", options.window ?? 300_000);
  return {
    ...head,
    type: "count",
    description: `${transactions} or more transactions of one user within ${window / 1000} s`,
    where: (event) => event.kind === "transaction",
    kinds: ["transaction"],
    groupBy: ["user"],
    window,
    threshold: { gte: transactions },
  };
}

/**
 * Large transaction: a transaction whose `field` (`value`, the amount) is
 * above `amount` (10,000). Every one alerts (no cooldown by default).
 *
 * @example
 * ```ts
 * import { largeTransactionRule, type ComplianceEvent } from "papertrail/compliance";
 * largeTransactionRule().where!({ kind: "transaction", value: 12_500 } as ComplianceEvent); // => true
 * ```
 */
export function largeTransactionRule(options: ReadyRuleOptions & { readonly amount?: number; readonly field?: EventField } = {}): MatchRule {
  const name = "largeTransactionRule";
  const head = base(name, options, ["amount", "field"], { id: "large-transaction", title: "Large transaction", severity: "medium", cooldown: 0 });
  const amount = options.amount ?? 10_000;
  if (typeof amount !== "number" || !Number.isFinite(amount)) throw new InvalidArgumentError(`${name}: amount must be a finite number`);
  const field = options.field ?? "value";
  const read = numberAt(field);
  return {
    ...head,
    type: "match",
    description: `a transaction above ${amount}`,
    where: (event) => event.kind === "transaction" && (read(event) ?? Number.NEGATIVE_INFINITY) > amount,
    kinds: ["transaction"],
    value: field,
  };
}

/**
 * High latency: a sample whose `field` (`metrics.latency_ms`) is above
 * `threshold` (1000 ms), per system, at most one alert a minute per
 * system (cooldown 60 s) plus summaries.
 *
 * @example
 * ```ts
 * import { highLatencyRule, type ComplianceEvent } from "papertrail/compliance";
 * highLatencyRule().where!({ metrics: { latency_ms: 1500 } } as unknown as ComplianceEvent); // => true
 * ```
 */
export function highLatencyRule(options: ReadyRuleOptions & { readonly threshold?: number; readonly field?: EventField } = {}): MatchRule {
  const name = "highLatencyRule";
  const head = base(name, options, ["threshold", "field"], { id: "high-latency", title: "High latency", severity: "medium", cooldown: 60_000 });
  const threshold = positive(name, "threshold", options.threshold ?? 1000);
  const field = options.field ?? "metrics.latency_ms";
  const read = numberAt(field);
  return {
    ...head,
    type: "match",
    description: `${field} above ${threshold}`,
    where: guarded((event: ComplianceEvent) => (read(event) ?? Number.NEGATIVE_INFINITY) > threshold, presentGuard(field)),
    groupBy: ["system"],
    value: field,
  };
}

/**
 * Sustained CPU: `field` (`metrics.cpu`) at or above `threshold` (80) for
 * `samples` (3) samples of a system in a row, or for `duration` ms when
 * given instead. A sample below the threshold restarts the run. Cooldown
 * 300 s.
 *
 * @example
 * ```ts
 * import { cpuSustainedRule } from "papertrail/compliance";
 * cpuSustainedRule({ samples: 5 }).samples; // => 5
 * cpuSustainedRule({ duration: 120_000 }).duration; // => 120000
 * ```
 */
export function cpuSustainedRule(
  options: ReadyRuleOptions & { readonly threshold?: number; readonly samples?: number; readonly duration?: number; readonly field?: EventField } = {},
): SustainedRule {
  const name = "cpuSustainedRule";
  const head = base(name, options, ["threshold", "samples", "duration", "field"], { id: "cpu-sustained", title: "CPU high (sustained)", severity: "medium", cooldown: 300_000 });
  const threshold = positive(name, "threshold", options.threshold ?? 80);
  const field = options.field ?? "metrics.cpu";
  const read = numberAt(field);
  const rule: { -readonly [K in keyof SustainedRule]: SustainedRule[K] } = {
    ...head,
    type: "sustained",
    description: `${field} >= ${threshold} sustained`,
    groupBy: ["system"],
    sample: guarded((event: ComplianceEvent) => read(event) !== undefined, presentGuard(field)),
    where: (event) => (read(event) as number) >= threshold,
  };
  if (options.duration !== undefined) rule.duration = positive(name, "duration", options.duration);
  if (options.samples !== undefined || options.duration === undefined) rule.samples = count(name, "samples", options.samples ?? 3);
  return rule;
}

/**
 * CPU and latency high together: one sample with `metrics.cpu` at or above
 * `cpu` (80) and `metrics.latency_ms` above `latency` (1000), per system,
 * cooldown 60 s.
 *
 * @example
 * ```ts
 * import { cpuLatencyRule, type ComplianceEvent } from "papertrail/compliance";
 * const rule = cpuLatencyRule();
 * rule.where!({ metrics: { cpu: 95, latency_ms: 2400 } } as unknown as ComplianceEvent); // => true
 * rule.where!({ metrics: { cpu: 95, latency_ms: 40 } } as unknown as ComplianceEvent); // => false
 * ```
 */
export function cpuLatencyRule(options: ReadyRuleOptions & { readonly cpu?: number; readonly latency?: number } = {}): MatchRule {
  const name = "cpuLatencyRule";
  const head = base(name, options, ["cpu", "latency"], { id: "cpu-latency", title: "CPU and latency high", severity: "high", cooldown: 60_000 });
  const cpu = positive(name, "cpu", options.cpu ?? 80);
  const latency = positive(name, "latency", options.latency ?? 1000);
  return {
    ...head,
    type: "match",
    description: `cpu >= ${cpu} and latency_ms > ${latency} in one sample`,
    where: guarded((event: ComplianceEvent) => {
      const metrics = event.metrics;
      if (metrics === undefined) return false;
      const c = metrics.cpu;
      const l = metrics.latency_ms;
      return c !== undefined && l !== undefined && c >= cpu && l > latency;
    }, presentGuard("metrics.cpu")),
    groupBy: ["system"],
    value: "metrics.latency_ms",
  };
}

/**
 * Dynamic baseline: a value of `field` (`metrics.latency_ms`) above mean +
 * `sigmas` (3) σ of the system's values in the last `window` (1 h), once
 * `minSamples` (30) are known. Cooldown 600 s.
 *
 * @example
 * ```ts
 * import { baselineRule } from "papertrail/compliance";
 * baselineRule({ field: "value", sigmas: 4 }).sigmas; // => 4
 * ```
 */
export function baselineRule(
  options: ReadyRuleOptions & {
    readonly field?: EventField;
    readonly sigmas?: number;
    readonly window?: number;
    readonly minSamples?: number;
    readonly groupBy?: readonly EventField[];
  } = {},
): BaselineRule {
  const name = "baselineRule";
  const head = base(name, options, ["field", "sigmas", "window", "minSamples", "groupBy"], { id: "baseline", title: "Value above baseline", severity: "medium", cooldown: 600_000 });
  const field = options.field ?? "metrics.latency_ms";
  const read = numberAt(field);
  return {
    ...head,
    type: "baseline",
    description: `${field} above mean + ${options.sigmas ?? 3}σ`,
    where: guarded((event: ComplianceEvent) => read(event) !== undefined, presentGuard(field)),
    groupBy: options.groupBy ?? ["system"],
    field,
    sigmas: positive(name, "sigmas", options.sigmas ?? 3),
    window: positive(name, "window", options.window ?? 3_600_000),
    minSamples: count(name, "minSamples", options.minSamples ?? 30),
  };
}

/**
 * Password spraying: one IP failing logins against more than `users` (10)
 * distinct users within `window` (600 s).
 *
 * @example
 * ```ts
 * import { passwordSprayRule } from "papertrail/compliance";
 * passwordSprayRule().threshold; // => { gt: 10 }
 * ```
 */
export function passwordSprayRule(options: ReadyRuleOptions & { readonly users?: number; readonly window?: number } = {}): DistinctRule {
  const name = "passwordSprayRule";
  const head = base(name, options, ["users", "window"], { id: "password-spray", title: "Password spraying", severity: "high" });
  const users = count(name, "users", options.users ?? 10);
  const window = positive(name, "window", options.window ?? 600_000);
  return {
    ...head,
    type: "distinct",
    description: `failed logins from one IP against more than ${users} users within ${window / 1000} s`,
    where: failedLogin,
    kinds: ["login"],
    groupBy: ["ip"],
    field: "user",
    window,
    threshold: { gt: users },
  };
}

/**
 * One user from many IPs: events of one user from more than `ips` (5)
 * distinct IP addresses within `window` (1 h).
 *
 * @example
 * ```ts
 * import { userManyIpsRule } from "papertrail/compliance";
 * userManyIpsRule({ ips: 3 }).threshold; // => { gt: 3 }
 * ```
 */
export function userManyIpsRule(options: ReadyRuleOptions & { readonly ips?: number; readonly window?: number } = {}): DistinctRule {
  const name = "userManyIpsRule";
  const head = base(name, options, ["ips", "window"], { id: "user-many-ips", title: "User from many IPs", severity: "medium" });
  const ips = count(name, "ips", options.ips ?? 5);
  const window = positive(name, "window", options.window ?? 3_600_000);
  return {
    ...head,
    type: "distinct",
    description: `one user from more than ${ips} IP addresses within ${window / 1000} s`,
    where: whenPresent("user", "ip"),
    groupBy: ["user"],
    field: "ip",
    window,
    threshold: { gt: ips },
  };
}

/**
 * Options of {@link readyRules}: per ready rule its options, or `false` to
 * leave it out.
 *
 * @example
 * ```ts
 * import { type ReadyRulesOptions, readyRules } from "papertrail/compliance";
 * const options: ReadyRulesOptions = { bruteForce: { attempts: 3 }, keyword: false };
 * readyRules(options).length; // => 11
 * ```
 */
export interface ReadyRulesOptions {
  readonly bruteForce?: Parameters<typeof bruteForceRule>[0] | false;
  readonly errorSpike?: Parameters<typeof errorSpikeRule>[0] | false;
  readonly keyword?: Parameters<typeof keywordRule>[0] | false;
  readonly userSpike?: Parameters<typeof userSpikeRule>[0] | false;
  readonly transactionFrequency?: Parameters<typeof transactionFrequencyRule>[0] | false;
  readonly largeTransaction?: Parameters<typeof largeTransactionRule>[0] | false;
  readonly highLatency?: Parameters<typeof highLatencyRule>[0] | false;
  readonly cpuSustained?: Parameters<typeof cpuSustainedRule>[0] | false;
  readonly cpuLatency?: Parameters<typeof cpuLatencyRule>[0] | false;
  readonly baseline?: Parameters<typeof baselineRule>[0] | false;
  readonly passwordSpray?: Parameters<typeof passwordSprayRule>[0] | false;
  readonly userManyIps?: Parameters<typeof userManyIpsRule>[0] | false;
}

const FACTORIES = {
  bruteForce: bruteForceRule,
  errorSpike: errorSpikeRule,
  keyword: keywordRule,
  userSpike: userSpikeRule,
  transactionFrequency: transactionFrequencyRule,
  largeTransaction: largeTransactionRule,
  highLatency: highLatencyRule,
  cpuSustained: cpuSustainedRule,
  cpuLatency: cpuLatencyRule,
  baseline: baselineRule,
  passwordSpray: passwordSprayRule,
  userManyIps: userManyIpsRule,
} as const;

/**
 * Every ready rule (twelve), with defaults or the given options.
 *
 * @example
 * ```ts
 * import { readyRules } from "papertrail/compliance";
 * readyRules().map((rule) => rule.id); // => ["brute-force", "error-spike", "keyword", "user-spike", "transaction-frequency", "large-transaction", "high-latency", "cpu-sustained", "cpu-latency", "baseline", "password-spray", "user-many-ips"]
 * ```
 */
export function readyRules(options: ReadyRulesOptions = {}): RuleDefinition[] {
  checkOptionKeys("readyRules", options, Object.keys(FACTORIES));
  const rules: RuleDefinition[] = [];
  for (const [key, factory] of Object.entries(FACTORIES)) {
    const given = options[key as keyof ReadyRulesOptions];
    if (given === false) continue;
    rules.push((factory as (options?: object) => RuleDefinition)(given ?? {}));
  }
  return rules;
}
