// Sigma correlation rules (correlation rules specification v2.0.0) compiled
// into CountRule / DistinctRule / SequenceRule: shape, parameters, the
// referenced rules' predicates, name/id resolution and `generate`.
import { describe, expect, it } from "vitest";
import { type CountRule, type DistinctRule, type RuleDefinition, type SequenceRule, loadSigmaRules } from "../src/compliance/index.js";
import { event } from "./support/sigma-events.js";

const failedLogin = `title: Failed login
id: 53ba33fd-3a50-4468-a5ef-c583635cfa92
name: failed_login
level: low
detection:
  selection:
    EventType: login
    outcome: failure
  condition: selection
`;
const successfulLogin = `title: Successful login
id: 4d0a2c83-c62c-4ed4-b475-c7e23a9269b8
name: successful_login
detection:
  selection:
    EventType: login
    outcome: success
  condition: selection
`;
const failed = event({ kind: "login", outcome: "failure", user: "alice", ip: "203.0.113.7" });
const succeeded = event({ kind: "login", outcome: "success", user: "alice", ip: "203.0.113.7" });
const other = event({ kind: "file_access", user: "alice" });

function byId(rules: RuleDefinition[], id: string): RuleDefinition {
  const rule = rules.find((r) => r.id === id);
  if (rule === undefined) throw new Error(`no rule ${id} among ${rules.map((r) => r.id).join(", ")}`);
  return rule;
}

