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
export { parseIpInto, parseCidr, cidrContains, formatIp } from "./ip.js";
export type { CidrRange } from "./ip.js";
export { merkleRoot, inclusionProof, consistencyProof, verifyInclusion, verifyConsistency } from "./merkle.js";
// Dedup: "have I seen (event kind, event id) within the TTL?" (docs/dedup.md)
export { Deduplicator } from "./deduplicator.js";
export type { DeduplicatorOptions, DeduplicatorStats, DeduplicatorRestoreOptions } from "./deduplicator.js";
// Compliance reports (JSON and CSV; the PDF renderer is in papertrail/compliance/node): docs/reports.md.
export { buildComplianceReport } from "./report.js";
export type {
  ComplianceReport,
  ComplianceReportInput,
  DedupDrops,
  ReportCheckpoint,
  SystemReport,
  DistinctReport,
  TopListReport,
  FrequencyReport,
  StatsReport,
  AlertsReport,
  AlertCounts,
  RuleAlerts,
  SeverityAlerts,
  ReportedAlert,
  DedupReport,
  CheckpointReport,
} from "./report.js";
export { complianceReportToCsv, REPORT_CSV_COLUMNS } from "./report-csv.js";
export type { ReportCsvOptions } from "./report-csv.js";
// Rule engine and ready rules (docs/rules.md)
export { readField, fieldReader } from "./event-field.js";
export type { FieldReader } from "./event-field.js";
export { RuleEngine } from "./rule-engine.js";
export type { RuleEngineOptions, RuleEngineRestoreOptions, RuleEngineStats, RuleStats, AllowListLike } from "./rule-engine.js";
export {
  bruteForceRule,
  errorSpikeRule,
  keywordRule,
  userSpikeRule,
  transactionFrequencyRule,
  largeTransactionRule,
  highLatencyRule,
  cpuSustainedRule,
  cpuLatencyRule,
  baselineRule,
  passwordSprayRule,
  userManyIpsRule,
  readyRules,
} from "./ready-rules.js";
export type { ReadyRuleOptions, ReadyRulesOptions } from "./ready-rules.js";
// Events, allow-lists and alert sinks (events area).
export { normalizeEvent, normalizeEventOrThrow, defineEventShape, InvalidEventError } from "./event-extract.js";
export type { EventFieldError, NormalizeResult } from "./event-extract.js";
export type { EventShape, FieldSource, FieldSpec, FieldConfig, TimeSpec } from "./event-shape.js";
export {
  COMPLIANCE_API_SHAPE,
  CLOUDTRAIL_SHAPE,
  APP_LOG_SHAPE,
  METRIC_SHAPE,
  TRANSACTION_SHAPE,
  LOG_LINE_SHAPE,
  createLogLineShape,
  detectShape,
} from "./event-shapes.js";
export type { LogLineShapeOptions } from "./event-shapes.js";
export { DEFAULT_OUTCOMES, outcomeOf } from "./event-outcome.js";
export type { OutcomeTable } from "./event-outcome.js";
export { parseIsoTime, epochToMillis } from "./event-time.js";
export type { EpochUnit } from "./event-time.js";
export { findIpInText, findLevelInText } from "./log-line.js";
export { AllowList } from "./allow-list.js";
export { CallbackSink } from "./callback-sink.js";
export { RingSink } from "./ring-sink.js";
export { WebhookSink } from "./webhook-sink.js";
export type { WebhookSinkOptions, WebhookResponse, WebhookStats } from "./webhook-sink.js";
export { formatSlackPayload, formatDiscordPayload } from "./webhook-payload.js";
export type { SlackPayload, SlackBlock, DiscordPayload, DiscordField } from "./webhook-payload.js";
// ComplianceMonitor (monitor.ts and its parts): per-system windowed metrics, keyed pseudonyms, the monitor image.
export { ComplianceMonitor } from "./monitor.js";
export type {
  ComplianceMonitorOptions,
  ComplianceMonitorRestoreOptions,
  MonitorQueryOptions,
  MonitorRules,
  MonitorAllowList,
  Coverage,
  ActivityAnswer,
  TopAnswer,
  FrequencyListing,
  RefusedCounts,
} from "./monitor.js";
export { DEFAULT_MONITOR_METRICS, isFailedLogin } from "./monitor-metrics.js";
export type { MonitorMetric, DistinctMetric, ActivityMetric, TopMetric, FrequencyMetric, StatsMetric } from "./monitor-metrics.js";
export { Pseudonymizer, PseudonymResolver, pseudonymOf } from "./pseudonyms.js";
// Sigma rules (loadSigmaRules): YAML detections and correlations compiled into the rule model; docs/sigma.md.
export { loadSigmaRules } from "./sigma/load-sigma-rules.js";
export type { SigmaLoadOptions } from "./sigma/load-sigma-rules.js";
export { SIGMA_DEFAULT_FIELD_MAP } from "./sigma/field-map.js";
export { SigmaRuleError } from "./sigma/sigma-rule-error.js";
// --- the pipeline (extract, dedup, monitor, rules) ---
export { CompliancePipeline, SHIPPED_SHAPES } from "./pipeline.js";
export type { CompliancePipelineOptions, CompliancePipelineRestoreOptions, PipelineReport, PipelineRejection } from "./pipeline.js";
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
