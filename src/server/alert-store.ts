/**
 * The alert store: every alert the rules emit, with a status that people
 * move from `new` to `acknowledged` to `resolved`, and the list, summary,
 * timeline and per-system queries the API and the dashboard serve. Two
 * backends answer alike: {@link MemoryAlertStore} (the default) and
 * `PostgresAlertStore` (postgres-alert-store.ts, when `DATABASE_URL` is set).
 *
 * Conventions shared by both backends (and checked by one contract test):
 * - an alert's time is its `lastTime` (when it fired); ranges are half-open
 *   [from, to) on it;
 * - lists are newest first, ties broken by id;
 * - `put` is idempotent on the alert id: a replayed alert is not stored twice
 *   and does not reset its status;
 * - statuses only move forward (new → acknowledged → resolved, or new →
 *   resolved); setting the current status again is a no-op.
 *
 * @module
 */
import type { Alert, Severity } from "../compliance/alert.js";
import { InvalidArgumentError, PaperTrailError } from "../errors.js";

/**
 * Where an alert is in its handling.
 *
 * @example
 * ```ts
 * import type { AlertStatus } from "papertrail/server";
 * const status: AlertStatus = "acknowledged";
 * status; // => "acknowledged"
 * ```
 */
export type AlertStatus = "new" | "acknowledged" | "resolved";

/**
 * The statuses in their order.
 *
 * @example
 * ```ts
 * import { ALERT_STATUSES } from "papertrail/server";
 * ALERT_STATUSES; // => ["new", "acknowledged", "resolved"]
 * ```
 */
export const ALERT_STATUSES: readonly AlertStatus[] = ["new", "acknowledged", "resolved"];
/**
 * The severities from least to most severe (Sigma's levels).
 *
 * @example
 * ```ts
 * import { SEVERITIES } from "papertrail/server";
 * SEVERITIES.indexOf("critical") > SEVERITIES.indexOf("high"); // => true
 * ```
 */
export const SEVERITIES: readonly Severity[] = ["informational", "low", "medium", "high", "critical"];

/**
 * An alert as stored: the alert and its status.
 *
 * @example
 * ```ts
 * import type { StoredAlert } from "papertrail/server";
 * const statusOf = (alert: StoredAlert): string => alert.status;
 * typeof statusOf; // => "function"
 * ```
 */
export interface StoredAlert extends Alert {
  readonly status: AlertStatus;
  /** When the status last changed (epoch ms), `undefined` while `new`. */
  readonly statusChangedAt: number | undefined;
}

/**
 * Which alerts a query looks at. Every field is optional; given fields must
 * all hold.
 *
 * @example
 * ```ts
 * import type { AlertFilter } from "papertrail/server";
 * const openHigh: AlertFilter = { status: ["new", "acknowledged"], severity: "high" };
 * openHigh.severity; // => "high"
 * ```
 */
export interface AlertFilter {
  readonly status?: AlertStatus | readonly AlertStatus[];
  readonly severity?: Severity | readonly Severity[];
  readonly ruleId?: string;
  readonly system?: string;
  readonly user?: string;
  readonly type?: Alert["type"];
  /** Alerts with `lastTime >= from` (epoch ms). */
  readonly from?: number;
  /** Alerts with `lastTime < to` (epoch ms). */
  readonly to?: number;
}

/**
 * A page of a list query.
 *
 * @example
 * ```ts
 * import type { AlertListOptions } from "papertrail/server";
 * const secondPage: AlertListOptions = { status: "new", limit: 20, offset: 20 };
 * secondPage.offset; // => 20
 * ```
 */
export interface AlertListOptions extends AlertFilter {
  /** Page size, 1 to 1000; 50 when absent. */
  readonly limit?: number;
  /** Alerts to skip, 0 when absent. */
  readonly offset?: number;
}

/**
 * One page of alerts, newest first, and how many match in all.
 *
 * @example
 * ```ts
 * import type { AlertPage } from "papertrail/server";
 * const empty: AlertPage = { items: [], total: 0, limit: 50, offset: 0 };
 * empty.total; // => 0
 * ```
 */
export interface AlertPage {
  readonly items: readonly StoredAlert[];
  readonly total: number;
  readonly limit: number;
  readonly offset: number;
}

/**
 * Counts of the matching alerts.
 *
 * @example
 * ```ts
 * import type { AlertSummary } from "papertrail/server";
 * const total = (summary: AlertSummary): number => summary.total;
 * typeof total; // => "function"
 * ```
 */
export interface AlertSummary {
  readonly total: number;
  readonly byStatus: Readonly<Record<AlertStatus, number>>;
  readonly bySeverity: Readonly<Record<Severity, number>>;
  /** Per rule, most alerts first (ties by rule id). */
  readonly byRule: readonly { readonly ruleId: string; readonly title: string; readonly count: number }[];
  /** Sum of `suppressed` over the matching alerts (what cooldowns held back). */
  readonly suppressed: number;
}

