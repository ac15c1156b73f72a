/**
 * Compliance reports: one JSON-safe object gathering, for a period, the
 * monitor's snapshot, the alerts by rule and severity, the dedup drops and
 * the audit checkpoint with its signature. {@link buildComplianceReport}
 * builds and validates it; `complianceReportToCsv` (report-csv.ts) and
 * `renderComplianceReportPdf` (node/report-pdf.ts) render it.
 *
 * The dedup and checkpoint inputs are structural: any object with the
 * fields read here will do (the Deduplicator's counters, the audit log's
 * signed checkpoint), and extra fields are ignored.
 *
 * @module
 */
import { InvalidArgumentError } from "../errors.js";
import { checkOptionKeys } from "../sketches/sketch.js";
import type { Alert, Severity } from "./alert.js";
import type { ComplianceSnapshot, EstimateSummary, TimeRange, TopEntry } from "./snapshot.js";

/**
 * The dedup counters a report shows: events checked, events dropped as
 * duplicates, and the configured false-positive rate (the chance that a
 * new event is dropped as a duplicate). Structural: a deduplicator's
 * statistics object with more fields is accepted.
 *
 * @example
 * ```ts
 * import type { DedupDrops } from "papertrail/compliance";
 * const drops: DedupDrops = { checked: 1_000_000, duplicates: 1_234, falsePositiveRate: 1e-6 };
 * drops.checked - drops.duplicates; // => 998766
 * ```
 */
export interface DedupDrops {
  readonly checked: number;
  readonly duplicates: number;
  readonly falsePositiveRate: number;
}

/**
 * The audit checkpoint a report carries: the C2SP `tlog-checkpoint` fields
 * and the signed note text, verbatim (body, blank line, signature lines
 * starting with "— "). Structural: the audit log's signed checkpoint, which
 * has these fields, is accepted as is.
 *
 * @example
 * ```ts
 * import type { ReportCheckpoint } from "papertrail/compliance";
 * const root = new Uint8Array(32);
 * const checkpoint: ReportCheckpoint = {
 *   origin: "audit.example.com/log", size: 7, root,
 *   note: `audit.example.com/log\n7\n${btoa(String.fromCharCode(...root))}\n\n— audit.example.com/log AAAAAA==\n`,
 * };
 * checkpoint.size; // => 7
 * ```
 */
export interface ReportCheckpoint {
  readonly origin: string;
  readonly size: number;
  readonly root: Uint8Array;
  readonly note: string;
}

/**
 * What {@link buildComplianceReport} takes.
 *
 * - `period`: the half-open range [from, to) the report covers, epoch ms;
 *   the snapshot must be the one taken for this same period.
 * - `alerts`: every alert you have; those whose `lastTime` (when the rule
 *   fired) lies outside the period are left out and only counted.
 * - `maxAlerts`: how many alerts the report lists one by one (default
 *   1,000; the counts always cover all of them).
 * - `generatedAt`: the report's time (epoch ms), `Date.now()` by default.
 *
 * @example
 * ```ts
 * import type { ComplianceReportInput } from "papertrail/compliance";
 * const period = { from: Date.UTC(2026, 0, 5), to: Date.UTC(2026, 0, 6) };
 * const input: ComplianceReportInput = { period, snapshot: { period, generatedAt: period.to, pseudonymized: true, systems: [] }, alerts: [] };
 * input.alerts.length; // => 0
 * ```
 */
export interface ComplianceReportInput {
  readonly period: TimeRange;
  readonly snapshot: ComplianceSnapshot;
  readonly alerts: readonly Alert[];
  readonly dedup?: DedupDrops | undefined;
  readonly checkpoint?: ReportCheckpoint | undefined;
  /** Default "Compliance report". */
  readonly title?: string | undefined;
  readonly generatedAt?: number | undefined;
  readonly maxAlerts?: number | undefined;
}

/**
 * A distinct count of one system with its bounds.
 *
 * @example
 * ```ts
 * import type { DistinctReport } from "papertrail/compliance";
 * const users: DistinctReport = { metric: "users", estimate: 1000, lower: 975, upper: 1025, confidence: 0.95 };
 * users.metric; // => "users"
 * ```
 */
