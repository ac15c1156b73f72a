import type { ComplianceEvent } from "../event.js";
import { fieldReader, type FieldReader, readTopLevelField, topLevelFieldCode } from "../event-field.js";
import type { DistinctRule } from "../rule.js";
import { grown, grownInt, type KeyTable } from "./key-table.js";
import { type EngineContext, thresholdFloor, thresholdTest, ringPosition, RuleEvaluator, Stat, isFiniteNumber, timeOrNull } from "./rule-evaluator.js";
import { SliceRing } from "./slice-ring.js";

/** A distinct rule's ring fits one 32-bit mask per value. */
const MAX_RING = 32;

/**
 * Values a key keeps in the slot arrays before it takes a `Map`: on the
 * synthetic stream of bench/synthetic-stream.mjs (users mostly on a home IP),
 * most keys of the per-user distinct-IP rule hold one to three values, and a
 * `Map` per key was most of that rule's garbage collection. Its busiest users
 * reach the threshold (more than 5) again and again, each firing forgetting
 * the window's values: with 8 here and a map given back once it holds no more
 * (clearBits), they stay in the slot arrays, where a `Map` cost them a hash
 * lookup, often a miss, per event (CPU profile of the ready rules: the map's
 * get, set and size lines were a third of that rule's time).
 */
