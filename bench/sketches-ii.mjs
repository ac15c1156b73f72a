// Sketches II benchmark: TopK, Moments and TDigest against their peers, in
// one process run (no client library that defines a String subclass is loaded).
//
// - TopK (capacity 100) on a seeded Zipf(1.1) stream of 1,000,000 events over
//   100,000 string keys: adds/s with the events as references to 100,000
//   string objects, and as a user has them: every event its own fresh
//   string cut from a buffer of log lines (bench/top-k-ab.mjs's
//   freshFeeder); and whether top(10) is the exact top 10 in order (checked:
//   the run fails otherwise), against bloom-filters `TopK(10, 0.001, 0.01)`
//   (on the first 200,000 events: it is slow), which is also checked against
//   the exact top 10 of the events it saw.
// - Moments on 10,000,000 N(0,1) doubles from a Float64Array: add() in a
//   loop and addAll(), against a hand-written streaming Welford loop.
// - TDigest (compression 100) on 1,000,000 log-normal values: adds/s, merge
//   of two digests, memory, and the relative value error at p50/p99/p99.9
//   against the exact sorted data, against tdigest 0.1.3 (push, percentile,
//   merge by pushing one digest's centroids into the other).
// Medians of 5 runs after a warm-up (the slow peers: 3 runs). Run with
// `npm run bench:sketches-ii` (builds first) or `node bench/sketches-ii.mjs`
// after `npx tsup`.
import os from "node:os";
import { createRequire } from "node:module";
import { Moments, TDigest, TopK } from "papertrail/sketches";
import { makeZipfRanks, mulberry32 } from "./workloads.mjs";
import { exactTop10, freshFeeder, ipNames } from "./top-k-ab.mjs";
import { median } from "./stats.mjs";

const require = createRequire(import.meta.url);
const bloomFilters = require("bloom-filters");
const { TDigest: PeerTDigest } = require("tdigest");

const RUNS = 5;
const rows = [];
let sink = 0;

/** Runs `body` once to warm up, then `runs` times; returns the median milliseconds. */
function timeIt(body, runs = RUNS) {
  sink += Number(body()) || 0;
  const times = [];
  for (let r = 0; r < runs; r++) {
    const start = performance.now();
    sink += Number(body()) || 0;
    times.push(performance.now() - start);
  }
  return median(times);
}
function row(section, metric, papertrail, peer, target = "") {
  rows.push({ section, metric, papertrail, peer, target });
}
const perSecond = (count, ms) => `${(count / ms / 1000).toFixed(2)} M/s`;

/**
 * Heap bytes retained per instance by what `build` returns: builds `copies`
 * instances, keeps them alive, and divides the growth of the heap after a
 * full collection (needs node --expose-gc; else undefined).
 */
function retainedBytes(build, copies = 8) {
  if (typeof globalThis.gc !== "function") return undefined;
  globalThis.gc();
  globalThis.gc();
  const used = () => process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers; // typed arrays live outside the JS heap
  const before = used();
  const kept = [];
  for (let c = 0; c < copies; c++) kept.push(build());
  globalThis.gc();
  globalThis.gc();
  const after = used();
  sink += kept.length;
  return (after - before) / copies;
}
const showBytes = (bytes) => (bytes === undefined ? "n/a (run node --expose-gc)" : `${(bytes / 1024).toFixed(1)} KiB`);

function normals(count, seed) {
  const next = mulberry32(seed);
  const out = new Float64Array(count);
  for (let i = 0; i < count; i += 2) {
    const u = (next() + 1) / 4294967297;
    const v = next() / 4294967296;
    const radius = Math.sqrt(-2 * Math.log(u));
    out[i] = radius * Math.cos(2 * Math.PI * v);
    if (i + 1 < count) out[i + 1] = radius * Math.sin(2 * Math.PI * v);
  }
  return out;
}

