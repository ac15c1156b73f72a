// A/B harness for ingest speed: the windows benchmark's ingest (1,000,000
// events, 10 systems, HLL + Bloom + Count-Min per hourly bucket; user names
// from its shared 50,000-name table, read at random) run against
// two or more builds of the library, alternating child processes so machine
// noise hits every build alike. Copy a build aside first, e.g.
//   npx tsup && cp -r dist .ab/before   (then change, rebuild, cp -r dist .ab/after)
//   node bench/windows-ab.mjs .ab/before .ab/after [--rounds 4] [--sketches hbc]
// `--sketches` picks which sketches each bucket holds (h = HyperLogLog,
// b = Bloom, c = Count-Min; "" = none, to see the hashing and windows share).
// Prints each build's per-process medians (7 ingests each) and best run, in
// ns per event. `.ab/` is git-ignored.
import { execFileSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { windowsWorkload } from "./workloads.mjs";

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const at = args.indexOf(name);
  if (at < 0) return fallback;
  const value = args[at + 1];
  args.splice(at, 2);
  return value;
};

if (args[0] === "--child") {
  await child(args[1], args[2] ?? "hbc");
} else {
  const rounds = Number(option("--rounds", "4"));
  const sketches = option("--sketches", "hbc");
  if (args.length === 0) {
    console.error("usage: node bench/windows-ab.mjs <dist-a> <dist-b> ... [--rounds 4] [--sketches hbc]");
    process.exit(2);
  }
  const results = new Map(args.map((dist) => [dist, { medians: [], best: Number.POSITIVE_INFINITY }]));
  const self = fileURLToPath(import.meta.url);
  for (let r = 0; r < rounds; r++) {
    for (const dist of args) {
      const out = execFileSync(process.execPath, [self, "--child", path.resolve(dist), sketches], { encoding: "utf8" });
      const { median, best } = JSON.parse(out);
      const entry = results.get(dist);
      entry.medians.push(median);
      entry.best = Math.min(entry.best, best);
    }
  }
  console.log(`windows ingest A/B, sketches "${sketches}", ${rounds} rounds of 7 ingests per build (ns/event)`);
  for (const [dist, { medians, best }] of results) {
    const sorted = medians.sort((a, b) => a - b).map((m) => m.toFixed(0));
    console.log(`  ${dist}: medians ${sorted.join(" ")}; best ${best.toFixed(0)}`);
  }
}

async function child(dist, sketches) {
  const load = (entry) => import(pathToFileURL(path.join(dist, entry, "index.js")).href);
  const { MonoidSum, struct } = await load("algebra");
  const { HashedKey } = await load("hashing");
  const { BloomFilter, CountMinSketch, HyperLogLog } = await load("sketches");
  const { TimeWindows } = await load("windows");
  const { events: EVENTS, users: USERS, times, systemOf: systems, userOf: userIds } = windowsWorkload(); // bench/windows.mjs's
  const names = JSON.parse(JSON.stringify(Array.from({ length: USERS }, (_, i) => `user-${i}@corp.example`)));
  const [h, b, c] = ["h", "b", "c"].map((letter) => sketches.includes(letter));
  // The product of the chosen sketches' own monoids (as bench/windows.mjs), plus an event count.
  const fields = { n: MonoidSum };
  if (h) fields.users = HyperLogLog.monoid();
  if (b) fields.seen = BloomFilter.monoid({ capacity: 2000, falsePositiveRate: 0.01 });
  if (c) fields.frequency = CountMinSketch.monoid({ width: 272, depth: 3 });
  const monoid = struct(fields);
  const append = (state, key) => {
    if (h) state.users.addHashed(key);
    if (b) state.seen.addHashed(key);
    if (c) state.frequency.addHashed(key);
    state.n++; // append mutates the bucket's state
    return state;
  };
  // A bucket's first state is built in the storage TimeWindows passes to
  // prepare (its arena; monoid.empty could not take it). Builds whose
  // constructors take no storage argument (an arena made current instead)
  // ignore it, so every build runs this same aggregator.
  const fresh = (storage) => {
    const state = { n: 0 };
    if (h) state.users = new HyperLogLog({}, storage);
    if (b) state.seen = new BloomFilter({ capacity: 2000, falsePositiveRate: 0.01 }, storage);
    if (c) state.frequency = new CountMinSketch({ width: 272, depth: 3 }, storage);
    return state;
  };
  const aggregator = { prepare: (key, storage) => append(fresh(storage), key), append, present: (state) => state.n, semigroup: monoid, monoid };
  const event = new HashedKey();
  event.at = 0;
  event.system = 0;
  const ingest = () => {
    const windows = new TimeWindows({ aggregator, time: (e) => e.at, key: (e) => e.system });
    const start = performance.now();
    for (let i = 0; i < EVENTS; i++) {
      event.set(names[userIds[i]]);
      event.at = times[i];
      event.system = systems[i];
      windows.add(event);
    }
    return ((performance.now() - start) * 1e6) / EVENTS;
  };
  const runs = Array.from({ length: 7 }, ingest).sort((x, y) => x - y);
  process.stdout.write(JSON.stringify({ median: runs[3], best: runs[0] }));
}
