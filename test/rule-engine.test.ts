import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type Alert,
  type ComplianceEvent,
  type CountRule,
  type DistinctRule,
  DecodeError,
  InvalidArgumentError,
  ParameterMismatchError,
  RuleEngine,
  type RuleDefinition,
  type RuleStats,
  bruteForceRule,
  fieldReader,
  passwordSprayRule,
  readField,
  readyRules,
} from "../src/compliance/index.js";
import { T0, attack, cleanStream, makeEvent, merged } from "./support/compliance-stream.js";
import { uniform } from "./support/random.js";
import { ringBits } from "../src/compliance/rules/distinct-evaluator.js";
import { ringPosition, thresholdFloor, thresholdTest } from "../src/compliance/rules/rule-evaluator.js";
import { timeText } from "../src/compliance/rules/time-text.js";

function run(rules: readonly RuleDefinition[], events: readonly ComplianceEvent[], options: Partial<ConstructorParameters<typeof RuleEngine>[0]> = {}) {
  const alerts: Alert[] = [];
  const engine = new RuleEngine({ rules, onAlert: (alert) => void alerts.push(alert), ...options });
  for (const event of events) engine.evaluate(event);
  return { engine, alerts };
}

const failedLogin = (time: number, ip = "203.0.113.7", user = "bob") =>
  makeEvent({ kind: "login", time, user, ip, system: "auth", status: "failed", outcome: "failure" });

describe("readField", () => {
  const event = makeEvent({ time: 5, ip: "192.0.2.1", metrics: { cpu: 81 }, raw: { a: { b: [10, { c: "deep" }] } } });
  it("reads top-level, metrics and raw paths", () => {
    expect(readField(event, "ip")).toBe("192.0.2.1");
    expect(readField(event, "time")).toBe(5);
    expect(readField(event, "metrics.cpu")).toBe(81);
    expect(readField(event, "metrics.latency_ms")).toBeUndefined();
    expect(readField(event, "raw.a.b.1.c")).toBe("deep");
    expect(readField(event, "raw.a.x.y")).toBeUndefined();
    expect(readField(event, "raw.a.constructor")).toBeUndefined();
    expect(readField(makeEvent({ time: 0, raw: "text" }), "raw.a")).toBeUndefined();
  });
  it("refuses unknown field names, naming them", () => {
    expect(() => fieldReader("nope" as never)).toThrow(/event field "nope"/);
    expect(() => fieldReader("raw.a..b")).toThrow(InvalidArgumentError);
    expect(() => fieldReader("metrics." as never)).toThrow(InvalidArgumentError);
  });
});