export interface DistinctReport extends EstimateSummary {
  readonly metric: string;
}

/**
 * A top list of one system, most frequent first.
 *
 * @example
 * ```ts
 * import type { TopListReport } from "papertrail/compliance";
 * const ips: TopListReport = { metric: "ips", entries: [{ item: "203.0.113.7", count: 412, error: 3 }] };
 * ips.entries[0]?.count; // => 412
 * ```
 */
export interface TopListReport {
  readonly metric: string;
  readonly entries: readonly TopEntry[];
}

/**
 * A frequency metric of one system: each value seen and its estimated
 * count, most frequent first (ties by value).
 *
 * @example
 * ```ts
 * import type { FrequencyReport } from "papertrail/compliance";
 * const kinds: FrequencyReport = { metric: "kinds", values: [{ value: "login", count: 9 }, { value: "logout", count: 4 }] };
 * kinds.values.length; // => 2
 * ```
 */
export interface FrequencyReport {
  readonly metric: string;
  readonly values: readonly { readonly value: string; readonly count: number }[];
}

/**
 * Statistics of a numeric metric of one system. A figure that is not a
 * finite number in the snapshot (the mean of no samples, say) is `null`, as
 * JSON would write it anyway. Quantiles are sorted by `q`.
 *
 * @example
 * ```ts
 * import type { StatsReport } from "papertrail/compliance";
 * const latency: StatsReport = { metric: "latency", count: 3, mean: 20, stddev: 10, min: 10, max: 30, quantiles: [{ q: "0.5", value: 20 }] };
 * latency.quantiles[0]?.value; // => 20
 * ```
 */
export interface StatsReport {
  readonly metric: string;
  readonly count: number;
  readonly mean: number | null;
  readonly stddev: number | null;
  readonly min: number | null;
  readonly max: number | null;
  readonly quantiles: readonly { readonly q: string; readonly value: number | null }[];
}

/**
 * Every metric of one system, metrics sorted by name.
 *
 * @example
 * ```ts
 * import type { SystemReport } from "papertrail/compliance";
 * const billing: SystemReport = { system: "billing", covered: { from: 0, to: 3_600_000 }, events: 0, distinct: [], top: [], frequencies: [], stats: [] };
 * billing.system; // => "billing"
 * ```
 */
export interface SystemReport {
  readonly system: string;
  readonly covered: TimeRange;
  readonly events: number;
  readonly distinct: readonly DistinctReport[];
  readonly top: readonly TopListReport[];
  readonly frequencies: readonly FrequencyReport[];
  readonly stats: readonly StatsReport[];
}

/**
 * Alert counts of one group (a rule or a severity) within the period:
 * alerts fired, cooldown summaries, the alerts those summaries say were
 * suppressed, and the first and last event time (`null` when none).
 *
 * @example
 * ```ts
 * import type { AlertCounts } from "papertrail/compliance";
 * const none: AlertCounts = { alerts: 0, summaries: 0, suppressed: 0, firstTime: null, lastTime: null };
 * none.firstTime; // => null
 * ```
 */
export interface AlertCounts {
  readonly alerts: number;
  readonly summaries: number;
  readonly suppressed: number;
  readonly firstTime: number | null;
  readonly lastTime: number | null;
}

/**
 * The alerts of one rule in the period; `severity` is the highest it
 * emitted, `title` that of its latest alert.
 *
 * @example
 * ```ts
 * import type { RuleAlerts } from "papertrail/compliance";
 * const rule: RuleAlerts = { ruleId: "brute-force", title: "Brute force", severity: "high", alerts: 2, summaries: 1, suppressed: 40, firstTime: 0, lastTime: 60_000 };
 * rule.alerts + rule.suppressed; // => 42
 * ```
 */
export interface RuleAlerts extends AlertCounts {
  readonly ruleId: string;
  readonly title: string;
  readonly severity: Severity;
}

