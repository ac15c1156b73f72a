import type { ComplianceEvent } from "../event.js";
import type { CountRule } from "../rule.js";
import { grown, grownUint } from "./key-table.js";
import { type EngineContext, meets, ringPosition, RuleEvaluator, Stat, isFiniteNumber, timeOrNull } from "./rule-evaluator.js";
import { SliceRing } from "./slice-ring.js";

/**
 * `count` rules: per key a ring of slice counters (Uint32), so the count of
 * any window is a sum of `S` counters whatever order the events came in.
 * An event in the newest slice checks the window ending there; a late event
 * also checks every window ending after its slice (they all gained it).
 * After firing, the slices up to the fired window's end are cleared.
 *
 * @internal
 */
export class CountEvaluator extends RuleEvaluator<CountRule> {
  private readonly ring: SliceRing;
  private counts = new Uint32Array(0);
  /** Newest slice per slot (-Infinity: none yet). */
  private newest = new Float64Array(0);
  /** Earliest and latest counted event time since the last reset. */
  private first = new Float64Array(0);
  private last = new Float64Array(0);

  constructor(rule: CountRule, context: EngineContext) {
    super(rule, context, { keyed: true, window: rule.window });
    this.ring = new SliceRing(rule.window, context.slices, context.allowedLateness);
    this.grow((this.table as { capacity: number }).capacity);
  }

  grow(capacity: number): void {
    this.counts = grownUint(this.counts, capacity * this.ring.ring);
    this.newest = grown(this.newest, capacity);
    this.first = grown(this.first, capacity);
    this.last = grown(this.last, capacity);
  }

  reset(slot: number): void {
    const size = this.ring.ring;
    this.counts.fill(0, slot * size, slot * size + size);
    this.newest[slot] = Number.NEGATIVE_INFINITY;
    this.first[slot] = Number.POSITIVE_INFINITY;
    this.last[slot] = Number.NEGATIVE_INFINITY;
  }

  protected update(event: ComplianceEvent, key: string): void {
    const ring = this.ring;
    const time = event.time;
    const slot = this.slotOf(key);
    const slice = ring.sliceOf(time);
    const size = ring.ring;
    const base = slot * size;
    const counts = this.counts;
    let newest = this.newest[slot] as number;
    if (slice > newest) {
      // Clear the ring slots the new slices take over (all of them after a long gap).
      const steps = newest === Number.NEGATIVE_INFINITY ? 0 : Math.min(size, slice - newest);
      for (let k = 1; k <= steps; k++) counts[base + ringPosition(newest + k, size)] = 0;
      this.newest[slot] = newest = slice;
    } else if (!ring.holds(slice, newest)) {
      this.stats[Stat.Late]++;
      return;
    }
    counts[base + ringPosition(slice, size)]++;
    if (time < (this.first[slot] as number)) this.first[slot] = time;
    if (time > (this.last[slot] as number)) this.last[slot] = time;
    this.remember(event, key);
    const threshold = this.rule.threshold;
    const oldest = newest - size + 1;
    for (let end = slice; end <= newest; end++) {
      let sum = 0;
      for (let s = Math.max(end - ring.slices + 1, oldest); s <= end; s++) sum += counts[base + ringPosition(s, size)] as number;
      if (meets(threshold, sum)) {
        this.fireWindow(event, key, slot, end, sum);
        return;
      }
    }
  }

  private fireWindow(event: ComplianceEvent, key: string, slot: number, end: number, count: number): void {
    const ring = this.ring;
    const from = ring.windowFrom(end);
    const to = ring.windowTo(end);
    const firstTime = Math.max(this.first[slot] as number, from);
    const lastTime = Math.min(this.last[slot] as number, to);
    // Reset: the slices up to the fired window's end start again from zero.
    const size = ring.ring;
    const base = slot * size;
    const newest = this.newest[slot] as number;
    for (let s = Math.max(newest - size + 1, end - size + 1); s <= end; s++) this.counts[base + ringPosition(s, size)] = 0;
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
      message: `${rule.title}${group}: ${count} events within ${rule.window / 1000} s`,
    });
  }

  protected shapeDetail(): unknown {
    return [this.rule.window, this.ring.slices, this.ring.ring];
  }

  exportSlot(slot: number): unknown[] {
    const size = this.ring.ring;
    return [timeOrNull(this.newest[slot] as number), timeOrNull(this.first[slot] as number), timeOrNull(this.last[slot] as number), this.counts.slice(slot * size, slot * size + size)];
  }

  importSlot(slot: number, state: readonly unknown[]): string | undefined {
    const [newest, first, last, counts] = state;
    if (state.length !== 4) return "count state must have 4 fields";
    if (!isFiniteNumber(newest) || !Number.isInteger(newest)) return "newest slice must be an integer";
    if (first !== null && !isFiniteNumber(first)) return "first time must be a number or null";
    if (last !== null && !isFiniteNumber(last)) return "last time must be a number or null";
    if (!(counts instanceof Uint32Array) || counts.length !== this.ring.ring) return `counts must be ${this.ring.ring} u32 values`;
    this.newest[slot] = newest;
    this.first[slot] = first ?? Number.POSITIVE_INFINITY;
    this.last[slot] = last ?? Number.NEGATIVE_INFINITY;
    this.counts.set(counts, slot * this.ring.ring);
    return undefined;
  }
}
