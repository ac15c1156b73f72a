// In-process A/B of the Sigma rule engine (the engine row of bench/sigma.mjs):
// every build's compliance module is loaded into one process (a query string
// per build keeps them apart), and engine runs over the same events alternate
// between the builds, round by round (the order rotated each round), so a
// load change on a shared machine hits every build alike. Process-alternating
// runs (bench/ab.mjs) swung by up to 2x between runs of one build at load 5-6
// on the 2-core machine; per-round ratios within one process were steadier.
// Reported per build: the median rate (M events per second of CPU time) and
// the median and range (without the extremes) of its per-round ratios to the
// first build, and the alerts of its last run (builds that alert differently
// show it). The builds share one heap and the events, not their code.
//   npx tsup && cp -r dist .ab/before   (change, rebuild, cp -r dist .ab/after)
//   node bench/sigma-ab.mjs .ab/before .ab/after [--rounds 12] [--events 200000]
import path from "node:path";
import { pathToFileURL } from "node:url";
import { makeStream, sources } from "./sigma-workload.mjs";
import { median } from "./stats.mjs";

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const at = args.indexOf(name);
  return at < 0 ? fallback : Number(args.splice(at, 2)[1]);
};
const rounds = option("--rounds", 12);
const count = option("--events", 200_000);
if (args.length === 0) {
  console.error("usage: node bench/sigma-ab.mjs <dist-a> <dist-b> ... [--rounds 12] [--events 200000]");
  process.exit(2);
}

const builds = [];
for (const dist of args) {
  const m = await import(`${pathToFileURL(path.resolve(dist, "compliance", "index.js")).href}?${encodeURIComponent(dist)}`);
  builds.push({ dist, m, rules: m.loadSigmaRules(sources), rates: [], alerts: 0 });
}
const events = makeStream(count, 12);

function run(build) {
  let alerts = 0;
  const engine = new build.m.RuleEngine({ rules: build.rules, onAlert: () => void alerts++ });
  const c0 = process.cpuUsage();
  for (let i = 0; i < events.length; i++) engine.evaluate(events[i]);
  const c = process.cpuUsage(c0);
  build.alerts = alerts;
  return events.length / ((c.user + c.system) / 1e6) / 1e6;
}

for (let warm = 0; warm < 3; warm++) for (const build of builds) run(build);
for (let r = 0; r < rounds; r++) {
  for (let k = 0; k < builds.length; k++) {
    const build = builds[(k + r) % builds.length];
    build.rates.push(run(build));
  }
}
console.log(`Sigma engine A/B, one process, ${rounds} rounds of ${count.toLocaleString("en")} events (M events/s of CPU time; ratios to the first build, per round)`);
for (const build of builds) {
  const ratios = build.rates.map((rate, r) => rate / builds[0].rates[r]).sort((a, b) => a - b);
  const inner = ratios.length > 2 ? ratios.slice(1, -1) : ratios;
  console.log(`  ${build.dist}: median ${median(build.rates).toFixed(3)}  ratio median ${median(ratios).toFixed(3)} (${inner[0].toFixed(2)}..${inner[inner.length - 1].toFixed(2)})  alerts ${build.alerts}`);
}
