// RedisSketchStore against a real redis-server started here: every family
// round-trips and merges as its monoid says, byte for byte; concurrent
// writers on separate connections lose no update; a checkpoint replay changes
// nothing; TTLs are set; values are binary-safe; malformed stored bytes are
// DecodeErrors (fuzzed); mismatched parameters are refused before anything is
// written.
import fc from "fast-check";
import { RESP_TYPES } from "redis";
import { beforeAll, describe, expect, it } from "vitest";
import {
  ContentionError,
  DecodeError,
  InvalidArgumentError,
  OffsetOverlapError,
  ParameterMismatchError,
  RedisSketchStore,
  type SketchDelta,
  type StoredSketch,
} from "../src/redis/index.js";
import { BloomFilter, CountMinSketch, HyperLogLog, Moments, TDigest, TopK } from "../src/sketches/index.js";
import { mulberry32 } from "./support/random.js";
import { redisForSuite, redisServerPath, type TestRedisClient } from "./support/redis-server.js";

const binary = redisServerPath();
if (binary === undefined) {
  if (process.env.CI === "true") throw new Error("redis-server not found, but CI must run the Redis store tests");
  console.warn("SKIPPED: redis-server not found; the Redis sketch store tests did not run (apt-get install redis-server)");
}

const HOUR = 3_600_000;
const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 1);

// Deterministic sketches of each family from a seed.
const families: Record<string, (seed: number) => StoredSketch> = {
  HyperLogLog: (seed) => {
    const s = new HyperLogLog();
    for (let i = 0; i < 300; i++) s.add(`user-${seed}-${i % (50 + seed)}`);
    return s;
  },
  BloomFilter: (seed) => {
    const s = new BloomFilter({ capacity: 1000, falsePositiveRate: 0.01 });
    for (let i = 0; i < 50; i++) s.add(`ip-${seed * 7 + i}`);
    return s;
  },
  CountMinSketch: (seed) => {
    const s = new CountMinSketch({ width: 256, depth: 4 });
    const random = mulberry32(seed);
    for (let i = 0; i < 200; i++) s.add(`user-${random() % 40}`, 1 + (random() % 5));
    return s;
  },
  TopK: (seed) => {
    const s = new TopK({ capacity: 16 });
    const random = mulberry32(seed);
    for (let i = 0; i < 200; i++) s.add(`host-${random() % 30}`);
    return s;
  },
  Moments: (seed) => {
    const s = new Moments();
    for (let i = 0; i < 100; i++) s.add((seed * 31 + i) % 97);
    return s;
  },
  TDigest: (seed) => {
    const s = new TDigest({ compression: 50 });
    const random = mulberry32(seed);
    for (let i = 0; i < 500; i++) s.add(random() % 1000);
    return s;
  },
};

const bytesOf = (sketch: StoredSketch): Uint8Array => (sketch instanceof HyperLogLog ? sketch.registers() : sketch.toBytes());

