// A/B harness for TopK.add on the Zipf stream of bench/sketches-ii.mjs,
// against two or more builds of the library, alternating child processes
// so machine noise hits every build alike. Copy a build aside first, e.g.
//   npx tsup && cp -r dist .ab/before   (then change, rebuild, cp -r dist .ab/after)
//   node bench/top-k-ab.mjs .ab/before .ab/after [--rounds 4]
// Rows, each the median of 5 timed runs after a warm-up, in M adds/s, for a
// TopK of capacity 100 fed 1,000,000 Zipf(1.1) events over 100,000 IPv4
// strings (the workload of bench/sketches-ii.mjs):
//   reused - the events are references to 100,000 string objects (V8 caches
//            each string's hash after its first use): the bench's own view;
//   fresh  - every event is its own string, cut from a latin1 buffer of log
//            lines as a service reading a socket or a file has it (hash not
//            yet computed, never pointer-equal to the tracked key): 1024 at a
//            time, then added; only the adds are timed.
// Each row also checks that top(10) is the exact top 10, in order (a build
// that misses it fails the run). Under a drifting load, the per-round ratios
// (each build over the first, measured back to back) are steadier than the
// rates. `.ab/` is git-ignored.
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { alternateBuilds, printAlternation } from "./ab.mjs";
import { makeZipfRanks } from "./workloads.mjs";

// Run as a script (bench/sketches-ii.mjs imports the workload helpers below).
const runDirectly = process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
const args = process.argv.slice(2);
const roundsAt = args.indexOf("--rounds");
const rounds = roundsAt < 0 ? 4 : Number(args.splice(roundsAt, 2)[1]);

if (!runDirectly) {
  // imported for its helpers
} else if (args[0] === "--child") {
  await child(args[1]);
} else {
  if (args.length === 0) {
    console.error("usage: node bench/top-k-ab.mjs <dist-a> <dist-b> ... [--rounds 4]");
    process.exit(2);
  }
  const results = alternateBuilds(import.meta.url, args, rounds);
  console.log(`TopK.add A/B, ${rounds} rounds per build (M adds/s, per-process medians, sorted;`);
  console.log(`ratios: each build over the first one in the same round, sorted)`);
  printAlternation(results, args, (v) => v.toFixed(2));
}

/** 100,000 IPv4-style keys, as in bench/sketches-ii.mjs. */
export function ipNames(count) {
  return JSON.parse(JSON.stringify(Array.from({ length: count }, (_, r) => `10.${((r * 7919) >>> 16) & 255}.${((r * 7919) >>> 8) & 255}.${(r * 7919) & 255}`)));
}

/** The exact top 10 of `events` (ties by item), as strings. */
export function exactTop10(events) {
  const counts = new Map();
  for (const item of events) counts.set(item, (counts.get(item) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, 10).map(([item]) => item);
}

/**
 * A latin1 buffer of one line per event, and `feed(sketch)`, which cuts the
 * events out of it as fresh strings, 1024 at a time, and adds each batch
 * to the sketch, timing only the adds; returns the milliseconds spent adding.
 */
export function freshFeeder(events) {
  const buffer = Buffer.from(events.join("\n"), "latin1");
  const starts = new Int32Array(events.length + 1);
  for (let i = 0, at = 0; i <= events.length; i++) {
    starts[i] = at;
    if (i < events.length) at += events[i].length + 1;
  }
  const batch = new Array(1024).fill("");
  return (sketch) => {
    let ms = 0;
    for (let from = 0; from < events.length; from += batch.length) {
      const to = Math.min(events.length, from + batch.length);
      for (let i = from; i < to; i++) batch[i - from] = buffer.latin1Slice(starts[i], starts[i + 1] - 1);
      const start = performance.now();
      for (let i = 0; i < to - from; i++) sketch.add(batch[i]);
      ms += performance.now() - start;
    }
    return ms;
  };
}

async function child(dist) {
  const { TopK } = await import(pathToFileURL(path.join(dist, "sketches", "index.js")).href);
  const names = ipNames(100_000);
  const events = Array.from(makeZipfRanks(1_000_000, 100_000, 1.1, 0x21bf), (r) => names[r]);
  const truth = exactTop10(events).join(",");
  const fresh = freshFeeder(events);
  let sink = 0;
  const rate = (feed) => {
    const runs = [];
    let exact = true;
    for (let r = 0; r < 6; r++) {
      const sketch = new TopK({ capacity: 100 });
      runs.push(events.length / (feed(sketch) * 1000));
      exact &&= sketch.top(10).map((e) => e.item).join(",") === truth;
      sink += sketch.size;
    }
    runs.shift(); // the warm-up
    if (!exact) throw new Error(`${dist}: top(10) is not the exact top 10`);
    return runs.sort((a, b) => a - b)[2];
  };
  const reused = (sketch) => {
    const start = performance.now();
    for (let i = 0; i < events.length; i++) sketch.add(events[i]);
    return performance.now() - start;
  };
  const rows = { reused: rate(reused), fresh: rate(fresh) };
  if (sink === 0.5) console.error(sink);
  process.stdout.write(JSON.stringify(rows));
}
