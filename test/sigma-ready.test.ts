// The ready rules of the rules cookbook written in Sigma
// (test/fixtures/sigma/ready/*.yml): each loads cleanly, compiles to the
// expected rule shape, and its predicates pick the events the rule is about.
// docs/rules.md (the cookbook) shows each file verbatim (checked here).
// End-to-end runs on a stream follow when the RuleEngine is merged.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { type ComplianceEvent, type RuleDefinition, loadSigmaRules } from "../src/compliance/index.js";
import { event } from "./support/sigma-events.js";

const dir = fileURLToPath(new URL("./fixtures/sigma/ready/", import.meta.url));
const files = readdirSync(dir).filter((f) => f.endsWith(".yml")).sort();
const load = (file: string): RuleDefinition[] => loadSigmaRules(readFileSync(join(dir, file), "utf8"));

const failedLogin = event({ kind: "login", outcome: "failure", status: "failed", user: "alice", ip: "203.0.113.7", raw: { event_type: "login", user_id: "alice", metadata: { ip: "203.0.113.7", status: "failed" } } });
const okLogin = event({ kind: "login", outcome: "success", status: "ok", user: "alice", ip: "198.51.100.2" });
const errorLog = event({ kind: "log", level: "ERROR", message: "db timeout", system: "api", raw: { level: "ERROR", message: "db timeout", service: "api" } });
const keywordLog = event({ kind: "log", level: "WARN", message: "Unauthorized access to /admin", raw: { level: "WARN", message: "Unauthorized access to /admin" } });
const infoLog = event({ kind: "log", level: "INFO", message: "ok" });
const bigTransaction = event({ kind: "transaction", user: "bob", value: 25_000, raw: { user: "bob", amount: 25_000, timestamp: 0 } });
const smallTransaction = event({ kind: "transaction", user: "bob", value: 20, raw: { user: "bob", amount: 20, timestamp: 0 } });
const hotSlow = event({ kind: "metric", system: "api", metrics: { cpu: 91, latency_ms: 1500 }, raw: { service: "api", cpu: 91, latency_ms: 1500, timestamp: 0 } });
const hotFast = event({ kind: "metric", system: "api", metrics: { cpu: 91, latency_ms: 20 }, raw: { service: "api", cpu: 91, latency_ms: 20, timestamp: 0 } });
const coolSlow = event({ kind: "metric", system: "api", metrics: { cpu: 10, latency_ms: 1500 }, raw: { service: "api", cpu: 10, latency_ms: 1500, timestamp: 0 } });
const anonymous = event({ kind: "log", message: "x" });
const all: Record<string, ComplianceEvent> = { failedLogin, okLogin, errorLog, keywordLog, infoLog, bigTransaction, smallTransaction, hotSlow, hotFast, coolSlow, anonymous };

/** The names of the events `where` picks. */
const picks = (rule: RuleDefinition) => Object.entries(all).filter(([, e]) => rule.where === undefined || rule.where(e)).map(([name]) => name);

const expected: Record<string, { shape: Record<string, unknown>; picks: string[] }> = {
  "brute-force.yml": { shape: { id: "ready-brute-force", type: "count", severity: "high", groupBy: ["ip"], window: 300_000, threshold: { gte: 5 } }, picks: ["failedLogin"] },
  "error-spike.yml": { shape: { id: "ready-error-spike", type: "count", window: 180_000, threshold: { gte: 20 } }, picks: ["errorLog"] },
  "keyword.yml": { shape: { id: "ready-keyword", type: "match" }, picks: ["keywordLog"] },
  "per-user-spike.yml": { shape: { id: "ready-per-user-spike", type: "count", groupBy: ["user"], window: 60_000, threshold: { gte: 100 } }, picks: ["failedLogin", "okLogin", "bigTransaction", "smallTransaction"] },
  "transaction-frequency.yml": { shape: { id: "ready-transaction-frequency", type: "count", groupBy: ["user"], window: 300_000, threshold: { gte: 10 } }, picks: ["bigTransaction", "smallTransaction"] },
  "large-transaction.yml": { shape: { id: "ready-large-transaction", type: "match" }, picks: ["bigTransaction"] },
  "high-latency.yml": { shape: { id: "ready-high-latency", type: "match" }, picks: ["hotSlow", "coolSlow"] },
  "cpu-and-latency.yml": { shape: { id: "ready-cpu-and-latency", type: "match", severity: "high" }, picks: ["hotSlow"] },
  "password-spraying.yml": { shape: { id: "ready-password-spraying", type: "distinct", groupBy: ["ip"], field: "user", window: 600_000, threshold: { gt: 10 } }, picks: ["failedLogin"] },
  "user-many-ips.yml": { shape: { id: "ready-user-many-ips", type: "distinct", groupBy: ["user"], field: "ip", window: 3_600_000, threshold: { gt: 5 } }, picks: ["failedLogin", "okLogin"] },
};

describe("ready rules in Sigma", () => {
  it("every fixture has an expectation", () => {
    expect(files).toEqual(Object.keys(expected).sort());
  });

  it.each(files)("%s loads into one rule of the expected shape, picking the right events", (file) => {
    const rules = load(file);
    expect(rules).toHaveLength(1);
    expect(rules[0]).toMatchObject(expected[file]!.shape);
    expect(picks(rules[0]!)).toEqual(expected[file]!.picks);
  });

  it("all ready rules load together in one call, with distinct ids", () => {
    const rules = loadSigmaRules(files.map((f) => readFileSync(join(dir, f), "utf8")));
    expect(rules.map((r) => r.id).sort()).toEqual(Object.values(expected).map((e) => e.shape.id).sort());
  });

  it("the rules cookbook (docs/rules.md) shows every fixture verbatim", () => {
    const docs = readFileSync(fileURLToPath(new URL("../docs/rules.md", import.meta.url)), "utf8");
    for (const file of files) expect(docs, file).toContain("```yaml\n" + readFileSync(join(dir, file), "utf8") + "```");
  });
});
