/**
 * A Sigma correlation rule compiled into the rule model (Sigma correlation
 * rules specification v2.0.0):
 * - `event_count` → {@link CountRule}, `value_count` → {@link DistinctRule}
 *   (the counted field is `condition.field`), `temporal` /
 *   `temporal_ordered` → {@link SequenceRule} whose steps are the referenced
 *   rules in the order listed;
 * - `where` is the OR of the referenced rules' predicates; `group-by`
 *   becomes `groupBy` through the field mapping; `timespan` the window;
 * - `aliases` are accepted when every rule's field of an alias maps to the
 *   same event field (the rule model groups every event by the same
 *   fields), and refused otherwise.
 *
 * The spec leaves the window type to the engine; the RuleEngine's windows
 * slide over event time (rule.ts).
 *
 * @module
 */
import type { Severity } from "../alert.js";
import type { EventField, EventPredicate } from "../event.js";
import type { CountRule, DistinctRule, RuleDefinition, SequenceRule, Threshold } from "../rule.js";
import { anyOf } from "./combine.js";
import { parseCondition } from "./condition.js";
import type { Refuse } from "./field-test.js";
import { parseTimespan } from "./timespan.js";

/** A detection rule a correlation can reference. */
export interface ReferencedRule {
  /** The reference as the correlation wrote it (its name or id). */
  readonly reference: string;
  /** The rule's `name`, when it has one (aliases key on it). */
  readonly name: string | undefined;
  readonly where: EventPredicate;
}

/** What compiling a correlation needs from the loader. */
export interface CorrelationContext {
  readonly refuse: Refuse;
  readonly resolveField: (name: string) => EventField;
  /** The detection rule a reference names; refuses missing and correlation references. */
  readonly resolveRule: (reference: string) => ReferencedRule;
}

/** The rule's identity and metadata, already read by the loader. */
export interface RuleHeader {
  readonly id: string;
  readonly title: string;
  readonly severity: Severity;
  readonly description?: string;
  readonly tags?: readonly string[];
}

const CORRELATION_KEYS = new Set(["type", "rules", "group-by", "timespan", "condition", "aliases", "generate"]);
const THRESHOLD_KEYS = ["gt", "gte", "lt", "lte", "eq"] as const;

function isMap(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** Whether `count` satisfies every key of `threshold`. */
export function thresholdHolds(threshold: Threshold, count: number): boolean {
  return (
    (threshold.gt === undefined || count > threshold.gt) &&
    (threshold.gte === undefined || count >= threshold.gte) &&
    (threshold.lt === undefined || count < threshold.lt) &&
    (threshold.lte === undefined || count <= threshold.lte) &&
    (threshold.eq === undefined || count === threshold.eq)
  );
}

/** Reads the gt/gte/lt/lte/eq keys of a correlation condition (other keys: `allowed` or refused). */
function readThreshold(condition: Record<string, unknown>, allowed: readonly string[], refuse: Refuse): Threshold {
  const threshold: Record<string, number> = {};
  for (const [key, value] of Object.entries(condition)) {
    if (allowed.includes(key)) continue;
    if (!(THRESHOLD_KEYS as readonly string[]).includes(key)) refuse(`correlation.condition.${key}`, `unknown key (expected gt, gte, lt, lte, eq${allowed.length > 0 ? `, ${allowed.join(", ")}` : ""})`);
    if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) refuse(`correlation.condition.${key}`, `must be a non-negative integer, got ${JSON.stringify(value)}`);
    threshold[key] = value;
  }
  if (Object.keys(threshold).length === 0) refuse("correlation.condition", "needs at least one of gt, gte, lt, lte, eq");
  // A count that fires is at least 1: refuse ranges no count can meet.
  const t = threshold as Threshold;
  const low = Math.max(1, t.gt === undefined ? 1 : t.gt + 1, t.gte ?? 1, t.eq ?? 1);
  const high = Math.min(t.lt === undefined ? Infinity : t.lt - 1, t.lte ?? Infinity, t.eq ?? Infinity);
  if (low > high) refuse("correlation.condition", `${JSON.stringify(threshold)} holds for no count of one or more`);
  return t;
}