/**
 * One bucket of a timeline: alerts whose time falls in [time, time + granularity).
 *
 * @example
 * ```ts
 * import type { TimelinePoint } from "papertrail/server";
 * const point: TimelinePoint = { time: 0, count: 0, bySeverity: { informational: 0, low: 0, medium: 0, high: 0, critical: 0 } };
 * point.count; // => 0
 * ```
 */
export interface TimelinePoint {
  readonly time: number;
  readonly count: number;
  readonly bySeverity: Readonly<Record<Severity, number>>;
}

/**
 * A timeline query: every bucket of `granularity` in [from, to) (empty
 * buckets included), at most 10,000 buckets.
 *
 * @example
 * ```ts
 * import type { TimelineOptions } from "papertrail/server";
 * const lastHour: TimelineOptions = { granularity: "minute", from: 0, to: 3_600_000 };
 * lastHour.granularity; // => "minute"
 * ```
 */
export interface TimelineOptions extends AlertFilter {
  readonly granularity: "minute" | "hour";
  readonly from: number;
  readonly to: number;
}

/**
 * Alerts of one system.
 *
 * @example
 * ```ts
 * import type { SystemAlertSummary } from "papertrail/server";
 * const open = (s: SystemAlertSummary): number => s.open;
 * typeof open; // => "function"
 * ```
 */
export interface SystemAlertSummary {
  /** The system, `""` for alerts without one. */
  readonly system: string;
  readonly total: number;
  /** Alerts not yet resolved. */
  readonly open: number;
  readonly bySeverity: Readonly<Record<Severity, number>>;
  /** The latest alert time. */
  readonly lastTime: number;
}

/**
 * What went wrong in an alert store call: `not-found` (no alert has the id)
 * or `invalid-transition` (a status may only move forward).
 *
 * @example
 * ```ts
 * import { AlertStoreError } from "papertrail/server";
 * new AlertStoreError("not-found", "no alert x").code; // => "not-found"
 * ```
 */
export class AlertStoreError extends PaperTrailError {
  override readonly name: string = "AlertStoreError";
  readonly code: "not-found" | "invalid-transition";
  constructor(code: "not-found" | "invalid-transition", message: string) {
    super(message);
    this.code = code;
  }
}

/**
 * The alert store's interface; both backends implement it.
 *
 * @example
 * ```ts
 * import { type AlertStore, MemoryAlertStore } from "papertrail/server";
 * const store: AlertStore = new MemoryAlertStore();
 * (await store.list()).total; // => 0
 * ```
 */
export interface AlertStore {
  /** Stores alerts; ids already stored are skipped. Resolves to the number newly stored. */
  put(alerts: readonly Alert[]): Promise<number>;
  get(id: string): Promise<StoredAlert | undefined>;
  list(options?: AlertListOptions): Promise<AlertPage>;
  /** Moves an alert forward; throws {@link AlertStoreError} for an unknown id or a backward move. */
  setStatus(id: string, status: AlertStatus, at?: number): Promise<StoredAlert>;
  summary(filter?: AlertFilter): Promise<AlertSummary>;
  timeline(options: TimelineOptions): Promise<TimelinePoint[]>;
  /** Per system, most alerts first (ties by name). */
  systems(filter?: AlertFilter): Promise<SystemAlertSummary[]>;
  close(): Promise<void>;
}

const GRANULARITY_MS = { minute: 60_000, hour: 3_600_000 } as const;
const MAX_TIMELINE_BUCKETS = 10_000;

/** Checks and fills list options (shared by both backends). */
export function normalizeListOptions(options: AlertListOptions = {}): { limit: number; offset: number } {
  const limit = options.limit ?? 50;
  const offset = options.offset ?? 0;
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new InvalidArgumentError(`limit must be an integer from 1 to 1000, got ${String(limit)}`);
  if (!Number.isInteger(offset) || offset < 0) throw new InvalidArgumentError(`offset must be a non-negative integer, got ${String(offset)}`);
  checkFilter(options);
  return { limit, offset };
}

/** Checks a filter's values (shared by both backends). */
export function checkFilter(filter: AlertFilter): void {
  for (const status of asList(filter.status)) {
    if (!ALERT_STATUSES.includes(status)) throw new InvalidArgumentError(`status must be one of ${ALERT_STATUSES.join(", ")}, got ${JSON.stringify(status)}`);
  }
  for (const severity of asList(filter.severity)) {
    if (!SEVERITIES.includes(severity)) throw new InvalidArgumentError(`severity must be one of ${SEVERITIES.join(", ")}, got ${JSON.stringify(severity)}`);
  }
  for (const key of ["from", "to"] as const) {
    const value = filter[key];
    if (value !== undefined && !Number.isFinite(value)) throw new InvalidArgumentError(`${key} must be a finite epoch-milliseconds number, got ${String(value)}`);
  }
}

