// Time-windows benchmark: 1,000,000 events spread over 30 days, ingested
// into per-system hourly windows (default levels: hourly kept 168 buckets,
// daily 90, eager daily rollups) for 10 systems. Each bucket holds a
// HyperLogLog of distinct users, a Bloom filter of users and a Count-Min
// sketch of user frequencies; every event's user is hashed once into a
// reused HashedKey that feeds all three (the aggregator's input is a
// Hash64Out carrying the event's time and system).
//
// Reports: events/s (target >= 3M/s), median and best of 5 runs after a
// warm-up, for user names as JSON.parse gives them (flat strings) and as a
// template literal builds them (cons strings, slower to read),
// memory after the 30 days (sum of sizeInBytes of all bucket states, and
// heap growth measured with --expose-gc), and the latency of a `7d`
// distinct-users query (target <= 1 ms; median over 200 queries).
// Run with `node --expose-gc bench/windows.mjs` after `npx tsup`.
import os from "node:os";
import { struct } from "papertrail/algebra";
import { HashedKey } from "papertrail/hashing";
import { BloomFilter, CountMinSketch, HyperLogLog } from "papertrail/sketches";
import { TimeWindows } from "papertrail/windows";
import { windowsWorkload } from "./workloads.mjs";

const BLOOM = { capacity: 2000, falsePositiveRate: 0.01 };
const CMS = { width: 272, depth: 3 };

function median(values) {
  return [...values].sort((a, b) => a - b)[values.length >> 1];
}

// The workload: times advance over 30 days with up to 2 minutes of disorder
// (within the default 5-minute lateness), skewed systems and users.
const { events: EVENTS, systems: SYSTEMS, users: USERS, times, systemOf: systems, userOf: userIds } = windowsWorkload();
// User names as a consumer gets them: JSON.parse of the message gives flat
// strings. The same names built by a template literal are V8 cons strings
// (a rope of two parts), which every charCodeAt has to walk; the benchmark
// ingests both and reports both.
const templateNames = Array.from({ length: USERS }, (_, i) => `user-${i}@corp.example`);
const parsedNames = JSON.parse(JSON.stringify(templateNames));

// The per-bucket state and its aggregator over a Hash64Out input: the
// product (struct) of the three sketches' own monoids, whose bulk combine
// merges each field into one copy.
const monoid = struct({ users: HyperLogLog.monoid(), seen: BloomFilter.monoid(BLOOM), frequency: CountMinSketch.monoid(CMS) });
const append = (state, key) => {
  state.users.addHashed(key);
  state.seen.addHashed(key);
  state.frequency.addHashed(key);
  return state;
};
const aggregator = { prepare: (key) => append(monoid.empty, key), append, present: (state) => state.users.count(), semigroup: monoid, monoid };

// One reused event object: a HashedKey (hi, lo) plus the time and system.
const event = new HashedKey();
event.at = 0;
event.system = 0;

function ingest(userNames = parsedNames) {
  const windows = new TimeWindows({ aggregator, time: (e) => e.at, key: (e) => e.system });
  const start = performance.now();
  for (let i = 0; i < EVENTS; i++) {
    event.set(userNames[userIds[i]]);
    event.at = times[i];
    event.system = systems[i];
    windows.add(event);
  }
  return { windows, ms: performance.now() - start };
}

