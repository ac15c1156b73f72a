/**
 * The alert store in PostgreSQL (`pg`). The table keeps the columns of the
 * `anomaly_events` table of the system we learn from (id, timestamp,
 * is_alert, alert_type, alert_level, alert_title, alert_message, user_id,
 * tags JSONB, metrics JSONB), so its dashboards keep working, plus the
 * columns PaperTrail filters on (status, system, group key) and the whole
 * alert as JSONB. Every list, summary, timeline and per-system query is one
 * SQL statement; migrations run once per database under an advisory lock.
 *
 * @module
 */
import type { Alert, Severity } from "../compliance/alert.js";
import { InvalidArgumentError } from "../errors.js";
import {
  type AlertFilter,
  type AlertListOptions,
  type AlertPage,
  type AlertStatus,
  type AlertStore,
  AlertStoreError,
  type AlertSummary,
  type StoredAlert,
  type SystemAlertSummary,
  type TimelineOptions,
  type TimelinePoint,
  asList,
  canMove,
  checkFilter,
  normalizeListOptions,
  severityCounts,
  timelineBuckets,
} from "./alert-store.js";

/**
 * What the store needs of a `pg` pool or client: `query`. A `pg.Pool` fits.
 *
 * @example
 * ```ts
 * import type { Queryable } from "papertrail/server";
 * const fake: Queryable = { query: async () => ({ rows: [], rowCount: 0 }) };
 * (await fake.query("select 1")).rowCount; // => 0
 * ```
 */
export interface Queryable {
  query(text: string, values?: unknown[]): Promise<{ rows: Record<string, unknown>[]; rowCount: number | null }>;
}

/**
 * The migrations, in order. Each runs once per database (recorded in
 * `papertrail_migrations`), inside one transaction holding an advisory
 * lock, so servers starting together do not race.
 *
 * @example
 * ```ts
 * import { ALERT_STORE_MIGRATIONS } from "papertrail/server";
 * ALERT_STORE_MIGRATIONS[0]?.includes("CREATE TABLE IF NOT EXISTS anomaly_events"); // => true
 * ```
 */