/** The bucket starts of a timeline query (shared by both backends). */
export function timelineBuckets(options: TimelineOptions): { step: number; starts: number[] } {
  checkFilter(options);
  const step = GRANULARITY_MS[options.granularity];
  if (step === undefined) throw new InvalidArgumentError(`granularity must be "minute" or "hour", got ${JSON.stringify(options.granularity)}`);
  if (!(options.from < options.to)) throw new InvalidArgumentError(`timeline needs from < to, got from=${options.from} to=${options.to}`);
  const first = Math.floor(options.from / step) * step;
  const count = Math.ceil((options.to - first) / step);
  if (count > MAX_TIMELINE_BUCKETS) throw new InvalidArgumentError(`a timeline has at most ${MAX_TIMELINE_BUCKETS} buckets; [from, to) holds ${count} ${options.granularity}s`);
  const starts: number[] = [];
  for (let i = 0; i < count; i++) starts.push(first + i * step);
  return { step, starts };
}

/** Whether a status may move to another (forward only; same status allowed). */
export function canMove(from: AlertStatus, to: AlertStatus): boolean {
  return ALERT_STATUSES.indexOf(to) >= ALERT_STATUSES.indexOf(from);
}

/** A zeroed per-severity count. */
export function severityCounts(): Record<Severity, number> {
  return { informational: 0, low: 0, medium: 0, high: 0, critical: 0 };
}

export function asList<T extends string>(value: T | readonly T[] | undefined): readonly T[] {
  if (value === undefined) return [];
  return typeof value === "string" ? [value] : (value as readonly T[]);
}

function matches(alert: StoredAlert, filter: AlertFilter): boolean {
  const statuses = asList(filter.status);
  if (statuses.length > 0 && !statuses.includes(alert.status)) return false;
  const severities = asList(filter.severity);
  if (severities.length > 0 && !severities.includes(alert.severity)) return false;
  if (filter.ruleId !== undefined && alert.ruleId !== filter.ruleId) return false;
  if (filter.system !== undefined && (alert.system ?? "") !== filter.system) return false;
  if (filter.user !== undefined && alert.user !== filter.user) return false;
  if (filter.type !== undefined && alert.type !== filter.type) return false;
  if (filter.from !== undefined && alert.lastTime < filter.from) return false;
  if (filter.to !== undefined && alert.lastTime >= filter.to) return false;
  return true;
}

