/**
 * The compliance server's parts (Node-only): the alert store, in memory or
 * in PostgreSQL (`pg`, an optional peer dependency: pass your own pool, or
 * let `DATABASE_URL` pick it).
 *
 * @module server
 */
// --- alert store ---
export { MemoryAlertStore, AlertStoreError, ALERT_STATUSES, SEVERITIES } from "./alert-store.js";
export type {
  AlertStore,
  AlertStatus,
  StoredAlert,
  AlertFilter,
  AlertListOptions,
  AlertPage,
  AlertSummary,
  TimelineOptions,
  TimelinePoint,
  SystemAlertSummary,
  MemoryAlertStoreOptions,
} from "./alert-store.js";
export { PostgresAlertStore, ALERT_STORE_MIGRATIONS } from "./postgres-alert-store.js";
export type { Queryable, PostgresAlertStoreOptions } from "./postgres-alert-store.js";
// --- server-sent events ---
export { SseHub } from "./sse.js";
export type { SseHubOptions, SseStats } from "./sse.js";
// --- HTTP building blocks ---
export { HttpProblem, PROBLEM_JSON } from "./problem.js";
export type { ProblemDetails, FieldError } from "./problem.js";
export { ApiKeys } from "./api-key.js";
export { parseNdjson } from "./ndjson.js";
export type { BulkItem } from "./ndjson.js";
// --- what the API serves ---
export type { Awaitable, QueryWindow, RejectedRecord, IngestReport, CountAnswer, MetricNames, ComplianceBackend, AuditBackend, ReportBackend } from "./backend.js";
// --- the app and its embedded backend ---
export { createComplianceApp } from "./app.js";
export type { ComplianceAppOptions, ComplianceApp } from "./app.js";
export { createComplianceBackend } from "./compliance-backend.js";
export type { ComplianceBackendOptions, EmbeddedComplianceBackend } from "./compliance-backend.js";
export { createAuditBackend } from "./audit-backend.js";
export type { AuditBackendOptions } from "./audit-backend.js";
export { createReportBackend } from "./report-backend.js";
export type { ReportBackendOptions } from "./report-backend.js";
// --- Redis backend (createRedisComplianceBackend: sketch state shared by several servers through Redis) ---
export { createRedisComplianceBackend } from "./redis-compliance-backend.js";
export type { RedisComplianceBackendOptions, RedisComplianceBackend } from "./redis-compliance-backend.js";
// The error classes, as every subpath exports them: callers catch what this
// module's functions throw without importing another entry point.
export { PaperTrailError, ParameterMismatchError, DecodeError, InvalidArgumentError } from "../errors.js";
export type { DecodeErrorCode } from "../errors.js";
