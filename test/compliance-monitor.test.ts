// ComplianceMonitor (src/compliance/monitor.ts): accuracy against exact
// answers computed from the seeded synthetic stream of
// bench/synthetic-stream.mjs, window coverage, refused events counted
// nowhere else, pseudonyms and their resolver, the image (round trip,
// rule-engine and allow-list sections, fuzzed decoder), option validation.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createSyntheticStream } from "../bench/synthetic-stream.mjs";
import {
  ComplianceMonitor,
  type ComplianceEvent,
  DEFAULT_MONITOR_METRICS,
  DecodeError,
  InvalidArgumentError,
  type MonitorRules,
  PseudonymResolver,
  pseudonymOf,
  readyRules,
  RuleEngine,
  type Alert,
} from "../src/compliance/index.js";
import { AddOutcome } from "../src/compliance/monitor.js";
import { CountMinSketch, HyperLogLog } from "../src/sketches/index.js";
import { decodesOrRejectsCleanly } from "./support/checks.js";
import { mulberry32 } from "./support/random.js";
import { makeEvent } from "./support/compliance-stream.js";

const HOUR = 3_600_000;
const START = Date.UTC(2026, 0, 5);
const KEY = "test deployment key, 32 bytes...";
const EVERYTHING = { from: START - 24 * HOUR, to: START + 48 * HOUR };

function blank(overrides: Partial<ComplianceEvent>): ComplianceEvent {
  return makeEvent({ kind: "login", time: START, system: "billing", raw: undefined, ...overrides });
}

// 200,000 events at 5 per second of event time: about 11 hours, so many
// hourly buckets; an attack of 400 failed logins from 203.0.113.66 on billing.
const STREAM = createSyntheticStream({ seed: 7, eventsPerSecond: 5, attack: { at: 50_000 } }).next(200_000);

function fed(options: ConstructorParameters<typeof ComplianceMonitor>[0] = { identities: "plain" }): ComplianceMonitor {
  const monitor = new ComplianceMonitor({ maxFutureSkew: Number.POSITIVE_INFINITY, ...options });
  expect(monitor.addMany(STREAM)).toBe(STREAM.length);
  return monitor;
}

const PLAIN = fed();

function exactCounts<T>(events: readonly ComplianceEvent[], pick: (e: ComplianceEvent) => T | undefined): Map<T, number> {
  const counts = new Map<T, number>();
  for (const e of events) {
    const value = pick(e);
    if (value !== undefined) counts.set(value, (counts.get(value) ?? 0) + 1);
  }
  return counts;
}

