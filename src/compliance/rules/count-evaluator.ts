import type { ComplianceEvent } from "../event.js";
import type { CountRule } from "../rule.js";
import { grown, grownInt, grownUint, type KeyTable } from "./key-table.js";
import { type EngineContext, ringPosition, RuleEvaluator, Stat, isFiniteNumber, thresholdFloor, thresholdTest, timeOrNull } from "./rule-evaluator.js";
import { SliceRing } from "./slice-ring.js";

/** Slices kept per key at most (128 bytes of counters): a short window with a long lateness does not blow up every key. */
const MAX_RING = 32;

/**
 * `count` rules: per key a ring of slice counters (Uint32), so the count of
 * any window is a sum of `S` counters whatever order the events came in.
 * The sum of the window ending at the key's newest slice is kept per key
 * (an event in the newest slice adds one and checks it: no loop, no modulo
 * on the common path; moving to a new slice subtracts the slices that left
 * the window). A late event sums and checks every window ending at or
 * after its slice (they all gained it), sliding one sum along them, and
 * only when the key's ring total (every slice it holds, kept per key) reaches
 * the least count that can meet the threshold: on the synthetic stream of
 * bench/synthetic-stream.mjs, whose events come up to a minute out of order,
 * most events of a per-user count rule are late and most keys far below it.
 * After firing, the slices up to the fired window's end are cleared.
 *
 * @internal
 */
export class CountEvaluator extends RuleEvaluator<CountRule> {
  private readonly ring: SliceRing;
  private counts = new Uint32Array(0);
  /** Newest slice per slot (-Infinity: none yet). */
  private newest = new Float64Array(0);
  /** Ring position of the newest slice, and the sum of the window ending there. */
  private newestAt = new Int32Array(0);
  private windowSum = new Uint32Array(0);
  /** The sum of every slice in the key's ring: no window of the key counts more (a double: 32 full u32 slices still add up exactly). */
  private total = new Float64Array(0);
  private readonly meets: (count: number) => boolean;
  /** {@link thresholdFloor} of the rule's threshold. */
  private readonly least: number;
  /** Earliest and latest counted event time since the last reset. */
  private first = new Float64Array(0);
  private last = new Float64Array(0);

  constructor(rule: CountRule, context: EngineContext) {
    super(rule, context, { keyed: true, window: rule.window });
    this.ring = new SliceRing(rule.window, context.slices, context.allowedLateness, MAX_RING);
    this.meets = thresholdTest(rule.threshold);
    this.least = thresholdFloor(rule.threshold);
    this.grow((this.table as { capacity: number }).capacity);
  }

  grow(capacity: number): void {
    this.counts = grownUint(this.counts, capacity * this.ring.ring);
    this.newest = grown(this.newest, capacity);
    this.newestAt = grownInt(this.newestAt, capacity);
    this.windowSum = grownUint(this.windowSum, capacity);
    this.total = grown(this.total, capacity);
    this.first = grown(this.first, capacity);
    this.last = grown(this.last, capacity);
  }

  reset(slot: number): void {
    const size = this.ring.ring;
    this.counts.fill(0, slot * size, slot * size + size);
    this.newest[slot] = Number.NEGATIVE_INFINITY;
    this.newestAt[slot] = 0;
    this.windowSum[slot] = 0;
    this.total[slot] = 0;
    this.first[slot] = Number.POSITIVE_INFINITY;
    this.last[slot] = Number.NEGATIVE_INFINITY;
  }

