// Instructions per event of the rule engine, independent of the machine's
// load (valgrind's callgrind counts them): for each build given, two
// callgrind runs of this script (node --single-threaded, so JIT compilation
// and GC happen at the same points in both) that differ only in the number of
// events a fresh engine evaluates after a warm-up engine saw the first
// 100,000; (instructions of the longer run minus the shorter) / (events more).
// Two workloads:
//   ready (default) - the twelve ready rules on the monitor's stream
//                     (bench/synthetic-stream.mjs, seed 3), events 50,000..200,000;
//   --sigma         - the 50 Sigma rules of bench/sigma.mjs on its stream,
//                     events 20,000..80,000.
// Runs of one build differ by a few hundred instructions per event (JIT and GC
// timing); compare builds by more than that. Takes minutes per build.
//   npx tsup && cp -r dist .ab/after
//   node bench/rules-instructions.mjs .ab/before .ab/after [--sigma]
import { spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const args = process.argv.slice(2);
const WARM_UP = 100_000;

if (args[0] === "--count") {
  const [, dist, count, workload] = args;
  const m = await import(pathToFileURL(path.resolve(dist, "compliance", "index.js")).href);
  let events;
  let make;
  if (workload === "sigma") {
    const { makeStream, sources } = await import("./sigma-workload.mjs");
    const rules = m.loadSigmaRules(sources);
    events = makeStream(WARM_UP + 200_000, 12);
    make = () => new m.RuleEngine({ rules, onAlert: () => {} });
  } else {
    const { createSyntheticStream } = await import("./synthetic-stream.mjs");
    events = createSyntheticStream({ seed: 3 }).next(WARM_UP + 200_000);
    make = () => new m.RuleEngine({ rules: m.readyRules(), onAlert: () => {} });
  }
  // One function for both loops: the warm-up optimizes the code the count runs.
  const evaluateFirst = (engine, n) => {
    for (let i = 0; i < n; i++) engine.evaluate(events[i]);
  };
  evaluateFirst(make(), WARM_UP);
  evaluateFirst(make(), Number(count));
  process.exit(0);
}

const sigma = args.includes("--sigma");
const builds = args.filter((arg) => arg !== "--sigma");
if (builds.length === 0) {
  console.error("usage: node bench/rules-instructions.mjs <dist> [<dist> ...] [--sigma]");
  process.exit(2);
}
const self = fileURLToPath(import.meta.url);
const instructions = (dist, count) => {
  const run = spawnSync(
    "valgrind",
    ["--tool=callgrind", "--smc-check=all-non-file", "--callgrind-out-file=/dev/null", process.execPath, "--single-threaded", self, "--count", dist, String(count), sigma ? "sigma" : "ready"],
    { encoding: "utf8" },
  );
  const match = /Collected : (\d+)/.exec(run.stderr ?? "");
  if (match === null) throw new Error(`callgrind failed (is valgrind installed?): ${run.stderr?.slice(-500)}`);
  return Number(match[1]);
};
const [short, long] = sigma ? [20_000, 80_000] : [50_000, 200_000];
for (const dist of builds) {
  const perEvent = (instructions(dist, long) - instructions(dist, short)) / (long - short);
  console.log(`${sigma ? "50 Sigma rules" : "12 ready rules"}, ${dist}: ${perEvent.toFixed(0)} instructions per event`);
}
