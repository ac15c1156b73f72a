/**
 * What the HTTP API serves: the compliance pipeline (extraction, dedup, the
 * monitor and its rules, the allow-list) and the audit log, seen through the
 * small interfaces below. `createComplianceBackend` (compliance-backend.ts)
 * builds the embedded one; the API never reaches past these interfaces, so
 * a remote or Redis-backed pipeline can stand in.
 *
 * @module
 */
import type { Alert } from "../compliance/alert.js";
import type { ComplianceEvent } from "../compliance/event.js";
import type { ComplianceSnapshot, StatsSummary, TimeRange, TopEntry } from "../compliance/snapshot.js";

/**
 * A query's time range: a length ending now (`"1h"`, `"24h"`, `"7d"`) or an
 * explicit half-open range.
 *
 * @example
 * ```ts
 * import type { QueryWindow } from "papertrail/server";
 * const lastDay: QueryWindow = "24h";
 * lastDay; // => "24h"
 * ```
 */
export type QueryWindow = string | TimeRange;

/**
 * One record of an ingest call that was not accepted, and why.
 *
 * @example
 * ```ts
 * import type { RejectedRecord } from "papertrail/server";
 * const rejected: RejectedRecord = { index: 2, field: "timestamp", reason: "expected an ISO-8601 time or epoch milliseconds" };
 * rejected.field; // => "timestamp"
 * ```
 */
export interface RejectedRecord {
  readonly index: number;
  readonly field?: string;
  readonly reason: string;
}

/**
 * What an ingest call did.
 *
 * @example
 * ```ts
 * import type { IngestReport } from "papertrail/server";
 * const report: IngestReport = { accepted: 1, duplicates: 0, rejected: [], alerts: [], events: [] };
 * report.accepted; // => 1
 * ```
 */
export interface IngestReport {
  /** Records counted by the monitor. */
  readonly accepted: number;
  /** Records dropped as duplicates (same kind and id within the dedup TTL). */
  readonly duplicates: number;
  readonly rejected: readonly RejectedRecord[];
  /** Alerts the rules emitted while ingesting. */
  readonly alerts: readonly Alert[];
  /** The accepted events, normalized. */
  readonly events: readonly ComplianceEvent[];
}

/**
 * A distinct count or frequency with its bounds.
 *
 * @example
 * ```ts
 * import type { CountAnswer } from "papertrail/server";
 * const answer: CountAnswer = { count: 1000, lower: 980, upper: 1020, confidence: 0.95, covered: { from: 0, to: 1 } };
 * answer.upper - answer.lower; // => 40
 * ```
 */
export interface CountAnswer {
  readonly count: number;
  readonly lower: number;
  readonly upper: number;
  readonly confidence: number;
  /** The range the answer really covers (whole buckets). */
  readonly covered: TimeRange;
}

/**
 * The names of the monitor's metrics, by kind.
 *
 * @example
 * ```ts
 * import type { MetricNames } from "papertrail/server";
 * const names: MetricNames = { distinct: ["users", "ips"], top: ["users"], frequency: ["kinds"], stats: ["value"] };
 * names.distinct.length; // => 2
 * ```
 */
export interface MetricNames {
  readonly distinct: readonly string[];
  readonly top: readonly string[];
  readonly frequency: readonly string[];
  readonly stats: readonly string[];
}

/**
 * A value, or a promise of it: what a backend method may return. The
 * embedded backend answers at once; a Redis-backed one answers with a
 * promise. The API awaits either.
 *
 * @example
 * ```ts
 * import type { Awaitable } from "papertrail/server";
 * const now: Awaitable<number> = 1;
 * await now; // => 1
 * ```
 */
export type Awaitable<T> = T | Promise<T>;

/**
 * The compliance pipeline as the API sees it. Query methods throw (or
 * reject with) `InvalidArgumentError` for an unknown metric or a bad window
 * (answered as 400); an unknown system is not an error (its counts are 0).
 * Methods that may need a round trip to a store return {@link Awaitable}.
 *
 * @example
 * ```ts
 * import type { ComplianceBackend } from "papertrail/server";
 * const systemsOf = async (backend: ComplianceBackend): Promise<readonly string[]> => await backend.systems();
 * typeof systemsOf; // => "function"
 * ```
 */