/**
 * The alerts of one severity in the period.
 *
 * @example
 * ```ts
 * import type { SeverityAlerts } from "papertrail/compliance";
 * const high: SeverityAlerts = { severity: "high", alerts: 3, summaries: 0, suppressed: 0, firstTime: 0, lastTime: 5 };
 * high.alerts; // => 3
 * ```
 */
export interface SeverityAlerts extends AlertCounts {
  readonly severity: Severity;
}

/**
 * One alert as a report lists it: the alert without its evidence, group
 * record and tags, absent values as `null`.
 *
 * @example
 * ```ts
 * import type { ReportedAlert } from "papertrail/compliance";
 * const listed: ReportedAlert = {
 *   id: "r:k:0", type: "alert", ruleId: "r", title: "R", severity: "low", groupKey: "k", system: null, user: null,
 *   firstTime: 0, lastTime: 10, count: 5, value: null, suppressed: 0, message: "5 events",
 * };
 * listed.system; // => null
 * ```
 */
export interface ReportedAlert {
  readonly id: string;
  readonly type: "alert" | "summary";
  readonly ruleId: string;
  readonly title: string;
  readonly severity: Severity;
  readonly groupKey: string;
  readonly system: string | null;
  readonly user: string | null;
  readonly firstTime: number;
  readonly lastTime: number;
  readonly count: number;
  readonly value: number | null;
  readonly suppressed: number;
  readonly message: string;
}

/**
 * The alerts section of a report.
 *
 * - `total`: counts over every alert in the period.
 * - `outsidePeriod`: alerts given but left out (their `lastTime` is outside).
 * - `bySeverity`: all five severities, most severe first (zeros included).
 * - `byRule`: rules with alerts, most severe first, then by rule id.
 * - `list`: at most `maxAlerts` alerts — the most severe (ties: the
 *   earliest) — in chronological order; `omitted` counts the rest.
 *
 * @example
 * ```ts
 * import type { AlertsReport } from "papertrail/compliance";
 * const quiet: AlertsReport = {
 *   total: { alerts: 0, summaries: 0, suppressed: 0, firstTime: null, lastTime: null }, outsidePeriod: 0,
 *   bySeverity: [], byRule: [], list: [], omitted: 0,
 * };
 * quiet.omitted; // => 0
 * ```
 */
export interface AlertsReport {
  readonly total: AlertCounts;
  readonly outsidePeriod: number;
  readonly bySeverity: readonly SeverityAlerts[];
  readonly byRule: readonly RuleAlerts[];
  readonly list: readonly ReportedAlert[];
  readonly omitted: number;
}

/**
 * The dedup section: the counters given, and an upper bound on the
 * expected number of real events dropped by a false positive
 * (`checked × falsePositiveRate`: each check of a new id errs with at most
 * that probability).
 *
 * @example
 * ```ts
 * import type { DedupReport } from "papertrail/compliance";
 * const dedup: DedupReport = { checked: 2_000_000, duplicates: 10, falsePositiveRate: 1e-6, falseDropsExpectedAtMost: 2 };
 * dedup.falseDropsExpectedAtMost; // => 2
 * ```
 */
export interface DedupReport extends DedupDrops {
  readonly falseDropsExpectedAtMost: number;
}

/**
 * The checkpoint section: origin, tree size, the root hash in base64 (as
 * the checkpoint text writes it) and the signed note verbatim.
 *
 * @example
 * ```ts
 * import type { CheckpointReport } from "papertrail/compliance";
 * const checkpoint: CheckpointReport = { origin: "example.com/log", size: 0, root: "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=", note: "" };
 * checkpoint.root.length; // => 44
 * ```
 */
export interface CheckpointReport {
  readonly origin: string;
  readonly size: number;
  readonly root: string;
  readonly note: string;
}

