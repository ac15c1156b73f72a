// Redis Streams workers as separate processes against a real redis-server
// started here: SIGKILLed at random points (at least 30 times) they still
// leave every count, distinct count, top list and alert equal to an exact
// single-process oracle; three workers in one group (one joining late, one
// leaving) leave the same state, register for register, as one; malformed
// entries go to the dead-letter stream with their reason; SIGTERM drains.
// The crash test runs again on a stream of packed entries.
import { beforeAll, describe, expect, it } from "vitest";
import { generateStream } from "../examples/streams/synthetic.mjs";
import type { Alert } from "../src/compliance/index.js";
import { RedisSketchStore } from "../src/redis/index.js";
import type { CountMinSketch } from "../src/sketches/index.js";
import { StreamsRulesWorker } from "../src/workers/index.js";
import { uniform } from "./support/random.js";
import { redisForSuite, redisServerPath } from "./support/redis-server.js";
import {
  bundleWorker,
  comparable,
  differences,
  drained,
  oracle,
  produce,
  producePacked,
  sketchKeys,
  sleep,
  startWorker,
  type WorkerHandle,
} from "./support/stream-workers-harness.js";

const binary = redisServerPath();
if (binary === undefined) {
  if (process.env.CI === "true") throw new Error("redis-server not found, but CI must run the Redis Streams worker tests");
  console.warn("SKIPPED: redis-server not found; the Redis Streams worker tests did not run (apt-get install redis-server)");
}

const START = Date.UTC(2026, 0, 5, 9, 50);

/** The seeded stream as JSON payloads, with malformed entries spliced in. */
function payloads(seed: number, minutes: number): string[] {
  const records = generateStream({ seed, start: START, minutes, loginsPerMinute: 150, users: 400 }).records.map((r) => JSON.stringify(r));
  const random = uniform(seed);
  const bad = ["{not json", JSON.stringify({ hello: "world" }), JSON.stringify({ event_type: "login", user_id: "x", system: "vpn", timestamp: "yesterday" }), "42"];
  for (let i = 0; i < 12; i++) records.splice(Math.floor(random() * records.length), 0, bad[i % bad.length] as string);
  return records;
}

