/**
 * A compliance report as CSV (RFC 4180): one header line and one line per
 * figure, in the columns of {@link REPORT_CSV_COLUMNS}. The layout is
 * documented in docs/reports.md ("CSV layout").
 *
 * @module
 */
import { checkOptionKeys } from "../sketches/sketch.js";
import type { AlertCounts, ComplianceReport } from "./report.js";

/**
 * The columns of {@link complianceReportToCsv}, in order.
 *
 * @example
 * ```ts
 * import { REPORT_CSV_COLUMNS } from "papertrail/compliance";
 * REPORT_CSV_COLUMNS.join(","); // => "section,system,metric,key,value,lower,upper,confidence"
 * ```
 */
export const REPORT_CSV_COLUMNS = ["section", "system", "metric", "key", "value", "lower", "upper", "confidence"] as const;

/**
 * One CSV cell before quoting: text, a number (written with JavaScript's
 * shortest round-trip form), a time (`{ time }`, written as ISO 8601 UTC)
 * or empty (`null`).
 */
export type CsvCell = string | number | boolean | { readonly time: number } | null;

/** One line: the cells of {@link REPORT_CSV_COLUMNS}. */
export type CsvRow = readonly [section: string, system: CsvCell, metric: CsvCell, key: CsvCell, value: CsvCell, lower: CsvCell, upper: CsvCell, confidence: CsvCell];

/**
 * Options of {@link complianceReportToCsv}.
 *
 * - `formulaGuard` (default `true`): a text cell starting with `=`, `+`,
 *   `-`, `@`, a tab or a carriage return gets a leading `'`, so a
 *   spreadsheet opening the file shows it as text instead of running it as
 *   a formula (CSV injection: user names, items and alert messages come
 *   from the events, that is from whoever sends them). Numbers and times
 *   are never changed. `false` writes every text exactly.
 *
 * @example
 * ```ts
 * import type { ReportCsvOptions } from "papertrail/compliance";
 * const exact: ReportCsvOptions = { formulaGuard: false };
 * exact.formulaGuard; // => false
 * ```
 */
export interface ReportCsvOptions {
  readonly formulaGuard?: boolean | undefined;
}

const FORMULA_START = /^[=+\-@\t\r]/;

function cellText(cell: CsvCell, formulaGuard: boolean): string {
  if (cell === null) return "";
  if (typeof cell === "number") return String(cell);
  if (typeof cell === "boolean") return cell ? "true" : "false";
  if (typeof cell === "object") return new Date(cell.time).toISOString();
  return formulaGuard && FORMULA_START.test(cell) ? `'${cell}` : cell;
}

