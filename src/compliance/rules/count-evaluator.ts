import type { ComplianceEvent } from "../event.js";
import type { CountRule } from "../rule.js";
import { grown, type KeyTable } from "./key-table.js";
import { type EngineContext, ringPosition, RuleEvaluator, Stat, isFiniteNumber, thresholdFloor, thresholdTest, timeOrNull } from "./rule-evaluator.js";
import { SliceRing } from "./slice-ring.js";

/** Slices kept per key at most (128 bytes of counters): a short window with a long lateness does not blow up every key. */
const MAX_RING = 32;

// A record's fields: doubles at `state[f + …]`, u32s at `words[2 f + …]` (f = slot * stride).
const NEWEST = 0; // newest slice (-Infinity: none yet)
const TOTAL = 1; // the sum of every slice in the ring: no window of the key counts more (a double: 32 full u32 slices still add up exactly)
const FIRST = 2; // earliest counted event time since the last reset
const LAST = 3; // latest counted event time since the last reset
const NEWEST_AT = 8; // u32: ring position of the newest slice
const WINDOW_SUM = 9; // u32: the sum of the window ending at the newest slice
const COUNTS = 10; // u32: the ring of slice counters

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
 * A key's state is one record of a buffer (seen as doubles and as u32s):
 * its newest slice, ring total, first and last time, the newest slice's
 * ring position and window sum, then the ring of counters (120 bytes at
 * the defaults). The per-user rule touches a random user's record on every
 * event: its 40-byte head and one counter, two or three cache lines, where
 * an array per field was a line in each of seven.
 *
 * @internal
 */
export class CountEvaluator extends RuleEvaluator<CountRule> {
  private readonly ring: SliceRing;
  /** Doubles per record: the four double fields, the two u32 fields, the ring (two counters per double). */
  private readonly stride: number;
  private state = new Float64Array(0);
  private words = new Uint32Array(0);
  private readonly meets: (count: number) => boolean;
  /** {@link thresholdFloor} of the rule's threshold. */
  private readonly least: number;

  constructor(rule: CountRule, context: EngineContext) {
    super(rule, context, { keyed: true, window: rule.window });
    this.ring = new SliceRing(rule.window, context.slices, context.allowedLateness, MAX_RING);
    this.stride = COUNTS / 2 + Math.ceil(this.ring.ring / 2);
    this.meets = thresholdTest(rule.threshold);
    this.least = thresholdFloor(rule.threshold);
    this.grow((this.table as { capacity: number }).capacity);
  }

  grow(capacity: number): void {
    this.state = grown(this.state, capacity * this.stride);
    this.words = new Uint32Array(this.state.buffer);
  }

  reset(slot: number): void {
    const f = slot * this.stride;
    const state = this.state;
    state.fill(0, f, f + this.stride);
    state[f + NEWEST] = Number.NEGATIVE_INFINITY;
    state[f + FIRST] = Number.POSITIVE_INFINITY;
    state[f + LAST] = Number.NEGATIVE_INFINITY;
  }

