/**
 * The Node-only parts of the compliance module (`node:crypto`, files):
 * they live apart so that `papertrail/compliance` stays browser-safe.
 *
 * @module compliance/node
 */
// Compliance reports as PDF (pdfkit, an optional peer dependency): docs/reports.md.
export { renderComplianceReportPdf } from "./report-pdf.js";
export type { ReportPdfOptions } from "./report-pdf.js";
// Audit log (Node-only): Ed25519 signed notes and checkpoints, the JSON-lines
// file store, streaming file verification, offline export verification.
export { NoteSigner, NoteVerifier, generateNoteKey, signNote, openNote } from "./signed-note.js";
export type { OpenedNote } from "./signed-note.js";
export { signCheckpoint, signLogCheckpoint, openCheckpoint } from "./signed-checkpoint.js";
export { FileAuditStore } from "./file-audit-store.js";
export type { FileAuditStoreOptions, FsyncPolicy } from "./file-audit-store.js";
export { openFileAuditLog } from "./open-file-audit-log.js";
export type { FileAuditLogOptions } from "./open-file-audit-log.js";
export { verifyAuditFile } from "./verify-audit-file.js";
export type { VerifyAuditFileOptions } from "./verify-audit-file.js";
export { verifyAuditExport, runVerifyCli } from "./verify-export.js";
export type { ExportVerification } from "./verify-export.js";
export { NodeTreeHasher } from "./node-tree-hasher.js";
// The error classes, as every subpath exports them: callers catch what this
// module's functions throw without importing another entry point.
export { PaperTrailError, ParameterMismatchError, DecodeError, InvalidArgumentError } from "../../errors.js";
export type { DecodeErrorCode } from "../../errors.js";
