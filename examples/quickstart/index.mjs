// PaperTrail quick start: what the library can do today, on embedded data
// (no server needed). Run with `npm run demo` (builds, then runs this file
// against the built package, exactly as a user who installed it would).
import {
  Approximate,
  combineAll,
  compensatedSum,
  compensatedValue,
  createEnvelope,
  compensatedSumCodec,
  DecodeError,
  decodeCompensatedSum,
  encodeCompensatedSum,
  GroupCompensatedSum,
  hash64,
  HashedKey,
  mapMerge,
  MonoidApproximateSum,
  MonoidMax,
  MonoidSum,
  murmurHash3x86_32,
  ParameterMismatchError,
  setUnion,
  struct,
  vectorSum,
} from "papertrail";
import { BloomFilter, CountMinSketch, HyperLogLog, Moments, TDigest, TopK } from "papertrail/sketches";
import { aggregateState, count, distinctCount, groupBy, join, mapInput, mergeStates, presentMerged, quantiles } from "papertrail/aggregators";
import { TimeWindows } from "papertrail/windows";
import { checkLaws, monoidLaws } from "papertrail/laws";
import fc from "fast-check";

const heading = (text) => console.log(`\n== ${text}`);

// A small synthetic login stream, split across three "workers".
const users = ["alice", "bob", "carol", "dave", "erin"];
const systems = ["prod_db", "billing", "vpn"];
let state = 42;
const random = () => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32);
const events = Array.from({ length: 30 }, (_, i) => ({
  user: users[Math.floor(random() * users.length)],
  system: systems[Math.floor(random() * systems.length)],
  bytes: 1 + Math.floor(random() * 5000),
  failed: random() < 0.2,
  worker: i % 3,
}));

heading("Monoids: per-worker partial results, merged in any order");
const loginStats = struct({ logins: MonoidSum, failures: MonoidSum, largestTransfer: MonoidMax });
const perSystem = mapMerge(loginStats);
const partials = [0, 1, 2].map((worker) =>
  perSystem.combineAll(
    events
      .filter((event) => event.worker === worker)
      .map((event) => new Map([[event.system, { logins: 1, failures: event.failed ? 1 : 0, largestTransfer: event.bytes }]])),
  ),
);
const merged = combineAll(perSystem, partials);
const reversed = combineAll(perSystem, [...partials].reverse());
for (const [system, stats] of merged) console.log(`${system.padEnd(8)} ${JSON.stringify(stats)}`);
const sorted = (map) => JSON.stringify([...map].sort(([a], [b]) => a.localeCompare(b)));
console.log(`commutative: ${perSystem.commutative}; same result merged in reverse order: ${sorted(merged) === sorted(reversed)}`);
const usersSeen = combineAll(setUnion(), events.map((event) => new Set([event.user])));
console.log(`distinct users (exact, set union): ${usersSeen.size}`);

heading("Compensated sums: long sums of doubles without drift");
const tenths = Array.from({ length: 1_000_000 }, () => 0.1);
console.log(`naive sum of 1e6 x 0.1: ${tenths.reduce((a, b) => a + b, 0)}`);
const halves = [compensatedSum(tenths.slice(0, 500_000)), compensatedSum(tenths.slice(500_000))];
console.log(`compensated, merged from two workers: ${compensatedValue(GroupCompensatedSum.combineAll(halves))}`);

heading("Estimates carry their bounds");
const total = MonoidApproximateSum.combineAll([new Approximate(1000, 980, 1021, 0.99), new Approximate(250, 240, 262, 0.99)]);
console.log(`sum of two estimates: ${total}`);

heading("Hash once, feed many");
const key = new HashedKey();
for (const user of ["alice", "bob"]) {
  key.set(user);
  console.log(`${user}: hash64 = 0x${key.toBigInt().toString(16).padStart(16, "0")} (hi=0x${(key.hi >>> 0).toString(16)}, lo=0x${(key.lo >>> 0).toString(16)})`);
}
console.log(`same as hash64("alice"): ${HashedKey.of("alice").toBigInt() === hash64("alice")}`);
console.log(`MurmurHash3 x86_32("hello") = ${murmurHash3x86_32("hello")}`);

heading("Binary images and the envelope");
const image = encodeCompensatedSum(halves[0]);
console.log(`CompensatedSum image: ${image.length} bytes, ${Buffer.from(image.subarray(0, 8)).toString("hex")}... -> ${compensatedValue(decodeCompensatedSum(image))}`);
const envelope = createEnvelope({ codecs: [compensatedSumCodec] });
const checkpoint = envelope.encode({ perSystem: merged, bytesPerHour: Float64Array.of(10, 20, 30), totals: new Map([["prod_db", halves[1]]]) });
const restored = envelope.decode(checkpoint);
console.log(`envelope checkpoint: ${checkpoint.length} bytes; restored Map of ${restored.perSystem.size} systems, prod_db logins ${restored.perSystem.get("prod_db")?.logins}`);
try {
  decodeCompensatedSum(image.subarray(0, 10));
} catch (error) {
  console.log(`truncated image rejected: ${error instanceof DecodeError} (${error.code}: ${error.message})`);
}

