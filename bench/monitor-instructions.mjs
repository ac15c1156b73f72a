// Instructions per event of the ComplianceMonitor, alone or with the twelve
// ready rules, and which functions run them, independent of the machine's
// load: two callgrind runs of this script (node --single-threaded, so JIT
// compilation and GC happen at the same points in both) that differ only in
// the number of events a warm monitor adds after the first 100,000 of
// bench:monitor's stream (bench/synthetic-stream.mjs, seed 3; both runs make
// the same events), through addMany; (instructions of the longer run minus the shorter) / (events
// more), in total and per function. JIT code is named from the map V8
// writes with --perf-basic-prof (/tmp/perf-<pid>.map, removed afterwards).
// Runs of one build differ by a few hundred instructions per event; compare
// builds by more than that. Takes a few minutes.
// With --cache, callgrind also simulates the data caches, as a first level of
// 32 KiB (8-way, 64-byte lines) and a last level of 1 MiB (8-way): this
// machine's L1d and per-core L2 (lscpu, /sys/devices/system/cpu/cpu0/cache);
// its shared 32 MiB L3 is left out,
// so the second count is of misses that go to L3 or memory. It reports data
// misses (reads and writes) per event at both levels, in total and per
// function: what a change of memory layout moves, which the host's noise
// hides in CPU time. The totals also count the garbage collector's work,
// which falls differently in the two runs (a total can even come out
// negative); the rows of the compiled functions are the steadier figures.
// Runs about twice as long.
// With --users N, the stream has N users (and a quarter as many IPs, at least
// 50, at most the default 5,000), as bench/monitor-locality.mjs varies them.
//   npx tsup && node bench/monitor-instructions.mjs [--rules] [--pseudonymized] [--cache] [--users N] [dist]
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const args = process.argv.slice(2);
const WARM_UP = 100_000;
/** Events added after the warm-up in the shorter and the longer run (both runs make the events of the longer). */
const SHORT = 50_000;
const LONG = 150_000;
const KEY = "bench deployment key, 32 bytes..";

/** The stream's options for `users` users (0: the default stream); bench/monitor-locality.mjs's IPs per user. */
const streamOptions = (users) => (users > 0 ? { seed: 3, users, ips: Math.min(5_000, Math.max(50, users >> 2)) } : { seed: 3 });

if (args[0] === "--count") {
  const [, dist, count, rules, identities, users] = args;
  const m = await import(pathToFileURL(path.resolve(dist, "compliance", "index.js")).href);
  const { createSyntheticStream } = await import("./synthetic-stream.mjs");
  const events = createSyntheticStream(streamOptions(Number(users))).next(WARM_UP + LONG);
  const monitor = new m.ComplianceMonitor({
    identities,
    pseudonymKey: KEY,
    maxFutureSkew: Number.POSITIVE_INFINITY,
    ...(rules === "rules" ? { rules: new m.RuleEngine({ rules: m.readyRules(), onAlert: () => {} }) } : {}),
  });
  monitor.addMany(events.slice(0, WARM_UP));
  monitor.addMany(events.slice(WARM_UP, WARM_UP + Number(count)));
  process.exit(0);
}

const usersAt = args.indexOf("--users");
const users = usersAt < 0 ? 0 : Number(args.splice(usersAt, 2)[1]);
if (!Number.isInteger(users) || users < 0) throw new Error("--users takes a whole number of users");
const rules = args.includes("--rules");
const cache = args.includes("--cache");
/** Callgrind's event columns read per function: instructions, then data misses at the first and the last level (reads, writes). */
const COLUMNS = cache ? ["Ir", "D1mr", "D1mw", "DLmr", "DLmw"] : ["Ir"];
const identities = args.includes("--pseudonymized") ? "pseudonymized" : "plain";
const dist = path.resolve(args.find((arg) => !arg.startsWith("--")) ?? "dist");
const self = fileURLToPath(import.meta.url);
const work = fs.mkdtempSync(path.join(os.tmpdir(), "monitor-instructions-"));

