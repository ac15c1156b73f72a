// Where the monitor's and the ready rules' time per event goes as the number
// of users grows: the stream of bench/monitor.mjs (bench/synthetic-stream.mjs,
// Zipf users, events up to a minute out of order, an attack inside) with
// 200, 2,000 and 20,000 users (the default; IPs a quarter of the users, at
// least 50, at most the default 5,000), fed through `addMany` to
//   - the monitor alone (default metrics, pseudonymized top lists), and
//   - the monitor with the twelve ready rules (bench/monitor.mjs's addMany row).
// The code and the instructions per event barely change with the number of
// users; what changes is how much memory the events touch at random: the
// state kept per user (a slot per live user in each per-user rule; a
// pseudonym per user and top-list entries in the monitor) and the stream's
// own strings (200 names and 50 IPs at 200 users). The step from 200 to
// 20,000 users is mostly the cost of missing the caches
// (bench/monitor-instructions.mjs --cache --users N counts the misses).
//
// Reported: CPU nanoseconds per event (process.cpuUsage, user + system),
// median of RUNS runs of EVENTS events after a warm-up of WARM events into
// the same monitor. The events are made in batches of 100,000 just before
// each batch is fed (untimed), as in bench/monitor.mjs, from the seed of
// bench/monitor-instructions.mjs, so `--users N` there counts the same
// stream (its events 100,000 to 250,000). Within a run the configurations alternate, in reverse order every
// other run (the machine may be shared: compare rows of one run of this
// script only). With --expose-gc, the garbage of the runs before is
// collected before each timed part. Also reported: the live keys of the
// per-user rules at the end of the last run, and the rules' share (ns of
// monitor + rules minus ns of the monitor alone).
//
// Run: npx tsup && node --expose-gc bench/monitor-locality.mjs [events per run, default 600000]
// (npm run bench:monitor-locality)
import os from "node:os";
import { ComplianceMonitor, readyRules, RuleEngine } from "../dist/compliance/index.js";
import { createSyntheticStream } from "./synthetic-stream.mjs";
import { median } from "./stats.mjs";

const EVENTS = Number(process.argv[2] ?? 600_000);
const WARM = 100_000;
const BATCH = 100_000;
const RUNS = 5;
const KEY = "bench deployment key, 32 bytes..";
const USERS = [200, 2_000, 20_000];

const ipsOf = (users) => Math.min(5_000, Math.max(50, users >> 2));

function run(users, withRules) {
  const engine = withRules ? new RuleEngine({ rules: readyRules(), onAlert: () => {} }) : undefined;
  const monitor = new ComplianceMonitor({ pseudonymKey: KEY, maxFutureSkew: Infinity, ...(engine ? { rules: engine } : {}) });
  // Made per run and per batch (untimed), as bench/monitor.mjs makes them.
  const stream = createSyntheticStream({ seed: 3, users, ips: ipsOf(users) });
  monitor.addMany(stream.next(WARM));
  // The runs before left garbage (monitors, streams): collected here, not in this run's timed part.
  globalThis.gc?.();
  let cpu = 0;
  for (let done = 0; done < EVENTS; done += BATCH) {
    const batch = stream.next(Math.min(BATCH, EVENTS - done));
    const c0 = process.cpuUsage();
    monitor.addMany(batch);
    const c = process.cpuUsage(c0);
    cpu += c.user + c.system;
  }
  return { ns: (cpu * 1000) / EVENTS, engine };
}

console.log(`node ${process.version}, ${os.cpus()[0]?.model ?? "cpu"}, ${os.cpus().length} cores (shared machine); ${EVENTS.toLocaleString("en")} events per run after ${WARM.toLocaleString("en")}`);
const configs = USERS.flatMap((users) => [
  { users, withRules: false },
  { users, withRules: true },
]);
for (const config of configs) run(config.users, config.withRules); // warm-up
const ns = configs.map(() => []);
const live = new Map();
for (let r = 0; r < RUNS; r++) {
  const order = configs.map((_, c) => c);
  if (r % 2 === 1) order.reverse();
  for (const c of order) {
    const config = configs[c];
    const result = run(config.users, config.withRules);
    ns[c].push(result.ns);
    if (result.engine !== undefined) {
      const rules = result.engine.stats().rules;
      live.set(config.users, ["user-spike", "user-many-ips", "transaction-frequency"].map((id) => `${id} ${rules[id]?.liveKeys ?? 0}`).join(", "));
    }
  }
}
for (const users of USERS) {
  const alone = median(ns[configs.findIndex((c) => c.users === users && !c.withRules)]);
  const both = median(ns[configs.findIndex((c) => c.users === users && c.withRules)]);
  console.log(
    `${users.toLocaleString("en").padStart(6)} users, ${ipsOf(users).toLocaleString("en").padStart(5)} IPs: monitor alone ${alone.toFixed(0)} ns/event; ` +
      `monitor + 12 ready rules ${both.toFixed(0)} ns/event (${(1e3 / both).toFixed(2)} M events/s), the rules' share ${(both - alone).toFixed(0)} ns; live keys: ${live.get(users)}`,
  );
}
