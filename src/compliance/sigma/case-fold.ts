/**
 * Case-insensitive string tests: Sigma compares values case-insensitively
 * (Sigma rules specification v2.0.0, "Detection / General"). Equality and
 * prefix/suffix tests compare unit by unit without allocating; `contains`
 * searches the text folded once (one string, kept for the next test of the
 * same text: the keyword searches of many rules read one message).
 *
 * Folding is per UTF-16 code unit: `String.prototype.toLowerCase` of the unit
 * when that is exactly one unit (the simple case mapping), else the unit
 * itself. So `É` equals `é` and the Kelvin sign `K` equals `k`, while the
 * rare full mappings that change the length (`İ` lower-cases to two units)
 * compare by their unit unchanged. Each unit's fold is computed once, when
 * first met, and cached in a table. Needles are folded with the same
 * function when the rule is loaded.
 *
 * @module
 */

/**
 * Folded units, filled lazily: ASCII at load, any other unit the first time
 * it is met (0 = not yet computed; no unit ≥ 128 folds to 0).
 */
const FOLD = new Uint16Array(65536);
for (let c = 0; c < 128; c++) FOLD[c] = c >= 65 && c <= 90 ? c | 32 : c;

/**
 * The only unit ≥ 128 whose simple lower case is ASCII: the Kelvin sign
 * U+212A → `k` (a scan of all 65,536 units, repeated in the tests, finds no
 * other).
 */
const KELVIN = 0x212a;

/** The folded form of one UTF-16 code unit. */
export function foldUnit(c: number): number {
  let f = FOLD[c]!;
  if (f === 0 && c !== 0) {
    const lower = String.fromCharCode(c).toLowerCase();
    f = lower.length === 1 ? lower.charCodeAt(0) : c;
    FOLD[c] = f;
  }
  return f;
}

/** `text` with every unit folded (used at load time for needles). */
export function foldString(text: string): string {
  let out = "";
  for (let i = 0; i < text.length; i++) out += String.fromCharCode(foldUnit(text.charCodeAt(i)));
  return out;
}

/**
 * `text` case-folded; `text` itself (no new string) when folding changes
 * nothing. ASCII text folds as `toLowerCase` does (native, one string);
 * other text unit by unit.
 */
export function foldedText(text: string): string {
  let upper = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 128) return foldUnits(text);
    if (c >= 65 && c <= 90) upper = true;
  }
  return upper ? text.toLowerCase() : text;
}

/** `text` folded unit by unit; `text` itself when no unit changes. */
function foldUnits(text: string): string {
  let out = "";
  let same = true;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const f = foldUnit(c);
    if (f !== c) same = false;
    out += String.fromCharCode(f);
  }
  return same ? text : out;
}

/** Whether every unit of `needle` folds to itself (then a search of the folded text finds exactly the folded matches). */
export function isFoldFixed(needle: string): boolean {
  for (let i = 0; i < needle.length; i++) if (foldUnit(needle.charCodeAt(i)) !== needle.charCodeAt(i)) return false;
  return true;
}

/**
 * The units a text holds, as 32 bits: bit `unit & 31` for each. A needle
 * whose bits are not all in a text's cannot occur in it, which decides most
 * searches without the native one (on bench/sigma.mjs's messages, most of
 * the 16 keywords miss a letter of most messages).
 */
export function unitMask(text: string): number {
  let mask = 0;
  for (let i = 0; i < text.length; i++) mask |= 1 << (text.charCodeAt(i) & 31);
  return mask;
}

/**
 * Whether `text` contains one of `needles` (folded, each {@link isFoldFixed};
 * `masks` their {@link unitMask}s) case-insensitively: `containsFolded` of
 * each, with one folding of `text`.
 */
export function containsAnyFolded(text: string, needles: readonly string[], masks: Int32Array): boolean {
  const folded = foldedOnce(text);
  const held = foldedMask;
  for (let i = 0; i < needles.length; i++) {
    if (((masks[i] as number) & ~held) === 0 && folded.includes(needles[i] as string)) return true;
  }
  return false;
}