/**
 * A compliance report for a period, as plain JSON-safe data
 * (`JSON.parse(JSON.stringify(report))` deep-equals it). Times are epoch
 * milliseconds; `format` and `version` identify the layout.
 *
 * @example
 * ```ts
 * import { buildComplianceReport } from "papertrail/compliance";
 * const period = { from: Date.UTC(2026, 0, 5), to: Date.UTC(2026, 0, 6) };
 * const report = buildComplianceReport({ period, snapshot: { period, generatedAt: period.to, pseudonymized: true, systems: [] }, alerts: [], generatedAt: period.to });
 * report.format; // => "papertrail-compliance-report"
 * report.dedup; // => null
 * ```
 */
export interface ComplianceReport {
  readonly format: "papertrail-compliance-report";
  readonly version: 1;
  readonly title: string;
  readonly period: TimeRange;
  readonly generatedAt: number;
  /** When the monitor took the snapshot. */
  readonly snapshotGeneratedAt: number;
  /** True when identities in top lists are keyed pseudonyms. */
  readonly pseudonymized: boolean;
  /** Systems sorted by name. */
  readonly systems: readonly SystemReport[];
  readonly alerts: AlertsReport;
  readonly dedup: DedupReport | null;
  readonly checkpoint: CheckpointReport | null;
}

/** Severities, most severe first: the order every report section uses. */
const SEVERITIES: readonly Severity[] = ["critical", "high", "medium", "low", "informational"];
const SEVERITY_RANK: Readonly<Record<Severity, number>> = { critical: 0, high: 1, medium: 2, low: 3, informational: 4 };
const INPUT_KEYS = ["period", "snapshot", "alerts", "dedup", "checkpoint", "title", "generatedAt", "maxAlerts"];
const DEFAULT_MAX_ALERTS = 1000;
/** ECMAScript's Date range: ±8.64e15 ms around the epoch (ECMA-262 §21.4.1.1). */
const MAX_TIME = 8.64e15;

/**
 * Builds a {@link ComplianceReport} for a period from the monitor's snapshot
 * of that period, the alerts, and optionally the dedup counters and the
 * audit checkpoint. Validates everything it reads and throws
 * `InvalidArgumentError` naming the field (`period.from`,
 * `alerts[3].severity`, `checkpoint.note`...): the period must be a
 * non-empty range of integer times, the snapshot must be for that period
 * with finite figures and distinct system names, the checkpoint's note must
 * carry its origin, size and root and at least one signature line.
 *
 * @example
 * ```ts
 * import { buildComplianceReport, type Alert } from "papertrail/compliance";
 * const period = { from: Date.UTC(2026, 0, 5), to: Date.UTC(2026, 0, 6) };
 * const alert: Alert = {
 *   id: "brute-force:203.0.113.7:1767603600000", type: "alert", ruleId: "brute-force", title: "Brute force",
 *   severity: "high", groupKey: "203.0.113.7", group: { ip: "203.0.113.7" }, system: "auth", user: undefined,
 *   window: { from: 1767603600000, to: 1767603900000 }, count: 5, value: undefined,
 *   firstTime: 1767603600000, lastTime: 1767603840000, suppressed: 0, message: "5 failed logins", evidence: [], tags: [],
 * };
 * const report = buildComplianceReport({
 *   period,
 *   snapshot: { period, generatedAt: period.to, pseudonymized: false, systems: [] },
 *   alerts: [alert],
 *   dedup: { checked: 10, duplicates: 2, falsePositiveRate: 1e-6 },
 *   generatedAt: period.to,
 * });
 * report.alerts.byRule[0]?.alerts; // => 1
 * report.alerts.bySeverity.find((s) => s.severity === "high")?.alerts; // => 1
 * report.dedup?.duplicates; // => 2
 * ```
 */
