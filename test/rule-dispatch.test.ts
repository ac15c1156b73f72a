// The engine's guarded dispatch (src/compliance/rules/event-guard.ts,
// gate-dispatch.ts): an event reaches only the rules whose guards it can pass,
// and that must never change what the engine does. Tested against the same
// rules with their guards stripped (a predicate wrapped in a new function has
// none), on random Sigma rules and random events built to hit the corners of
// Sigma's comparisons (case folding, the Kelvin sign, numbers against number
// text, arrays, null, absent fields), and against a reference of the guard
// semantics for the dispatch alone.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { type Alert, type ComplianceEvent, RuleEngine, type RuleDefinition, SigmaRuleError, loadSigmaRules, readyRules } from "../src/compliance/index.js";
import { type EventGuard, type FieldGuard, type GuardAlternatives, alternativesOf, foldedText, guardOf } from "../src/compliance/rules/event-guard.js";
import { GateDispatch } from "../src/compliance/rules/gate-dispatch.js";
import { foldString } from "../src/compliance/sigma/case-fold.js";
import { T0, makeEvent } from "./support/compliance-stream.js";

const WORDS = ["login", "LOGIN", "Login", "error", "ERROR", "ok", "fail", "k", "K", "\u212a", "", "4625", "a|b"];
const FIELDS = ["EventType", "Level", "Status", "User", "Message", "EventID", "Tag", "System"];

/** A random Sigma selection entry (key and value) that the loader accepts or refuses; refused rules are dropped. */
const entry = fc.oneof(
  fc.record({ field: fc.constantFrom(...FIELDS), modifier: fc.constant(""), value: fc.oneof(fc.constantFrom<unknown>(...WORDS, 4625, true, null), fc.uniqueArray(fc.constantFrom<unknown>(...WORDS, 4625, null), { minLength: 1, maxLength: 3 })) }),
  fc.record({ field: fc.constantFrom(...FIELDS), modifier: fc.constantFrom("|contains", "|startswith", "|endswith", "|cased", "|contains|all"), value: fc.oneof(fc.constantFrom<unknown>(...WORDS), fc.uniqueArray(fc.constantFrom<unknown>(...WORDS), { minLength: 1, maxLength: 3 })) }),
  fc.record({ field: fc.constantFrom(...FIELDS), modifier: fc.constant("|exists"), value: fc.boolean() }),
  fc.record({ field: fc.constantFrom(...FIELDS), modifier: fc.constantFrom("|gt", "|lte"), value: fc.constantFrom(0, 4625) }),
);
const selection = fc.oneof(
  fc.uniqueArray(entry, { minLength: 1, maxLength: 3, selector: (e) => e.field + e.modifier }).map((entries) => Object.fromEntries(entries.map((e) => [e.field + e.modifier, e.value]))),
  fc.uniqueArray(fc.constantFrom(...WORDS.filter((w) => w !== "")), { minLength: 1, maxLength: 2 }),
);
const condition = fc.constantFrom(
  "s0", "s1", "s0 and s1", "s0 or s1", "not s0", "s0 and not s1", "1 of s*", "all of s*", "not (s0 or s1)",
  "(s0 or s1) and s2", "s0 or (s1 and s2)", "(s0 or s1) and (s1 or s2)", "(s0 or s2) and not s1",
);
const sigmaRule = fc.record({ s0: selection, s1: selection, s2: selection, condition, type: fc.constantFrom("match", "count") });

/** A random event: each field absent or one of the words (any case), raw fields also numbers, arrays and null. */
const eventArb = fc.record({
  kind: fc.option(fc.constantFrom(...WORDS), { nil: undefined }),
  level: fc.option(fc.constantFrom(...WORDS), { nil: undefined }),
  status: fc.option(fc.constantFrom(...WORDS), { nil: undefined }),
  user: fc.option(fc.constantFrom(...WORDS), { nil: undefined }),
  message: fc.option(fc.constantFrom(...WORDS, "a login failed", "Error: K"), { nil: undefined }),
  system: fc.option(fc.constantFrom(...WORDS), { nil: undefined }),
  EventID: fc.option(fc.constantFrom<unknown>(4625, "4625", ["login", "x"], null, true, "LOGIN"), { nil: undefined }),
  Tag: fc.option(fc.constantFrom<unknown>(...WORDS, 0, ["ok"]), { nil: undefined }),
  offset: fc.nat(20_000),
});

