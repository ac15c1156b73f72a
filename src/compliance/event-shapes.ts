/**
 * The shipped field-extraction configs, one per shape seen in the field,
 * and {@link detectShape} to pick one for a record.
 *
 * Epoch numbers in the shipped shapes use `epoch: "auto"` (below 10^11 is
 * seconds, otherwise milliseconds), since these shapes arrive from senders
 * of both kinds; a shape of your own can state `"s"` or `"ms"`:
 * `{ ...APP_LOG_SHAPE, name: "my-log", time: { from: "timestamp", epoch: "ms" } }`.
 *
 * @module
 */
import { InvalidArgumentError } from "../errors.js";
import type { EventShape } from "./event-shape.js";
import { parseIpInto } from "./ip.js";
import { findIpInText, findLevelInText, findTimeInText, type FoundTime } from "./log-line.js";

/**
 * The compliance API shape:
 * `{ event_type, user_id, system, timestamp, metadata: { ip, status, session_id?, … }, event_id? }`.
 * `event_type` and `timestamp` are required.
 *
 * @example
 * ```ts
 * import { normalizeEventOrThrow, COMPLIANCE_API_SHAPE } from "papertrail/compliance";
 * const event = normalizeEventOrThrow({ event_type: "file_access", user_id: "bob", system: "prod_db", timestamp: 1767603600, metadata: { ip: "10.1.2.3", status: "success" } }, COMPLIANCE_API_SHAPE);
 * [event.kind, event.user, event.system, event.ip, event.outcome, event.time]; // => ["file_access", "bob", "prod_db", "10.1.2.3", "success", 1767603600000]
 * ```
 */
export const COMPLIANCE_API_SHAPE: EventShape = {
  name: "compliance-api",
  kind: "event_type",
  time: { from: "timestamp", epoch: "auto" },
  user: "user_id",
  system: "system",
  ip: "metadata.ip",
  status: "metadata.status",
  session: "metadata.session_id",
  id: "event_id",
};

const cloudTrailIpKeys = ["SourceIPAddress", "sourceIPAddress", "SourceIp"];
const cloudTrailStatusKeys = ["Status", "ErrorCode", "errorCode"];
const ipWords = new Uint32Array(4);

function firstOwn(record: unknown, keys: readonly string[]): unknown {
  if (record === null || typeof record !== "object") return undefined;
  for (const key of keys) if (Object.hasOwn(record, key)) return (record as Record<string, unknown>)[key];
  return undefined;
}

/**
 * The CloudTrail-like shape:
 * `{ EventType, EventId, RoleId, TimestampUTC, AffectedAssets, Status?, SourceIPAddress?, … }`.
 *
 * - `system` is the first element of `AffectedAssets` (an array of asset
 *   names; a single string is taken as the one asset; an empty array gives
 *   no system). Events touching several assets are counted against the
 *   first: split such records upstream to count each asset.
 * - `TimestampUTC` is ISO-8601 (a zoneless time is read as UTC, as the
 *   field's name states) or an epoch number (`"auto"`).
 * - `status` is the first of `Status`, `ErrorCode`, `errorCode`
 *   (`AccessDenied` is a failure).
 * - `ip` is the first of `SourceIPAddress`, `sourceIPAddress`, `SourceIp`
 *   when it is an address; CloudTrail writes service names there
 *   (`ec2.amazonaws.com`, `AWS Internal`), which give no ip rather than a
 *   rejected event.
 *
 * @example
 * ```ts
 * import { normalizeEventOrThrow, CLOUDTRAIL_SHAPE } from "papertrail/compliance";
 * const event = normalizeEventOrThrow({ EventType: "AssumeRole", EventId: "e-9", RoleId: "admin", TimestampUTC: "2026-01-05 09:00:00", AffectedAssets: ["s3://audit", "kms"], ErrorCode: "AccessDenied" }, CLOUDTRAIL_SHAPE);
 * [event.kind, event.id, event.user, event.system, event.outcome, event.time]; // => ["AssumeRole", "e-9", "admin", "s3://audit", "failure", 1767603600000]
 * ```
 */
export const CLOUDTRAIL_SHAPE: EventShape = {
  name: "cloudtrail",
  kind: "EventType",
  time: { from: "TimestampUTC", epoch: "auto", zoneless: "utc" },
  id: "EventId",
  user: "RoleId",
  system: {
    from: (record) => {
      const assets = firstOwn(record, ["AffectedAssets"]);
      return Array.isArray(assets) ? assets[0] : assets;
    },
    expected: "AffectedAssets to be an asset name or an array whose first element is one",
  },
  status: (record) => firstOwn(record, cloudTrailStatusKeys),
  ip: (record) => {
    const value = firstOwn(record, cloudTrailIpKeys);
    return typeof value === "string" && parseIpInto(value, ipWords) !== 0 ? value : undefined;
  },
};