/** Newest first, then by id. */
export function compareAlerts(a: Alert, b: Alert): number {
  return b.lastTime - a.lastTime || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/**
 * Options of {@link MemoryAlertStore}.
 *
 * @example
 * ```ts
 * import type { MemoryAlertStoreOptions } from "papertrail/server";
 * const options: MemoryAlertStoreOptions = { capacity: 10_000, now: () => 0 };
 * options.capacity; // => 10000
 * ```
 */
export interface MemoryAlertStoreOptions {
  /** Alerts kept; beyond it the oldest (by time) are forgotten. 100,000 when absent. */
  readonly capacity?: number;
  /** Clock for status changes without an explicit time. `Date.now` when absent. */
  readonly now?: () => number;
}

/**
 * The in-memory alert store (the server's default): bounded, with the
 * oldest alerts forgotten past `capacity` and counted in `evicted`.
 *
 * @example
 * ```ts
 * import { MemoryAlertStore } from "papertrail/server";
 * const store = new MemoryAlertStore({ now: () => 2_000 });
 * const alert = {
 *   id: "a1", type: "alert" as const, ruleId: "brute-force", title: "Brute force", severity: "high" as const,
 *   groupKey: "203.0.113.7", group: { ip: "203.0.113.7" }, system: "auth", user: undefined,
 *   window: { from: 0, to: 1_000 }, count: 5, value: undefined, firstTime: 0, lastTime: 1_000,
 *   suppressed: 0, message: "5 failed logins", evidence: [], tags: [],
 * };
 * await store.put([alert, alert]); // => 1
 * (await store.setStatus("a1", "acknowledged")).statusChangedAt; // => 2000
 * (await store.summary()).byStatus.acknowledged; // => 1
 * ```
 */
export class MemoryAlertStore implements AlertStore {
  private readonly alerts = new Map<string, StoredAlert>();
  private readonly capacity: number;
  private readonly now: () => number;
  /** Alerts forgotten because the store was full. */
  evicted = 0;

  constructor(options: MemoryAlertStoreOptions = {}) {
    const capacity = options.capacity ?? 100_000;
    if (!Number.isInteger(capacity) || capacity < 1) throw new InvalidArgumentError(`capacity must be a positive integer, got ${String(capacity)}`);
    this.capacity = capacity;
    this.now = options.now ?? Date.now;
  }

  async put(alerts: readonly Alert[]): Promise<number> {
    let stored = 0;
    for (const alert of alerts) {
      if (this.alerts.has(alert.id)) continue;
      // A value of -0 is kept as 0, as every other way an alert travels carries it
      // (JSON: the PostgreSQL store's payload, the HTTP API).
      const value = alert.value === 0 ? 0 : alert.value;
      this.alerts.set(alert.id, { ...alert, value, status: "new", statusChangedAt: undefined });
      stored++;
    }
    if (this.alerts.size > this.capacity) {
      const oldest = [...this.alerts.values()].sort(compareAlerts).slice(this.capacity);
      for (const alert of oldest) this.alerts.delete(alert.id);
      this.evicted += oldest.length;
    }
    return stored;
  }

  async get(id: string): Promise<StoredAlert | undefined> {
    return this.alerts.get(id);
  }

  async list(options: AlertListOptions = {}): Promise<AlertPage> {
    const { limit, offset } = normalizeListOptions(options);
    const matching = this.select(options).sort(compareAlerts);
    return { items: matching.slice(offset, offset + limit), total: matching.length, limit, offset };
  }

  async setStatus(id: string, status: AlertStatus, at?: number): Promise<StoredAlert> {
    checkFilter({ status });
    const current = this.alerts.get(id);
    if (current === undefined) throw new AlertStoreError("not-found", `no alert with id ${JSON.stringify(id)}`);
    if (!canMove(current.status, status)) {
      throw new AlertStoreError("invalid-transition", `alert ${JSON.stringify(id)} is ${current.status}; it cannot move back to ${status}`);
    }
    if (current.status === status) return current;
    const updated: StoredAlert = { ...current, status, statusChangedAt: at ?? this.now() };
    this.alerts.set(id, updated);
    return updated;
  }

  async summary(filter: AlertFilter = {}): Promise<AlertSummary> {
    checkFilter(filter);
    const byStatus: Record<AlertStatus, number> = { new: 0, acknowledged: 0, resolved: 0 };
    const bySeverity = severityCounts();
    const rules = new Map<string, { ruleId: string; title: string; count: number }>();
    let suppressed = 0;
    const matching = this.select(filter);
    for (const alert of matching) {
      byStatus[alert.status]++;
      bySeverity[alert.severity]++;
      suppressed += alert.suppressed;
      const rule = rules.get(alert.ruleId);
      if (rule === undefined) rules.set(alert.ruleId, { ruleId: alert.ruleId, title: alert.title, count: 1 });
      else rule.count++;
    }
    const byRule = [...rules.values()].sort((a, b) => b.count - a.count || (a.ruleId < b.ruleId ? -1 : 1));
    return { total: matching.length, byStatus, bySeverity, byRule, suppressed };
  }

  async timeline(options: TimelineOptions): Promise<TimelinePoint[]> {
    const { step, starts } = timelineBuckets(options);
    const first = starts[0]!;
    const points = starts.map((time) => ({ time, count: 0, bySeverity: severityCounts() }));
    for (const alert of this.select(options)) {
      const point = points[Math.floor((alert.lastTime - first) / step)];
      if (point === undefined) continue;
      point.count++;
      point.bySeverity[alert.severity]++;
    }
    return points;
  }

  async systems(filter: AlertFilter = {}): Promise<SystemAlertSummary[]> {
    checkFilter(filter);
    const systems = new Map<string, { system: string; total: number; open: number; bySeverity: Record<Severity, number>; lastTime: number }>();
    for (const alert of this.select(filter)) {
      const name = alert.system ?? "";
      let entry = systems.get(name);
      if (entry === undefined) {
        entry = { system: name, total: 0, open: 0, bySeverity: severityCounts(), lastTime: alert.lastTime };
        systems.set(name, entry);
      }
      entry.total++;
      if (alert.status !== "resolved") entry.open++;
      entry.bySeverity[alert.severity]++;
      entry.lastTime = Math.max(entry.lastTime, alert.lastTime);
    }
    return [...systems.values()].sort((a, b) => b.total - a.total || (a.system < b.system ? -1 : 1));
  }

  async close(): Promise<void> {
    // Nothing to release.
  }

  private select(filter: AlertFilter): StoredAlert[] {
    const out: StoredAlert[] = [];
    for (const alert of this.alerts.values()) if (matches(alert, filter)) out.push(alert);
    return out;
  }
}
