// What each ready rule costs, on the stream of bench/monitor.mjs
// (bench/synthetic-stream.mjs: 20,000 Zipf users, events up to a minute out
// of order, an attack inside; seed 99 for a process's warm-up run, then 1,
// 2, ... as bench/monitor.mjs's runs). Two parts:
//
// - Alone: the rule engine with one ready rule, evaluating the stream's
//   events one by one (no monitor), beside an engine with no rules (its
//   loop and watermark): CPU ns per event, medians. Also the rule's live
//   keys and the keys it evicted as idle per event (the churn of its
//   window).
// - In the pipeline, leave one out, for the rules that cost at least
//   HEAVY ns per event more alone than the engine with no rules: the monitor (default
//   metrics, pseudonymized top lists) with all twelve ready rules through
//   `addMany` (bench/monitor.mjs's addMany row), against the same with that
//   rule left out, in PAIRS pairs of processes run back to back (in the
//   order A B, B A, ...: the machine's slow and fast phases mostly last
//   longer than a pair). A rule's share is 1 minus the median ratio
//   (without it / all twelve), its cost that share of the median of all
//   twelve. Processes of the same code differ by 10-20 % (2026-12-06: the
//   ratios of rules that cost about 20 ns alone ranged from 0.84 to 1.25),
//   so this part leaves out the light rules, and the pairs' range says how
//   far to trust a share.
//
// - The per-user rules (those grouping by user) as a group: all twelve,
//   the others alone, and the others with each per-user rule added
//   back, ROUNDS rounds of a process each, alternating. Leaving one rule
//   out hides what they share (the key index of users, the caches they
//   evict in turn); this part shows what they cost together.
//
// Each measurement is a process of its own, so that no other rule set's
// type feedback shapes its compiled code: a warm-up run, then INNER runs,
// each WARM events into a fresh monitor or engine and EVENTS events timed in
// batches of 100,000, made just before each batch is fed (untimed), as
// bench/monitor.mjs makes them; the process reports the median. The alone
// configurations alternate, one process each, in ROUNDS rounds, in reverse
// order every other round; a row is the median over the rounds. The machine
// may be shared: compare rows of one run of this script.
//
// Run: npx tsup && node bench/monitor-rule-costs.mjs [events per run, default 400000]
// (npm run bench:monitor-rule-costs; about 8 minutes)
import { execFileSync } from "node:child_process";
import os from "node:os";
import { fileURLToPath } from "node:url";
import { ComplianceMonitor, readyRules, RuleEngine } from "../dist/compliance/index.js";
import { createSyntheticStream } from "./synthetic-stream.mjs";
import { median } from "./stats.mjs";

const child = process.argv[2] === "--child" ? process.argv.slice(3) : undefined;
const EVENTS = Number((child === undefined ? process.argv[2] : child[2]) ?? 400_000);
const WARM = 100_000;
const BATCH = 100_000;
const ROUNDS = 5;
const PAIRS = 6;
const HEAVY = 100;
const INNER = 1;
const KEY = "bench deployment key, 32 bytes..";
const ids = readyRules().map((rule) => rule.id);
/** The ready rules that keep state per user (they group by `user`). */
const perUser = readyRules()
  .filter((rule) => "groupBy" in rule && rule.groupBy?.includes("user"))
  .map((rule) => rule.id);
/** The configuration of an engine with no rules. */
const NONE = "-";

/** CPU ns per event of `feed(batch)` over the timed events, and what `finish` returns. */
function time(feed, finish, seed) {
  const stream = createSyntheticStream({ seed });
  feed(stream.next(WARM));
  globalThis.gc?.();
  let cpu = 0;
  for (let done = 0; done < EVENTS; done += BATCH) {
    const batch = stream.next(Math.min(BATCH, EVENTS - done));
    const c0 = process.cpuUsage();
    feed(batch);
    const c = process.cpuUsage(c0);
    cpu += c.user + c.system;
  }
  return { ns: (cpu * 1000) / EVENTS, extra: finish() };
}

/** The monitor with the ready rules but those of `leftOut` (rule ids joined by ","; NONE for none). */
function pipeline(leftOut, seed) {
  const out = new Set(leftOut === NONE ? [] : leftOut.split(","));
  const engine = new RuleEngine({ rules: readyRules().filter((rule) => !out.has(rule.id)), onAlert: () => {} });
  const monitor = new ComplianceMonitor({ pseudonymKey: KEY, maxFutureSkew: Infinity, rules: engine });
  return time(
    (batch) => monitor.addMany(batch),
    () => undefined,
    seed,
  );
}

function alone(id, seed) {
  const engine = new RuleEngine({ rules: readyRules().filter((rule) => rule.id === id), onAlert: () => {} });
  return time(
    (batch) => {
      for (let i = 0; i < batch.length; i++) engine.evaluate(batch[i]);
    },
    () => engine.stats(),
    seed,
  );
}

if (child !== undefined) {
  // One measurement: `--child pipeline|alone <rule id or "-"> <events>`; prints { ns, extra } as JSON.
  const [part, id] = child;
  const once = (seed) => (part === "pipeline" ? pipeline(id, seed) : alone(id, seed));
  once(99); // warm-up
  const results = Array.from({ length: INNER }, (_, r) => once(r + 1));
  process.stdout.write(JSON.stringify({ ns: median(results.map((result) => result.ns)), extra: results[INNER - 1].extra }));
  process.exit(0);
}

