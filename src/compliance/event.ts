/**
 * The one normalized event every part of the compliance module reads:
 * extraction configs (event-extract.ts, event-shapes.ts) produce it from the shapes seen in
 * the field, the monitor counts it, rules match it, the audit log records it.
 *
 * Every field is always present (`undefined` when the source has no value),
 * so every event object has the same shape and V8 keeps the property loads
 * in the hot path monomorphic.
 *
 * @module
 */

/**
 * Whether the action an event reports succeeded.
 *
 * @example
 * ```ts
 * import type { EventOutcome } from "papertrail/compliance";
 * const outcome: EventOutcome = "failure";
 * outcome; // => "failure"
 * ```
 */
export type EventOutcome = "success" | "failure";

/**
 * A normalized security or compliance event.
 *
 * @example
 * ```ts
 * import type { ComplianceEvent } from "papertrail/compliance";
 * const event: ComplianceEvent = {
 *   kind: "login", time: Date.UTC(2026, 0, 5, 9), user: "alice", system: "billing",
 *   ip: "203.0.113.7", session: undefined, status: "failed", outcome: "failure",
 *   level: undefined, message: undefined, value: undefined, metrics: undefined,
 *   id: "evt-1", raw: {},
 * };
 * event.outcome; // => "failure"
 * ```
 */
export interface ComplianceEvent {
  /** What happened: `login`, `file_access`, `log`, `metric`, `transaction`, a CloudTrail event type... */
  readonly kind: string;
  /** Event time, epoch milliseconds (UTC). */
  readonly time: number;
  /** Who acted (user id, role id). */
  readonly user: string | undefined;
  /** Which system, service or asset it concerns. */
  readonly system: string | undefined;
  /** Source IP address, IPv4 dotted or IPv6 text, as given. */
  readonly ip: string | undefined;
  /** Session id. */
  readonly session: string | undefined;
  /** The status as the source wrote it (`failed`, `200`, `AccessDenied`...). */
  readonly status: string | undefined;
  /** The status normalized to success or failure, where the source says which. */
  readonly outcome: EventOutcome | undefined;
  /** Log level in upper case (`ERROR`, `WARN`, `INFO`...), for log events. */
  readonly level: string | undefined;
  /** Free text (log message, description). */
  readonly message: string | undefined;
  /** The event's primary number (transaction amount, latency...). */
  readonly value: number | undefined;
  /** Named numbers (`cpu`, `latency_ms`, `amount`...). */
  readonly metrics: Readonly<Record<string, number>> | undefined;
  /** The source's event id, used by dedup. */
  readonly id: string | undefined;
  /** The original record, untouched. */
  readonly raw: unknown;
}

/**
 * A field of {@link ComplianceEvent} a rule, a metric or a Sigma field mapping
 * can name: one of the top-level fields, `metrics.<name>` for a named number,
 * or `raw.<path>` (dot-separated) for a field of the original record.
 *
 * @example
 * ```ts
 * import type { EventField } from "papertrail/compliance";
 * const fields: EventField[] = ["ip", "metrics.cpu", "raw.metadata.country"];
 * fields.length; // => 3
 * ```
 */
export type EventField =
  | "kind"
  | "time"
  | "user"
  | "system"
  | "ip"
  | "session"
  | "status"
  | "outcome"
  | "level"
  | "message"
  | "value"
  | "id"
  | `metrics.${string}`
  | `raw.${string}`;

/**
 * A test of one event.
 *
 * @example
 * ```ts
 * import type { EventPredicate } from "papertrail/compliance";
 * const failedLogin: EventPredicate = (e) => e.kind === "login" && e.outcome === "failure";
 * typeof failedLogin; // => "function"
 * ```
 */
export type EventPredicate = (event: ComplianceEvent) => boolean;