export function buildComplianceReport(input: ComplianceReportInput): ComplianceReport {
  checkOptionKeys("buildComplianceReport", input, INPUT_KEYS);
  const period = checkRange("period", input.period);
  if (period.from >= period.to) throw new InvalidArgumentError(`period.from must be before period.to, got from=${period.from}, to=${period.to}`);
  const title = input.title ?? "Compliance report";
  if (typeof title !== "string" || title.trim() === "") throw new InvalidArgumentError(`title must be a non-empty string`);
  const generatedAt = input.generatedAt ?? Date.now();
  checkTime("generatedAt", generatedAt);
  const maxAlerts = input.maxAlerts ?? DEFAULT_MAX_ALERTS;
  if (!Number.isSafeInteger(maxAlerts) || maxAlerts < 0) throw new InvalidArgumentError(`maxAlerts must be a non-negative integer, got ${String(maxAlerts)}`);

  const snapshot = input.snapshot;
  if (snapshot === null || typeof snapshot !== "object") throw new InvalidArgumentError(`snapshot must be a ComplianceSnapshot object`);
  const snapshotPeriod = checkRange("snapshot.period", snapshot.period);
  if (snapshotPeriod.from !== period.from || snapshotPeriod.to !== period.to) {
    throw new InvalidArgumentError(
      `snapshot.period must be the report's period [${period.from}, ${period.to}), got [${snapshotPeriod.from}, ${snapshotPeriod.to})`,
    );
  }
  checkTime("snapshot.generatedAt", snapshot.generatedAt);
  if (typeof snapshot.pseudonymized !== "boolean") throw new InvalidArgumentError(`snapshot.pseudonymized must be a boolean`);
  if (!Array.isArray(snapshot.systems)) throw new InvalidArgumentError(`snapshot.systems must be an array`);
  const systems = snapshot.systems.map((system, index) => systemReport(`snapshot.systems[${index}]`, system));
  systems.sort((a, b) => compareText(a.system, b.system));
  for (let i = 1; i < systems.length; i++) {
    if (systems[i]?.system === systems[i - 1]?.system) throw new InvalidArgumentError(`snapshot.systems holds system "${systems[i]?.system}" twice`);
  }

  if (!Array.isArray(input.alerts)) throw new InvalidArgumentError(`alerts must be an array of Alert`);
  return {
    format: "papertrail-compliance-report",
    version: 1,
    title,
    period,
    generatedAt,
    snapshotGeneratedAt: snapshot.generatedAt,
    pseudonymized: snapshot.pseudonymized,
    systems,
    alerts: alertsReport(period, input.alerts, maxAlerts),
    dedup: input.dedup === undefined ? null : dedupReport(input.dedup),
    checkpoint: input.checkpoint === undefined ? null : checkpointReport(input.checkpoint),
  };
}

/** Code-unit order, the same in every locale (localeCompare is not). */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function checkTime(name: string, value: unknown): asserts value is number {
  if (typeof value !== "number" || !Number.isInteger(value) || Math.abs(value) > MAX_TIME) {
    throw new InvalidArgumentError(`${name} must be an integer time in epoch milliseconds, got ${String(value)}`);
  }
}

function checkRange(name: string, range: unknown): TimeRange {
  if (range === null || typeof range !== "object") throw new InvalidArgumentError(`${name} must be a { from, to } range`);
  const { from, to } = range as TimeRange;
  checkTime(`${name}.from`, from);
  checkTime(`${name}.to`, to);
  if (from > to) throw new InvalidArgumentError(`${name}.from must not be after ${name}.to, got from=${from}, to=${to}`);
  return { from, to };
}

function checkFinite(name: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isFinite(value)) throw new InvalidArgumentError(`${name} must be a finite number, got ${String(value)}`);
  return value;
}

function checkCount(name: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    throw new InvalidArgumentError(`${name} must be a non-negative number, got ${String(value)}`);
  }
  return value;
}

function checkString(name: string, value: unknown): string {
  if (typeof value !== "string") throw new InvalidArgumentError(`${name} must be a string, got ${typeof value}`);
  return value;
}

function checkRecord(name: string, value: unknown): Record<string, unknown> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) throw new InvalidArgumentError(`${name} must be an object keyed by metric name`);
  return value as Record<string, unknown>;
}

function sortedEntries(name: string, value: unknown): [string, unknown][] {
  return Object.entries(checkRecord(name, value)).sort(([a], [b]) => compareText(a, b));
}

