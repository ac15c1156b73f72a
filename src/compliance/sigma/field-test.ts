/**
 * One `Field|modifiers: value(s)` entry of a Sigma selection, compiled into
 * an event predicate (Sigma rules specification v2.0.0, "Maps", "Special
 * Field Values", "Field Existence", "Value Modifiers"; Sigma modifiers
 * appendix v2.1.0).
 *
 * How a field's value compares with a rule value:
 * - strings (and rule numbers and booleans, as text) case-insensitively,
 *   with wildcards (string-pattern.ts); a field holding a number equals a
 *   rule value that is that number's canonical text (`4625` and `'4625'`
 *   both match 4625); a boolean field compares as `true` / `false`;
 * - `null` matches an absent field (or a `null` in the original record);
 * - a field holding an array (in the original record) matches when any of
 *   its elements does; objects match nothing but `exists`;
 * - a list of rule values is an OR, or an AND with `all`.
 *
 * @module
 */
import type { EventField, EventPredicate } from "../event.js";
import { type CidrRange, cidrContains, parseCidr, parseIpInto } from "../ip.js";
import { allOf, anyOf } from "./combine.js";
import { type EventGuard, guarded } from "../rules/event-guard.js";
import { fieldReader, testField, testFieldEquals } from "./field-accessor.js";
import { containsAnyFolded, equalsFolded, foldString, isFoldFixed, unitMask } from "./case-fold.js";
import { type StringPlacement, compileStringPattern, isLiteral, literalValue } from "./string-pattern.js";

/** Throws the loader's SigmaRuleError for the rule being compiled. */
export type Refuse = (construct: string, detail: string) => never;

/** Modifiers Sigma defines that this loader refuses, with the reason shown to the rule author. */
const REFUSED_MODIFIERS: Readonly<Record<string, string>> = {
  base64: "encoding modifiers are outside the supported subset",
  base64offset: "encoding modifiers are outside the supported subset",
  utf16: "encoding modifiers are outside the supported subset",
  utf16le: "encoding modifiers are outside the supported subset",
  utf16be: "encoding modifiers are outside the supported subset",
  wide: "encoding modifiers are outside the supported subset",
  windash: "windash (dash permutations) is outside the supported subset",
  expand: "placeholders (expand) are outside the supported subset; the spec requires refusing rules whose placeholders the tool cannot resolve",
  fieldref: "field references are outside the supported subset",
  neq: "neq is outside the supported subset (write the value in a selection negated with `not`)",
  minute: "time modifiers are outside the supported subset",
  hour: "time modifiers are outside the supported subset",
  day: "time modifiers are outside the supported subset",
  week: "time modifiers are outside the supported subset",
  month: "time modifiers are outside the supported subset",
  year: "time modifiers are outside the supported subset",
};

type Comparison = "gt" | "gte" | "lt" | "lte";

/** The modifiers of one key, checked for combinations that make sense. */
interface Modifiers {
  placement: StringPlacement;
  all: boolean;
  cased: boolean;
  regexFlags: string | undefined;
  cidr: boolean;
  exists: boolean;
  compare: Comparison | undefined;
}

/** A compiled field test and its rough cost, so a selection can test cheap fields first. */
export interface CompiledFieldTest {
  readonly test: EventPredicate;
  readonly cost: number;
}