type EventItem = typeof eventArb extends fc.Arbitrary<infer T> ? T : never;
type SigmaSpec = typeof sigmaRule extends fc.Arbitrary<infer T> ? T : never;

function toEvent(e: EventItem, at: number): ComplianceEvent {
  const raw: Record<string, unknown> = {};
  if (e.EventID !== undefined) raw.EventID = e.EventID;
  if (e.Tag !== undefined) raw.Tag = e.Tag;
  return makeEvent({ time: T0 + at * 1_000 + e.offset, kind: e.kind as string, level: e.level, status: e.status, user: e.user, message: e.message, system: e.system, raw });
}

function load(index: number, rule: SigmaSpec): RuleDefinition | undefined {
  const doc = { title: `r${index}`, id: `r${index}`, detection: { s0: rule.s0, s1: rule.s1, s2: rule.s2, condition: rule.condition } };
  let loaded: RuleDefinition;
  try {
    loaded = loadSigmaRules(stringify(doc))[0]!;
  } catch (error) {
    if (error instanceof SigmaRuleError) return undefined;
    throw error;
  }
  if (rule.type === "match") return loaded;
  return { id: loaded.id, title: loaded.title, severity: "low", type: "count", where: loaded.where, groupBy: ["user"], window: 30_000, threshold: { gte: 2 } };
}

/** The same rule, its filters wrapped in new functions: no guard, so the engine calls them for every event. */
function unguarded(rule: RuleDefinition): RuleDefinition {
  const where = rule.where;
  const copy: Record<string, unknown> = { ...rule };
  if (where !== undefined) copy.where = (event: ComplianceEvent) => where(event);
  if (rule.type === "sustained") {
    const sample = rule.sample;
    copy.sample = (event: ComplianceEvent) => sample(event);
  }
  return copy as unknown as RuleDefinition;
}

/** The guard semantics of event-guard.ts, written out. */
function passes(guard: EventGuard | undefined, event: ComplianceEvent): boolean {
  return (guard ?? []).every((g) => {
    const value = g.read(event);
    if (value === undefined) return false;
    if (g.values === undefined) return true;
    if (typeof value !== "string") return g.folded;
    return g.values.has(g.folded ? foldedText(value) : value);
  });
}

function run(rules: readonly RuleDefinition[], events: readonly ComplianceEvent[]) {
  const alerts: Alert[] = [];
  const engine = new RuleEngine({ rules, onAlert: (alert) => void alerts.push(alert) });
  for (const event of events) engine.evaluate(event);
  engine.finish();
  return { alerts: alerts.map((a) => [a.id, a.type, a.count, a.message]), stats: engine.stats(), image: engine.toBytes() };
}