describe("ComplianceMonitor accuracy on the synthetic stream", () => {
  const systems = [...new Set(STREAM.map((e) => e.system as string))].sort();

  it("lists the systems of the stream and counts every event exactly", () => {
    expect(PLAIN.systems()).toEqual(systems);
    for (const system of systems) {
      expect(PLAIN.count(system, EVERYTHING).count).toBe(STREAM.filter((e) => e.system === system).length);
    }
    expect(PLAIN.accepted).toBe(STREAM.length);
    expect(PLAIN.refused.total).toBe(0);
  });

  it("brackets the exact distinct users, IPs and sessions of every system (bounds at 99.9 %: 30 intervals are checked)", () => {
    for (const system of systems) {
      const events = STREAM.filter((e) => e.system === system);
      for (const [metric, field] of [["users", "user"], ["ips", "ip"], ["sessions", "session"]] as const) {
        const truth = new Set(events.map((e) => e[field]).filter((v) => v !== undefined)).size;
        const answer = PLAIN.distinct(metric, system, EVERYTHING, { confidence: 0.999 });
        expect(answer.lower, `${metric} of ${system}`).toBeLessThanOrEqual(truth);
        expect(answer.upper, `${metric} of ${system}`).toBeGreaterThanOrEqual(truth);
        // precision 12: 1.6 % standard error; 6 sigma is a loose, honest slack for one estimate
        expect(Math.abs(answer.estimate / truth - 1), `${metric} of ${system}`).toBeLessThan(0.1);
      }
    }
  });

  it("keeps every true heavy hitter in the top lists, with counts bracketing the truth, and the attacker's IP first", () => {
    for (const system of systems) {
      const events = STREAM.filter((e) => e.system === system);
      const truth = [...exactCounts(events, (e) => e.user)].sort((a, b) => b[1] - a[1]);
      const top = PLAIN.top("topUsers", system, 20, EVERYTHING).entries;
      // Space-Saving keeps every item above N / capacity.
      for (const [user, n] of truth.filter(([, n]) => n > events.length / 100)) {
        const entry = top.find((e) => e.item === user);
        expect(entry, `${user} in ${system}`).toBeDefined();
        expect((entry?.count ?? 0) - (entry?.error ?? 0)).toBeLessThanOrEqual(n);
        expect(entry?.count).toBeGreaterThanOrEqual(n);
      }
    }
    const failed = PLAIN.top("failedLoginIps", "billing", 3, EVERYTHING).entries;
    const attacks = STREAM.filter((e) => e.ip === "203.0.113.66" && e.outcome === "failure").length;
    expect(attacks).toBe(400);
    expect(failed[0]).toEqual({ item: "203.0.113.66", count: attacks, error: 0 });
  });

  it("answers activity: every pair seen is a yes; pairs never seen are rarely yes", () => {
    const seen = new Set(STREAM.map((e) => `${e.user}|${e.system}`));
    let checked = 0;
    for (const pair of [...seen].slice(0, 600)) {
      const [user, system] = pair.split("|") as [string, string];
      if (user === "undefined") continue;
      expect(PLAIN.activity(user, system, EVERYTHING).accessed, pair).toBe(true);
      checked++;
    }
    expect(checked).toBeGreaterThan(300);
    let yes = 0;
    let probability = 0;
    for (let i = 0; i < 600; i++) {
      const answer = PLAIN.activity(`never-${i}@corp.example`, "billing", EVERYTHING);
      if (answer.accessed) yes++;
      probability = answer.falsePositiveProbability;
    }
    // The expected number of false yeses is 600 × p; allow 5 sigma above it.
    expect(yes).toBeLessThanOrEqual(600 * probability + 5 * Math.sqrt(600 * probability) + 1);
  });

  it("counts event kinds never below the truth and within epsilon N above it, and lists them", () => {
    for (const system of systems) {
      const events = STREAM.filter((e) => e.system === system);
      const truth = exactCounts(events, (e) => e.kind);
      const listing = PLAIN.frequencies("kinds", system, EVERYTHING);
      expect(Object.keys(listing.values).sort()).toEqual([...truth.keys()].sort());
      expect(listing.unlisted).toBe(0);
      for (const [kind, n] of truth) {
        const answer = PLAIN.frequency("kinds", system, kind, EVERYTHING);
        expect(answer.estimate).toBeGreaterThanOrEqual(n);
        // width 136: epsilon = e / 136; the bound holds with probability 1 - e^-4 per kind.
        expect(answer.estimate - n).toBeLessThanOrEqual((Math.E / 136) * events.length);
        expect(listing.values[kind]).toBe(answer.estimate);
      }
    }
  });

  it("gives count, mean, sigma, min and max of the values exactly (up to rounding) and quantiles within 2 % in rank", () => {
    for (const system of systems) {
      const values = STREAM.filter((e) => e.system === system && e.value !== undefined).map((e) => e.value as number);
      const stats = PLAIN.stats("values", system, EVERYTHING);
      const n = values.length;
      const mean = values.reduce((a, b) => a + b, 0) / n;
      const sigma = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / n);
      expect(stats.count).toBe(n);
      expect(stats.mean).toBeCloseTo(mean, 6);
      expect(stats.stddev).toBeCloseTo(sigma, 6);
      expect(stats.min).toBe(Math.min(...values));
      expect(stats.max).toBe(Math.max(...values));
      const sorted = [...values].sort((a, b) => a - b);
      for (const q of [0.5, 0.9, 0.99]) {
        const x = stats.quantiles[String(q)] as number;
        const below = sorted.filter((v) => v < x).length / n;
        const atMost = sorted.filter((v) => v <= x).length / n;
        expect(below - 0.02, `q${q} of ${system}`).toBeLessThanOrEqual(q);
        expect(atMost + 0.02, `q${q} of ${system}`).toBeGreaterThanOrEqual(q);
      }
    }
  });

  it("answers a range of whole hours from exactly the events in the range it reports as covered", () => {
    const from = START + 2 * HOUR + 17 * 60_000;
    const to = START + 5 * HOUR + 3 * 60_000;
    const outer = PLAIN.count("billing", { from, to });
    expect(outer.covered).toEqual({ from: START + 2 * HOUR, to: START + 6 * HOUR });
    expect(outer.exact).toBe(false);
    const inside = (e: ComplianceEvent, range: { from: number; to: number }) => e.system === "billing" && e.time >= range.from && e.time < range.to;
    expect(outer.count).toBe(STREAM.filter((e) => inside(e, outer.covered)).length);
    const inner = PLAIN.distinct("users", "billing", { from, to }, { align: "inner" });
    expect(inner.covered).toEqual({ from: START + 3 * HOUR, to: START + 5 * HOUR });
    const truth = new Set(STREAM.filter((e) => inside(e, inner.covered)).map((e) => e.user)).size;
    expect(Math.abs(inner.estimate / truth - 1)).toBeLessThan(0.1);
    // A relative window ending at the latest event.
    const last = PLAIN.count("billing", "1h", { now: "watermark" });
    expect(last.covered.to).toBe(PLAIN.watermark + 1);
    expect(last.count).toBe(STREAM.filter((e) => inside(e, last.covered)).length);
  });

  it("keeps distinct users in the HyperLogLog a standalone sketch fed the same names has (Redis's hash and seed)", () => {
    const range = { from: START + 3 * HOUR, to: START + 5 * HOUR };
    const answer = PLAIN.distinct("users", "billing", range);
    expect(answer.covered).toEqual(range);
    const reference = new HyperLogLog({ precision: 12 });
    for (const e of STREAM) if (e.system === "billing" && e.time >= range.from && e.time < range.to) reference.add(e.user as string);
    const expected = reference.estimate();
    expect(answer.estimate).toBe(expected.estimate);
    expect([answer.lower, answer.upper]).toEqual([expected.lower, expected.upper]);
  });

  it("snapshots every metric of every system as JSON-safe data equal to the single queries", () => {
    const snapshot = PLAIN.snapshot(EVERYTHING);
    expect(JSON.parse(JSON.stringify(snapshot))).toEqual(snapshot);
    expect(snapshot.pseudonymized).toBe(false);
    expect(snapshot.systems.map((s) => s.system)).toEqual(systems);
    const billing = snapshot.systems.find((s) => s.system === "billing");
    const { covered: _covered, exact: _exact, ...users } = PLAIN.distinct("users", "billing", EVERYTHING);
    expect(billing?.distinct.users).toEqual(users);
    expect(billing?.top.failedLoginIps?.[0]?.item).toBe("203.0.113.66");
    expect(billing?.top.topUsers).toHaveLength(100);
    expect(billing?.frequencies.kinds).toEqual(PLAIN.frequencies("kinds", "billing", EVERYTHING).values);
    expect(billing?.events).toBe(PLAIN.count("billing", EVERYTHING).count);
  });
});