  update(event: ComplianceEvent, key: string): void {
    const ring = this.ring;
    const time = event.time;
    const slot = (this.table as KeyTable).slotOf(key);
    const state = this.state;
    const words = this.words;
    const f = slot * this.stride;
    const w = 2 * f;
    const slice = ring.sliceOf(time);
    const newest = state[f + NEWEST] as number;
    if (slice < newest && !ring.holds(slice, newest)) {
      this.stats[Stat.Late]++;
      return;
    }
    if (time < (state[f + FIRST] as number)) state[f + FIRST] = time;
    if (time > (state[f + LAST] as number)) state[f + LAST] = time;
    if (slice >= newest) {
      // The common case (slice === newest): one more event in the key's newest slice.
      if (slice > newest) this.advance(slot, newest, slice);
      words[w + COUNTS + (words[w + NEWEST_AT] as number)]++;
      state[f + TOTAL]++;
      this.evidence.remember(event, key);
      const sum = ++words[w + WINDOW_SUM];
      if (this.meets(sum as number)) this.fireWindow(event, key, slot, slice, sum as number);
      return;
    }
    // Late (within the lateness): every window ending at or after the slice gained the event.
    const size = ring.ring;
    const base = w + COUNTS;
    const position = ringPosition(slice, size);
    words[base + position]++;
    if (slice > newest - ring.slices) words[w + WINDOW_SUM]++;
    this.evidence.remember(event, key);
    if (++state[f + TOTAL] < this.least) return; // no window of this key can meet the threshold
    // The window ending at `slice`, then each later one: add the slice that
    // enters, subtract the one that leaves (when the ring still holds it).
    const slices = ring.slices;
    const oldest = newest - size + 1;
    const from = Math.max(slice - slices + 1, oldest);
    let at = ringPosition(from, size);
    let sum = 0;
    for (let s = from; s <= slice; s++) {
      sum += words[base + at] as number;
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
      sum += words[base + at] as number;
      if (++at === size) at = 0;
      if (leaving >= oldest) sum -= words[base + leavingAt] as number;
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
    const state = this.state;
    const words = this.words;
    const f = slot * this.stride;
    const w = 2 * f;
    const base = w + COUNTS;
    let sum = 0;
    if (newest !== Number.NEGATIVE_INFINITY) {
      const gap = slice - newest;
      if (gap < slices) {
        sum = words[w + WINDOW_SUM] as number;
        let at = ringPosition(newest - slices + 1, size);
        for (let k = 0; k < gap; k++) {
          sum -= words[base + at] as number;
          if (++at === size) at = 0;
        }
      }
      const steps = Math.min(size, gap);
      let at = words[w + NEWEST_AT] as number;
      let cleared = 0;
      for (let k = 0; k < steps; k++) {
        if (++at === size) at = 0;
        cleared += words[base + at] as number;
        words[base + at] = 0;
      }
      state[f + TOTAL] = (state[f + TOTAL] as number) - cleared;
    }
    state[f + NEWEST] = slice;
    words[w + NEWEST_AT] = ringPosition(slice, size);
    words[w + WINDOW_SUM] = sum;
  }

  /** The count of the window ending at `end` (its slices still in the ring). */
  private sumEnding(slot: number, end: number): number {
    const ring = this.ring;
    const size = ring.ring;
    const f = slot * this.stride;
    const base = 2 * f + COUNTS;
    const newest = this.state[f + NEWEST] as number;
    let sum = 0;
    for (let s = Math.max(end - ring.slices + 1, newest - size + 1); s <= end; s++) sum += this.words[base + ringPosition(s, size)] as number;
    return sum;
  }

  private fireWindow(event: ComplianceEvent, key: string, slot: number, end: number, count: number): void {
    const ring = this.ring;
    const from = ring.windowFrom(end);
    const to = ring.windowTo(end);
    const state = this.state;
    const words = this.words;
    const f = slot * this.stride;
    const w = 2 * f;
    const firstTime = Math.max(state[f + FIRST] as number, from);
    const lastTime = Math.min(state[f + LAST] as number, to);
    // Reset: the slices up to the fired window's end start again from zero.
    const size = ring.ring;
    const base = w + COUNTS;
    const newest = state[f + NEWEST] as number;
    let cleared = 0;
    for (let s = Math.max(newest - size + 1, end - size + 1); s <= end; s++) {
      const at = base + ringPosition(s, size);
      cleared += words[at] as number;
      words[at] = 0;
    }
    state[f + TOTAL] = (state[f + TOTAL] as number) - cleared;
    words[w + WINDOW_SUM] = this.sumEnding(slot, newest);
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
      `${rule.title}${group}: ${count} events within ${rule.window / 1000} s`,
    );
  }

  protected shapeDetail(): unknown {
    return [this.rule.window, this.ring.slices, this.ring.ring];
  }

  exportSlot(slot: number): unknown[] {
    const f = slot * this.stride;
    const base = 2 * f + COUNTS;
    const state = this.state;
    return [timeOrNull(state[f + NEWEST] as number), timeOrNull(state[f + FIRST] as number), timeOrNull(state[f + LAST] as number), this.words.slice(base, base + this.ring.ring)];
  }

  importSlot(slot: number, state: readonly unknown[]): string | undefined {
    const [newest, first, last, counts] = state;
    if (state.length !== 4) return "count state must have 4 fields";
    if (!isFiniteNumber(newest) || !Number.isInteger(newest)) return "newest slice must be an integer";
    if (first !== null && !isFiniteNumber(first)) return "first time must be a number or null";
    if (last !== null && !isFiniteNumber(last)) return "last time must be a number or null";
    if (!(counts instanceof Uint32Array) || counts.length !== this.ring.ring) return `counts must be ${this.ring.ring} u32 values`;
    const f = slot * this.stride;
    const w = 2 * f;
    const record = this.state;
    record[f + NEWEST] = newest;
    record[f + FIRST] = first ?? Number.POSITIVE_INFINITY;
    record[f + LAST] = last ?? Number.NEGATIVE_INFINITY;
    this.words.set(counts, w + COUNTS);
    this.words[w + NEWEST_AT] = ringPosition(newest, this.ring.ring);
    this.words[w + WINDOW_SUM] = this.sumEnding(slot, newest);
    let total = 0;
    for (let i = 0; i < counts.length; i++) total += counts[i] as number;
    record[f + TOTAL] = total;
    return undefined;
  }
}