heading("Sketches: distinct users, membership and frequencies over a login stream");
// 300,000 synthetic logins by 40,000 users (a few very active), split across 4 workers.
const workerCount = 4;
const stream = Array.from({ length: 300_000 }, () => {
  const u = random();
  return { user: `user-${Math.floor(40_000 * u * u * u)}`, worker: Math.floor(random() * workerCount) };
});
const workers = Array.from({ length: workerCount }, () => ({
  distinct: new HyperLogLog(),
  seen: new BloomFilter({ capacity: 50_000, falsePositiveRate: 0.001 }),
  frequency: new CountMinSketch({ epsilon: 0.0005, delta: 0.01 }),
}));
const hashed = new HashedKey();
for (const login of stream) {
  const worker = workers[login.worker];
  hashed.set(login.user); // hash once, feed all three sketches
  worker.distinct.addHashed(hashed);
  worker.seen.addHashed(hashed);
  worker.frequency.addHashed(hashed);
}
const distinct = HyperLogLog.monoid().combineAll(workers.map((w) => w.distinct));
const seen = BloomFilter.monoid({ capacity: 50_000, falsePositiveRate: 0.001 }).combineAll(workers.map((w) => w.seen));
const frequency = CountMinSketch.monoid({ epsilon: 0.0005, delta: 0.01 }).combineAll(workers.map((w) => w.frequency));
const exactCounts = new Map();
for (const login of stream) exactCounts.set(login.user, (exactCounts.get(login.user) ?? 0) + 1);
console.log(`distinct users: exact ${exactCounts.size}, HyperLogLog ${distinct.cardinality()} (${distinct.estimate(0.95)})`);
console.log(`did user-7 log in? ${seen.has("user-7")}; did mallory? ${seen.has("mallory")} (false-positive rate now ~${seen.estimatedFalsePositiveRate().toExponential(1)})`);
console.log(`logins by user-0: exact ${exactCounts.get("user-0")}, Count-Min ${frequency.frequency("user-0")} (${frequency.estimate("user-0")})`);
console.log(`sizes: HLL ${distinct.sizeInBytes} B in memory, Bloom ${seen.sizeInBytes} B, Count-Min ${frequency.sizeInBytes} B`);

heading("Sketches as bytes, and as Redis HyperLogLog strings");
const hllImage = distinct.toBytes();
console.log(`HyperLogLog image: ${hllImage.length} bytes -> cardinality ${HyperLogLog.fromBytes(hllImage).cardinality()}`);
const small = new HyperLogLog().add("alice").add("bob");
console.log(`2-item HyperLogLog image: ${small.toBytes().length} bytes`);
const redisString = distinct.toRedisBytes(); // SET this into Redis, then PFCOUNT / PFMERGE it there
const fromRedis = HyperLogLog.fromRedisBytes(redisString); // or the bytes of GET on a PFADD key
console.log(`Redis HYLL string: ${redisString.length} bytes (${redisString[4] === 0 ? "dense" : "sparse"}), read back: cardinality ${fromRedis.cardinality()}, equal: ${fromRedis.equals(distinct)}`);
const sketchEnvelope = createEnvelope({ codecs: [HyperLogLog.codec, BloomFilter.codec, CountMinSketch.codec] });
const sketchCheckpoint = sketchEnvelope.encode(new Map([["prod_db", { distinct, seen, frequency }]]));
const back = sketchEnvelope.decode(sketchCheckpoint).get("prod_db");
console.log(`envelope of three sketches: ${sketchCheckpoint.length} bytes; restored distinct count ${back.distinct.cardinality()}, user-0 frequency ${back.frequency.frequency("user-0")}`);