// Warm-up, which also measures memory: heap + array buffers before and after one ingest.
const used = () => process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
// Full collections, with turns of the event loop between them so freed
// array buffers are really swept before memory is read.
async function settle() {
  if (!globalThis.gc) return;
  for (let i = 0; i < 3; i++) {
    globalThis.gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
}
await settle();
const before = used();
let kept = ingest().windows;
await settle();
const heapBytes = globalThis.gc ? used() - before : Number.NaN;
kept = undefined;
const RUNS = 5;
const runs = [];
const templateRuns = [];
let windows;
// Alternate the two key shapes, so machine noise hits both alike.
for (let r = 0; r < RUNS; r++) {
  if (globalThis.gc) globalThis.gc();
  const result = ingest(parsedNames);
  runs.push(result.ms);
  windows = result.windows;
  if (globalThis.gc) globalThis.gc();
  templateRuns.push(ingest(templateNames).ms);
}
const rate = (ms) => `${(EVENTS / ms / 1000).toFixed(2)} M events/s`;

// Context: the same loop doing only the hashing (no windows, no sketches).
function hashOnly(userNames) {
  const start = performance.now();
  let sink = 0;
  for (let i = 0; i < EVENTS; i++) sink ^= event.set(userNames[userIds[i]]).lo;
  return performance.now() - start + (sink === 0.5 ? 1 : 0);
}
const hashRuns = [];
const templateHashRuns = [];
for (let r = 0; r < RUNS; r++) {
  hashRuns.push(hashOnly(parsedNames));
  templateHashRuns.push(hashOnly(templateNames));
}
const nsPerEvent = (ms) => `${((ms / EVENTS) * 1e6).toFixed(0)} ns/event`;

// Memory: states' own storage, and heap growth of a fresh ingest.
let stateBytes = 0;
let buckets = 0;
for (const system of windows.keys()) {
  for (const bucket of windows.buckets(system)) {
    stateBytes += bucket.state.users.sizeInBytes + bucket.state.seen.sizeInBytes + bucket.state.frequency.sizeInBytes;
    buckets++;
  }
}
// Latency of "distinct users of system 0 in the last 7 days".
const now = windows.watermark;
const latencies = [];
let sink = 0;
for (let q = 0; q < 220; q++) {
  const start = performance.now();
  const result = windows.query(q % SYSTEMS, "7d", { now: now - (q % 5) * 3_600_000 });
  latencies.push(performance.now() - start);
  sink += result.value;
}
latencies.splice(0, 20); // warm-up
const sample = windows.query(0, "7d", { now });

const mb = (bytes) => `${(bytes / 2 ** 20).toFixed(1)} MB`;
console.log(`windows benchmark — node ${process.version}, ${os.cpus()[0]?.model ?? "cpu"} x${os.cpus().length}`);
console.log(`ingest: ${EVENTS.toLocaleString()} events over 30 days, ${SYSTEMS} systems, HLL + Bloom + Count-Min per hourly bucket`);
console.log(
  `  keys from JSON.parse (flat strings): ${rate(median(runs))} median, best ${rate(Math.min(...runs))} (${runs.map((ms) => ms.toFixed(0)).join(", ")} ms)   target >= 3 M/s`,
);
console.log(
  `  keys from a template literal (cons strings): ${rate(median(templateRuns))} median, best ${rate(Math.min(...templateRuns))} (${templateRuns.map((ms) => ms.toFixed(0)).join(", ")} ms)`,
);
console.log(
  `  of which hashing alone: flat ${nsPerEvent(median(hashRuns))} of ${nsPerEvent(median(runs))}, cons ${nsPerEvent(median(templateHashRuns))} of ${nsPerEvent(median(templateRuns))}`,
);
console.log(`memory: ${buckets} buckets (${windows.bucketCount} stored), states ${mb(stateBytes)}, heap + array buffers growth ${Number.isNaN(heapBytes) ? "n/a (run with --expose-gc)" : mb(heapBytes)}`);
console.log(`query 7d distinct: median ${(median(latencies) * 1000).toFixed(0)} µs, p99 ${(latencies.sort((a, b) => a - b)[Math.floor(latencies.length * 0.99)] * 1000).toFixed(0)} µs   target <= 1 ms`);
console.log(`  system 0, last 7 days: ${sample.value} distinct users from ${sample.buckets} buckets covering ${new Date(sample.from).toISOString()} .. ${new Date(sample.to).toISOString()}`);
console.log(`dropped: ${JSON.stringify(windows.dropped)}${sink < 0 ? "" : ""}`);