describe("Sigma correlations", () => {
  it("event_count → count rule: window, threshold, groupBy through the field map, where from the referenced rule", () => {
    const rules = loadSigmaRules([
      failedLogin,
      `title: Brute force\nid: brute-force\nlevel: high\ndescription: Five failures\ntags: [attack.t1110]\ncorrelation:\n  type: event_count\n  rules: [failed_login]\n  group-by: [SourceIp]\n  timespan: 300s\n  condition:\n    gte: 5\n`,
    ]);
    expect(rules.map((r) => r.id)).toEqual(["brute-force"]); // the referenced rule does not alert alone
    const rule = rules[0] as CountRule;
    expect(rule).toMatchObject({ type: "count", id: "brute-force", title: "Brute force", severity: "high", description: "Five failures", tags: ["attack.t1110"], window: 300_000, threshold: { gte: 5 }, groupBy: ["ip"] });
    expect(rule.where!(failed)).toBe(true);
    expect(rule.where!(succeeded)).toBe(false);
  });

  it("a range is two keys; references by id work as well as by name", () => {
    const rule = loadSigmaRules([failedLogin, `title: Range\ncorrelation:\n  type: event_count\n  rules: [53ba33fd-3a50-4468-a5ef-c583635cfa92]\n  timespan: 1h\n  condition:\n    gt: 100\n    lte: 200\n`])[0] as CountRule;
    expect(rule.threshold).toEqual({ gt: 100, lte: 200 });
    expect(rule.window).toBe(3_600_000);
    expect(rule.groupBy).toBeUndefined();
    expect(rule.id).toBe("range"); // no id or name: from the title
    expect(rule.severity).toBe("medium"); // no level: defaultSeverity
  });

  it("timespans in s, m, h, d", () => {
    for (const [text, ms] of [["30s", 30_000], ["5m", 300_000], ["1h", 3_600_000], ["1d", 86_400_000], ["90m", 5_400_000]] as const) {
      const rule = loadSigmaRules([failedLogin, `title: T\ncorrelation:\n  type: event_count\n  rules: [failed_login]\n  timespan: ${text}\n  condition: { eq: 3 }\n`])[0] as CountRule;
      expect(rule.window).toBe(ms);
    }
  });

  it("value_count → distinct rule counting condition.field", () => {
    const rule = loadSigmaRules([failedLogin, `title: Password spraying\nid: spray\ncorrelation:\n  type: value_count\n  rules: [failed_login]\n  group-by: [IpAddress]\n  timespan: 10m\n  condition:\n    field: TargetUserName\n    gt: 10\n`])[0] as DistinctRule;
    expect(rule).toMatchObject({ type: "distinct", field: "user", groupBy: ["ip"], window: 600_000, threshold: { gt: 10 } });
    expect(rule.threshold).not.toHaveProperty("field");
    expect(rule.where!(failed)).toBe(true);
    const single = loadSigmaRules([failedLogin, `title: S\ncorrelation:\n  type: value_count\n  rules: [failed_login]\n  timespan: 10m\n  condition: { field: [SourceIp], gte: 3 }\n`])[0] as DistinctRule;
    expect(single.field).toBe("ip");
  });

  it("temporal_ordered → ordered sequence whose steps are the referenced rules in order; where is their OR", () => {
    const rules = loadSigmaRules(`${failedLogin}---\n${successfulLogin}---\ntitle: Fail then success\nid: fail-then-success\nlevel: critical\ncorrelation:\n  type: temporal_ordered\n  rules:\n    - failed_login\n    - successful_login\n  group-by: [User]\n  timespan: 10m\n`);
    expect(rules.map((r) => r.id)).toEqual(["fail-then-success"]);
    const rule = rules[0] as SequenceRule;
    expect(rule).toMatchObject({ type: "sequence", ordered: true, window: 600_000, groupBy: ["user"], severity: "critical" });
    expect(rule.steps.map((s) => s.name)).toEqual(["failed_login", "successful_login"]);
    expect([failed, succeeded, other].map((e) => rule.steps.map((s) => s.where(e)))).toEqual([[true, false], [false, true], [false, false]]);
    expect([failed, succeeded, other].map((e) => rule.where!(e))).toEqual([true, true, false]);
  });

  it("temporal → unordered sequence; conditions meaning 'all rules' are accepted", () => {
    for (const condition of ["", "\n  condition: { gte: 2 }", "\n  condition: { eq: 2 }", "\n  condition: { gt: 1 }", "\n  condition: failed_login and successful_login", "\n  condition: successful_login AND failed_login"]) {
      const rule = loadSigmaRules([failedLogin, successfulLogin, `title: Both\ncorrelation:\n  type: temporal\n  rules: [failed_login, successful_login]\n  group-by: [User]\n  timespan: 5m${condition}\n`])[0] as SequenceRule;
      expect(rule.ordered).toBe(false);
      expect(rule.steps).toHaveLength(2);
    }
    expect(() => loadSigmaRules([failedLogin, successfulLogin, "title: One\ncorrelation:\n  type: temporal\n  rules: [failed_login, successful_login]\n  timespan: 5m\n  condition: { gte: 1 }\n"])).toThrow(/only when all 2 referenced rules/);
  });

  it("event_count over several rules: where is the OR of their predicates", () => {
    const rule = loadSigmaRules([failedLogin, successfulLogin, "title: Logins\ncorrelation:\n  type: event_count\n  rules: [failed_login, successful_login]\n  group-by: [User]\n  timespan: 1m\n  condition: { gte: 100 }\n"])[0] as CountRule;
    expect([failed, succeeded, other].map((e) => rule.where!(e))).toEqual([true, true, false]);
  });

  it("generate: true also keeps the referenced rules as match rules; unreferenced rules always are", () => {
    const rules = loadSigmaRules([failedLogin, successfulLogin, "title: Spike\nid: spike\ngenerate: true\ncorrelation:\n  type: event_count\n  rules: [failed_login]\n  timespan: 1m\n  condition: { gte: 10 }\n"]);
    expect(rules.map((r) => [r.id, r.type])).toEqual([
      ["53ba33fd-3a50-4468-a5ef-c583635cfa92", "match"],
      ["4d0a2c83-c62c-4ed4-b475-c7e23a9269b8", "match"],
      ["spike", "count"],
    ]);
    expect(byId(rules, "53ba33fd-3a50-4468-a5ef-c583635cfa92").severity).toBe("low");
    // generate inside the correlation section is read too; false is the default.
    const inner = loadSigmaRules([failedLogin, "title: Spike\ncorrelation:\n  type: event_count\n  rules: [failed_login]\n  timespan: 1m\n  condition: { gte: 10 }\n  generate: true\n"]);
    expect(inner.map((r) => r.type)).toEqual(["match", "count"]);
    const quiet = loadSigmaRules([failedLogin, "title: Spike\ngenerate: false\ncorrelation:\n  type: event_count\n  rules: [failed_login]\n  timespan: 1m\n  condition: { gte: 10 }\n"]);
    expect(quiet.map((r) => r.type)).toEqual(["count"]);
  });

  it("aliases are accepted when every rule's field maps to one event field", () => {
    const a = "title: A\nname: rule_a\ndetection:\n  sel:\n    EventType: vpn\n  condition: sel\n";
    const b = "title: B\nname: rule_b\ndetection:\n  sel:\n    EventType: ssh\n  condition: sel\n";
    const rule = loadSigmaRules([a, b, "title: C\ncorrelation:\n  type: temporal\n  rules: [rule_a, rule_b]\n  group-by: [remote]\n  timespan: 1m\n  aliases:\n    remote:\n      rule_a: SourceIp\n      rule_b: source.ip\n"])[0] as SequenceRule;
    expect(rule.groupBy).toEqual(["ip"]);
  });

  it("the spec's example (multi-document, by name) loads except its chained correlation, which is refused", () => {
    // Correlation rules specification v2.0.0, "Failed Logins Followed by Successful Login".
    const example = `title: Correlation - Multiple Failed Logins Followed by Successful Login
id: b180ead8-d58f-40b2-ae54-c8940995b9b6
correlation:
    type: temporal_ordered
    rules:
        - multiple_failed_login
        - successful_login
    group-by:
        - User
    timespan: 10m
level: high
---
title: Multiple failed logons
id: a8418a5a-5fc4-46b5-b23b-6c73beb19d41
name: multiple_failed_login
correlation:
    type: event_count
    rules:
        - failed_login
    group-by:
        - User
    timespan: 10m
    condition:
        gte: 10
---
title: Single failed login
id: 53ba33fd-3a50-4468-a5ef-c583635cfa92
name: failed_login
logsource:
    product: windows
    service: security
detection:
    selection:
        EventID:
            - 529
            - 4625
    condition: selection
---
title: Successful login
id: 4d0a2c83-c62c-4ed4-b475-c7e23a9269b8
name: successful_login
logsource:
    product: windows
    service: security
detection:
    selection:
        EventID:
            - 528
            - 4624
    condition: selection
`;
    expect(() => loadSigmaRules(example)).toThrow(/references correlation "Multiple failed logons".*chained correlations are outside the supported subset/);
    const [first, ...rest] = example.split("\n---\n");
    const rules = loadSigmaRules(rest.join("\n---\n"));
    expect(first).toContain("temporal_ordered");
    expect(rules.map((r) => [r.id, r.type])).toEqual([
      ["a8418a5a-5fc4-46b5-b23b-6c73beb19d41", "count"],
      ["4d0a2c83-c62c-4ed4-b475-c7e23a9269b8", "match"],
    ]);
    const count = rules[0] as CountRule;
    expect(count.where!(event({ raw: { EventID: 4625 } }))).toBe(true);
    expect(count.where!(event({ raw: { EventID: 4624 } }))).toBe(false);
  });
});