heading("Heavy hitters, statistics and quantiles");
// Failed logins by source IP (a few noisy scanners) and request latencies, from 4 workers.
const failed = Array.from({ length: 200_000 }, () => {
  const u = random();
  return `203.0.113.${Math.floor(256 * u * u * u * u)}`;
});
const latencies = Array.from({ length: 200_000 }, () => Math.exp(3 + 0.6 * Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random())));
const ipSummaries = [0, 1, 2, 3].map((w) => {
  const summary = new TopK({ capacity: 50 });
  for (let i = w; i < failed.length; i += 4) summary.add(failed[i]);
  return summary;
});
// TopK.monoid: the empty summary is an exact identity; associative up to truncation.
const topIps = TopK.monoid({ capacity: 50 }).combineAll(ipSummaries);
console.log("top 3 sources of failed logins:");
for (const entry of topIps.top(3)) console.log(`  ${entry.item}: ${entry.count} (overestimated by at most ${entry.error}; guaranteed in the top 3: ${entry.guaranteed})`);
const latencyStats = Moments.monoid().combineAll([0, 1, 2, 3].map((w) => new Moments().addAll(latencies.filter((_, i) => i % 4 === w))));
console.log(`latency: mean ${latencyStats.mean.toFixed(2)} ms, sd ${latencyStats.standardDeviation.toFixed(2)}, skewness ${latencyStats.skewness.toFixed(2)}, min ${latencyStats.min.toFixed(2)}, max ${latencyStats.max.toFixed(2)}; mean ${latencyStats.estimate(0.95)}`);
const latencyDigest = TDigest.monoid().combineAll([0, 1, 2, 3].map((w) => {
  const digest = new TDigest();
  for (let i = w; i < latencies.length; i += 4) digest.add(latencies[i]);
  return digest;
}));
const sortedLatencies = Float64Array.from(latencies).sort();
for (const q of [0.5, 0.99, 0.999]) {
  console.log(`  p${q * 100}: t-digest ${latencyDigest.quantile(q).toFixed(2)} ms, exact ${sortedLatencies[Math.ceil(q * sortedLatencies.length) - 1].toFixed(2)} ms`);
}
console.log(`t-digest: ${latencyDigest.centroidCount} centroids, image ${latencyDigest.toBytes().length} bytes`);

heading("Aggregators: one description, run anywhere");
// Per system: logins, distinct users and latency quantiles, in one pass.
const perSystemSummary = groupBy(
  join({ logins: count(), users: mapInput(distinctCount(), (e) => e.user), latency: mapInput(quantiles(), (e) => e.ms) }),
  (e) => e.system,
);
const logins = Array.from({ length: 60_000 }, (_, i) => ({
  system: systems[i % systems.length],
  user: `user-${Math.floor(random() * 5000)}`,
  ms: latencies[i],
}));
// Three workers aggregate their slices; their states (plain values: Maps of sketches) are merged.
const workerStates = [0, 1, 2].map((w) => aggregateState(perSystemSummary, logins.filter((_, i) => i % 3 === w)));
const summaryBySystem = presentMerged(perSystemSummary, workerStates);
for (const [system, summary] of summaryBySystem) {
  console.log(`${system.padEnd(8)} logins ${summary.logins}, distinct users ~${Math.round(summary.users.estimate)}, p99 latency ${summary.latency.quantile(0.99).toFixed(1)} ms`);
}
console.log(`merged state has ${mergeStates(perSystemSummary, workerStates).size} systems`);

heading("Time windows: distinct users in the last 24 hours and 7 days");
const hour = 3_600_000;
const t0 = Date.UTC(2026, 10, 1);
const windows = new TimeWindows({
  aggregator: mapInput(distinctCount(), (e) => e.user),
  key: (e) => e.system,
  time: (e) => e.at,
  codecs: [HyperLogLog.codec],
});
for (let i = 0; i < 100_000; i++) {
  // 20 days of logins, a little out of order; the last few arrive too late and are counted as dropped.
  const late = i >= 99_995;
  windows.add({ system: systems[i % 3], user: `user-${Math.floor(random() * 20_000)}`, at: t0 + Math.floor((i / 100_000) * 20 * 24 * hour) - (late ? 2 * hour : Math.floor(random() * 60_000)) });
}
const now = t0 + 20 * 24 * hour;
for (const window of ["24h", "7d"]) {
  const result = windows.query("prod_db", window, { now });
  console.log(`prod_db, last ${window}: ~${Math.round(result.value.estimate)} distinct users, from ${new Date(result.from).toISOString()} to ${new Date(result.to).toISOString()} (${result.buckets} buckets, exact range: ${result.exact})`);
}
console.log(`late events dropped (counted, not lost): ${windows.dropped.late}; snapshot: ${windows.toBytes().length} bytes`);

heading("Mismatched parameters refuse to combine");
try {
  vectorSum(24).combine(new Float64Array(24), new Float64Array(23));
} catch (error) {
  console.log(`${error instanceof ParameterMismatchError}: ${error.message}`);
}
try {
  new BloomFilter({ capacity: 1000, falsePositiveRate: 0.01 }).merge(new BloomFilter({ capacity: 1000, falsePositiveRate: 0.001 }));
} catch (error) {
  console.log(`${error instanceof ParameterMismatchError}: ${error.message}`);
}

heading("The law kit checks a monoid on random inputs");
checkLaws(monoidLaws(loginStats, fc.record({ logins: fc.nat(1000), failures: fc.nat(1000), largestTransfer: fc.double({ noNaN: true }) })));
console.log("struct({ logins, failures, largestTransfer }) satisfies the monoid and commutativity laws");