/** The text folded last, its folding and the folding's {@link unitMask} ({@link foldedOnce}). */
let foldedFrom = "";
let foldedTo = "";
let foldedMask = 0;

/**
 * {@link foldedText} of `text`, remembered for the last text with its unit
 * mask (`foldedMask`): the rules that search one event's message each find
 * it folded already.
 */
function foldedOnce(text: string): string {
  if (text !== foldedFrom) {
    foldedTo = foldedText(text);
    foldedMask = unitMask(foldedTo);
    foldedFrom = text;
  }
  return foldedTo;
}

/** Whether `text[at, at + needle.length)` folds to `needle` (already folded); `from` units of the needle are skipped. */
function regionEqualsFolded(text: string, at: number, needle: string, from: number): boolean {
  const n = needle.length;
  for (let i = from; i < n; i++) {
    const c = text.charCodeAt(at + i);
    const d = needle.charCodeAt(i);
    if (c !== d && foldUnit(c) !== d) return false;
  }
  return true;
}

/** Whether `text` folds to `needle` (already folded). */
export function equalsFolded(text: string, needle: string): boolean {
  return text.length === needle.length && regionEqualsFolded(text, 0, needle, 0);
}

/** Whether `text` starts with the folded `needle`. */
export function startsWithFolded(text: string, needle: string): boolean {
  return text.length >= needle.length && regionEqualsFolded(text, 0, needle, 0);
}

/** Whether `text` ends with the folded `needle`. */
export function endsWithFolded(text: string, needle: string): boolean {
  return text.length >= needle.length && regionEqualsFolded(text, text.length - needle.length, needle, 0);
}

/**
 * A test "`text` contains the folded `needle`". When every unit that folds
 * to the needle's first unit is known (an ASCII first unit: itself and its
 * other case, unless a non-ASCII unit also folds to it), candidates are found
 * with the native `indexOf` of those one or two characters and the rest is
 * compared; otherwise every position is tried.
 */
export function containsFolded(needle: string): (text: string) => boolean {
  const n = needle.length;
  if (n === 0) return () => true;
  // A needle of units that fold to themselves is in the text exactly when it
  // is in the folded text: one native search of the text folded once (the
  // keyword searches of several rules all read one event's message).
  if (isFoldFixed(needle)) {
    const mask = unitMask(needle);
    return (text) => {
      const folded = foldedOnce(text);
      return (mask & ~foldedMask) === 0 && folded.includes(needle);
    };
  }
  const first = needle.charCodeAt(0);
  if (first >= 128 || first === foldUnit(KELVIN)) {
    return (text) => {
      const last = text.length - n;
      for (let i = 0; i <= last; i++) {
        const c = text.charCodeAt(i);
        if ((c === first || foldUnit(c) === first) && regionEqualsFolded(text, i, needle, 1)) return true;
      }
      return false;
    };
  }
  const lower = String.fromCharCode(first);
  const upper = lower.toUpperCase();
  if (upper === lower || upper.length !== 1 || foldUnit(upper.charCodeAt(0)) !== first) {
    return (text) => {
      const last = text.length - n;
      for (let i = text.indexOf(lower); i >= 0 && i <= last; i = text.indexOf(lower, i + 1)) {
        if (regionEqualsFolded(text, i, needle, 1)) return true;
      }
      return false;
    };
  }
  return (text) => {
    const last = text.length - n;
    let a = text.indexOf(lower);
    let b = text.indexOf(upper);
    while (a >= 0 || b >= 0) {
      let i: number;
      if (b < 0 || (a >= 0 && a < b)) {
        i = a;
        a = text.indexOf(lower, a + 1);
      } else {
        i = b;
        b = text.indexOf(upper, b + 1);
      }
      if (i > last) return false;
      if (regionEqualsFolded(text, i, needle, 1)) return true;
    }
    return false;
  };
}
