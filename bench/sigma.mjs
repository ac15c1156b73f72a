// Sigma rules: 50 rules (detections and correlations) loaded with
// loadSigmaRules, and the compiled predicates evaluated on a seeded
// synthetic stream of ComplianceEvent objects (logins with failures and a
// spraying attack, logs with keywords, metrics, transactions; Zipf users).
//
// Two rows: PREDICATES ONLY (every event through every rule's `where` and a
// sequence's step predicates), and THE ENGINE (the 50 rules in a RuleEngine:
// predicates, group keys, windows, cooldowns and alerts; the figure,
// target 0.5 M events/s), both per second of wall time and of CPU time.
// Figures are measured, never asserted; the machine may be shared, so
// compare rows of one run only.
//
// The engine row runs in a process of its own (this script with --engine):
// after the predicate rows had called the same compiled predicates from one
// loop over 56 different functions, the engine in the same process ran
// slower than in a fresh one, with nothing else changed (the type feedback
// of those shared functions is the loop's, not the engine's). A process runs
// one engine; so does the row.
//
// Run: npx tsup && node bench/sigma.mjs

import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { loadSigmaRules, RuleEngine } from "../dist/compliance/index.js";
import { makeStream, sources } from "./sigma-workload.mjs";
import { median } from "./stats.mjs";

const EVENTS = 200_000;
const PASSES = 5;
const RUNS = 5;

// ---- measure ----

const ENGINE_ONLY = process.argv.includes("--engine");
let start = performance.now();
const rules = loadSigmaRules(sources);
const loadMs = performance.now() - start;
start = performance.now();
loadSigmaRules(sources);
const reloadMs = performance.now() - start;
const counts = rules.reduce((acc, r) => ((acc[r.type] = (acc[r.type] ?? 0) + 1), acc), {});
if (!ENGINE_ONLY) console.log(`${sources.length} Sigma documents → ${rules.length} rules ${JSON.stringify(counts)}; load and compile: ${loadMs.toFixed(1)} ms first (cold), ${reloadMs.toFixed(1)} ms again`);

const events = makeStream(EVENTS, 12);
const predicates = [];
for (const rule of rules) {
  predicates.push(rule.where);
  if (rule.type === "sequence") for (const step of rule.steps) predicates.push(step.where);
}
if (!ENGINE_ONLY) console.log(`${predicates.length} predicates per event (every rule's where, plus each sequence step)`);

// Calibration on the same loop: 56 hand-written predicates of the same
// kinds (field equality, a case-insensitive substring by regex, a numeric
// comparison), to show what this machine does at the moment of the run.
const native = [];
for (let i = 0; i < predicates.length; i++) {
  const word = ["login", "log", "metric", "transaction"][i & 3];
  const re = new RegExp(["fail", "unauthorized", "exception", "denied"][i & 3], "i");
  native.push(i % 3 === 0 ? (e) => e.kind === word && e.outcome === "failure" : i % 3 === 1 ? (e) => e.message !== undefined && re.test(e.message) : (e) => e.value !== undefined && e.value > 10000 * (i & 3));
}

function pass(predicates) {
  let hits = 0;
  for (let p = 0; p < PASSES; p++) {
    for (let i = 0; i < events.length; i++) {
      const e = events[i];
      for (let j = 0; j < predicates.length; j++) if (predicates[j](e)) hits++;
    }
  }
  return hits;
}

function measure(predicates) {
  pass(predicates); // warm-up
  const rates = [];
  let hits = 0;
  for (let run = 0; run < RUNS; run++) {
    const start = performance.now();
    hits = pass(predicates);
    rates.push((EVENTS * PASSES) / ((performance.now() - start) / 1000));
  }
  return { hits: hits / PASSES, rates };
}
const format = (rates) => `median ${(median(rates) / 1e6).toFixed(2)} M events/s (runs: ${rates.map((r) => (r / 1e6).toFixed(2)).join(", ")})`;

for (let round = 0; round < (ENGINE_ONLY ? 0 : 2); round++) {
  const sigma = measure(predicates);
  const calibration = measure(native);
  console.log(`Sigma predicates:  ${format(sigma.rates)}; ${sigma.hits} hits per pass (${((sigma.hits / EVENTS) * 100).toFixed(1)} per 100 events)`);
  console.log(`calibration (56 hand-written predicates): ${format(calibration.rates)}`);
}
// The whole engine: a fresh RuleEngine per run over the same events.
function engineRun() {
  let alerts = 0;
  const engine = new RuleEngine({ rules, onAlert: () => void alerts++ });
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < events.length; i++) engine.evaluate(events[i]);
  const wall = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  return { rate: events.length / wall, cpuRate: events.length / ((c.user + c.system) / 1e6), alerts };
}
if (ENGINE_ONLY) {
  engineRun(); // warm-up
  const engine = Array.from({ length: RUNS }, engineRun);
  console.log(`Sigma rules in the RuleEngine (a process of its own): wall ${format(engine.map((r) => r.rate))}; CPU time median ${(median(engine.map((r) => r.cpuRate)) / 1e6).toFixed(2)} M events/s; ${engine[0].alerts} alerts per run`);
  console.log("target for the whole engine (predicates + windows): 0.5 M events/s");
} else {
  const child = fork(fileURLToPath(import.meta.url), ["--engine"], { stdio: "inherit" });
  const code = await new Promise((resolve) => child.once("exit", resolve));
  if (code !== 0) throw new Error(`bench/sigma.mjs --engine exited with ${code}`);
}
