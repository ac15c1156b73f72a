/**
 * The rule model: plain data (plus predicates) that the `RuleEngine`
 * evaluates incrementally. Native rules are written in it directly; Sigma
 * rules (`loadSigmaRules`) compile into it. Every ready rule of the
 * cookbook (docs/rules.md) is one of these.
 *
 * Windows are **sliding** over event time: a count rule fires when the
 * events of one group within any span of `window` milliseconds (ending at
 * the latest event) reach the threshold.
 *
 * @module
 */
import type { Severity } from "./alert.js";
import type { EventField, EventPredicate } from "./event.js";

/**
 * A comparison with a threshold, Sigma's correlation `condition`: one or two
 * of the keys (two make a range, both must hold).
 *
 * @example
 * ```ts
 * import type { Threshold } from "papertrail/compliance";
 * const atLeastFive: Threshold = { gte: 5 };
 * atLeastFive.gte; // => 5
 * ```
 */
export interface Threshold {
  readonly gt?: number;
  readonly gte?: number;
  readonly lt?: number;
  readonly lte?: number;
  readonly eq?: number;
}

/**
 * What every rule has.
 *
 * @example
 * ```ts
 * import type { RuleBase } from "papertrail/compliance";
 * const base: RuleBase = { id: "r1", title: "Example", severity: "low", groupBy: ["user"], cooldown: 60_000 };
 * base.groupBy; // => ["user"]
 * ```
 */
export interface RuleBase {
  /** Unique among the engine's rules; part of alert ids. */
  readonly id: string;
  readonly title: string;
  readonly severity: Severity;
  readonly description?: string;
  readonly tags?: readonly string[];
  /** The events the rule looks at; every event when absent. */
  readonly where?: EventPredicate;
  /**
   * The event kinds the rule looks at, when it only looks at some: an event
   * of another kind skips the rule as if its filter (`where`; `sample` for a
   * sustained rule) had rejected it. The engine picks the rules of each kind
   * from a table made once, so a rule that declares its kinds costs nothing
   * per event of the other kinds. Every kind when absent.
   */
  readonly kinds?: readonly string[];
  /** Fields whose values form the group key; one group when absent. An event missing a group field is not counted by the rule. */
  readonly groupBy?: readonly EventField[];
  /**
   * After an alert, further alerts of the same rule and group within this
   * many milliseconds are suppressed and counted; when it ends a summary
   * alert reports how many. Defaults to the rule's window (0 for `match`).
   */
  readonly cooldown?: number;
  /**
   * The event field the allow-list is checked against (`ip` by default);
   * events whose value is allow-listed do not reach the rule. `false`
   * turns allow-listing off for this rule.
   */
  readonly allowListField?: EventField | false;
}

/**
 * Every matching event alerts (amount > 10000, latency > 1000 ms).
 * `value`, when given, is the field reported as the alert's value.
 *
 * @example
 * ```ts
 * import type { MatchRule } from "papertrail/compliance";
 * const bigTransfer: MatchRule = { id: "large-transaction", title: "Large transaction", severity: "medium", type: "match", where: (e) => e.kind === "transaction" && (e.value ?? 0) > 10_000, value: "value" };
 * bigTransfer.type; // => "match"
 * ```
 */
export interface MatchRule extends RuleBase {
  readonly type: "match";
  readonly value?: EventField;
}

/**
 * Sigma `event_count`: the number of matching events of a group within `window` ms meets `threshold`. After firing the group's count resets.
 *
 * @example
 * ```ts
 * import type { CountRule } from "papertrail/compliance";
 * const errorSpike: CountRule = { id: "error-spike", title: "Error spike", severity: "high", type: "count", where: (e) => e.level === "ERROR", window: 180_000, threshold: { gte: 20 } };
 * errorSpike.window; // => 180000
 * ```
 */
export interface CountRule extends RuleBase {
  readonly type: "count";
  readonly window: number;
  readonly threshold: Threshold;
}