describe("count rules", () => {
  it("brute force: fires once at the fifth failure, then a summary of the suppressed bursts", () => {
    const events = Array.from({ length: 20 }, (_, i) => failedLogin(T0 + i * 5_000));
    const { engine, alerts } = run([bruteForceRule()], events);
    expect(alerts).toHaveLength(1);
    const alert = alerts[0] as Alert;
    expect(alert).toMatchObject({ type: "alert", ruleId: "brute-force", groupKey: "203.0.113.7", group: { ip: "203.0.113.7" }, count: 5, firstTime: T0, lastTime: T0 + 20_000, suppressed: 0 });
    expect(alert.id).toBe(`brute-force:203.0.113.7:${T0}`);
    expect(alert.evidence.map((e) => e.time)).toEqual([0, 1, 2, 3, 4].map((i) => T0 + i * 5_000));
    // 15 more failures: three more bursts of 5, suppressed by the 300 s cooldown.
    expect(engine.stats().rules["brute-force"]?.suppressed).toBe(3);
    engine.advance(T0 + 319_999);
    expect(alerts).toHaveLength(1);
    engine.advance(T0 + 320_000); // the alert at +20 s plus the 300 s cooldown
    expect(alerts).toHaveLength(2);
    expect(alerts[1]).toMatchObject({ type: "summary", suppressed: 3, count: 3, message: "Brute force for 203.0.113.7: seen 3 more times during the cooldown" });
  });

  it("ends cooldowns on event time progress and on flush(now)", () => {
    const times = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map((i) => T0 + i * 1000);
    const { engine, alerts } = run([bruteForceRule({ cooldown: 60_000 })], times.map((t) => failedLogin(t)), { now: () => T0 + 3_600_000 });
    expect(alerts.map((a) => a.type)).toEqual(["alert"]);
    engine.evaluate(makeEvent({ time: T0 + 120_000 })); // another event moves event time past the cooldown
    expect(alerts.map((a) => a.type)).toEqual(["alert", "summary"]);
    const second = run([bruteForceRule({ cooldown: 60_000 })], times.map((t) => failedLogin(t)), { now: () => T0 + 3_600_000 });
    second.engine.flush();
    expect(second.alerts.map((a) => a.type)).toEqual(["alert", "summary"]);
  });

  it("uses event time: five failures spread over more than the window do not fire", () => {
    const { alerts } = run([bruteForceRule()], [0, 100, 200, 300, 400].map((s) => failedLogin(T0 + s * 1000)));
    expect(alerts).toHaveLength(0);
  });

  it("counts events later than the allowed lateness as late", () => {
    const { engine } = run([bruteForceRule()], [failedLogin(T0 + 600_000), failedLogin(T0), failedLogin(T0 + 590_000)], { allowedLateness: 60_000 });
    const stats = engine.stats();
    expect(stats.late).toBe(1);
    expect(stats.rules["brute-force"]?.late).toBe(1);
    expect(stats.rules["brute-force"]?.matched).toBe(2);
  });

  it("a short window next to a long lateness keeps at most 32 slices per key; older events count as late for the rule", () => {
    const rule: CountRule = { id: "short", title: "Short", severity: "low", type: "count", groupBy: ["ip"], window: 10_000, threshold: { gte: 100 } };
    // 1 s slices, a ring of 32: 22 slices of lateness behind the key's newest slice.
    const { engine } = run([rule], [failedLogin(T0 + 100_000), failedLogin(T0 + 79_000), failedLogin(T0 + 77_000)], { allowedLateness: 60_000 });
    expect(engine.stats().late).toBe(0);
    expect(engine.stats().rules.short?.late).toBe(1);
    expect(engine.stats().rules.short?.matched).toBe(3);
  });

  it("counts invalid times", () => {
    const { engine } = run([bruteForceRule()], [failedLogin(Number.NaN)]);
    expect(engine.stats().invalid).toBe(1);
  });

  // Oracle: the groups for which some aligned window (the engine's slices) holds >= threshold events.
  function oracleGroups(events: readonly { time: number; ip: string }[], window: number, slices: number, threshold: number): Set<string> {
    const size = window / slices;
    const perGroup = new Map<string, Map<number, number>>();
    for (const e of events) {
      const slice = Math.floor(e.time / size);
      const counts = perGroup.get(e.ip) ?? new Map<number, number>();
      counts.set(slice, (counts.get(slice) ?? 0) + 1);
      perGroup.set(e.ip, counts);
    }
    const out = new Set<string>();
    for (const [ip, counts] of perGroup) {
      for (const end of counts.keys()) {
        let sum = 0;
        for (let s = end - slices + 1; s <= end; s++) sum += counts.get(s) ?? 0;
        if (sum >= threshold) out.add(ip);
      }
    }
    return out;
  }

  it("out of order within the allowed lateness: the same groups alert as for the sorted stream (and as the oracle)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ offset: fc.integer({ min: 0, max: 1_800_000 }), ip: fc.constantFrom("a", "b", "c", "d"), delay: fc.integer({ min: 0, max: 60_000 }) }), { minLength: 1, maxLength: 120 }),
        (items) => {
          const events = items.map((item) => ({ ...failedLogin(T0 + item.offset, item.ip), arrival: T0 + item.offset + item.delay }));
          const sorted = [...events].sort((a, b) => a.time - b.time);
          // Arrival order: event time plus a delay of at most the lateness, so no event is late.
          const shuffled = [...events].sort((a, b) => a.arrival - b.arrival);
          const rule = bruteForceRule({ window: 300_000, cooldown: 10 ** 12 });
          const first = run([rule], sorted, { allowedLateness: 60_000 });
          const second = run([rule], shuffled, { allowedLateness: 60_000 });
          expect(second.engine.stats().late).toBe(0);
          const groups = (alerts: Alert[]) => new Set(alerts.filter((a) => a.type === "alert").map((a) => a.groupKey));
          const expected = oracleGroups(sorted as { time: number; ip: string }[], 300_000, 10, 5);
          expect(groups(first.alerts)).toEqual(expected);
          expect(groups(second.alerts)).toEqual(expected);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("a late event completes a window behind the newest one", () => {
    const rule: CountRule = { id: "c", title: "C", severity: "low", type: "count", groupBy: ["ip"], window: 100_000, threshold: { gte: 3 } };
    // Slices of 10 s. A late event at +105 s: no window of 100 s holds three.
    const { alerts } = run([rule], [failedLogin(T0 + 1_000), failedLogin(T0 + 120_000), failedLogin(T0 + 105_000)], { allowedLateness: 60_000 });
    expect(alerts).toHaveLength(0);
    // Newest event at +60 s; the late one at +5 s completes the window
    // ending with the newest slice, [T0 - 30 s, T0 + 70 s), with +1 s and +60 s.
    const late = run([rule], [failedLogin(T0 + 1_000), failedLogin(T0 + 60_000), failedLogin(T0 + 5_000), failedLogin(T0 + 6_000)], { allowedLateness: 60_000 });
    expect(late.alerts).toHaveLength(1);
    expect(late.alerts[0]).toMatchObject({ window: { from: T0 - 30_000, to: T0 + 70_000 }, count: 3, firstTime: T0 + 1_000, lastTime: T0 + 60_000 });
  });
});

describe("bounded state", () => {
  it("evicts keys idle past the window plus lateness, and counts it", () => {
    const rule = bruteForceRule({ cooldown: 0 });
    const { engine } = run([rule], [failedLogin(T0, "a"), failedLogin(T0 + 1000, "b"), failedLogin(T0 + 400_000, "c")], { allowedLateness: 10_000 });
    const stats = engine.stats().rules["brute-force"];
    expect(stats?.evictedIdle).toBe(2);
    expect(stats?.liveKeys).toBe(1);
  });

  it("evicts the stalest key at the cap, and counts it", () => {
    const rule = bruteForceRule();
    const events = ["a", "b", "c", "a", "d"].map((ip, i) => failedLogin(T0 + i * 1000, ip));
    const { engine } = run([rule], events, { maxKeysPerRule: 3 });
    const stats = engine.stats().rules["brute-force"];
    expect(stats?.evictedCap).toBe(1);
    expect(stats?.liveKeys).toBe(3);
    // "b" was the stalest (a was touched again): a fourth failure of "a" plus one more fires, b starts over.
    const more = [failedLogin(T0 + 5000, "a"), failedLogin(T0 + 6000, "a"), failedLogin(T0 + 7000, "a")];
    const alerts: Alert[] = [];
    const engine2 = new RuleEngine({ rules: [rule], maxKeysPerRule: 3, onAlert: (a) => void alerts.push(a) });
    for (const e of [...events, ...more]) engine2.evaluate(e);
    expect(alerts.map((a) => a.groupKey)).toEqual(["a"]);
  });

  it("ends a running cooldown with its summary when its key is evicted", () => {
    const events = [...Array.from({ length: 10 }, (_, i) => failedLogin(T0 + i * 1000, "a")), failedLogin(T0 + 20_000, "b")];
    const { alerts } = run([bruteForceRule()], events, { maxKeysPerRule: 1 });
    expect(alerts.map((a) => a.type)).toEqual(["alert", "summary"]);
  });
});

describe("allow-list", () => {
  it("is consulted per event, so changes take effect mid-stream", () => {
    const allowed = new Set<string>(["203.0.113.7"]);
    const alerts: Alert[] = [];
    const engine = new RuleEngine({ rules: [bruteForceRule()], allowList: allowed, onAlert: (a) => void alerts.push(a) });
    for (let i = 0; i < 6; i++) engine.evaluate(failedLogin(T0 + i * 1000));
    expect(alerts).toHaveLength(0);
    expect(engine.stats().rules["brute-force"]?.allowListed).toBe(6);
    allowed.delete("203.0.113.7");
    for (let i = 6; i < 11; i++) engine.evaluate(failedLogin(T0 + i * 1000));
    expect(alerts).toHaveLength(1);
    engine.allowList = new Set(["198.51.100.1"]);
    expect(() => {
      engine.allowList = 5 as never;
    }).toThrow(InvalidArgumentError);
  });
});

describe("distinct rules", () => {
  it("password spraying fires on the eleventh distinct user, not on repeats", () => {
    const repeats = Array.from({ length: 30 }, (_, i) => failedLogin(T0 + i * 1000, "198.51.100.66", `u${i % 10}`));
    expect(run([passwordSprayRule()], repeats).alerts).toHaveLength(0);
    const spray = Array.from({ length: 11 }, (_, i) => failedLogin(T0 + i * 1000, "198.51.100.66", `u${i}`));
    const { alerts } = run([passwordSprayRule()], spray);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ count: 11, groupKey: "198.51.100.66" });
  });

  it("matches an exact sliding-window oracle, in order and shuffled within the lateness", () => {
    const rule: DistinctRule = { id: "d", title: "D", severity: "low", type: "distinct", groupBy: ["ip"], field: "user", window: 100_000, threshold: { gte: 4 }, cooldown: 10 ** 12 };
    fc.assert(
      fc.property(
        fc.array(fc.record({ offset: fc.integer({ min: 0, max: 600_000 }), ip: fc.constantFrom("a", "b", "c"), user: fc.integer({ min: 0, max: 6 }), delay: fc.integer({ min: 0, max: 30_000 }) }), { maxLength: 80 }),
        (items) => {
          const events = items.map((item) => ({ ...failedLogin(T0 + item.offset, item.ip, `u${item.user}`), arrival: T0 + item.offset + item.delay }));
          const sorted = [...events].sort((a, b) => a.time - b.time);
          const shuffled = [...events].sort((a, b) => a.arrival - b.arrival);
          const size = 10_000;
          const expected = new Set<string>();
          for (const end of new Set(sorted.map((e) => Math.floor(e.time / size)))) {
            for (const ip of ["a", "b", "c"]) {
              const users = new Set(sorted.filter((e) => e.ip === ip && Math.floor(e.time / size) > end - 10 && Math.floor(e.time / size) <= end).map((e) => e.user));
              if (users.size >= 4) expected.add(ip);
            }
          }
          for (const order of [sorted, shuffled]) {
            const { alerts } = run([rule], order, { allowedLateness: 30_000 });
            expect(new Set(alerts.map((a) => a.groupKey))).toEqual(expected);
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it("refuses thresholds at or above maxDistinctValues, and counts overflow", () => {
    expect(() => new RuleEngine({ rules: [passwordSprayRule({ users: 50 })], maxDistinctValues: 20 })).toThrow(/below maxDistinctValues/);
    const events = Array.from({ length: 30 }, (_, i) => failedLogin(T0 + i, "x", `u${i}`));
    const { engine, alerts } = run([passwordSprayRule({ users: 15 })], events, { maxDistinctValues: 20 });
    expect(alerts).toHaveLength(1);
    expect(engine.stats().rules["password-spray"]?.overflow).toBe(0);
  });
});

describe("sequence, sustained and baseline rules", () => {
  const step = (name: string, kind: string) => ({ name, where: (e: ComplianceEvent) => e.kind === kind });
  it("ordered sequences need the steps in time order within the window", () => {
    const rule: RuleDefinition = { id: "s", title: "S", severity: "high", type: "sequence", groupBy: ["user"], ordered: true, window: 60_000, steps: [step("a", "a"), step("b", "b")] };
    const ev = (kind: string, time: number) => makeEvent({ kind, time, user: "u" });
    expect(run([rule], [ev("b", T0), ev("a", T0 + 1)]).alerts).toHaveLength(0);
    expect(run([rule], [ev("a", T0), ev("b", T0 + 61_000)]).alerts).toHaveLength(0);
    const { alerts } = run([rule], [ev("a", T0), ev("x", T0 + 5), ev("b", T0 + 10)]);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ firstTime: T0, lastTime: T0 + 10, count: 2 });
    const unordered: RuleDefinition = { ...rule, ordered: false };
    expect(run([unordered], [ev("b", T0), ev("a", T0 + 1)]).alerts).toHaveLength(1);
  });

  it("sustained rules fire after N high samples in a row; a low sample restarts the run", () => {
    const rule: RuleDefinition = { id: "cpu", title: "CPU", severity: "low", type: "sustained", groupBy: ["system"], sample: (e) => e.metrics?.cpu !== undefined, where: (e) => (e.metrics?.cpu ?? 0) >= 80, samples: 3, cooldown: 0 };
    const sample = (cpu: number, i: number) => makeEvent({ kind: "metric", time: T0 + i * 1000, system: "db", metrics: { cpu } });
    expect(run([rule], [90, 90, 10, 90, 90].map(sample)).alerts).toHaveLength(0);
    expect(run([rule], [90, 90, 10, 90, 90, 95].map(sample)).alerts).toHaveLength(1);
    const byTime: RuleDefinition = { ...rule, samples: undefined, duration: 30_000 } as RuleDefinition;
    expect(run([byTime], Array.from({ length: 31 }, (_, i) => sample(85, i))).alerts).toHaveLength(1);
  });

  it("baseline: fires on a value far above mean + 3σ only after minSamples", () => {
    const rule: RuleDefinition = { id: "b", title: "B", severity: "low", type: "baseline", groupBy: ["system"], field: "value", sigmas: 3, window: 3_600_000, minSamples: 30 };
    const random = uniform(7);
    const values = Array.from({ length: 100 }, () => 100 + random() * 10);
    const events = values.map((value, i) => makeEvent({ kind: "metric", time: T0 + i * 1000, system: "api", value }));
    expect(run([rule], events).alerts).toHaveLength(0);
    expect(run([rule], [...events.slice(0, 10), makeEvent({ time: T0 + 20_000, system: "api", value: 500 })]).alerts).toHaveLength(0);
    const { alerts } = run([rule], [...events, makeEvent({ time: T0 + 200_000, system: "api", value: 130 })]);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]?.value).toBe(130);
    expect(alerts[0]?.count).toBe(100);
  });
});

describe("ready rules on a synthetic stream", () => {
  const clean = cleanStream(1);
  it("stay quiet on the clean stream", () => {
    const { engine, alerts } = run(readyRules(), clean);
    expect(alerts.map((a) => `${a.ruleId} ${a.groupKey} ${a.message}`)).toEqual([]);
    expect(engine.stats().late).toBe(0);
  });
  for (const rule of readyRules()) {
    it(`${rule.id} fires on its attack`, () => {
      const { alerts } = run(readyRules(), merged(clean, attack(rule.id, T0 + 3_600_000)));
      const fired = alerts.filter((a) => a.type === "alert");
      expect(fired.map((a) => a.ruleId)).toContain(rule.id);
      // The attack of one rule may trip a related rule (a spray is also a brute force), nothing unrelated.
      const related: Record<string, string[]> = { "password-spray": ["brute-force"], "brute-force": ["keyword"], "cpu-latency": ["high-latency", "baseline"], "high-latency": ["baseline"], "user-spike": [] };
      for (const other of fired) if (other.ruleId !== rule.id) expect(related[rule.id] ?? []).toContain(other.ruleId);
    });
  }
});

describe("rules sharing group keys", () => {
  // Rules with the same groupBy share one key index (key text and lookup once per event); each
  // keeps its own keys, order, cap and evictions. A rule must behave exactly as it does alone.
  const stream = (seed: number, ordered: boolean) => {
    const random = uniform(seed);
    const users = ["ann", "bob", "cy", "dee", "eve", "fay", "gus", "hal"];
    const ips = ["198.51.100.1", "198.51.100.2", "198.51.100.3", "203.0.113.9", "203.0.113.10"];
    return Array.from({ length: 3_000 }, (_, i) => {
      const r = random();
      const user = users[Math.floor(random() * users.length)] as string;
      const ip = ips[Math.floor(random() * ips.length)] as string;
      // Out of order within 20 s, sometimes beyond the 30 s lateness.
      const time = T0 + i * 700 - (ordered ? 0 : Math.floor(random() * (random() < 0.02 ? 60_000 : 20_000)));
      if (r < 0.5) return failedLogin(time, ip, user);
      if (r < 0.8) return makeEvent({ kind: "transaction", time, user, ip, system: "billing", value: Math.round(random() * 12_000) });
      return makeEvent({ kind: "log", time, user, system: "api", level: random() < 0.3 ? "ERROR" : "INFO", message: "login failed" });
    });
  };
  for (const [seed, maxKeysPerRule, ordered] of [[1, 100, true], [2, 3, true], [3, 1, true], [1, 100, false], [2, 3, false]] as const) {
    it(`every rule alerts and counts as it does alone (seed ${seed}, maxKeysPerRule ${maxKeysPerRule}, ${ordered ? "in order" : "out of order"})`, () => {
      const events = stream(seed, ordered);
      const rules = readyRules({ userSpike: { events: 12, window: 20_000 }, transactionFrequency: { transactions: 6, window: 30_000 }, userManyIps: { ips: 3, window: 60_000 }, passwordSpray: { users: 4 } });
      const options = { maxKeysPerRule, allowedLateness: 30_000 };
      const together = run(rules, events, options);
      // Cooldowns end at the engine's sweeps (at most a second of event time late), and other rules
      // move the sweeps: so summaries may differ from a lone run, and out of order an event behind
      // a cooldown's end may be suppressed or alert depending on whether a sweep ended it (the
      // keyword rule on seed 1, before and after the shared index). Everything else must not.
      const firing = (alerts: readonly Alert[], id: string) => (ordered ? alerts.filter((a) => a.ruleId === id && a.type === "alert").map((a) => JSON.stringify(a)) : []);
      const counters = (stats: RuleStats | undefined) => ({ ...stats, summaries: 0, ...(ordered ? {} : { alerts: 0, suppressed: 0, cooldowns: 0 }) });
      let alone = 0;
      for (const rule of rules) {
        const single = run([rule], events, options);
        expect(counters(together.engine.stats().rules[rule.id])).toEqual(counters(single.engine.stats().rules[rule.id]));
        expect(firing(together.alerts, rule.id)).toEqual(firing(single.alerts, rule.id));
        alone += firing(single.alerts, rule.id).length;
      }
      if (ordered) expect(alone).toBeGreaterThan(10);
      const stats = together.engine.stats().rules;
      if (maxKeysPerRule < 8) expect(stats["user-spike"]?.evictedCap).toBeGreaterThan(0);
    });
  }

  it("a reused, mutated event object gets a fresh group key each time", () => {
    const alerts: Alert[] = [];
    const engine = new RuleEngine({ rules: [bruteForceRule({ attempts: 2 }), passwordSprayRule({ users: 1 })], onAlert: (a) => void alerts.push(a) });
    const event = { ...failedLogin(T0, "198.51.100.1", "ann") } as { -readonly [K in keyof ComplianceEvent]: ComplianceEvent[K] };
    for (const [i, ip] of ["198.51.100.1", "198.51.100.2", "198.51.100.1"].entries()) {
      event.time = T0 + i * 1000;
      event.ip = ip;
      event.user = `user${i}`;
      engine.evaluate(event);
    }
    expect(alerts.map((a) => `${a.ruleId} ${a.groupKey}`)).toEqual(["brute-force 198.51.100.1", "password-spray 198.51.100.1"]);
  });
});

describe("ring positions and threshold floors", () => {
  it("ringPosition is slice mod size, non-negative, for slices up to 2^53 either side", () => {
    fc.assert(
      fc.property(fc.oneof(fc.integer(), fc.maxSafeInteger(), fc.integer({ min: -(2 ** 40), max: 2 ** 40 })), fc.integer({ min: 1, max: 64 }), (slice, size) => {
        const expected = Number(((BigInt(slice) % BigInt(size)) + BigInt(size)) % BigInt(size));
        expect(ringPosition(slice, size) + 0).toBe(expected); // + 0: an index, -0 reads as 0
      }),
      { numRuns: 2000 },
    );
  });

  it("no whole count below thresholdFloor meets the threshold, and the floor itself does when only lower bounds are given", () => {
    const bound = fc.option(fc.oneof(fc.integer({ min: -5, max: 40 }), fc.double({ min: -5, max: 40, noNaN: true })), { nil: undefined });
    fc.assert(
      fc.property(fc.record({ gt: bound, gte: bound, lt: bound, lte: bound, eq: bound }), (raw) => {
        const threshold = Object.fromEntries(Object.entries(raw).filter(([, value]) => value !== undefined));
        if (Object.keys(threshold).length === 0) return;
        const meets = thresholdTest(threshold);
        const floor = thresholdFloor(threshold);
        for (let count = 0; count <= 45; count++) if (count < floor) expect(meets(count)).toBe(false);
        if (threshold.lt === undefined && threshold.lte === undefined && threshold.eq === undefined && Number.isFinite(floor) && floor >= 0) expect(meets(floor)).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });
});

describe("alert id times", () => {
  it("timeText gives String(time) for whole milliseconds, around the split at 10^6 and 2^53, and for any other double", () => {
    const near = (at: number) => fc.integer({ min: -3_000, max: 3_000 }).map((d) => at + d);
    const times = fc.oneof(
      fc.maxSafeInteger(),
      fc.integer({ min: 0, max: 2 ** 41 }),
      near(1_000_000),
      near(2 ** 53),
      fc.integer({ min: 1, max: 9_007_199 }).map((high) => high * 1e6 - 1), // the largest low part, under every high part
      fc.double(),
      fc.constantFrom(0, -0, Number.NaN, Infinity, -Infinity, 1e21, 2 ** 53, 2 ** 53 + 2, 999_999, 1_000_000, 1_767_571_200_000),
    );
    // Pairs: the second call of a pair can hit the memo of the first (same high part, same time).
    fc.assert(
      fc.property(times, fc.integer({ min: -1, max: 1 }), (time, step) => {
        expect(timeText(time)).toBe(String(time));
        expect(timeText(time + step)).toBe(String(time + step));
        expect(timeText(time)).toBe(String(time));
      }),
      { numRuns: 5_000 },
    );
  });
});

describe("ring masks", () => {
  it("ringBits sets the bits of a wrapping run of ring positions, as a loop over them does", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 32 }), fc.nat(40), fc.nat(40), (size, start, count) => {
        const first = start % size;
        let expected = 0;
        for (let k = 0; k < Math.min(count, size); k++) expected |= 1 << ((first + k) % size);
        expect(ringBits(first, count, size)).toBe(expected);
      }),
    );
  });
});

