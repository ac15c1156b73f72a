import { createEnvelope } from "../../codec/envelope.js";
import { DecodeError, ParameterMismatchError } from "../../errors.js";
import type { EngineParameters } from "../rule-engine.js";
import { Cooldown } from "./cooldown-queue.js";
import { type RuleEvaluator, STAT_NAMES, timeOrNull } from "./rule-evaluator.js";

const FORMAT = "papertrail.rules";
const VERSION = 1;

/** What a rule engine image holds besides the evaluators' state. @internal */
export interface RuleEngineImage {
  readonly parameters: EngineParameters;
  readonly watermark: number;
  readonly counters: readonly [events: number, late: number, invalid: number, sinkErrors: number];
}

/** Writes the image (docs/format.md, "Rule engine"). @internal */
export function writeRuleEngineImage(image: RuleEngineImage & { readonly evaluators: readonly RuleEvaluator[] }): Uint8Array<ArrayBuffer> {
  const p = image.parameters;
  return createEnvelope().encode({
    format: FORMAT,
    version: VERSION,
    parameters: [p.maxKeysPerRule, p.allowedLateness, p.slices, p.maxDistinctValues, p.idleTimeout],
    watermark: timeOrNull(image.watermark),
    counters: [...image.counters],
    rules: image.evaluators.map((evaluator) => {
      const table = evaluator.table;
      const keys: unknown[] = [];
      if (table !== undefined) {
        for (const slot of table.slots()) keys.push([table.keyOf(slot), table.touchedAt(slot), evaluator.exportSlot(slot)]);
      }
      const cooldowns = evaluator.queuedCooldowns().map((c) => [
        c.key,
        c.until,
        c.suppressed,
        timeOrNull(c.first),
        timeOrNull(c.last),
        c.system ?? null,
        c.user ?? null,
        Object.entries(c.group).flat(),
      ]);
      return [evaluator.rule.id, evaluator.shape(), evaluator.stats.slice(), keys, cooldowns];
    }),
  });
}

const isCount = (value: unknown): value is number => typeof value === "number" && Number.isSafeInteger(value) && value >= 0;
const isTime = (value: unknown): value is number => typeof value === "number" && Number.isFinite(value);
const optionalString = (value: unknown): value is string | null => value === null || typeof value === "string";

/**
 * Reads an image into `evaluators` (fresh, built from the same rules):
 * checks the engine parameters and each rule's id and shape
 * (`ParameterMismatchError`), then every field (`DecodeError`).
 *
 * @internal
 */
export function readRuleEngineImage(bytes: Uint8Array, parameters: EngineParameters, evaluators: readonly RuleEvaluator[]): RuleEngineImage {
  const record = createEnvelope({ maxDepth: 8 }).decode(bytes);
  const bad = (message: string): never => {
    throw new DecodeError("invalid-field", `RuleEngine image: ${message}`);
  };
  if (record === null || typeof record !== "object" || Array.isArray(record) || record instanceof Map) return bad("not a rule engine image");
  const image = record as Record<string, unknown>;
  if (image.format !== FORMAT) bad(`format ${JSON.stringify(image.format)} is not ${FORMAT}`);
  if (image.version !== VERSION) {
    throw new DecodeError("unsupported-version", `RuleEngine image: version ${String(image.version)} is not supported (supported: ${VERSION})`);
  }
  const stored = image.parameters;
  if (!Array.isArray(stored) || stored.length !== 5 || !stored.every(isTime)) return bad("parameters must be 5 numbers");
  const mine = [parameters.maxKeysPerRule, parameters.allowedLateness, parameters.slices, parameters.maxDistinctValues, parameters.idleTimeout];
  const names = ["maxKeysPerRule", "allowedLateness", "slices", "maxDistinctValues", "idleTimeout"];
  mine.forEach((value, index) => {
    if (stored[index] !== value) {
      throw new ParameterMismatchError(`RuleEngine(${names[index]}=${value})`, `image(${names[index]}=${String(stored[index])})`, `the engine options must match the snapshot's`);
    }
  });
  const watermark = image.watermark === null ? Number.NEGATIVE_INFINITY : image.watermark;
  if (!isTime(watermark) && watermark !== Number.NEGATIVE_INFINITY) bad("watermark must be a number or null");
  const counters = image.counters;
  if (!Array.isArray(counters) || counters.length !== 4 || !counters.every(isCount)) return bad("counters must be 4 counts");
  const rules = image.rules;
  if (!Array.isArray(rules)) return bad("rules must be an array");
  const ids = (list: readonly unknown[]): string => list.map((entry) => (Array.isArray(entry) ? String(entry[0]) : "?")).join(", ");
  if (rules.length !== evaluators.length) {
    throw new ParameterMismatchError(`rules [${evaluators.map((e) => e.rule.id).join(", ")}]`, `image rules [${ids(rules)}]`, "the rules must be the ones the snapshot was taken with");
  }
  rules.forEach((entry, index) => {
    const evaluator = evaluators[index] as RuleEvaluator;
    if (!Array.isArray(entry) || entry.length !== 5) bad(`rule ${index}: malformed entry`);
    const [id, shape] = entry as unknown[];
    if (id !== evaluator.rule.id || shape !== evaluator.shape()) {
      throw new ParameterMismatchError(
        `rule "${evaluator.rule.id}" ${evaluator.shape()}`,
        `image rule "${String(id)}" ${String(shape)}`,
        "the rules must be the ones the snapshot was taken with",
      );
    }
  });
  rules.forEach((entry, index) => readRule(entry as unknown[], evaluators[index] as RuleEvaluator, watermark as number, bad));
  return { parameters, watermark: watermark as number, counters: counters as unknown as RuleEngineImage["counters"] };
}

