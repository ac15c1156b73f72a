/**
 * The compliance snapshot: every metric of the monitor for a period, as
 * plain JSON-safe data. `ComplianceMonitor.snapshot(period)` produces it;
 * compliance reports (JSON, CSV, PDF) render it.
 *
 * @module
 */

/**
 * A half-open event-time range [from, to), epoch milliseconds.
 *
 * @example
 * ```ts
 * import type { TimeRange } from "papertrail/compliance";
 * const day: TimeRange = { from: Date.UTC(2026, 0, 5), to: Date.UTC(2026, 0, 6) };
 * day.to - day.from; // => 86400000
 * ```
 */
export interface TimeRange {
  readonly from: number;
  readonly to: number;
}

/**
 * An estimate with its bounds: the true value lies in [lower, upper] with
 * probability `confidence`. Exact answers have lower = estimate = upper and
 * confidence 1.
 *
 * @example
 * ```ts
 * import type { EstimateSummary } from "papertrail/compliance";
 * const users: EstimateSummary = { estimate: 1000, lower: 975, upper: 1025, confidence: 0.95 };
 * users.upper - users.lower; // => 50
 * ```
 */
export interface EstimateSummary {
  readonly estimate: number;
  readonly lower: number;
  readonly upper: number;
  readonly confidence: number;
}

/**
 * One entry of a top-K list: the item (a pseudonym unless plain storage is
 * on), its estimated count and the largest overestimate.
 *
 * @example
 * ```ts
 * import type { TopEntry } from "papertrail/compliance";
 * const entry: TopEntry = { item: "203.0.113.7", count: 412, error: 3 };
 * entry.count - entry.error; // => 409
 * ```
 */
export interface TopEntry {
  readonly item: string;
  readonly count: number;
  readonly error: number;
}

/**
 * Statistics of a numeric metric.
 *
 * @example
 * ```ts
 * import type { StatsSummary } from "papertrail/compliance";
 * const latency: StatsSummary = { count: 3, mean: 20, stddev: 10, min: 10, max: 30, quantiles: { "0.5": 20, "0.99": 30 } };
 * latency.quantiles["0.5"]; // => 20
 * ```
 */
export interface StatsSummary {
  readonly count: number;
  readonly mean: number;
  readonly stddev: number;
  readonly min: number;
  readonly max: number;
  /** Quantile (as a decimal string, `"0.5"`, `"0.99"`) → value. */
  readonly quantiles: Readonly<Record<string, number>>;
}

/**
 * Every metric of one system for the period. Maps are keyed by metric name.
 *
 * @example
 * ```ts
 * import type { SystemSnapshot } from "papertrail/compliance";
 * const billing: SystemSnapshot = {
 *   system: "billing", covered: { from: 0, to: 3_600_000 }, events: 2,
 *   distinct: { users: { estimate: 2, lower: 2, upper: 2, confidence: 1 } },
 *   top: { users: [{ item: "alice", count: 1, error: 0 }] },
 *   frequencies: { kinds: { login: 2 } }, stats: {},
 * };
 * billing.distinct.users?.estimate; // => 2
 * ```
 */
export interface SystemSnapshot {
  readonly system: string;
  /** The range the stored buckets really cover (may be wider than asked: whole buckets). */
  readonly covered: TimeRange;
  readonly events: number;
  readonly distinct: Readonly<Record<string, EstimateSummary>>;
  readonly top: Readonly<Record<string, readonly TopEntry[]>>;
  /** Frequency metrics: metric → (value → estimated count), for the values seen in the period. */
  readonly frequencies: Readonly<Record<string, Readonly<Record<string, number>>>>;
  readonly stats: Readonly<Record<string, StatsSummary>>;
}

/**
 * Every metric of the monitor for a period.
 *
 * @example
 * ```ts
 * import type { ComplianceSnapshot } from "papertrail/compliance";
 * const snapshot: ComplianceSnapshot = { period: { from: 0, to: 3_600_000 }, generatedAt: 3_600_000, pseudonymized: true, systems: [] };
 * snapshot.systems.length; // => 0
 * ```
 */
export interface ComplianceSnapshot {
  /** The period asked for. */
  readonly period: TimeRange;
  /** When the snapshot was taken (epoch ms, the monitor's clock). */
  readonly generatedAt: number;
  /** True when identities in top lists are keyed pseudonyms. */
  readonly pseudonymized: boolean;
  readonly systems: readonly SystemSnapshot[];
}
