import { InvalidArgumentError } from "../errors.js";
import { makeMonoid, type Monoid } from "./monoid.js";

/**
 * An estimate with the interval that holds the true value with probability at
 * least `probability` (Algebird's `Approximate`). Every sketch returns its
 * estimates in this shape, so callers can act on the bound, not just the
 * point.
 *
 * @example
 * ```ts
 * import { Approximate } from "papertrail/algebra";
 * const users = new Approximate(1000, 980, 1021, 0.95);
 * users.contains(1010); // => true
 * users.toString(); // => "1000 [980, 1021] @ 95%"
 * ```
 */
export class Approximate {
  /** Point estimate. */
  readonly estimate: number;
  /** Lower end of the interval. */
  readonly lower: number;
  /** Upper end of the interval. */
  readonly upper: number;
  /** Probability that the true value lies in `[lower, upper]`. */
  readonly probability: number;

  constructor(estimate: number, lower: number, upper: number, probability: number) {
    if (!(lower <= estimate && estimate <= upper)) {
      throw new InvalidArgumentError(`Approximate needs lower <= estimate <= upper, got ${lower}, ${estimate}, ${upper}`);
    }
    if (!(probability >= 0 && probability <= 1)) {
      throw new InvalidArgumentError(`Approximate probability must be in [0, 1], got ${probability}`);
    }
    this.estimate = estimate;
    this.lower = lower;
    this.upper = upper;
    this.probability = probability;
  }

  /**
   * An exact value: a zero-width interval with probability 1.
   *
   * @example
   * ```ts
   * import { Approximate } from "papertrail/algebra";
   * Approximate.exact(42).isExact; // => true
   * ```
   */
  static exact(value: number): Approximate {
    return new Approximate(value, value, value, 1);
  }

  /** True when the interval has zero width and probability 1. */
  get isExact(): boolean {
    return this.lower === this.upper && this.probability === 1;
  }

  /** Whether `value` lies within `[lower, upper]`. */
  contains(value: number): boolean {
    return value >= this.lower && value <= this.upper;
  }

  /** For logs: `estimate [lower, upper] @ probability%`, non-integers to 6 significant digits. */
  toString(): string {
    const show = (x: number): string => (Number.isInteger(x) ? String(x) : String(+x.toPrecision(6)));
    return `${show(this.estimate)} [${show(this.lower)}, ${show(this.upper)}] @ ${+(this.probability * 100).toFixed(4)}%`;
  }
}

/**
 * Sums approximate values: estimates and interval ends add, and the
 * probability that every interval holds at once is bounded by Bonferroni's
 * inequality, `max(0, p1 + p2 - 1)`, which needs no independence assumption.
 *
 * @example
 * ```ts
 * import { Approximate, MonoidApproximateSum } from "papertrail/algebra";
 * const total = MonoidApproximateSum.combine(new Approximate(10, 8, 12, 0.99), new Approximate(5, 4, 6, 0.99));
 * [total.estimate, total.lower, total.upper, total.probability.toFixed(2)]; // => [15, 12, 18, "0.98"]
 * ```
 */
export const MonoidApproximateSum: Monoid<Approximate> = makeMonoid<Approximate>({
  combine: (x, y) =>
    new Approximate(
      x.estimate + y.estimate,
      x.lower + y.lower,
      x.upper + y.upper,
      Math.max(0, x.probability + y.probability - 1),
    ),
  empty: Approximate.exact(0),
  commutative: true,
});
