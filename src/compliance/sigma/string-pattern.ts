/**
 * Sigma string values with wildcards, compiled once into a test of a field's
 * text (Sigma rules specification v2.0.0, "String Wildcard" and "Escaping").
 *
 * - `*` matches any run of characters, `?` exactly one character (one code
 *   point: a surrogate pair counts as one).
 * - `\*`, `\?` and `\\` are a plain `*`, `?` and `\`; a backslash before any
 *   other character (or at the end) is itself (`C:\Windows` is literal), so
 *   three or four backslashes both give two.
 * - `contains`, `startswith` and `endswith` put `*` around, before or after
 *   the value (Sigma modifiers appendix v2.1.0); the value's own wildcards
 *   still apply.
 * - Case-insensitive unless `cased` (case-fold.ts says how).
 *
 * The common shapes (exact, prefix, suffix, infix, `*`) get their own
 * closure; anything else runs a backtracking wildcard matcher over the
 * pattern's units, which allocates nothing.
 *
 * @module
 */
import { containsFolded, endsWithFolded, equalsFolded, foldString, foldUnit, startsWithFolded } from "./case-fold.js";

/** A test of a field's text. */
export type StringTest = (text: string) => boolean;

/** Pattern units: a character code, or one of these (negative, never a code). */
const STAR = -1;
const ONE = -2;

/** The value as pattern units, escapes resolved (Sigma "Escaping"). */
export function parseWildcards(value: string): number[] {
  const units: number[] = [];
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 0x5c /* \ */ && i + 1 < value.length) {
      const next = value.charCodeAt(i + 1);
      if (next === 0x2a || next === 0x3f || next === 0x5c) {
        units.push(next);
        i++;
        continue;
      }
      units.push(c);
    } else if (c === 0x2a /* * */) {
      if (units[units.length - 1] !== STAR) units.push(STAR);
    } else if (c === 0x3f /* ? */) {
      units.push(ONE);
    } else {
      units.push(c);
    }
  }
  return units;
}

/** How a string modifier places wildcards around the value. */
export type StringPlacement = "exact" | "contains" | "startswith" | "endswith";

/** Whether the value has no wildcard once escapes are resolved (then it may equal a number). */
export function isLiteral(value: string): boolean {
  return !parseWildcards(value).some((u) => u < 0);
}

/** The text a value without wildcards stands for (escapes resolved). */
export function literalValue(value: string): string {
  const units = parseWildcards(value);
  return literalText(units, 0, units.length);
}

/** The literal text of units without wildcards. */
function literalText(units: readonly number[], from: number, to: number): string {
  let text = "";
  for (let i = from; i < to; i++) text += String.fromCharCode(units[i]!);
  return text;
}

/** Compiles `value` (with `placement` applied) into a test; `cased` makes it case-sensitive. */
export function compileStringPattern(value: string, placement: StringPlacement, cased: boolean): StringTest {
  const units = parseWildcards(value);
  if (placement === "contains" || placement === "endswith") {
    if (units[0] !== STAR) units.unshift(STAR);
  }
  if (placement === "contains" || placement === "startswith") {
    if (units[units.length - 1] !== STAR) units.push(STAR);
  }
  const n = units.length;
  const wildcards = units.filter((u) => u < 0).length;
  const ones = units.includes(ONE);
  if (!ones) {
    const leading = units[0] === STAR;
    const trailing = n > 0 && units[n - 1] === STAR;
    const inner = wildcards - (leading ? 1 : 0) - (trailing && n > 1 ? 1 : 0);
    if (inner === 0) {
      const raw = literalText(units, leading ? 1 : 0, trailing && n > (leading ? 1 : 0) ? n - 1 : n);
      const needle = cased ? raw : foldString(raw);
      if (leading && trailing) return needle.length === 0 ? () => true : cased ? (t) => t.includes(needle) : containsFolded(needle);
      if (leading) return cased ? (t) => t.endsWith(needle) : (t) => endsWithFolded(t, needle);
      if (trailing) return cased ? (t) => t.startsWith(needle) : (t) => startsWithFolded(t, needle);
      return cased ? (t) => t === needle : (t) => equalsFolded(t, needle);
    }
  }
  const pattern = Int32Array.from(units, (u) => (u < 0 || cased ? u : foldUnit(u)));
  return cased ? (t) => wildcardMatch(t, pattern, false) : (t) => wildcardMatch(t, pattern, true);
}

/**
 * Whether all of `text` matches `pattern` (units, `STAR`, `ONE`): the
 * classic greedy matcher that, on a mismatch, backtracks to the last `*` and
 * lets it take one more unit. O(text × pattern) at worst, no allocation.
 */
function wildcardMatch(text: string, pattern: Int32Array, fold: boolean): boolean {
  const n = text.length;
  const m = pattern.length;
  let t = 0;
  let p = 0;
  let starP = -1;
  let starT = 0;
  while (t < n) {
    if (p < m) {
      const u = pattern[p]!;
      if (u === STAR) {
        starP = p++;
        starT = t;
        continue;
      }
      if (u === ONE) {
        t += isPair(text, t) ? 2 : 1;
        p++;
        continue;
      }
      const c = text.charCodeAt(t);
      if (c === u || (fold && foldUnit(c) === u)) {
        t++;
        p++;
        continue;
      }
    }
    if (starP < 0) return false;
    p = starP + 1;
    t = ++starT;
  }
  while (p < m && pattern[p] === STAR) p++;
  return p === m;
}

/** Whether a surrogate pair starts at `i`. */
function isPair(text: string, i: number): boolean {
  const c = text.charCodeAt(i);
  if (c < 0xd800 || c > 0xdbff || i + 1 >= text.length) return false;
  const d = text.charCodeAt(i + 1);
  return d >= 0xdc00 && d <= 0xdfff;
}