/** Parses the modifiers of `key` (the parts after the field name). */
function parseModifiers(key: string, names: readonly string[], keyword: boolean, refuse: Refuse): Modifiers {
  const m: Modifiers = { placement: "exact", all: false, cased: false, regexFlags: undefined, cidr: false, exists: false, compare: undefined };
  const seen = new Set<string>();
  let kinds = 0;
  for (const name of names) {
    if (name === "") refuse(`key "${key}"`, "empty modifier (a doubled or trailing |)");
    if (seen.has(name)) refuse(`modifier ${name}`, `given twice in "${key}"`);
    seen.add(name);
    if (Object.prototype.hasOwnProperty.call(REFUSED_MODIFIERS, name)) refuse(`modifier ${name}`, REFUSED_MODIFIERS[name]!);
    switch (name) {
      case "contains":
      case "startswith":
      case "endswith":
        m.placement = name;
        kinds++;
        break;
      case "all":
        m.all = true;
        break;
      case "cased":
        m.cased = true;
        break;
      case "re":
        m.regexFlags = "";
        kinds++;
        break;
      case "i":
      case "m":
      case "s":
        if (m.regexFlags === undefined) refuse(`modifier ${name}`, `a regular-expression flag must follow re in "${key}"`);
        m.regexFlags += name;
        break;
      case "cidr":
        m.cidr = true;
        kinds++;
        break;
      case "exists":
        m.exists = true;
        kinds++;
        break;
      case "gt":
      case "gte":
      case "lt":
      case "lte":
        m.compare = name;
        kinds++;
        break;
      default:
        refuse(`modifier ${name}`, `unknown modifier in "${key}"`);
    }
  }
  if (kinds > 1) refuse(`key "${key}"`, "combines modifiers of different kinds (at most one of contains/startswith/endswith, re, cidr, exists, gt/gte/lt/lte)");
  if (m.cased && (m.regexFlags !== undefined || m.cidr || m.exists || m.compare !== undefined)) refuse(`key "${key}"`, "cased applies to plain, contains, startswith and endswith values only");
  if (m.exists && m.all) refuse(`key "${key}"`, "exists takes one boolean, not a list with all");
  if (keyword && (m.cidr || m.exists || m.compare !== undefined || m.placement !== "exact")) {
    refuse(`key "${key}"`, "keyword searches take only the all, cased and re modifiers (keywords already match anywhere in the message)");
  }
  if (keyword && m.regexFlags === undefined) m.placement = "contains";
  return m;
}

/** A scalar rule value (string, number, boolean) as text; refuses anything else. */
function valueText(value: unknown, key: string, refuse: Refuse): string {
  if (typeof value === "string") return value;
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  if (typeof value === "boolean") return value ? "true" : "false";
  if (value === null) refuse(`key "${key}"`, "null may only be a plain value (no modifiers)");
  return refuse(`key "${key}"`, `a value must be a string, number, boolean or null, got ${Array.isArray(value) ? "a nested list" : typeof value}`);
}

/** A test of a field's value that also tries each element of an array value. */
type ValueTest = (value: unknown) => boolean;

/** Lifts a test of strings (and numbers, for `numeric`) to a test of any field value. */
function textValueTest(test: (text: string) => boolean, numeric: number | undefined): ValueTest {
  const self: ValueTest = (v) => {
    if (typeof v === "string") return test(v);
    if (typeof v === "number") return numeric !== undefined ? v === numeric : test(String(v));
    if (typeof v === "boolean") return test(v ? "true" : "false");
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) if (self(v[i])) return true;
    }
    return false;
  };
  return self;
}

/** Rough cost of a test kind; cheaper tests run first within a selection. */
function costOf(m: Modifiers, text: string | undefined): number {
  if (m.exists) return 0;
  if (m.compare !== undefined) return 1;
  if (m.regexFlags !== undefined) return 6;
  if (m.cidr) return 5;
  if (text !== undefined && /[*?]/.test(text)) return 4;
  return m.placement === "exact" ? 1 : m.placement === "contains" ? 3 : 2;
}

/** A number from a field's value for gt/gte/lt/lte: numbers, and strings that are numbers. */
function numberOf(v: unknown): number {
  if (typeof v === "number") return v;
  if (typeof v === "string" && v.length > 0 && v.charCodeAt(0) > 32) return +v;
  return NaN;
}