const self = fileURLToPath(import.meta.url);
const measure = (part, id) => () => JSON.parse(execFileSync(process.execPath, ["--expose-gc", self, "--child", part, id, String(EVENTS)], { encoding: "utf8", maxBuffer: 1 << 24 }));

/** Runs `configs` (functions returning { ns, extra }) ROUNDS times, alternating; per config its ns and its last extra. */
function alternate(configs) {
  const ns = configs.map(() => []);
  const extra = configs.map(() => undefined);
  for (let r = 0; r < ROUNDS; r++) {
    const order = configs.map((_, c) => c);
    if (r % 2 === 1) order.reverse();
    for (const c of order) {
      const result = configs[c]();
      ns[c].push(result.ns);
      extra[c] = result.extra;
    }
  }
  return { ns, extra };
}

console.log(`node ${process.version}, ${os.cpus()[0]?.model ?? "cpu"}, ${os.cpus().length} cores (shared machine); ${EVENTS.toLocaleString("en")} events per run after ${WARM.toLocaleString("en")}; a process per measurement (${INNER} ${INNER === 1 ? "run" : "runs"} after a warm-up run)`);

const only = alternate([measure("alone", NONE), ...ids.map((id) => measure("alone", id))]);
const floor = median(only.ns[0]);
console.log(`\nthe rule engine alone with one rule, events one by one, ${ROUNDS} rounds (with no rules: ${floor.toFixed(0)} ns/event):`);
const events = WARM + EVENTS;
for (let i = 0; i < ids.length; i++) {
  const stats = only.extra[i + 1].rules[ids[i]];
  // Per event of the last run (its warm-up events included).
  console.log(
    `  ${ids[i].padEnd(22)} ${median(only.ns[i + 1]).toFixed(0).padStart(5)} ns/event; live keys ${String(stats.liveKeys).padStart(6)}, ` +
      `evicted idle per event ${(stats.evictedIdle / events).toFixed(3)}, alerts ${stats.alerts}, suppressed ${stats.suppressed} (rounds: ${only.ns[i + 1].map((x) => x.toFixed(0)).join(", ")})`,
  );
}

const heavy = ids.filter((_, i) => median(only.ns[i + 1]) - floor >= HEAVY);
const allRuns = [];
const pairs = heavy.map((id) => {
  const ratios = [];
  for (let r = 0; r < PAIRS; r++) {
    const both = r % 2 === 0 ? [measure("pipeline", NONE)(), measure("pipeline", id)()] : [measure("pipeline", id)(), measure("pipeline", NONE)()].reverse();
    allRuns.push(both[0].ns);
    ratios.push(both[1].ns / both[0].ns);
  }
  return ratios.sort((a, b) => a - b);
});
const all = median(allRuns);
if (heavy.length > 0) console.log(`\nmonitor + all 12 ready rules, addMany: median ${all.toFixed(0)} ns/event (${(1e3 / all).toFixed(2)} M events/s) over ${allRuns.length} processes (${Math.min(...allRuns).toFixed(0)}..${Math.max(...allRuns).toFixed(0)})`);
console.log(`leaving one rule out, ${PAIRS} pairs each (ratio: without it / all twelve), the rules ${HEAVY} ns or more above the engine with no rules:`);
heavy.forEach((id, i) => {
  const ratio = median(pairs[i]);
  console.log(`  ${id.padEnd(22)} ratio ${ratio.toFixed(3)} (pairs ${pairs[i].map((x) => x.toFixed(2)).join(", ")}): its share ${(100 * (1 - ratio)).toFixed(0).padStart(3)} %, about ${((1 - ratio) * all).toFixed(0).padStart(4)} ns`);
});

// The per-user rules as a group: leaving one out of the twelve hides what
// they share (the key index of users, caches they evict in turn), so the
// other rules are timed alone and with each per-user rule added back.
const others = `the ${ids.length - perUser.length} others`;
const groupConfigs = [
  { label: `all ${ids.length}`, leftOut: NONE },
  { label: `${others} (without ${perUser.join(", ")})`, leftOut: perUser.join(",") },
  ...perUser.map((id) => ({ label: `${others} + ${id}`, leftOut: perUser.filter((other) => other !== id).join(",") })),
];
const group = alternate(groupConfigs.map((config) => measure("pipeline", config.leftOut)));
const othersNs = median(group.ns[1]);
console.log(`\nthe per-user rules as a group, monitor + rules through addMany, ${ROUNDS} rounds of a process each:`);
groupConfigs.forEach((config, c) => {
  const ns = median(group.ns[c]);
  const added = c === 1 ? "" : `; ${(ns - othersNs).toFixed(0).padStart(4)} ns above ${others}`;
  console.log(`  ${config.label.padEnd(58)} ${ns.toFixed(0).padStart(5)} ns/event (${(1e3 / ns).toFixed(2)} M events/s)${added} (rounds: ${group.ns[c].map((x) => x.toFixed(0)).join(", ")})`);
});
