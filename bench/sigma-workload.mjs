// The workload of bench/sigma.mjs, shared with bench/rules-instructions.mjs:
// 50 Sigma rules (38 detections alerting alone, 12 correlations over 11 more
// detections) as YAML sources, and the seeded synthetic stream they run on.
import { mulberry32, zipfSampler } from "./workloads.mjs";

// ---- 50 rules: 38 detections alerting alone + 12 correlations (over 11 more detections that only feed them) ----

const detections = [];
const keywords = ["failed", "unauthorized", "exception", "denied", "timeout", "refused", "panic", "segfault"];
for (let i = 0; i < 8; i++) {
  detections.push(`title: Keyword ${keywords[i]}\nid: kw-${i}\nlevel: low\ndetection:\n  keywords:\n    - ${keywords[i]}\n    - ${keywords[(i + 3) % 8]} at\n  condition: keywords\n`);
}
for (let i = 0; i < 10; i++) {
  detections.push(`title: Service error ${i}\nid: svc-err-${i}\ndetection:\n  selection:\n    Level: ERROR\n    service|startswith: svc-${i}\n  filter:\n    Message|contains: healthcheck\n  condition: selection and not filter\n`);
}
for (let i = 0; i < 6; i++) {
  detections.push(`title: Admin path ${i}\nid: admin-${i}\nlevel: medium\ndetection:\n  selection:\n    EventType: file_access\n    path|endswith:\n      - '/admin/${i}.cfg'\n      - '/etc/shadow${i}'\n    user.name|re: '^(root|admin)[0-9]*$'\n  condition: selection\n`);
}
for (let i = 0; i < 6; i++) {
  detections.push(`title: Internal range ${i}\nid: cidr-${i}\ndetection:\n  login:\n    EventType: login\n  net:\n    SourceIp|cidr:\n      - 10.${i}.0.0/16\n      - 192.168.${i}.0/24\n  condition: login and net\n`);
}
for (let i = 0; i < 2; i++) {
  detections.push(`title: Big amount ${i}\nid: amount-${i}\nlevel: high\ndetection:\n  selection:\n    EventType: transaction\n    amount|gt: ${10000 * (i + 1)}\n  condition: selection\n`);
}
for (let i = 0; i < 5; i++) detections.push(`title: Status ${i}\nid: status-${i}\ndetection:\n  sel_a:\n    metadata.status: [failed, denied]\n    system: [vpn, billing, hr]\n  sel_b:\n    RoleId|startswith: 'user-${i}'\n    Status: forbidden\n  condition: 1 of sel_*\n`);
detections.push(`title: Hot and slow\nid: hot-slow\ndetection:\n  selection_cpu:\n    cpu|gte: 80\n  selection_latency:\n    latency_ms|gt: 1000\n  condition: all of selection_*\n`);
// Detections referenced by the correlations (not alerting alone).
const bases = [
  ["failed_login", "EventType: login\n    outcome: failure"],
  ["ok_login", "EventType: login\n    outcome: success"],
  ["error_log", "Level: ERROR"],
  ["transaction", "EventType: transaction"],
  ["any_login", "EventType: login"],
  ["wildcard_user", "user.name: 'user-1?'"],
  ["metric", "EventType: metric\n    cpu|exists: true"],
  ["file_denied", "EventType: file_access\n    Status:\n      - denied\n      - forbidden"],
  ["vpn_login", "EventType: login\n    system: vpn"],
  ["db_query", "EventType: query\n    system|contains: db"],
  ["prod_access", "system|startswith: prod"],
];
for (const [name, body] of bases) detections.push(`title: Base ${name}\nname: ${name}\ndetection:\n  selection:\n    ${body}\n  condition: selection\n`);

