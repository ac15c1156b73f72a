/**
 * `loadSigmaRules`: Sigma detection and correlation rules (YAML, one or more
 * documents per source) compiled into the rule model that the `RuleEngine`
 * runs. The supported subset, the field mapping and every refusal are listed
 * in docs/sigma.md.
 *
 * @module
 */
import { parseAllDocuments } from "yaml";
import { InvalidArgumentError } from "../../errors.js";
import { checkOptionKeys } from "../../sketches/sketch.js";
import type { Severity } from "../alert.js";
import type { ComplianceEvent, EventField, EventPredicate } from "../event.js";
import type { MatchRule, RuleDefinition } from "../rule.js";
import { guardedAll } from "../rules/event-guard.js";
import { compileCorrelation, type ReferencedRule, type RuleHeader } from "./correlation.js";
import { compileDetection } from "./detection.js";
import { isEventField } from "./field-accessor.js";
import type { Refuse } from "./field-test.js";
import { SIGMA_DEFAULT_FIELD_MAP, resolveSigmaField } from "./field-map.js";
import { SigmaRuleError } from "./sigma-rule-error.js";

/**
 * Options of {@link loadSigmaRules}.
 *
 * @example
 * ```ts
 * import { type SigmaLoadOptions, loadSigmaRules } from "papertrail/compliance";
 * const options: SigmaLoadOptions = { fieldMap: { amount: "value" }, strict: true };
 * const [rule] = loadSigmaRules("title: Big\ndetection:\n  big:\n    amount|gt: 10000\n  condition: big\n", options);
 * rule!.type; // => "match"
 * ```
 */
export interface SigmaLoadOptions {
  /** Sigma field name → event field, on top of {@link SIGMA_DEFAULT_FIELD_MAP} (entries here win). */
  readonly fieldMap?: Readonly<Record<string, EventField>>;
  /** `false` starts from an empty map instead of the default one. Default `true`. */
  readonly defaultFieldMap?: boolean;
  /** Refuse a rule that names a field the map does not know (instead of reading `raw.<Field>`). Default `false`. */
  readonly strict?: boolean;
  /** The field keyword searches (lists of plain values) look in. Default `"message"`. */
  readonly keywordField?: EventField;
  /** Severity of a rule without `level`. Default `"medium"`. */
  readonly defaultSeverity?: Severity;
  /**
   * Turns a rule's `logsource` (category, product, service...) into a
   * predicate ANDed with its detection, or `undefined` for none. Without it
   * `logsource` is not matched: every event is tested against the detection.
   */
  readonly logsource?: (logsource: Readonly<Record<string, unknown>>) => EventPredicate | undefined;
}

const OPTION_KEYS = ["fieldMap", "defaultFieldMap", "strict", "keywordField", "defaultSeverity", "logsource"];
const LEVELS: readonly Severity[] = ["informational", "low", "medium", "high", "critical"];

/** One YAML document, read and classified. */
interface Document {
  readonly label: string;
  readonly body: Record<string, unknown>;
  readonly header: RuleHeader;
  readonly name: string | undefined;
  readonly sigmaId: string | undefined;
  /** The compiled detection (detection rules only). */
  where?: EventPredicate;
}

function isMap(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** How a rule is named in messages: its title, id and name as far as known. */
function labelOf(body: Record<string, unknown>, fallback: string): string {
  const parts: string[] = [];
  if (typeof body.id === "string") parts.push(`id ${body.id}`);
  if (typeof body.name === "string") parts.push(`name ${body.name}`);
  const title = typeof body.title === "string" ? JSON.stringify(body.title) : fallback;
  return parts.length === 0 ? title : `${title} (${parts.join(", ")})`;
}

/** A rule id from the title, for rules with neither id nor name. */
function slug(title: string): string {
  return title.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "") || "sigma-rule";
}

/** Validates the options and builds the field map. */
function readOptions(options: SigmaLoadOptions): { map: Record<string, EventField>; strict: boolean; keywordField: EventField; defaultSeverity: Severity; logsource: SigmaLoadOptions["logsource"] } {
  checkOptionKeys("loadSigmaRules", options, OPTION_KEYS);
  const map: Record<string, EventField> = options.defaultFieldMap === false ? {} : { ...SIGMA_DEFAULT_FIELD_MAP };
  if (options.defaultFieldMap !== undefined && typeof options.defaultFieldMap !== "boolean") throw new InvalidArgumentError(`loadSigmaRules option defaultFieldMap must be a boolean, got ${typeof options.defaultFieldMap}`);
  if (options.strict !== undefined && typeof options.strict !== "boolean") throw new InvalidArgumentError(`loadSigmaRules option strict must be a boolean, got ${typeof options.strict}`);
  if (options.fieldMap !== undefined) {
    if (!isMap(options.fieldMap)) throw new InvalidArgumentError("loadSigmaRules option fieldMap must be an object of Sigma field name → event field");
    for (const [name, field] of Object.entries(options.fieldMap)) {
      if (typeof field !== "string" || !isEventField(field)) throw new InvalidArgumentError(`loadSigmaRules option fieldMap.${name}: ${JSON.stringify(field)} is not an event field (kind, user, ip..., metrics.<name> or raw.<path>)`);
      map[name] = field;
    }
  }
  const keywordField = options.keywordField ?? "message";
  if (typeof keywordField !== "string" || !isEventField(keywordField)) throw new InvalidArgumentError(`loadSigmaRules option keywordField: ${JSON.stringify(keywordField)} is not an event field`);
  const defaultSeverity = options.defaultSeverity ?? "medium";
  if (!LEVELS.includes(defaultSeverity)) throw new InvalidArgumentError(`loadSigmaRules option defaultSeverity must be one of ${LEVELS.join(", ")}, got ${JSON.stringify(defaultSeverity)}`);
  if (options.logsource !== undefined && typeof options.logsource !== "function") throw new InvalidArgumentError("loadSigmaRules option logsource must be a function");
  return { map, strict: options.strict ?? false, keywordField, defaultSeverity, logsource: options.logsource };
}

