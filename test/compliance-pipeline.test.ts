// The compliance module end to end: raw records of every shipped shape (the
// seeded synthetic stream of examples/streams) through extraction, dedup, the
// monitor, the ready rules and the allow-list; Sigma rules in the same
// engine; a snapshot taken mid-stream and restored; allow-list changes taking
// effect mid-stream.
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { ATTACKER_BRUTE_FORCE, ATTACKER_SPRAY, generateStream } from "../examples/streams/synthetic.mjs";
import { type Alert, CompliancePipeline, type CompliancePipelineOptions, loadSigmaRules, readyRules } from "../src/compliance/index.js";

const MINUTES = 40;
const START = Date.UTC(2026, 0, 5, 9);
const NOW = START + MINUTES * 60_000 + 60_000;
const stream = generateStream({ seed: 11, start: START, minutes: MINUTES, loginsPerMinute: 120 });
const options = (extra: Partial<CompliancePipelineOptions> = {}): CompliancePipelineOptions => ({
  monitor: { identities: "plain" },
  dedup: { exact: true },
  now: () => NOW,
  ...extra,
});
const fired = (alerts: readonly Alert[], ruleId: string) => alerts.filter((a) => a.ruleId === ruleId && a.type === "alert");

function run(pipeline: CompliancePipeline, records: readonly unknown[], batch = 1000) {
  const alerts: Alert[] = [];
  let accepted = 0;
  let duplicates = 0;
  let rejected = 0;
  for (let i = 0; i < records.length; i += batch) {
    const report = pipeline.ingest(records.slice(i, i + batch));
    alerts.push(...report.alerts);
    accepted += report.accepted;
    duplicates += report.duplicates;
    rejected += report.rejected.length;
  }
  return { alerts, accepted, duplicates, rejected };
}

describe("CompliancePipeline on the synthetic stream", () => {
  const pipeline = new CompliancePipeline(options());
  const result = run(pipeline, stream.records);
  const { scenario } = stream;

  it("accepts every record but the duplicates, and counts the duplicates exactly", () => {
    expect(result.rejected).toBe(0);
    expect(result.duplicates).toBe(scenario.duplicates);
    expect(result.accepted).toBe(stream.records.length - scenario.duplicates);
    expect(pipeline.totals).toMatchObject({ records: stream.records.length, duplicates: scenario.duplicates });
  });

  it("fires each planted attack's rule on its group, and no brute force or spray elsewhere", () => {
    // The spray is also a brute force (25 failures from one IP in 8 minutes), so both IPs alert; no other IP does.
    const bruteForce = fired(result.alerts, "brute-force").map((a) => a.group.ip);
    expect(bruteForce).toContain(ATTACKER_BRUTE_FORCE);
    expect(new Set(bruteForce)).toEqual(new Set([ATTACKER_BRUTE_FORCE, ATTACKER_SPRAY]));
    expect(fired(result.alerts, "password-spray").map((a) => a.group.ip)).toEqual([ATTACKER_SPRAY]);
    expect(fired(result.alerts, "error-spike").length).toBe(1);
    expect(fired(result.alerts, "large-transaction").map((a) => a.user)).toEqual([scenario.largeTransaction.user]);
    expect(fired(result.alerts, "transaction-frequency").map((a) => a.group.user)).toEqual([scenario.transactionBurst.user]);
    // The incident lasts two minutes: one alert per cooldown, all on its service.
    expect(new Set(fired(result.alerts, "cpu-latency").map((a) => a.system))).toEqual(new Set([scenario.incident.service]));
    expect(new Set(fired(result.alerts, "cpu-sustained").map((a) => a.system))).toEqual(new Set([scenario.incident.service]));
    expect(fired(result.alerts, "high-latency").every((a) => a.system === scenario.incident.service)).toBe(true);
    // Alert ids are deterministic: a second pipeline over the same records emits the same ids.
    const again = run(new CompliancePipeline(options()), stream.records);
    expect(again.alerts.map((a) => a.id)).toEqual(result.alerts.map((a) => a.id));
  });

  it("answers queries against exact counts of the accepted events", () => {
    const logins = new Set<string>();
    const seen = new Set<string>();
    for (const record of stream.records as Record<string, unknown>[]) {
      if (record.system !== "vpn" || typeof record.event_id !== "string" || seen.has(record.event_id)) continue;
      seen.add(record.event_id);
      logins.add(String(record.user_id));
    }
    const distinct = pipeline.monitor.distinct("users", "vpn", { from: START, to: NOW });
    expect(distinct.lower).toBeLessThanOrEqual(logins.size);
    expect(distinct.upper).toBeGreaterThanOrEqual(logins.size);
    expect(pipeline.monitor.activity("admin", "vpn", { from: START, to: NOW }).accessed).toBe(true);
    const failedIps = pipeline.monitor.top("failedLoginIps", "prod_db", 1, { from: START, to: NOW });
    expect(failedIps.entries[0]?.item).toBe(ATTACKER_SPRAY);
  });
});

