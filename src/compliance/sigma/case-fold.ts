/**
 * Case-insensitive string tests without allocating: Sigma compares values
 * case-insensitively (Sigma rules specification v2.0.0, "Detection /
 * General"), and lower-casing every field value per event would allocate a
 * string per test.
 *
 * Folding is per UTF-16 code unit: ASCII letters arithmetically, any other
 * unit by `String.prototype.toLowerCase` when that maps it to exactly one
 * unit (the simple case mapping; computed once per unit and cached), else the
 * unit itself. So `É` equals `é`, and the rare full mappings that change the
 * length (`İ` lower-cases to two units) compare by their unit unchanged.
 * Needles are folded with the same function when the rule is loaded.
 *
 * @module
 */

/** Cache of folded non-ASCII units; 0 means "not computed yet" (no unit ≥ 128 folds to 0). */
const FOLDED = new Uint16Array(65536);

/** The folded form of one UTF-16 code unit. */
export function foldUnit(c: number): number {
  if (c < 128) return c >= 65 && c <= 90 ? c | 32 : c;
  let f = FOLDED[c]!;
  if (f === 0) {
    const lower = String.fromCharCode(c).toLowerCase();
    f = lower.length === 1 ? lower.charCodeAt(0) : c;
    FOLDED[c] = f;
  }
  return f;
}

/** `text` with every unit folded (used at load time for needles). */
export function foldString(text: string): string {
  let out = "";
  for (let i = 0; i < text.length; i++) out += String.fromCharCode(foldUnit(text.charCodeAt(i)));
  return out;
}

/** Whether `text[at, at + needle.length)` folds to `needle` (already folded). */
export function regionEqualsFolded(text: string, at: number, needle: string): boolean {
  const n = needle.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(at + i);
    const d = needle.charCodeAt(i);
    if (c !== d && foldUnit(c) !== d) return false;
  }
  return true;
}

/** Whether `text` folds to `needle` (already folded). */
export function equalsFolded(text: string, needle: string): boolean {
  return text.length === needle.length && regionEqualsFolded(text, 0, needle);
}

/** Whether `text` starts with the folded `needle`. */
export function startsWithFolded(text: string, needle: string): boolean {
  return text.length >= needle.length && regionEqualsFolded(text, 0, needle);
}

/** Whether `text` ends with the folded `needle`. */
export function endsWithFolded(text: string, needle: string): boolean {
  return text.length >= needle.length && regionEqualsFolded(text, text.length - needle.length, needle);
}

/**
 * The first index at or after `from` where the folded `needle` occurs in
 * `text`, or -1. A scan for the needle's first unit, then a compare of the
 * rest: needles in rules are short, so this beats building skip tables.
 */
export function indexOfFolded(text: string, needle: string, from: number): number {
  const n = needle.length;
  if (n === 0) return from <= text.length ? from : -1;
  const first = needle.charCodeAt(0);
  const last = text.length - n;
  outer: for (let i = from; i <= last; i++) {
    const c = text.charCodeAt(i);
    if (c !== first && foldUnit(c) !== first) continue;
    for (let j = 1; j < n; j++) {
      const t = text.charCodeAt(i + j);
      const d = needle.charCodeAt(j);
      if (t !== d && foldUnit(t) !== d) continue outer;
    }
    return i;
  }
  return -1;
}
