/**
 * The Node-only parts of the compliance module (`node:crypto`, files):
 * they live apart so that `papertrail/compliance` stays browser-safe.
 *
 * @module compliance/node
 */
// Compliance reports as PDF (pdfkit, an optional peer dependency): docs/reports.md.
export { renderComplianceReportPdf } from "./report-pdf.js";
export type { ReportPdfOptions } from "./report-pdf.js";
// The error classes, as every subpath exports them: callers catch what this
// module's functions throw without importing another entry point.
export { PaperTrailError, ParameterMismatchError, DecodeError, InvalidArgumentError } from "../../errors.js";
export type { DecodeErrorCode } from "../../errors.js";
