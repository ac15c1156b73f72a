import { makeGroup, type Group } from "./group.js";
import type { Monoid } from "./monoid.js";

/**
 * A running floating-point sum with its Kahan–Neumaier compensation term:
 * the true sum is `sum + compensation`, carrying the low-order bits that
 * plain `+` loses. Neumaier, "Rundungsfehleranalyse einiger Verfahren zur
 * Summation endlicher Summen" (ZAMM 1974).
 *
 * @example
 * ```ts
 * import { compensatedSum, compensatedValue } from "papertrail/algebra";
 * const values = [1e100, 1, -1e100];
 * values.reduce((a, b) => a + b, 0); // => 0
 * compensatedValue(compensatedSum(values)); // => 1
 * ```
 */
export interface CompensatedSum {
  /** The naive running sum. */
  readonly sum: number;
  /** Accumulated rounding error of `sum`. */
  readonly compensation: number;
}

/**
 * Adds `value` into a mutable accumulator `[sum, compensation]` (Neumaier's
 * variant of Kahan summation, correct also when `|value| > |sum|`).
 */
function neumaierStep(acc: { sum: number; compensation: number }, value: number): void {
  const sum = acc.sum;
  const total = sum + value;
  if (Math.abs(sum) >= Math.abs(value)) acc.compensation += sum - total + value;
  else acc.compensation += value - total + sum;
  acc.sum = total;
}

/**
 * Sums numbers with Kahan–Neumaier compensation.
 *
 * @example
 * ```ts
 * import { compensatedSum, compensatedValue } from "papertrail/algebra";
 * compensatedValue(compensatedSum(Array.from({ length: 10 }, () => 0.1))); // => 1
 * ```
 */
export function compensatedSum(values: Iterable<number>): CompensatedSum {
  const acc = { sum: 0, compensation: 0 };
  for (const value of values) neumaierStep(acc, value);
  return acc;
}

/**
 * The corrected value of a compensated sum: `sum + compensation`.
 *
 * @example
 * ```ts
 * import { compensatedValue } from "papertrail/algebra";
 * compensatedValue({ sum: 1, compensation: 1e-17 }); // => 1
 * ```
 */
export function compensatedValue(value: CompensatedSum): number {
  return value.sum + value.compensation;
}

/**
 * Combines compensated sums (for example from parallel workers) without
 * losing the low-order bits of either. Floating-point results depend slightly
 * on combination order, so its laws hold up to rounding of the compensation;
 * check them with an approximate equality. The inverse negates both terms.
 *
 * @example
 * ```ts
 * import { GroupCompensatedSum, compensatedSum, compensatedValue } from "papertrail/algebra";
 * const parts = [compensatedSum([1e16, 1]), compensatedSum([1, -1e16])];
 * compensatedValue(GroupCompensatedSum.combineAll(parts)); // => 2
 * ```
 */
export const GroupCompensatedSum: Group<CompensatedSum> = makeGroup<CompensatedSum>({
  combine: (x, y) => {
    const acc = { sum: x.sum, compensation: x.compensation };
    neumaierStep(acc, y.sum);
    acc.compensation += y.compensation;
    return acc;
  },
  combineMany: (first, rest) => {
    const acc = { sum: first.sum, compensation: first.compensation };
    for (const value of rest) {
      neumaierStep(acc, value.sum);
      acc.compensation += value.compensation;
    }
    return acc;
  },
  empty: () => ({ sum: 0, compensation: 0 }),
  freshEmpty: true,
  inverse: (x) => ({ sum: -x.sum, compensation: -x.compensation }),
  commutative: true,
});

/**
 * {@link GroupCompensatedSum} seen as a monoid.
 *
 * @example
 * ```ts
 * import { MonoidCompensatedSum, compensatedValue } from "papertrail/algebra";
 * compensatedValue(MonoidCompensatedSum.empty); // => 0
 * ```
 */
export const MonoidCompensatedSum: Monoid<CompensatedSum> = GroupCompensatedSum;
