// normalizeEvent throughput per shipped shape, on seeded synthetic records
// (200,000 per shape, 1 in 50 invalid), and detectShape + normalizeEvent on a
// mixed stream. Figures are measured, never asserted; the machine may be
// shared, so compare rows of one run only.
//
// Run: npx tsup && node bench/events.mjs

import {
  APP_LOG_SHAPE,
  CLOUDTRAIL_SHAPE,
  COMPLIANCE_API_SHAPE,
  detectShape,
  LOG_LINE_SHAPE,
  METRIC_SHAPE,
  normalizeEvent,
  TRANSACTION_SHAPE,
} from "../dist/compliance/index.js";
import { mulberry32 } from "./workloads.mjs";
import { median } from "./stats.mjs";

const next = mulberry32(12);
const pick = (list) => list[next() % list.length];
const users = Array.from({ length: 1000 }, (_, i) => `user-${i}`);
const ips = Array.from({ length: 1000 }, () => `${next() & 255}.${next() & 255}.${next() & 255}.${next() & 255}`);
const systems = ["billing", "prod_db", "auth", "api", "s3"];
const T0 = Date.UTC(2026, 0, 5);
const iso = (i) => new Date(T0 + i * 37).toISOString();

const N = 200_000;
const makers = {
  "compliance-api": [COMPLIANCE_API_SHAPE, (i) => ({ event_type: "login", user_id: pick(users), system: pick(systems), timestamp: i % 2 ? iso(i) : (T0 + i) / 1000, metadata: { ip: i % 50 === 0 ? "10.0.0.256" : pick(ips), status: i % 3 ? "success" : "failed", session_id: `s-${i}` } })],
  cloudtrail: [CLOUDTRAIL_SHAPE, (i) => ({ EventType: "GetObject", EventId: `e-${i}`, RoleId: pick(users), TimestampUTC: iso(i), AffectedAssets: [pick(systems)], Status: i % 50 === 0 ? { bad: 1 } : "Success", SourceIPAddress: pick(ips) })],
  "app-log": [APP_LOG_SHAPE, (i) => ({ level: i % 10 ? "info" : "error", message: "request served", user: pick(users), service: pick(systems), timestamp: i % 50 === 0 ? "yesterday" : T0 + i })],
  metric: [METRIC_SHAPE, (i) => ({ service: pick(systems), cpu: (next() % 1000) / 10, latency_ms: i % 50 === 0 ? "slow" : next() % 2000, timestamp: T0 + i })],
  transaction: [TRANSACTION_SHAPE, (i) => ({ user: pick(users), amount: (next() % 2_000_000) / 100, timestamp: i % 50 === 0 ? undefined : T0 + i })],
  "log-line": [LOG_LINE_SHAPE, (i) => `${i % 50 === 0 ? "sometime" : iso(i)} sshd[${i}]: ${i % 4 ? "INFO" : "WARN"} Failed password for ${pick(users)} from ${pick(ips)} port 22 ssh2`],
};

console.log(`normalizeEvent, ${N.toLocaleString("en")} records per shape (1 in 50 invalid), median of 5 runs:`);
for (const [name, [shape, make]] of Object.entries(makers)) {
  const records = Array.from({ length: N }, (_, i) => make(i));
  const rates = [];
  let accepted = 0;
  for (let run = 0; run < 5; run++) {
    accepted = 0;
    const start = process.hrtime.bigint();
    for (let i = 0; i < N; i++) if (normalizeEvent(records[i], shape).ok) accepted++;
    rates.push(N / (Number(process.hrtime.bigint() - start) / 1e9));
  }
  console.log(`  ${name.padEnd(16)} ${Math.round(median(rates)).toLocaleString("en").padStart(11)} records/s  (${accepted.toLocaleString("en")} accepted)`);
}

const mixed = [];
const names = Object.keys(makers);
for (let i = 0; i < N; i++) mixed.push(makers[names[i % names.length]][1](i));
const rates = [];
for (let run = 0; run < 5; run++) {
  const start = process.hrtime.bigint();
  let accepted = 0;
  for (let i = 0; i < N; i++) {
    const shape = detectShape(mixed[i]);
    if (shape !== undefined && normalizeEvent(mixed[i], shape).ok) accepted++;
  }
  rates.push(N / (Number(process.hrtime.bigint() - start) / 1e9));
}
console.log(`  ${"mixed+detect".padEnd(16)} ${Math.round(median(rates)).toLocaleString("en").padStart(11)} records/s`);
