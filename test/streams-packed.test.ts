// Packed stream entries (several events as NDJSON in one entry): the
// pipeline parses each line as the unpacked message would be parsed, with
// its position; against a real redis-server a worker dead-letters a
// malformed line with its position and keeps its siblings, tells copies
// inside one entry apart, and a replay of the same entries (a restart under
// the same consumer name) changes nothing.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { RedisSketchStore } from "../src/redis/index.js";
import { BatchPipeline, StreamsWorker } from "../src/workers/index.js";
import { redisForSuite, redisServerPath } from "./support/redis-server.js";
import { differences, oracle } from "./support/stream-workers-harness.js";

const binary = redisServerPath();
if (binary === undefined) {
  if (process.env.CI === "true") throw new Error("redis-server not found, but CI must run the packed entry tests");
  console.warn("SKIPPED: redis-server not found; the packed entry tests did not run (apt-get install redis-server)");
}

const login = (id: string, user: string, minute: number): string =>
  JSON.stringify({ event_type: "login", event_id: id, user_id: user, system: "vpn", timestamp: new Date(Date.UTC(2026, 0, 5, 10, minute)).toISOString(), metadata: { ip: "10.0.0.1", status: "success" } });
const BAD = ["{not json", JSON.stringify({ hello: "world" }), JSON.stringify({ event_type: "login", user_id: "x", system: "vpn", timestamp: "yesterday" }), "42"];

describe("BatchPipeline.parse of packed messages", () => {
  it("gives each line what the line alone gives, with its offset and 0-based line as position", () => {
    const pipeline = new BatchPipeline();
    const lineArb = fc.oneof(fc.constantFrom(...BAD), fc.tuple(fc.nat(30), fc.nat(59)).map(([n, m]) => login(`e${n}`, `u${n}`, m)));
    fc.assert(
      fc.property(fc.array(fc.array(fc.oneof(lineArb, fc.constant("")), { minLength: 1, maxLength: 8 }), { minLength: 1, maxLength: 6 }), (entries) => {
        const packed = pipeline.parse(entries.map((lines, i) => ({ offset: `${i + 1}-0`, value: lines.join("\n"), packed: true })));
        const events: unknown[] = [];
        const letters: unknown[] = [];
        entries.forEach((lines, i) => {
          lines.forEach((line, position) => {
            if (line === "") return;
            const one = pipeline.parse([{ offset: `${i + 1}-0`, value: line }]);
            for (const e of one.events) events.push({ ...e, position });
            for (const l of one.deadLetters) letters.push({ ...l, position });
          });
          if (lines.every((l) => l === "")) letters.push({ offset: `${i + 1}-0`, reason: "empty message", value: lines.join("\n") });
        });
        expect(packed.events).toEqual(events);
        expect(packed.deadLetters).toEqual(letters);
      }),
      { numRuns: 200 },
    );
  });

  it("a trailing newline and a UTF-8 byte value are read like the text", () => {
    const pipeline = new BatchPipeline();
    const text = `${login("a", "alice", 1)}\n${login("b", "bob", 2)}\n`;
    const fromText = pipeline.parse([{ offset: "7-0", value: text, packed: true }]);
    expect(fromText.events.map((e) => [e.event.user, e.position])).toEqual([["alice", 0], ["bob", 1]]);
    expect(fromText.deadLetters).toEqual([]);
    expect(pipeline.parse([{ offset: "7-0", value: new TextEncoder().encode(text), packed: true }])).toEqual(fromText);
  });
});

describe.skipIf(binary === undefined)("StreamsWorker on packed entries (redis-server)", () => {
  const redis = redisForSuite(binary as string);

  it("dead-letters malformed lines with their position, keeps their siblings, drops a copy inside one entry, and a replay changes nothing", async () => {
    const stream = "packed";
    const entries: Array<[string, string]> = [
      ["events", [login("e1", "alice", 1), "{not json", login("e2", "bob", 2), login("e1", "alice", 1), JSON.stringify({ hello: "world" })].join("\n")],
      ["event", login("e3", "carol", 3)],
      ["events", [login("e3", "carol", 3), "", login("e4", "dave", 4)].join("\n")],
      ["events", ""],
    ];
    const ids: string[] = [];
    for (const [field, value] of entries) ids.push(String(await redis.client.sendCommand(["XADD", stream, "*", field, value])));
    const store = new RedisSketchStore(await redis.connect(), { prefix: "packed" });
    const worker = (consumer: string) => new StreamsWorker({ client: redis.client, store, stream, group: "g", consumer, batchSize: 3, blockMs: 10 });
    const a = worker("a");
    await a.createGroup();
    while ((await a.step()) > 0);
    await a.flush();
    expect(a.totals).toMatchObject({ events: 6, duplicates: 2, deadLetters: 3 });
    const letters = ((await redis.client.sendCommand(["XRANGE", `${stream}:dead`, "-", "+"])) as [string, string[]][]).map(([, f]) => {
      const o: Record<string, string> = {};
      for (let i = 0; i < f.length; i += 2) o[f[i] as string] = f[i + 1] as string;
      return o;
    });
    expect(letters.map((l) => [l.id, l.position, l.value])).toEqual([
      [ids[0], "1", "{not json"],
      [ids[0], "4", JSON.stringify({ hello: "world" })],
      [ids[3], undefined, ""],
    ]);
    expect(letters[0]!.reason).toMatch(/^invalid JSON/);
    expect(letters[1]!.reason).toBe("record matches no known event shape");
    expect(letters[2]!.reason).toBe("empty message");
    // The state is the oracle's over the events one by one (e1 and e3 counted once).
    const flat = [login("e1", "alice", 1), "{not json", login("e2", "bob", 2), login("e1", "alice", 1), JSON.stringify({ hello: "world" }), login("e3", "carol", 3), login("e3", "carol", 3), login("e4", "dave", 4)];
    const expected = oracle(flat);
    expect(expected.events).toBe(4);
    expect(await differences(store, expected.deltas)).toEqual([]);

    // A replay of the same entries under the same consumer name (a crash after the checkpoint, before the XACK):
    // the checkpoint skips, the marks decide the same, no letter is written twice.
    await redis.client.sendCommand(["DEL", `${stream}:dead`]);
    const replay = worker("a");
    // The entries as read, replayed through handle() as a claimer replays a dead consumer's entries.
    const raw = (await redis.client.sendCommand(["XRANGE", stream, "-", "+"])) as [string, string[]][];
    const outcome = await replay.handle(raw.map(([id, fields]) => ({ id, fields })), "a");
    expect(outcome).toMatchObject({ events: 6, duplicates: 2, deadLetters: 3, applied: [], skipped: ["vpn"] });
    expect(Number(await redis.client.sendCommand(["XLEN", `${stream}:dead`])), "acknowledged entries get no second letter").toBe(0);
    expect(await differences(store, expected.deltas)).toEqual([]);
  });
});