// ---------------------------------------------------------------------------
// TopK
{
  const ranks = makeZipfRanks(1_000_000, 100_000, 1.1, 0x21bf);
  const names = ipNames(100_000);
  const events = Array.from(ranks, (r) => names[r]);
  const exactTop = exactTop10;
  const truth = exactTop(events);
  let ours;
  const ms = timeIt(() => {
    ours = new TopK({ capacity: 100 });
    for (let i = 0; i < events.length; i++) ours.add(events[i]);
    return ours.totalWeight;
  });
  const oursTop = ours.top(10).map((entry) => entry.item);
  const oursExact = oursTop.every((item, i) => item === truth[i]);
  const feedFresh = freshFeeder(events);
  const freshTimes = [];
  let fresh;
  for (let r = 0; r <= RUNS; r++) {
    fresh = new TopK({ capacity: 100 });
    const spent = feedFresh(fresh);
    if (r > 0) freshTimes.push(spent); // the first run warms up
  }
  const freshMs = median(freshTimes);
  const freshExact = fresh.top(10).every((entry, i) => entry.item === truth[i]);
  if (!oursExact || !freshExact) throw new Error("TopK: top(10) is not the exact top 10 of the Zipf stream");
  const peerEvents = events.slice(0, 200_000);
  const peerTruth = exactTop(peerEvents);
  let peer;
  const peerMs = timeIt(() => {
    peer = new bloomFilters.TopK(10, 0.001, 0.01);
    for (let i = 0; i < peerEvents.length; i++) peer.add(peerEvents[i]);
    return 1;
  }, 3);
  const peerTop = peer.values().map((v) => v.value);
  const found = peerTop.filter((item) => peerTruth.includes(item)).length;
  const inOrder = peerTop.every((item, i) => item === peerTruth[i]);
  row("TopK", "adds/s, Zipf(1.1) string keys (100,000 string objects)", perSecond(events.length, ms), `${perSecond(peerEvents.length, peerMs)} (200,000 events)`, ">= 10 M/s");
  row("TopK", "adds/s, the same events as fresh strings cut from log lines", perSecond(events.length, freshMs), "-", ">= 10 M/s");
  row("TopK", "top(10) vs exact top 10", `${oursTop.filter((i) => truth.includes(i)).length}/10, in order: ${oursExact}`, `${found}/10, in order: ${inOrder}`, "exact, in order");
  const ourHeap = retainedBytes(() => {
    const summary = new TopK({ capacity: 100 });
    for (let i = 0; i < 200_000; i++) summary.add(events[i]);
    return summary;
  }, 64);
  const peerHeap = retainedBytes(() => {
    const summary = new bloomFilters.TopK(10, 0.001, 0.01);
    for (let i = 0; i < 20_000; i++) summary.add(events[i]);
    return summary;
  }, 4);
  row("TopK", "memory (heap + array buffers retained after gc)", `${showBytes(ourHeap)} (capacity 100); sizeInBytes ${ours.sizeInBytes}, image ${ours.toBytes().length} B`, `${showBytes(peerHeap)} (Count-Min 2719 x 5 + heap of 10)`, "");
  const parts = Array.from({ length: 8 }, () => new TopK({ capacity: 100 }));
  events.forEach((item, i) => parts[i % 8].add(item));
  const mergeMs = timeIt(() => {
    const merged = parts[0].clone();
    for (let p = 1; p < 8; p++) merged.merge(parts[p]);
    return merged.totalWeight;
  });
  const merged = parts.slice(1).reduce((acc, part) => acc.merge(part), parts[0].clone());
  row("TopK", "merge of 8 partition summaries", `${(mergeMs * 1000).toFixed(1)} µs; top(10) exact in order: ${merged.top(10).every((e, i) => e.item === truth[i])}`, "-", "");
}

// ---------------------------------------------------------------------------
// Moments
{
  const values = normals(10_000_000, 0x30);
  const count = values.length;
  let moments;
  const addMs = timeIt(() => {
    moments = new Moments();
    for (let i = 0; i < count; i++) moments.add(values[i]);
    return moments.variance;
  });
  const addAllMs = timeIt(() => new Moments().addAll(values).variance);
  const welfordMs = timeIt(() => {
    let n = 0;
    let mean = 0;
    let m2 = 0;
    for (let i = 0; i < count; i++) {
      const x = values[i];
      n++;
      const delta = x - mean;
      mean += delta / n;
      m2 += delta * (x - mean);
    }
    return m2 / n;
  });
  row("Moments", "add() loop, 1e7 doubles", perSecond(count, addMs), `hand-written Welford (mean, M2 only): ${perSecond(count, welfordMs)}`, ">= 50 M/s");
  row("Moments", "addAll(Float64Array)", perSecond(count, addAllMs), "-", ">= 50 M/s");
  row("Moments", "memory", `sizeInBytes ${moments.sizeInBytes}, image ${moments.toBytes().length} B`, "-", "");
}