/** RFC 4180 §2: a field holding a comma, a double quote, CR or LF is quoted, its quotes doubled. */
function quote(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function time(value: number | null): CsvCell {
  return value === null ? null : { time: value };
}

function countsRows(section: string, metric: string, counts: AlertCounts): CsvRow[] {
  return [
    [section, null, metric, "alerts", counts.alerts, null, null, null],
    [section, null, metric, "summaries", counts.summaries, null, null, null],
    [section, null, metric, "suppressed", counts.suppressed, null, null, null],
    [section, null, metric, "first_time", time(counts.firstTime), null, null, null],
    [section, null, metric, "last_time", time(counts.lastTime), null, null, null],
  ];
}

/**
 * The rows of {@link complianceReportToCsv}, before quoting, header not
 * included. Exposed for tests and for writers of other tabular formats.
 */
export function complianceReportRows(report: ComplianceReport): CsvRow[] {
  const rows: CsvRow[] = [];
  const meta = (metric: string, value: CsvCell): void => void rows.push(["report", null, metric, null, value, null, null, null]);
  meta("format", report.format);
  meta("version", report.version);
  meta("title", report.title);
  meta("period_from", time(report.period.from));
  meta("period_to", time(report.period.to));
  meta("generated_at", time(report.generatedAt));
  meta("snapshot_generated_at", time(report.snapshotGeneratedAt));
  meta("pseudonymized", report.pseudonymized);
  for (const s of report.systems) {
    rows.push(["system", s.system, "events", null, s.events, null, null, null]);
    rows.push(["system", s.system, "covered_from", null, time(s.covered.from), null, null, null]);
    rows.push(["system", s.system, "covered_to", null, time(s.covered.to), null, null, null]);
    for (const d of s.distinct) rows.push(["distinct", s.system, d.metric, null, d.estimate, d.lower, d.upper, d.confidence]);
    for (const t of s.top) {
      // A Space-Saving count overestimates by at most `error`: the true count is in [count - error, count].
      for (const e of t.entries) rows.push(["top", s.system, t.metric, e.item, e.count, e.count - e.error, e.count, null]);
    }
    for (const f of s.frequencies) for (const v of f.values) rows.push(["frequency", s.system, f.metric, v.value, v.count, null, null, null]);
    for (const st of s.stats) {
      const figure = (key: string, value: number | null): void => void rows.push(["stats", s.system, st.metric, key, value, null, null, null]);
      figure("count", st.count);
      figure("mean", st.mean);
      figure("stddev", st.stddev);
      figure("min", st.min);
      figure("max", st.max);
      for (const q of st.quantiles) figure(`quantile_${q.q}`, q.value);
    }
  }
  const alerts = report.alerts;
  rows.push(...countsRows("alerts", "total", alerts.total));
  rows.push(["alerts", null, "total", "outside_period", alerts.outsidePeriod, null, null, null]);
  rows.push(["alerts", null, "total", "listed", alerts.list.length, null, null, null]);
  rows.push(["alerts", null, "total", "omitted", alerts.omitted, null, null, null]);
  for (const s of alerts.bySeverity) rows.push(...countsRows("alerts_by_severity", s.severity, s));
  for (const r of alerts.byRule) {
    rows.push(["alerts_by_rule", null, r.ruleId, "title", r.title, null, null, null]);
    rows.push(["alerts_by_rule", null, r.ruleId, "severity", r.severity, null, null, null]);
    rows.push(...countsRows("alerts_by_rule", r.ruleId, r));
  }
  for (const a of alerts.list) {
    const field = (key: string, value: CsvCell): void => void rows.push(["alert", a.system, a.id, key, value, null, null, null]);
    field("type", a.type);
    field("rule_id", a.ruleId);
    field("title", a.title);
    field("severity", a.severity);
    field("group_key", a.groupKey);
    field("user", a.user);
    field("first_time", time(a.firstTime));
    field("last_time", time(a.lastTime));
    field("count", a.count);
    field("value", a.value);
    field("suppressed", a.suppressed);
    field("message", a.message);
  }
  if (report.dedup !== null) {
    const d = report.dedup;
    rows.push(["dedup", null, "checked", null, d.checked, null, null, null]);
    rows.push(["dedup", null, "duplicates", null, d.duplicates, null, null, null]);
    rows.push(["dedup", null, "false_positive_rate", null, d.falsePositiveRate, null, null, null]);
    rows.push(["dedup", null, "false_drops_expected_at_most", null, d.falseDropsExpectedAtMost, null, null, null]);
  }
  if (report.checkpoint !== null) {
    const c = report.checkpoint;
    rows.push(["checkpoint", null, "origin", null, c.origin, null, null, null]);
    rows.push(["checkpoint", null, "size", null, c.size, null, null, null]);
    rows.push(["checkpoint", null, "root", null, c.root, null, null, null]);
    rows.push(["checkpoint", null, "note", null, c.note, null, null, null]);
  }
  return rows;
}

/**
 * Writes a {@link ComplianceReport} as CSV text (RFC 4180: CRLF line ends,
 * fields holding a comma, quote, CR or LF in double quotes with quotes
 * doubled; a header line). Columns: `section, system, metric, key, value,
 * lower, upper, confidence`; one line per figure, times in ISO 8601 UTC,
 * absent values empty. Sections, in order: `report`, then per system
 * `system`, `distinct`, `top`, `frequency`, `stats`; then `alerts`,
 * `alerts_by_severity`, `alerts_by_rule`, `alert` (one line per field of
 * each listed alert), `dedup`, `checkpoint` (the signed note as one quoted
 * multi-line field). See docs/reports.md for every key.
 *
 * @example
 * ```ts
 * import { buildComplianceReport, complianceReportToCsv } from "papertrail/compliance";
 * const period = { from: Date.UTC(2026, 0, 5), to: Date.UTC(2026, 0, 6) };
 * const report = buildComplianceReport({
 *   period, snapshot: { period, generatedAt: period.to, pseudonymized: false, systems: [] }, alerts: [],
 *   title: "Access review, 5 January", generatedAt: period.to,
 * });
 * const lines = complianceReportToCsv(report).split("\r\n");
 * lines[0]; // => "section,system,metric,key,value,lower,upper,confidence"
 * lines[3]; // => 'report,,title,,"Access review, 5 January",,,'
 * lines[4]; // => "report,,period_from,,2026-01-05T00:00:00.000Z,,,"
 * ```
 */
export function complianceReportToCsv(report: ComplianceReport, options: ReportCsvOptions = {}): string {
  checkOptionKeys("complianceReportToCsv", options, ["formulaGuard"]);
  const formulaGuard = options.formulaGuard ?? true;
  const lines = [REPORT_CSV_COLUMNS.join(",")];
  for (const row of complianceReportRows(report)) lines.push(row.map((cell) => quote(cellText(cell, formulaGuard))).join(","));
  return `${lines.join("\r\n")}\r\n`;
}
