// RedisSketchStore on a real Redis Cluster (3 masters, started here): one
// system's keys share a slot through the hash tag, so PFMERGE, BITOP and the
// checkpoint's MULTI/EXEC work; systems spread over several nodes; and the
// same multi-key commands without the tag fail with CROSSSLOT.
import { RESP_TYPES } from "redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RedisSketchStore, type StoredSketch } from "../src/redis/index.js";
import { BloomFilter, CountMinSketch, HyperLogLog, TopK } from "../src/sketches/index.js";
import { clusterBinaries, startRedisCluster, type RedisClusterHandle } from "./support/redis-cluster.js";

const binaries = clusterBinaries();
if (binaries === undefined) {
  if (process.env.CI === "true") throw new Error("redis-server or redis-cli not found, but CI must run the Redis Cluster tests");
  console.warn("SKIPPED: redis-server or redis-cli not found; the Redis Cluster store tests did not run (apt-get install redis-server)");
}

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 0, 1);
const systems = ["vault", "billing", "payments-api", "sso", "ledger", "hr-portal"];

describe.skipIf(binaries === undefined)("RedisSketchStore on a real Redis Cluster", () => {
  let handle: RedisClusterHandle;
  let store: RedisSketchStore;

  beforeAll(async () => {
    handle = await startRedisCluster(binaries as { server: string; cli: string }, 3);
    console.info(`Redis Cluster of 3 masters ready in ${handle.startMs.toFixed(0)} ms`);
    store = new RedisSketchStore(await handle.connect());
  }, 60_000);
  afterAll(async () => {
    await handle?.stop();
  });

  /** The master port serving a key's slot, from CLUSTER SLOTS. */
  async function nodeOf(key: string): Promise<number> {
    const node = handle.nodes[0]!;
    const slot = Number(await node.clusterKeySlot(key));
    const ranges = (await node.sendCommand(["CLUSTER", "SLOTS"])) as Array<[number, number, [string, number]]>;
    const range = ranges.find(([from, to]) => slot >= from && slot <= to);
    return Number(range?.[2][1]);
  }

  it("one system's keys share a slot; the systems spread over more than one node", async () => {
    const slotsBySystem = new Map<string, Set<number>>();
    for (const system of systems) {
      const keys = [
        store.key({ metric: "users", system, granularity: "hour", bucket: T0 }),
        store.key({ metric: "failed-logins", system, granularity: "day", bucket: T0 }),
        store.offsetsKey("monitor", system),
      ];
      slotsBySystem.set(system, new Set(await Promise.all(keys.map(async (k) => Number(await handle.nodes[0]!.clusterKeySlot(k))))));
    }
    for (const slots of slotsBySystem.values()) expect(slots.size).toBe(1);
    const owners = new Set(await Promise.all(systems.map((system) => nodeOf(store.offsetsKey("monitor", system)))));
    expect(owners.size).toBeGreaterThan(1);
  });

  it("merges and checkpoints for systems on different nodes: every family, replay skipped, read back byte for byte", async () => {
    const expected = new Map<string, StoredSketch>();
    const deltas = systems.flatMap((system, i) => {
      const hll = new HyperLogLog().add(`${system}-a`).add(`${system}-b`);
      const bloom = new BloomFilter({ bits: 2048, hashes: 3 }).add(system);
      const cms = new CountMinSketch({ width: 128, depth: 4 }).add(system, i + 1);
      const topk = new TopK({ capacity: 8 }).add(system, i + 2);
      return [hll, bloom, cms, topk].map((sketch) => {
        const delta = { metric: `m-${sketch.constructor.name}`, system, granularity: "hour", bucket: T0, sketch };
        expected.set(store.key(delta), sketch);
        return delta;
      });
    });
    const batch = { group: "monitor", offsets: { "events:0": { first: 0, last: 99 } }, deltas };
    const first = await store.checkpoint(batch);
    expect([...first.applied].sort()).toEqual([...systems].sort());
    const replay = await store.checkpoint(batch);
    expect([...replay.skipped].sort()).toEqual([...systems].sort());
    for (const delta of deltas) {
      const read = (await store.read(delta)) as StoredSketch;
      const want = expected.get(store.key(delta)) as StoredSketch;
      if (want instanceof HyperLogLog) expect((read as HyperLogLog).registers()).toEqual(want.registers());
      else expect(read.toBytes()).toEqual(want.toBytes());
    }
    for (const system of systems) expect(await store.readOffsets("monitor", system)).toEqual({ "events:0": "99" });
  });

  it("concurrent writers on separate cluster clients lose no update", async () => {
    const writers = await Promise.all([0, 1, 2].map(async () => new RedisSketchStore(await handle.connect(), { maxAttempts: 1000 })));
    const at = { metric: "concurrent", system: "ledger", granularity: "hour", bucket: T0 + HOUR };
    const expected = new CountMinSketch({ width: 256, depth: 4 });
    await Promise.all(
      writers.map(async (writer, w) => {
        for (let i = 0; i < 15; i++) {
          const delta = new CountMinSketch({ width: 256, depth: 4 }).add(`k${(w * 15 + i) % 11}`, w + i + 1);
          expected.merge(delta);
          await writer.merge({ ...at, sketch: delta });
        }
      }),
    );
    expect(((await store.read(at)) as StoredSketch).toBytes()).toEqual(expected.toBytes());
  });

  it("one store's concurrent calls share a node's connection safely (the cluster hands out the same node client)", async () => {
    const key = store.key({ metric: "shared", system: "sso", granularity: "hour", bucket: T0 });
    expect(await handle.cluster.getNodeClientForKey(key)).toBe(await handle.cluster.getNodeClientForKey(key));
    const at = { metric: "shared", system: "sso", granularity: "hour", bucket: T0 };
    const deltas = Array.from({ length: 30 }, (_, i) => new CountMinSketch({ width: 64, depth: 3 }).add(`k${i % 4}`, i + 1));
    const expected = CountMinSketch.monoid({ width: 64, depth: 3 }).combineAll(deltas);
    await Promise.all(deltas.map((sketch) => store.merge({ ...at, sketch })));
    expect(((await store.read(at)) as StoredSketch).toBytes()).toEqual(expected.toBytes());
  });

  it("without the hash tag, the same multi-key commands fail with CROSSSLOT", async () => {
    // Two keys of one system without braces: hashed whole, they land in different slots.
    const a = "pt:vault:users:hour:0";
    const b = "pt:vault:users:hour:3600000";
    const node = handle.nodes[0]!;
    expect(Number(await node.clusterKeySlot(a))).not.toBe(Number(await node.clusterKeySlot(b)));
    const owner = await handle.cluster.getNodeClientForKey(a);
    const binary = owner.withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer });
    await expect(binary.sendCommand(["PFMERGE", a, b])).rejects.toThrow(/CROSSSLOT/);
    // With the tag the same pair shares a slot and PFMERGE runs.
    const tagged = [store.key({ metric: "users", system: "vault", granularity: "hour", bucket: 0 }), store.key({ metric: "users", system: "vault", granularity: "hour", bucket: HOUR })];
    const taggedOwner = await handle.cluster.getNodeClientForKey(tagged[0]!);
    expect(await taggedOwner.sendCommand(["PFMERGE", tagged[0]!, tagged[1]!])).toBe("OK");
  });
});
