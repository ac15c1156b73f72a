import fc from "fast-check";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Alert, Severity } from "../src/compliance/index.js";
import { type AlertStore, AlertStoreError, InvalidArgumentError, MemoryAlertStore, PostgresAlertStore } from "../src/server/index.js";
import { postgresBinDir, type PostgresHandle, startPostgres } from "./support/postgres-server.js";

const SEVERITIES: Severity[] = ["informational", "low", "medium", "high", "critical"];
const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 0, 5);

function alert(id: string, overrides: Partial<Alert> = {}): Alert {
  return {
    id,
    type: "alert",
    ruleId: "brute-force",
    title: "Brute force",
    severity: "high",
    groupKey: "203.0.113.7",
    group: { ip: "203.0.113.7" },
    system: "auth",
    user: undefined,
    window: { from: T0, to: T0 + 300_000 },
    count: 5,
    value: undefined,
    firstTime: T0,
    lastTime: T0 + 60_000,
    suppressed: 0,
    message: "5 failed logins from 203.0.113.7 within 300 s",
    evidence: [],
    tags: ["attack.credential_access"],
    ...overrides,
  };
}

const arbitraryAlert = fc.record({
  id: fc.stringMatching(/^[a-z0-9:-]{1,12}$/),
  type: fc.constantFrom("alert" as const, "summary" as const),
  ruleId: fc.constantFrom("brute-force", "error-spike", "password-spray"),
  severity: fc.constantFrom(...SEVERITIES),
  system: fc.option(fc.constantFrom("auth", "billing", "prod_db"), { nil: undefined }),
  user: fc.option(fc.constantFrom("alice", "bob"), { nil: undefined }),
  lastTime: fc.integer({ min: T0, max: T0 + 6 * HOUR }),
  suppressed: fc.nat(100),
  value: fc.option(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { nil: undefined }),
});