export interface ComplianceBackend {
  /** Normalizes, dedups, counts and evaluates `records`; a record's problems never affect the others. `shape` names an extraction shape; absent, it is detected per record. */
  ingest(records: readonly unknown[], shape?: string): Awaitable<IngestReport>;
  /** Names of the extraction shapes `ingest` accepts. */
  shapes(): readonly string[];
  systems(): Awaitable<readonly string[]>;
  metrics(): MetricNames;
  distinct(metric: string, system: string, window: QueryWindow): Awaitable<CountAnswer>;
  activity(user: string, system: string, window: QueryWindow): Awaitable<{ readonly accessed: boolean; readonly probability: number; readonly covered: TimeRange }>;
  top(metric: string, system: string, k: number, window: QueryWindow): Awaitable<{ readonly items: readonly TopEntry[]; readonly covered: TimeRange }>;
  frequency(metric: string, system: string, value: string, window: QueryWindow): Awaitable<CountAnswer>;
  stats(metric: string, system: string, window: QueryWindow): Awaitable<StatsSummary & { readonly covered: TimeRange }>;
  /** Events accepted per minute in [from, to) (empty minutes included). */
  eventTimeline(from: number, to: number): Awaitable<readonly { readonly time: number; readonly count: number }[]>;
  snapshot(period: TimeRange): Awaitable<ComplianceSnapshot>;
  /** The IP allow-list; changes take effect on the next event. */
  readonly allowList: {
    entries(): readonly string[];
    /** Throws InvalidArgumentError for an invalid address or range; false when already present. */
    add(entry: string): boolean;
    /** False when absent. */
    remove(entry: string): boolean;
  };
  /** Counters for /health and reports. */
  counters(): Awaitable<Readonly<Record<string, number>>>;
}

/**
 * The audit log as the API sees it. Hashes are base64 (standard alphabet);
 * an inclusion proof's `leaf` is the leaf data (the record's line, base64),
 * what `verifyInclusion` takes.
 *
 * @example
 * ```ts
 * import type { AuditBackend } from "papertrail/server";
 * const sizeOf = (audit: AuditBackend): number => audit.size();
 * typeof sizeOf; // => "function"
 * ```
 */
export interface AuditBackend {
  /** Appends records (JSON values); resolves when they are durable. */
  append(records: readonly unknown[]): Promise<{ readonly first: number; readonly size: number }>;
  size(): number;
  /** The stored record at `index` (with its chain hash), or undefined when out of range or pruned. */
  record(index: number): unknown;
  inclusionProof(index: number, treeSize?: number): { readonly index: number; readonly treeSize: number; readonly leaf: string; readonly proof: readonly string[]; readonly root: string };
  consistencyProof(oldSize: number, newSize?: number): { readonly oldSize: number; readonly newSize: number; readonly proof: readonly string[]; readonly oldRoot: string; readonly newRoot: string };
  /** The latest signed checkpoint (C2SP signed note text). */
  checkpoint(): Promise<{ readonly origin: string; readonly size: number; readonly root: string; readonly note: string }>;
  /** Re-verifies records [from, to): the chain and the tree. */
  verify(from: number, to: number): Promise<{ readonly ok: boolean; readonly checked: number; readonly firstBad?: { readonly index: number; readonly kind: string; readonly reason: string } }>;
}

/**
 * Compliance reports as the API sees them.
 *
 * @example
 * ```ts
 * import type { ReportBackend } from "papertrail/server";
 * const formats: ReportBackend["formats"] = ["json", "csv", "pdf"];
 * formats.length; // => 3
 * ```
 */
export interface ReportBackend {
  readonly formats: readonly ("json" | "csv" | "pdf")[];
  generate(period: TimeRange, format: "json" | "csv" | "pdf"): Promise<{ readonly contentType: string; readonly body: Uint8Array | string }>;
}
