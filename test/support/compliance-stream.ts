// Seeded synthetic compliance streams for the rule tests: a clean stream
// (logins, logs, metrics, transactions of ordinary users and systems) on
// which no ready rule should fire, and one attack per ready rule.
import type { ComplianceEvent } from "../../src/compliance/index.js";
import { uniform } from "./random.js";

export const T0 = Date.UTC(2026, 0, 5, 9);

/** A full event (every field present) from the fields given. */
export function makeEvent(fields: Partial<ComplianceEvent> & { time: number }): ComplianceEvent {
  return {
    kind: "log",
    user: undefined,
    system: undefined,
    ip: undefined,
    session: undefined,
    status: undefined,
    outcome: undefined,
    level: undefined,
    message: undefined,
    value: undefined,
    metrics: undefined,
    id: undefined,
    raw: {},
    ...fields,
  };
}

const SYSTEMS = ["api", "db", "auth", "billing", "web"];
const MESSAGES = ["request served", "cache refreshed", "job done", "connection reset by peer", "slow query"];

/**
 * `hours` of ordinary traffic: 200 users each on a fixed IP (plus a second
 * one for a few), logins (2 % failing), logs (1 % ERROR, no alert
 * keywords), a metric sample per system every 10 s (cpu 20..60, latency
 * 50..200 ms), transactions up to 5,000.
 */
export function cleanStream(seed: number, hours = 2, perMinute = 150): ComplianceEvent[] {
  const random = uniform(seed);
  const events: ComplianceEvent[] = [];
  const end = T0 + hours * 3_600_000;
  const step = 60_000 / perMinute;
  let n = 0;
  for (let time = T0; time < end; time += step * (0.5 + random())) {
    n++;
    const u = Math.floor(random() * 200);
    const user = `user${u}`;
    const ip = u % 17 === 0 && random() < 0.5 ? `10.1.${u}.2` : `10.0.${u >> 8}.${u & 255}`;
    const system = SYSTEMS[Math.floor(random() * SYSTEMS.length)] as string;
    const r = random();
    const t = Math.round(time);
    if (r < 0.4) {
      const failed = random() < 0.02;
      events.push(makeEvent({ kind: "login", time: t, user, ip, system: "auth", status: failed ? "failed" : "ok", outcome: failed ? "failure" : "success", id: `e${n}` }));
    } else if (r < 0.8) {
      const level = random() < 0.01 ? "ERROR" : "INFO";
      events.push(makeEvent({ kind: "log", time: t, user, system, level, message: MESSAGES[Math.floor(random() * MESSAGES.length)], id: `e${n}` }));
    } else {
      events.push(makeEvent({ kind: "transaction", time: t, user, ip, system: "billing", value: Math.round(random() * 5000), id: `e${n}` }));
    }
  }
  for (let time = T0; time < end; time += 10_000) {
    for (const system of SYSTEMS) {
      const cpu = 20 + random() * 40;
      const latency = 50 + random() * 150;
      events.push(makeEvent({ kind: "metric", time: time + 1, system, value: latency, metrics: { cpu, latency_ms: latency } }));
    }
  }
  return events.sort((a, b) => a.time - b.time);
}

/** One attack per ready rule id, starting at `at`. */
export function attack(ruleId: string, at: number): ComplianceEvent[] {
  const out: ComplianceEvent[] = [];
  const range = (count: number, every: number, make: (time: number, i: number) => ComplianceEvent): void => {
    for (let i = 0; i < count; i++) out.push(make(at + i * every, i));
  };
  switch (ruleId) {
    case "brute-force":
      range(8, 10_000, (time) => makeEvent({ kind: "login", time, user: "bob", ip: "203.0.113.7", system: "auth", status: "failed", outcome: "failure" }));
      break;
    case "error-spike":
      range(25, 2_000, (time) => makeEvent({ kind: "log", time, system: "api", level: "ERROR", message: "upstream timeout" }));
      break;
    case "keyword":
      out.push(makeEvent({ kind: "log", time: at, system: "auth", level: "WARN", message: "Login FAILED for bob" }));
      break;
    case "user-spike":
      range(150, 200, (time) => makeEvent({ kind: "file_access", time, user: "mallory", system: "fileshare" }));
      break;
    case "transaction-frequency":
      range(12, 20_000, (time) => makeEvent({ kind: "transaction", time, user: "mallory", system: "billing", value: 90 }));
      break;
    case "large-transaction":
      out.push(makeEvent({ kind: "transaction", time: at, user: "mallory", system: "billing", value: 25_000 }));
      break;
    case "high-latency":
      out.push(makeEvent({ kind: "metric", time: at, system: "api", value: 2500, metrics: { cpu: 40, latency_ms: 2500 } }));
      break;
    case "cpu-sustained":
      range(4, 10_000, (time) => makeEvent({ kind: "metric", time, system: "batch", value: 120, metrics: { cpu: 95, latency_ms: 120 } }));
      break;
    case "cpu-latency":
      out.push(makeEvent({ kind: "metric", time: at, system: "web", value: 1800, metrics: { cpu: 92, latency_ms: 1800 } }));
      break;
    case "baseline":
      out.push(makeEvent({ kind: "metric", time: at, system: "db", value: 600, metrics: { cpu: 30, latency_ms: 600 } }));
      break;
    case "password-spray":
      range(15, 20_000, (time, i) => makeEvent({ kind: "login", time, user: `victim${i}`, ip: "198.51.100.66", system: "auth", status: "failed", outcome: "failure" }));
      break;
    case "user-many-ips":
      range(8, 60_000, (time, i) => makeEvent({ kind: "login", time, user: "carol", ip: `192.0.2.${10 + i}`, system: "auth", status: "ok", outcome: "success" }));
      break;
    default:
      throw new Error(`no attack for ${ruleId}`);
  }
  return out;
}

/** `events` and `extra` merged in time order (stable: `events` first on ties). */
export function merged(events: readonly ComplianceEvent[], extra: readonly ComplianceEvent[]): ComplianceEvent[] {
  return [...events, ...extra].sort((a, b) => a.time - b.time);
}