describe("event kinds declared by rules", () => {
  it("a rule that declares kinds sees only events of those kinds, in rule order with the others, whatever its where says", () => {
    const base = { severity: "low", type: "count", window: 60_000, threshold: { gte: 1 }, cooldown: 0 } as const;
    const rules: CountRule[] = [
      { ...base, id: "logins", title: "logins", kinds: ["login"] },
      { ...base, id: "any", title: "any" },
      { ...base, id: "reads", title: "reads", kinds: ["read", "login"], where: (event) => event.user === "bob" },
    ];
    const events = ["login", "read", "write", "login"].map((kind, i) => makeEvent({ kind, time: T0 + i, user: i === 3 ? "eve" : "bob" }));
    const { alerts } = run(rules, events);
    expect(alerts.map((alert) => alert.ruleId)).toEqual(["logins", "any", "reads", "any", "reads", "any", "logins", "any"]);
  });

  it("agrees with the same rules filtering on the kind in where, on random streams", () => {
    const kinds = ["login", "read", "transaction"];
    fc.assert(
      fc.property(fc.array(fc.record({ kind: fc.constantFrom(...kinds, "other"), user: fc.constantFrom("a", "b"), offset: fc.nat(100_000) }), { maxLength: 60 }), fc.subarray(kinds, { minLength: 1 }), (items, declared) => {
        const events = items.map((item) => makeEvent({ kind: item.kind, time: T0 + item.offset, user: item.user }));
        const rule: CountRule = { id: "c", title: "C", severity: "low", type: "count", groupBy: ["user"], window: 30_000, threshold: { gte: 2 } };
        const viaKinds = run([{ ...rule, kinds: declared }], events);
        const viaWhere = run([{ ...rule, where: (event) => declared.includes(event.kind) }], events);
        expect(viaKinds.alerts).toEqual(viaWhere.alerts);
        expect(viaKinds.engine.stats()).toEqual(viaWhere.engine.stats());
      }),
      { numRuns: 100 },
    );
  });

  it("refuses kinds that are not an array of strings", () => {
    expect(() => new RuleEngine({ rules: [{ ...bruteForceRule(), kinds: "login" as never }] })).toThrow(/rule "brute-force": kinds must be an array/);
    expect(() => new RuleEngine({ rules: [{ ...bruteForceRule(), kinds: [1] as never }] })).toThrow(/rule "brute-force": kinds must be an array/);
  });
});