/**
 * Application logs: `{ level, message, user, service, timestamp }` → kind
 * `"log"`, `level` upper-cased, `system` from `service`.
 *
 * @example
 * ```ts
 * import { normalizeEventOrThrow, APP_LOG_SHAPE } from "papertrail/compliance";
 * const event = normalizeEventOrThrow({ level: "warn", message: "slow query", user: "svc-api", service: "orders", timestamp: "2026-01-05T09:00:00Z" }, APP_LOG_SHAPE);
 * [event.kind, event.level, event.system, event.user]; // => ["log", "WARN", "orders", "svc-api"]
 * ```
 */
export const APP_LOG_SHAPE: EventShape = {
  name: "app-log",
  kind: { const: "log" },
  time: { from: "timestamp", epoch: "auto" },
  level: { from: "level", required: true },
  message: "message",
  user: "user",
  system: "service",
};

/**
 * Metrics: `{ service, cpu, latency_ms, timestamp }` → kind `"metric"`,
 * `metrics: { cpu, latency_ms }` (both required, finite numbers or decimal
 * strings), `value` = `latency_ms`, `system` from `service`.
 *
 * @example
 * ```ts
 * import { normalizeEventOrThrow, METRIC_SHAPE } from "papertrail/compliance";
 * const event = normalizeEventOrThrow({ service: "api", cpu: 91.5, latency_ms: 1250, timestamp: 1767603600000 }, METRIC_SHAPE);
 * [event.kind, event.value, event.metrics]; // => ["metric", 1250, { cpu: 91.5, latency_ms: 1250 }]
 * ```
 */
export const METRIC_SHAPE: EventShape = {
  name: "metric",
  kind: { const: "metric" },
  time: { from: "timestamp", epoch: "auto" },
  system: "service",
  value: { from: "latency_ms", required: true },
  metrics: { cpu: { from: "cpu", required: true }, latency_ms: { from: "latency_ms", required: true } },
};

/**
 * Transactions: `{ user, amount, timestamp }` → kind `"transaction"`,
 * `value` = `amount` (and `metrics.amount`); `user` and `amount` required.
 *
 * @example
 * ```ts
 * import { normalizeEventOrThrow, TRANSACTION_SHAPE } from "papertrail/compliance";
 * const event = normalizeEventOrThrow({ user: "ann", amount: "10500.25", timestamp: "2026-01-05T09:00:00Z" }, TRANSACTION_SHAPE);
 * [event.kind, event.user, event.value]; // => ["transaction", "ann", 10500.25]
 * ```
 */
export const TRANSACTION_SHAPE: EventShape = {
  name: "transaction",
  kind: { const: "transaction" },
  time: { from: "timestamp", epoch: "auto" },
  user: { from: "user", required: true },
  value: { from: "amount", required: true },
  metrics: { amount: "amount" },
};

/**
 * Options of {@link createLogLineShape}.
 *
 * @example
 * ```ts
 * import type { LogLineShapeOptions } from "papertrail/compliance";
 * const options: LogLineShapeOptions = { syslogYear: 2026 };
 * options.syslogYear; // => 2026
 * ```
 */
export interface LogLineShapeOptions {
  /** Shape name in errors; default `"log-line"`. */
  readonly name?: string;
  /** A zoneless ISO time in the line: refused (default) or read as UTC. */
  readonly zoneless?: "refuse" | "utc";
  /**
   * Reads syslog `Mmm dd hh:mm:ss` times (which carry no year and no zone)
   * as UTC in this year. Without it they are not recognized, and a line
   * with no other time is rejected.
   */
  readonly syslogYear?: number;
}

function lineOf(record: unknown): unknown {
  return typeof record === "string" ? record : firstOwn(record, ["message"]);
}

/**
 * A shape for bare log lines: a string, or `{ message }`. Kind `"log"`;
 * `message` is the line; `ip` is the first address in it
 * ({@link findIpInText}); `level` the first capitalized level word
 * ({@link findLevelInText}); `time` the first ISO-8601 date-time with a zone
 * (or zoneless as UTC, or syslog with a stated year, per the options). A
 * line without a time is rejected (field `time`).
 *
 * @example
 * ```ts
 * import { createLogLineShape, normalizeEventOrThrow } from "papertrail/compliance";
 * const shape = createLogLineShape({ syslogYear: 2026 });
 * const event = normalizeEventOrThrow("Jan  5 09:00:00 bastion sshd[311]: Failed password for root from 203.0.113.9 port 22", shape);
 * [event.time, event.ip]; // => [1767603600000, "203.0.113.9"]
 * ```
 */
