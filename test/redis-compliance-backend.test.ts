// createRedisComplianceBackend against a real redis-server started here: the
// same records give the embedded backend's answers (top lists, frequencies,
// distinct counts, activity, per-minute counts, rejections); two backends on
// one Redis share their state and their dedup; rejected records count
// nowhere; the HTTP API serves it.
import { describe, expect, it } from "vitest";
import type { ComplianceEvent } from "../src/compliance/index.js";
import { RedisSketchStore } from "../src/redis/index.js";
import { createComplianceApp, createComplianceBackend, createRedisComplianceBackend, InvalidArgumentError, type RedisComplianceBackend } from "../src/server/index.js";
import { mulberry32 } from "./support/random.js";
import { redisForSuite, redisServerPath } from "./support/redis-server.js";

const binary = redisServerPath();
if (binary === undefined) {
  if (process.env.CI === "true") throw new Error("redis-server not found, but CI must run the Redis compliance backend tests");
  console.warn("SKIPPED: redis-server not found; the Redis compliance backend tests did not run (apt-get install redis-server)");
}

const NOW = Date.UTC(2026, 0, 5, 12, 30);

/** A top list in one order: count descending, then item (TopK orders equal counts by arrival, which differs between the two). */
const ordered = (items: readonly { item: string; count: number; error: number }[]) => [...items].sort((a, b) => b.count - a.count || (a.item < b.item ? -1 : 1));
const SYSTEMS = ["vpn", "prod_db"];
const KINDS = ["login", "file_access", "logout"];

/** Compliance-API records in the 50 minutes before `now`, some with event ids (and repeats of them), some failed logins. */
function records(seed: number, n: number, now: number): Record<string, unknown>[] {
  const random = mulberry32(seed);
  const out: Record<string, unknown>[] = [];
  for (let i = 0; i < n; i++) {
    const r = random();
    const kind = KINDS[r % 3]!;
    const record: Record<string, unknown> = {
      event_type: kind,
      user_id: `user-${(r >>> 3) % 60}`,
      system: SYSTEMS[(r >>> 9) % 2],
      timestamp: new Date(now - 50 * 60_000 + ((r >>> 11) % (50 * 60)) * 1000).toISOString(),
      metadata: { ip: `10.0.${(r >>> 5) % 4}.${(r >>> 14) % 40}`, status: (r >>> 20) % 5 === 0 ? "failed" : "success", session_id: `s-${(r >>> 17) % 90}` },
    };
    if ((r >>> 24) % 4 === 0) record.event_id = `evt-${seed}-${i}`;
    out.push(record);
    // Every fifth record with an id is sent twice (a retry, a second collector): the same event.
    if ((r >>> 24) % 4 === 0 && i % 5 === 0) out.push(structuredClone(record));
  }
  // In time order: the embedded monitor refuses events more than 5 minutes behind the latest
  // (the Redis backend has no such limit), and the comparisons need both to take every event.
  return out.sort((a, b) => (String(a.timestamp) < String(b.timestamp) ? -1 : 1));
}

const invalid: unknown[] = [
  { hello: "world" },
  { event_type: "login", user_id: "mallory", system: "vpn", timestamp: "not a time", metadata: { ip: "10.9.9.9", status: "success" } },
  { event_type: "login", user_id: "mallory", system: "vpn", timestamp: new Date(NOW + 3 * 3_600_000).toISOString(), metadata: { ip: "10.9.9.9", status: "success" } },
];

