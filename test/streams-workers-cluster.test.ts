// StreamsWorker with its sketch store on a real Redis Cluster (3 masters,
// started here) and the stream on a single redis-server: systems' buckets
// live on different nodes, each system's checkpoint is one transaction in
// its slot. Two in-process consumers of one group, one of them failing
// between systems (a half-written checkpoint); the other claims its pending
// entries under its name; the stored sketches equal the oracle.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateStream } from "../examples/streams/synthetic.mjs";
import { RedisSketchStore } from "../src/redis/index.js";
import { StreamsWorker, type WorkerPoint } from "../src/workers/index.js";
import { clusterBinaries, startRedisCluster, type RedisClusterHandle } from "./support/redis-cluster.js";
import { startRedis, type RedisHandle } from "./support/redis-server.js";
import { differences, drained, oracle, produce, sleep } from "./support/stream-workers-harness.js";

const binaries = clusterBinaries();
if (binaries === undefined) {
  if (process.env.CI === "true") throw new Error("redis-server or redis-cli not found, but CI must run the Redis Cluster worker test");
  console.warn("SKIPPED: redis-server or redis-cli not found; the Redis Cluster worker test did not run (apt-get install redis-server)");
}

class Crash extends Error {}

describe.skipIf(binaries === undefined)("StreamsWorker with a Redis Cluster store", () => {
  let cluster: RedisClusterHandle;
  let redis: RedisHandle;
  beforeAll(async () => {
    cluster = await startRedisCluster(binaries as { server: string; cli: string }, 3);
    redis = await startRedis((binaries as { server: string }).server);
  }, 60_000);
  afterAll(async () => {
    await cluster?.stop();
    await redis?.stop();
  });

  it("a checkpoint that failed between systems is finished by the consumer that claims the entries", async () => {
    const payloads = generateStream({ seed: 4, start: Date.UTC(2026, 0, 5, 9, 45), minutes: 20, loginsPerMinute: 80, users: 200 }).records.map((r) => JSON.stringify(r));
    await produce(redis.client, "events", payloads);
    const store = new RedisSketchStore(await cluster.connect());
    let failures = 0;
    const failing = (point: WorkerPoint): void => {
      if (point === "between-systems" && failures < 3) {
        failures++;
        throw new Crash("dies between two systems' transactions");
      }
    };
    const clients = await Promise.all([redis.connect(), redis.connect()]);
    const a = new StreamsWorker({ client: clients[0]!, store, stream: "events", group: "monitor", consumer: "a", batchSize: 150, blockMs: 10, claimIdleMs: 50, claimEveryMs: 1, onPoint: failing });
    const b = new StreamsWorker({ client: clients[1]!, store, stream: "events", group: "monitor", consumer: "b", batchSize: 150, blockMs: 10, claimIdleMs: 50, claimEveryMs: 1 });
    await a.createGroup();
    let crashes = 0;
    for (let round = 0; round < 2000 && !(await drained(redis.client, "events", ["monitor"])); round++) {
      for (const worker of [a, b]) {
        try {
          await worker.step();
        } catch (error) {
          if (!(error instanceof Crash)) throw error;
          crashes++;
          await sleep(60); // the failed batch goes idle; the other consumer claims it
        }
      }
    }
    expect(crashes).toBe(3);
    expect(b.totals.claimed).toBeGreaterThan(0);
    expect(await drained(redis.client, "events", ["monitor"])).toBe(true);
    expect(await differences(store, oracle(payloads).deltas)).toEqual([]);
  }, 120_000);
});