/** Instructions per function name of one run of `count` events after the warm-up. */
function profile(count) {
  const run = spawnSync(
    "valgrind",
    [
      "--tool=callgrind",
      "--smc-check=all-non-file",
      ...(cache ? ["--cache-sim=yes", "--D1=32768,8,64", "--LL=1048576,8,64"] : []),
      `--callgrind-out-file=${path.join(work, "callgrind.%p")}`,
      process.execPath,
      "--single-threaded",
      "--perf-basic-prof",
      self,
      "--count",
      dist,
      String(count),
      rules ? "rules" : "none",
      identities,
      String(users),
    ],
    // In the scratch folder: --perf-basic-prof also writes V8's isolate-*.log into the working directory.
    { encoding: "utf8", cwd: work },
  );
  const pid = /==(\d+)== Collected/.exec(run.stderr ?? "")?.[1];
  if (pid === undefined) throw new Error(`callgrind failed (is valgrind installed?): ${run.stderr?.slice(-500)}`);
  const out = path.join(work, `callgrind.${pid}`);
  const mapFile = `/tmp/perf-${pid}.map`;
  const symbols = fs.existsSync(mapFile)
    ? fs
        .readFileSync(mapFile, "utf8")
        .trim()
        .split("\n")
        .map((line) => {
          const [start, size, ...name] = line.split(" ");
          return { start: Number.parseInt(start, 16), end: Number.parseInt(start, 16) + Number.parseInt(size, 16), name: name.join(" ") };
        })
        .sort((a, b) => a.start - b.start)
    : [];
  fs.rmSync(mapFile, { force: true });
  const nameAt = (address) => {
    let low = 0;
    let high = symbols.length - 1;
    let found = -1;
    while (low <= high) {
      const mid = (low + high) >> 1;
      if (symbols[mid].start <= address) {
        found = mid;
        low = mid + 1;
      } else high = mid - 1;
    }
    return found >= 0 && address < symbols[found].end ? symbols[found].name : undefined;
  };
  const annotated = spawnSync("callgrind_annotate", ["--threshold=100", `--show=${COLUMNS.join(",")}`, "--sort=Ir", out], { encoding: "utf8", maxBuffer: 1 << 28 }).stdout;
  /** Per function name, one count per column of COLUMNS. */
  const byName = new Map();
  let total = COLUMNS.map(() => 0);
  // A row: per column "count (percent)", a bare "0" or "." (none), then the function's name.
  const row = new RegExp(`^\\s*${COLUMNS.map(() => "(?:([\\d,]+)(?: \\([^)]*\\))?|\\.)").join("\\s+")}\\s+(.*)$`);
  for (const line of annotated.split("\n")) {
    const match = row.exec(line);
    if (match === null) continue;
    const counts = COLUMNS.map((_, i) => Number((match[i + 1] ?? "0").replaceAll(",", "")));
    let name = match[COLUMNS.length + 1];
    if (name.startsWith("PROGRAM TOTALS")) {
      total = counts;
      continue;
    }
    const jit = /\?\?\?:0x([0-9a-f]+)/.exec(name);
    if (jit !== null) name = nameAt(Number.parseInt(jit[1], 16)) ?? name;
    // JIT names: "JS:*feed file:///.../chunk-X.js:12:3" -> "feed (chunk-X.js)"; native ones lose their argument lists.
    name = name.replace(/^JS:[*^~]?(\S*) .*\/([^/]+?):\d+:\d+$/, (_, fn, file) => `${fn || "(anonymous)"} (${file})`).replace(/\(.*\[.*$/, "").slice(0, 100);
    const sum = byName.get(name) ?? COLUMNS.map(() => 0);
    byName.set(name, sum.map((value, i) => value + counts[i]));
  }
  fs.rmSync(out, { force: true });
  return { total, byName };
}

const a = profile(SHORT);
const b = profile(LONG);
fs.rmSync(work, { recursive: true, force: true });
const events = LONG - SHORT;
/** Per event: instructions, and with --cache the data misses at the first and at the last level. */
const perEvent = (x, y) => {
  const d = COLUMNS.map((_, i) => ((y?.[i] ?? 0) - (x?.[i] ?? 0)) / events);
  return cache ? [d[0], d[1] + d[2], d[3] + d[4]] : [d[0]];
};
const totals = perEvent(a.total, b.total);
console.log(
  `monitor${rules ? " + 12 ready rules" : " alone"}, ${identities} identities${users > 0 ? `, ${users} users` : ""}, ${dist}: ${totals[0].toFixed(0)} instructions per event` +
    (cache ? `, data misses per event ${totals[1].toFixed(1)} L1 (32 KiB), ${totals[2].toFixed(1)} L2 (1 MiB)` : ""),
);
if (cache) console.log("  instr      L1      L2  function");
const rows = [...new Set([...a.byName.keys(), ...b.byName.keys()])]
  .map((name) => [name, perEvent(a.byName.get(name), b.byName.get(name))])
  .sort((x, y) => y[1][0] - x[1][0])
  .slice(0, 25);
for (const [name, [instructions, l1, l2]] of rows) {
  console.log(`${instructions.toFixed(0).padStart(7)}${cache ? `${l1.toFixed(1).padStart(8)}${l2.toFixed(1).padStart(8)}` : ""}  ${name}`);
}
