// RedisEventMarks against a real redis-server: random sequences of calls
// (several sources, ids drawn from a small pool so that copies meet, copies
// inside one call, replays of earlier calls, calls longer than the script's
// 1,000-pair chunks) give exactly the decisions of a model that claims each
// (kind, id) for the first (source, offset) that asks and compares after.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { ComplianceEvent } from "../src/compliance/event.js";
import type { ParsedMessage } from "../src/workers/batch-pipeline.js";
import { RedisEventMarks } from "../src/workers/index.js";
import { redisForSuite, redisServerPath } from "./support/redis-server.js";

const binary = redisServerPath();
if (binary === undefined) {
  if (process.env.CI === "true") throw new Error("redis-server not found, but CI must run the event marks tests");
  console.warn("SKIPPED: redis-server not found; the event marks tests did not run (apt-get install redis-server)");
}

const HOUR = 3_600_000;

interface Call {
  readonly source: string;
  readonly messages: ParsedMessage[];
}

const message = (offset: number, kind: string, id: string | undefined, hour: number): ParsedMessage => ({
  offset: `${1000 + offset}-0`,
  event: { kind, id, time: hour * HOUR + 5 } as unknown as ComplianceEvent,
});

/** The model: per (bucket, kind, id), the token of the first copy that asked. */
function modelDecisions(model: Map<string, string>, call: Call): boolean[] {
  return call.messages.map(({ offset, event }) => {
    if (event.id === undefined || event.id === "") return false;
    const field = `${Math.floor(event.time / HOUR)}\u0000${event.kind}\u0000${event.id}`;
    const token = `${call.source}\u0000${offset}`;
    const owner = model.get(field);
    if (owner === undefined) {
      model.set(field, token);
      return false;
    }
    return owner !== token;
  });
}

const callArb = fc.record({
  source: fc.constantFrom("s/a", "s/b", "s/c"),
  messages: fc.array(
    fc.tuple(fc.nat(400), fc.constantFrom("login", "query"), fc.option(fc.nat(60).map((n) => `e${n}`), { nil: undefined, freq: 8 }), fc.nat(2)),
    { minLength: 1, maxLength: 40 },
  ),
  replay: fc.nat(),
});

describe.skipIf(binary === undefined)("RedisEventMarks (redis-server)", () => {
  const redis = redisForSuite(binary as string);

  it("decides as the first-claim model on random call sequences, replays included", async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(callArb, { minLength: 1, maxLength: 12 }), async (raw) => {
        const marks = new RedisEventMarks(redis.client, { prefix: `marks${run++}`, group: "g" });
        const model = new Map<string, string>();
        const calls: Call[] = [];
        for (const { source, messages, replay } of raw) {
          // A third of the calls replay an earlier call exactly (a crash before the ack).
          const call: Call =
            calls.length > 0 && replay % 3 === 0
              ? (calls[replay % calls.length] as Call)
              : { source, messages: messages.map(([offset, kind, id, hour]) => message(offset, kind, id, hour)) };
          calls.push(call);
          expect(await marks.duplicates(call.source, call.messages)).toEqual(modelDecisions(model, call));
        }
      }),
      { numRuns: 60 },
    );
  });

  it("a call longer than one chunk: copies across the chunk boundary, then its replay keeps the same decisions", async () => {
    const marks = new RedisEventMarks(redis.client, { prefix: "long", group: "g" });
    // 2,500 events: ids repeat every 1,300, so the copy of each of the first 1,200 sits in a later chunk.
    const messages = Array.from({ length: 2500 }, (_, i) => message(i, "login", `id${i % 1300}`, 0));
    const first = await marks.duplicates("s/a", messages);
    expect(first.filter((d) => d).length).toBe(1200);
    expect(first.slice(0, 1300).every((d) => !d)).toBe(true);
    expect(first.slice(1300).every((d) => d)).toBe(true);
    expect(await marks.duplicates("s/a", messages)).toEqual(first);
    // Another source's copies of the same ids are all duplicates.
    expect((await marks.duplicates("s/b", messages.slice(0, 10))).every((d) => d)).toBe(true);
  });
});
