import type { ComplianceEvent } from "../event.js";
import { fieldReader, type FieldReader, readCoded, topLevelFieldCode } from "../event-field.js";
import type { DistinctRule } from "../rule.js";
import { grown, type KeyTable } from "./key-table.js";
import { type EngineContext, thresholdFloor, thresholdTest, ringPosition, RuleEvaluator, Stat, isFiniteNumber, timeOrNull } from "./rule-evaluator.js";
import { SliceRing } from "./slice-ring.js";

/** A distinct rule's ring fits one 32-bit mask per value. */
const MAX_RING = 32;

/**
 * Values a key keeps inline (in `inlineValues` and its record) before it takes a `Map`: on the
 * synthetic stream of bench/synthetic-stream.mjs (users mostly on a home IP),
 * most keys of the per-user distinct-IP rule hold one to three values, and a
 * `Map` per key was most of that rule's garbage collection. Its busiest users
 * reach the threshold (more than 5) again and again, each firing forgetting
 * the window's values: with 8 here and a map given back once it holds no more
 * (clearBits), they stay inline, where a `Map` cost them a hash
 * lookup, often a miss, per event (CPU profile of the ready rules: the map's
 * get, set and size lines were a third of that rule's time).
 */
const INLINE = 8;

// A key's record: doubles at `state[STRIDE slot + …]`, int32s at `ints[INTS slot + …]`.
const STRIDE = 9;
const INTS = 2 * STRIDE;
const NEWEST = 0; // newest slice (-Infinity: none yet)
const FIRST = 1; // earliest counted event time since the last reset
const LAST = 2; // latest counted event time since the last reset
const WINDOW_BITS = 6; // int32: ring bits of the window ending at the newest slice
const WINDOW_COUNT = 7; // int32: how many values occur in that window
const INLINE_SIZE = 8; // int32: values kept inline (0 when the key has a map); int32 9 is unused
const INLINE_BITS = 10; // int32 × INLINE: the inline values' slice masks

/**
 * The bits of `count` consecutive ring positions from `first` on, wrapping
 * at `size` (`size` <= 32; int32 masks, bit 31 included): one or two runs of
 * ones instead of a loop over the slices.
 *
 * @internal
 */
export function ringBits(first: number, count: number, size: number): number {
  if (count <= 0) return 0;
  if (count >= size) return size === 32 ? -1 : ((1 << size) - 1) | 0;
  const end = first + count;
  if (end <= size) return (((1 << count) - 1) << first) | 0;
  // first >= 1 here, so size - first <= 31; and end - size < count <= 31.
  return ((((1 << (size - first)) - 1) << first) | ((1 << (end - size)) - 1)) | 0;
}


/** The mask {@link clearEntry} clears (set just before each `forEach`; JavaScript runs one at a time). */
let clearMask = 0;

/** Forgets the slices of {@link clearMask} in one value's mask, and the value when none is left. */
function clearEntry(bits: number, value: string, map: Map<string, number>): void {
  const kept = bits & ~clearMask;
  if (kept === 0) map.delete(value);
  else if (kept !== bits) map.set(value, kept);
}

/**
 * `distinct` rules (Sigma `value_count`): per key, an exact map from each
 * value to the ring slices (a 32-bit mask) it was seen in. The count of the
 * window ending at the newest slice is kept incrementally (a value entering
 * the window adds one; moving to a new slice recounts once); a late event
 * recounts the windows after it, only when the key holds at least the least
 * count that can meet the threshold ({@link thresholdFloor}: no window counts
 * more values than the key holds). At most `maxDistinctValues` values are kept
 * per key: further new values are counted in the `overflow` statistic and
 * the count saturates there, which is exact for every threshold below that
 * size (the engine refuses thresholds at or above it).
 *
 * @internal
 */