const correlations = [
  ["brute-force", "event_count", ["failed_login"], ["SourceIp"], "5m", "gte: 5"],
  ["error-spike", "event_count", ["error_log"], [], "3m", "gte: 20"],
  ["user-spike", "event_count", ["any_login", "file_denied"], ["User"], "1m", "gte: 100"],
  ["tx-frequency", "event_count", ["transaction"], ["User"], "5m", "gte: 10"],
  ["spraying", "value_count", ["failed_login"], ["SourceIp"], "10m", "field: User\n    gt: 10"],
  ["many-ips", "value_count", ["any_login"], ["User"], "1h", "field: SourceIp\n    gt: 5"],
  ["vpn-then-db", "temporal_ordered", ["vpn_login", "db_query"], ["User"], "10m", undefined],
  ["fail-then-ok", "temporal_ordered", ["failed_login", "ok_login"], ["User"], "10m", undefined],
  ["prod-and-denied", "temporal", ["prod_access", "file_denied"], ["User"], "5m", undefined],
  ["wild-users", "event_count", ["wildcard_user"], ["SourceIp"], "1m", "gte: 50"],
  ["hot-metrics", "event_count", ["metric"], ["service"], "1m", "gte: 30"],
  ["denied-files", "value_count", ["file_denied"], ["User"], "10m", "field: path\n    gte: 20"],
];
const correlationDocs = correlations.map(([id, type, rules, groupBy, timespan, condition]) =>
  `title: Correlation ${id}\nid: ${id}\ncorrelation:\n  type: ${type}\n  rules: [${rules.join(", ")}]\n` +
  (groupBy.length > 0 ? `  group-by: [${groupBy.join(", ")}]\n` : "") +
  `  timespan: ${timespan}\n` + (condition === undefined ? "" : `  condition:\n    ${condition}\n`),
);
export const sources = [...detections, ...correlationDocs];

// ---- the stream ----

export function makeStream(count, seed) {
  const next = mulberry32(seed);
  const userRank = zipfSampler(5_000, 1.1);
  const users = Array.from({ length: 5_000 }, (_, i) => `user-${i}`);
  const systems = ["vpn", "prod-api", "prod-db", "billing", "hr", "svc-1", "svc-3", "dev"];
  const messages = ["request ok", "healthcheck ok", "login failed for user", "unauthorized access to /admin", "NullPointerException at Foo.bar", "connection refused at 10.0.0.1", "cache miss", "slow query", "permission denied", "all good"];
  const paths = ["/var/log/x", "/etc/shadow3", "/home/a/b", "/admin/2.cfg", "/srv/app"];
  const events = [];
  const base = Date.UTC(2026, 0, 5);
  for (let i = 0; i < count; i++) {
    const r = next() % 100;
    const user = users[userRank(next)];
    const ip = r < 3 ? "203.0.113.66" : `${10 + (next() % 3) * 91}.${next() & 7}.${next() & 255}.${next() & 255}`;
    const time = base + i * 5;
    const system = systems[next() % systems.length];
    let kind, outcome, status, level, message, value, metrics, raw;
    if (r < 35) {
      kind = "login";
      outcome = r < 3 || next() % 10 === 0 ? "failure" : "success";
      status = outcome === "failure" ? "failed" : "ok";
      raw = { event_type: "login", user_id: user, system, timestamp: time, metadata: { ip, status } };
    } else if (r < 70) {
      kind = "log";
      level = ["INFO", "INFO", "WARN", "ERROR"][next() & 3];
      message = messages[next() % messages.length];
      raw = { level, message, user, service: system, timestamp: time };
    } else if (r < 80) {
      kind = "metric";
      metrics = { cpu: next() % 100, latency_ms: next() % 1500 };
      raw = { service: system, cpu: metrics.cpu, latency_ms: metrics.latency_ms, timestamp: time };
    } else if (r < 90) {
      kind = "transaction";
      value = (next() % 40_000) / (next() % 4 === 0 ? 1 : 10);
      raw = { user, amount: value, timestamp: time };
    } else {
      kind = next() % 3 === 0 ? "query" : "file_access";
      status = ["ok", "denied", "forbidden", "ok"][next() & 3];
      outcome = status === "ok" ? "success" : "failure";
      raw = { EventType: kind, RoleId: user, path: paths[next() % paths.length], Status: status };
    }
    events.push({ kind, time, user, system, ip: kind === "metric" ? undefined : ip, session: undefined, status, outcome, level, message, value, metrics, id: `e${i}`, raw });
  }
  // Strings as a JSON parser hands them over (flat), and every event of one
  // shape with every field present, as the extraction configs build them.
  return JSON.parse(JSON.stringify(events)).map((e) => ({
    kind: e.kind, time: e.time, user: e.user, system: e.system, ip: e.ip, session: undefined, status: e.status, outcome: e.outcome,
    level: e.level, message: e.message, value: e.value, metrics: e.metrics, id: e.id, raw: e.raw,
  }));
}

