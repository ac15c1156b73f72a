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
// Sigma rules (loadSigmaRules): YAML detections and correlations compiled into the rule model; docs/sigma.md.
export { loadSigmaRules } from "./sigma/load-sigma-rules.js";
export type { SigmaLoadOptions } from "./sigma/load-sigma-rules.js";
export { SIGMA_DEFAULT_FIELD_MAP } from "./sigma/field-map.js";
export { SigmaRuleError } from "./sigma/sigma-rule-error.js";
// The error classes, as every subpath exports them: callers catch what this
// module's functions throw without importing another entry point.
export { PaperTrailError, ParameterMismatchError, DecodeError, InvalidArgumentError } from "../errors.js";
export type { DecodeErrorCode } from "../errors.js";
