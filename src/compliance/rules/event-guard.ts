import type { ComplianceEvent } from "../event.js";
import { foldUnit } from "../sigma/case-fold.js";

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
 * Guards are kept beside the predicate functions they describe (a WeakMap,
 * so a rule definition copied with `{ ...rule }` keeps its guard), never on
 * the rule model: a predicate written by hand has none and is always called.
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

const guards = new WeakMap<object, EventGuard>();

/** `predicate`, recorded as holding only for events that pass `guard`. @internal */
export function guarded<P extends (value: never) => boolean>(predicate: P, guard: EventGuard | undefined): P {
  if (guard !== undefined && guard.length > 0) guards.set(predicate, guard);
  return predicate;
}

/** The guard recorded for `predicate`, if any. @internal */
export function guardOf(predicate: unknown): EventGuard | undefined {
  return typeof predicate === "function" ? guards.get(predicate) : undefined;
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

/** `text` case-folded as Sigma compares it; `text` itself (no new string) when folding changes nothing. @internal */
export function foldedText(text: string): string {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (foldUnit(c) !== c) {
      let out = text.slice(0, i);
      for (let j = i; j < text.length; j++) out += String.fromCharCode(foldUnit(text.charCodeAt(j)));
      return out;
    }
  }
  return text;
}