describe("ComplianceMonitor refused events", () => {
  const late = blank({ time: START - 2 * HOUR, user: "late" });
  const invalid: ComplianceEvent[] = [
    blank({ kind: 42 as unknown as string, user: "x" }),
    blank({ time: Number.NaN, user: "x" }),
    blank({ system: 7 as unknown as string, user: "x" }),
    blank({ user: 99 as unknown as string }),
    blank({ ip: {} as unknown as string, user: "x" }),
    blank({ value: Number.POSITIVE_INFINITY, user: "x" }),
    blank({ value: 1e300, user: "x" }),
    null as unknown as ComplianceEvent,
  ];

  it("counts each by reason and nowhere else: not in any metric, not in the rules", () => {
    const evaluated: ComplianceEvent[] = [];
    const rules: MonitorRules = { evaluate: (e) => void evaluated.push(e), toBytes: () => new Uint8Array(0) };
    const clock = START + HOUR;
    const monitor = new ComplianceMonitor({ identities: "plain", now: () => clock, rules });
    const good = [blank({ user: "alice", ip: "10.0.0.1", value: 3 }), blank({ user: "bob", kind: "file_access", time: START + 60_000 })];
    expect(monitor.add(good[0] as ComplianceEvent)).toBe(true);
    expect(monitor.add(good[1] as ComplianceEvent)).toBe(true);
    for (const event of invalid) expect(monitor.add(event)).toBe(false);
    expect(monitor.add(late)).toBe(false);
    expect(monitor.add(blank({ time: clock + 2 * HOUR, user: "future" }))).toBe(false);
    expect(monitor.refused).toEqual({ total: invalid.length + 2, late: 1, future: 1, invalid: invalid.length, systemLimit: 0 });
    expect(evaluated).toEqual(good);
    const reference = new ComplianceMonitor({ identities: "plain", now: () => clock });
    reference.addMany(good);
    expect(monitor.snapshot(EVERYTHING)).toEqual(reference.snapshot(EVERYTHING));
  });

  it("refuses events without a system when defaultSystem is null, and files them under the default otherwise", () => {
    const strict = new ComplianceMonitor({ identities: "plain", defaultSystem: null, maxFutureSkew: Number.POSITIVE_INFINITY });
    expect(strict.add(blank({ system: undefined, user: "a" }))).toBe(false);
    expect(strict.refused.invalid).toBe(1);
    const lenient = new ComplianceMonitor({ identities: "plain", maxFutureSkew: Number.POSITIVE_INFINITY });
    expect(lenient.add(blank({ system: undefined, user: "a" }))).toBe(true);
    expect(lenient.systems()).toEqual(["unknown"]);
  });

  it("keeps the state of a stream with refused events mixed in equal to the state of the accepted ones alone (property)", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(400), fc.nat(9), fc.integer({ min: 0, max: invalid.length * 3 })), { maxLength: 60 }), (draws) => {
        const clock = START + 10 * HOUR;
        const mixed = new ComplianceMonitor({ identities: "plain", now: () => clock });
        const clean = new ComplianceMonitor({ identities: "plain", now: () => clock });
        for (const [minute, user, pick] of draws) {
          const event = pick < invalid.length ? invalid[pick] : blank({ time: START + minute * 60_000, user: `u${user}`, ip: `10.0.0.${user}`, value: minute });
          if (mixed.add(event as ComplianceEvent)) clean.add(event as ComplianceEvent);
        }
        expect(mixed.snapshot(EVERYTHING)).toEqual(clean.snapshot(EVERYTHING));
        expect(mixed.accepted).toBe(clean.accepted);
      }),
      { numRuns: 40 },
    );
  });
});

