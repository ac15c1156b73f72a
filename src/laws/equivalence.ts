/**
 * An equality test for law checks: exact for integers and collections,
 * approximate for floating-point monoids.
 *
 * @example
 * ```ts
 * import { type Equivalence, exactEquals } from "papertrail/laws";
 * const eq: Equivalence<number[]> = exactEquals;
 * eq([1, 2], [1, 2]); // => true
 * ```
 */
export type Equivalence<A> = (x: A, y: A) => boolean;

function makeDeepEquivalence(numbers: (x: number, y: number) => boolean): Equivalence<unknown> {
  const equal = (x: unknown, y: unknown): boolean => {
    if (typeof x === "number" && typeof y === "number") return numbers(x, y);
    if (x === y) return true;
    if (typeof x !== "object" || typeof y !== "object" || x === null || y === null) return false;
    if (x instanceof Date || y instanceof Date) {
      return x instanceof Date && y instanceof Date && x.getTime() === y.getTime();
    }
    if (ArrayBuffer.isView(x) || ArrayBuffer.isView(y)) {
      if (!ArrayBuffer.isView(x) || !ArrayBuffer.isView(y) || x.constructor !== y.constructor) return false;
      const a = x as unknown as ArrayLike<unknown>;
      const b = y as unknown as ArrayLike<unknown>;
      if (a.length !== b.length) return false;
      for (let i = 0; i < a.length; i++) if (!equal(a[i], b[i])) return false;
      return true;
    }
    if (x instanceof Map || y instanceof Map) {
      if (!(x instanceof Map) || !(y instanceof Map) || x.size !== y.size) return false;
      for (const [key, value] of x) if (!y.has(key) || !equal(value, y.get(key))) return false;
      return true;
    }
    if (x instanceof Set || y instanceof Set) {
      if (!(x instanceof Set) || !(y instanceof Set) || x.size !== y.size) return false;
      outer: for (const item of x) {
        if (y.has(item)) continue;
        for (const other of y) if (equal(item, other)) continue outer;
        return false;
      }
      return true;
    }
    if (Array.isArray(x) !== Array.isArray(y)) return false;
    const keysX = Object.keys(x);
    const keysY = Object.keys(y);
    if (keysX.length !== keysY.length) return false;
    for (const key of keysX) {
      if (!Object.prototype.hasOwnProperty.call(y, key)) return false;
      if (!equal((x as Record<string, unknown>)[key], (y as Record<string, unknown>)[key])) return false;
    }
    return true;
  };
  return equal;
}

/**
 * Structural equality: primitives by SameValueZero (`NaN` equals `NaN`,
 * `0` equals `-0`), arrays, plain objects and class instances by own
 * enumerable fields, `Map`/`Set` by content, typed arrays element-wise,
 * `Date` by time.
 *
 * @example
 * ```ts
 * import { exactEquals } from "papertrail/laws";
 * exactEquals(new Map([["a", [1, NaN]]]), new Map([["a", [1, NaN]]])); // => true
 * exactEquals({ a: 1 }, { a: 1, b: 2 }); // => false
 * ```
 */
export const exactEquals: Equivalence<unknown> = makeDeepEquivalence((x, y) => x === y || (x !== x && y !== y));

/**
 * Tolerances of {@link approximateEquals}.
 *
 * @example
 * ```ts
 * import { type Tolerance, approximateEquals } from "papertrail/laws";
 * const tolerance: Tolerance = { relative: 1e-6, absolute: 1e-9 };
 * approximateEquals(tolerance)(1, 1 + 1e-7); // => true
 * ```
 */
export interface Tolerance {
  /** Allowed difference relative to the larger magnitude; default 1e-9. */
  readonly relative?: number;
  /** Allowed absolute difference (for values near zero); default 1e-12. */
  readonly absolute?: number;
}

/**
 * Structural equality like {@link exactEquals}, except that numbers are
 * equal when `|x - y| <= max(absolute, relative * max(|x|, |y|))`. Infinities
 * must match exactly. For floating-point monoids, whose laws hold only up to
 * rounding.
 *
 * @example
 * ```ts
 * import { approximateEquals } from "papertrail/laws";
 * const close = approximateEquals({ relative: 1e-12 });
 * close({ mean: 0.1 + 0.2 }, { mean: 0.3 }); // => true
 * close(1, 1.001); // => false
 * ```
 */
export function approximateEquals(tolerance: Tolerance = {}): Equivalence<unknown> {
  const relative = tolerance.relative ?? 1e-9;
  const absolute = tolerance.absolute ?? 1e-12;
  return makeDeepEquivalence((x, y) => {
    if (x === y || (x !== x && y !== y)) return true;
    if (!Number.isFinite(x) || !Number.isFinite(y)) return false;
    return Math.abs(x - y) <= Math.max(absolute, relative * Math.max(Math.abs(x), Math.abs(y)));
  });
}