/** Runs the same contract against one backend. */
function contract(name: string, open: () => Promise<AlertStore>): void {
  describe(`${name} alert store`, () => {
    it("keeps a value of -0 as 0, as JSON carries it", async () => {
      const store = await open();
      await store.put([alert("z", { value: -0 }), alert("y", { value: -2.5 })]);
      expect(Object.is((await store.get("z"))?.value, 0)).toBe(true);
      expect((await store.get("y"))?.value).toBe(-2.5);
      await store.close();
    });

    it("stores idempotently by id and keeps the status of a replayed alert", async () => {
      const store = await open();
      expect(await store.put([alert("a"), alert("b", { lastTime: T0 + 120_000 }), alert("a")])).toBe(2);
      await store.setStatus("a", "acknowledged", T0 + HOUR);
      expect(await store.put([alert("a"), alert("c")])).toBe(1);
      const a = await store.get("a");
      expect(a?.status).toBe("acknowledged");
      expect(a?.statusChangedAt).toBe(T0 + HOUR);
      expect(a).toEqual({ ...alert("a"), status: "acknowledged", statusChangedAt: T0 + HOUR });
      expect(await store.get("missing")).toBeUndefined();
      await store.close();
    });

    it("moves statuses forward only, and names the alert when it refuses", async () => {
      const store = await open();
      await store.put([alert("x"), alert("y")]);
      expect((await store.setStatus("x", "acknowledged", 1)).status).toBe("acknowledged");
      expect((await store.setStatus("x", "acknowledged", 2)).statusChangedAt).toBe(1);
      expect((await store.setStatus("x", "resolved", 3)).status).toBe("resolved");
      await expect(store.setStatus("x", "new", 4)).rejects.toThrow(AlertStoreError);
      await expect(store.setStatus("x", "acknowledged", 4)).rejects.toMatchObject({ code: "invalid-transition" });
      expect((await store.setStatus("y", "resolved", 5)).status).toBe("resolved");
      await expect(store.setStatus("nope", "resolved")).rejects.toMatchObject({ code: "not-found", message: expect.stringContaining("nope") });
      await expect(store.setStatus("y", "closed" as "resolved")).rejects.toThrow(InvalidArgumentError);
      await store.close();
    });

    it("lists newest first with filters and pages, and counts them all", async () => {
      const store = await open();
      const alerts = Array.from({ length: 25 }, (_, i) =>
        alert(`id-${String(i).padStart(2, "0")}`, { lastTime: T0 + i * 60_000, severity: SEVERITIES[i % 5]!, system: i % 2 === 0 ? "auth" : "billing" }),
      );
      await store.put(alerts);
      const page = await store.list({ limit: 10, offset: 5 });
      expect(page.total).toBe(25);
      expect(page.items.map((a) => a.id)).toEqual(alerts.slice().reverse().slice(5, 15).map((a) => a.id));
      const high = await store.list({ severity: ["high", "critical"], system: "auth" });
      expect(high.items.every((a) => (a.severity === "high" || a.severity === "critical") && a.system === "auth")).toBe(true);
      expect(high.total).toBe(alerts.filter((a) => (a.severity === "high" || a.severity === "critical") && a.system === "auth").length);
      const range = await store.list({ from: T0 + 5 * 60_000, to: T0 + 10 * 60_000 });
      expect(range.items.map((a) => a.id)).toEqual(["id-09", "id-08", "id-07", "id-06", "id-05"]);
      expect((await store.list({ offset: 100 })).total).toBe(25);
      await expect(store.list({ limit: 0 })).rejects.toThrow(InvalidArgumentError);
      await expect(store.list({ severity: "urgent" as Severity })).rejects.toThrow(/severity/);
      await store.close();
    });

    it("summarizes, draws a zero-filled timeline, and groups by system", async () => {
      const store = await open();
      await store.put([
        alert("1", { lastTime: T0 + 30_000, severity: "high", suppressed: 4312 }),
        alert("2", { lastTime: T0 + 90_000, severity: "low", ruleId: "error-spike", title: "Error spike", system: "billing" }),
        alert("3", { lastTime: T0 + 95_000, severity: "high", system: undefined }),
      ]);
      await store.setStatus("3", "resolved", T0 + HOUR);
      const summary = await store.summary();
      expect(summary).toEqual({
        total: 3,
        byStatus: { new: 2, acknowledged: 0, resolved: 1 },
        bySeverity: { informational: 0, low: 1, medium: 0, high: 2, critical: 0 },
        byRule: [
          { ruleId: "brute-force", title: "Brute force", count: 2 },
          { ruleId: "error-spike", title: "Error spike", count: 1 },
        ],
        suppressed: 4312,
      });
      const timeline = await store.timeline({ granularity: "minute", from: T0, to: T0 + 3 * 60_000 });
      expect(timeline.map((p) => [p.time - T0, p.count, p.bySeverity.high])).toEqual([
        [0, 1, 1],
        [60_000, 2, 1],
        [120_000, 0, 0],
      ]);
      expect(await store.systems()).toEqual([
        { system: "", total: 1, open: 0, bySeverity: { informational: 0, low: 0, medium: 0, high: 1, critical: 0 }, lastTime: T0 + 95_000 },
        { system: "auth", total: 1, open: 1, bySeverity: { informational: 0, low: 0, medium: 0, high: 1, critical: 0 }, lastTime: T0 + 30_000 },
        { system: "billing", total: 1, open: 1, bySeverity: { informational: 0, low: 1, medium: 0, high: 0, critical: 0 }, lastTime: T0 + 90_000 },
      ]);
      await expect(store.timeline({ granularity: "minute", from: 0, to: 1e12 })).rejects.toThrow(/at most 10000 buckets/);
      await store.close();
    });
  });
}

contract("memory", () => Promise.resolve(new MemoryAlertStore()));

