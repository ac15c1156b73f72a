/**
 * Compliance tools: the normalized event ({@link ComplianceEvent}), alerts
 * and their sinks, the rule model, and the Merkle functions of RFC 6962 /
 * RFC 9162 (Certificate Transparency) over leaf data: {@link merkleRoot},
 * {@link inclusionProof} and {@link consistencyProof} to publish, and
 * {@link verifyInclusion} and {@link verifyConsistency} for an auditor, which
 * answer `false` rather than throw on hostile input. Browser-safe and
 * synchronous (SHA-256 from `papertrail/hashing`). Guide: docs/merkle.md.
 *
 * @module compliance
 */
export type { ComplianceEvent, EventOutcome, EventField, EventPredicate } from "./event.js";
export type { Alert, AlertSink, Severity } from "./alert.js";
export type {
  Threshold,
  RuleBase,
  MatchRule,
  CountRule,
  DistinctRule,
  SequenceRule,
  SustainedRule,
  BaselineRule,
  RuleDefinition,
} from "./rule.js";
export type { TimeRange, EstimateSummary, TopEntry, StatsSummary, SystemSnapshot, ComplianceSnapshot } from "./snapshot.js";
export { merkleRoot, inclusionProof, consistencyProof, verifyInclusion, verifyConsistency } from "./merkle.js";
// Audit log: append-only records chained by hash under an RFC 6962 tree,
// stores, checkpoints, streaming verification, retention, export.
export { AuditLog } from "./audit-log.js";
export type { AuditLogOptions, AuditExportOptions } from "./audit-log.js";
export { MemoryAuditStore } from "./audit-store.js";
export type { AuditStore, AuditPrunedState, StoredCheckpoint } from "./audit-store.js";
export { auditRecordLine, parseAuditRecordLine } from "./audit-record.js";
export type { AuditRecord } from "./audit-record.js";
export { canonicalJson } from "./canonical-json.js";
export type { JsonValue } from "./canonical-json.js";
export { AuditVerifier, verifyAuditLines } from "./audit-verifier.js";
export type { AuditFailure, AuditFailureKind, AuditVerification, AuditVerifierOptions } from "./audit-verifier.js";
export { checkpointBody, parseCheckpoint } from "./checkpoint.js";
export type { Checkpoint, SignedCheckpoint } from "./checkpoint.js";
export { AUDIT_EXPORT_FORMAT, parseAuditExport, checkAuditExportRecords } from "./audit-export.js";
export type { AuditExport } from "./audit-export.js";
export type { TreeHasher } from "./tree-hasher.js";
// The error classes, as every subpath exports them: callers catch what this
// module's functions throw without importing another entry point.
export { PaperTrailError, ParameterMismatchError, DecodeError, InvalidArgumentError } from "../errors.js";
export type { DecodeErrorCode } from "../errors.js";
