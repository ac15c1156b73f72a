// KafkaWorker through the kafkajs eachBatch shape, on an in-memory log
// (test/support/fake-kafka.ts) with a real redis-server for the store:
// members crash mid-batch at every worker point, partitions move in
// rebalances (also while a batch is in flight), fetches have random sizes
// (so replays start inside checkpointed batches) — and the stored sketches
// equal the exact single-process oracle. Against a real broker when
// KAFKA_BROKERS is set (@platformatic/kafka), skipped visibly otherwise.
import { describe, expect, it } from "vitest";
import { generateStream } from "../examples/streams/synthetic.mjs";
import { RedisSketchStore } from "../src/redis/index.js";
import type { CountMinSketch } from "../src/sketches/index.js";
import { KafkaWorker, RedisEventMarks, runPlatformaticConsumer, type WorkerPoint } from "../src/workers/index.js";
import { FakeKafka } from "./support/fake-kafka.js";
import { uniform } from "./support/random.js";
import { redisForSuite, redisServerPath } from "./support/redis-server.js";
import { differences, oracle, sketchKeys } from "./support/stream-workers-harness.js";

const binary = redisServerPath();
if (binary === undefined) {
  if (process.env.CI === "true") throw new Error("redis-server not found, but CI must run the Kafka worker tests");
  console.warn("SKIPPED: redis-server not found; the Kafka worker tests did not run (apt-get install redis-server)");
}
const brokers = process.env.KAFKA_BROKERS;
if (brokers === undefined || brokers === "") {
  console.warn("SKIPPED: KAFKA_BROKERS is not set; the Kafka worker test against a real broker did not run (set KAFKA_BROKERS=host:9092 to run it)");
}

const START = Date.UTC(2026, 0, 5, 9, 40);

class Crash extends Error {}

