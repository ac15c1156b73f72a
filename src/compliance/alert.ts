/**
 * Alerts: what rules emit, and where they go.
 *
 * @module
 */
import type { ComplianceEvent } from "./event.js";

/**
 * How bad an alert is. The names and order are Sigma's `level` values.
 *
 * @example
 * ```ts
 * import type { Severity } from "papertrail/compliance";
 * const level: Severity = "high";
 * level; // => "high"
 * ```
 */
export type Severity = "informational" | "low" | "medium" | "high" | "critical";

/**
 * An alert.
 *
 * - `type: "alert"` is a rule firing; `type: "summary"` is emitted when a
 *   cooldown ends with alerts suppressed during it ("seen 4,312 more
 *   times"), with `suppressed` holding that count.
 * - `id` is deterministic (rule, group key, first time), so a replay of the
 *   same events produces the same ids and stores can write idempotently.
 *
 * @example
 * ```ts
 * import type { Alert } from "papertrail/compliance";
 * const alert: Alert = {
 *   id: "brute-force:203.0.113.7:1767603600000", type: "alert", ruleId: "brute-force",
 *   title: "Brute force", severity: "high", groupKey: "203.0.113.7", group: { ip: "203.0.113.7" },
 *   system: "auth", user: undefined, window: { from: 1767603600000, to: 1767603900000 },
 *   count: 5, value: undefined, firstTime: 1767603600000, lastTime: 1767603840000,
 *   suppressed: 0, message: "5 failed logins from 203.0.113.7 within 300 s", evidence: [], tags: [],
 * };
 * alert.severity; // => "high"
 * ```
 */
export interface Alert {
  /** Deterministic id: rule id, group key and first time. */
  readonly id: string;
  readonly type: "alert" | "summary";
  readonly ruleId: string;
  readonly title: string;
  readonly severity: Severity;
  /** The group the rule counted in, as one string (`""` for an ungrouped rule). */
  readonly groupKey: string;
  /** The group-by fields and their values. */
  readonly group: Readonly<Record<string, string>>;
  /** System of the triggering event, when it has one. */
  readonly system: string | undefined;
  /** User of the triggering event, when it has one. */
  readonly user: string | undefined;
  /** The event-time range the rule looked at: half-open [from, to), epoch ms. */
  readonly window: { readonly from: number; readonly to: number };
  /** Events counted (count rules), distinct values (distinct rules), samples (sustained). */
  readonly count: number;
  /** The measured value for value and baseline rules. */
  readonly value: number | undefined;
  /** Time of the first and last event that contributed. */
  readonly firstTime: number;
  readonly lastTime: number;
  /** Alerts suppressed by the cooldown (summaries), 0 otherwise. */
  readonly suppressed: number;
  /** One human-readable line. */
  readonly message: string;
  /** A bounded sample of the events that contributed (the latest ones). */
  readonly evidence: readonly ComplianceEvent[];
  readonly tags: readonly string[];
}

/**
 * Where alerts go. `emit` is called synchronously from ingest and must not
 * block: sinks that do I/O queue and count what they drop.
 *
 * @example
 * ```ts
 * import type { Alert, AlertSink } from "papertrail/compliance";
 * const seen: Alert[] = [];
 * const sink: AlertSink = { emit: (alert) => void seen.push(alert) };
 * seen.length; // => 0
 * ```
 */
export interface AlertSink {
  emit(alert: Alert): void;
  /** Resolves when queued alerts have been delivered (or dropped and counted). */
  flush?(): Promise<void>;
  /** Stops the sink after flushing. */
  close?(): Promise<void>;
}