describe("options", () => {
  it("refuses unknown options and bad rules, naming them", () => {
    expect(() => new RuleEngine({ rules: [], bogus: 1 } as never)).toThrow(/no option "bogus"/);
    expect(() => new RuleEngine({ rules: [bruteForceRule(), bruteForceRule()] })).toThrow(/two rules have the id "brute-force"/);
    expect(() => new RuleEngine({ rules: [{ ...bruteForceRule(), window: -1 }] })).toThrow(/rule "brute-force": window/);
    expect(() => new RuleEngine({ rules: [{ ...bruteForceRule(), threshold: {} }] })).toThrow(/threshold needs/);
    expect(() => new RuleEngine({ rules: [{ ...bruteForceRule(), groupBy: ["nope" as never] }] })).toThrow(/rule "brute-force": event field "nope"/);
    expect(() => new RuleEngine({ rules: [], slices: 40 })).toThrow(/slices must be an integer in 1..32/);
    expect(() => bruteForceRule({ attempts: 0 })).toThrow(/attempts/);
    expect(() => readyRules({ nope: {} } as never)).toThrow(/no option "nope"/);
  });
  it("counts sink errors without losing the alert for the other sinks", () => {
    const seen: Alert[] = [];
    const engine = new RuleEngine({ rules: [bruteForceRule()], sinks: [{ emit: () => { throw new Error("down"); } }, { emit: (a) => void seen.push(a) }] });
    for (let i = 0; i < 5; i++) engine.evaluate(failedLogin(T0 + i));
    expect(seen).toHaveLength(1);
    expect(engine.stats().sinkErrors).toBe(1);
  });
});