export class DistinctEvaluator extends RuleEvaluator<DistinctRule> {
  private readonly ring: SliceRing;
  private readonly value: FieldReader;
  /** The value field's {@link topLevelFieldCode} (-1: read through `value`; one call site serves every distinct rule). */
  private readonly valueCode: number;
  /**
   * The values of a key and their slice masks: up to {@link INLINE} in
   * insertion order, at `slot * INLINE` of `inlineValues` and in the key's
   * record (`INLINE_SIZE` of them), more in a `Map` (insertion order too; a
   * key that took a map keeps it until it is freed).
   */
  private maps: (Map<string, number> | undefined)[] = [];
  private inlineValues: string[] = [];
  /**
   * Per key one record of a buffer seen as doubles and as int32s: newest
   * slice, first and last time, the newest window's bits and count, the
   * inline size and the inline values' masks. The per-user rule touches a
   * random user's record (72 bytes: at most two cache lines) on every event,
   * where an array per field was a line in each of seven.
   */
  private state = new Float64Array(0);
  private ints = new Int32Array(0);
  private readonly meets: (count: number) => boolean;
  /** {@link thresholdFloor} of the rule's threshold: a key with fewer values cannot fire in any window. */
  private readonly least: number;

  constructor(rule: DistinctRule, context: EngineContext) {
    super(rule, context, { keyed: true, window: rule.window });
    this.ring = new SliceRing(rule.window, context.slices, context.allowedLateness, MAX_RING);
    this.value = fieldReader(rule.field);
    this.valueCode = topLevelFieldCode(this.value);
    this.meets = thresholdTest(rule.threshold);
    this.least = thresholdFloor(rule.threshold);
    this.grow((this.table as { capacity: number }).capacity);
  }

  grow(capacity: number): void {
    this.state = grown(this.state, capacity * STRIDE);
    this.ints = new Int32Array(this.state.buffer);
    for (let i = this.inlineValues.length; i < capacity * INLINE; i++) this.inlineValues.push("");
  }

  /** Where inline value `i` (an index into `inlineValues`) of `slot` keeps its mask in `ints`: at `i + bitsOffset(slot)`. */
  private bitsOffset(slot: number): number {
    return slot * (INTS - INLINE) + INLINE_BITS;
  }

  reset(slot: number): void {
    this.release(slot);
    const f = slot * STRIDE;
    this.state[f + NEWEST] = Number.NEGATIVE_INFINITY;
    this.state[f + FIRST] = Number.POSITIVE_INFINITY;
    this.state[f + LAST] = Number.NEGATIVE_INFINITY;
    this.ints[slot * INTS + WINDOW_BITS] = 0;
    this.ints[slot * INTS + WINDOW_COUNT] = 0;
  }

  protected override release(slot: number): void {
    this.maps[slot] = undefined;
    const base = slot * INLINE;
    for (let i = 0; i < INLINE; i++) this.inlineValues[base + i] = "";
    this.ints[slot * INTS + INLINE_SIZE] = 0;
  }

  /** Ring bits of the window ending at `end`, for a key whose newest slice is `newest`. */
  private maskOf(end: number, newest: number): number {
    const size = this.ring.ring;
    const first = Math.max(end - this.ring.slices + 1, newest - size + 1);
    return ringBits(ringPosition(first, size), end - first + 1, size);
  }

  /** How many values of `slot` occur in the ring slices of `mask`. */
  private countIn(slot: number, mask: number): number {
    let count = 0;
    const map = this.maps[slot];
    if (map !== undefined) {
      for (const bits of map.values()) if ((bits & mask) !== 0) count++;
      return count;
    }
    const base = slot * INLINE;
    const ints = this.ints;
    const off = this.bitsOffset(slot);
    for (let i = base, end = base + (ints[slot * INTS + INLINE_SIZE] as number); i < end; i++) if (((ints[i + off] as number) & mask) !== 0) count++;
    return count;
  }

  /** Forgets the ring slices of `mask` in `slot`: values left with no slice go, the others keep their order. */
  private clearBits(slot: number, mask: number): void {
    const map = this.maps[slot];
    if (map !== undefined) {
      // forEach with a module-level callback: `for (const [value, bits] of map)`
      // made an entry array per value (the sampling heap profiler put 14 of
      // the ready rules' 73 bytes per event of the synthetic stream here).
      clearMask = mask;
      map.forEach(clearEntry);
      if (map.size <= INLINE) {
        // Back inline, in the map's (insertion) order.
        const base = slot * INLINE;
        const off = this.bitsOffset(slot);
        let at = base;
        for (const value of map.keys()) {
          this.inlineValues[at] = value;
          this.ints[at++ + off] = map.get(value) as number;
        }
        this.ints[slot * INTS + INLINE_SIZE] = at - base;
        this.maps[slot] = undefined;
      }
      return;
    }
    const base = slot * INLINE;
    const end = base + (this.ints[slot * INTS + INLINE_SIZE] as number);
    const values = this.inlineValues;
    const bits = this.ints;
    const off = this.bitsOffset(slot);
    let to = base;
    for (let i = base; i < end; i++) {
      const kept = (bits[i + off] as number) & ~mask;
      if (kept === 0) continue;
      values[to] = values[i] as string;
      bits[to + off] = kept;
      to++;
    }
    for (let i = to; i < end; i++) values[i] = "";
    this.ints[slot * INTS + INLINE_SIZE] = to - base;
  }