  update(event: ComplianceEvent, key: string): void {
    const ring = this.ring;
    const time = event.time;
    const slot = (this.table as KeyTable).slotOf(key);
    const slice = ring.sliceOf(time);
    const newest = this.newest[slot] as number;
    if (slice < newest && !ring.holds(slice, newest)) {
      this.stats[Stat.Late]++;
      return;
    }
    if (time < (this.first[slot] as number)) this.first[slot] = time;
    if (time > (this.last[slot] as number)) this.last[slot] = time;
    if (slice === newest) {
      // The common case: one more event in the key's newest slice.
      const size = ring.ring;
      this.counts[slot * size + (this.newestAt[slot] as number)]++;
      this.total[slot]++;
      this.evidence.remember(event, key);
      const sum = ++(this.windowSum as Uint32Array)[slot];
      if (this.meets(sum as number)) this.fireWindow(event, key, slot, slice, sum as number);
      return;
    }
    if (slice > newest) {
      this.advance(slot, newest, slice);
      this.counts[slot * ring.ring + (this.newestAt[slot] as number)]++;
      this.total[slot]++;
      this.evidence.remember(event, key);
      const sum = ++(this.windowSum as Uint32Array)[slot];
      if (this.meets(sum as number)) this.fireWindow(event, key, slot, slice, sum as number);
      return;
    }
    // Late (within the lateness): every window ending at or after the slice gained the event.
    const size = ring.ring;
    const base = slot * size;
    const counts = this.counts;
    const position = ringPosition(slice, size);
    counts[base + position]++;
    if (slice > newest - ring.slices) this.windowSum[slot]++;
    this.evidence.remember(event, key);
    if (++(this.total as Float64Array)[slot] < this.least) return; // no window of this key can meet the threshold
    // The window ending at `slice`, then each later one: add the slice that
    // enters, subtract the one that leaves (when the ring still holds it).
    const slices = ring.slices;
    const oldest = newest - size + 1;
    const from = Math.max(slice - slices + 1, oldest);
    let at = ringPosition(from, size);
    let sum = 0;
    for (let s = from; s <= slice; s++) {
      sum += counts[base + at] as number;
      if (++at === size) at = 0;
    }
    let leaving = slice - slices + 1;
    let leavingAt = position - slices + 1;
    if (leavingAt < 0) leavingAt += size;
    for (let end = slice; ; ) {
      if (this.meets(sum)) {
        this.fireWindow(event, key, slot, end, sum);
        return;
      }
      if (end === newest) return;
      end++;
      sum += counts[base + at] as number;
      if (++at === size) at = 0;
      if (leaving >= oldest) sum -= counts[base + leavingAt] as number;
      leaving++;
      if (++leavingAt === size) leavingAt = 0;
    }
  }

  /**
   * The key's newest slice moves from `newest` to `slice`: the window sum
   * loses the slices that leave it (`newest - S + 1 .. slice - S`, read
   * before anything is cleared: with a ring of S slices they share
   * positions with the new ones), then the ring positions the new slices
   * take over are cleared. A gap of S slices or more leaves only new, empty
   * slices in the window. Positions step with a wrap, no modulo per slice.
   */
  private advance(slot: number, newest: number, slice: number): void {
    const ring = this.ring;
    const size = ring.ring;
    const slices = ring.slices;
    const base = slot * size;
    const counts = this.counts;
    let sum = 0;
    if (newest !== Number.NEGATIVE_INFINITY) {
      const gap = slice - newest;
      if (gap < slices) {
        sum = this.windowSum[slot] as number;
        let at = ringPosition(newest - slices + 1, size);
        for (let k = 0; k < gap; k++) {
          sum -= counts[base + at] as number;
          if (++at === size) at = 0;
        }
      }
      const steps = Math.min(size, gap);
      let at = this.newestAt[slot] as number;
      let cleared = 0;
      for (let k = 0; k < steps; k++) {
        if (++at === size) at = 0;
        cleared += counts[base + at] as number;
        counts[base + at] = 0;
      }
      this.total[slot] = (this.total[slot] as number) - cleared;
    }
    this.newest[slot] = slice;
    this.newestAt[slot] = ringPosition(slice, size);
    this.windowSum[slot] = sum;
  }

  /** The count of the window ending at `end` (its slices still in the ring). */
  private sumEnding(slot: number, end: number): number {
    const ring = this.ring;
    const size = ring.ring;
    const base = slot * size;
    const newest = this.newest[slot] as number;
    let sum = 0;
    for (let s = Math.max(end - ring.slices + 1, newest - size + 1); s <= end; s++) sum += this.counts[base + ringPosition(s, size)] as number;
    return sum;
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
    let cleared = 0;
    for (let s = Math.max(newest - size + 1, end - size + 1); s <= end; s++) {
      const at = base + ringPosition(s, size);
      cleared += this.counts[at] as number;
      this.counts[at] = 0;
    }
    this.total[slot] = (this.total[slot] as number) - cleared;
    this.windowSum[slot] = this.sumEnding(slot, newest);
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
      `${rule.title}${group}: ${count} events within ${rule.window / 1000} s`,
    );
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
    this.newestAt[slot] = ringPosition(newest, this.ring.ring);
    this.windowSum[slot] = this.sumEnding(slot, newest);
    let total = 0;
    for (let i = 0; i < counts.length; i++) total += counts[i] as number;
    this.total[slot] = total;
    return undefined;
  }
}