describe("CompliancePipeline batches", () => {
  it("counts and alerts as one record per ingest call does (the monitor takes a batch in chunks)", () => {
    const records = stream.records;
    const batched = new CompliancePipeline(options());
    const single = new CompliancePipeline(options());
    const a = run(batched, records, 1000);
    const b = run(single, records, 1);
    expect(a.alerts.length).toBeGreaterThan(0);
    expect(a.alerts.map((alert) => alert.id)).toEqual(b.alerts.map((alert) => alert.id));
    expect(a.accepted).toBe(b.accepted);
    expect(a.duplicates).toBe(b.duplicates);
    expect(a.duplicates).toBeGreaterThan(0);
    expect(a.rejected).toBe(b.rejected);
    expect(Buffer.from(batched.toBytes()).equals(Buffer.from(single.toBytes()))).toBe(true);
  });

  it("names the reason of each refusal by the monitor, at the record's index, whatever the batch does after it", () => {
    const pipeline = new CompliancePipeline({ monitor: { identities: "plain", maxSystems: 2 }, now: () => START + 3 * 3_600_000 });
    const login = (time: number, system: string) => ({ event_type: "login", user_id: "alice", system, timestamp: new Date(time).toISOString(), metadata: { ip: "10.0.0.1", status: "ok" } });
    const later = START + 2 * 3_600_000;
    const report = pipeline.ingest([
      login(START, "a"),
      login(START + 30 * 60_000, "c"), // the second system
      login(later, "a"), // moves the watermark two hours on
      login(START, "a"), // two hours behind it: late
      login(START + 6 * 3_600_000, "a"), // three hours after the clock: future
      { user: "bob", amount: 1e61, timestamp: new Date(later).toISOString() }, // beyond the statistics' range: invalid
      { ...login(later, "a"), timestamp: "yesterday" }, // refused by the extraction
      login(later, "b"), // a third system: past maxSystems
      login(later + 60_000, "a"),
    ]);
    expect(report.accepted).toBe(4);
    expect(report.events.map((event) => event.time)).toEqual([START, START + 30 * 60_000, later, later + 60_000]);
    expect(report.rejected.map(({ index, field }) => [index, field])).toEqual([
      [3, "time"],
      [4, "time"],
      [5, "value"],
      [6, "time"],
      [7, "system"],
    ]);
    const reasons = report.rejected.map((rejection) => rejection.reason);
    expect(reasons[0]).toMatch(/too late/);
    expect(reasons[1]).toMatch(/too far in the future/);
    expect(reasons[2]).toMatch(/1e\+61 was refused/);
    expect(reasons[3]).toMatch(/"yesterday"/);
    expect(reasons[4]).toMatch(/system "b" was refused: the monitor holds maxSystems systems/);
    expect(pipeline.monitor.refused).toEqual({ total: 4, late: 1, future: 1, invalid: 1, systemLimit: 1 });
  });
});