  update(event: ComplianceEvent, key: string): void {
    const raw = readCoded(event, this.valueCode, this.value);
    const value = typeof raw === "string" ? raw : typeof raw === "number" || typeof raw === "boolean" ? String(raw) : undefined;
    if (value === undefined) {
      this.stats[Stat.MissingField]++;
      return;
    }
    const ring = this.ring;
    const time = event.time;
    const slot = (this.table as KeyTable).slotOf(key);
    const slice = ring.sliceOf(time);
    const state = this.state;
    const ints = this.ints;
    const f = slot * STRIDE;
    const n = slot * INTS;
    const off = this.bitsOffset(slot);
    let newest = state[f + NEWEST] as number;
    if (slice > newest) {
      this.advance(slot, newest, slice);
      state[f + NEWEST] = newest = slice;
    } else if (!ring.holds(slice, newest)) {
      this.stats[Stat.Late]++;
      return;
    }
    const bit = 1 << ringPosition(slice, ring.ring);
    // The value's slice mask (0: new), where it is kept, and how many values the key has.
    const map = this.maps[slot];
    const base = slot * INLINE;
    let at = -1;
    let bits = 0;
    let size: number;
    if (map === undefined) {
      size = ints[n + INLINE_SIZE] as number;
      const values = this.inlineValues;
      for (let i = base, end = base + size; i < end; i++) {
        if (values[i] === value) {
          at = i;
          bits = ints[i + off] as number;
          break;
        }
      }
    } else {
      size = map.size;
      const before = map.get(value);
      if (before !== undefined) {
        at = 0;
        bits = before;
      }
    }
    if (at < 0 && size >= this.context.maxDistinctValues) {
      this.stats[Stat.Overflow]++;
      return;
    }
    if (time < (state[f + FIRST] as number)) state[f + FIRST] = time;
    if (time > (state[f + LAST] as number)) state[f + LAST] = time;
    this.evidence.remember(event, key);
    if ((bits & bit) !== 0) return; // already seen in this slice: no window changes
    if (map !== undefined) {
      map.set(value, bits | bit);
      size = map.size;
    } else if (at >= 0) ints[at + off] = bits | bit;
    else if (size < INLINE) {
      this.inlineValues[base + size] = value;
      ints[base + size + off] = bit;
      ints[n + INLINE_SIZE] = ++size;
    } else {
      const spilled = new Map<string, number>();
      for (let i = base; i < base + INLINE; i++) {
        spilled.set(this.inlineValues[i] as string, ints[i + off] as number);
        this.inlineValues[i] = "";
      }
      ints[n + INLINE_SIZE] = 0;
      spilled.set(value, bit);
      this.maps[slot] = spilled;
      size++;
    }
    const window = ints[n + WINDOW_BITS] as number;
    if ((bits & window) === 0 && (bit & window) !== 0) ints[n + WINDOW_COUNT]++;
    if (size < this.least) return; // no window of this key holds enough values
    for (let end = slice; end <= newest; end++) {
      const count = end === newest ? (ints[n + WINDOW_COUNT] as number) : this.countIn(slot, this.maskOf(end, newest));
      if (this.meets(count)) {
        this.fireWindow(event, key, slot, end, count);
        return;
      }
    }
  }

  /** The key's newest slice moves from `newest` to `slice`: forget the slices the ring drops, recount. */
  private advance(slot: number, newest: number, slice: number): void {
    const size = this.ring.ring;
    if (newest !== Number.NEGATIVE_INFINITY) {
      const dropped = ringBits(ringPosition(newest + 1, size), Math.min(size, slice - newest), size);
      if (dropped !== 0) this.clearBits(slot, dropped);
    }
    const window = this.maskOf(slice, slice);
    this.ints[slot * INTS + WINDOW_BITS] = window;
    this.ints[slot * INTS + WINDOW_COUNT] = this.countIn(slot, window);
  }

