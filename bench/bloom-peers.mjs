// Bloom filter add/has side by side with jasondavies' `bloomfilter`, shaped
// like a user's code, and the factors that move the ratio between them.
//
// "User-shaped" (the `user` scenario): both filters get the same shape
// (papertrail's optimum for capacity 1e6 at p = 0.001: m = 14,377,588 bits,
// k = 10; bloomfilter rounds m up to a multiple of 32), both are fed the same
// array of 1,000,000 distinct keys ("user-123456" and dotted IPv4, as
// bench/workloads.mjs makes them, flat one-byte strings as read off a socket
// or out of JSON), each from its own loop (its own function literal, so each
// call site sees one class), after one untimed warm-up pass, alternating
// which library runs first from one slice of keys to the next (see CHUNKS).
// Every timed pass starts from a fresh filter; `add` passes fill it, `has`
// passes query the keys just added (all k probes).
//
// The other scenarios each change one thing from `user`:
//   k7       - p = 0.01 (m = 9,585,059, k = 7): fewer probes per key;
//   long     - the same keys inside a request line,
//              "GET /api/v1/sessions/<key>?client=web" (44-48 characters
//              instead of 11-15): hashing dominates;
//   cons     - keys built by template literals and used as built (not
//              flattened by a JSON round trip; V8 makes concatenations of 13
//              characters or more cons strings, so this affects the longer
//              IPv4 keys);
//   shared   - both libraries timed through one helper
//              (`fill(filter, keys)` calling `filter.add(key)`), so that call
//              site sees both classes (polymorphic), as a generic benchmark
//              harness does;
//   nowarm   - no warm-up pass: the first timed passes include compilation;
//   string   - a String subclass exists in the process (ioredis defines one
//              when it loads), which slows V8's charCodeAt loops;
//   addhas   - each timed pass adds and then queries the same keys, and the
//              rate counts keys (not operations), as a harness timing
//              "insert then check" does.
//
// Each scenario runs in its own child processes, `--rounds` of them per
// scenario (default 4), scenarios interleaved round by round so that load
// from other processes hits all of them alike. Per child: median of 5 timed
// passes per library, each pass timed slice by slice, interleaved, in
// process CPU time (on an idle machine the same as wall time; on a shared
// one it leaves out the time this process waits for a core); printed: per scenario the per-child medians (M keys/s)
// and the ratio papertrail / bloomfilter per child, and its median.
//
// Run: npx tsup --silent && node bench/bloom-peers.mjs [--rounds 4] [--only user,k7] [--dist .ab/before]
// (--dist: a directory holding another build's `sketches/` and `hashing/`;
// default: this package's dist through its exports.)
import { execFileSync } from "node:child_process";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { makeKeys, mulberry32 } from "./workloads.mjs";
import { median } from "./stats.mjs";

const SCENARIOS = ["user", "k7", "long", "cons", "shared", "nowarm", "string", "addhas"];
const KEYS = 1_000_000;
const RUNS = 5;
const CHUNKS = 20;
const SEED = 0x5eed;

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const at = args.indexOf(name);
  return at < 0 ? fallback : args[at + 1];
};

if (args[0] === "--child") {
  await child(args[1], args[2] === "-" ? undefined : args[2]);
} else {
  await parent();
}

async function parent() {
  const rounds = Number(option("--rounds", "4"));
  const only = option("--only", SCENARIOS.join(",")).split(",");
  const dist = option("--dist", undefined);
  const self = fileURLToPath(import.meta.url);
  console.log(`node ${process.version}, ${os.cpus()[0]?.model ?? "unknown CPU"}, ${os.cpus().length} logical CPUs, load average ${loadAverage()}`);
  console.log(`papertrail build: ${dist ?? "this package's dist"}; ${rounds} child processes per scenario, ${RUNS} timed passes per library in each\n`);
  const results = new Map(only.map((scenario) => [scenario, []]));
  for (let round = 0; round < rounds; round++) {
    for (const scenario of only) {
      const out = execFileSync(process.execPath, [self, "--child", scenario, dist ? path.resolve(dist) : "-"], { encoding: "utf8" });
      results.get(scenario).push(JSON.parse(out));
    }
  }
  for (const [scenario, children] of results) {
    const first = children[0];
    console.log(`${scenario}: m = ${first.bits} / ${first.peerBits} bits, k = ${first.hashes}; M keys/s per child (papertrail / bloomfilter = ratio)`);
    for (const op of Object.keys(first.rates)) {
      const ratios = children.map((c) => c.rates[op].papertrail / c.rates[op].bloomfilter);
      const cells = children.map((c, i) => `${c.rates[op].papertrail.toFixed(1)}/${c.rates[op].bloomfilter.toFixed(1)}=${ratios[i].toFixed(2)}`);
      console.log(`  ${op.padEnd(6)} ${cells.join("  ")}  median ratio ${median(ratios).toFixed(2)}`);
    }
  }
  console.log(`\nload average ${loadAverage()}`);
}

