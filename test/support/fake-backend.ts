// A small exact backend for the HTTP-layer tests: records are
// { user, system, ip, kind, time } objects, counted exactly. The real
// pipeline has its own tests; this one lets the API tests check every route,
// status code and error shape against known answers.
import type { Alert, ComplianceEvent } from "../../src/compliance/index.js";
import { InvalidArgumentError } from "../../src/errors.js";
import type { ComplianceBackend, IngestReport, RejectedRecord } from "../../src/server/backend.js";

interface Row {
  user: string;
  system: string;
  ip: string;
  kind: string;
  time: number;
  id?: string;
}

export function fakeBackend(now: () => number): ComplianceBackend & { rows: Row[] } {
  const rows: Row[] = [];
  const allow = new Set<string>();
  const seen = new Set<string>();
  const covered = { from: 0, to: 1 };
  const windowMs = (w: unknown): number => {
    if (typeof w !== "string") throw new InvalidArgumentError("window");
    const n = Number(w.slice(0, -1));
    return n * { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }[w.slice(-1) as "m"]!;
  };
  const inWindow = (system: string, w: unknown) => rows.filter((r) => r.system === system && r.time >= now() - windowMs(w));
  const checkMetric = (metric: string, known: string[]) => {
    if (!known.includes(metric)) throw new InvalidArgumentError(`unknown metric ${JSON.stringify(metric)}; expected one of ${known.join(", ")}`);
  };
  return {
    rows,
    ingest(records, shape): IngestReport {
      const rejected: RejectedRecord[] = [];
      const alerts: Alert[] = [];
      const events: ComplianceEvent[] = [];
      let accepted = 0;
      let duplicates = 0;
      records.forEach((record, index) => {
        const r = record as Partial<Row>;
        for (const field of ["user", "system", "ip", "kind"] as const) {
          if (typeof r?.[field] !== "string") {
            rejected.push({ index, field, reason: `expected ${field} as a string` });
            return;
          }
        }
        if (typeof r.time !== "number") {
          rejected.push({ index, field: "time", reason: "expected epoch milliseconds" });
          return;
        }
        if (r.id !== undefined) {
          if (seen.has(r.id)) {
            duplicates++;
            return;
          }
          seen.add(r.id);
        }
        rows.push(r as Row);
        accepted++;
        events.push({ kind: r.kind!, time: r.time, user: r.user, system: r.system, ip: r.ip, session: undefined, status: undefined, outcome: undefined, level: undefined, message: undefined, value: undefined, metrics: undefined, id: r.id, raw: record });
        if (r.kind === "attack" && !allow.has(r.ip!)) {
          alerts.push({
            id: `attack:${r.ip}:${r.time}`, type: "alert", ruleId: "attack", title: "Attack", severity: "high", groupKey: r.ip!, group: { ip: r.ip! },
            system: r.system, user: r.user, window: { from: r.time!, to: r.time! + 1 }, count: 1, value: undefined, firstTime: r.time!, lastTime: r.time!,
            suppressed: 0, message: `attack from ${r.ip}`, evidence: [], tags: [],
          });
        }
      });
      void shape;
      return { accepted, duplicates, rejected, alerts, events };
    },
    shapes: () => ["fake"],
    systems: () => [...new Set(rows.map((r) => r.system))].sort(),
    metrics: () => ({ distinct: ["users", "ips"], top: ["users"], frequency: ["kinds"], stats: ["value"] }),
    distinct(metric, system, window) {
      checkMetric(metric, ["users", "ips"]);
      const count = new Set(inWindow(system, window).map((r) => (metric === "users" ? r.user : r.ip))).size;
      return { count, lower: count, upper: count, confidence: 1, covered };
    },
    activity(user, system, window) {
      return { accessed: inWindow(system, window).some((r) => r.user === user), probability: 0, covered };
    },
    top(metric, system, k, window) {
      checkMetric(metric, ["users"]);
      const counts = new Map<string, number>();
      for (const r of inWindow(system, window)) counts.set(r.user, (counts.get(r.user) ?? 0) + 1);
      const items = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, k).map(([item, count]) => ({ item, count, error: 0 }));
      return { items, covered };
    },
    frequency(metric, system, value, window) {
      checkMetric(metric, ["kinds"]);
      const count = inWindow(system, window).filter((r) => r.kind === value).length;
      return { count, lower: count, upper: count, confidence: 1, covered };
    },
    stats(metric, system, window) {
      checkMetric(metric, ["value"]);
      const n = inWindow(system, window).length;
      return { count: n, mean: 0, stddev: 0, min: 0, max: 0, quantiles: {}, covered };
    },
    eventTimeline(from, to) {
      const points = [];
      for (let t = from; t < to; t += 60_000) points.push({ time: t, count: rows.filter((r) => r.time >= t && r.time < t + 60_000).length });
      return points;
    },
    snapshot(period) {
      return { period, generatedAt: now(), pseudonymized: false, systems: [] };
    },
    allowList: {
      entries: () => [...allow].sort(),
      add(entry) {
        if (!/^[0-9.]+(\/\d+)?$/.test(entry)) throw new InvalidArgumentError(`"${entry}" is not an IPv4 or IPv6 address`);
        if (allow.has(entry)) return false;
        allow.add(entry);
        return true;
      },
      remove: (entry) => allow.delete(entry),
    },
    counters: () => ({ events: rows.length }),
  };
}