/** A figure of a statistics summary: `null` when not finite (JSON's own rendering of NaN and ±Infinity). */
function statFigure(name: string, value: unknown): number | null {
  if (typeof value !== "number") throw new InvalidArgumentError(`${name} must be a number, got ${typeof value}`);
  return Number.isFinite(value) ? value : null;
}

function systemReport(name: string, system: unknown): SystemReport {
  const s = checkRecord(name, system);
  const distinct = sortedEntries(`${name}.distinct`, s.distinct).map(([metric, raw]): DistinctReport => {
    const at = `${name}.distinct.${metric}`;
    const e = checkRecord(at, raw);
    const confidence = checkFinite(`${at}.confidence`, e.confidence);
    if (confidence < 0 || confidence > 1) throw new InvalidArgumentError(`${at}.confidence must be in [0, 1], got ${confidence}`);
    return {
      metric,
      estimate: checkFinite(`${at}.estimate`, e.estimate),
      lower: checkFinite(`${at}.lower`, e.lower),
      upper: checkFinite(`${at}.upper`, e.upper),
      confidence,
    };
  });
  const top = sortedEntries(`${name}.top`, s.top).map(([metric, raw]): TopListReport => {
    const at = `${name}.top.${metric}`;
    if (!Array.isArray(raw)) throw new InvalidArgumentError(`${at} must be an array of top entries`);
    const entries = raw.map((entry: unknown, index): TopEntry => {
      const e = checkRecord(`${at}[${index}]`, entry);
      return {
        item: checkString(`${at}[${index}].item`, e.item),
        count: checkCount(`${at}[${index}].count`, e.count),
        error: checkCount(`${at}[${index}].error`, e.error),
      };
    });
    return { metric, entries };
  });
  const frequencies = sortedEntries(`${name}.frequencies`, s.frequencies).map(([metric, raw]): FrequencyReport => {
    const at = `${name}.frequencies.${metric}`;
    const values = Object.entries(checkRecord(at, raw)).map(([value, count]) => ({ value, count: checkCount(`${at}.${value}`, count) }));
    values.sort((a, b) => b.count - a.count || compareText(a.value, b.value));
    return { metric, values };
  });
  const stats = sortedEntries(`${name}.stats`, s.stats).map(([metric, raw]): StatsReport => {
    const at = `${name}.stats.${metric}`;
    const st = checkRecord(at, raw);
    const quantiles = Object.entries(checkRecord(`${at}.quantiles`, st.quantiles)).map(([q, value]) => {
      const level = Number(q);
      if (q.trim() === "" || !(level >= 0 && level <= 1)) throw new InvalidArgumentError(`${at}.quantiles keys must be decimals in [0, 1], got "${q}"`);
      return { q, value: statFigure(`${at}.quantiles.${q}`, value) };
    });
    quantiles.sort((a, b) => Number(a.q) - Number(b.q) || compareText(a.q, b.q));
    return {
      metric,
      count: checkCount(`${at}.count`, st.count),
      mean: statFigure(`${at}.mean`, st.mean),
      stddev: statFigure(`${at}.stddev`, st.stddev),
      min: statFigure(`${at}.min`, st.min),
      max: statFigure(`${at}.max`, st.max),
      quantiles,
    };
  });
  return {
    system: checkString(`${name}.system`, s.system),
    covered: checkRange(`${name}.covered`, s.covered),
    events: checkCount(`${name}.events`, s.events),
    distinct,
    top,
    frequencies,
    stats,
  };
}

/** Accumulates {@link AlertCounts}. */
class CountsBuilder {
  alerts = 0;
  summaries = 0;
  suppressed = 0;
  firstTime: number | null = null;
  lastTime: number | null = null;

  add(alert: Alert): void {
    if (alert.type === "alert") this.alerts++;
    else this.summaries++;
    this.suppressed += alert.suppressed;
    if (this.firstTime === null || alert.firstTime < this.firstTime) this.firstTime = alert.firstTime;
    if (this.lastTime === null || alert.lastTime > this.lastTime) this.lastTime = alert.lastTime;
  }

  counts(): AlertCounts {
    return { alerts: this.alerts, summaries: this.summaries, suppressed: this.suppressed, firstTime: this.firstTime, lastTime: this.lastTime };
  }
}

