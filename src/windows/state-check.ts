import type { Monoid } from "../algebra/monoid.js";
import type { Aggregator } from "../aggregators/aggregator.js";
import { isMonoidAggregator } from "../aggregators/make.js";

/**
 * Whether `state` has the shape of `reference` (the monoid's empty): the same
 * `typeof`; plain objects with the same keys, each of the same shape; tuples
 * of the same length (a non-empty array reference), each of the same shape.
 * Class instances are left to the trial merge (two copies of the library
 * have different prototypes and still merge).
 */
function sameShape(reference: unknown, state: unknown, depth: number): boolean {
  if (typeof reference !== typeof state) return false;
  if (typeof reference !== "object" || reference === null || depth > 32) return true;
  if (state === null) return false;
  if (Array.isArray(reference)) {
    if (!Array.isArray(state)) return false;
    if (reference.length === 0) return true;
    return state.length === reference.length && reference.every((item, i) => sameShape(item, state[i], depth + 1));
  }
  const prototype = Object.getPrototypeOf(reference) as unknown;
  if (prototype !== Object.prototype && prototype !== null) return true;
  if (Array.isArray(state)) return false;
  const keys = Object.keys(reference);
  const stateKeys = Object.keys(state as object);
  if (stateKeys.length !== keys.length) return false;
  return keys.every((key) => Object.hasOwn(state as object, key) && sameShape((reference as Record<string, unknown>)[key], (state as Record<string, unknown>)[key], depth + 1));
}

/**
 * Checks a bucket state read from an image before it is stored: it must
 * have the shape of the monoid's empty (when the aggregator or its semigroup has one),
 * merge with it (or, without a monoid, with itself) and present without
 * throwing. So a state the aggregator cannot use (`1n` in a count, an HLL of
 * another seed or precision) is refused at decode time, and every query of
 * the restored windows works. Returns a reason, or `undefined` when the
 * state is usable.
 *
 * @internal
 */
export function unusableState<In, State, Out>(aggregator: Aggregator<In, State, Out>, state: unknown): string | undefined {
  if (state === undefined || state === null) return "no state";
  try {
    // The aggregator's monoid, or a semigroup that is one (a group without a `monoid` field).
    const semigroup = aggregator.semigroup;
    const monoid = isMonoidAggregator(aggregator) ? aggregator.monoid : "empty" in semigroup ? (semigroup as Monoid<State>) : undefined;
    if (monoid !== undefined) {
      if (!sameShape(monoid.empty, state, 0)) return "a state of another type than the aggregator's";
      aggregator.present(monoid.combine(monoid.empty, state as State));
    } else {
      aggregator.present(semigroup.combine(state as State, state as State));
    }
    aggregator.present(state as State);
  } catch (error) {
    return `a state the aggregator cannot use (${error instanceof Error ? error.message : String(error)})`;
  }
  return undefined;
}
