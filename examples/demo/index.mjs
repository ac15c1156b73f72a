// The demo: the compliance server on embedded defaults (no external server),
// fed an hour of synthetic events with a brute-force attack, an error spike,
// a password spray and duplicate events in it. Prints the dashboard's address
// and a few queries with their answers, then keeps a trickle of live events
// going until Ctrl-C. `--once` runs the same and exits (CI runs it so).
//
//   npm run demo            (builds, then runs this file)
//   npm run demo -- --once
import { generateStream } from "../streams/synthetic.mjs";
import { startServer } from "../server/start.mjs";

const once = process.argv.includes("--once");
const port = process.env.PORT === undefined ? 5000 : Number(process.env.PORT);
let server;
try {
  server = await startServer({ port, host: process.env.HOST ?? "127.0.0.1", identities: "plain", log: () => undefined });
} catch (error) {
  if (error?.code !== "EADDRINUSE") throw error;
  console.log(`port ${port} is taken; using a free one`);
  server = await startServer({ port: 0, identities: "plain", log: () => undefined });
}
const { url } = server;
const api = async (path, init) => {
  const response = await fetch(`${url}/api/v1${path}`, init);
  const body = await response.json();
  if (!response.ok) throw new Error(`${path}: ${response.status} ${JSON.stringify(body)}`);
  return body;
};

// An hour of events, ending now, posted as NDJSON in batches.
const stream = generateStream({ seed: 2026, minutes: 60, start: Math.floor(Date.now() / 60_000) * 60_000 - 60 * 60_000 });
let accepted = 0;
let duplicates = 0;
let rejected = 0;
const started = performance.now();
for (let i = 0; i < stream.records.length; i += 2000) {
  const body = stream.records.slice(i, i + 2000).map((record) => JSON.stringify(record)).join("\n");
  const answer = await api("/events", { method: "POST", headers: { "content-type": "application/x-ndjson" }, body });
  accepted += answer.accepted;
  duplicates += answer.duplicates;
  rejected += answer.rejected;
}
const seconds = (performance.now() - started) / 1000;

const show = (label, value) => console.log(`  ${label.padEnd(44)} ${value}`);
console.log(`\nPaperTrail demo: ${stream.records.length.toLocaleString("en-US")} events posted in ${seconds.toFixed(1)} s`);
show("accepted / duplicates dropped / rejected", `${accepted} / ${duplicates} / ${rejected}  (planted duplicates: ${stream.scenario.duplicates})`);
const users = await api("/compliance/distinct/users?system=vpn&window=24h");
show("distinct users on vpn, 24h", `${users.count} (between ${Math.floor(users.accuracy.lower)} and ${Math.ceil(users.accuracy.upper)}, ${users.accuracy.confidence * 100} %)`);
const admin = await api("/compliance/activity/check?user_id=admin&system=vpn&window=24h");
show("did admin touch vpn in 24h?", `${admin.accessed} (chance a yes is false: ${admin.probability.toExponential(1)})`);
const failed = await api("/compliance/top/failedLoginIps?system=prod_db&k=3&window=24h");
show("top failed-login IPs on prod_db", failed.items.map((e) => `${e.item} ×${e.count}`).join(", "));
const latency = await api("/compliance/stats/values?system=api&window=24h");
show("api latency (ms): mean, p99", `${latency.mean.toFixed(0)}, ${latency.quantiles["0.99"]?.toFixed(0)}`);
const summary = await api("/alerts/summary");
show("alerts by rule", summary.byRule.map((r) => `${r.ruleId} ${r.count}`).join(", "));

console.log(`\nDashboard: ${url}/`);
console.log("Try:");
console.log(`  curl -s '${url}/api/v1/compliance/distinct/ips?system=prod_db&window=1h'`);
console.log(`  curl -s '${url}/api/v1/alerts?severity=high&limit=5'`);
console.log(`  curl -s -N '${url}/api/v1/stream'`);

const expected = ["brute-force", "password-spray", "error-spike"];
const missing = expected.filter((rule) => !summary.byRule.some((r) => r.ruleId === rule));
if (missing.length > 0 || duplicates !== stream.scenario.duplicates || rejected !== 0) {
  console.error(`\nunexpected: missing alerts ${missing.join(", ") || "none"}, duplicates ${duplicates}/${stream.scenario.duplicates}, rejected ${rejected}`);
  process.exitCode = 1;
}

if (once) {
  await server.app.close();
} else {
  console.log("\nLive events every second; Ctrl-C to stop.");
  let tick = 0;
  const timer = setInterval(async () => {
    const live = generateStream({ seed: 9000 + tick++, minutes: 1, loginsPerMinute: 20, start: Date.now() - 60_000, duplicateRate: 0 }).records.filter((r) => !String(r.metadata?.ip ?? "").startsWith("203.0.113") && !String(r.metadata?.ip ?? "").startsWith("198.51.100"));
    await api("/events", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(live.slice(0, 40)) }).catch(() => undefined);
  }, 1000);
  process.once("SIGINT", async () => {
    clearInterval(timer);
    await server.app.close();
    process.exit(0);
  });
}