/** One value of a key compiled into a test of the field's value. */
function compileValue(value: unknown, m: Modifiers, key: string, refuse: Refuse): ValueTest {
  if (m.compare !== undefined) {
    if (typeof value !== "number" || !Number.isFinite(value)) refuse(`modifier ${m.compare}`, `needs a number, got ${JSON.stringify(value)}`);
    const limit = value;
    const self: ValueTest =
      m.compare === "gt" ? (v) => numberOf(v) > limit
      : m.compare === "gte" ? (v) => numberOf(v) >= limit
      : m.compare === "lt" ? (v) => numberOf(v) < limit
      : (v) => numberOf(v) <= limit;
    return self;
  }
  if (value === null && m.placement === "exact" && m.regexFlags === undefined && !m.cidr && !m.cased) {
    return (v) => v === null || v === undefined;
  }
  const text = valueText(value, key, refuse);
  if (m.regexFlags !== undefined) {
    let re: RegExp;
    try {
      re = new RegExp(text, m.regexFlags);
    } catch (error) {
      return refuse("modifier re", `invalid regular expression ${JSON.stringify(text)}: ${(error as Error).message}`);
    }
    return textValueTest((t) => re.test(t), undefined);
  }
  const numeric = m.placement === "exact" && isLiteral(text) && text.length > 0 && String(Number(text)) === text ? Number(text) : undefined;
  const general = textValueTest(compileStringPattern(text, m.placement, m.cased), numeric);
  if (m.placement === "exact" && isLiteral(text)) {
    // The commonest test (EventType: login): a string field equal as is, or
    // equal after folding, in one closure; every other value type as above.
    const needle = literalValue(text);
    if (m.cased) return (v) => (typeof v === "string" ? v === needle : general(v));
    const folded = foldString(needle);
    return (v) => (typeof v === "string" ? v === folded || equalsFolded(v, folded) : general(v));
  }
  return general;
}

/**
 * The folded needles of a `contains` list without wildcards and not
 * `cased`, when {@link containsAnyFolded} answers for them (their units fold
 * to themselves); `undefined` otherwise.
 */
function containsNeedles(values: readonly unknown[], m: Modifiers): string[] | undefined {
  if (m.cased || m.regexFlags !== undefined || m.compare !== undefined || m.exists) return undefined;
  const needles: string[] = [];
  for (const value of values) {
    if (typeof value !== "string" && typeof value !== "boolean" && !(typeof value === "number" && Number.isFinite(value))) return undefined;
    const text = String(value);
    if (!isLiteral(text)) return undefined;
    const needle = foldString(literalValue(text));
    if (!isFoldFixed(needle)) return undefined;
    needles.push(needle);
  }
  return needles;
}

/**
 * The address parsed last (cidr) and its version: the cidr tests of several
 * rules read the same field of one event, so each rule after the first finds
 * the text parsed already (six cidr rules of bench/sigma.mjs parsed each
 * login's address six times). One per module; the words are read right after
 * the parse or the check, never across another cidr test.
 */
const ADDRESS = new Uint32Array(4);
let parsedText: string | undefined;
let parsedVersion: 0 | 4 | 6 = 0;

/** The version (4, 6; 0: not an address) of `text`, its words in ADDRESS. */
function parseAddress(text: string): 0 | 4 | 6 {
  if (text === parsedText) return parsedVersion;
  parsedVersion = parseIpInto(text, ADDRESS);
  parsedText = text;
  return parsedVersion;
}

/** `cidr` over every value: the field's address parsed once, then each range tested. */
function compileCidr(values: readonly unknown[], all: boolean, key: string, refuse: Refuse): ValueTest {
  const ranges: CidrRange[] = values.map((value) => {
    if (typeof value !== "string") refuse("modifier cidr", `needs an address or range as a string, got ${JSON.stringify(value)}`);
    try {
      return parseCidr(value);
    } catch (error) {
      return refuse("modifier cidr", `in "${key}": ${(error as Error).message}`);
    }
  });
  const self: ValueTest = (v) => {
    if (typeof v !== "string") {
      if (Array.isArray(v)) for (let i = 0; i < v.length; i++) if (self(v[i])) return true;
      return false;
    }
    const version = parseAddress(v);
    if (version === 0) return false;
    for (let i = 0; i < ranges.length; i++) {
      if (cidrContains(ranges[i]!, version, ADDRESS) !== all) return !all;
    }
    return all;
  };
  return self;
}

/**
 * Compiles one selection entry. `field` is the resolved event field (the
 * keyword field for a key that starts with `|`), `modifierNames` the parts
 * after the first `|`.
 */
