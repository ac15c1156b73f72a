import type { ComplianceEvent } from "../event.js";
import { readCoded, topLevelFieldCode } from "../event-field.js";
import { dimensionOf, type EventGuard, type FieldGuard, foldedText, type GuardAlternatives } from "./event-guard.js";

/** Classes of a field's value in one dimension; values of the dimension's table are `FIRST_VALUE + index`. */
const ABSENT = 0;
/** A value a folded guard cannot judge (not a string, not `undefined`): passes every guard of the dimension. */
const UNKNOWN = 1;
/** A string in none of the dimension's value sets (or, exact, a value that is not a string). */
const OTHER = 2;
const FIRST_VALUE = 3;

/** Fields read per event at most: the ones most rules are guarded on. */
const MAX_DIMENSIONS = 6;
/** Strings a dimension remembers the class of, beyond the values its guards name. */
const LEARNED = 1024;
/** Value combinations kept in an array (beyond, a Map). */
const ARRAY_CODES = 1 << 14;

/** One field the dispatch reads per event, and the values its guards name. */
class Dimension {
  /** Each named value's class. */
  readonly table = new Map<string, number>();
  readonly values: string[] = [];
  /** Strings classed so far beyond the named values (kept in `table`, up to {@link LEARNED}). */
  private learned = 0;

  /** The field's {@link topLevelFieldCode} (-1: read through `read`). */
  private readonly code: number;

  constructor(
    readonly key: string,
    readonly read: (event: ComplianceEvent) => unknown,
    readonly folded: boolean,
  ) {
    this.code = topLevelFieldCode(read);
  }

  add(value: string): void {
    if (this.table.has(value)) return;
    this.table.set(value, FIRST_VALUE + this.values.length);
    this.values.push(value);
  }

  get radix(): number {
    return FIRST_VALUE + this.values.length;
  }

  /** The class of `event`'s value. */
  classOf(event: ComplianceEvent): number {
    const value = readCoded(event, this.code, this.read);
    if (value === undefined) return ABSENT;
    if (typeof value !== "string") return this.folded ? UNKNOWN : OTHER;
    const table = this.table;
    if (table.size === 0) return OTHER;
    const known = table.get(value);
    if (known !== undefined) return known;
    let cls = OTHER;
    if (this.folded) {
      const folded = foldedText(value);
      if (folded !== value) cls = table.get(folded) ?? OTHER;
    }
    // A field the guards name has few values (kinds, levels): remember each
    // string's class, so the next event with it costs one lookup, no folding.
    if (this.learned < LEARNED) {
      table.set(value, cls);
      this.learned++;
    }
    return cls;
  }
}

/** Per dimension: `undefined` (unconstrained), `null` (any value but `undefined`) or the accepted classes. */
type Accept = ReadonlySet<number> | null | undefined;

/**
 * Picks, per event, the items (the engine's rule gates) whose guards
 * (event-guard.ts) the event can pass: the up to {@link MAX_DIMENSIONS}
 * fields that most guards constrain (a guard naming values counting twice)
 * are read once per event and each
 * value classed through a hash table of the values the guards name (case
 * folded for Sigma's); the classes make one number, and the list of items
 * for that number is made the first time it is seen and kept (order kept,
 * so alerts come in rule order). An item has guard alternatives (an event
 * must pass one of them: a Sigma `a or b` on different fields); an item
 * without any, or with one guarded on other fields only, is in every list;
 * its own filter still decides, so the dispatch only spares the calls of
 * filters that would reject.
 *
 * @internal
 */
export class GateDispatch<G> {
  private readonly dimensions: Dimension[] = [];
  /** Per item: `undefined` (in every list) or its alternatives, each an {@link Accept} per dimension. */
  private readonly accepts: (Accept[][] | undefined)[];
  private readonly listArray: (readonly G[] | undefined)[] | undefined;
  private readonly listMap: Map<number, readonly G[]> | undefined;

  constructor(
    private readonly items: readonly G[],
    alternatives: readonly (GuardAlternatives | undefined)[],
  ) {
    const counts = new Map<string, { count: number; first: FieldGuard }>();
    const guards: EventGuard[] = alternatives.flatMap((guard) => guard ?? []);
    for (const guard of guards) {
      for (const field of guard) {
        const key = dimensionOf(field);
        // A guard naming values narrows more than one asking only for a
        // present field: on bench/sigma.mjs, the five status rules' values of
        // raw.metadata.status outrank the user field every event has.
        const weight = field.values === undefined ? 1 : 2;
        const entry = counts.get(key);
        if (entry === undefined) counts.set(key, { count: weight, first: field });
        else entry.count += weight;
      }
    }
    const chosen = [...counts.entries()].sort((a, b) => b[1].count - a[1].count).slice(0, MAX_DIMENSIONS);
    for (const [key, { first }] of chosen) this.dimensions.push(new Dimension(key, first.read, first.folded));
    for (const guard of guards) {
      for (const field of guard) for (const value of field.values ?? []) this.dimensions.find((d) => d.key === dimensionOf(field))?.add(value);
    }
    const acceptOf = (guard: EventGuard): Accept[] =>
      this.dimensions.map((dimension) => {
        const field = guard.find((candidate) => dimensionOf(candidate) === dimension.key);
        if (field === undefined) return undefined;
        if (field.values === undefined) return null;
        return new Set([...field.values].map((value) => dimension.table.get(value) as number));
      });
    this.accepts = alternatives.map((guard) => {
      if (guard === undefined || guard.length === 0) return undefined;
      const each = guard.map(acceptOf);
      // An alternative the chosen fields do not constrain lets every event through.
      return each.some((accept) => accept.every((a) => a === undefined)) ? undefined : each;
    });
    let codes = 1;
    for (const dimension of this.dimensions) codes *= dimension.radix;
    if (codes <= ARRAY_CODES) this.listArray = new Array<readonly G[] | undefined>(codes).fill(undefined);
    else this.listMap = new Map();
  }

  /** The items `event` may pass the guards of, in their order. */
  select(event: ComplianceEvent): readonly G[] {
    const dimensions = this.dimensions;
    if (dimensions.length === 0) return this.items;
    let code = 0;
    for (let i = 0; i < dimensions.length; i++) {
      const dimension = dimensions[i] as Dimension;
      code = code * dimension.radix + dimension.classOf(event);
    }
    const array = this.listArray;
    if (array !== undefined) return array[code] ?? (array[code] = this.listFor(code));
    const map = this.listMap as Map<number, readonly G[]>;
    let list = map.get(code);
    if (list === undefined) map.set(code, (list = this.listFor(code)));
    return list;
  }

  /** The items whose guards accept the classes `code` stands for. */
  private listFor(code: number): readonly G[] {
    const classes = new Array<number>(this.dimensions.length);
    for (let i = this.dimensions.length - 1; i >= 0; i--) {
      const radix = (this.dimensions[i] as Dimension).radix;
      classes[i] = code % radix;
      code = Math.floor(code / radix);
    }
    const passes = (accepts: readonly Accept[]): boolean =>
      accepts.every((accept, i) => {
        const cls = classes[i] as number;
        if (accept === undefined) return true;
        if (cls === ABSENT) return false;
        if (cls === UNKNOWN || accept === null) return true;
        return accept.has(cls);
      });
    return this.items.filter((_, item) => {
      const alternatives = this.accepts[item];
      return alternatives === undefined || alternatives.some(passes);
    });
  }
}