/**
 * Loads Sigma rules (YAML text; several documents per text separated by
 * `---`, several texts as an array) into rule definitions for the
 * `RuleEngine`.
 *
 * - A detection rule becomes a `match` rule, unless a correlation references
 *   it: then, as the correlation spec says (`generate`, default `false`), it
 *   only feeds the correlation, and alerts on its own only when a
 *   correlation referencing it sets `generate: true`.
 * - A correlation (`event_count`, `value_count`, `temporal`,
 *   `temporal_ordered`) becomes a `count`, `distinct` or `sequence` rule
 *   over the rules it references (by `name` or `id`, across every source).
 * - `level` gives the severity; `id` (else `name`, else the title) the rule
 *   id; `description` and `tags` are carried over.
 *
 * Anything outside the supported subset (docs/sigma.md) is refused with a
 * {@link SigmaRuleError} naming the rule and the construct; nothing is
 * loaded half-understood. Matching closures are built here, once.
 *
 * @example
 * ```ts
 * import { type ComplianceEvent, loadSigmaRules } from "papertrail/compliance";
 * const rules = loadSigmaRules(`
 * title: Failed login
 * name: failed_login
 * level: low
 * detection:
 *   selection:
 *     EventType: login
 *     Status|contains: fail
 *   condition: selection
 * ---
 * title: Brute force
 * id: brute-force
 * level: high
 * correlation:
 *   type: event_count
 *   rules: [failed_login]
 *   group-by: [SourceIp]
 *   timespan: 5m
 *   condition: { gte: 5 }
 * `);
 * rules.map((r) => r.type); // => ["count"]
 * const rule = rules[0]!;
 * rule.type === "count" && [rule.window, rule.threshold.gte, rule.groupBy]; // => [300000, 5, ["ip"]]
 * const event: ComplianceEvent = {
 *   kind: "login", time: 0, user: "alice", system: "vpn", ip: "203.0.113.7", session: undefined,
 *   status: "FAILED", outcome: "failure", level: undefined, message: undefined, value: undefined,
 *   metrics: undefined, id: undefined, raw: {},
 * };
 * rule.where!(event); // => true
 * ```
 */