function readRule(entry: readonly unknown[], evaluator: RuleEvaluator, watermark: number, bad: (message: string) => never): void {
  const [, , stats, keys, cooldowns] = entry;
  const id = evaluator.rule.id;
  if (!(stats instanceof Float64Array) || stats.length !== STAT_NAMES.length || !stats.every(isCount)) bad(`rule "${id}": stats must be ${STAT_NAMES.length} counts`);
  evaluator.stats.set(stats as Float64Array);
  if (!Array.isArray(keys)) return bad(`rule "${id}": keys must be an array`);
  const table = evaluator.table;
  if (table === undefined && keys.length > 0) bad(`rule "${id}" keeps no keys`);
  if (table !== undefined && keys.length > table.maxKeys) bad(`rule "${id}": ${keys.length} keys exceed maxKeysPerRule`);
  let previous = Number.NEGATIVE_INFINITY;
  for (const item of keys as unknown[]) {
    if (!Array.isArray(item) || item.length !== 3) bad(`rule "${id}": malformed key entry`);
    const [key, touched, state] = item as unknown[];
    if (typeof key !== "string") bad(`rule "${id}": keys must be strings`);
    if (!isTime(touched) || touched > watermark || touched < previous) bad(`rule "${id}": key touch times must be numbers in increasing order, not after the watermark`);
    previous = touched as number;
    if (!Array.isArray(state)) bad(`rule "${id}": malformed key state`);
    const t = table as NonNullable<typeof table>;
    if (t.find(key as string) !== undefined) bad(`rule "${id}": duplicate key`);
    const slot = t.slotAt(key as string, touched as number);
    const reason = evaluator.importSlot(slot, state as unknown[]);
    if (reason !== undefined) bad(`rule "${id}", key ${JSON.stringify(key)}: ${reason}`);
  }
  if (!Array.isArray(cooldowns)) return bad(`rule "${id}": cooldowns must be an array`);
  for (const item of cooldowns as unknown[]) {
    if (!Array.isArray(item) || item.length !== 8) bad(`rule "${id}": malformed cooldown`);
    const [key, until, suppressed, first, last, system, user, group] = item as unknown[];
    const slot = typeof key === "string" ? table?.find(key) : undefined;
    if (slot === undefined) return bad(`rule "${id}": cooldown of a key that is not live`);
    if (evaluator.cooldowns.has(slot)) bad(`rule "${id}": two cooldowns for one key`);
    if (!isTime(until) || !isCount(suppressed)) bad(`rule "${id}": cooldown end and count must be numbers`);
    if ((first !== null && !isTime(first)) || (last !== null && !isTime(last))) bad(`rule "${id}": cooldown times must be numbers or null`);
    if ((suppressed as number) > 0 && (first === null || last === null)) bad(`rule "${id}": a cooldown with suppressed alerts needs their times`);
    if (!optionalString(system) || !optionalString(user)) bad(`rule "${id}": cooldown system and user must be strings or null`);
    if (!Array.isArray(group) || group.length % 2 !== 0 || !group.every((part) => typeof part === "string")) bad(`rule "${id}": cooldown group must be name, value pairs`);
    const parts = group as string[];
    const pairs: [string, string][] = [];
    for (let i = 0; i < parts.length; i += 2) pairs.push([parts[i] as string, parts[i + 1] as string]);
    const record: Record<string, string> = Object.fromEntries(pairs); // own properties, even "__proto__"
    const cooldown = new Cooldown(key as string, slot, until as number, record, system ?? undefined, user ?? undefined);
    cooldown.suppressed = suppressed as number;
    cooldown.first = (first as number | null) ?? Number.POSITIVE_INFINITY;
    cooldown.last = (last as number | null) ?? Number.NEGATIVE_INFINITY;
    evaluator.restoreCooldown(cooldown);
  }
}
