// ComplianceMonitor ingest benchmark: the default metrics (distinct users,
// IPs and sessions; user activity; top users; top failed-login IPs; event
// kinds; transaction amounts) on the seeded synthetic stream of
// bench/synthetic-stream.mjs (20,000 users with Zipf activity, 5,000 IPs,
// 10 systems, failed logins, a brute-force attack inside, events up to a
// minute out of order), 50 events per second of event time, so the run
// crosses many hourly buckets and daily rollups.
//
// Events are made per batch of 100,000 (untimed) just before the batch is
// ingested (timed), as a consumer would receive them. Reported: events/s of
// `add` per configuration, median and best of RUNS runs after a warm-up,
// configurations alternating within each run (the machine may be shared:
// compare rows of one run only), both per second of wall-clock time and
// per second of the process's CPU time (user + system, from
// process.cpuUsage: on a machine shared with other work, wall-clock time
// counts the time other processes ran; CPU time also counts the garbage
// collector's helper threads, so it is the conservative one of the two on
// an idle machine). The systems the issue learns from report about 10,000
// events/s.
//
// Configurations:
// - pseudonymized: top lists store HMAC-SHA256 pseudonyms (the default);
// - plain: identities: "plain";
// - no-op rule seam: pseudonymized, with a `rules` object whose evaluate does nothing;
// - all ready rules: the RuleEngine with the twelve ready rules, fed every
//   accepted event (the figure: monitor and rules together);
// - the same through addMany, one call per batch (the monitor counts each
//   chunk of 512 events, then the rules evaluate its accepted ones: the same
//   state and alerts as the loop of add).
//
// Run: npx tsup && node bench/monitor.mjs [events per run, default 2000000]
import os from "node:os";
import { ComplianceMonitor, readyRules, RuleEngine } from "../dist/compliance/index.js";
import { createSyntheticStream } from "./synthetic-stream.mjs";
import { median } from "./stats.mjs";

const EVENTS = Number(process.argv[2] ?? 2_000_000);
const BATCH = 100_000;
const RUNS = 5;
const KEY = "bench deployment key, 32 bytes..";

const CONFIGS = [
  { label: "default metrics, pseudonymized top lists", options: { pseudonymKey: KEY } },
  { label: "default metrics, identities: plain", options: { identities: "plain" } },
  { label: "default metrics, pseudonymized, no-op rules seam", options: { pseudonymKey: KEY, rules: { evaluate() {}, toBytes: () => new Uint8Array(0) } } },
  { label: "default metrics + all 12 ready rules, pseudonymized", options: () => ({ pseudonymKey: KEY, rules: new RuleEngine({ rules: readyRules() }) }) },
  { label: "default metrics + all 12 ready rules, plain", options: () => ({ identities: "plain", rules: new RuleEngine({ rules: readyRules() }) }) },
  { label: "... + all 12 ready rules, pseudonymized, addMany", options: () => ({ pseudonymKey: KEY, rules: new RuleEngine({ rules: readyRules() }) }), many: true },
  { label: "... + all 12 ready rules, plain, addMany", options: () => ({ identities: "plain", rules: new RuleEngine({ rules: readyRules() }) }), many: true },
];

function run(config, seed) {
  const options = typeof config.options === "function" ? config.options() : config.options;
  const monitor = new ComplianceMonitor({ ...options, maxFutureSkew: Infinity });
  const stream = createSyntheticStream({ seed });
  let elapsed = 0;
  let cpu = 0;
  let accepted = 0;
  for (let done = 0; done < EVENTS; done += BATCH) {
    const batch = stream.next(Math.min(BATCH, EVENTS - done));
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    if (config.many) accepted += monitor.addMany(batch);
    else for (let i = 0; i < batch.length; i++) if (monitor.add(batch[i])) accepted++;
    elapsed += Number(process.hrtime.bigint() - t0) / 1e9;
    const c = process.cpuUsage(c0);
    cpu += (c.user + c.system) / 1e6;
  }
  return { rate: EVENTS / elapsed, cpuRate: EVENTS / cpu, accepted, monitor };
}

console.log(`node ${process.version}, ${os.cpus()[0]?.model ?? "cpu"}, ${os.cpus().length} cores (shared machine); ${EVENTS.toLocaleString("en")} events per run`);
for (const config of CONFIGS) run(config, 99); // warm-up
const rates = CONFIGS.map(() => []);
const cpuRates = CONFIGS.map(() => []);
let last;
for (let r = 0; r < RUNS; r++) {
  CONFIGS.forEach((config, c) => {
    const result = run(config, r + 1);
    rates[c].push(result.rate);
    cpuRates[c].push(result.cpuRate);
    last = result;
  });
}
const m = (xs) => (median(xs) / 1e6).toFixed(2);
const best = (xs) => (Math.max(...xs) / 1e6).toFixed(2);
CONFIGS.forEach((config, c) => {
  console.log(`${config.label.padEnd(52)} wall: median ${m(rates[c])} M events/s, best ${best(rates[c])} | CPU time: median ${m(cpuRates[c])} M events/s, best ${best(cpuRates[c])}`);
});
const { monitor, accepted } = last;
console.log(`last run: ${accepted.toLocaleString("en")} accepted, refused ${JSON.stringify(monitor.refused)}, systems ${monitor.systems().length}`);
const t0 = process.hrtime.bigint();
const users = monitor.distinct("users", "billing", "24h", { now: "watermark" });
const t1 = process.hrtime.bigint();
const snapshot = monitor.snapshot("24h", { now: "watermark" });
const t2 = process.hrtime.bigint();
const image = monitor.toBytes();
const t3 = process.hrtime.bigint();
console.log(
  `query distinct users 24h: ${(Number(t1 - t0) / 1e6).toFixed(2)} ms (estimate ${Math.round(users.estimate)}); snapshot 24h of ${snapshot.systems.length} systems: ${(Number(t2 - t1) / 1e6).toFixed(1)} ms; image ${(image.length / 1e6).toFixed(1)} MB in ${(Number(t3 - t2) / 1e6).toFixed(0)} ms`,
);
