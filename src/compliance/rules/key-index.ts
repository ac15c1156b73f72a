import type { ComplianceEvent } from "../event.js";
import { type FieldReader, readCoded, topLevelFieldCode } from "../event-field.js";
import { grownInt } from "./key-table.js";

/** The key tables an index serves: told when the id space grows. @internal */
export interface KeyIndexUser {
  /** Ids run from 0 to `capacity - 1` from now on. */
  growIds(capacity: number): void;
}

const INITIAL_CAPACITY = 64;
const KEY_SEPARATOR = "|";

/**
 * The group keys of the rules that group by the same fields, shared: the
 * key text of an event is built once, and looked up once, however many of
 * those rules match it. Each live key has a small integer id; each rule's
 * {@link KeyTable} maps ids to its own slots through an `Int32Array`, keeps
 * its own least-recently-touched order, cap and evictions, and holds the
 * ids of its live keys. An id is freed when no table holds it any more, so
 * the index never has more keys than its tables together.
 *
 * Two memos make the repeated work of one event free: the key of the event
 * being evaluated (valid while `context.evaluation` is unchanged; the engine
 * bumps it for every event and every alert, so a reused event object or a
 * callback that changes one never sees a stale key), and the id of the key
 * looked up last (kept true by every add and release; checked only within
 * the same evaluation, so the key of the previous event costs no string
 * comparison: keys built per event are rarely internalized, and comparing
 * two different ones calls V8's StringEqual).
 *
 * @internal
 */
export class KeyIndex {
  private readonly ids = new Map<string, number>();
  /** The key of each id (`""` when free). */
  readonly keys: string[] = [];
  /** How many tables hold each id. */
  private holders = new Int32Array(INITIAL_CAPACITY);
  /** Freed ids, a stack in a typed array (`freeCount` of them; see KeyTable's free slots for why not a JS array). */
  private free = new Int32Array(INITIAL_CAPACITY);
  private freeCount = 0;
  private used = 0;
  capacity = INITIAL_CAPACITY;
  private readonly users: KeyIndexUser[] = [];
  private eventMemo: number = Number.NaN;
  private keyMemo: string | undefined = undefined;
  private lookedUp: string | undefined = undefined;
  private lookedUpId = -1;
  /** The evaluation of the last lookup: compared first, so a key of another event costs no string comparison. */
  private lookedUpIn: number = Number.NaN;
  /** Per group-by field: its {@link topLevelFieldCode} (-1: read through its reader). */
  private readonly codes: Int32Array;

  constructor(
    private readonly readers: readonly FieldReader[],
    private readonly context: { readonly evaluation: number },
  ) {
    this.codes = Int32Array.from(readers, topLevelFieldCode);
  }

  /** Live keys. */
  get size(): number {
    return this.ids.size;
  }

  /** Registers a table (its id map must follow {@link KeyIndex.capacity}). */
  use(user: KeyIndexUser): void {
    this.users.push(user);
  }

  /** The group key of `event` (values of the group-by fields joined by `|`, with `|` and `\` escaped), or `undefined` when a field is missing; built once per evaluation. */
  keyOf(event: ComplianceEvent): string | undefined {
    const evaluation = this.context.evaluation;
    if (this.eventMemo === evaluation) return this.keyMemo;
    const key = groupKey(this.readers, this.codes, event);
    this.eventMemo = evaluation;
    this.keyMemo = key;
    return key;
  }

  /** The id of `key`, -1 when no table holds it. */
  idOf(key: string): number {
    const evaluation = this.context.evaluation;
    if (this.lookedUpIn === evaluation && key === this.lookedUp) return this.lookedUpId;
    const id = this.ids.get(key) ?? -1;
    this.lookedUp = key;
    this.lookedUpId = id;
    this.lookedUpIn = evaluation;
    return id;
  }

  /** Gives `key` (not live) an id, held by no table yet. */
  add(key: string): number {
    let id: number;
    if (this.freeCount > 0) id = this.free[--this.freeCount] as number;
    else {
      if (this.used === this.capacity) this.grow(this.capacity * 2);
      id = this.used++;
    }
    this.ids.set(key, id);
    this.keys[id] = key;
    this.holders[id] = 0;
    this.lookedUp = key;
    this.lookedUpId = id;
    this.lookedUpIn = this.context.evaluation;
    return id;
  }

  /** A table took a slot for `id`. */
  hold(id: number): void {
    this.holders[id]++;
  }

  /** A table let `id` go; the key leaves the index when no table holds it. */
  release(id: number): void {
    if (--(this.holders as Int32Array)[id] !== 0) return;
    const key = this.keys[id] as string;
    this.ids.delete(key);
    this.keys[id] = "";
    this.free[this.freeCount++] = id;
    if (this.lookedUpId === id) this.lookedUpId = -1;
  }

  private grow(capacity: number): void {
    this.holders = grownInt(this.holders, capacity);
    this.free = grownInt(this.free, capacity);
    this.capacity = capacity;
    for (const user of this.users) user.growIds(capacity);
  }
}

/**
 * The group key of `event` (see {@link KeyIndex.keyOf}). Through `codes`
 * (each reader's {@link topLevelFieldCode}), top-level fields are read by
 * `readCoded`, not by calling the reader: this call site serves every index,
 * and a call of one of many readers is not inlined.
 *
 * @internal
 */
export function groupKey(readers: readonly FieldReader[], codes: Int32Array, event: ComplianceEvent): string | undefined {
  if (readers.length === 0) return "";
  if (readers.length === 1) return keyPart(readCoded(event, codes[0] as number, readers[0] as FieldReader), false);
  let key = "";
  for (let i = 0; i < readers.length; i++) {
    const part = keyPart(readCoded(event, codes[i] as number, readers[i] as FieldReader), true);
    if (part === undefined) return undefined;
    key = i === 0 ? part : key + KEY_SEPARATOR + part;
  }
  return key;
}

/** One group-by value as key text: strings as they are, numbers and booleans as `String` gives them, anything else missing. @internal */
export function keyPart(value: unknown, escape: boolean): string | undefined {
  if (typeof value === "string") {
    return escape && (value.includes("|") || value.includes("\\")) ? value.replace(/[\\|]/g, "\\$&") : value;
  }
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") return String(value);
  return undefined;
}
