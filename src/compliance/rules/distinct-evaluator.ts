import type { ComplianceEvent } from "../event.js";
import { fieldReader, type FieldReader } from "../event-field.js";
import type { DistinctRule } from "../rule.js";
import { grown, type KeyTable } from "./key-table.js";
import { type EngineContext, thresholdTest, ringPosition, RuleEvaluator, Stat, isFiniteNumber, timeOrNull } from "./rule-evaluator.js";
import { SliceRing } from "./slice-ring.js";

/** A distinct rule's ring fits one 32-bit mask per value. */
const MAX_RING = 32;

/** The values of one key: value -> bit mask of the ring slices it occurred in. */
class DistinctValues {
  readonly values = new Map<string, number>();
  /** Values seen in the window ending at the key's newest slice. */
  count = 0;
  /** Ring bits of that window. */
  window = 0;
}

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

/**
 * `distinct` rules (Sigma `value_count`): per key, an exact map from each
 * value to the ring slices (a 32-bit mask) it was seen in. The count of the
 * window ending at the newest slice is kept incrementally (a value entering
 * the window adds one; moving to a new slice recounts once); a late event
 * recounts the windows after it. At most `maxDistinctValues` values are kept
 * per key: further new values are counted in the `overflow` statistic and
 * the count saturates there, which is exact for every threshold below that
 * size (the engine refuses thresholds at or above it).
 *
 * @internal
 */
export class DistinctEvaluator extends RuleEvaluator<DistinctRule> {
  private readonly ring: SliceRing;
  private readonly value: FieldReader;
  private sets: (DistinctValues | undefined)[] = [];
  private newest = new Float64Array(0);
  private first = new Float64Array(0);
  private last = new Float64Array(0);
  private readonly meets: (count: number) => boolean;

  constructor(rule: DistinctRule, context: EngineContext) {
    super(rule, context, { keyed: true, window: rule.window });
    this.ring = new SliceRing(rule.window, context.slices, context.allowedLateness, MAX_RING);
    this.value = fieldReader(rule.field);
    this.meets = thresholdTest(rule.threshold);
    this.grow((this.table as { capacity: number }).capacity);
  }

  grow(capacity: number): void {
    this.newest = grown(this.newest, capacity);
    this.first = grown(this.first, capacity);
    this.last = grown(this.last, capacity);
  }

  reset(slot: number): void {
    this.sets[slot] = undefined;
    this.newest[slot] = Number.NEGATIVE_INFINITY;
    this.first[slot] = Number.POSITIVE_INFINITY;
    this.last[slot] = Number.NEGATIVE_INFINITY;
  }

  protected override release(slot: number): void {
    this.sets[slot] = undefined;
  }

  /** Ring bits of the window ending at `end`, for a key whose newest slice is `newest`. */
  private maskOf(end: number, newest: number): number {
    const size = this.ring.ring;
    const first = Math.max(end - this.ring.slices + 1, newest - size + 1);
    return ringBits(ringPosition(first, size), end - first + 1, size);
  }

  private static countIn(set: DistinctValues, mask: number): number {
    let count = 0;
    for (const bits of set.values.values()) if ((bits & mask) !== 0) count++;
    return count;
  }

  update(event: ComplianceEvent, key: string): void {
    const raw = this.value(event);
    const value = typeof raw === "string" ? raw : typeof raw === "number" || typeof raw === "boolean" ? String(raw) : undefined;
    if (value === undefined) {
      this.stats[Stat.MissingField]++;
      return;
    }
    const ring = this.ring;
    const time = event.time;
    const slot = (this.table as KeyTable).slotOf(key, this.context.watermark);
    const slice = ring.sliceOf(time);
    let set = this.sets[slot];
    if (set === undefined) this.sets[slot] = set = new DistinctValues();
    let newest = this.newest[slot] as number;
    if (slice > newest) {
      this.advance(set, newest, slice);
      this.newest[slot] = newest = slice;
    } else if (!ring.holds(slice, newest)) {
      this.stats[Stat.Late]++;
      return;
    }
    const bit = 1 << ringPosition(slice, ring.ring);
    const before = set.values.get(value);
    if (before === undefined && set.values.size >= this.context.maxDistinctValues) {
      this.stats[Stat.Overflow]++;
      return;
    }
    const bits = before ?? 0;
    if (time < (this.first[slot] as number)) this.first[slot] = time;
    if (time > (this.last[slot] as number)) this.last[slot] = time;
    this.evidence.remember(event, key);
    if ((bits & bit) !== 0) return; // already seen in this slice: no window changes
    set.values.set(value, bits | bit);
    if ((bits & set.window) === 0 && (bit & set.window) !== 0) set.count++;
    for (let end = slice; end <= newest; end++) {
      const count = end === newest ? set.count : DistinctEvaluator.countIn(set, this.maskOf(end, newest));
      if (this.meets(count)) {
        this.fireWindow(event, key, slot, set, end, count);
        return;
      }
    }
  }