/** Throws the error of field `field` of `alerts[index]`: messages are built only on failure (reports take 10^5 alerts). */
function badAlert(index: number, field: string, expected: string, got: unknown): never {
  throw new InvalidArgumentError(`alerts[${index}].${field} must be ${expected}, got ${typeof got === "string" ? JSON.stringify(got) : String(got)}`);
}

function isTime(value: unknown): value is number {
  return typeof value === "number" && Number.isInteger(value) && Math.abs(value) <= MAX_TIME;
}

function alertString(index: number, field: string, value: unknown): string {
  return typeof value === "string" ? value : badAlert(index, field, "a string", value);
}

function alertOptionalString(index: number, field: string, value: unknown): string | null {
  return value === undefined || value === null ? null : alertString(index, field, value);
}

/** Checks the fields of `alerts[index]` that a report reads, building no message unless one is wrong. */
function checkAlert(index: number, raw: unknown): Alert {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) badAlert(index, "", "an Alert object", raw);
  const a = raw as Record<string, unknown>;
  if (a.type !== "alert" && a.type !== "summary") badAlert(index, "type", '"alert" or "summary"', a.type);
  if (typeof a.severity !== "string" || !Object.hasOwn(SEVERITY_RANK, a.severity)) badAlert(index, "severity", `one of ${SEVERITIES.join(", ")}`, a.severity);
  if (!isTime(a.firstTime)) badAlert(index, "firstTime", "an integer time in epoch milliseconds", a.firstTime);
  if (!isTime(a.lastTime)) badAlert(index, "lastTime", "an integer time in epoch milliseconds", a.lastTime);
  if (a.firstTime > a.lastTime) badAlert(index, "firstTime", `no later than lastTime (${a.lastTime})`, a.firstTime);
  const suppressed = a.suppressed;
  if (typeof suppressed !== "number" || !Number.isSafeInteger(suppressed) || suppressed < 0) badAlert(index, "suppressed", "a non-negative integer", suppressed);
  if (typeof a.count !== "number" || !Number.isFinite(a.count)) badAlert(index, "count", "a finite number", a.count);
  const value = a.value;
  if (value !== undefined && value !== null && (typeof value !== "number" || !Number.isFinite(value))) badAlert(index, "value", "a finite number or undefined", value);
  alertString(index, "id", a.id);
  alertString(index, "ruleId", a.ruleId);
  alertString(index, "title", a.title);
  alertString(index, "groupKey", a.groupKey);
  alertOptionalString(index, "system", a.system);
  alertOptionalString(index, "user", a.user);
  alertString(index, "message", a.message);
  return raw as Alert;
}

/** A checked alert as the report lists it. */
function reportedAlert(a: Alert): ReportedAlert {
  return {
    id: a.id,
    type: a.type,
    ruleId: a.ruleId,
    title: a.title,
    severity: a.severity,
    groupKey: a.groupKey,
    system: a.system ?? null,
    user: a.user ?? null,
    firstTime: a.firstTime,
    lastTime: a.lastTime,
    count: a.count,
    value: a.value ?? null,
    suppressed: a.suppressed,
    message: a.message,
  };
}