/**
 * Sigma `value_count`: the number of distinct values of `field` in a group within `window` ms meets `threshold` (password spraying: distinct users per IP).
 *
 * @example
 * ```ts
 * import type { DistinctRule } from "papertrail/compliance";
 * const spraying: DistinctRule = { id: "password-spray", title: "Password spraying", severity: "high", type: "distinct", where: (e) => e.outcome === "failure", groupBy: ["ip"], field: "user", window: 600_000, threshold: { gt: 10 } };
 * spraying.field; // => "user"
 * ```
 */
export interface DistinctRule extends RuleBase {
  readonly type: "distinct";
  readonly field: EventField;
  readonly window: number;
  readonly threshold: Threshold;
}

/**
 * Sigma `temporal` / `temporal_ordered`: every step matched by the group within `window` ms (in the steps' order when `ordered`).
 *
 * @example
 * ```ts
 * import type { SequenceRule } from "papertrail/compliance";
 * const escalation: SequenceRule = { id: "fail-then-admin", title: "Failures then admin access", severity: "critical", type: "sequence", groupBy: ["user"], ordered: true, window: 600_000, steps: [{ name: "failed", where: (e) => e.outcome === "failure" }, { name: "admin", where: (e) => e.system === "admin" }] };
 * escalation.steps.length; // => 2
 * ```
 */
export interface SequenceRule extends RuleBase {
  readonly type: "sequence";
  readonly steps: readonly { readonly name: string; readonly where: EventPredicate }[];
  readonly ordered: boolean;
  readonly window: number;
}

/**
 * A condition that holds over consecutive matching samples of a group: `samples` in a row, or for `duration` ms (CPU ≥ 80 % sustained). A non-matching sample of the group (an event that passes `sample` but not `where`) restarts it.
 *
 * @example
 * ```ts
 * import type { SustainedRule } from "papertrail/compliance";
 * const hotCpu: SustainedRule = { id: "cpu-sustained", title: "CPU high", severity: "medium", type: "sustained", groupBy: ["system"], sample: (e) => e.metrics?.cpu !== undefined, where: (e) => (e.metrics?.cpu ?? 0) >= 80, samples: 3 };
 * hotCpu.samples; // => 3
 * ```
 */
export interface SustainedRule extends RuleBase {
  readonly type: "sustained";
  /** The events that are samples of the series (`where` then says which samples are "high"). */
  readonly sample: EventPredicate;
  readonly samples?: number;
  readonly duration?: number;
}

/**
 * Dynamic baseline: the group's `field` exceeds mean + `sigmas`·σ of its recent values (the last `window` ms), once at least `minSamples` are known.
 *
 * @example
 * ```ts
 * import type { BaselineRule } from "papertrail/compliance";
 * const latencyOutlier: BaselineRule = { id: "latency-baseline", title: "Latency outlier", severity: "medium", type: "baseline", groupBy: ["system"], field: "metrics.latency_ms", sigmas: 3, window: 3_600_000, minSamples: 30 };
 * latencyOutlier.sigmas; // => 3
 * ```
 */
export interface BaselineRule extends RuleBase {
  readonly type: "baseline";
  readonly field: EventField;
  readonly sigmas: number;
  readonly window: number;
  readonly minSamples: number;
}

/**
 * A rule.
 *
 * @example
 * ```ts
 * import type { RuleDefinition } from "papertrail/compliance";
 * const bruteForce: RuleDefinition = {
 *   id: "brute-force", title: "Brute force", severity: "high", type: "count",
 *   where: (e) => e.kind === "login" && e.outcome === "failure",
 *   groupBy: ["ip"], window: 300_000, threshold: { gte: 5 },
 * };
 * bruteForce.type; // => "count"
 * ```
 */
export type RuleDefinition = MatchRule | CountRule | DistinctRule | SequenceRule | SustainedRule | BaselineRule;
