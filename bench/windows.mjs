// Time-windows benchmark: 1,000,000 events spread over 30 days, ingested
// into per-system hourly windows (default levels: hourly kept 169 buckets,
// daily 90, eager daily rollups) for 10 systems. Each bucket holds a
// HyperLogLog of distinct users, a Bloom filter of users and a Count-Min
// sketch of user frequencies; every event's user is hashed once into a
// reused HashedKey that feeds all three (the aggregator's input is a
// Hash64Out carrying the event's time and system).
//
// Reports: events/s (target >= 3M/s), median and best of 5 runs after a
// warm-up run of each, for three sources of the user names:
// - each event its own string, made per batch of 10,000 events just before
//   the batch (untimed): JSON.parse of message-shaped objects (flat
//   strings, among the other fields), and a template literal (V8 cons
//   strings, slower to read). A best case of a consumer: the batch's
//   messages are small and fresh, so mostly still in cache;
// - one shared table of the 50,000 names, picked at random per event: many
//   events then stall loading a name that is not in cache (the
//   ids are skewed, so the hot names are).
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
import { median } from "./stats.mjs";

const BLOOM = { capacity: 2000, falsePositiveRate: 0.01 };
const CMS = { width: 272, depth: 3 };

// The workload: times advance over 30 days with up to 2 minutes of disorder
// (within the default 5-minute lateness), skewed systems and users.
const { events: EVENTS, systems: SYSTEMS, users: USERS, times, systemOf: systems, userOf: userIds } = windowsWorkload();
// User names, per batch of 10,000 events made untimed just before it, so only
// one batch is alive, as in a consumer: JSON.parse of message-shaped objects
// (the name a flat string among the message's other fields), or a template
// literal (a V8 cons string). Or a shared table of the 50,000 names, read at
// random: a cache miss for most events whose name is not among the hot ones.
const BATCH = 10_000;
const inBatch = Uint32Array.from({ length: EVENTS }, (_, i) => i % BATCH);
const batchJson = [];
for (let b = 0; b < EVENTS; b += BATCH) {
  const messages = [];
  for (let i = b; i < Math.min(EVENTS, b + BATCH); i++) {
    messages.push({ id: `evt-${i}`, at: new Date(times[i]).toISOString(), system: `system-${systems[i]}`, action: "login", user: `user-${userIds[i]}@corp.example` });
  }
  batchJson.push(JSON.stringify(messages));
}
const tableNames = JSON.parse(JSON.stringify(Array.from({ length: USERS }, (_, i) => `user-${i}@corp.example`)));
const SOURCES = [
  { label: "each event its own string, JSON.parse of messages (flat strings)", batch: (b) => JSON.parse(batchJson[b / BATCH]).map((message) => message.user), index: inBatch },
  {
    label: "each event its own string, template literal (cons strings)",
    batch: (b) => Array.from(userIds.subarray(b, b + BATCH), (id) => `user-${id}@corp.example`),
    index: inBatch,
  },
  { label: "names from one table of 50,000, random access (flat strings)", batch: () => tableNames, index: userIds },
];

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
// A bucket's first state is built in the storage TimeWindows passes to
// prepare (its arena; monoid.empty could not take it).
const fresh = (storage) => ({ users: new HyperLogLog({}, storage), seen: new BloomFilter(BLOOM, storage), frequency: new CountMinSketch(CMS, storage) });
const aggregator = { prepare: (key, storage) => append(fresh(storage), key), append, present: (state) => state.users.cardinality(), semigroup: monoid, monoid };

// One reused event object: a HashedKey (hi, lo) plus the time and system.
const event = new HashedKey();
event.at = 0;
event.system = 0;

function ingest({ batch, index } = SOURCES[0]) {
  const windows = new TimeWindows({ aggregator, time: (e) => e.at, key: (e) => e.system });
  let ms = 0;
  for (let b = 0; b < EVENTS; b += BATCH) {
    const names = batch(b);
    const end = Math.min(EVENTS, b + BATCH);
    const start = performance.now();
    for (let i = b; i < end; i++) {
      event.set(names[index[i]]);
      event.at = times[i];
      event.system = systems[i];
      windows.add(event);
    }
    ms += performance.now() - start;
  }
  return { windows, ms };
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
// The other sources' warm-up: each meets its own string shapes once untimed.
for (const source of SOURCES.slice(1)) ingest(source);
const RUNS = 5;
const runs = SOURCES.map(() => []);
let windows;
// Alternate the sources, so machine noise hits all alike.
for (let r = 0; r < RUNS; r++) {
  SOURCES.forEach((source, k) => {
    windows = undefined;
    if (globalThis.gc) globalThis.gc();
    const result = ingest(source);
    runs[k].push(result.ms);
    windows = result.windows;
  });
}
const rate = (ms) => `${(EVENTS / ms / 1000).toFixed(2)} M events/s`;

// Context: the same loop doing only the hashing (no windows, no sketches).
function hashOnly({ batch, index }) {
  let ms = 0;
  let sink = 0;
  for (let b = 0; b < EVENTS; b += BATCH) {
    const names = batch(b);
    const end = Math.min(EVENTS, b + BATCH);
    const start = performance.now();
    for (let i = b; i < end; i++) sink ^= event.set(names[index[i]]).lo;
    ms += performance.now() - start;
  }
  return ms + (sink === 0.5 ? 1 : 0);
}
const hashRuns = SOURCES.map(() => []);
for (let r = 0; r < RUNS; r++) SOURCES.forEach((source, k) => hashRuns[k].push(hashOnly(source)));
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
// Latency of "distinct users of system 0 in the last 7 days", after a full
// collection (the name arrays above fill the heap; a major GC landing in the
// loop would be timed as a query).
if (globalThis.gc) globalThis.gc();
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
SOURCES.forEach((source, k) => {
  const ms = runs[k];
  console.log(
    `  ${source.label}: ${rate(median(ms))} median, best ${rate(Math.min(...ms))} (${ms.map((x) => x.toFixed(0)).join(", ")} ms)${k === 0 ? "   target >= 3 M/s" : ""}`,
  );
  console.log(`    of which hashing alone: ${nsPerEvent(median(hashRuns[k]))} of ${nsPerEvent(median(ms))}`);
});
console.log(`memory: ${buckets} buckets (${windows.bucketCount} stored), states ${mb(stateBytes)}, heap + array buffers growth ${Number.isNaN(heapBytes) ? "n/a (run with --expose-gc)" : mb(heapBytes)}`);
console.log(`query 7d distinct: median ${(median(latencies) * 1000).toFixed(0)} µs, p99 ${(latencies.sort((a, b) => a - b)[Math.floor(latencies.length * 0.99)] * 1000).toFixed(0)} µs   target <= 1 ms`);
console.log(`  system 0, last 7 days: ${sample.value} distinct users from ${sample.buckets} buckets covering ${new Date(sample.from).toISOString()} .. ${new Date(sample.to).toISOString()}`);
console.log(`dropped: ${JSON.stringify(windows.dropped)}${sink < 0 ? "" : ""}`);