describe.skipIf(binary === undefined)("Redis Streams workers (processes)", () => {
  const redis = redisForSuite(binary as string);
  let script: string;
  beforeAll(async () => {
    script = await bundleWorker();
  }, 60_000);

  it("SIGKILLed at random points at least 30 times, workers leave exactly the single-process state and alerts", async () => {
    await crashTest("crash", false);
  }, 150_000);

  it("the same with packed entries (1 to 8 events as NDJSON, malformed lines among them) mixed with single ones", async () => {
    await crashTest("crashpacked", true);
  }, 150_000);

  async function crashTest(stream: string, packed: boolean): Promise<void> {
    const prefix = stream;
    const data = payloads(21, 25);
    const random = uniform(99);
    const live = new Set<WorkerHandle>();
    let kills = 0;
    let incarnation = 0;
    const crashPoints: string[] = [];
    const TARGET = 36;
    const exitLog: string[] = [];
    const spawn = (role: "metrics" | "rules"): void => {
      const name = `${role}-${++incarnation}`;
      const handle = startWorker(script, {
        REDIS_URL: redis.url, STREAM: stream, GROUP: role === "rules" ? "rules" : "monitor", CONSUMER: name, ROLE: role, PREFIX: prefix,
        // Packed entries hold 4.5 events on average: reads of fewer entries give about as many batches (and crash points).
        BATCH: packed ? "13" : "60", CLAIM_IDLE_MS: "1200", LEASE_MS: "1200",
        CRASH_SEED: String(incarnation * 7919), CRASH_P: kills < TARGET ? "0.05" : "0",
      });
      live.add(handle);
      void handle.exit.then(({ code, signal }) => {
        live.delete(handle);
        exitLog.push(`${name}:${code}:${signal}:${JSON.stringify(handle.lines.slice(-2))}`);
        if (signal === "SIGKILL") {
          kills++;
          const crash = handle.lines.find((l) => typeof l === "object" && l !== null && "crash" in l) as { crash: string } | undefined;
          crashPoints.push(crash?.crash ?? "external");
          if (!stopping) spawn(role);
        }
      });
    };
    let stopping = false;
    for (let i = 0; i < 3; i++) spawn("metrics");
    for (let i = 0; i < 2; i++) spawn("rules");
    // Produce in waves while workers run and die; kill some from outside at random times too.
    for (let i = 0; i < data.length; i += 400) {
      await (packed ? producePacked(redis.client, stream, data.slice(i, i + 400), random) : produce(redis.client, stream, data.slice(i, i + 400)));
      await sleep(150);
      if (kills < TARGET && random() < 0.25) {
        const victims = [...live];
        const victim = victims[Math.floor(random() * victims.length)];
        victim?.child.kill("SIGKILL");
      }
    }
    const deadline = Date.now() + 50_000;
    while (kills < TARGET && Date.now() < deadline) {
      await sleep(150);
      if (random() < 0.1) [...live][Math.floor(random() * live.size)]?.child.kill("SIGKILL");
    }
    // The last victims' exits are handled and their replacements started (a SIGTERM while a process still loads
    // would end it by the signal, not by the drain; a stream of packed entries drains fast enough to see both).
    await sleep(500);
    for (const handle of [...live]) await ready(handle);
    while (!(await drained(redis.client, stream, ["monitor", "rules"])) && Date.now() < deadline) await sleep(200);
    // Rules: the lease holder has also stored the offset of the last entry.
    stopping = true;
    const exits = await Promise.all([...live].map((h) => (h.child.kill("SIGTERM"), h.exit)));
    expect(exits.every((e) => e.code === 0), JSON.stringify(exits)).toBe(true);
    expect(kills, exitLog.join("\n")).toBeGreaterThanOrEqual(30);
    // Most kills at named points inside the batch, the rest at arbitrary moments from outside.
    expect(crashPoints.filter((p) => p !== "external").length).toBeGreaterThanOrEqual(15);
    expect(new Set(crashPoints).size).toBeGreaterThanOrEqual(5);
    expect(await drained(redis.client, stream, ["monitor", "rules"]), `${JSON.stringify(await redis.client.sendCommand(["XINFO", "GROUPS", stream]))}\n${exitLog.filter((l) => !l.includes(":null:SIGKILL:")).join("\n")}`).toBe(true);

    const expected = oracle(data);
    const store = new RedisSketchStore(redis.client, { prefix });
    expect(await differences(store, expected.deltas)).toEqual([]);
    expect((await sketchKeys(redis.client, prefix)).length).toBe(expected.deltas.length);
    const rules = new StreamsRulesWorker({ client: redis.client, stream, consumer: "reader", rules: [], prefix });
    const alerts = await rules.alerts();
    expect(expected.alerts.size).toBeGreaterThan(3);
    expect([...alerts.keys()].sort()).toEqual([...expected.alerts.keys()].sort());
    // Everything of every alert but its evidence sample: a restored engine's
    // evidence ring starts empty (its image does not carry sampled events), so
    // an alert fired soon after a rules consumer's crash may sample fewer.
    const withoutEvidence = (alert: Alert | undefined) => (alert === undefined ? undefined : { ...alert, evidence: undefined });
    for (const [id, alert] of expected.alerts) {
      expect(withoutEvidence(alerts.get(id)), id).toEqual(withoutEvidence(alert));
      for (const event of alerts.get(id)!.evidence) expect(alert.evidence, `${id}: evidence from the stream`).toContainEqual(event);
    }
    const dead = (await redis.client.sendCommand(["XLEN", `${stream}:dead`])) as number;
    expect(dead).toBe(expected.deadLetters);
    console.log(`crash test${packed ? " (packed)" : ""}: ${kills} SIGKILLs (${JSON.stringify(countBy(crashPoints))}), ${data.length} events, ${expected.deltas.length} sketches, ${alerts.size} alerts`);
  }

  it("three workers in one group (one joining late, one leaving) store what one worker stores, register for register", async () => {
    const data = payloads(5, 15);
    // One worker alone.
    const single = startWorker(script, { REDIS_URL: redis.url, STREAM: "one", GROUP: "g", CONSUMER: "solo", PREFIX: "one", BATCH: "100" });
    await produce(redis.client, "one", data);
    while (!(await drained(redis.client, "one", ["g"]))) await sleep(100);
    single.child.kill("SIGTERM");
    expect((await single.exit).code).toBe(0);
    // Three: a, b from the start; c joins half-way; b leaves (SIGTERM) after that.
    const env = (name: string): Record<string, string> => ({ REDIS_URL: redis.url, STREAM: "three", GROUP: "g", CONSUMER: name, PREFIX: "three", BATCH: "37" });
    const a = startWorker(script, env("a"));
    const b = startWorker(script, env("b"));
    await Promise.all([ready(a), ready(b)]);
    const half = Math.floor(data.length / 2);
    const waves = async (from: number, to: number): Promise<void> => {
      for (let i = from; i < to; i += 150) {
        await produce(redis.client, "three", data.slice(i, Math.min(i + 150, to)));
        await sleep(40);
      }
    };
    await waves(0, half);
    const c = startWorker(script, env("c"));
    await ready(c);
    await waves(half, half + 600);
    b.child.kill("SIGTERM");
    expect((await b.exit).code).toBe(0);
    await waves(half + 600, data.length);
    while (!(await drained(redis.client, "three", ["g"]))) await sleep(100);
    for (const w of [a, c]) w.child.kill("SIGTERM");
    expect((await Promise.all([a.exit, c.exit])).map((e) => e.code)).toEqual([0, 0]);
    const totals = [a, b, c].map((w) => (w.lines.find((l) => typeof l === "object" && l !== null && "totals" in l) as { totals: { events: number } }).totals.events);
    expect(totals.every((n) => n > 0), `every worker took a share: ${totals}`).toBe(true);

    const one = new RedisSketchStore(redis.client, { prefix: "one" });
    const three = new RedisSketchStore(redis.client, { prefix: "three" });
    const expected = oracle(data);
    const keysOne = (await sketchKeys(redis.client, "one")).map((k) => k.slice(4));
    const keysThree = (await sketchKeys(redis.client, "three")).map((k) => k.slice(6));
    expect(keysThree).toEqual(keysOne);
    for (const delta of expected.deltas) {
      const x = comparable(await one.read(delta));
      expect(comparable(await three.read(delta)), `${delta.metric}/${delta.system}`).toEqual(x);
      expect(x).toEqual(comparable(delta.sketch));
    }
  }, 120_000);

  it("sends malformed entries to the dead-letter stream with the reason, and drains the batch in hand on SIGTERM", async () => {
    const good = JSON.stringify({ event_type: "login", event_id: "e1", user_id: "alice", system: "vpn", timestamp: "2026-01-05T10:00:00Z", metadata: { ip: "10.0.0.1", status: "success" } });
    const entries = ["{not json", JSON.stringify({ hello: "world" }), JSON.stringify({ event_type: "login", user_id: "x", system: "vpn", timestamp: "yesterday" }), good];
    const ids = await produce(redis.client, "dl", entries);
    // Slow batches: SIGTERM arrives while one is in hand.
    const w = startWorker(script, { REDIS_URL: redis.url, STREAM: "dl", GROUP: "g", CONSUMER: "w", PREFIX: "dl", BATCH: "2", SLOW_MS: "150" });
    while (!w.lines.some((l) => typeof l === "object" && l !== null && "ready" in l)) await sleep(20);
    await sleep(250);
    w.child.kill("SIGTERM");
    expect((await w.exit).code).toBe(0);
    const pending = (await redis.client.sendCommand(["XPENDING", "dl", "g"])) as unknown[];
    expect(Number(pending[0]), "nothing left pending after the drain").toBe(0);
    const letters = ((await redis.client.sendCommand(["XRANGE", "dl:dead", "-", "+"])) as [string, string[]][]).map(([, f]) => Object.fromEntries(f.map((v, i, all) => (i % 2 === 0 ? [v, all[i + 1]] : [])).filter((x) => x.length > 0)) as Record<string, string>);
    // Whatever the drain covered was handled completely: letters for the malformed ones among the acknowledged.
    const info = (await redis.client.sendCommand(["XINFO", "GROUPS", "dl"])) as Record<string, unknown>[];
    const delivered = String(info[0]!["last-delivered-id"]);
    const handled = ids.findIndex((id) => id === delivered) + 1;
    expect(handled).toBeGreaterThanOrEqual(2);
    expect(letters.map((l) => l.id)).toEqual(ids.slice(0, Math.min(handled, 3)));
    expect(letters[0]!.reason).toMatch(/^invalid JSON/);
    if (letters[1] !== undefined) expect(letters[1].reason).toBe("record matches no known event shape");
    if (letters[2] !== undefined) expect(letters[2].reason).toMatch(/time/);
    expect(letters[0]!.value).toBe("{not json");
    // A restarted worker finishes the rest; the good event is counted once.
    const again = startWorker(script, { REDIS_URL: redis.url, STREAM: "dl", GROUP: "g", CONSUMER: "w2", PREFIX: "dl", BATCH: "2" });
    // Its SIGTERM handler must be in place first (the drain above may have handled everything already).
    await ready(again);
    while (!(await drained(redis.client, "dl", ["g"]))) await sleep(50);
    again.child.kill("SIGTERM");
    expect((await again.exit).code).toBe(0);
    expect(Number(await redis.client.sendCommand(["XLEN", "dl:dead"]))).toBe(3);
    const store = new RedisSketchStore(redis.client, { prefix: "dl" });
    const users = await store.read({ metric: "events-by-user", system: "vpn", granularity: "hour", bucket: Date.UTC(2026, 0, 5, 10) });
    expect((users as CountMinSketch | undefined)?.estimate("alice").estimate).toBe(1);
  }, 60_000);
});

async function ready(handle: WorkerHandle): Promise<void> {
  while (!handle.lines.some((l) => typeof l === "object" && l !== null && "ready" in l) && handle.child.exitCode === null) await sleep(20);
}

function countBy(list: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const x of list) out[x] = (out[x] ?? 0) + 1;
  return out;
}
