// StreamsWorker.claimStale against a real redis-server: a consumer may have
// several reads pending (held for one checkpoint, in flight, read ahead), so
// a claimer replays only the idle prefix of the owner's pending entries in id
// order. Replaying a later read while an earlier one is not idle (another
// worker claimed it and is replaying it) would move the owner's offsets past
// the earlier read, and that read's own replay would then be skipped. And a
// live consumer whose held entries (folded into deltas as they were read)
// were partly claimed and replayed meanwhile gives up its checkpoint and
// replays its pending list, trimmed to what the systems lack. A worker
// stopped with reads sent ahead checkpoints and acknowledges them too.
import { describe, expect, it } from "vitest";
import { generateStream } from "../examples/streams/synthetic.mjs";
import { OffsetOverlapError, RedisSketchStore } from "../src/redis/index.js";
import { StreamsWorker } from "../src/workers/index.js";
import { redisForSuite, redisServerPath } from "./support/redis-server.js";
import { differences, oracle, produce, sleep } from "./support/stream-workers-harness.js";

const binary = redisServerPath();
if (binary === undefined) {
  if (process.env.CI === "true") throw new Error("redis-server not found, but CI must run the stream claim tests");
  console.warn("SKIPPED: redis-server not found; the stream claim tests did not run (apt-get install redis-server)");
}

describe.skipIf(binary === undefined)("StreamsWorker claims (redis-server)", () => {
  const redis = redisForSuite(binary as string);

  it("replays a dead consumer's pending reads only as an idle prefix, in id order", async () => {
    const payloads = generateStream({ seed: 8, start: Date.UTC(2026, 0, 5, 9), minutes: 2, loginsPerMinute: 40, users: 50 }).records.slice(0, 60).map((r) => JSON.stringify(r));
    await produce(redis.client, "claims", payloads);
    await redis.client.sendCommand(["XGROUP", "CREATE", "claims", "g", "0"]);
    // Consumer "a" reads twice and dies with both reads pending.
    const read = () => redis.client.sendCommand(["XREADGROUP", "GROUP", "g", "a", "COUNT", "30", "STREAMS", "claims", ">"]);
    await read();
    await read();
    const first = ((await redis.client.sendCommand(["XPENDING", "claims", "g", "-", "+", "30", "a"])) as [string][]).map(([id]) => id);
    await sleep(120);
    // Another worker claims the first read (its idle time starts again) and is still replaying it.
    await redis.client.sendCommand(["XCLAIM", "claims", "g", "a", "0", ...first, "JUSTID"]);
    const store = new RedisSketchStore(await redis.connect(), { prefix: "claims" });
    const b = new StreamsWorker({ client: await redis.connect(), store, stream: "claims", group: "g", consumer: "b", claimIdleMs: 100, claimEveryMs: 1 });
    // The second read is idle, the first is not: nothing may be replayed yet.
    expect(await b.claimStale()).toBe(0);
    await sleep(120);
    // Both idle now: replayed together, in order, as a's entries.
    expect(await b.claimStale()).toBe(60);
    expect(b.totals.claimed).toBe(60);
    expect(Number(((await redis.client.sendCommand(["XPENDING", "claims", "g"])) as unknown[])[0])).toBe(0);
    expect(await differences(store, oracle(payloads).deltas)).toEqual([]);
  });

  it("a slow consumer whose held entries were partly replayed by a claimer replays the rest from its pending list", async () => {
    const payloads = generateStream({ seed: 9, start: Date.UTC(2026, 0, 5, 9), minutes: 2, loginsPerMinute: 40, users: 50 }).records.slice(0, 60).map((r) => JSON.stringify(r));
    await produce(redis.client, "slow", payloads);
    await redis.client.sendCommand(["XGROUP", "CREATE", "slow", "g", "0"]);
    const store = new RedisSketchStore(await redis.connect(), { prefix: "slow" });
    // "a" holds two reads (folded into deltas) for one checkpoint it has not started.
    const a = new StreamsWorker({ client: await redis.connect(), store, stream: "slow", group: "g", consumer: "a", batchSize: 30, checkpointEntries: 90, checkpointMs: 50_000, claimIdleMs: 60_000, claimEveryMs: 60_000, blockMs: 50 });
    a.stop(); // step() by hand; run() below
    expect(await a.step()).toBe(30);
    expect(await a.step()).toBe(30);
    const pending = ((await redis.client.sendCommand(["XPENDING", "slow", "g", "-", "+", "60", "a"])) as [string][]).map(([id]) => id);
    expect(pending).toHaveLength(60);
    await sleep(120);
    // Only the first read is idle (the second's idle time starts again): a claimer replays it as a's.
    await redis.client.sendCommand(["XCLAIM", "slow", "g", "a", "0", ...pending.slice(30), "JUSTID"]);
    const b = new StreamsWorker({ client: await redis.connect(), store, stream: "slow", group: "g", consumer: "b", claimIdleMs: 100, claimEveryMs: 1 });
    expect(await b.claimStale()).toBe(30);
    // a's checkpoint of 60 entries meets systems at its 30th: its deltas cannot be trimmed, so it refuses.
    await expect(a.flush()).rejects.toBeInstanceOf(OffsetOverlapError);
    // run() starts with a's pending list (the second read), as after any failed checkpoint.
    const running = a.run();
    await sleep(300);
    a.stop();
    await running;
    expect(Number(((await redis.client.sendCommand(["XPENDING", "slow", "g"])) as unknown[])[0])).toBe(0);
    expect(await differences(store, oracle(payloads).deltas)).toEqual([]);
  });
  it("a worker stopped with reads in flight ahead checkpoints and acknowledges them before run() returns", async () => {
    const payloads = generateStream({ seed: 10, start: Date.UTC(2026, 0, 5, 9), minutes: 4, loginsPerMinute: 40, users: 50 }).records.slice(0, 200).map((r) => JSON.stringify(r));
    const ids = await produce(redis.client, "ahead", payloads);
    await redis.client.sendCommand(["XGROUP", "CREATE", "ahead", "g", "0"]);
    const store = new RedisSketchStore(await redis.connect(), { prefix: "ahead" });
    const options = { store, stream: "ahead", group: "g", batchSize: 20, checkpointEntries: 40, blockMs: 50 };
    // Stopped while its first read is parsed: the first read was full, so more were sent ahead of it.
    const a: StreamsWorker = new StreamsWorker({ ...options, client: await redis.connect(), consumer: "a", onPoint: (point) => (point === "read" ? a.stop() : undefined) });
    await a.run();
    const taken = a.totals.events;
    expect(taken).toBeGreaterThan(20); // the reads ahead were taken too
    expect(taken % 20).toBe(0);
    const group = ((await redis.client.sendCommand(["XINFO", "GROUPS", "ahead"])) as unknown as Array<Record<string, unknown>>)[0] as Record<string, unknown>;
    expect(group["last-delivered-id"]).toBe(ids[taken - 1]);
    expect(Number(((await redis.client.sendCommand(["XPENDING", "ahead", "g"])) as unknown[])[0])).toBe(0);
    expect(await differences(store, oracle(payloads.slice(0, taken)).deltas)).toEqual([]);
    // Another consumer takes the rest: every event counted once.
    const b = new StreamsWorker({ ...options, client: await redis.connect(), consumer: "b" });
    const running = b.run();
    while (b.totals.events < payloads.length - taken) await sleep(20);
    b.stop();
    await running;
    expect(await differences(store, oracle(payloads).deltas)).toEqual([]);
  });
});