function alertsReport(period: TimeRange, alerts: readonly Alert[], maxAlerts: number): AlertsReport {
  const total = new CountsBuilder();
  const bySeverity = new Map<Severity, CountsBuilder>(SEVERITIES.map((severity) => [severity, new CountsBuilder()]));
  const byRule = new Map<string, { counts: CountsBuilder; title: string; titleTime: number; severity: Severity }>();
  const inPeriod: Alert[] = [];
  let outsidePeriod = 0;
  alerts.forEach((raw, index) => {
    const alert = checkAlert(index, raw);
    // An alert belongs to the period in which it fired: the time of the last event that contributed.
    if (alert.lastTime < period.from || alert.lastTime >= period.to) {
      outsidePeriod++;
      return;
    }
    inPeriod.push(alert);
    total.add(alert);
    bySeverity.get(alert.severity)?.add(alert);
    let rule = byRule.get(alert.ruleId);
    if (rule === undefined) {
      rule = { counts: new CountsBuilder(), title: alert.title, titleTime: alert.lastTime, severity: alert.severity };
      byRule.set(alert.ruleId, rule);
    }
    rule.counts.add(alert);
    if (alert.lastTime >= rule.titleTime) {
      rule.title = alert.title;
      rule.titleTime = alert.lastTime;
    }
    if (SEVERITY_RANK[alert.severity] < SEVERITY_RANK[rule.severity]) rule.severity = alert.severity;
  });

  const rules: RuleAlerts[] = [...byRule].map(([ruleId, rule]) => ({ ruleId, title: rule.title, severity: rule.severity, ...rule.counts.counts() }));
  rules.sort((a, b) => SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] || compareText(a.ruleId, b.ruleId));

  const chronological = (a: Alert, b: Alert): number => a.firstTime - b.firstTime || a.lastTime - b.lastTime || compareText(a.id, b.id);
  const chosen =
    inPeriod.length <= maxAlerts
      ? [...inPeriod].sort(chronological)
      : [...inPeriod]
          .sort((a, b) => SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] || chronological(a, b))
          .slice(0, maxAlerts)
          .sort(chronological);
  return {
    total: total.counts(),
    outsidePeriod,
    bySeverity: SEVERITIES.map((severity) => ({ severity, ...(bySeverity.get(severity) as CountsBuilder).counts() })),
    byRule: rules,
    list: chosen.map(reportedAlert),
    omitted: inPeriod.length - chosen.length,
  };
}

function dedupReport(raw: DedupDrops): DedupReport {
  const d = checkRecord("dedup", raw);
  const checked = checkCount("dedup.checked", d.checked);
  const duplicates = checkCount("dedup.duplicates", d.duplicates);
  if (!Number.isSafeInteger(checked)) throw new InvalidArgumentError(`dedup.checked must be an integer, got ${checked}`);
  if (!Number.isSafeInteger(duplicates) || duplicates > checked) {
    throw new InvalidArgumentError(`dedup.duplicates must be an integer no larger than dedup.checked (${checked}), got ${duplicates}`);
  }
  const falsePositiveRate = checkFinite("dedup.falsePositiveRate", d.falsePositiveRate);
  if (falsePositiveRate < 0 || falsePositiveRate >= 1) throw new InvalidArgumentError(`dedup.falsePositiveRate must be in [0, 1), got ${falsePositiveRate}`);
  return { checked, duplicates, falsePositiveRate, falseDropsExpectedAtMost: checked * falsePositiveRate };
}

function checkpointReport(raw: ReportCheckpoint): CheckpointReport {
  const c = checkRecord("checkpoint", raw);
  const origin = checkString("checkpoint.origin", c.origin);
  if (origin === "" || /[\n\r]/.test(origin)) throw new InvalidArgumentError(`checkpoint.origin must be one non-empty line`);
  const size = c.size;
  if (typeof size !== "number" || !Number.isSafeInteger(size) || size < 0) {
    throw new InvalidArgumentError(`checkpoint.size must be a non-negative integer, got ${String(size)}`);
  }
  if (!(c.root instanceof Uint8Array) || c.root.length !== 32) throw new InvalidArgumentError(`checkpoint.root must be a 32-byte Uint8Array`);
  const root = btoa(String.fromCharCode(...c.root));
  const note = checkString("checkpoint.note", c.note);
  // C2SP tlog-checkpoint: the note's body starts with origin, size and root lines; C2SP signed-note:
  // a blank line, then signature lines "— <key name> <base64>".
  if (!note.startsWith(`${origin}\n${size}\n${root}\n`)) {
    throw new InvalidArgumentError(`checkpoint.note must start with the checkpoint's origin, size and base64 root lines`);
  }
  if (!/\n\n\u2014 \S+ \S+\n/.test(note)) throw new InvalidArgumentError(`checkpoint.note must hold at least one signature line ("— name signature")`);
  return { origin, size, root, note };
}