export function loadSigmaRules(source: string | readonly string[], options: SigmaLoadOptions = {}): RuleDefinition[] {
  const { map, strict, keywordField, defaultSeverity, logsource } = readOptions(options);
  const sources = typeof source === "string" ? [source] : source;
  if (!Array.isArray(sources) || sources.some((s) => typeof s !== "string")) throw new InvalidArgumentError("loadSigmaRules needs YAML text or an array of YAML texts");

  const documents: Document[] = [];
  sources.forEach((text, sourceIndex) => {
    parseAllDocuments(text).forEach((doc, docIndex) => {
      const where = `document ${docIndex + 1}${sources.length > 1 ? ` of source ${sourceIndex + 1}` : ""}`;
      if (doc.errors.length > 0) throw new SigmaRuleError(where, "YAML", doc.errors[0]!.message);
      let body: unknown;
      try {
        body = doc.toJS({ maxAliasCount: 100 });
      } catch (error) {
        // The yaml package reports some problems only here (an alias to an
        // anchor never set, too many alias expansions).
        throw new SigmaRuleError(where, "YAML", (error as Error).message);
      }
      if (body === null || body === undefined) return; // an empty document (a trailing ---)
      // An id or name written as a number (`id: 1234`) is that text.
      if (isMap(body)) for (const key of ["id", "name"]) if (typeof body[key] === "number") body[key] = String(body[key]);
      if (!isMap(body)) throw new SigmaRuleError(where, "document", "a Sigma rule is a YAML map");
      const label = labelOf(body, where);
      const refuse: Refuse = (construct, detail) => {
        throw new SigmaRuleError(label, construct, detail);
      };
      if (typeof body.title !== "string" || body.title.length === 0) refuse("title", "is required");
      for (const key of ["id", "name", "description"] as const) {
        if (body[key] !== undefined && typeof body[key] !== "string") refuse(key, `must be a string, got ${typeof body[key]}`);
      }
      if (body.tags !== undefined && (!Array.isArray(body.tags) || body.tags.some((t) => typeof t !== "string"))) refuse("tags", "must be a list of strings");
      let severity = defaultSeverity;
      if (body.level !== undefined) {
        if (!LEVELS.includes(body.level as Severity)) refuse("level", `${JSON.stringify(body.level)} is not a Sigma level (${LEVELS.join(", ")})`);
        severity = body.level as Severity;
      }
      if ("filter" in body) refuse("filter", "Sigma filters (meta filters) are outside the supported subset");
      if (("detection" in body) === ("correlation" in body)) refuse("document", "a rule has either a detection or a correlation section");
      const sigmaId = body.id as string | undefined;
      const name = body.name as string | undefined;
      const header: RuleHeader = {
        id: sigmaId ?? name ?? slug(body.title as string),
        title: body.title as string,
        severity,
        ...(body.description === undefined ? {} : { description: body.description as string }),
        ...(body.tags === undefined ? {} : { tags: [...(body.tags as string[])] }),
      };
      documents.push({ label, body, header, name, sigmaId });
    });
  });

  // Identity: names and ids are references, rule ids must be unique.
  const byReference = new Map<string, Document>();
  const ruleIds = new Map<string, Document>();
  for (const doc of documents) {
    const refuse = (construct: string, detail: string): never => {
      throw new SigmaRuleError(doc.label, construct, detail);
    };
    for (const reference of [doc.name, doc.sigmaId]) {
      if (reference === undefined) continue;
      const other = byReference.get(reference);
      if (other !== undefined && other !== doc) refuse("name/id", `"${reference}" also names rule ${other.label}`);
      byReference.set(reference, doc);
    }
    const other = ruleIds.get(doc.header.id);
    if (other !== undefined) refuse("id", `rule id "${doc.header.id}" is also the id of rule ${other.label} (give each rule an id)`);
    ruleIds.set(doc.header.id, doc);
  }

  // Detections first: correlations reference their predicates.
  for (const doc of documents) {
    if (!("detection" in doc.body)) continue;
    const refuse: Refuse = (construct, detail) => {
      throw new SigmaRuleError(doc.label, construct, detail);
    };
    const resolveField = (name: string): EventField => {
      const field = resolveSigmaField(name, map, strict);
      if (field === undefined) refuse(`field ${name}`, strict ? "is not in the field map (strict)" : "is not a valid field name");
      return field;
    };
    let where = compileDetection(doc.body.detection, { refuse, resolveField, keywordField });
    const source = doc.body.logsource;
    if (logsource !== undefined && isMap(source)) {
      const narrow = logsource(source);
      if (narrow !== undefined) {
        const detection = where;
        where = guardedAll((e: ComplianceEvent) => narrow(e) && detection(e), [narrow, detection]);
      }
    }
    doc.where = where;
  }

  // Correlations, and which detections they keep from alerting alone.
  const referenced = new Set<Document>();
  const generated = new Set<Document>();
  const compiled = new Map<Document, RuleDefinition>();
  for (const doc of documents) {
    if (!("correlation" in doc.body)) continue;
    const refuse: Refuse = (construct, detail) => {
      throw new SigmaRuleError(doc.label, construct, detail);
    };
    const correlation = doc.body.correlation;
    const generate = readGenerate(doc.body, correlation, refuse);
    const resolveRule = (reference: string): ReferencedRule => {
      const target = byReference.get(reference);
      if (target === undefined) return refuse("correlation.rules", `references "${reference}", which no loaded rule has as name or id`);
      if (target.where === undefined) return refuse("correlation.rules", `references correlation ${target.label}: chained correlations are outside the supported subset`);
      referenced.add(target);
      if (generate) generated.add(target);
      return { reference, name: target.name, where: target.where };
    };
    const resolveField = (name: string): EventField => {
      const field = resolveSigmaField(name, map, strict);
      if (field === undefined) refuse(`field ${name}`, strict ? "is not in the field map (strict)" : "is not a valid field name");
      return field;
    };
    compiled.set(doc, compileCorrelation(correlation, doc.header, { refuse, resolveField, resolveRule }));
  }

  const rules: RuleDefinition[] = [];
  for (const doc of documents) {
    const correlation = compiled.get(doc);
    if (correlation !== undefined) {
      rules.push(correlation);
    } else if (!referenced.has(doc) || generated.has(doc)) {
      const match: MatchRule = { ...doc.header, type: "match", where: doc.where! };
      rules.push(match);
    }
  }
  return rules;
}

/** `generate` (correlation spec "Generate"): top-level, or inside the correlation section as some tools write it. */
function readGenerate(body: Record<string, unknown>, correlation: unknown, refuse: Refuse): boolean {
  const inner = isMap(correlation) ? correlation.generate : undefined;
  for (const value of [body.generate, inner]) {
    if (value !== undefined && typeof value !== "boolean") refuse("generate", `must be true or false, got ${JSON.stringify(value)}`);
  }
  if (body.generate !== undefined && inner !== undefined && body.generate !== inner) refuse("generate", "is given twice with different values");
  return (body.generate ?? inner ?? false) as boolean;
}