describe("CompliancePipeline snapshots", () => {
  it("restored mid-stream, continues exactly as the pipeline that never stopped", () => {
    const half = Math.floor(stream.records.length / 2);
    const whole = new CompliancePipeline(options());
    const first = run(whole, stream.records.slice(0, half));
    const image = whole.toBytes();
    const second = run(whole, stream.records.slice(half));
    const restored = CompliancePipeline.fromBytes(image, options());
    const resumed = run(restored, stream.records.slice(half));
    expect(resumed.alerts.map((a) => a.id)).toEqual(second.alerts.map((a) => a.id));
    expect(resumed.duplicates).toBe(second.duplicates);
    expect(first.alerts.length + second.alerts.length).toBeGreaterThan(5);
    // Every exact figure matches. TopK and TDigest images keep their summaries
    // but not the order of tied counters or the t-digest's unmerged buffer, so
    // after more events their tails may differ, within their bounds.
    const period = { from: START, to: NOW };
    const a = whole.monitor.snapshot(period);
    const b = restored.monitor.snapshot(period);
    expect(b.systems.map((s) => s.system)).toEqual(a.systems.map((s) => s.system));
    a.systems.forEach((sa, i) => {
      const sb = b.systems[i]!;
      expect(sb.distinct).toEqual(sa.distinct);
      expect(sb.frequencies).toEqual(sa.frequencies);
      expect(sb.events).toBe(sa.events);
      for (const [metric, stats] of Object.entries(sa.stats)) {
        const { quantiles, ...rest } = stats;
        const { quantiles: other, ...restB } = sb.stats[metric]!;
        expect(restB).toEqual(rest);
        for (const [q, value] of Object.entries(quantiles)) expect(Math.abs(other[q]! - value), `${sa.system} ${metric} q${q}`).toBeLessThanOrEqual(0.02 * (stats.max - stats.min));
      }
      for (const [metric, entries] of Object.entries(sa.top)) {
        const counts = new Map(sb.top[metric]!.map((e) => [e.item, e]));
        for (const entry of entries.slice(0, 5)) {
          const other = counts.get(entry.item);
          expect(other, `${sa.system} ${metric} ${entry.item}`).toBeDefined();
          expect(Math.abs(other!.count - entry.count)).toBeLessThanOrEqual(Math.max(entry.error, other!.error));
        }
      }
    });
  });

  it("carries the allow-list and refuses an image for other options", () => {
    const pipeline = new CompliancePipeline(options({ allowList: ["192.0.2.0/24"] }));
    const image = pipeline.toBytes();
    expect(CompliancePipeline.fromBytes(image, options()).allowList.entries()).toEqual(["192.0.2.0/24"]);
    expect(() => CompliancePipeline.fromBytes(image, options({ dedup: undefined }))).toThrow(/dedup/);
    expect(() => CompliancePipeline.fromBytes(image, options({ rules: readyRules().slice(1) }))).toThrow();
    expect(() => CompliancePipeline.fromBytes(image.subarray(0, 40), options())).toThrow();
  });
});

describe("allow-list changes mid-stream", () => {
  it("suppresses the brute-force alert while the attacker is allow-listed, and not after removal", () => {
    const pipeline = new CompliancePipeline(options());
    const attackStart = stream.scenario.bruteForce.from;
    const before = stream.records.filter((r) => timeOf(r) < attackStart);
    const during = stream.records.filter((r) => timeOf(r) >= attackStart && timeOf(r) < attackStart + 5 * 60_000);
    run(pipeline, before);
    pipeline.allowList.add(ATTACKER_BRUTE_FORCE);
    const whileListed = fired(run(pipeline, during).alerts, "brute-force").map((a) => a.group.ip);
    expect(whileListed).not.toContain(ATTACKER_BRUTE_FORCE);
    expect(whileListed).toContain(ATTACKER_SPRAY); // the other attacker is not allow-listed
    pipeline.allowList.remove(ATTACKER_BRUTE_FORCE);
    const t = attackStart + 6 * 60_000;
    const again = Array.from({ length: 6 }, (_, i) => ({ event_type: "login", user_id: "admin", system: "vpn", timestamp: new Date(t + i * 1000).toISOString(), metadata: { ip: ATTACKER_BRUTE_FORCE, status: "failed" } }));
    expect(fired(pipeline.ingest(again).alerts, "brute-force").map((a) => a.group.ip)).toEqual([ATTACKER_BRUTE_FORCE]);
  });
});

