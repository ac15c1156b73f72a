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
// The error classes, as every subpath exports them: callers catch what this
// module's functions throw without importing another entry point.
export { PaperTrailError, ParameterMismatchError, DecodeError, InvalidArgumentError } from "../errors.js";
export type { DecodeErrorCode } from "../errors.js";