describe("ComplianceMonitor top lists of plain identities", () => {
  it("count ASCII and other identities exactly, across an image and its restore (a guard for any table hash handed to the top lists)", () => {
    // ASCII names, and names beyond ASCII: accents, kana, an emoji (a surrogate pair) and a lone surrogate (counted as U+FFFD).
    const names = ["alice", "bob", "carol@corp.example", "zoë", "ユーザー", "dave-\u{1F600}", "eve-\uD800", "eve-\uFFFD", "frank"];
    const counted = (name: string) => name.replace(/[\uD800-\uDFFF]/gu, "\uFFFD");
    const random = mulberry32(5);
    const events = Array.from({ length: 3_000 }, (_, i) => blank({ time: START + i * 1_000, user: names[Math.floor(((random() / 4294967296) ** 2) * names.length)] }));
    const exactOf = (list: readonly ComplianceEvent[]) => {
      const exact = new Map<string, number>();
      for (const event of list) exact.set(counted(event.user as string), (exact.get(counted(event.user as string)) ?? 0) + 1);
      return exact;
    };
    const exact = exactOf(events);
    const clock = { now: () => START + 2 * HOUR };
    const first = new ComplianceMonitor({ identities: "plain", ...clock });
    expect(first.addMany(events.slice(0, 1_500))).toBe(1_500);
    const before = first.top("topUsers", "billing", names.length, { from: START, to: START + HOUR });
    expect(new Map(before.entries.map((entry) => [entry.item, entry.count]))).toEqual(exactOf(events.slice(0, 1_500)));
    const restored = ComplianceMonitor.fromBytes(first.toBytes(), clock);
    expect(restored.addMany(events.slice(1_500))).toBe(1_500);
    const answer = restored.top("topUsers", "billing", names.length, { from: START, to: START + HOUR });
    expect(new Map(answer.entries.map((entry) => [entry.item, entry.count]))).toEqual(exact);
    expect(answer.entries.every((entry) => entry.error === 0)).toBe(true);
  });
});

describe("ComplianceMonitor addMany", () => {
  // The stream with refused events mixed in: invalid ones, late ones (two
  // hours behind) and future ones, so chunks have holes for the rules to skip.
  const CLOCK = START + 12 * HOUR;
  const MIXED: ComplianceEvent[] = STREAM.slice(0, 30_000).flatMap((event, i) => {
    if (i % 997 === 0) return [event, blank({ kind: 7 as unknown as string, user: "bad" })];
    if (i % 1511 === 0) return [event, { ...event, time: event.time - 2 * HOUR }];
    if (i % 2003 === 0) return [event, { ...event, time: CLOCK + 3 * HOUR }];
    return [event];
  });
  const withRules = (alerts: Alert[]) =>
    new ComplianceMonitor({ identities: "plain", now: () => CLOCK, rules: new RuleEngine({ rules: readyRules(), onAlert: (alert) => void alerts.push(alert) }) });

  it("counts, refuses and alerts exactly as a loop of add: the same flags, image and alerts, in the same order", () => {
    const oneByOne: Alert[] = [];
    const reference = withRules(oneByOne);
    const expected = Uint8Array.from(MIXED, (event) => (reference.add(event) ? 1 : 0));
    const inChunks: Alert[] = [];
    const monitor = withRules(inChunks);
    const flags = new Uint8Array(MIXED.length + 3).fill(7);
    // Calls of several sizes: below, at and across the chunk size.
    let accepted = 0;
    for (const [from, to] of [[0, 1], [1, 513], [513, 1025], [1025, 1700], [1700, MIXED.length]] as const) {
      accepted += monitor.addMany(MIXED.slice(from, to), flags.subarray(from));
    }
    expect(accepted).toBe(expected.reduce((a, b) => a + b, 0));
    expect(accepted).toBeLessThan(MIXED.length);
    expect(flags.subarray(0, MIXED.length)).toEqual(expected);
    expect([...flags.subarray(MIXED.length)]).toEqual([7, 7, 7]);
    expect(monitor.refused).toEqual(reference.refused);
    expect(inChunks.length).toBeGreaterThan(10);
    expect(inChunks).toEqual(oneByOne);
    expect(monitor.toBytes()).toEqual(reference.toBytes());
  });

  it("addManyExplained (internal): per event the outcome whose refusal count add grows, counting and alerting as add", () => {
    const systems = new Set(STREAM.map((event) => event.system)).size;
    // MIXED, now and then an event of a system past maxSystems, and one without a finite time.
    const events = MIXED.slice(0, 4_000).flatMap((event, i) => (i % 331 === 0 ? [event, { ...event, system: `extra-${i}` }] : i % 997 === 5 ? [event, { ...event, time: Number.NaN }] : [event]));
    const make = (alerts: Alert[]) =>
      new ComplianceMonitor({ identities: "plain", now: () => CLOCK, maxSystems: systems, rules: new RuleEngine({ rules: readyRules(), onAlert: (alert) => void alerts.push(alert) }) });
    const oneByOne: Alert[] = [];
    const reference = make(oneByOne);
    const expected = Uint8Array.from(events, (event) => {
      const before = reference.refused;
      if (reference.add(event)) return AddOutcome.Accepted;
      const after = reference.refused;
      if (after.invalid > before.invalid) return AddOutcome.Invalid;
      if (after.late > before.late) return AddOutcome.Late;
      return after.future > before.future ? AddOutcome.Future : AddOutcome.SystemLimit;
    });
    for (const outcome of [AddOutcome.Invalid, AddOutcome.Late, AddOutcome.Future, AddOutcome.SystemLimit]) expect(expected).toContain(outcome);
    const inChunks: Alert[] = [];
    const monitor = make(inChunks);
    const outcomes = new Uint8Array(events.length);
    let accepted = 0;
    for (const [from, to] of [[0, 700], [700, 1800], [1800, events.length]] as const) accepted += monitor.addManyExplained(events.slice(from, to), outcomes.subarray(from));
    expect(outcomes).toEqual(expected);
    expect(accepted).toBe(expected.filter((outcome) => outcome === AddOutcome.Accepted).length);
    expect(inChunks).toEqual(oneByOne);
    expect(monitor.toBytes()).toEqual(reference.toBytes());
    expect(() => monitor.addManyExplained(events.slice(0, 3), new Uint8Array(2))).toThrow(/outcomes holds 2 entries for 3 events/);
  });

  it("takes any iterable, chunk by chunk, with flags at each event's index", () => {
    const reference = withRules([]);
    const expected = Uint8Array.from(MIXED.slice(0, 2_000), (event) => (reference.add(event) ? 1 : 0));
    const monitor = withRules([]);
    const flags = new Uint8Array(2_000);
    function* events() {
      yield* MIXED.slice(0, 2_000);
    }
    monitor.addMany(events(), flags);
    expect(flags).toEqual(expected);
    expect(monitor.toBytes()).toEqual(reference.toBytes());
    expect(() => withRules([]).addMany(events(), new Uint8Array(1_000))).toThrow(/accepted holds 1000 flags/);
  });

  it("refuses flags that are not a long enough Uint8Array before counting anything", () => {
    const monitor = withRules([]);
    expect(() => monitor.addMany(MIXED.slice(0, 10), new Uint8Array(9))).toThrow(InvalidArgumentError);
    expect(() => monitor.addMany(MIXED.slice(0, 10), [] as unknown as Uint8Array)).toThrow(/must be a Uint8Array/);
    expect(monitor.accepted).toBe(0);
    expect(monitor.refused.total).toBe(0);
  });

  it("refuses an image while the rules of a chunk run, and lets a callback add events of its own", () => {
    const seen: string[] = [];
    let monitor: ComplianceMonitor | undefined;
    let imageError: unknown;
    const rules: MonitorRules = {
      evaluate: (event) => {
        seen.push(event.user as string);
        if (event.user === "u1") {
          try {
            (monitor as ComplianceMonitor).toBytes();
          } catch (error) {
            imageError = error;
          }
          // A nested addMany gets flags of its own: the outer chunk's are intact.
          (monitor as ComplianceMonitor).addMany([blank({ user: "nested-a" }), blank({ user: 5 as unknown as string }), blank({ user: "nested-b" })]);
        }
      },
      toBytes: () => new Uint8Array(0),
    };
    monitor = new ComplianceMonitor({ identities: "plain", now: () => CLOCK, rules });
    const events = [blank({ user: "u0" }), blank({ user: "u1" }), blank({ user: 3 as unknown as string }), blank({ user: "u3" })];
    const flags = new Uint8Array(4);
    expect(monitor.addMany(events, flags)).toBe(3);
    expect([...flags]).toEqual([1, 1, 0, 1]);
    expect(seen).toEqual(["u0", "u1", "nested-a", "nested-b", "u3"]);
    expect(imageError).toBeInstanceOf(InvalidArgumentError);
    expect(String(imageError)).toMatch(/after addMany returns/);
    expect(monitor.toBytes().length).toBeGreaterThan(0);
    expect(monitor.accepted).toBe(5);
  });
});