// ---------------------------------------------------------------------------
// TDigest
{
  const count = 1_000_000;
  const values = normals(count, 0x7d).map(Math.exp);
  const sorted = Float64Array.from(values).sort();
  const exact = (q) => sorted[Math.min(count - 1, Math.max(0, Math.ceil(q * count) - 1))];
  let ours;
  const addMs = timeIt(() => {
    ours = new TDigest();
    for (let i = 0; i < count; i++) ours.add(values[i]);
    return ours.quantile(0.5);
  });
  let peer;
  const peerMs = timeIt(() => {
    peer = new PeerTDigest();
    for (let i = 0; i < count; i++) peer.push(values[i]);
    peer.compress();
    return peer.percentile(0.5);
  }, 3);
  const half = count / 2;
  const a = new TDigest();
  const b = new TDigest();
  for (let i = 0; i < count; i++) (i < half ? a : b).add(values[i]);
  a.quantile(0.5);
  b.quantile(0.5);
  const mergeMs = timeIt(() => a.clone().merge(b).totalWeight);
  const cloneMs = timeIt(() => a.clone().totalWeight);
  const peerA = new PeerTDigest();
  const peerB = new PeerTDigest();
  for (let i = 0; i < count; i++) (i < half ? peerA : peerB).push(values[i]);
  peerA.compress();
  peerB.compress();
  const peerMergeMs = timeIt(() => {
    const target = new PeerTDigest();
    for (const c of peerA.toArray()) target.push(c.mean, c.n);
    for (const c of peerB.toArray()) target.push(c.mean, c.n);
    target.compress();
    return target.size();
  }, 3);
  const relative = (got, q) => `${(((got - exact(q)) / exact(q)) * 100).toFixed(3)} %`;
  row("TDigest", "adds/s, 1e6 log-normal", perSecond(count, addMs), `tdigest 0.1.3 push: ${perSecond(count, peerMs)}`, ">= 5 M/s");
  row("TDigest", "merge of two digests", `${(mergeMs - cloneMs).toFixed(3)} ms (merge ${mergeMs.toFixed(3)} ms incl. a clone of ${cloneMs.toFixed(3)} ms)`, `re-push both digests' centroids: ${peerMergeMs.toFixed(3)} ms`, "<= 0.5 ms");
  row("TDigest", "centroids", String(ours.centroidCount), String(peer.size()), "");
  const ourHeap = retainedBytes(() => {
    const digest = new TDigest();
    for (let i = 0; i < count; i++) digest.add(values[i]);
    digest.quantile(0.5);
    return digest;
  });
  const peerHeap = retainedBytes(() => {
    const digest = new PeerTDigest();
    for (let i = 0; i < count; i++) digest.push(values[i]);
    digest.compress();
    return digest;
  });
  row("TDigest", "memory (heap + array buffers retained after gc)", `${showBytes(ourHeap)}; sizeInBytes ${ours.sizeInBytes}, image ${ours.toBytes().length} B`, showBytes(peerHeap), "less than the peer");
  for (const q of [0.5, 0.99, 0.999]) {
    row("TDigest", `relative value error at p${q * 100}`, relative(ours.quantile(q), q), relative(peer.percentile(q), q), "");
  }
}

console.log(`node ${process.version}, ${os.cpus()[0]?.model ?? "unknown cpu"}, ${os.cpus().length} logical CPUs, load average ${os.loadavg().map((x) => x.toFixed(2)).join(", ")}`);
let section = "";
for (const r of rows) {
  if (r.section !== section) {
    section = r.section;
    console.log(`\n### ${section}\n\n| metric | papertrail | peer | target |\n|---|---|---|---|`);
  }
  console.log(`| ${r.metric} | ${r.papertrail} | ${r.peer} | ${r.target} |`);
}
console.log(`\n(sink ${sink !== 0})`);