  private fireWindow(event: ComplianceEvent, key: string, slot: number, end: number, count: number): void {
    const ring = this.ring;
    const from = ring.windowFrom(end);
    const to = ring.windowTo(end);
    const state = this.state;
    const f = slot * STRIDE;
    const firstTime = Math.max(state[f + FIRST] as number, from);
    const lastTime = Math.min(state[f + LAST] as number, to);
    const newest = state[f + NEWEST] as number;
    // Reset: forget the slices up to the fired window's end.
    let cleared = 0;
    for (let s = Math.max(newest - ring.ring + 1, end - ring.ring + 1); s <= end; s++) cleared |= 1 << ringPosition(s, ring.ring);
    this.clearBits(slot, cleared);
    this.ints[slot * INTS + WINDOW_COUNT] = this.countIn(slot, this.ints[slot * INTS + WINDOW_BITS] as number);
    state[f + FIRST] = Number.POSITIVE_INFINITY;
    if (end === newest) state[f + LAST] = Number.NEGATIVE_INFINITY;
    if (this.suppressed(event.time, slot)) return; // before the message is made
    const rule = this.rule;
    const group = key === "" ? "" : ` for ${key}`;
    this.alert(
      event,
      key,
      slot,
      from,
      to,
      count,
      undefined,
      firstTime,
      lastTime,
      `${rule.title}${group}: ${count} distinct values of ${rule.field} within ${rule.window / 1000} s`,
    );
  }

  protected shapeDetail(): unknown {
    return [this.rule.window, this.rule.field, this.ring.slices, this.ring.ring];
  }

  exportSlot(slot: number): unknown[] {
    const values: (string | number)[] = [];
    const map = this.maps[slot];
    if (map !== undefined) for (const [value, bits] of map) values.push(value, bits);
    else {
      const off = this.bitsOffset(slot);
      for (let i = slot * INLINE, end = i + (this.ints[slot * INTS + INLINE_SIZE] as number); i < end; i++) values.push(this.inlineValues[i] as string, this.ints[i + off] as number);
    }
    const f = slot * STRIDE;
    return [timeOrNull(this.state[f + NEWEST] as number), timeOrNull(this.state[f + FIRST] as number), timeOrNull(this.state[f + LAST] as number), values];
  }

  importSlot(slot: number, state: readonly unknown[]): string | undefined {
    const [newest, first, last, values] = state;
    if (state.length !== 4) return "distinct state must have 4 fields";
    if (!isFiniteNumber(newest) || !Number.isInteger(newest)) return "newest slice must be an integer";
    if (first !== null && !isFiniteNumber(first)) return "first time must be a number or null";
    if (last !== null && !isFiniteNumber(last)) return "last time must be a number or null";
    if (!Array.isArray(values) || values.length % 2 !== 0) return "values must be value, mask pairs";
    if (values.length / 2 > this.context.maxDistinctValues) return "more values than maxDistinctValues";
    const map = new Map<string, number>();
    const full = this.ring.ring === 32 ? -1 : (1 << this.ring.ring) - 1;
    for (let i = 0; i < values.length; i += 2) {
      const value = values[i];
      const bits = values[i + 1];
      if (typeof value !== "string" || map.has(value)) return "values must be distinct strings";
      if (typeof bits !== "number" || !Number.isInteger(bits) || bits === 0 || (bits | 0) !== bits || (bits & ~full) !== 0) return "bad slice mask";
      map.set(value, bits);
    }
    this.release(slot);
    if (map.size > INLINE) this.maps[slot] = map;
    else {
      let at = slot * INLINE;
      for (const [value, bits] of map) {
        this.inlineValues[at] = value;
        this.ints[at++ + this.bitsOffset(slot)] = bits;
      }
      this.ints[slot * INTS + INLINE_SIZE] = map.size;
    }
    const f = slot * STRIDE;
    this.state[f + NEWEST] = newest;
    this.state[f + FIRST] = first ?? Number.POSITIVE_INFINITY;
    this.state[f + LAST] = last ?? Number.NEGATIVE_INFINITY;
    const window = this.maskOf(newest, newest);
    this.ints[slot * INTS + WINDOW_BITS] = window;
    this.ints[slot * INTS + WINDOW_COUNT] = this.countIn(slot, window);
    return undefined;
  }
}
