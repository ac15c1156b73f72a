// Real Redis as the oracle for HyperLogLog compatibility: the same items must
// give exactly Redis's registers and PFCOUNT (= cardinality()), in both directions (GET a Redis
// HLL and read it here; SET our bytes and let Redis count and merge them).
import fc from "fast-check";
import { RESP_TYPES } from "redis";
import { describe, expect, it } from "vitest";
import { HyperLogLog } from "../src/sketches/index.js";
import { uniform } from "./support/random.js";
import { redisForSuite, redisServerPath } from "./support/redis-server.js";

const binary = redisServerPath();
if (binary === undefined) {
  // CI installs redis-server, so there a missing binary is an error, not a skip.
  if (process.env.CI === "true") throw new Error("redis-server not found, but CI must run the Redis interop tests");
  console.warn("SKIPPED: redis-server not found; the Redis HyperLogLog interop tests did not run (apt-get install redis-server)");
}

type Item = string | Uint8Array;
const cases: Record<string, () => Item[]> = {
  "one item": () => ["alice"],
  "~100 items (sparse)": () => Array.from({ length: 100 }, (_, i) => `user-${i}`),
  "2,000 dotted IPv4 (sparse/dense boundary)": () => Array.from({ length: 2000 }, (_, i) => `10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`),
  "20,000 items (dense)": () => Array.from({ length: 20_000 }, (_, i) => `session-${i * 7919}`),
  "200,000 items with repeats": () => {
    const random = uniform(7);
    return Array.from({ length: 200_000 }, () => `user-${Math.floor(random() * 150_000)}`);
  },
  "multi-byte UTF-8": () => ["naïve", "café", "東京", "🔐 vault", "Ωmega", "\u0000nul", "e\u0301"],
  "binary keys": () => {
    const random = uniform(11);
    return Array.from({ length: 3000 }, (_, i) => Uint8Array.from({ length: 1 + (i % 40) }, () => Math.floor(random() * 256)));
  },
};

describe.skipIf(binary === undefined)("HyperLogLog against a real redis-server", () => {
  const redis = redisForSuite(binary as string);

  async function pfadd(key: string, items: Item[]): Promise<void> {
    await redis.client.del(key);
    await redis.client.sendCommand(["PFADD", key]);
    for (let i = 0; i < items.length; i += 1000) {
      const chunk = items.slice(i, i + 1000).map((item) => (typeof item === "string" ? item : Buffer.from(item)));
      await redis.client.sendCommand(["PFADD", key, ...chunk]);
    }
  }
  const redisBytes = async (key: string): Promise<Uint8Array> => {
    // Binary-safe read: blob strings as Buffers, not UTF-8-decoded strings.
    const bytes = await redis.client.withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer }).get(key);
    if (bytes === null) throw new Error(`no key ${key}`);
    return new Uint8Array(bytes);
  };

  it("an empty Redis HLL reads as an empty sketch, and ours counts 0 in Redis", async () => {
    await pfadd("empty", []);
    const bytes = await redisBytes("empty");
    expect(bytes.length).toBe(18); // header + XZERO(16384)
    const sketch = HyperLogLog.fromRedisBytes(bytes);
    expect(sketch.cardinality()).toBe(0);
    expect(sketch.equals(new HyperLogLog())).toBe(true);
    await redis.client.set("ours-empty", Buffer.from(new HyperLogLog().toRedisBytes()));
    expect(await redis.client.pfCount("ours-empty")).toBe(0);
  });

  for (const [name, makeItems] of Object.entries(cases)) {
    it(`${name}: same registers and PFCOUNT both ways, and PFMERGE equals merge`, async () => {
      const items = makeItems();
      const ours = new HyperLogLog();
      for (const item of items) ours.add(item);
      await pfadd("theirs", items);

      // Redis -> here: registers identical, our count equals PFCOUNT.
      const fromRedis = HyperLogLog.fromRedisBytes(await redisBytes("theirs"));
      expect(fromRedis.registers()).toEqual(ours.registers());
      const redisCount = await redis.client.pfCount("theirs");
      expect(ours.cardinality()).toBe(redisCount);
      expect(fromRedis.cardinality()).toBe(redisCount);

      // Here -> Redis: our bytes are a valid HLL with the same count.
      await redis.client.set("ours", Buffer.from(ours.toRedisBytes()));
      expect(await redis.client.pfCount("ours")).toBe(redisCount);

      // Merge both ways with a second, overlapping set.
      const other = items.slice(0, Math.ceil(items.length / 2)).map((item) => (typeof item === "string" ? `${item}#2` : Uint8Array.from([...item, 2])));
      const ours2 = new HyperLogLog();
      for (const item of other) ours2.add(item);
      await redis.client.set("ours2", Buffer.from(ours2.toRedisBytes()));
      await redis.client.pfMerge("merged", ["theirs", "ours2"]);
      const merged = ours.clone().merge(HyperLogLog.fromRedisBytes(await redisBytes("ours2")));
      expect(HyperLogLog.fromRedisBytes(await redisBytes("merged")).registers()).toEqual(merged.registers());
      expect(await redis.client.pfCount("merged")).toBe(merged.cardinality());
      await redis.client.del("merged");
    }, 60_000);
  }

  it("random item sets: registers and counts agree (property, 25 runs)", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof(fc.string({ unit: "binary" }), fc.uint8Array({ minLength: 1, maxLength: 20 })), { maxLength: 300 }), async (items) => {
        const ours = new HyperLogLog();
        for (const item of items) ours.add(item);
        await pfadd("prop", items);
        expect(HyperLogLog.fromRedisBytes(await redisBytes("prop")).registers()).toEqual(ours.registers());
        expect(ours.cardinality()).toBe(await redis.client.pfCount("prop"));
      }),
      { numRuns: 25 },
    );
  }, 60_000);
});
