// Options of papertrail/workers are checked at run time: unknown keys and
// bad values are refused with an InvalidArgumentError naming them. And the
// pipeline never throws for a message: every malformed one becomes a dead
// letter (property over arbitrary payloads).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { RedisConnection } from "../src/redis/index.js";
import { RedisSketchStore } from "../src/redis/index.js";
import { BatchPipeline, InvalidArgumentError, KafkaWorker, RedisEventMarks, StreamsRulesWorker, StreamsWorker, countMetric } from "../src/workers/index.js";

const client = { sendCommand: async () => null, watch: async () => "OK", unwatch: async () => "OK", multi: () => ({ addCommand: () => undefined, exec: async () => [] }) } as unknown as RedisConnection;
const store = new RedisSketchStore(client);

function refused(make: () => unknown, text: string | RegExp): void {
  let caught: unknown;
  try {
    make();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(InvalidArgumentError);
  expect((caught as Error).message).toMatch(text);
}

describe("papertrail/workers options", () => {
  it("refuse unknown keys and bad values, naming them", () => {
    refused(() => new BatchPipeline({ metric: [] } as never), /metric/);
    refused(() => new BatchPipeline({ metrics: [] }), /metrics/);
    refused(() => new BatchPipeline({ metrics: [countMetric("a", (e) => e.kind), countMetric("a", (e) => e.kind)] }), /unique/);
    refused(() => new BatchPipeline({ bucketMs: 0 }), /bucketMs/);
    refused(() => new StreamsWorker({ client, store, stream: "s", group: "g", consumer: "c", batchsize: 5 } as never), /batchsize/);
    refused(() => new StreamsWorker({ client, store, stream: "", group: "g", consumer: "c" }), /stream/);
    refused(() => new StreamsWorker({ client, store, stream: "s", group: "g", consumer: "c", claimIdleMs: -1 }), /claimIdleMs/);
    refused(() => new KafkaWorker({ store, group: "g", chunkSize: 1.5 }), /chunkSize/);
    refused(() => new KafkaWorker({ store, group: "" }), /group/);
    refused(() => new RedisEventMarks(client, { group: "a{b}" }), /group/);
    refused(() => new StreamsRulesWorker({ client, stream: "s", consumer: "r", rules: [], blockMs: 5000, leaseMs: 1000 }), /blockMs/);
    refused(() => new StreamsRulesWorker({ client, stream: "s", consumer: "r", rules: [], lease: 5 } as never), /lease/);
  });

  it("turn any payload into an event or a dead letter, never an exception", () => {
    const pipeline = new BatchPipeline();
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.string(), fc.json(), fc.uint8Array(), fc.constant(null)), { maxLength: 20 }), (values) => {
        const messages = values.map((value, i) => ({ offset: String(i), value }));
        const { events, deadLetters } = pipeline.parse(messages);
        expect(events.length + deadLetters.length).toBe(messages.length);
        for (const letter of deadLetters) expect(letter.reason.length).toBeGreaterThan(0);
        pipeline.deltas(events.map((m) => m.event));
      }),
      { numRuns: 300 },
    );
  });
});