describe("guarded dispatch", () => {
  it("random Sigma rules alert, count and snapshot exactly as the same rules without guards", () => {
    fc.assert(
      fc.property(fc.array(sigmaRule, { minLength: 1, maxLength: 8 }), fc.array(eventArb, { maxLength: 80 }), (specs, items) => {
        const rules = specs.map((spec, i) => load(i, spec)).filter((rule): rule is RuleDefinition => rule !== undefined);
        const events = items.map(toEvent);
        const guardedRun = run(rules, events);
        const plainRun = run(rules.map(unguarded), events);
        expect(guardedRun.alerts).toEqual(plainRun.alerts);
        expect(guardedRun.stats).toEqual(plainRun.stats);
        expect(guardedRun.image).toEqual(plainRun.image);
      }),
      { numRuns: 300 },
    );
  });

  it("a guard and the guard alternatives hold for every event its predicate accepts (soundness, per rule)", () => {
    fc.assert(
      fc.property(sigmaRule, fc.array(eventArb, { minLength: 1, maxLength: 40 }), (spec, items) => {
        const rule = load(0, spec);
        if (rule?.where === undefined) return;
        const guard = guardOf(rule.where);
        const dispatch = new GateDispatch(["rule"], [guard === undefined ? undefined : [guard]]);
        const alternatives = new GateDispatch(["rule"], [alternativesOf(rule.where)]);
        for (const [i, item] of items.entries()) {
          const event = toEvent(item, i);
          if (!rule.where(event)) continue;
          expect(dispatch.select(event)).toEqual(["rule"]);
          expect(alternatives.select(event)).toEqual(["rule"]);
          expect(alternativesOf(rule.where)?.some((g) => passes(g, event)) ?? true).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });

  it("an or of selections on different fields records one guard per selection, and the dispatch skips events that pass none", () => {
    const [status] = loadSigmaRules("title: s\nid: s\ndetection:\n  sel_a:\n    EventType: login\n    System: [vpn, HR]\n  sel_b:\n    Status: forbidden\n  condition: 1 of sel_*\n");
    const summary = (guard: EventGuard) => guard.map((g: FieldGuard) => [g.field, [...g.values!].sort()]);
    expect(guardOf(status!.where)).toBeUndefined(); // nothing in common
    expect(alternativesOf(status!.where)?.map(summary)).toEqual([[["kind", ["login"]], ["system", ["hr", "vpn"]]], [["status", ["forbidden"]]]]);
    const dispatch = new GateDispatch(["s"], [alternativesOf(status!.where)]);
    expect(dispatch.select(makeEvent({ time: 0, kind: "LOGIN", system: "Vpn" }))).toEqual(["s"]);
    expect(dispatch.select(makeEvent({ time: 0, kind: "login", system: "db" }))).toEqual([]);
    expect(dispatch.select(makeEvent({ time: 0, kind: "file", status: "Forbidden" }))).toEqual(["s"]);
    expect(dispatch.select(makeEvent({ time: 0, kind: "file", status: "ok", system: "vpn" }))).toEqual([]);
  });

  it("Sigma selections record what they need: folded values of an equality, a present field otherwise, nothing under not or a null value", () => {
    const [login, contains, negated, nullable, either] = loadSigmaRules([
      "title: a\nid: a\ndetection:\n  s:\n    EventType: Login\n    Message|contains: x\n  condition: s\n",
      "title: b\nid: b\ndetection:\n  s:\n    Message|contains: x\n  condition: s\n",
      "title: c\nid: c\ndetection:\n  s:\n    EventType: login\n  condition: not s\n",
      "title: d\nid: d\ndetection:\n  s:\n    EventType: [login, null]\n  condition: s\n",
      "title: e\nid: e\ndetection:\n  a:\n    EventType: LOGIN\n  b:\n    EventType: [Logout, login]\n    Level: x\n  condition: a or b\n",
    ]);
    const summary = (guard: EventGuard | undefined) => guard?.map((g: FieldGuard) => [g.field, g.folded, g.values === undefined ? "present" : [...g.values].sort()]);
    expect(summary(guardOf(login!.where))).toEqual([["kind", true, ["login"]], ["message", true, "present"]]);
    expect(summary(guardOf(contains!.where))).toEqual([["message", true, "present"]]);
    expect(guardOf(negated!.where)).toBeUndefined();
    expect(guardOf(nullable!.where)).toBeUndefined();
    expect(summary(guardOf(either!.where))).toEqual([["kind", true, ["login", "logout"]]]);
    // The dispatch then skips the rule for other kinds, and folds the event's kind.
    const dispatch = new GateDispatch(["login"], [alternativesOf(login!.where)]);
    expect(dispatch.select(makeEvent({ time: 0, kind: "LoGiN", message: "x" }))).toEqual(["login"]);
    expect(dispatch.select(makeEvent({ time: 0, kind: "logout", message: "x" }))).toEqual([]);
    expect(dispatch.select(makeEvent({ time: 0, kind: "login" }))).toEqual([]);
  });

  it("the ready rules alert, count and snapshot exactly as without their kinds, guards and presence filters (whenPresent, tested by the gate without a call)", () => {
    const random = fc.sample(eventArb, { numRuns: 2_000, seed: 7 });
    const events = random.map((item, i) => {
      const event = toEvent(item, i);
      const extras: Partial<ComplianceEvent>[] = [
        { kind: "login", outcome: "failure", ip: "198.51.100.1" },
        { kind: "transaction", value: 20_000, user: "u" },
        { level: "ERROR" },
        { metrics: { cpu: 95, latency_ms: 1500 } },
        { message: "Unauthorized", ip: "198.51.100.2", user: "v" },
      ];
      return { ...event, ...extras[i % extras.length] } as ComplianceEvent;
    });
    const plain = readyRules().map((rule) => {
      const { kinds: _kinds, ...rest } = unguarded(rule) as RuleDefinition & { kinds?: readonly string[] };
      return rest as RuleDefinition;
    });
    const a = run(readyRules(), events);
    const b = run(plain, events);
    expect(a.alerts.length).toBeGreaterThan(10);
    expect(new Set(a.alerts.map((alert) => alert[0]!.toString().split(":")[0])).size).toBeGreaterThanOrEqual(6);
    expect(a.alerts).toEqual(b.alerts);
    expect(a.stats).toEqual(b.stats);
    expect(a.image).toEqual(b.image);
  });
});

describe("GateDispatch", () => {
  const dimensionArb = fc.constantFrom(
    { field: "kind", read: (e: ComplianceEvent) => e.kind, folded: false },
    { field: "kind", read: (e: ComplianceEvent) => e.kind, folded: true },
    { field: "level", read: (e: ComplianceEvent) => e.level, folded: true },
    { field: "user", read: (e: ComplianceEvent) => e.user, folded: false },
  );
  const fieldGuardArb = fc.record({ dimension: dimensionArb, values: fc.option(fc.uniqueArray(fc.constantFrom(...WORDS), { maxLength: 3 }), { nil: undefined }) }).map(
    ({ dimension, values }): FieldGuard => ({ ...dimension, values: values === undefined ? undefined : new Set(dimension.folded ? values.map(foldString) : values) }),
  );
  const guardArb = fc.uniqueArray(fieldGuardArb, { maxLength: 3, selector: (g) => `${g.folded}:${g.field}` });
  const alternativesArb = fc.option(fc.array(guardArb, { minLength: 1, maxLength: 3 }), { nil: undefined });

  /** The alternatives' semantics: no alternatives pass every event, else one guard must pass. */
  const passesAny = (alternatives: GuardAlternatives | undefined, event: ComplianceEvent): boolean => alternatives === undefined || alternatives.some((guard) => passes(guard, event));

  it("selects exactly the items one of whose guard alternatives the event passes, in their order", () => {
    fc.assert(
      fc.property(fc.array(alternativesArb, { maxLength: 10 }), fc.array(eventArb, { maxLength: 30 }), (guards, items) => {
        const names = guards.map((_, i) => i);
        const dispatch = new GateDispatch(names, guards);
        for (const [i, item] of items.entries()) {
          const event = { ...toEvent(item, i), user: item.EventID as string };
          expect(dispatch.select(event)).toEqual(names.filter((n) => passesAny(guards[n], event)));
          expect(dispatch.select(event)).toEqual(names.filter((n) => passesAny(guards[n], event))); // from the kept list
        }
      }),
      { numRuns: 300 },
    );
  });

  it("ranks fields by their guards, one naming values counting twice: two value guards outrank three presence guards", () => {
    const present = (field: "kind" | "level" | "status" | "user" | "system" | "id"): GuardAlternatives => [[{ field, read: (e: ComplianceEvent) => e[field], folded: false, values: undefined }]];
    const valued: GuardAlternatives = [[{ field: "session", read: (e: ComplianceEvent) => e.session, folded: false, values: new Set(["s1"]) }]];
    const fields = ["kind", "level", "status", "user", "system", "id"] as const;
    const guards = [...fields.flatMap((field) => [present(field), present(field), present(field)]), valued, valued];
    const names = guards.map((_, i) => i);
    const dispatch = new GateDispatch(names, guards);
    const event = makeEvent({ time: 0, kind: "x", level: "x", status: "x", user: "x", system: "x", id: "x", session: "s1" });
    expect(dispatch.select(event)).toEqual(names);
    // The session is read (its two items go); one of the presence fields is not (all its items stay).
    const other = dispatch.select({ ...event, session: "s2" });
    expect(other).toEqual(names.slice(0, 18));
    const dropped = fields.filter((field) => dispatch.select({ ...event, [field]: undefined }).length === names.length);
    expect(dropped.length).toBe(1);
  });

  it("reads at most six fields: guards on a seventh only narrow nothing (the rule's own filter decides)", () => {
    const dims = ["kind", "level", "status", "user", "system", "id", "session"] as const;
    const guardOn = (field: (typeof dims)[number]): GuardAlternatives => [[{ field, read: (e: ComplianceEvent) => e[field], folded: false, values: new Set(["x"]) }]];
    // Rank by how many items a dimension guards: extra items on the first six.
    const guards = [...dims.map(guardOn), ...dims.slice(0, 6).map(guardOn)];
    const names = guards.map((_, i) => i);
    const dispatch = new GateDispatch(names, guards);
    const event = makeEvent({ time: 0, kind: "x", level: "x", status: "x", user: "x", system: "x", id: "x", session: "y" });
    expect(dispatch.select(event)).toEqual(names);
    expect(dispatch.select({ ...event, kind: "y" })).toEqual(names.filter((n) => n !== 0 && n !== 7));
    expect(dispatch.select({ ...event, id: "y" })).toEqual(names.filter((n) => n !== 5 && n !== 12));
  });
});
