// A/B harness for the rule engine on the stream of bench/monitor.mjs
// (bench/synthetic-stream.mjs: Zipf users, events up to a minute out of
// order, an attack inside), against two or more builds of the library,
// alternating child processes so machine noise hits every build alike.
// Copy a build aside first, e.g.
//   npx tsup && cp -r dist .ab/before   (then change, rebuild, cp -r dist .ab/after)
//   node bench/rules-ab.mjs .ab/before .ab/after [--rounds 3]
// Rows, M events per second of the process's CPU time (median of 3 runs of
// 1,000,000 events after a warm-up; batches of 100,000 events made untimed
// just before they are fed, as bench/monitor.mjs does):
//   rules   - a RuleEngine with the twelve ready rules alone;
//   monitor - the ComplianceMonitor with its default metrics (pseudonymized);
//   both    - the monitor with that engine as its rules: bench/monitor.mjs's
//             "all 12 ready rules" row.
// Each child also prints the engine's alert count, so builds that alert
// differently show it. Under a drifting load, the per-round ratios (each
// build over the first, measured back to back) are steadier than the rates.
// `.ab/` is git-ignored.
import path from "node:path";
import { pathToFileURL } from "node:url";
import { alternateBuilds, printAlternation } from "./ab.mjs";
import { createSyntheticStream } from "./synthetic-stream.mjs";
import { median } from "./stats.mjs";

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const at = args.indexOf(name);
  return at < 0 ? fallback : Number(args.splice(at, 2)[1]);
};
const rounds = option("--rounds", 3);
const events = 1_000_000;
const KEY = "bench deployment key, 32 bytes..";
const BATCH = 100_000;

async function child(dist) {
  const m = await import(pathToFileURL(path.join(dist, "compliance", "index.js")).href);
  let alerts = 0;
  const run = (mode, seed) => {
    alerts = 0;
    const engine = mode === "monitor" ? undefined : new m.RuleEngine({ rules: m.readyRules(), onAlert: () => void alerts++ });
    const monitor = mode === "rules" ? undefined : new m.ComplianceMonitor({ pseudonymKey: KEY, maxFutureSkew: Infinity, ...(engine === undefined ? {} : { rules: engine }) });
    const stream = createSyntheticStream({ seed });
    let cpu = 0;
    for (let done = 0; done < events; done += BATCH) {
      const batch = stream.next(Math.min(BATCH, events - done));
      const c0 = process.cpuUsage();
      if (monitor !== undefined) for (let i = 0; i < batch.length; i++) monitor.add(batch[i]);
      else for (let i = 0; i < batch.length; i++) engine.evaluate(batch[i]);
      const c = process.cpuUsage(c0);
      cpu += (c.user + c.system) / 1e6;
    }
    return events / cpu / 1e6;
  };
  const modes = ["rules", "monitor", "both"];
  for (const mode of modes) run(mode, 99); // warm-up
  const rates = Object.fromEntries(modes.map((mode) => [mode, []]));
  for (let r = 0; r < 3; r++) for (const mode of modes) rates[mode].push(run(mode, r + 1));
  const rows = Object.fromEntries(modes.map((mode) => [mode, median(rates[mode])]));
  rows["alerts (both, last run)"] = alerts;
  console.log(JSON.stringify(rows));
}

if (args[0] === "--child") {
  await child(args[1]);
} else if (args.length === 0) {
  console.error("usage: node bench/rules-ab.mjs <dist-a> <dist-b> ... [--rounds 3]");
  process.exit(2);
} else {
  const results = alternateBuilds(import.meta.url, args, rounds);
  console.log(`rule engine A/B, ${rounds} rounds per build, ${events.toLocaleString("en")} events per run (M events/s of CPU time, per-process medians, sorted;`);
  console.log("ratios: each build over the first one in the same round, sorted)");
  printAlternation(results, args, (v) => (v < 100 ? v.toFixed(3) : String(v)));
}