describe.skipIf(binary === undefined)("createRedisComplianceBackend against a real redis-server", () => {
  const redis = redisForSuite(binary as string);
  let prefixes = 0;

  /** A backend on its own two connections; backends made with one prefix share a state. */
  async function backendOn(prefix: string, now: () => number = () => NOW): Promise<RedisComplianceBackend> {
    const client = await redis.connect();
    const store = new RedisSketchStore(await redis.connect(), { prefix });
    return createRedisComplianceBackend({ client, store, identities: "plain", now });
  }
  const freshPrefix = () => `t${prefixes++}`;

  it("answers as the embedded backend for the same records (top, frequency, distinct, activity, timeline, rejections)", async () => {
    const embedded = createComplianceBackend({ monitor: { identities: "plain" }, dedup: { exact: true }, now: () => NOW });
    const backend = await backendOn(freshPrefix());
    const input = [...records(1, 400, NOW), ...invalid];
    const accepted: ComplianceEvent[] = [];
    for (let i = 0; i < input.length; i += 97) {
      const chunk = input.slice(i, i + 97);
      const a = embedded.ingest(chunk);
      const b = await backend.ingest(chunk);
      expect([b.accepted, b.duplicates]).toEqual([a.accepted, a.duplicates]);
      // Same records, fields and normalization reasons; a refused time is worded for the store.
      expect(b.rejected.map((r) => [r.index, r.field])).toEqual(a.rejected.map((r) => [r.index, r.field]));
      expect(b.rejected.filter((r) => !r.reason.startsWith("event time"))).toEqual(a.rejected.filter((r) => !r.reason.startsWith("event time")));
      expect(b.events).toEqual(a.events);
      accepted.push(...b.events);
      expect(b.alerts.map((alert) => alert.ruleId)).toEqual(a.alerts.map((alert) => alert.ruleId));
    }
    expect((await backend.counters()).duplicates).toBeGreaterThan(0);
    expect(await backend.systems()).toEqual(embedded.systems());
    expect(backend.metrics()).toEqual(embedded.metrics());
    for (const system of SYSTEMS) {
      for (const window of ["1h", "24h"]) {
        for (const metric of ["topUsers", "failedLoginIps"]) {
          // Every item (fewer than the capacity of 100): exact counts, so the lists agree.
          const [a, b] = [embedded.top(metric, system, 100, window), await backend.top(metric, system, 100, window)];
          expect(b.items.length).toBeGreaterThan(0);
          expect(ordered(b.items)).toEqual(ordered(a.items));
          expect(b.covered).toEqual(a.covered);
        }
        for (const kind of [...KINDS, "never-seen"]) {
          const [a, b] = [embedded.frequency("kinds", system, kind, window), await backend.frequency("kinds", system, kind, window)];
          expect(b.count).toBe(a.count);
        }
        // Distinct counts: the two HyperLogLogs differ (precision 12 in memory, Redis's 14), so
        // each is held to the exact count of the accepted events (2 %; at this size both are far
        // closer: linear counting). The 95 % bounds are not checked against the truth: over 24
        // answers one miss is expected.
        for (const [metric, field] of [["users", "user"], ["ips", "ip"], ["sessions", "session"]] as const) {
          const truth = new Set(accepted.filter((e) => e.system === system).map((e) => e[field])).size;
          const [a, b] = [embedded.distinct(metric, system, window), await backend.distinct(metric, system, window)];
          expect(truth).toBeGreaterThan(20);
          for (const answer of [a, b]) {
            expect(answer.lower).toBeLessThanOrEqual(answer.count);
            expect(answer.upper).toBeGreaterThanOrEqual(answer.count);
            expect(Math.abs(answer.count - truth)).toBeLessThanOrEqual(0.02 * truth);
          }
          expect(b.confidence).toBe(a.confidence);
          expect(b.covered).toEqual(a.covered);
        }
        expect((await backend.activity("user-7", system, window)).accessed).toBe(embedded.activity("user-7", system, window).accessed);
        expect((await backend.activity("nobody", system, window)).accessed).toBe(false);
      }
    }
    const to = NOW + 60_000;
    expect(await backend.eventTimeline(to - 90 * 60_000, to)).toEqual(embedded.eventTimeline(to - 90 * 60_000, to));
    const snapshot = await backend.snapshot({ from: NOW - 3_600_000, to: NOW });
    const expected = embedded.snapshot({ from: NOW - 3_600_000, to: NOW });
    expect(snapshot.systems.map((s) => [s.system, s.events, s.frequencies, ordered(s.top.topUsers!)])).toEqual(expected.systems.map((s) => [s.system, s.events, s.frequencies, ordered(s.top.topUsers!)]));
  });

  it("shares state between two backends on one Redis, and drops duplicates across them", async () => {
    const prefix = freshPrefix();
    const [first, second] = [await backendOn(prefix), await backendOn(prefix)];
    const embedded = createComplianceBackend({ monitor: { identities: "plain" }, dedup: { exact: true }, now: () => NOW });
    const input = records(2, 300, NOW);
    embedded.ingest(input);
    await first.ingest(input.slice(0, 150));
    await second.ingest(input.slice(150));
    for (const backend of [first, second]) {
      expect(await backend.systems()).toEqual(["prod_db", "vpn"]);
      expect(ordered((await backend.top("topUsers", "vpn", 100, "1h")).items)).toEqual(ordered(embedded.top("topUsers", "vpn", 100, "1h").items));
      expect(Math.round((await backend.distinct("users", "prod_db", "1h")).count)).toBe(Math.round(embedded.distinct("users", "prod_db", "1h").count));
    }
    // One event with an id, sent to both servers: counted once.
    const event = { event_type: "logout", user_id: "zoe", system: "hr", timestamp: new Date(NOW - 1000).toISOString(), event_id: "once", metadata: { ip: "10.1.1.1", status: "success" } };
    expect(await first.ingest([event])).toMatchObject({ accepted: 1, duplicates: 0 });
    expect(await second.ingest([event])).toMatchObject({ accepted: 0, duplicates: 1 });
    expect(await first.ingest([event, event])).toMatchObject({ accepted: 0, duplicates: 2 });
    expect((await second.frequency("kinds", "hr", "logout", "1h")).count).toBe(1);
    expect((await first.counters()).duplicates).toBe((await second.counters()).duplicates);
  });

  it("counts rejected records nowhere, and refuses windows longer than the store keeps", async () => {
    const backend = await backendOn(freshPrefix());
    const report = await backend.ingest(invalid);
    expect(report.accepted).toBe(0);
    expect(report.rejected.map((r) => r.field)).toEqual(["record", "time", "time"]);
    expect(await backend.systems()).toEqual([]);
    expect((await backend.distinct("users", "vpn", "24h")).count).toBe(0);
    expect((await backend.activity("mallory", "vpn", "24h")).accessed).toBe(false);
    expect(await backend.counters()).toMatchObject({ records: 3, accepted: 0, rejected: 3, systems: 0 });
    await expect(backend.distinct("users", "vpn", "8d")).rejects.toThrow(InvalidArgumentError);
    await expect(backend.distinct("nope", "vpn", "1h")).rejects.toThrow(/unknown distinct metric "nope"/);
  });

  it("answers stats as the embedded backend (count, mean, min, max exactly; quantiles from equal t-digests)", async () => {
    const embedded = createComplianceBackend({ monitor: { identities: "plain" }, now: () => NOW });
    const backend = await backendOn(freshPrefix());
    const random = mulberry32(4);
    const metrics = Array.from({ length: 300 }, (_, i) => ({ service: "api", cpu: random() % 100, latency_ms: 5 + (random() % 2000), timestamp: NOW - 40 * 60_000 + i * 5000 }));
    embedded.ingest(metrics);
    expect((await backend.ingest(metrics)).accepted).toBe(300);
    const [a, b] = [embedded.stats("values", "api", "1h"), await backend.stats("values", "api", "1h")];
    expect([b.count, b.min, b.max]).toEqual([a.count, a.min, a.max]);
    expect(b.mean).toBeCloseTo(a.mean, 9);
    expect(b.stddev).toBeCloseTo(a.stddev, 9);
    expect(b.quantiles).toEqual(a.quantiles);
    expect((await backend.stats("values", "nowhere", "1h")).count).toBe(0);
  });

  it("evaluates the rules locally: a brute force alerts, and this process's allow-list silences it", async () => {
    const backend = await backendOn(freshPrefix());
    const failed = (i: number, ip: string) => ({ event_type: "login", user_id: `u${i}`, system: "vpn", timestamp: new Date(NOW - 60_000 + i * 1000).toISOString(), metadata: { ip, status: "failed" } });
    const report = await backend.ingest([1, 2, 3, 4, 5].map((i) => failed(i, "203.0.113.9")));
    expect(report.alerts.map((a) => a.ruleId)).toEqual(["brute-force"]);
    expect(backend.allowList.add("198.51.100.0/24")).toBe(true);
    expect((await backend.ingest([1, 2, 3, 4, 5].map((i) => failed(i + 10, "198.51.100.7")))).alerts).toEqual([]);
    expect(ordered((await backend.top("failedLoginIps", "vpn", 5, "1h")).items).map((e) => [e.item, e.count])).toEqual([
      ["198.51.100.7", 5],
      ["203.0.113.9", 5],
    ]);
    expect((await backend.counters()).alerts).toBe(1);
  });

  it("serves the HTTP API: events in, distinct and top out", async () => {
    const backend = await backendOn(freshPrefix(), Date.now);
    const app = await createComplianceApp({ backend, rateLimit: false, dashboard: false });
    const { url } = await app.listen(0);
    try {
      const input = records(3, 200, Date.now());
      const posted = await fetch(`${url}/api/v1/events`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify([...input, { hello: 1 }]) });
      expect(posted.status).toBe(200);
      const body = (await posted.json()) as { accepted: number; duplicates: number; rejected: number };
      expect(body.accepted + body.duplicates).toBe(input.length);
      expect(body.duplicates).toBeGreaterThan(0);
      expect(body.rejected).toBe(1);
      const users = new Set(input.filter((r) => r.system === "vpn").map((r) => r.user_id));
      const distinct = (await (await fetch(`${url}/api/v1/compliance/distinct/users?system=vpn&window=1h`)).json()) as { count: number; accuracy: { lower: number; upper: number } };
      expect(Math.abs(distinct.count - users.size)).toBeLessThanOrEqual(1);
      const top = (await (await fetch(`${url}/api/v1/compliance/top/topUsers?system=vpn&k=3&window=1h`)).json()) as { items: { item: string; count: number }[] };
      expect(top.items).toEqual((await backend.top("topUsers", "vpn", 3, "1h")).items.map((e) => ({ ...e })));
      expect(top.items.length).toBe(3);
      const tooLong = await fetch(`${url}/api/v1/compliance/distinct/users?system=vpn&window=8d`);
      expect(tooLong.status).toBe(400);
    } finally {
      await app.close();
    }
  });
});
