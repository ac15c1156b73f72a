import type { ComplianceEvent, EventField } from "../event.js";
import { fieldReader, topLevelFieldCode } from "../event-field.js";
import { foldedText } from "../sigma/case-fold.js";

/** `text` case-folded as Sigma compares it (the dispatch classes values with it; it lives with Sigma's folding). @internal */
export { foldedText };

/**
 * What an event must have for a predicate to hold, known when the
 * predicate is made (a Sigma selection's `EventType: login`, a ready rule's
 * `event.level === "ERROR"`): the engine uses it to pick, per event, only
 * the rules that can match (gate-dispatch.ts), instead of calling every
 * rule's filter.
 *
 * One {@link FieldGuard} is a necessary condition on one field:
 * - the value read is not `undefined`;
 * - with `values`: when the value is a string, it is one of `values`
 *   (compared as is, or after Sigma's case folding when `folded`); a
 *   value that is not a string passes a folded guard (Sigma compares
 *   numbers, booleans and arrays otherwise) and fails an exact one.
 *
 * A guard is the conjunction of its field guards, one per (field, folded).
 * A predicate may also have {@link GuardAlternatives}: guards of which an
 * event it accepts passes at least one (a Sigma `a or b` on different
 * fields, `1 of sel_*`), which say more than the one guard of what every
 * operand has in common. Guards are kept beside the predicate functions they
 * describe (WeakMaps, so a rule definition copied with `{ ...rule }` keeps
 * its guard), never on the rule model: a predicate written by hand has none
 * and is always called.
 *
 * @internal
 */
export interface FieldGuard {
  /** The field's name (with `folded`, what tells two guards of one field apart). */
  readonly field: string;
  /** Reads the value the predicate tests (the predicate's own reader). */
  readonly read: (event: ComplianceEvent) => unknown;
  /** Whether `values` are case-folded (Sigma's folding, sigma/case-fold.ts) and compared with the folded value. */
  readonly folded: boolean;
  /** The strings the value may be; `undefined`: any value but `undefined`. */
  readonly values: ReadonlySet<string> | undefined;
}

/** A conjunction of field guards (at most one per field and mode). @internal */
export type EventGuard = readonly FieldGuard[];

/**
 * A disjunction of guards: an event passes when it passes any one of them
 * (an empty guard passes every event).
 *
 * @internal
 */
export type GuardAlternatives = readonly EventGuard[];

const guards = new WeakMap<object, EventGuard>();
const alternatives = new WeakMap<object, GuardAlternatives>();

/**
 * Alternatives kept per predicate at most: a conjunction of disjunctions
 * multiplies them out, and past this the one common guard stands in (a
 * weaker, still necessary condition).
 */
const MAX_ALTERNATIVES = 8;

/** `predicate`, recorded as holding only for events that pass `guard`. @internal */
export function guarded<P extends (value: never) => boolean>(predicate: P, guard: EventGuard | undefined): P {
  if (guard !== undefined && guard.length > 0) guards.set(predicate, guard);
  return predicate;
}

/** The guard recorded for `predicate`, if any. @internal */
export function guardOf(predicate: unknown): EventGuard | undefined {
  return typeof predicate === "function" ? guards.get(predicate) : undefined;
}

/**
 * What an event must pass for `predicate` to hold, as alternatives: those
 * recorded by {@link guardedAll} / {@link guardedAny}, else the one guard
 * {@link guardOf} gives; `undefined` when nothing is known.
 *
 * @internal
 */
export function alternativesOf(predicate: unknown): GuardAlternatives | undefined {
  if (typeof predicate !== "function") return undefined;
  const recorded = alternatives.get(predicate);
  if (recorded !== undefined) return recorded;
  const guard = guards.get(predicate);
  return guard === undefined ? undefined : [guard];
}

/**
 * `predicate`, the conjunction of `operands`, recorded with the guard and
 * the alternatives that its operands' guards imply (an operand without any constrains
 * nothing).
 *
 * @internal
 */
export function guardedAll<P extends (value: never) => boolean>(predicate: P, operands: readonly unknown[]): P {
  guarded(predicate, guardAll(operands.map(guardOf)));
  const all = alternativesAll(operands.map(alternativesOf));
  if (all !== undefined && all.length > 1) alternatives.set(predicate, all);
  return predicate;
}

/**
 * `predicate`, the disjunction of `operands`, recorded with the guard and
 * the alternatives that its operands' guards imply (an operand without any: none).
 *
 * @internal
 */
export function guardedAny<P extends (value: never) => boolean>(predicate: P, operands: readonly unknown[]): P {
  guarded(predicate, guardAny(operands.map(guardOf)));
  const any = alternativesAny(operands.map(alternativesOf));
  if (any !== undefined && any.length > 1) alternatives.set(predicate, any);
  return predicate;
}