describe("Sigma rules in the pipeline", () => {
  const dir = fileURLToPath(new URL("./fixtures/sigma/ready/", import.meta.url));
  const sources = readdirSync(dir).filter((f) => f.endsWith(".yml")).map((f) => readFileSync(dir + f, "utf8"));

  it("load unchanged and fire on the stream's attacks", () => {
    const rules = loadSigmaRules(sources);
    const pipeline = new CompliancePipeline(options({ rules }));
    const { alerts } = run(pipeline, stream.records);
    const byTitle = new Map<string, Alert[]>();
    for (const alert of alerts.filter((a) => a.type === "alert")) byTitle.set(alert.title, [...(byTitle.get(alert.title) ?? []), alert]);
    const titles = [...byTitle.keys()].join(" | ");
    const groups = (pattern: RegExp) => [...byTitle].filter(([title]) => pattern.test(title)).flatMap(([, list]) => list.map((a) => Object.values(a.group).join(",")));
    expect(groups(/brute/i), titles).toContain(ATTACKER_BRUTE_FORCE);
    expect(groups(/spray/i), titles).toContain(ATTACKER_SPRAY);
    expect(new Set(groups(/brute/i)), titles).toEqual(new Set([ATTACKER_BRUTE_FORCE, ATTACKER_SPRAY]));
    expect([...byTitle.keys()].some((t) => /error/i.test(t)), titles).toBe(true);
    expect([...byTitle.keys()].some((t) => /large transaction/i.test(t)), titles).toBe(true);
  });

  it("correlation rules count events of their referenced rules per group (event_count, value_count, temporal_ordered)", () => {
    const yaml = `
title: Failed login
name: failed_login
id: 11111111-1111-4111-8111-111111111111
logsource: { category: authentication }
detection:
  selection: { EventType: login, Status: failed }
  condition: selection
---
title: Admin access
name: admin_access
logsource: { category: authentication }
detection:
  selection: { System: admin }
  condition: selection
---
title: Many failures from one IP
correlation: { type: event_count, rules: [failed_login], group-by: [SourceIp], timespan: 5m, condition: { gte: 3 } }
level: high
---
title: One IP against many users
correlation: { type: value_count, rules: [failed_login], group-by: [SourceIp], timespan: 10m, condition: { field: User, gt: 2 } }
level: high
---
title: Failures then admin
correlation: { type: temporal_ordered, rules: [failed_login, admin_access], group-by: [User], timespan: 10m }
level: critical
`;
    const rules = loadSigmaRules(yaml);
    expect(rules.map((r) => r.type).sort()).toEqual(["count", "distinct", "sequence"]);
    const pipeline = new CompliancePipeline(options({ rules, dedup: undefined }));
    const at = (s: number) => new Date(START + s * 1000).toISOString();
    const login = (s: number, user: string, ip: string, status: string, system = "vpn") => ({ event_type: "login", user_id: user, system, timestamp: at(s), metadata: { ip, status } });
    const report = pipeline.ingest([
      login(0, "ann", "198.51.100.1", "failed"),
      login(10, "bob", "198.51.100.1", "failed"),
      login(20, "cid", "198.51.100.1", "failed"),
      login(30, "ann", "198.51.100.2", "success"),
      login(40, "dan", "198.51.100.3", "failed"),
      login(50, "dan", "198.51.100.3", "success", "admin"),
    ]);
    const titles = report.alerts.filter((a) => a.type === "alert").map((a) => `${a.title}: ${Object.values(a.group).join(",")}`);
    expect(titles.sort()).toEqual(["Failures then admin: dan", "Many failures from one IP: 198.51.100.1", "One IP against many users: 198.51.100.1"]);
  });
});

function timeOf(record: unknown): number {
  const r = record as { timestamp?: string | number; TimestampUTC?: string };
  return typeof r.timestamp === "number" ? r.timestamp : Date.parse(String(r.timestamp ?? r.TimestampUTC));
}