describe("snapshots", () => {
  const stream = merged(cleanStream(3, 1), [...attack("brute-force", T0 + 1_000_000), ...attack("password-spray", T0 + 1_500_000), ...attack("cpu-sustained", T0 + 2_000_000)]);
  it("round-trip: a restored engine continues exactly as the original", () => {
    const cut = Math.floor(stream.length * 0.55);
    const whole = run(readyRules(), stream);
    const first = run(readyRules(), stream.slice(0, cut));
    const bytes = first.engine.toBytes();
    const alerts: Alert[] = [];
    const restored = RuleEngine.fromBytes(bytes, { rules: readyRules(), onAlert: (a) => void alerts.push(a) });
    expect(restored.toBytes()).toEqual(bytes);
    for (const event of stream.slice(cut)) restored.evaluate(event);
    const strip = (list: Alert[]) => list.map((a) => ({ ...a, evidence: a.evidence.length }));
    expect(strip([...first.alerts, ...alerts]).map((a) => [a.id, a.count, a.suppressed])).toEqual(strip(whole.alerts).map((a) => [a.id, a.count, a.suppressed]));
    expect(restored.stats()).toEqual(whole.engine.stats());
  });
  it("refuses other rules or parameters with ParameterMismatchError", () => {
    const bytes = run(readyRules(), stream.slice(0, 2000)).engine.toBytes();
    expect(() => RuleEngine.fromBytes(bytes, { rules: readyRules({ bruteForce: { window: 60_000 } }) })).toThrow(ParameterMismatchError);
    expect(() => RuleEngine.fromBytes(bytes, { rules: readyRules({ keyword: false }) })).toThrow(ParameterMismatchError);
    expect(() => RuleEngine.fromBytes(bytes, { rules: readyRules(), allowedLateness: 1 })).toThrow(ParameterMismatchError);
  });
  it("fuzz: random bytes, truncations and bit flips throw DecodeError (or ParameterMismatchError), never anything else", () => {
    const bytes = run(readyRules(), stream.slice(0, 3000)).engine.toBytes();
    const rules = readyRules();
    const check = (input: Uint8Array) => {
      try {
        RuleEngine.fromBytes(input, { rules });
      } catch (error) {
        if (!(error instanceof DecodeError) && !(error instanceof ParameterMismatchError)) throw error;
      }
    };
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (random) => check(random)), { numRuns: 300 });
    fc.assert(fc.property(fc.integer({ min: 0, max: bytes.length - 1 }), (length) => check(bytes.subarray(0, length))), { numRuns: 200 });
    fc.assert(
      fc.property(fc.integer({ min: 0, max: bytes.length * 8 - 1 }), (bit) => {
        const flipped = bytes.slice();
        flipped[bit >> 3] = (flipped[bit >> 3] as number) ^ (1 << (bit & 7));
        check(flipped);
      }),
      { numRuns: 500 },
    );
  });
});