/**
 * The alternatives of a conjunction: one per choice of an alternative from
 * each operand, the chosen guards joined with {@link guardAll}; past
 * {@link MAX_ALTERNATIVES}, the one guard of what each operand's
 * alternatives share ({@link guardAny}), joined. `undefined` operands
 * constrain nothing; `undefined` when nothing is constrained.
 *
 * @internal
 */
export function alternativesAll(operands: readonly (GuardAlternatives | undefined)[]): GuardAlternatives | undefined {
  let product: EventGuard[] = [[]];
  for (const operand of operands) {
    if (operand === undefined) continue;
    const next: EventGuard[] = [];
    for (const left of product) for (const right of operand) next.push(guardAll([left, right]) ?? []);
    if (next.length > MAX_ALTERNATIVES) {
      const common = guardAll(operands.map((alternative) => (alternative === undefined ? undefined : guardAny(alternative))));
      return common === undefined ? undefined : [common];
    }
    product = next;
  }
  return product.some((guard) => guard.length === 0) ? undefined : product;
}

/**
 * The alternatives of a disjunction: every operand's, side by side;
 * `undefined` (nothing known) when an operand has none or one passes every
 * event, and past {@link MAX_ALTERNATIVES} the one guard {@link guardAny}
 * makes of them.
 *
 * @internal
 */
export function alternativesAny(operands: readonly (GuardAlternatives | undefined)[]): GuardAlternatives | undefined {
  if (operands.length === 0 || operands.some((operand) => operand === undefined)) return undefined;
  const all = (operands as readonly GuardAlternatives[]).flat();
  if (all.some((guard) => guard.length === 0)) return undefined;
  if (all.length <= MAX_ALTERNATIVES) return all;
  const common = guardAny(all);
  return common === undefined ? undefined : [common];
}

/** The dimension a field guard constrains. @internal */
export function dimensionOf(guard: FieldGuard): string {
  return `${guard.folded ? "folded" : "exact"}:${guard.field}`;
}

/** The guard of a conjunction: every operand's field guards, those on one dimension intersected. @internal */
export function guardAll(operands: readonly (EventGuard | undefined)[]): EventGuard | undefined {
  const merged = new Map<string, FieldGuard>();
  for (const guard of operands) {
    if (guard === undefined) continue;
    for (const field of guard) {
      const key = dimensionOf(field);
      const before = merged.get(key);
      if (before === undefined) merged.set(key, field);
      else if (before.values === undefined) merged.set(key, field);
      else if (field.values !== undefined) merged.set(key, { ...before, values: new Set([...before.values].filter((value) => field.values!.has(value))) });
    }
  }
  return merged.size === 0 ? undefined : [...merged.values()];
}

/** The guard of a disjunction: the dimensions every operand constrains, their values united; none when an operand has no guard. @internal */
export function guardAny(operands: readonly (EventGuard | undefined)[]): EventGuard | undefined {
  if (operands.length === 0 || operands.some((guard) => guard === undefined)) return undefined;
  const [first, ...rest] = operands as readonly EventGuard[];
  const out: FieldGuard[] = [];
  for (const field of first!) {
    const key = dimensionOf(field);
    let values: Set<string> | undefined = field.values === undefined ? undefined : new Set(field.values);
    let everywhere = true;
    for (const other of rest) {
      const match = other.find((candidate) => dimensionOf(candidate) === key);
      if (match === undefined) {
        everywhere = false;
        break;
      }
      if (values !== undefined) {
        if (match.values === undefined) values = undefined;
        else for (const value of match.values) values.add(value);
      }
    }
    if (everywhere) out.push({ ...field, values });
  }
  return out.length === 0 ? undefined : out;
}

const presence = new WeakMap<object, readonly number[]>();

/**
 * A predicate that holds exactly when every one of `fields` (top-level
 * fields: `user`, `ip`, …) is not `undefined`. The engine tests such a
 * predicate by reading the fields through `readTopLevelField`'s switch
 * instead of calling it (the call site of every rule's filter is shared, so
 * such a call is never inlined; the per-user ready rules ask it of every
 * event). It records no guard: the dispatch gains nothing from fields
 * nearly every event has.
 *
 * @internal
 */
export function whenPresent(...fields: readonly Exclude<EventField, `metrics.${string}` | `raw.${string}`>[]): (event: ComplianceEvent) => boolean {
  const readers = fields.map((field) => fieldReader(field));
  const predicate = (event: ComplianceEvent): boolean => readers.every((read) => read(event) !== undefined);
  presence.set(predicate, readers.map(topLevelFieldCode));
  return predicate;
}

/** The top-level field codes a {@link whenPresent} predicate tests, `undefined` for any other value. @internal */
export function presenceCodesOf(predicate: unknown): readonly number[] | undefined {
  return typeof predicate === "function" ? presence.get(predicate) : undefined;
}
