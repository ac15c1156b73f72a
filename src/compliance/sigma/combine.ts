/**
 * AND / OR of predicates as nested two-operand closures: each closure calls
 * two known functions, which keeps call sites monomorphic and short-circuits
 * like `&&` / `||`, with no array walk per event. The result carries the
 * guard (rules/event-guard.ts) its operands' guards imply, so the engine can
 * skip a compiled detection for events that cannot match it.
 *
 * @module
 */
import { guardAll, guardAny, guarded, guardOf } from "../rules/event-guard.js";

/** A test of one value (an event, a field's value). */
export type Test<T> = (value: T) => boolean;

/** The conjunction of `tests` (true when empty). */
export function allOf<T>(tests: readonly Test<T>[]): Test<T> {
  if (tests.length === 0) return () => true;
  if (tests.length === 1) return tests[0]!;
  return guarded(
    tests.reduceRight((rest, first) => (value: T) => first(value) && rest(value)),
    guardAll(tests.map(guardOf)),
  );
}

/** The disjunction of `tests` (false when empty). */
export function anyOf<T>(tests: readonly Test<T>[]): Test<T> {
  if (tests.length === 0) return () => false;
  if (tests.length === 1) return tests[0]!;
  return guarded(
    tests.reduceRight((rest, first) => (value: T) => first(value) || rest(value)),
    guardAny(tests.map(guardOf)),
  );
}