async function child(scenario, dist) {
  if (scenario === "string") {
    // What ioredis does on load (class VerbatimString extends String).
    class Marked extends String {}
    void Marked;
  }
  const { BloomFilter } = dist
    ? await import(pathToFileURL(path.join(dist, "sketches", "index.js")).href)
    : await import("papertrail/sketches");
  const { BloomFilter: PeerBloom } = await import("bloomfilter");
  const options = scenario === "k7" ? { capacity: KEYS, falsePositiveRate: 0.01 } : { capacity: KEYS, falsePositiveRate: 0.001 };
  const keys =
    scenario === "cons"
      ? consKeys(KEYS, SEED)
      : scenario === "long"
        ? JSON.parse(JSON.stringify(makeKeys(KEYS, 0, SEED).keys.map((key) => `GET /api/v1/sessions/${key}?client=web`)))
        : makeKeys(KEYS, 0, SEED).keys;
  const shape = new BloomFilter(options);
  const make = {
    papertrail: () => new BloomFilter(options),
    bloomfilter: () => new PeerBloom(shape.bits, shape.hashes),
  };

  // Each library's loops are their own function literals (monomorphic call
  // sites), except in `shared`, where both go through `fill` and `query`.
  const loops = {
    papertrail: {
      add: (filter, from, to) => {
        for (let i = from; i < to; i++) filter.add(keys[i]);
        return 0;
      },
      has: (filter, from, to) => {
        let hits = 0;
        for (let i = from; i < to; i++) if (filter.has(keys[i])) hits++;
        return hits;
      },
    },
    bloomfilter: {
      add: (filter, from, to) => {
        for (let i = from; i < to; i++) filter.add(keys[i]);
        return 0;
      },
      has: (filter, from, to) => {
        let hits = 0;
        for (let i = from; i < to; i++) if (filter.test(keys[i])) hits++;
        return hits;
      },
    },
  };
  if (scenario === "shared") {
    const fill = (filter, from, to) => {
      for (let i = from; i < to; i++) filter.add(keys[i]);
      return 0;
    };
    const query = (filter, from, to, test) => {
      let hits = 0;
      for (let i = from; i < to; i++) if (test(filter, keys[i])) hits++;
      return hits;
    };
    loops.papertrail = { add: fill, has: (filter, from, to) => query(filter, from, to, (f, key) => f.has(key)) };
    loops.bloomfilter = { add: fill, has: (filter, from, to) => query(filter, from, to, (f, key) => f.test(key)) };
  }
  if (scenario === "addhas") {
    for (const name of Object.keys(loops)) {
      const { add, has } = loops[name];
      loops[name] = { addhas: (filter, from, to) => add(filter, from, to) + has(filter, from, to) };
    }
  }
  const names = ["papertrail", "bloomfilter"];
  const ops = Object.keys(loops.papertrail);
  let sink = 0;
  if (scenario !== "nowarm") {
    for (const name of names) {
      const filter = make[name]();
      for (const op of ops) sink += loops[name][op](filter, 0, keys.length);
    }
  }
  // A pass walks the keys in CHUNKS slices and runs both libraries on each
  // slice in turn (which one first alternates), timing each slice in CPU
  // time of this process: the two libraries then see the same load from
  // other processes, within milliseconds of each other, and time spent
  // descheduled on a shared machine counts for neither.
  const seconds = Object.fromEntries(ops.map((op) => [op, { papertrail: [], bloomfilter: [] }]));
  const chunk = Math.ceil(keys.length / CHUNKS);
  for (let run = 0; run < RUNS; run++) {
    const filters = { papertrail: make.papertrail(), bloomfilter: make.bloomfilter() };
    for (const op of ops) {
      const total = { papertrail: 0, bloomfilter: 0 };
      for (let c = 0; c < CHUNKS; c++) {
        const from = c * chunk;
        const to = Math.min(keys.length, from + chunk);
        const order = (run + c) % 2 === 0 ? names : [...names].reverse();
        for (const name of order) {
          const start = process.cpuUsage();
          sink += loops[name][op](filters[name], from, to);
          const used = process.cpuUsage(start);
          total[name] += (used.user + used.system) / 1000;
        }
      }
      for (const name of names) seconds[op][name].push(total[name] / 1000);
    }
  }
  const rates = {};
  for (const op of ops) {
    rates[op] = {};
    for (const name of names) rates[op][name] = keys.length / median(seconds[op][name]) / 1e6;
  }
  const passes = RUNS + (scenario === "nowarm" ? 0 : 1);
  if (sink !== passes * 2 * keys.length) throw new Error(`a filter missed a key it was given (${sink})`);
  process.stdout.write(JSON.stringify({ bits: shape.bits, peerBits: make.bloomfilter().m, hashes: shape.hashes, rates }));
}

/** The keys of makeKeys, but left as the template literals build them (cons strings above 12 characters). */
function consKeys(count, seed) {
  const next = mulberry32(seed);
  const seen = new Set();
  const all = [];
  while (all.length < count) {
    const key = all.length % 2 === 0 ? `user-${100000 + (next() % 900000)}` : `${next() & 255}.${next() & 255}.${next() & 255}.${next() & 255}`;
    if (seen.has(key)) continue;
    seen.add(key);
    all.push(key);
  }
  return all;
}

function loadAverage() {
  return os.loadavg().map((load) => load.toFixed(2)).join(", ");
}
