/**
 * Compliance reports as the HTTP API serves them: the monitor's snapshot for
 * the period, the alerts stored for it, dedup drops and the signed audit
 * checkpoint, as JSON, CSV or PDF (pdfkit, loaded on first use).
 *
 * @module
 */
import type { Alert } from "../compliance/alert.js";
import { renderComplianceReportPdf } from "../compliance/node/report-pdf.js";
import { buildComplianceReport } from "../compliance/report.js";
import { complianceReportToCsv } from "../compliance/report-csv.js";
import type { AlertStore } from "./alert-store.js";
import type { AuditBackend, ComplianceBackend, ReportBackend } from "./backend.js";

/**
 * Options of {@link createReportBackend}.
 *
 * @example
 * ```ts
 * import type { ReportBackendOptions } from "papertrail/server";
 * const titleOf = (options: ReportBackendOptions) => options.title ?? "Compliance report";
 * typeof titleOf; // => "function"
 * ```
 */
export interface ReportBackendOptions {
  readonly backend: ComplianceBackend;
  readonly alerts: AlertStore;
  readonly audit?: AuditBackend;
  /** Dedup counters for the report, when the pipeline dedups. */
  readonly dedup?: () => { readonly checked: number; readonly duplicates: number; readonly falsePositiveRate: number } | undefined;
  readonly title?: string;
  /** Alerts read for one report at most (newest kept). 100,000 when absent. */
  readonly maxAlerts?: number;
  readonly now?: () => number;
}

/**
 * Builds reports from the server's parts.
 *
 * @example
 * ```ts
 * import { createComplianceBackend, createReportBackend, MemoryAlertStore } from "papertrail/server";
 * const reports = createReportBackend({ backend: createComplianceBackend({ monitor: { identities: "plain" } }), alerts: new MemoryAlertStore() });
 * const { contentType } = await reports.generate({ from: 0, to: 3_600_000 }, "csv");
 * contentType; // => "text/csv; charset=utf-8"
 * ```
 */
export function createReportBackend(options: ReportBackendOptions): ReportBackend {
  const now = options.now ?? Date.now;
  const maxAlerts = options.maxAlerts ?? 100_000;
  const alertsOf = async (period: { from: number; to: number }): Promise<Alert[]> => {
    const alerts: Alert[] = [];
    for (let offset = 0; alerts.length < maxAlerts; offset += 1000) {
      const page = await options.alerts.list({ from: period.from, to: period.to, limit: 1000, offset });
      alerts.push(...page.items);
      if (page.items.length < 1000) break;
    }
    return alerts;
  };
  return {
    formats: ["json", "csv", "pdf"],
    async generate(period, format) {
      const checkpoint = options.audit === undefined || options.audit.size() === 0 ? undefined : await options.audit.checkpoint();
      const report = buildComplianceReport({
        period,
        snapshot: await options.backend.snapshot(period),
        alerts: (await alertsOf(period)).map(({ ...alert }) => stripStatus(alert)),
        dedup: options.dedup?.(),
        checkpoint: checkpoint === undefined ? undefined : { origin: checkpoint.origin, size: checkpoint.size, root: Buffer.from(checkpoint.root, "base64"), note: checkpoint.note },
        ...(options.title === undefined ? {} : { title: options.title }),
        generatedAt: now(),
      });
      if (format === "json") return { contentType: "application/json; charset=utf-8", body: JSON.stringify(report) };
      if (format === "csv") return { contentType: "text/csv; charset=utf-8", body: complianceReportToCsv(report) };
      return { contentType: "application/pdf", body: await renderComplianceReportPdf(report) };
    },
  };
}

/** A stored alert without the store's status fields (the report reads alerts as the rules emitted them). */
function stripStatus(alert: Alert & { status?: unknown; statusChangedAt?: unknown }): Alert {
  const { status: _status, statusChangedAt: _changed, ...plain } = alert;
  return plain;
}
