import { InvalidArgumentError, ParameterMismatchError } from "../errors.js";
import { makeGroup, type Group } from "./group.js";

/**
 * Element-wise addition of fixed-length `Float64Array`s (histograms, per-hour
 * counters). Combining arrays whose length differs from the instance's throws
 * a {@link ParameterMismatchError} naming both. The bulk path sums into one
 * buffer.
 *
 * @example
 * ```ts
 * import { vectorSum } from "papertrail/algebra";
 * const hourly = vectorSum(3);
 * [...hourly.combine(Float64Array.of(1, 2, 3), Float64Array.of(1, 1, 1))]; // => [2, 3, 4]
 * [...hourly.empty]; // => [0, 0, 0]
 * ```
 */
export function vectorSum(length: number): Group<Float64Array> {
  if (!Number.isSafeInteger(length) || length < 0) {
    throw new InvalidArgumentError(`vectorSum length must be a non-negative integer, got ${length}`);
  }
  const name = `vectorSum(length=${length})`;
  const check = (value: Float64Array): void => {
    if (value.length !== length) throw new ParameterMismatchError(name, `Float64Array(length=${value.length})`);
  };
  const addInto = (target: Float64Array, source: Float64Array): void => {
    check(source);
    for (let i = 0; i < length; i++) target[i] = (target[i] as number) + (source[i] as number);
  };
  return makeGroup<Float64Array>({
    combine: (x, y) => {
      check(x);
      const out = Float64Array.from(x);
      addInto(out, y);
      return out;
    },
    combineMany: (first, rest) => {
      check(first);
      const out = Float64Array.from(first);
      for (const value of rest) addInto(out, value);
      return out;
    },
    empty: () => new Float64Array(length),
    freshEmpty: true,
    inverse: (x) => {
      check(x);
      return x.map((v) => 0 - v);
    },
    commutative: true,
  });
}
