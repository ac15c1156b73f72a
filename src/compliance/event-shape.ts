/**
 * Field-extraction configs: for each field of {@link ComplianceEvent}, where
 * it comes from in a record of some shape.
 *
 * @module
 */
import type { EventOutcome } from "./event.js";
import type { EpochUnit } from "./event-time.js";
import type { OutcomeTable } from "./event-outcome.js";

/**
 * Where a field's value comes from:
 * - a string: a dot-separated path into the record (`"metadata.ip"`,
 *   `"AffectedAssets.0"` for an array element); own properties only;
 * - `{ const }`: a constant (`{ const: "log" }`);
 * - a function of the record (which may be a string for text shapes).
 *
 * @example
 * ```ts
 * import type { FieldSource } from "papertrail/compliance";
 * const sources: FieldSource[] = ["metadata.ip", { const: "metric" }, (r) => (r as { who?: string }).who];
 * sources.length; // => 3
 * ```
 */
export type FieldSource = string | { readonly const: string | number } | ((record: unknown) => unknown);

/**
 * A source with options: `required` (a missing value rejects the event),
 * and `expected`, the wording of the error when the value is unusable
 * (defaults describe the field's type).
 *
 * @example
 * ```ts
 * import type { FieldSpec } from "papertrail/compliance";
 * const user: FieldSpec = { from: "user_id", required: true };
 * user.required; // => true
 * ```
 */
export interface FieldSpec {
  readonly from: FieldSource;
  readonly required?: boolean;
  readonly expected?: string;
}

/**
 * A field's config: a bare source (optional field) or a {@link FieldSpec}.
 *
 * @example
 * ```ts
 * import type { FieldConfig } from "papertrail/compliance";
 * const configs: FieldConfig[] = ["service", { from: "amount", required: true }];
 * configs.length; // => 2
 * ```
 */
export type FieldConfig = FieldSource | FieldSpec;

/**
 * Where the event time comes from and how to read it. Always required.
 * - ISO-8601 strings are read strictly (docs/events.md#timestamps); a time
 *   without a zone is refused unless `zoneless: "utc"`.
 * - Numbers (and strings of decimal digits) are epoch times in `epoch`;
 *   without `epoch` they are refused: the unit is never guessed unless the
 *   shape says `"auto"`.
 * - A `Date` is taken as is.
 *
 * @example
 * ```ts
 * import type { TimeSpec } from "papertrail/compliance";
 * const time: TimeSpec = { from: "ts", epoch: "s" };
 * time.epoch; // => "s"
 * ```
 */
export interface TimeSpec {
  readonly from: FieldSource;
  readonly epoch?: EpochUnit;
  readonly zoneless?: "refuse" | "utc";
  readonly expected?: string;
}

/**
 * A field-extraction config: how records of one shape become
 * {@link ComplianceEvent}s. `kind` and `time` are required; every other
 * field is optional unless its {@link FieldSpec} says `required`. `outcome`
 * is derived from `status` through `outcomes` (default
 * {@link DEFAULT_OUTCOMES}). `text: true` lets the shape take a plain string
 * as its record (the log-line shape).
 *
 * @example
 * ```ts
 * import { type EventShape, normalizeEvent } from "papertrail/compliance";
 * const shape: EventShape = {
 *   name: "vpn",
 *   kind: { const: "login" },
 *   time: { from: "at", epoch: "ms" },
 *   user: { from: "who", required: true },
 *   ip: "peer",
 *   status: "result",
 * };
 * const result = normalizeEvent({ at: 1767603600000, who: "bob", peer: "198.51.100.4", result: "DENIED" }, shape);
 * result.ok && result.event.outcome; // => "failure"
 * ```
 */
export interface EventShape {
  /** Names the shape in error messages. */
  readonly name: string;
  readonly kind: FieldConfig;
  readonly time: TimeSpec;
  readonly user?: FieldConfig;
  readonly system?: FieldConfig;
  readonly ip?: FieldConfig;
  readonly session?: FieldConfig;
  readonly status?: FieldConfig;
  readonly level?: FieldConfig;
  readonly message?: FieldConfig;
  readonly id?: FieldConfig;
  readonly value?: FieldConfig;
  /** Named numbers (`cpu`, `latency_ms`...), each from its own source. */
  readonly metrics?: Readonly<Record<string, FieldConfig>>;
  readonly outcomes?: OutcomeTable | ((status: string) => EventOutcome | undefined);
  /** Whether a plain string is accepted as a record. */
  readonly text?: boolean;
}
