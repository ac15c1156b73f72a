/**
 * The `detection` section of a Sigma rule compiled into one event predicate
 * (Sigma rules specification v2.0.0, "Detection" and "Condition"):
 * - a map is an AND of its fields, a list of maps an OR of the maps;
 * - a list of plain values is a keyword search (OR; with a `'|all':` key an
 *   AND), matched anywhere in the keyword field (`message` by default);
 * - the condition combines the search identifiers (condition.ts); a list of
 *   conditions is their OR.
 *
 * @module
 */
import type { EventField, EventPredicate } from "../event.js";
import { allOf, anyOf } from "./combine.js";
import { RESERVED_WORDS, compileCondition, parseCondition } from "./condition.js";
import { type CompiledFieldTest, type Refuse, compileFieldTest } from "./field-test.js";

/** What compiling a detection needs from the loader. */
export interface DetectionContext {
  readonly refuse: Refuse;
  /** The event field for a Sigma field name; refuses unmapped names when strict. */
  readonly resolveField: (name: string) => EventField;
  readonly keywordField: EventField;
}

function isMap(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** A map of `Field|modifiers: values` entries: the AND of its entries, cheapest first. */
function compileMap(identifier: string, map: Record<string, unknown>, context: DetectionContext): EventPredicate {
  const keys = Object.keys(map);
  if (keys.length === 0) context.refuse(`search identifier "${identifier}"`, "an empty map matches every event; remove it or add fields");
  const tests: CompiledFieldTest[] = keys.map((key) => {
    const parts = key.split("|");
    const name = parts[0]!;
    const keyword = name === "";
    const field = keyword ? context.keywordField : context.resolveField(name);
    return compileFieldTest(key, field, parts.slice(1), keyword, map[key], context.refuse);
  });
  // Every test is a pure function of the event, so testing the cheap ones
  // first changes nothing but the time a non-matching event takes.
  tests.sort((a, b) => a.cost - b.cost);
  return allOf(tests.map((t) => t.test));
}

/** One search identifier's definition (a map, or a list of maps and keywords). */
function compileSearchIdentifier(identifier: string, definition: unknown, context: DetectionContext): EventPredicate {
  if (isMap(definition)) return compileMap(identifier, definition, context);
  if (Array.isArray(definition)) {
    if (definition.length === 0) context.refuse(`search identifier "${identifier}"`, "an empty list matches nothing");
    const keywords: unknown[] = [];
    const alternatives: EventPredicate[] = [];
    for (const item of definition) {
      if (isMap(item)) alternatives.push(compileMap(identifier, item, context));
      else if (typeof item === "string" || typeof item === "number") keywords.push(item);
      else context.refuse(`search identifier "${identifier}"`, `a list item must be a map or a keyword (string or number), got ${item === null ? "null" : Array.isArray(item) ? "a nested list" : typeof item}`);
    }
    if (keywords.length > 0) alternatives.unshift(compileFieldTest("(keywords)", context.keywordField, [], true, keywords, context.refuse).test);
    return alternatives.length === 1 ? alternatives[0]! : anyOf(alternatives);
  }
  return context.refuse(`search identifier "${identifier}"`, `must be a map of fields or a list, got ${definition === null ? "null" : typeof definition}`);
}

/** Compiles a detection section. */
export function compileDetection(detection: unknown, context: DetectionContext): EventPredicate {
  if (!isMap(detection)) return context.refuse("detection", "must be a map of search identifiers and a condition");
  if ("timeframe" in detection) context.refuse("detection.timeframe", "timeframe belongs to the obsolete Sigma 1 aggregations; write a correlation rule with a timespan instead");
  const identifiers = new Map<string, EventPredicate>();
  for (const [name, definition] of Object.entries(detection)) {
    if (name === "condition") continue;
    if (RESERVED_WORDS.has(name.toLowerCase()) || name === "1") context.refuse(`search identifier "${name}"`, "is a condition keyword and cannot name a search identifier");
    if (!/^[A-Za-z0-9_.-]+$/.test(name)) context.refuse(`search identifier "${name}"`, "may hold only letters, digits, _, . and - (the condition could not name it)");
    identifiers.set(name, compileSearchIdentifier(name, definition, context));
  }
  const condition = detection.condition;
  const conditions = Array.isArray(condition) ? condition : [condition];
  if (conditions.length === 0 || conditions.some((c) => typeof c !== "string" || c.trim() === "")) {
    context.refuse("detection.condition", "must be a non-empty string (or a list of them, joined by or)");
  }
  return anyOf(conditions.map((c) => compileCondition(parseCondition(c as string, context.refuse), identifiers, context.refuse)));
}