describe.skipIf(binary === undefined)("KafkaWorker", () => {
  const redis = redisForSuite(binary as string);

  it("with crashes at every point, rebalances and random fetch sizes, stores exactly the single-process state", async () => {
    const payloads = generateStream({ seed: 3, start: START, minutes: 30, loginsPerMinute: 100, users: 300 }).records.map((r) => JSON.stringify(r));
    payloads.splice(100, 0, "{broken", JSON.stringify({ nothing: true }));
    const log = new FakeKafka("events", 4);
    // Round-robin partitioning: copies of one event can land on different partitions (the marks still see them).
    payloads.forEach((p, i) => log.produce(i % 4, p));
    const random = uniform(17);
    const letters: string[] = [];
    const points: Record<string, number> = {};
    const trimmed = { systems: 0 };
    const member = (name: string): { name: string; worker: KafkaWorker } => {
      const client = redis.client;
      const store = new RedisSketchStore(client, { prefix: "kafka" });
      const onPoint = (point: WorkerPoint): void => {
        if (random() < 0.04) {
          points[point] = (points[point] ?? 0) + 1;
          throw new Crash(`${name} crashed at ${point}`);
        }
      };
      const worker = new KafkaWorker({
        store,
        group: "monitor",
        marks: new RedisEventMarks(client, { prefix: "kafka", group: "monitor" }),
        chunkSize: 1 + Math.floor(random() * 80),
        deadLetter: async (list) => void letters.push(...list.map((l) => l.reason)),
        onPoint,
      });
      return { name, worker };
    };
    let members = [member("a"), member("b")];
    log.assign(members.map((m) => m.name));
    let crashes = 0;
    let rounds = 0;
    let incarnation = 0;
    while (log.lag() > 0 && rounds++ < 5000) {
      const m = members[Math.floor(random() * members.length)]!;
      const partition = Math.floor(random() * 4);
      const rebalance = random() < 0.05 ? () => log.assign([...members.map((x) => x.name)].reverse()) : undefined;
      try {
        await log.fetch(m.name, partition, 1 + Math.floor(random() * 200), m.worker.eachBatch, rebalance);
      } catch (error) {
        if (!(error instanceof Crash)) throw error;
        crashes++;
        // The member is gone: a new one joins under another name, and the group rebalances.
        trimmed.systems += m.worker.totals.trimmedSystems;
        members = members.filter((x) => x !== m).concat(member(`m${++incarnation}`));
        log.assign(members.map((x) => x.name));
      }
    }
    expect(log.lag()).toBe(0);
    // Replays started inside checkpointed batches (other bounds): only the rest was written.
    expect(trimmed.systems + members.reduce((n, m) => n + m.worker.totals.trimmedSystems, 0)).toBeGreaterThan(0);
    expect(crashes).toBeGreaterThanOrEqual(20);
    expect(Object.keys(points).length).toBeGreaterThanOrEqual(5);
    expect(log.heartbeats).toBeGreaterThan(log.commits / 2);
    const expected = oracle(payloads);
    const store = new RedisSketchStore(redis.client, { prefix: "kafka" });
    expect(await differences(store, expected.deltas)).toEqual([]);
    expect((await sketchKeys(redis.client, "kafka")).length).toBe(expected.deltas.length);
    // Dead letters are at least once on Kafka (sent before the commit).
    expect([...new Set(letters)].sort()).toEqual([expect.stringMatching(/^invalid JSON: /), "record matches no known event shape"]);
  }, 120_000);

  it("stops a batch early when the partition went to another member (isStale) and leaves the rest uncommitted", async () => {
    const log = new FakeKafka("t", 1);
    for (let i = 0; i < 50; i++) log.produce(0, JSON.stringify({ event_type: "login", event_id: `e${i}`, user_id: `u${i}`, system: "hr", timestamp: "2026-01-05T10:00:00Z" }));
    log.assign(["a"]);
    const worker = new KafkaWorker({ store: new RedisSketchStore(redis.client, { prefix: "stale" }), group: "g", chunkSize: 10 });
    await log.fetch("a", 0, 50, worker.eachBatch, () => log.assign(["b"]));
    expect(worker.totals.stoppedEarly).toBe(1);
    expect(log.committed[0]).toBe(0);
    await log.fetch("b", 0, 50, new KafkaWorker({ store: new RedisSketchStore(redis.client, { prefix: "stale" }), group: "g", chunkSize: 7 }).eachBatch);
    expect(log.committed[0]).toBe(50);
    const users = await new RedisSketchStore(redis.client, { prefix: "stale" }).read({ metric: "events-by-kind", system: "hr", granularity: "hour", bucket: Date.UTC(2026, 0, 5, 10) });
    expect((users as CountMinSketch | undefined)?.estimate("login").estimate).toBe(50);
  });

  it.skipIf(brokers === undefined || brokers === "")("against a real broker (KAFKA_BROKERS) through @platformatic/kafka", async () => {
    const kafka = await import("@platformatic/kafka");
    const topic = `papertrail-it-${Date.now()}`;
    const admin = new kafka.Admin({ clientId: "papertrail-it", bootstrapBrokers: (brokers as string).split(",") });
    await admin.createTopics({ topics: [topic], partitions: 2, replicas: 1 });
    await admin.close();
    const payloads = generateStream({ seed: 8, start: START, minutes: 5, loginsPerMinute: 60 }).records.map((r) => JSON.stringify(r));
    const producer = new kafka.Producer({ clientId: "papertrail-it", bootstrapBrokers: (brokers as string).split(","), serializers: kafka.stringSerializers });
    await producer.send({ messages: payloads.map((value, i) => ({ topic, value, partition: i % 2 })) });
    await producer.close();
    const consumer = new kafka.Consumer({ groupId: `${topic}-g`, clientId: "papertrail-it", bootstrapBrokers: (brokers as string).split(",") });
    const stream = await consumer.consume({ topics: [topic], mode: "earliest", autocommit: false });
    const store = new RedisSketchStore(redis.client, { prefix: topic });
    const worker = new KafkaWorker({ store, group: `${topic}-g`, marks: new RedisEventMarks(redis.client, { prefix: topic, group: `${topic}-g` }) });
    const controller = new AbortController();
    const done = runPlatformaticConsumer(stream as never, worker.eachBatch, { maxMessages: 200, signal: controller.signal });
    const deadline = Date.now() + 60_000;
    while (worker.totals.events < payloads.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    controller.abort();
    await stream.close();
    await done;
    await consumer.close();
    expect(await differences(store, oracle(payloads).deltas)).toEqual([]);
  }, 120_000);
});