describe("ComplianceMonitor pseudonyms", () => {
  const events = STREAM.slice(0, 20_000);

  it("stores the keyed pseudonym of each identity in top lists, the same for the same identity", () => {
    const monitor = new ComplianceMonitor({ pseudonymKey: KEY, maxFutureSkew: Number.POSITIVE_INFINITY });
    const plain = new ComplianceMonitor({ identities: "plain", maxFutureSkew: Number.POSITIVE_INFINITY });
    monitor.addMany(events);
    plain.addMany(events);
    const hidden = monitor.top("topUsers", "billing", 10, EVERYTHING).entries;
    const shown = plain.top("topUsers", "billing", 10, EVERYTHING).entries;
    expect(hidden.map((e) => e.item)).toEqual(shown.map((e) => pseudonymOf(KEY, e.item)));
    expect(hidden.map((e) => e.count)).toEqual(shown.map((e) => e.count));
    expect(hidden.every((e) => /^[A-Za-z0-9_-]{16}$/.test(e.item))).toBe(true);
    expect(monitor.snapshot(EVERYTHING).pseudonymized).toBe(true);
    // Sketches without identities answer as in plain mode.
    expect(monitor.distinct("users", "billing", EVERYTHING)).toEqual(plain.distinct("users", "billing", EVERYTHING));
    expect(monitor.activity("user-0@corp.example", "billing", EVERYTHING)).toEqual(plain.activity("user-0@corp.example", "billing", EVERYTHING));
  });

  it("resolves pseudonyms for holders of the key and a directory, and not with another key", () => {
    const monitor = new ComplianceMonitor({ pseudonymKey: KEY, maxFutureSkew: Number.POSITIVE_INFINITY, pseudonymCacheSize: 16 });
    monitor.addMany(events);
    const directory = [...new Set(events.map((e) => e.user as string))];
    const resolver = new PseudonymResolver(KEY, directory);
    const plain = new ComplianceMonitor({ identities: "plain", maxFutureSkew: Number.POSITIVE_INFINITY });
    plain.addMany(events);
    const resolved = monitor.top("topUsers", "billing", 10, EVERYTHING).entries.map((e) => resolver.resolve(e.item));
    expect(resolved).toEqual(plain.top("topUsers", "billing", 10, EVERYTHING).entries.map((e) => e.item));
    const outsider = new PseudonymResolver("another key of at least 16 bytes", directory);
    expect(monitor.top("topUsers", "billing", 10, EVERYTHING).entries.map((e) => outsider.resolve(e.item))).toEqual(Array(10).fill(undefined));
    // nothing in the image is an identity of the top lists
    const image = new TextDecoder("latin1").decode(monitor.toBytes());
    expect(image.includes("user-0@corp.example")).toBe(false);
  });

  it("answers per hour exactly as if every event were put into every sketch (the memos of repeated puts skip nothing needed)", () => {
    // feed() skips a Bloom put of a (user, system) pair just put into the
    // same bucket, and a Set lookup of a value just listed in it. Per hourly
    // bucket: every pair seen must be in the filter, and a frequency list
    // of 2 values (of 4 kinds) must hold exactly the first two kinds that
    // arrived, counting every event of the others as unlisted.
    const metrics = [...DEFAULT_MONITOR_METRICS, { kind: "frequency" as const, name: "fewKinds", field: "kind" as const, maxValues: 2 }];
    const events = STREAM.slice(0, 25_000);
    const monitor = new ComplianceMonitor({ metrics, identities: "plain", maxFutureSkew: Number.POSITIVE_INFINITY });
    expect(monitor.addMany(events)).toBe(events.length);
    const buckets = new Map<string, { system: string; hour: number; users: Set<string>; listed: string[]; unlisted: number }>();
    for (const e of events) {
      const hour = Math.floor(e.time / HOUR) * HOUR;
      const id = `${e.system} ${hour}`;
      let bucket = buckets.get(id);
      if (bucket === undefined) buckets.set(id, (bucket = { system: e.system as string, hour, users: new Set(), listed: [], unlisted: 0 }));
      bucket.users.add(e.user as string);
      if (!bucket.listed.includes(e.kind)) {
        if (bucket.listed.length < 2) bucket.listed.push(e.kind);
        else bucket.unlisted++;
      }
    }
    expect(buckets.size).toBeGreaterThan(20);
    let pairs = 0;
    for (const bucket of buckets.values()) {
      const range = { from: bucket.hour, to: bucket.hour + HOUR };
      const listing = monitor.frequencies("fewKinds", bucket.system, range);
      expect(Object.keys(listing.values)).toEqual([...bucket.listed].sort());
      expect(listing.unlisted).toBe(bucket.unlisted);
      for (const user of bucket.users) {
        expect(monitor.activity(user, bucket.system, range).accessed).toBe(true);
        pairs++;
      }
    }
    expect(pairs).toBeGreaterThan(1000);
  }, 120_000);

  it("counts a field of few values by the same hashes when it has many (its hash cache empties and refills)", () => {
    // Kind, status, outcome and level keep their values' hashes; 3,000
    // distinct kinds overflow that cache many times. The frequencies must
    // equal a Count-Min sketch of the same size fed the kinds directly.
    const metrics = [{ kind: "frequency" as const, name: "kinds", field: "kind" as const, maxValues: 16 }];
    const monitor = new ComplianceMonitor({ metrics, identities: "plain", maxFutureSkew: Number.POSITIVE_INFINITY });
    const direct = new CountMinSketch({ width: 136, depth: 4 });
    const random = mulberry32(11);
    for (let i = 0; i < 20_000; i++) {
      const kind = `kind-${random() % (i < 10_000 ? 3_000 : 5)}`;
      monitor.add(blank({ kind, time: START + i }));
      direct.add(kind);
    }
    for (const k of [0, 1, 2, 3, 4, 17, 2_999]) {
      expect(monitor.frequency("kinds", "billing", `kind-${k}`, EVERYTHING).estimate).toBe(direct.frequency(`kind-${k}`));
    }
  });

  it("refuses to start without a key unless plain storage is switched on", () => {
    expect(() => new ComplianceMonitor()).toThrow(InvalidArgumentError);
    expect(() => new ComplianceMonitor()).toThrow(/pseudonymKey/);
    expect(() => new ComplianceMonitor({ pseudonymKey: "short" })).toThrow(/pseudonymKey must be at least 16 bytes/);
    expect(new ComplianceMonitor({ identities: "plain" }).identities).toBe("plain");
    // No top list pseudonymizes: no key needed.
    const metrics = DEFAULT_MONITOR_METRICS.filter((m) => m.kind !== "top");
    expect(new ComplianceMonitor({ metrics }).snapshot(EVERYTHING).pseudonymized).toBe(false);
  });
});