/** Compiles the `correlation` section of a rule. */
export function compileCorrelation(correlation: unknown, header: RuleHeader, context: CorrelationContext): RuleDefinition {
  const { refuse } = context;
  if (!isMap(correlation)) return refuse("correlation", "must be a map");
  for (const key of Object.keys(correlation)) {
    if (!CORRELATION_KEYS.has(key)) refuse(`correlation.${key}`, "unknown key (expected type, rules, group-by, timespan, condition, aliases, generate)");
  }
  const type = correlation.type;
  if (type !== "event_count" && type !== "value_count" && type !== "temporal" && type !== "temporal_ordered") {
    return refuse("correlation.type", `${JSON.stringify(type)} is outside the supported subset (event_count, value_count, temporal, temporal_ordered)`);
  }

  const references = correlation.rules;
  if (!Array.isArray(references) || references.length === 0 || references.some((r) => typeof r !== "string")) {
    return refuse("correlation.rules", "must be a non-empty list of rule names or ids");
  }
  if (new Set(references).size !== references.length) refuse("correlation.rules", "lists a rule twice");
  const rules = (references as string[]).map((reference) => context.resolveRule(reference));

  const window = parseTimespan(correlation.timespan);
  if (window === undefined) refuse("correlation.timespan", `${JSON.stringify(correlation.timespan)} is not a timespan (a positive integer and s, m, h or d: 30s, 5m, 1h, 1d)`);

  const aliases = readAliases(correlation.aliases, rules, context);
  let groupBy: EventField[] | undefined;
  if (correlation["group-by"] !== undefined) {
    const names = correlation["group-by"];
    if (!Array.isArray(names) || names.length === 0 || names.some((n) => typeof n !== "string")) return refuse("correlation.group-by", "must be a non-empty list of field names");
    groupBy = (names as string[]).map((name) => aliases.get(name) ?? context.resolveField(name));
    if (new Set(groupBy).size !== groupBy.length) refuse("correlation.group-by", `names one event field twice (${JSON.stringify(names)} → ${JSON.stringify(groupBy)})`);
  }

  const where = anyOf(rules.map((rule) => rule.where));
  const base = { ...header, where, ...(groupBy === undefined ? {} : { groupBy }) };
  const condition = correlation.condition;

  if (type === "event_count") {
    if (!isMap(condition)) return refuse("correlation.condition", "event_count needs a condition map (gt, gte, lt, lte, eq)");
    const rule: CountRule = { ...base, type: "count", window: window!, threshold: readThreshold(condition, [], refuse) };
    return rule;
  }
  if (type === "value_count") {
    if (!isMap(condition)) return refuse("correlation.condition", "value_count needs a condition map with field and gt, gte, lt, lte or eq");
    let field = condition.field;
    if (Array.isArray(field) && field.length === 1) field = field[0];
    if (typeof field !== "string") {
      return refuse("correlation.condition.field", Array.isArray(field) ? "counting the values of several fields together is outside the supported subset (give one field)" : "value_count needs the field whose distinct values are counted");
    }
    const rule: DistinctRule = { ...base, type: "distinct", field: aliases.get(field) ?? context.resolveField(field), window: window!, threshold: readThreshold(condition, ["field"], refuse) };
    return rule;
  }
  checkTemporalCondition(condition, references as string[], refuse);
  const rule: SequenceRule = {
    ...base,
    type: "sequence",
    ordered: type === "temporal_ordered",
    window: window!,
    steps: rules.map((r) => ({ name: r.reference, where: r.where })),
  };
  return rule;
}

/**
 * A temporal condition counts the referenced rules that matched; the rule
 * model's sequence needs all of them, so only conditions that hold for all
 * and for no fewer are accepted: none, a threshold such as `gte: n` or
 * `eq: n` (n rules), or the string form `a and b and c` naming each rule.
 */
function checkTemporalCondition(condition: unknown, references: readonly string[], refuse: Refuse): void {
  if (condition === undefined) return;
  const n = references.length;
  if (isMap(condition)) {
    const threshold = readThreshold(condition, [], refuse);
    let fewer = false;
    for (let k = 0; k < n; k++) if (thresholdHolds(threshold, k)) fewer = true;
    if (!thresholdHolds(threshold, n) || fewer) {
      refuse("correlation.condition", `${JSON.stringify(condition)}: a temporal correlation is supported only when all ${n} referenced rules must match (e.g. gte: ${n})`);
    }
    return;
  }
  if (typeof condition === "string") {
    const tree = parseCondition(condition, refuse);
    const named = tree.type === "and" ? tree.operands : [tree];
    const names = named.map((node) => (node.type === "identifier" ? node.name : undefined));
    const complete = names.every((name) => name !== undefined) && new Set(names).size === n && names.length === n && references.every((r) => names.includes(r));
    if (!complete) refuse("correlation.condition", `${JSON.stringify(condition)}: a temporal condition is supported only as the AND of every referenced rule`);
    return;
  }
  refuse("correlation.condition", `must be a map or a string, got ${JSON.stringify(condition)}`);
}

/** `aliases` as alias → event field, when each alias maps every rule's field to one event field. */
function readAliases(aliases: unknown, rules: readonly ReferencedRule[], context: CorrelationContext): Map<string, EventField> {
  const result = new Map<string, EventField>();
  if (aliases === undefined) return result;
  if (!isMap(aliases)) return context.refuse("correlation.aliases", "must be a map of alias → (rule name → field)");
  const names = new Set(rules.map((r) => r.name));
  for (const [alias, mapping] of Object.entries(aliases)) {
    if (!isMap(mapping) || Object.keys(mapping).length === 0) return context.refuse(`correlation.aliases.${alias}`, "must map rule names to field names");
    const fields = new Set<EventField>();
    for (const [ruleName, field] of Object.entries(mapping)) {
      if (!names.has(ruleName)) context.refuse(`correlation.aliases.${alias}`, `names rule "${ruleName}", which the correlation does not reference by name`);
      if (typeof field !== "string") context.refuse(`correlation.aliases.${alias}.${ruleName}`, "must be a field name");
      fields.add(context.resolveField(field));
    }
    if (rules.some((r) => r.name === undefined || !Object.prototype.hasOwnProperty.call(mapping, r.name))) {
      context.refuse(`correlation.aliases.${alias}`, "must give a field for every referenced rule");
    }
    if (fields.size > 1) {
      context.refuse(`correlation.aliases.${alias}`, `maps the rules' fields onto different event fields (${[...fields].join(", ")}); the rule model groups every event by the same fields, so per-rule aliases are outside the supported subset`);
    }
    result.set(alias, [...fields][0]!);
  }
  return result;
}