const INLINE = 8;

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
   * insertion order at `slot * INLINE` of `inlineValues` / `inlineBits`
   * (`inlineSize` of them), more in a `Map` (insertion order too; a key that
   * took a map keeps it until it is freed).
   */
  private maps: (Map<string, number> | undefined)[] = [];
  private inlineValues: string[] = [];
  private inlineBits = new Int32Array(0);
  private inlineSize = new Uint8Array(0);
  /** Ring bits of the window ending at the key's newest slice, and how many values occur in it. */
  private windowBits = new Int32Array(0);
  private windowCount = new Int32Array(0);
  private newest = new Float64Array(0);
  private first = new Float64Array(0);
  private last = new Float64Array(0);
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
    this.newest = grown(this.newest, capacity);
    this.first = grown(this.first, capacity);
    this.last = grown(this.last, capacity);
    this.windowBits = grownInt(this.windowBits, capacity);
    this.windowCount = grownInt(this.windowCount, capacity);
    this.inlineBits = grownInt(this.inlineBits, capacity * INLINE);
    const sizes = new Uint8Array(capacity);
    sizes.set(this.inlineSize.subarray(0, Math.min(this.inlineSize.length, capacity)));
    this.inlineSize = sizes;
    for (let i = this.inlineValues.length; i < capacity * INLINE; i++) this.inlineValues.push("");
  }

  reset(slot: number): void {
    this.release(slot);
    this.newest[slot] = Number.NEGATIVE_INFINITY;
    this.first[slot] = Number.POSITIVE_INFINITY;
    this.last[slot] = Number.NEGATIVE_INFINITY;
    this.windowBits[slot] = 0;
    this.windowCount[slot] = 0;
  }

  protected override release(slot: number): void {
    this.maps[slot] = undefined;
    const base = slot * INLINE;
    for (let i = 0; i < INLINE; i++) this.inlineValues[base + i] = "";
    this.inlineSize[slot] = 0;
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
    const bits = this.inlineBits;
    for (let i = base, end = base + (this.inlineSize[slot] as number); i < end; i++) if (((bits[i] as number) & mask) !== 0) count++;
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
        // Back to the slot arrays, in the map's (insertion) order.
        const base = slot * INLINE;
        let at = base;
        for (const value of map.keys()) {
          this.inlineValues[at] = value;
          this.inlineBits[at++] = map.get(value) as number;
        }
        this.inlineSize[slot] = at - base;
        this.maps[slot] = undefined;
      }
      return;
    }
    const base = slot * INLINE;
    const end = base + (this.inlineSize[slot] as number);
    const values = this.inlineValues;
    const bits = this.inlineBits;
    let to = base;
    for (let i = base; i < end; i++) {
      const kept = (bits[i] as number) & ~mask;
      if (kept === 0) continue;
      values[to] = values[i] as string;
      bits[to] = kept;
      to++;
    }
    for (let i = to; i < end; i++) values[i] = "";
    this.inlineSize[slot] = to - base;
  }

  update(event: ComplianceEvent, key: string): void {
    const code = this.valueCode;
    const raw = code >= 0 ? readTopLevelField(event, code) : this.value(event);
    const value = typeof raw === "string" ? raw : typeof raw === "number" || typeof raw === "boolean" ? String(raw) : undefined;
    if (value === undefined) {
      this.stats[Stat.MissingField]++;
      return;
    }
    const ring = this.ring;
    const time = event.time;
    const slot = (this.table as KeyTable).slotOf(key);
    const slice = ring.sliceOf(time);
    let newest = this.newest[slot] as number;
    if (slice > newest) {
      this.advance(slot, newest, slice);
      this.newest[slot] = newest = slice;
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
      size = this.inlineSize[slot] as number;
      const values = this.inlineValues;
      for (let i = base, end = base + size; i < end; i++) {
        if (values[i] === value) {
          at = i;
          bits = this.inlineBits[i] as number;
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
    if (time < (this.first[slot] as number)) this.first[slot] = time;
    if (time > (this.last[slot] as number)) this.last[slot] = time;
    this.evidence.remember(event, key);
    if ((bits & bit) !== 0) return; // already seen in this slice: no window changes
    if (map !== undefined) {
      map.set(value, bits | bit);
      size = map.size;
    } else if (at >= 0) this.inlineBits[at] = bits | bit;
    else if (size < INLINE) {
      this.inlineValues[base + size] = value;
      this.inlineBits[base + size] = bit;
      this.inlineSize[slot] = ++size;
    } else {
      const spilled = new Map<string, number>();
      for (let i = base; i < base + INLINE; i++) {
        spilled.set(this.inlineValues[i] as string, this.inlineBits[i] as number);
        this.inlineValues[i] = "";
      }
      this.inlineSize[slot] = 0;
      spilled.set(value, bit);
      this.maps[slot] = spilled;
      size++;
    }
    const window = this.windowBits[slot] as number;
    if ((bits & window) === 0 && (bit & window) !== 0) this.windowCount[slot]++;
    if (size < this.least) return; // no window of this key holds enough values
    for (let end = slice; end <= newest; end++) {
      const count = end === newest ? (this.windowCount[slot] as number) : this.countIn(slot, this.maskOf(end, newest));
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
    this.windowBits[slot] = window;
    this.windowCount[slot] = this.countIn(slot, window);
  }

  private fireWindow(event: ComplianceEvent, key: string, slot: number, end: number, count: number): void {
    const ring = this.ring;
    const from = ring.windowFrom(end);
    const to = ring.windowTo(end);
    const firstTime = Math.max(this.first[slot] as number, from);
    const lastTime = Math.min(this.last[slot] as number, to);
    const newest = this.newest[slot] as number;
    // Reset: forget the slices up to the fired window's end.
    let cleared = 0;
    for (let s = Math.max(newest - ring.ring + 1, end - ring.ring + 1); s <= end; s++) cleared |= 1 << ringPosition(s, ring.ring);
    this.clearBits(slot, cleared);
    this.windowCount[slot] = this.countIn(slot, this.windowBits[slot] as number);
    this.first[slot] = Number.POSITIVE_INFINITY;
    if (end === newest) this.last[slot] = Number.NEGATIVE_INFINITY;
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
    else for (let i = slot * INLINE, end = i + (this.inlineSize[slot] as number); i < end; i++) values.push(this.inlineValues[i] as string, this.inlineBits[i] as number);
    return [timeOrNull(this.newest[slot] as number), timeOrNull(this.first[slot] as number), timeOrNull(this.last[slot] as number), values];
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
        this.inlineBits[at++] = bits;
      }
      this.inlineSize[slot] = map.size;
    }
    this.newest[slot] = newest;
    this.first[slot] = first ?? Number.POSITIVE_INFINITY;
    this.last[slot] = last ?? Number.NEGATIVE_INFINITY;
    const window = this.maskOf(newest, newest);
    this.windowBits[slot] = window;
    this.windowCount[slot] = this.countIn(slot, window);
    return undefined;
  }
}