const binDir = postgresBinDir();
if (binDir === undefined) {
  // CI installs PostgreSQL, so there a missing binary is an error, not a skip.
  if (process.env.CI === "true") throw new Error("initdb/pg_ctl not found, but CI must run the PostgreSQL alert store tests");
  describe("PostgreSQL alert store", () => {
    it.skip("skipped: initdb and pg_ctl not found (install the Debian package postgresql)", () => undefined);
  });
} else {
  let server: PostgresHandle;
  let database = 0;
  const pools: pg.Pool[] = [];
  beforeAll(async () => {
    server = await startPostgres(binDir);
  }, 120_000);
  afterAll(async () => {
    await Promise.all(pools.map((pool) => pool.end()));
    await server?.stop();
  }, 60_000);

  /** A fresh database per store, so the contract tests start empty. */
  async function freshDatabase(): Promise<string> {
    const admin = new pg.Client({ connectionString: server.url });
    await admin.connect();
    const name = `store_${++database}`;
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    return server.url.replace(/\/postgres$/, `/${name}`);
  }

  contract("PostgreSQL", async () => PostgresAlertStore.connect(await freshDatabase()));

  describe("PostgreSQL alert store, against the memory store", () => {
    it("answers every query as the memory store does, over random alerts and status changes", async () => {
      const url = await freshDatabase();
      const pool = new pg.Pool({ connectionString: url, max: 4 });
      pool.on("error", () => undefined); // idle connections end when the server stops
      pools.push(pool);
      const store = new PostgresAlertStore(pool);
      await store.migrate();
      await store.migrate(); // idempotent
      await Promise.all([store.migrate(), new PostgresAlertStore(pool).migrate()]); // concurrent
      await fc.assert(
        fc.asyncProperty(
          fc.uniqueArray(arbitraryAlert, { selector: (a) => a.id, maxLength: 40 }),
          fc.array(fc.tuple(fc.nat(), fc.constantFrom("acknowledged" as const, "resolved" as const)), { maxLength: 20 }),
          fc.record({ system: fc.option(fc.constantFrom("auth", "billing", ""), { nil: undefined }), severity: fc.option(fc.constantFrom(...SEVERITIES), { nil: undefined }) }),
          async (drafts, changes, filter) => {
            await pool.query("TRUNCATE anomaly_events");
            const memory = new MemoryAlertStore();
            const alerts = drafts.map((d) => alert(d.id, d));
            expect(await store.put(alerts)).toBe(await memory.put(alerts));
            for (const [index, status] of changes) {
              if (alerts.length === 0) break;
              const id = alerts[index % alerts.length]!.id;
              const results = await Promise.allSettled([memory.setStatus(id, status, 7), store.setStatus(id, status, 7)]);
              expect(results[1].status).toBe(results[0].status);
            }
            const cleanFilter = Object.fromEntries(Object.entries(filter).filter(([, v]) => v !== undefined));
            expect(await store.list({ ...cleanFilter, limit: 1000 })).toEqual(await memory.list({ ...cleanFilter, limit: 1000 }));
            expect(await store.summary(cleanFilter)).toEqual(await memory.summary(cleanFilter));
            expect(await store.systems(cleanFilter)).toEqual(await memory.systems(cleanFilter));
            const timeline = { ...cleanFilter, granularity: "hour" as const, from: T0 - HOUR, to: T0 + 8 * HOUR };
            expect(await store.timeline(timeline)).toEqual(await memory.timeline(timeline));
          },
        ),
        { numRuns: 40 },
      );
    }, 120_000);

    it("creates the anomaly_events table with its columns and indexes", async () => {
      const url = await freshDatabase();
      const store = await PostgresAlertStore.connect(url);
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      const columns = await client.query("SELECT column_name FROM information_schema.columns WHERE table_name = 'anomaly_events'");
      expect(columns.rows.map((r: { column_name: string }) => r.column_name)).toEqual(
        expect.arrayContaining(["id", "timestamp", "is_alert", "alert_type", "alert_level", "alert_title", "alert_message", "user_id", "tags", "metrics"]),
      );
      const indexes = await client.query("SELECT indexname FROM pg_indexes WHERE tablename = 'anomaly_events'");
      expect(indexes.rows.length).toBeGreaterThanOrEqual(6);
      await client.end();
      await store.close();
    });
  });
}