export function createLogLineShape(options: LogLineShapeOptions = {}): EventShape {
  if (options === null || typeof options !== "object") throw new InvalidArgumentError("createLogLineShape options must be an object");
  for (const key of Object.keys(options)) {
    if (key !== "name" && key !== "zoneless" && key !== "syslogYear") throw new InvalidArgumentError(`createLogLineShape has no option "${key}" (options: name, zoneless, syslogYear)`);
  }
  const { name = "log-line", zoneless = "refuse", syslogYear } = options;
  if (zoneless !== "refuse" && zoneless !== "utc") throw new InvalidArgumentError(`createLogLineShape: zoneless must be "refuse" or "utc", got ${JSON.stringify(zoneless)}`);
  if (syslogYear !== undefined && !(Number.isInteger(syslogYear) && syslogYear >= 0 && syslogYear <= 9999)) {
    throw new InvalidArgumentError(`createLogLineShape: syslogYear must be an integer from 0 to 9999, got ${String(syslogYear)}`);
  }
  const found: FoundTime = { time: Number.NaN, missingZone: false };
  const zonelessUtc = zoneless === "utc";
  const text = (record: unknown): string | undefined => {
    const line = lineOf(record);
    return typeof line === "string" ? line : undefined;
  };
  return {
    name,
    text: true,
    kind: { const: "log" },
    message: { from: lineOf, required: true },
    time: {
      from: (record) => {
        const line = text(record);
        if (line === undefined) return undefined;
        const time = findTimeInText(line, zonelessUtc, syslogYear, found);
        return Number.isNaN(time) ? undefined : time;
      },
      epoch: "ms",
      expected:
        zonelessUtc ? "an ISO-8601 date-time in the line" : `an ISO-8601 date-time with a zone (Z or ±hh:mm) in the line${syslogYear === undefined ? "" : ", or a syslog time"}`,
    },
    ip: (record) => {
      const line = text(record);
      return line === undefined ? undefined : findIpInText(line);
    },
    level: (record) => {
      const line = text(record);
      return line === undefined ? undefined : findLevelInText(line);
    },
  };
}

/**
 * The log-line shape with the defaults of {@link createLogLineShape}: ISO
 * times with a zone only.
 *
 * @example
 * ```ts
 * import { normalizeEventOrThrow, LOG_LINE_SHAPE } from "papertrail/compliance";
 * const event = normalizeEventOrThrow({ message: "2026-01-05T09:00:00Z ERROR auth: login failed from 2001:db8::7" }, LOG_LINE_SHAPE);
 * [event.kind, event.level, event.ip, event.time]; // => ["log", "ERROR", "2001:db8::7", 1767603600000]
 * ```
 */
export const LOG_LINE_SHAPE: EventShape = createLogLineShape();

/**
 * Picks a shipped shape for a record by its distinctive keys, checked in
 * this order (own keys only; the first match wins):
 *
 * 1. a string → {@link LOG_LINE_SHAPE};
 * 2. `event_type` → {@link COMPLIANCE_API_SHAPE};
 * 3. `EventType` → {@link CLOUDTRAIL_SHAPE};
 * 4. `cpu` or `latency_ms` → {@link METRIC_SHAPE};
 * 5. `amount` → {@link TRANSACTION_SHAPE};
 * 6. `level` → {@link APP_LOG_SHAPE};
 * 7. `message` → {@link LOG_LINE_SHAPE};
 * 8. anything else → `undefined`.
 *
 * It only picks: the record is then validated by {@link normalizeEvent},
 * which names the field a half-matching record lacks.
 *
 * @example
 * ```ts
 * import { detectShape, METRIC_SHAPE } from "papertrail/compliance";
 * detectShape({ service: "api", cpu: 50, latency_ms: 10, timestamp: 0 }) === METRIC_SHAPE; // => true
 * detectShape({ EventType: "Login" })?.name; // => "cloudtrail"
 * detectShape({ hello: "world" }); // => undefined
 * ```
 */
export function detectShape(record: unknown): EventShape | undefined {
  if (typeof record === "string") return LOG_LINE_SHAPE;
  if (record === null || typeof record !== "object" || Array.isArray(record)) return undefined;
  // Object.hasOwn inline, no helper closure: this runs once per ingested
  // record, and a closure here (renamed by the build's keepNames) cost about
  // 7 % of the server's bulk ingest in a CPU profile.
  if (Object.hasOwn(record, "event_type")) return COMPLIANCE_API_SHAPE;
  if (Object.hasOwn(record, "EventType")) return CLOUDTRAIL_SHAPE;
  if (Object.hasOwn(record, "cpu") || Object.hasOwn(record, "latency_ms")) return METRIC_SHAPE;
  if (Object.hasOwn(record, "amount")) return TRANSACTION_SHAPE;
  if (Object.hasOwn(record, "level")) return APP_LOG_SHAPE;
  if (Object.hasOwn(record, "message")) return LOG_LINE_SHAPE;
  return undefined;
}
