/**
 * AND / OR of predicates as nested two-operand closures: each closure calls
 * two known functions, which keeps call sites monomorphic and short-circuits
 * like `&&` / `||`, with no array walk per event.
 *
 * @module
 */

/** A test of one value (an event, a field's value). */
export type Test<T> = (value: T) => boolean;

/** The conjunction of `tests` (true when empty). */
export function allOf<T>(tests: readonly Test<T>[]): Test<T> {
  if (tests.length === 0) return () => true;
  return tests.reduceRight((rest, first) => (value: T) => first(value) && rest(value));
}

/** The disjunction of `tests` (false when empty). */
export function anyOf<T>(tests: readonly Test<T>[]): Test<T> {
  if (tests.length === 0) return () => false;
  return tests.reduceRight((rest, first) => (value: T) => first(value) || rest(value));
}
