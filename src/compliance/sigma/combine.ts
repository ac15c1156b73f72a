/**
 * AND / OR of predicates as nested two-operand closures: each closure calls
 * two known functions, which keeps call sites monomorphic and short-circuits
 * like `&&` / `||`, with no array walk per event. The result carries the
 * guard and the guard alternatives (rules/event-guard.ts) its operands'
 * imply, so the engine can skip a compiled detection for events that cannot
 * match it.
 *
 * @module
 */
import { guardedAll, guardedAny } from "../rules/event-guard.js";

/** A test of one value (an event, a field's value). */
export type Test<T> = (value: T) => boolean;

/** The conjunction of `tests` (true when empty). */
export function allOf<T>(tests: readonly Test<T>[]): Test<T> {
  if (tests.length === 0) return () => true;
  if (tests.length === 1) return tests[0]!;
  return guardedAll(
    tests.reduceRight((rest, first) => (value: T) => first(value) && rest(value)),
    tests,
  );
}

/** The disjunction of `tests` (false when empty). */
export function anyOf<T>(tests: readonly Test<T>[]): Test<T> {
  if (tests.length === 0) return () => false;
  if (tests.length === 1) return tests[0]!;
  return guardedAny(
    tests.reduceRight((rest, first) => (value: T) => first(value) || rest(value)),
    tests,
  );
}