export const ALERT_STORE_MIGRATIONS: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS anomaly_events (
     id text PRIMARY KEY,
     timestamp timestamptz NOT NULL,
     is_alert boolean NOT NULL,
     alert_type text NOT NULL,
     alert_level text NOT NULL,
     alert_title text NOT NULL,
     alert_message text NOT NULL,
     user_id text,
     tags jsonb NOT NULL DEFAULT '[]'::jsonb,
     metrics jsonb NOT NULL DEFAULT '{}'::jsonb,
     system text NOT NULL DEFAULT '',
     group_key text NOT NULL DEFAULT '',
     status text NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'acknowledged', 'resolved')),
     status_changed_at timestamptz,
     alert jsonb NOT NULL
   );
   CREATE INDEX IF NOT EXISTS anomaly_events_timestamp ON anomaly_events (timestamp DESC, id);
   CREATE INDEX IF NOT EXISTS anomaly_events_status ON anomaly_events (status, timestamp DESC);
   CREATE INDEX IF NOT EXISTS anomaly_events_system ON anomaly_events (system, timestamp DESC);
   CREATE INDEX IF NOT EXISTS anomaly_events_type ON anomaly_events (alert_type, timestamp DESC);
   CREATE INDEX IF NOT EXISTS anomaly_events_level ON anomaly_events (alert_level, timestamp DESC);`,
];

// An arbitrary constant naming PaperTrail's advisory lock.
const MIGRATION_LOCK = 0x70617065;
const MS = (column: string): string => `(extract(epoch from ${column}) * 1000)::float8`;

/**
 * Options of {@link PostgresAlertStore}.
 *
 * @example
 * ```ts
 * import type { PostgresAlertStoreOptions } from "papertrail/server";
 * const options: PostgresAlertStoreOptions = { now: () => 0 };
 * typeof options.now; // => "function"
 * ```
 */
export interface PostgresAlertStoreOptions {
  /** Clock for status changes without an explicit time. `Date.now` when absent. */
  readonly now?: () => number;
  /** Closes the pool on `close()` (set by {@link PostgresAlertStore.connect}). */
  readonly end?: () => Promise<void>;
}

/**
 * The alert store in PostgreSQL. Create it with {@link PostgresAlertStore.connect}
 * (a connection string: the server passes `DATABASE_URL`) or around your own
 * pool with `new PostgresAlertStore(pool)` and then `await store.migrate()`.
 *
 * @example
 * ```ts
 * import { PostgresAlertStore } from "papertrail/server";
 * // Needs a running PostgreSQL: const store = await PostgresAlertStore.connect(process.env.DATABASE_URL!);
 * typeof PostgresAlertStore.connect; // => "function"
 * ```
 */
export class PostgresAlertStore implements AlertStore {
  private readonly db: Queryable;
  private readonly now: () => number;
  private readonly end: (() => Promise<void>) | undefined;

  constructor(db: Queryable, options: PostgresAlertStoreOptions = {}) {
    this.db = db;
    this.now = options.now ?? Date.now;
    this.end = options.end;
  }

  /**
   * Opens a `pg` pool on `connectionString`, runs the migrations and
   * returns the store; `close()` ends the pool.
   */
  static async connect(
    connectionString: string,
    options: Omit<PostgresAlertStoreOptions, "end"> & { readonly maxConnections?: number; readonly onIdleError?: (error: Error) => void } = {},
  ): Promise<PostgresAlertStore> {
    const pg = await import("pg");
    const Pool = pg.default?.Pool ?? pg.Pool;
    const pool = new Pool({ connectionString, max: options.maxConnections ?? 10 });
    // An idle connection that the server ends (a restart, a failover) is an
    // 'error' event on the pool; unheard, it would end the process. The pool
    // replaces the connection; the next query reports any lasting failure.
    pool.on("error", (error: Error) => options.onIdleError?.(error));
    const store = new PostgresAlertStore(pool as unknown as Queryable, { ...options, end: () => pool.end() });
    try {
      await store.migrate();
    } catch (error) {
      await pool.end();
      throw error;
    }
    return store;
  }

  /** Runs the migrations not yet applied. Safe to call from several processes at once. */
  async migrate(): Promise<void> {
    // One statement string holds the whole transaction so that a pool runs it on one connection.
    const steps = ALERT_STORE_MIGRATIONS.map(
      (sql, index) => `DO $migration$ BEGIN
         IF NOT EXISTS (SELECT 1 FROM papertrail_migrations WHERE version = ${index + 1}) THEN
           EXECUTE ${dollarQuote(sql)};
           INSERT INTO papertrail_migrations (version) VALUES (${index + 1});
         END IF;
       END $migration$;`,
    );
    await this.db.query(`BEGIN;
      SELECT pg_advisory_xact_lock(${MIGRATION_LOCK});
      CREATE TABLE IF NOT EXISTS papertrail_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now());
      ${steps.join("\n")}
      COMMIT;`);
  }

  async put(alerts: readonly Alert[]): Promise<number> {
    let stored = 0;
    // 500 rows of 14 parameters stay far below PostgreSQL's 65,535.
    for (let start = 0; start < alerts.length; start += 500) {
      const chunk = alerts.slice(start, start + 500);
      const values: unknown[] = [];
      const rows = chunk.map((alert) => {
        const base = values.length;
        values.push(
          alert.id,
          alert.lastTime,
          alert.type === "alert",
          alert.ruleId,
          alert.severity,
          alert.title,
          alert.message,
          alert.user ?? null,
          JSON.stringify(alert.tags),
          JSON.stringify({ count: alert.count, value: alert.value ?? null, suppressed: alert.suppressed, first_time: alert.firstTime, last_time: alert.lastTime, window: alert.window, group: alert.group }),
          alert.system ?? "",
          alert.groupKey,
          JSON.stringify(alert),
        );
        const p = (i: number): string => `$${base + i}`;
        return `(${p(1)}, to_timestamp(${p(2)}::float8 / 1000), ${p(3)}, ${p(4)}, ${p(5)}, ${p(6)}, ${p(7)}, ${p(8)}, ${p(9)}::jsonb, ${p(10)}::jsonb, ${p(11)}, ${p(12)}, ${p(13)}::jsonb)`;
      });
      const result = await this.db.query(
        `INSERT INTO anomaly_events (id, timestamp, is_alert, alert_type, alert_level, alert_title, alert_message, user_id, tags, metrics, system, group_key, alert)
         VALUES ${rows.join(", ")} ON CONFLICT (id) DO NOTHING`,
        values,
      );
      stored += result.rowCount ?? 0;
    }
    return stored;
  }

  async get(id: string): Promise<StoredAlert | undefined> {
    const { rows } = await this.db.query(`SELECT alert, status, ${MS("status_changed_at")} AS changed FROM anomaly_events WHERE id = $1`, [id]);
    return rows[0] === undefined ? undefined : toStored(rows[0]);
  }

  async list(options: AlertListOptions = {}): Promise<AlertPage> {
    const { limit, offset } = normalizeListOptions(options);
    const { where, values } = whereClause(options);
    const { rows } = await this.db.query(
      `SELECT alert, status, ${MS("status_changed_at")} AS changed, count(*) OVER () AS total
       FROM anomaly_events ${where}
       ORDER BY timestamp DESC, id COLLATE "C" ASC LIMIT ${limit} OFFSET ${offset}`,
      values,
    );
    let total = rows.length === 0 ? 0 : Number(rows[0]!.total);
    if (rows.length === 0 && offset > 0) {
      const counted = await this.db.query(`SELECT count(*) AS total FROM anomaly_events ${where}`, values);
      total = Number(counted.rows[0]!.total);
    }
    return { items: rows.map(toStored), total, limit, offset };
  }

  async setStatus(id: string, status: AlertStatus, at?: number): Promise<StoredAlert> {
    checkFilter({ status });
    const when = at ?? this.now();
    if (!Number.isFinite(when)) throw new InvalidArgumentError(`at must be a finite epoch-milliseconds number, got ${String(at)}`);
    // Forward only, checked in the UPDATE itself so two concurrent changes cannot move a status back.
    const rank = "CASE status WHEN 'new' THEN 0 WHEN 'acknowledged' THEN 1 ELSE 2 END";
    const target = ["new", "acknowledged", "resolved"].indexOf(status);
    const { rows } = await this.db.query(
      `UPDATE anomaly_events SET status = $2, status_changed_at = to_timestamp($3::float8 / 1000)
       WHERE id = $1 AND ${rank} < ${target}
       RETURNING alert, status, ${MS("status_changed_at")} AS changed`,
      [id, status, when],
    );
    if (rows[0] !== undefined) return toStored(rows[0]);
    const current = await this.get(id);
    if (current === undefined) throw new AlertStoreError("not-found", `no alert with id ${JSON.stringify(id)}`);
    if (!canMove(current.status, status)) throw new AlertStoreError("invalid-transition", `alert ${JSON.stringify(id)} is ${current.status}; it cannot move back to ${status}`);
    return current;
  }

  async summary(filter: AlertFilter = {}): Promise<AlertSummary> {
    checkFilter(filter);
    const { where, values } = whereClause(filter);
    const { rows } = await this.db.query(
      `SELECT alert_type, min(alert_title) AS title, status, alert_level, count(*) AS n, sum((metrics->>'suppressed')::float8) AS suppressed
       FROM anomaly_events ${where} GROUP BY alert_type, status, alert_level`,
      values,
    );
    const byStatus: Record<AlertStatus, number> = { new: 0, acknowledged: 0, resolved: 0 };
    const bySeverity = severityCounts();
    const rules = new Map<string, { ruleId: string; title: string; count: number }>();
    let total = 0;
    let suppressed = 0;
    for (const row of rows) {
      const n = Number(row.n);
      total += n;
      suppressed += Number(row.suppressed);
      byStatus[row.status as AlertStatus] += n;
      bySeverity[row.alert_level as Severity] += n;
      const ruleId = String(row.alert_type);
      const rule = rules.get(ruleId);
      if (rule === undefined) rules.set(ruleId, { ruleId, title: String(row.title), count: n });
      else rule.count += n;
    }
    const byRule = [...rules.values()].sort((a, b) => b.count - a.count || (a.ruleId < b.ruleId ? -1 : 1));
    return { total, byStatus, bySeverity, byRule, suppressed };
  }

  async timeline(options: TimelineOptions): Promise<TimelinePoint[]> {
    const { step, starts } = timelineBuckets(options);
    const first = starts[0]!;
    const { where, values } = whereClause(options);
    const bucket = `floor((${MS("timestamp")} - ${first}) / ${step})`;
    const { rows } = await this.db.query(`SELECT ${bucket} AS bucket, alert_level, count(*) AS n FROM anomaly_events ${where} GROUP BY 1, 2`, values);
    const points = starts.map((time) => ({ time, count: 0, bySeverity: severityCounts() }));
    for (const row of rows) {
      const point = points[Number(row.bucket)];
      if (point === undefined) continue;
      const n = Number(row.n);
      point.count += n;
      point.bySeverity[row.alert_level as Severity] += n;
    }
    return points;
  }

  async systems(filter: AlertFilter = {}): Promise<SystemAlertSummary[]> {
    checkFilter(filter);
    const { where, values } = whereClause(filter);
    const { rows } = await this.db.query(
      `SELECT system, alert_level, count(*) AS n, count(*) FILTER (WHERE status <> 'resolved') AS open, max(${MS("timestamp")}) AS last
       FROM anomaly_events ${where} GROUP BY system, alert_level`,
      values,
    );
    const systems = new Map<string, { system: string; total: number; open: number; bySeverity: Record<Severity, number>; lastTime: number }>();
    for (const row of rows) {
      const name = String(row.system);
      let entry = systems.get(name);
      if (entry === undefined) {
        entry = { system: name, total: 0, open: 0, bySeverity: severityCounts(), lastTime: -Infinity };
        systems.set(name, entry);
      }
      const n = Number(row.n);
      entry.total += n;
      entry.open += Number(row.open);
      entry.bySeverity[row.alert_level as Severity] += n;
      entry.lastTime = Math.max(entry.lastTime, Math.round(Number(row.last)));
    }
    return [...systems.values()].sort((a, b) => b.total - a.total || (a.system < b.system ? -1 : 1));
  }

  async close(): Promise<void> {
    await this.end?.();
  }
}

function dollarQuote(sql: string): string {
  if (sql.includes("$body$")) throw new InvalidArgumentError("a migration may not contain $body$");
  return `$body$${sql}$body$`;
}

function whereClause(filter: AlertFilter): { where: string; values: unknown[] } {
  const conditions: string[] = [];
  const values: unknown[] = [];
  const add = (sql: (placeholder: string) => string, value: unknown): void => {
    values.push(value);
    conditions.push(sql(`$${values.length}`));
  };
  const statuses = asList(filter.status);
  if (statuses.length > 0) add((p) => `status = ANY(${p}::text[])`, statuses);
  const severities = asList(filter.severity);
  if (severities.length > 0) add((p) => `alert_level = ANY(${p}::text[])`, severities);
  if (filter.ruleId !== undefined) add((p) => `alert_type = ${p}`, filter.ruleId);
  if (filter.system !== undefined) add((p) => `system = ${p}`, filter.system);
  if (filter.user !== undefined) add((p) => `user_id = ${p}`, filter.user);
  if (filter.type !== undefined) add((p) => `is_alert = ${p}`, filter.type === "alert");
  if (filter.from !== undefined) add((p) => `timestamp >= to_timestamp(${p}::float8 / 1000)`, filter.from);
  if (filter.to !== undefined) add((p) => `timestamp < to_timestamp(${p}::float8 / 1000)`, filter.to);
  return { where: conditions.length === 0 ? "" : `WHERE ${conditions.join(" AND ")}`, values };
}

// JSON drops `undefined`; the stored alert gets its optional fields back so
// both backends return objects of one shape.
function toStored(row: Record<string, unknown>): StoredAlert {
  const alert = row.alert as Alert;
  const changed = row.changed;
  return {
    ...alert,
    system: alert.system ?? undefined,
    user: alert.user ?? undefined,
    value: alert.value ?? undefined,
    status: row.status as AlertStatus,
    statusChangedAt: changed === null || changed === undefined ? undefined : Math.round(Number(changed)),
  };
}