export function compileFieldTest(key: string, field: EventField, modifierNames: readonly string[], keyword: boolean, value: unknown, refuse: Refuse): CompiledFieldTest {
  const compiled = compileFieldTestUnguarded(key, field, modifierNames, keyword, value, refuse);
  return { test: guarded(compiled.test, fieldGuard(field, parseModifiers(key, modifierNames, keyword, refuse), value)), cost: compiled.cost };
}

/**
 * What an event needs for the test of `field` with modifiers `m` and rule
 * value(s) `value` to hold (rules/event-guard.ts): every test but `exists:
 * false` and a plain `null` fails on an absent field (`undefined`); a plain
 * value or list of values without wildcards (no modifier) holds for a string
 * only when it folds to one of them (field-test's exact comparison,
 * `equalsFolded`).
 */
function fieldGuard(field: EventField, m: Modifiers, value: unknown): EventGuard | undefined {
  if (m.exists) return value === true ? [{ field, read: fieldReader(field), folded: true, values: undefined }] : undefined;
  const values: readonly unknown[] = Array.isArray(value) ? value : [value];
  if (values.some((v) => v === null)) return undefined;
  const plain = !m.all && !m.cased && !m.cidr && m.compare === undefined && m.regexFlags === undefined && m.placement === "exact";
  const texts = plain ? values.map((v) => (typeof v === "string" || typeof v === "boolean" || (typeof v === "number" && Number.isFinite(v)) ? String(v) : undefined)) : [];
  const literal = plain && texts.every((text) => text !== undefined && isLiteral(text));
  const set = literal ? new Set(texts.map((text) => foldString(literalValue(text!)))) : undefined;
  return [{ field, read: fieldReader(field), folded: true, values: set }];
}

function compileFieldTestUnguarded(key: string, field: EventField, modifierNames: readonly string[], keyword: boolean, value: unknown, refuse: Refuse): CompiledFieldTest {
  const m = parseModifiers(key, modifierNames, keyword, refuse);
  const rawCost = field.startsWith("raw.") ? 1 : 0;
  if (m.exists) {
    if (typeof value !== "boolean") refuse("modifier exists", `needs true or false, got ${JSON.stringify(value)}`);
    const want = value;
    return { test: testField(field, want ? (v) => v !== undefined : (v) => v === undefined), cost: rawCost };
  }
  const values: readonly unknown[] = Array.isArray(value) ? value : [value];
  if (values.length === 0) refuse(`key "${key}"`, "an empty list of values matches nothing; remove the key or give values");
  if (m.all && !Array.isArray(value)) refuse("modifier all", `needs a list of values in "${key}" (the spec forbids all on a single value)`);
  if (values.length === 1 && !m.cidr && m.compare === undefined && m.regexFlags === undefined && !m.cased && m.placement === "exact" && (typeof value === "string" || typeof value === "number" || typeof value === "boolean")) {
    const text = String(value);
    if (isLiteral(text)) {
      // One plain value without wildcards: the fused equality of field-accessor.ts.
      const folded = foldString(literalValue(text));
      return { test: testFieldEquals(field, folded, (t) => equalsFolded(t, folded), compileValue(value, m, key, refuse)), cost: 1 + rawCost };
    }
  }
  let test: ValueTest;
  if (m.cidr) {
    test = compileCidr(values, m.all, key, refuse);
  } else {
    const tests = values.map((v) => compileValue(v, m, key, refuse));
    test = tests.length === 1 ? tests[0]! : m.all ? allOf(tests) : anyOf(tests);
    const needles = m.placement === "contains" && !m.all ? containsNeedles(values, m) : undefined;
    if (needles !== undefined) {
      // Any of several substrings (a keyword list): a string is folded once
      // and searched for each, in one closure (the same answer as the OR of
      // the values' tests, which other value types still take).
      const general = test;
      const masks = Int32Array.from(needles, unitMask);
      test = (v) => (typeof v === "string" ? containsAnyFolded(v, needles, masks) : general(v));
    }
  }
  const cost = Math.max(...values.map((v) => costOf(m, typeof v === "string" ? v : undefined))) + rawCost;
  return { test: testField(field, test), cost };
}