  /** The key's newest slice moves from `newest` to `slice`: forget the slices the ring drops, recount. */
  private advance(set: DistinctValues, newest: number, slice: number): void {
    const size = this.ring.ring;
    if (newest !== Number.NEGATIVE_INFINITY) {
      const dropped = ringBits(ringPosition(newest + 1, size), Math.min(size, slice - newest), size);
      if (dropped !== 0) {
        for (const [value, bits] of set.values) {
          const kept = bits & ~dropped;
          if (kept === 0) set.values.delete(value);
          else if (kept !== bits) set.values.set(value, kept);
        }
      }
    }
    set.window = this.maskOf(slice, slice);
    set.count = DistinctEvaluator.countIn(set, set.window);
  }

  private fireWindow(event: ComplianceEvent, key: string, slot: number, set: DistinctValues, end: number, count: number): void {
    const ring = this.ring;
    const from = ring.windowFrom(end);
    const to = ring.windowTo(end);
    const firstTime = Math.max(this.first[slot] as number, from);
    const lastTime = Math.min(this.last[slot] as number, to);
    const newest = this.newest[slot] as number;
    // Reset: forget the slices up to the fired window's end.
    let cleared = 0;
    for (let s = Math.max(newest - ring.ring + 1, end - ring.ring + 1); s <= end; s++) cleared |= 1 << ringPosition(s, ring.ring);
    for (const [value, bits] of set.values) {
      const kept = bits & ~cleared;
      if (kept === 0) set.values.delete(value);
      else if (kept !== bits) set.values.set(value, kept);
    }
    set.count = DistinctEvaluator.countIn(set, set.window);
    this.first[slot] = Number.POSITIVE_INFINITY;
    if (end === newest) this.last[slot] = Number.NEGATIVE_INFINITY;
    const rule = this.rule;
    const group = key === "" ? "" : ` for ${key}`;
    this.fire(event, key, slot, {
      from,
      to,
      count,
      value: undefined,
      firstTime,
      lastTime,
      message: `${rule.title}${group}: ${count} distinct values of ${rule.field} within ${rule.window / 1000} s`,
    });
  }

  protected shapeDetail(): unknown {
    return [this.rule.window, this.rule.field, this.ring.slices, this.ring.ring];
  }

  exportSlot(slot: number): unknown[] {
    const set = this.sets[slot];
    const values: (string | number)[] = [];
    if (set !== undefined) for (const [value, bits] of set.values) values.push(value, bits);
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
    const set = new DistinctValues();
    const full = this.ring.ring === 32 ? -1 : (1 << this.ring.ring) - 1;
    for (let i = 0; i < values.length; i += 2) {
      const value = values[i];
      const bits = values[i + 1];
      if (typeof value !== "string" || set.values.has(value)) return "values must be distinct strings";
      if (typeof bits !== "number" || !Number.isInteger(bits) || bits === 0 || (bits | 0) !== bits || (bits & ~full) !== 0) return "bad slice mask";
      set.values.set(value, bits);
    }
    this.newest[slot] = newest;
    this.first[slot] = first ?? Number.POSITIVE_INFINITY;
    this.last[slot] = last ?? Number.NEGATIVE_INFINITY;
    set.window = this.maskOf(newest, newest);
    set.count = DistinctEvaluator.countIn(set, set.window);
    this.sets[slot] = set;
    return undefined;
  }
}
