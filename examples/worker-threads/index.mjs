// Splits an in-process stream across worker threads, transfers raw bytes to
// them, and merges their sketch images through the monoids. Checks that the
// merged images equal a single thread's byte for byte, and reports the
// speed-up on this machine.
//
//   node examples/worker-threads/index.mjs [--events N] [--threads T] [--seed S]
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { BloomFilter, CountMinSketch, HyperLogLog } from "papertrail/sketches";
import { emptySketches, feed, OPTIONS } from "./shared.mjs";

const args = Object.fromEntries(process.argv.slice(2).reduce((pairs, arg, i, all) => (arg.startsWith("--") ? [...pairs, [arg.slice(2), all[i + 1]]] : pairs), []));
const EVENTS = Number(args.events ?? 2_000_000);
const THREADS = Number(args.threads ?? Math.max(2, availableParallelism()));
const CHUNK_LINES = 50_000;
let state = Number(args.seed ?? 7) >>> 0;
const random = () => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32;

// The stream: 50,000 users, 20 systems, 6 kinds, as UTF-8 lines in chunks.
const encoder = new TextEncoder();
const KINDS = ["login", "logout", "file_access", "query", "login_failed", "admin"];
const chunks = [];
for (let done = 0; done < EVENTS; done += CHUNK_LINES) {
  let text = "";
  for (let i = 0; i < Math.min(CHUNK_LINES, EVENTS - done); i++) {
    text += `user${Math.floor(random() ** 2 * 50_000)}\tsystem${Math.floor(random() * 20)}\t${KINDS[Math.floor(random() * KINDS.length)]}\n`;
  }
  chunks.push(encoder.encode(text));
}

// One thread.
let started = performance.now();
const single = emptySketches();
for (const chunk of chunks) feed(chunk, single);
const singleMs = performance.now() - started;

// Several threads: chunks round-robin, each transferred (its buffer moves,
// no copy), then the images merged through each family's monoid.
const workers = Array.from({ length: THREADS }, () => new Worker(new URL("./worker.mjs", import.meta.url)));
await Promise.all(workers.map((worker) => new Promise((resolve) => worker.once("online", resolve))));
started = performance.now();
chunks.forEach((chunk, i) => {
  const copy = chunk.slice(); // the reference run keeps `chunks`; send a copy we can give away
  workers[i % THREADS].postMessage({ type: "chunk", buffer: copy.buffer }, [copy.buffer]);
});
const results = await Promise.all(
  workers.map((worker) => {
    const answer = new Promise((resolve) => worker.once("message", resolve));
    worker.postMessage({ type: "finish" });
    return answer;
  }),
);
const merged = {
  users: HyperLogLog.monoid(OPTIONS.users).combineAll(results.map((r) => HyperLogLog.fromBytes(r.images.users))),
  access: BloomFilter.monoid(OPTIONS.access).combineAll(results.map((r) => BloomFilter.fromBytes(r.images.access))),
  kinds: CountMinSketch.monoid(OPTIONS.kinds).combineAll(results.map((r) => CountMinSketch.fromBytes(r.images.kinds))),
};
const threadsMs = performance.now() - started;
await Promise.all(workers.map((worker) => worker.terminate()));

const same = (a, b) => a.length === b.length && a.every((byte, i) => byte === b[i]);
const checks = Object.keys(single).map((name) => [name, same(merged[name].toBytes(), single[name].toBytes())]);
const lines = results.reduce((sum, r) => sum + r.lines, 0);

console.log(`${EVENTS.toLocaleString("en-US")} events, ${THREADS} worker threads (${availableParallelism()} cores)`);
for (const [name, equal] of checks) console.log(`  ${name.padEnd(6)} merged image ${equal ? "equals" : "DIFFERS FROM"} the single thread's, byte for byte`);
console.log(`  distinct users ${Math.round(merged.users.cardinality()).toLocaleString("en-US")}, logins ${Math.round(merged.kinds.frequency("login")).toLocaleString("en-US")}`);
console.log(`  one thread ${singleMs.toFixed(0)} ms (${((EVENTS / singleMs) * 1000).toExponential(2)} events/s)`);
console.log(`  worker busy time: ${results.map((r) => `${r.busyMs.toFixed(0)} ms`).join(", ")}`);
console.log(`  ${THREADS} threads ${threadsMs.toFixed(0)} ms including transfer and merge (${((EVENTS / threadsMs) * 1000).toExponential(2)} events/s), speed-up ${(singleMs / threadsMs).toFixed(2)}x`);
console.log(JSON.stringify({ events: EVENTS, lines, threads: THREADS, equal: Object.fromEntries(checks), singleMs, threadsMs }));
process.exitCode = lines === EVENTS && checks.every(([, equal]) => equal) ? 0 : 1;