describe.skipIf(binary === undefined)("RedisSketchStore against a real redis-server", () => {
  const redis = redisForSuite(binary as string);
  let client: TestRedisClient;
  let store: RedisSketchStore;
  let get: (key: string) => Promise<Uint8Array | null>;

  beforeAll(async () => {
    client = await redis.connect();
    store = new RedisSketchStore(client);
    const raw = redis.client.withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer });
    get = async (key) => {
      const value = await raw.get(key);
      return value === null ? null : new Uint8Array(value);
    };
  }, 20_000);

  let nextBucket = 0;
  const address = (metric: string, granularity = "hour") => ({
    metric,
    system: "vault",
    granularity,
    bucket: T0 + nextBucket++ * (granularity === "day" ? DAY : HOUR),
  });

  for (const [name, make] of Object.entries(families)) {
    it(`${name}: two merges read back as the monoid's combine, byte for byte`, async () => {
      const at = address(`merge-${name}`);
      const a = make(1);
      const b = make(2);
      await store.merge({ ...at, sketch: a });
      await store.merge({ ...at, sketch: b });
      const read = await store.read(at);
      const expected = (a as { clone(): StoredSketch }).clone() as StoredSketch;
      (expected as unknown as { merge(o: StoredSketch): void }).merge(b);
      expect(read).toBeDefined();
      expect(bytesOf(read as StoredSketch)).toEqual(bytesOf(expected));
      if (name === "HyperLogLog") {
        // Kept as a native HLL: Redis counts it exactly as we do.
        expect(await redis.client.pfCount(store.key(at))).toBe((expected as HyperLogLog).cardinality());
      } else {
        expect(await get(store.key(at))).toEqual(expected.toBytes());
      }
      // a and b were not mutated by the store.
      expect(bytesOf(a)).toEqual(bytesOf(make(1)));
    });
  }

  it("HyperLogLog merges into absent, sparse (ours or Redis's own) and dense keys, and past a raised hll-sparse-max-bytes, give the union's registers and PFCOUNT", async () => {
    // Absent and sparse keys are merged here and SET (PFMERGE into them costs Redis about 1 ms);
    // dense keys, and sparse ones longer than what the store reads whole, by PFMERGE.
    const random = mulberry32(77);
    for (const sparseMax of [3000, 9000]) {
      await redis.client.sendCommand(["CONFIG", "SET", "hll-sparse-max-bytes", String(sparseMax)]);
      const at = address(`hll-encodings-${sparseMax}`);
      const key = store.key(at);
      const union = new HyperLogLog();
      const encodings = new Set<number>();
      for (let round = 0; round < 14; round++) {
        // Deltas from 1 to about 2,000 new users: the key crosses from sparse to dense on the way.
        const size = 1 + (random() % (round < 7 ? 60 : 2000));
        const users = Array.from({ length: size }, () => `u${random() % 50_000}`);
        if (round % 3 === 1) {
          // Redis's own writes in between: its sparse encoding, not ours.
          await redis.client.pfAdd(key, users);
          users.forEach((u) => union.add(u));
        } else {
          const delta = new HyperLogLog();
          users.forEach((u) => delta.add(u));
          await store.merge({ ...at, sketch: delta });
          union.merge(delta);
        }
        const stored = (await get(key)) as Uint8Array;
        encodings.add(stored[4] as number);
        expect(((await store.read(at)) as HyperLogLog).registers()).toEqual(union.registers());
        expect(await redis.client.pfCount(key)).toBe(union.cardinality());
      }
      expect([...encodings].sort()).toEqual([0, 1]);
    }
    await redis.client.sendCommand(["CONFIG", "SET", "hll-sparse-max-bytes", "3000"]);
  });

  it("keys expire by granularity: hour 7 days, day 90 days, configured ones as configured, refreshed by BITOP and PFMERGE writes", async () => {
    const hour = address("ttl");
    const day = address("ttl", "day");
    await store.merge([
      { ...hour, sketch: families.CountMinSketch!(1) },
      { ...day, sketch: families.HyperLogLog!(1) },
    ]);
    const bloom = address("ttl-bloom");
    await store.merge({ ...bloom, sketch: families.BloomFilter!(1) });
    await store.merge({ ...bloom, sketch: families.BloomFilter!(2) }); // BITOP clears a TTL; the store sets it again
    await store.merge({ ...day, sketch: families.HyperLogLog!(2) });
    const near = (ttl: number, expected: number) => {
      expect(ttl).toBeLessThanOrEqual(expected);
      expect(ttl).toBeGreaterThan(expected - 60_000);
    };
    near(await redis.client.pTTL(store.key(hour)), 7 * DAY);
    near(await redis.client.pTTL(store.key(bloom)), 7 * DAY);
    near(await redis.client.pTTL(store.key(day)), 90 * DAY);
    const custom = new RedisSketchStore(client, { granularities: { minute: { bucketMs: 60_000, ttlMs: 5 * 60_000 } } });
    const minute = { metric: "ttl", system: "vault", granularity: "minute", bucket: T0 };
    await custom.merge({ ...minute, sketch: new Moments().add(1) });
    near(await redis.client.pTTL(custom.key(minute)), 5 * 60_000);
    // Offsets live as long as the longest granularity.
    await store.checkpoint({ group: "ttl", offsets: { p: { first: 0, last: 1 } }, deltas: [{ ...hour, sketch: new CountMinSketch({ width: 256, depth: 4 }) }] });
    near(await redis.client.pTTL(store.offsetsKey("ttl", "vault")), 90 * DAY);
  });

  it("is binary-safe: items and values with NUL, 0xff and invalid UTF-8 bytes round-trip exactly", async () => {
    const at = address("binary");
    const items = [Uint8Array.of(0, 0xff, 0xfe, 0x80), Uint8Array.of(0xc3), Uint8Array.of(0xed, 0xa0, 0x80), Uint8Array.of(0x0d, 0x0a, 0x24)];
    const topk = new TopK({ capacity: 8 });
    items.forEach((item, i) => topk.add(item, i + 1));
    topk.add("\uD800 lone surrogate", 9);
    await store.merge({ ...at, sketch: topk });
    expect(await get(store.key(at))).toEqual(topk.toBytes());
    expect(bytesOf((await store.read(at)) as StoredSketch)).toEqual(topk.toBytes());
    // A Count-Min sketch whose counters are full of 0x00 and 0xff bytes.
    const cms = new CountMinSketch({ width: 64, depth: 2 }).add(Uint8Array.of(0xff, 0), 2 ** 52 - 1).add("x", 0.1);
    const at2 = address("binary");
    await store.merge({ ...at2, sketch: cms });
    expect(bytesOf((await store.read(at2)) as StoredSketch)).toEqual(cms.toBytes());
  });

  it("concurrent writers on separate connections lose no update: the result is the monoid sum of every delta, byte for byte", async () => {
    const writers = 4;
    const perWriter = 20;
    const stores = await Promise.all(Array.from({ length: writers }, async () => new RedisSketchStore(await redis.connect(), { maxAttempts: 1000 })));
    const cmsAt = address("concurrent-cms");
    const hllAt = address("concurrent-hll");
    const bloomAt = address("concurrent-bloom");
    const momentsAt = address("concurrent-moments");
    const expectedCms = new CountMinSketch({ width: 512, depth: 5 });
    const expectedHll = new HyperLogLog();
    const expectedBloom = new BloomFilter({ bits: 4096, hashes: 4 });
    const expectedMoments = new Moments();
    // Each writer: perWriter events' worth of deltas, one of each family per step.
    const streams: SketchDelta[][] = stores.map((_, w) => {
      const random = mulberry32(100 + w);
      return Array.from({ length: perWriter }, () => {
        const cms = new CountMinSketch({ width: 512, depth: 5 });
        const hll = new HyperLogLog();
        const bloom = new BloomFilter({ bits: 4096, hashes: 4 });
        const moments = new Moments();
        for (let j = 0; j < 20; j++) {
          const item = `u${random() % 500}`;
          cms.add(item, 1 + (random() % 3));
          hll.add(item);
          bloom.add(item);
          moments.add(random() % 100); // integers: sums exact in any order
        }
        expectedCms.merge(cms);
        expectedHll.merge(hll);
        expectedBloom.merge(bloom);
        expectedMoments.merge(moments);
        return [
          { ...cmsAt, sketch: cms },
          { ...hllAt, sketch: hll },
          { ...bloomAt, sketch: bloom },
          { ...momentsAt, sketch: moments },
        ];
      }).flat();
    });
    const attempts = await Promise.all(
      stores.map(async (s, w) => {
        let total = 0;
        for (const delta of streams[w] as SketchDelta[]) total += await s.merge(delta);
        return total;
      }),
    );
    const merges = writers * perWriter * 4;
    // At least one transaction per merge; more when a writer lost a race and retried.
    expect(attempts.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(merges);
    expect(bytesOf((await store.read(cmsAt)) as StoredSketch)).toEqual(expectedCms.toBytes());
    expect(bytesOf((await store.read(hllAt)) as StoredSketch)).toEqual(expectedHll.registers());
    expect(bytesOf((await store.read(bloomAt)) as StoredSketch)).toEqual(expectedBloom.toBytes());
    // Moments merges (Chan et al.'s pairwise update) round differently in another order:
    // the count is exact, the statistics agree to rounding.
    const moments = (await store.read(momentsAt)) as Moments;
    expect(moments.totalWeight).toBe(expectedMoments.totalWeight);
    expect(moments.mean).toBeCloseTo(expectedMoments.mean, 9);
    expect(moments.variance).toBeCloseTo(expectedMoments.variance, 6);
  }, 60_000);

  it("concurrent merges through one shared store and connection are serialized, not lost", async () => {
    const at = address("shared-connection");
    const expected = new CountMinSketch({ width: 128, depth: 3 });
    const deltas = Array.from({ length: 40 }, (_, i) => new CountMinSketch({ width: 128, depth: 3 }).add(`k${i % 7}`, i + 1));
    // The connection's WATCH would be shared by these concurrent calls; the store runs them one at a time.
    for (const d of deltas) expected.merge(d);
    await Promise.all(deltas.map((sketch) => store.merge({ ...at, sketch })));
    expect(bytesOf((await store.read(at)) as StoredSketch)).toEqual(expected.toBytes());
  });

  describe("checkpoint", () => {
    const snapshot = async (keys: string[]) =>
      Promise.all(keys.map((k) => (k.includes(":offsets:") ? redis.client.hGetAll(k) : get(k))));

    it("applies deltas and offsets together; a replay of the same batch changes nothing (idempotent for every family)", async () => {
      const group = "replay";
      const ats = Object.keys(families).map((name) => ({ ...address(`cp-${name}`), system: name === "HyperLogLog" ? "billing" : "vault" }));
      const batch = {
        group,
        offsets: { "logins:0": { first: 100, last: 199 }, "logins:1": { first: "1767258000000-0", last: "1767258000000-41" } },
        deltas: Object.values(families).map((make, i) => ({ ...(ats[i] as (typeof ats)[number]), sketch: make(i + 10) })),
      };
      const first = await store.checkpoint(batch);
      expect([...first.applied].sort()).toEqual(["billing", "vault"]);
      expect(first.skipped).toEqual([]);
      const keys = [...ats.map((a) => store.key(a)), store.offsetsKey(group, "vault"), store.offsetsKey(group, "billing")];
      const before = await snapshot(keys);
      expect(await store.readOffsets(group, "vault")).toEqual({ "logins:0": "199", "logins:1": "1767258000000-41" });

      const replay = await store.checkpoint(batch);
      expect(replay.applied).toEqual([]);
      expect([...replay.skipped].sort()).toEqual(["billing", "vault"]);
      expect(await snapshot(keys)).toEqual(before);
      // Sketch by sketch: the stored value is the delta once, not twice.
      for (const [i, at] of ats.entries()) {
        const expected = batch.deltas[i]!.sketch;
        expect(bytesOf((await store.read(at)) as StoredSketch)).toEqual(bytesOf(expected));
      }

      // The next batch applies; a batch overlapping applied events is refused, writing nothing.
      const next = { ...batch, offsets: { "logins:0": { first: 200, last: 250 }, "logins:1": { first: "1767258000000-42", last: "1767258000001-0" } } };
      expect((await store.checkpoint(next)).applied.length).toBe(2);
      const afterNext = await snapshot(keys);
      const overlap = { ...batch, offsets: { "logins:0": { first: 240, last: 300 }, "logins:1": { first: "1767258000002-0", last: "1767258000002-5" } } };
      const error = await store.checkpoint(overlap).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OffsetOverlapError);
      expect((error as OffsetOverlapError).source).toBe("logins:0");
      expect(await snapshot(keys)).toEqual(afterNext);
    });

    it("replays of random batch sequences count every event once (property: state equals the sum of distinct batches)", async () => {
      let run = 0;
      await fc.assert(
        fc.asyncProperty(fc.array(fc.nat({ max: 5 }), { minLength: 1, maxLength: 12 }), async (replays) => {
          // Batch i covers offsets [10i, 10i+9]; after batch i, replays[i] earlier batches are replayed.
          const group = `prop-${run++}`;
          const at = address("cp-prop");
          const expected = new CountMinSketch({ width: 64, depth: 3 });
          const batchOf = (i: number) => ({
            group,
            offsets: { p: { first: 10 * i, last: 10 * i + 9 } },
            deltas: [{ ...at, sketch: new CountMinSketch({ width: 64, depth: 3 }).add(`k${i % 5}`, i + 1) }],
          });
          for (let i = 0; i < replays.length; i++) {
            expected.merge(batchOf(i).deltas[0]!.sketch);
            expect((await store.checkpoint(batchOf(i))).applied).toEqual(["vault"]);
            for (let r = 0; r < (replays[i] as number); r++) {
              const j = Math.max(0, i - r);
              expect((await store.checkpoint(batchOf(j))).skipped).toEqual(["vault"]);
            }
          }
          expect(bytesOf((await store.read(at)) as StoredSketch)).toEqual(expected.toBytes());
        }),
        { numRuns: 15 },
      );
    }, 60_000);

    it("concurrent checkpoints: workers on other sources all apply; the same batch sent by two workers at once applies once", async () => {
      const group = "concurrent";
      const at = address("cp-concurrent");
      const workers = await Promise.all([0, 1, 2].map(async () => new RedisSketchStore(await redis.connect(), { maxAttempts: 1000 })));
      const expected = new CountMinSketch({ width: 256, depth: 4 });
      const batches = workers.map((_, w) =>
        Array.from({ length: 10 }, (_, i) => {
          const sketch = new CountMinSketch({ width: 256, depth: 4 }).add(`k${(w + i) % 5}`, w * 10 + i + 1);
          return { group, offsets: { [`p${w}`]: { first: i * 10, last: i * 10 + 9 } }, deltas: [{ ...at, sketch }] };
        }),
      );
      for (const batch of batches.flat()) expected.merge(batch.deltas[0]!.sketch);
      // Each worker owns a source; worker w's batches are also sent, at the same moment, by a zombie copy of it.
      const zombies = await Promise.all([0, 1, 2].map(async () => new RedisSketchStore(await redis.connect(), { maxAttempts: 1000 })));
      const results = await Promise.all(
        [...workers, ...zombies].map(async (worker, k) => {
          const outcomes: string[] = [];
          for (const batch of batches[k % 3]!) outcomes.push(...(await worker.checkpoint(batch)).applied);
          return outcomes.length;
        }),
      );
      // 30 batches, each applied by exactly one of its two senders.
      expect(results.reduce((a, b) => a + b, 0)).toBe(30);
      expect(bytesOf((await store.read(at)) as StoredSketch)).toEqual(expected.toBytes());
      expect(await store.readOffsets(group, "vault")).toEqual({ p0: "99", p1: "99", p2: "99" });

      // HyperLogLog deltas of one key from two workers at once: each applied once, none lost.
      const hllAt = address("cp-concurrent-hll");
      const hllBatches = Array.from({ length: 20 }, (_, i) => ({
        group: "concurrent-hll",
        offsets: { p: { first: i * 10, last: i * 10 + 9 } },
        deltas: [{ ...hllAt, sketch: new HyperLogLog().add(`u${i}`) }],
      }));
      const applied = await Promise.all(
        [workers[0]!, zombies[0]!].map(async (worker) => {
          let n = 0;
          for (const batch of hllBatches) n += (await worker.checkpoint(batch)).applied.length;
          return n;
        }),
      );
      expect(applied[0]! + applied[1]!).toBe(20);
      expect(((await store.read(hllAt)) as HyperLogLog).cardinality()).toBe(20);
    }, 60_000);

    it("a refused delta (Bloom parameters differ) writes nothing for its system: neither the other deltas nor the offsets", async () => {
      const group = "refused";
      const bloomAt = address("cp-bloom-mismatch");
      const cmsAt = address("cp-bloom-mismatch-cms");
      await store.merge({ ...bloomAt, sketch: new BloomFilter({ bits: 1024, hashes: 3 }).add("a") });
      const keys = [store.key(bloomAt), store.key(cmsAt), store.offsetsKey(group, "vault")];
      const before = await snapshot(keys);
      const error = await store
        .checkpoint({
          group,
          offsets: { p: { first: 0, last: 9 } },
          deltas: [
            { ...cmsAt, sketch: new CountMinSketch({ width: 64, depth: 3 }).add("x") },
            { ...bloomAt, sketch: new BloomFilter({ bits: 2048, hashes: 3 }).add("b") },
          ],
        })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ParameterMismatchError);
      expect((error as ParameterMismatchError).message).toContain("BloomFilter(bits=1024, hashes=3");
      expect((error as ParameterMismatchError).message).toContain("BloomFilter(bits=2048, hashes=3");
      expect(await snapshot(keys)).toEqual(before);
    });

    it("validates batches: no sources, first after last, bad offsets, unknown keys", async () => {
      const delta = { ...address("cp-validate"), sketch: new Moments().add(1) };
      await expect(store.checkpoint({ group: "v", offsets: {}, deltas: [delta] })).rejects.toThrow(InvalidArgumentError);
      await expect(store.checkpoint({ group: "v", offsets: { p: { first: 9, last: 0 } }, deltas: [delta] })).rejects.toThrow(/first \(9\) is after last \(0\)/);
      await expect(store.checkpoint({ group: "v", offsets: { p: { first: -1, last: 0 } }, deltas: [delta] })).rejects.toThrow(/offsets.p.first/);
      await expect(store.checkpoint({ group: "v", offsets: { p: { first: "1-x", last: 0 } }, deltas: [delta] })).rejects.toThrow(InvalidArgumentError);
      await expect(store.checkpoint({ group: "v", offsets: { p: { first: 0, last: 1, lats: 2 } as never }, deltas: [delta] })).rejects.toThrow(/"lats"/);
    });
  });

  describe("refusals and malformed stored bytes", () => {
    it("a delta of another family than the key holds, or other parameters, is a ParameterMismatchError and writes nothing", async () => {
      const at = address("mixed");
      await store.merge({ ...at, sketch: new CountMinSketch({ width: 64, depth: 3 }).add("a") });
      const before = await get(store.key(at));
      for (const sketch of [new CountMinSketch({ width: 128, depth: 3 }), new Moments().add(1), new HyperLogLog().add("a"), new BloomFilter({ bits: 64, hashes: 2 })]) {
        await expect(store.merge({ ...at, sketch })).rejects.toThrow(ParameterMismatchError);
      }
      expect(await get(store.key(at))).toEqual(before);
      // HyperLogLogs must be Redis-compatible.
      await expect(store.merge({ ...address("hll-p12"), sketch: new HyperLogLog({ precision: 12 }).add("a") })).rejects.toThrow(ParameterMismatchError);
    });

    it("malformed bytes in a key: read and merge throw DecodeError (fuzzed: random bytes, truncations, bit flips)", async () => {
      const at = address("fuzz");
      const key = store.key(at);
      const valid = Object.values(families).map((make, i) => {
        const s = make(i + 3);
        return s instanceof HyperLogLog ? s.toRedisBytes() : s.toBytes();
      });
      const corrupt = fc.oneof(
        fc.uint8Array({ minLength: 1, maxLength: 200 }),
        fc.tuple(fc.constantFrom(...valid), fc.nat()).map(([bytes, n]) => bytes.slice(0, n % bytes.length)),
        fc.tuple(fc.constantFrom(...valid), fc.nat(), fc.integer({ min: 0, max: 7 })).map(([bytes, n, bit]) => {
          const copy = bytes.slice();
          copy[n % copy.length] = (copy[n % copy.length] as number) ^ (1 << bit);
          return copy;
        }),
      );
      let decodeErrors = 0;
      await fc.assert(
        fc.asyncProperty(corrupt, async (bytes) => {
          await redis.client.set(key, Buffer.from(bytes));
          try {
            await store.read(at);
          } catch (error) {
            expect(error).toBeInstanceOf(DecodeError);
            expect((error as Error).message).toContain(key);
            decodeErrors++;
          }
        }),
        { numRuns: 300 },
      );
      expect(decodeErrors).toBeGreaterThan(200);
      await redis.client.set(key, Buffer.from("PT\u0003garbage"));
      await expect(store.merge({ ...at, sketch: new CountMinSketch({ width: 8, depth: 2 }) })).rejects.toThrow(DecodeError);
      await redis.client.set(key, Buffer.from("not a sketch"));
      await expect(store.merge({ ...at, sketch: new HyperLogLog().add("a") })).rejects.toThrow(DecodeError);
      await expect(store.merge({ ...at, sketch: new BloomFilter({ bits: 64, hashes: 2 }) })).rejects.toThrow(DecodeError);
      await redis.client.set(key, Buffer.from("HYLL\u0000\u0000\u0000\u0000short"));
      await expect(store.merge({ ...at, sketch: new HyperLogLog().add("a") })).rejects.toThrow(DecodeError);
      expect(await get(key)).toEqual(new TextEncoder().encode("HYLL\u0000\u0000\u0000\u0000short"));
      // Keys of another Redis type: a list where a sketch should be, a string where the offsets hash should be.
      const listAt = address("fuzz-list");
      await redis.client.rPush(store.key(listAt), "x");
      await expect(store.read(listAt)).rejects.toThrow(DecodeError);
      for (const sketch of [new HyperLogLog(), new BloomFilter({ bits: 64, hashes: 2 }), new Moments()]) {
        await expect(store.merge({ ...listAt, sketch })).rejects.toThrow(DecodeError);
      }
      await redis.client.set(store.offsetsKey("wrongtype", "vault"), "x");
      await expect(store.readOffsets("wrongtype", "vault")).rejects.toThrow(DecodeError);
      await expect(store.checkpoint({ group: "wrongtype", offsets: { p: { first: 0, last: 1 } }, deltas: [{ ...address("wt"), sketch: new Moments() }] })).rejects.toThrow(DecodeError);
    }, 60_000);

    it("gives up with ContentionError after maxAttempts lost races, having written nothing", async () => {
      const at = address("contention");
      const tiny = new RedisSketchStore(await redis.connect(), { maxAttempts: 1 });
      const other = new RedisSketchStore(await redis.connect(), { maxAttempts: 1 });
      // Many writers at once with a single attempt each: some must lose.
      const results = await Promise.allSettled(
        Array.from({ length: 30 }, (_, i) => (i % 2 === 0 ? tiny : other).merge({ ...at, sketch: new CountMinSketch({ width: 512, depth: 8 }).add(`k${i}`) })),
      );
      const lost = results.filter((r) => r.status === "rejected");
      for (const r of lost) expect((r as PromiseRejectedResult).reason).toBeInstanceOf(ContentionError);
      const won = results.length - lost.length;
      expect(((await store.read(at)) as CountMinSketch).totalWeight).toBe(won);
    });
  });

  it("the guide's example (docs/redis.md, A first look) does what the guide says", async () => {
    const own = await redis.client.duplicate().connect();
    try {
      const guide = new RedisSketchStore(own);
      const bucket = guide.bucketOf("hour", Date.UTC(2026, 5, 1, 9, 41));
      const at = { metric: "users", system: "vault", granularity: "hour", bucket };
      await guide.merge({ ...at, sketch: new HyperLogLog().add("alice").add("bob") });
      await guide.merge({ ...at, sketch: new HyperLogLog().add("bob").add("carol") });
      expect(((await guide.read(at)) as HyperLogLog).cardinality()).toBe(3);
      expect(await redis.client.pfCount(guide.key(at))).toBe(3);
      const result = await guide.checkpoint({
        group: "monitor",
        offsets: { "logins:0": { first: 100, last: 199 } },
        deltas: [{ metric: "failed-by-user", system: "vault", granularity: "hour", bucket, sketch: new CountMinSketch({ width: 2048, depth: 5 }).add("alice", 3) }],
      });
      expect(result).toEqual({ applied: ["vault"], skipped: [], attempts: 1 });
    } finally {
      own.destroy();
    }
  });

  it("readRange merges the buckets in [from, to) with the family's monoid and skips missing ones", async () => {
    const base = T0 + 1000 * DAY;
    const hourly = [0, 1, 3, 5].map((h) => ({ metric: "range", system: "vault", granularity: "hour", bucket: base + h * HOUR }));
    const sketches = hourly.map((_, i) => new HyperLogLog().add(`a${i}`).add("shared"));
    await store.merge(hourly.map((at, i) => ({ ...at, sketch: sketches[i] as HyperLogLog })));
    const merged = (await store.readRange({ metric: "range", system: "vault", granularity: "hour", from: base + 1, to: base + 5 * HOUR })) as HyperLogLog;
    expect(merged.registers()).toEqual(HyperLogLog.monoid().combineAll([sketches[1] as HyperLogLog, sketches[2] as HyperLogLog]).registers());
    expect(merged.cardinality()).toBe(3);
    expect(await store.readRange({ metric: "range", system: "vault", granularity: "hour", from: base + 6 * HOUR, to: base + 9 * HOUR })).toBeUndefined();
  });

  it("validates addresses and options, naming the field", () => {
    expect(() => store.key({ metric: "m", system: "s", granularity: "hour", bucket: T0 + 1 })).toThrow(/bucket must be the start of a hour bucket/);
    expect(() => store.key({ metric: "m", system: "s", granularity: "week", bucket: 0 })).toThrow(/granularity must be one of hour, day/);
    expect(() => store.key({ metric: "", system: "s", granularity: "hour", bucket: 0 })).toThrow(/metric must be a non-empty string/);
    expect(() => new RedisSketchStore(client, { prefx: "x" } as never)).toThrow(/no option "prefx"/);
    expect(() => new RedisSketchStore(client, { prefix: "a{b}" })).toThrow(/prefix/);
    expect(() => new RedisSketchStore(client, { granularities: { minute: { bucketMs: 0, ttlMs: 1 } } })).toThrow(/granularities.minute.bucketMs/);
    expect(() => new RedisSketchStore({} as never)).toThrow(/node-redis client/);
  });
});