describe("ComplianceMonitor image", () => {
  const rulesOf = (bytes: Uint8Array): MonitorRules & { readonly state: Uint8Array } => ({ state: bytes, evaluate() {}, toBytes: () => bytes });

  it("round-trips: the copy answers every query alike and ingests on alike", () => {
    const now = () => START + 48 * HOUR;
    const monitor = fed({ pseudonymKey: KEY, now });
    const copy = ComplianceMonitor.fromBytes(monitor.toBytes(), { pseudonymKey: KEY, maxFutureSkew: Number.POSITIVE_INFINITY, now });
    expect(copy.snapshot(EVERYTHING)).toEqual(monitor.snapshot(EVERYTHING));
    expect(copy.refused).toEqual(monitor.refused);
    expect(copy.accepted).toBe(monitor.accepted);
    expect(copy.watermark).toBe(monitor.watermark);
    const more = createSyntheticStream({ seed: 8, eventsPerSecond: 5, start: START + 11 * HOUR }).next(5_000);
    expect(copy.addMany(more)).toBe(monitor.addMany(more));
    // A TopK image does not keep the order of counters tied at the minimum,
    // which picks the counter a new item takes (src/sketches/top-k.ts): top
    // lists may differ within their bounds after more events. All else is equal.
    const withoutTop = (m: ComplianceMonitor) => m.snapshot(EVERYTHING).systems.map(({ top: _top, ...rest }) => rest);
    expect(withoutTop(copy)).toEqual(withoutTop(monitor));
    expect(copy.top("failedLoginIps", "billing", 1, EVERYTHING)).toEqual(monitor.top("failedLoginIps", "billing", 1, EVERYTHING));
  });

  it("carries the rule engine's and the allow-list's images and hands them back on restore", () => {
    const rules = rulesOf(Uint8Array.of(1, 2, 3));
    const allowList = { toBytes: () => Uint8Array.of(9, 8) };
    const monitor = new ComplianceMonitor({ identities: "plain", rules, allowList });
    const image = monitor.toBytes();
    let handed: Uint8Array | undefined;
    const copy = ComplianceMonitor.fromBytes(image, { restoreRules: (bytes) => rulesOf(bytes), restoreAllowList: (bytes) => ((handed = bytes), allowList) });
    expect([...((copy.ruleEngine as ReturnType<typeof rulesOf>).state)]).toEqual([1, 2, 3]);
    expect([...(handed ?? [])]).toEqual([9, 8]);
    expect(copy.allowListState).toBe(allowList);
    // The allow-list is restored first (so that restoreRules can use it): its callback is asked for first.
    expect(() => ComplianceMonitor.fromBytes(image)).toThrow(/restoreAllowList/);
    expect(() => ComplianceMonitor.fromBytes(image, { restoreRules: rulesOf })).toThrow(/restoreAllowList/);
    expect(() => ComplianceMonitor.fromBytes(image, { restoreAllowList: () => allowList })).toThrow(/restoreRules/);
    // Without them in the image, nothing is restored.
    expect(ComplianceMonitor.fromBytes(new ComplianceMonitor({ identities: "plain" }).toBytes(), { restoreRules: rulesOf }).ruleEngine).toBeUndefined();
  });

  it("refuses another key, and an image of other metrics", () => {
    const image = new ComplianceMonitor({ pseudonymKey: KEY }).toBytes();
    expect(() => ComplianceMonitor.fromBytes(image, { pseudonymKey: "another key of at least 16 bytes" })).toThrow(/pseudonymKey is not the key/);
    expect(() => ComplianceMonitor.fromBytes(image)).toThrow(/pseudonymKey/);
    const metrics = [...DEFAULT_MONITOR_METRICS, { kind: "distinct", name: "statuses", field: "status" } as const];
    const error = (() => {
      try {
        ComplianceMonitor.fromBytes(image, { pseudonymKey: KEY, metrics });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(DecodeError);
    expect(String(error)).toMatch(/other metrics/);
  });

  it("rejects random bytes, truncations and bit flips with DecodeError, or decodes to a monitor that answers", () => {
    const monitor = new ComplianceMonitor({ pseudonymKey: KEY, maxFutureSkew: Number.POSITIVE_INFINITY, rules: rulesOf(Uint8Array.of(5)) });
    monitor.addMany(STREAM.slice(0, 300));
    const image = monitor.toBytes();
    const decode = (bytes: Uint8Array) => {
      const copy = ComplianceMonitor.fromBytes(bytes, { pseudonymKey: KEY, restoreRules: rulesOf, restoreAllowList: () => ({ toBytes: () => new Uint8Array(0) }) });
      copy.snapshot(EVERYTHING);
      for (const system of copy.systems()) copy.activity("user-1@corp.example", system, EVERYTHING);
      return copy;
    };
    expect(decodesOrRejectsCleanly(decode, image)).toBe("ok");
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => void decodesOrRejectsCleanly(decode, bytes)), { numRuns: 150 });
    for (let length = 0; length < image.length; length += Math.max(1, Math.floor(image.length / 120))) {
      expect(decodesOrRejectsCleanly(decode, image.subarray(0, length))).toBe("rejected");
    }
    const random = mulberry32(12);
    for (let trial = 0; trial < 120; trial++) {
      const flipped = image.slice();
      const at = random() % flipped.length;
      flipped[at] = (flipped[at] as number) ^ (1 << (random() % 8));
      decodesOrRejectsCleanly(decode, flipped);
    }
  });
});

describe("ComplianceMonitor options", () => {
  const bad: readonly [string, () => unknown, RegExp][] = [
    ["unknown option", () => new ComplianceMonitor({ identities: "plain", window: "1h" } as never), /no option "window"/],
    ["identities", () => new ComplianceMonitor({ identities: "hidden" as never }), /identities must be "pseudonymized" or "plain"/],
    ["metrics not an array", () => new ComplianceMonitor({ identities: "plain", metrics: {} as never }), /metrics must be an array/],
    ["metric kind", () => new ComplianceMonitor({ identities: "plain", metrics: [{ kind: "median", name: "m", field: "value" } as never] }), /metric "m": kind must be one of/],
    ["duplicate names", () => new ComplianceMonitor({ identities: "plain", metrics: [{ kind: "distinct", name: "u", field: "user" }, { kind: "distinct", name: "u", field: "ip" }] }), /two metrics are named "u"/],
    ["field", () => new ComplianceMonitor({ identities: "plain", metrics: [{ kind: "distinct", name: "u", field: "username" as never }] }), /metric "u": field must be one of/],
    ["metric option key", () => new ComplianceMonitor({ identities: "plain", metrics: [{ kind: "distinct", name: "u", field: "user", quantiles: [] } as never] }), /metric "u" \(kind distinct\) has no option "quantiles"/],
    ["sketch option", () => new ComplianceMonitor({ identities: "plain", metrics: [{ kind: "distinct", name: "u", field: "user", options: { precision: 40 } }] }), /metric "u": options: HyperLogLog precision/],
    ["seed", () => new ComplianceMonitor({ identities: "plain", metrics: [{ kind: "frequency", name: "k", field: "kind", options: { width: 10, depth: 2, seed: 3 } as never }] }), /metric "k": options.seed is not supported/],
    ["maxValues", () => new ComplianceMonitor({ identities: "plain", metrics: [{ kind: "frequency", name: "k", field: "kind", maxValues: -1 }] }), /metric "k": maxValues must be/],
    ["stats of a text field", () => new ComplianceMonitor({ identities: "plain", metrics: [{ kind: "stats", name: "s", field: "user" }] }), /metric "s": field must be numeric/],
    ["quantiles", () => new ComplianceMonitor({ identities: "plain", metrics: [{ kind: "stats", name: "s", field: "value", quantiles: [2] }] }), /metric "s": quantiles must be/],
    ["filter", () => new ComplianceMonitor({ identities: "plain", metrics: [{ kind: "top", name: "t", field: "ip", filter: "failed" as never }] }), /metric "t": filter must be a function/],
    ["defaultSystem", () => new ComplianceMonitor({ identities: "plain", defaultSystem: 3 as never }), /defaultSystem must be a string or null/],
    ["rules", () => new ComplianceMonitor({ identities: "plain", rules: { evaluate() {} } as never }), /rules must be an object with evaluate\(\) and toBytes\(\)/],
    ["window levels", () => new ComplianceMonitor({ identities: "plain", allowedLateness: -1 }), /allowedLateness/],
    ["pseudonymCacheSize", () => new ComplianceMonitor({ pseudonymKey: KEY, pseudonymCacheSize: 1.5 }), /pseudonymCacheSize/],
    ["query metric", () => PLAIN.distinct("topUsers", "billing", "1h"), /metric "topUsers" is a top metric, not distinct/],
    ["unknown metric", () => PLAIN.stats("latency", "billing", "1h"), /no metric named "latency"/],
    ["query option", () => PLAIN.count("billing", "1h", { at: 1 } as never), /no option "at"/],
    ["restore option", () => ComplianceMonitor.fromBytes(PLAIN.toBytes(), { levels: [] } as never), /no option "levels"/],
  ];
  for (const [name, action, message] of bad) {
    it(`refuses a bad ${name} with an InvalidArgumentError naming it`, () => {
      expect(action).toThrow(InvalidArgumentError);
      expect(action).toThrow(message);
    });
  }

  it("keeps custom metrics: filters, raw and metrics fields, listing limits", () => {
    const monitor = new ComplianceMonitor({
      identities: "plain",
      maxFutureSkew: Number.POSITIVE_INFINITY,
      metrics: [
        { kind: "distinct", name: "countries", field: "raw.geo.country" },
        { kind: "frequency", name: "statuses", field: "status", maxValues: 2 },
        { kind: "stats", name: "latency", field: "metrics.latency_ms", filter: (e) => e.kind === "request" },
        { kind: "top", name: "deniedIps", field: "ip", filter: (e) => e.status === "denied" },
      ],
    });
    const statuses = ["ok", "denied", "error", "ok"];
    statuses.forEach((status, i) =>
      monitor.add(blank({ kind: "request", status, ip: `10.0.0.${i % 2}`, metrics: { latency_ms: 10 * (i + 1) }, raw: { geo: { country: i % 2 === 0 ? "DE" : "FR" } } })),
    );
    monitor.add(blank({ kind: "batch", metrics: { latency_ms: 5000 } }));
    expect(Math.round(monitor.distinct("countries", "billing", EVERYTHING).estimate)).toBe(2);
    expect(monitor.frequencies("statuses", "billing", EVERYTHING)).toMatchObject({ values: { denied: 1, ok: 2 }, unlisted: 1 });
    expect(monitor.frequency("statuses", "billing", "error", EVERYTHING).estimate).toBe(1);
    expect(monitor.stats("latency", "billing", EVERYTHING)).toMatchObject({ count: 4, min: 10, max: 40, mean: 25 });
    expect(monitor.top("deniedIps", "billing", 5, EVERYTHING).entries).toEqual([{ item: "10.0.0.1", count: 1, error: 0 }]);
    expect(monitor.add(blank({ metrics: { latency_ms: "slow" as unknown as number } }))).toBe(false);
  });
});
