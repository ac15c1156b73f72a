// Ingest events per second through the server's two compliance backends,
// in process (no HTTP): the embedded one (createComplianceBackend) and the
// Redis one (createRedisComplianceBackend: normalize, dedup marks in Redis,
// per-call delta sketches merged into a RedisSketchStore, rules, counters),
// with Redis on the same machine; then the latency of a distinct, a top and
// an activity query over 24 hours from the Redis backend (p50/p99). Rounds
// alternate between the two. A private redis-server is started on a free
// loopback port and stopped at the end. Figures are measured, never
// asserted: the machine may be shared, so compare rows of one run only.
//
// Run: npx tsup && node bench/redis-backend.mjs [--events 100000] [--batch 10000] [--rounds 2]
import { startRedisServer } from "./redis-server.mjs";
import { createClient } from "redis";
import { RedisSketchStore } from "../dist/redis/index.js";
import { createComplianceBackend, createRedisComplianceBackend } from "../dist/server/index.js";
import { generateStream } from "../examples/streams/synthetic.mjs";

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? fallback : Number(process.argv[i + 1]);
};
const EVENTS = arg("events", 100_000);
const BATCH = arg("batch", 10_000);
const ROUNDS = arg("rounds", 2);
const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))];

const redis = await startRedisServer();
if (redis === undefined) throw new Error("bench/redis-backend.mjs needs redis-server on PATH");
const client = await createClient({ url: redis.url, socket: { reconnectStrategy: false } }).connect();
const storeClient = await client.duplicate().connect();

const minutes = 60;
const start = Math.floor((Date.now() - minutes * 60_000) / 60_000) * 60_000;
const records = generateStream({ seed: 1, start, minutes, loginsPerMinute: Math.ceil(EVENTS / minutes / 1.6) }).records.slice(0, EVENTS);
console.log(`${records.length} synthetic records, batches of ${BATCH}, ${ROUNDS} rounds`);

const backends = {
  embedded: () => createComplianceBackend({ monitor: { identities: "plain", allowedLateness: 3_600_000 }, dedup: { exact: true } }),
  redis: (round) => createRedisComplianceBackend({ client, store: new RedisSketchStore(storeClient, { prefix: `bench${round}` }), identities: "plain" }),
};
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, make] of Object.entries(backends)) {
    const backend = make(round);
    let accepted = 0;
    const t0 = performance.now();
    for (let i = 0; i < records.length; i += BATCH) accepted += (await backend.ingest(records.slice(i, i + BATCH))).accepted;
    const seconds = (performance.now() - t0) / 1000;
    console.log(`round ${round + 1} ${name.padEnd(8)} ${Math.round(records.length / seconds).toLocaleString("en")} records/s (${accepted} accepted, ${seconds.toFixed(2)} s)`);
    if (name === "redis") {
      const system = (await backend.systems())[0];
      for (const [query, run] of [
        ["distinct users 24h", () => backend.distinct("users", system, "24h")],
        ["top 10 users 24h", () => backend.top("topUsers", system, 10, "24h")],
        ["activity 24h", () => backend.activity("user1", system, "24h")],
      ]) {
        const times = [];
        for (let i = 0; i < 50; i++) {
          const q0 = performance.now();
          await run();
          times.push(performance.now() - q0);
        }
        console.log(`  ${query.padEnd(20)} p50 ${pct(times, 0.5).toFixed(2)} ms, p99 ${pct(times, 0.99).toFixed(2)} ms`);
      }
    }
  }
}
await Promise.all([client.close(), storeClient.close()]);
await redis.stop();
