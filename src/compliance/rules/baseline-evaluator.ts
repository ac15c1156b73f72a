import type { ComplianceEvent } from "../event.js";
import { fieldReader, type FieldReader } from "../event-field.js";
import type { BaselineRule } from "../rule.js";
import { grown, type KeyTable } from "./key-table.js";
import { type EngineContext, ringPosition, RuleEvaluator, Stat, isFiniteNumber } from "./rule-evaluator.js";
import { SliceRing } from "./slice-ring.js";

/** Slices kept per key at most. */
const MAX_RING = 32;

/**
 * `baseline` rules: per key a ring of slices, each holding the count, mean
 * and sum of squared deviations of its values (Welford); the baseline of an
 * event is the combination of the slices of the window ending at its slice
 * (Chan et al.'s pairwise formula), taken before the event is added. The
 * rule fires when at least `minSamples` values are known and the event's
 * value exceeds mean + `sigmas` * σ (σ the sample standard deviation).
 *
 * @internal
 */
export class BaselineEvaluator extends RuleEvaluator<BaselineRule> {
  private readonly ring: SliceRing;
  private readonly value: FieldReader;
  private count = new Float64Array(0);
  private mean = new Float64Array(0);
  private m2 = new Float64Array(0);
  private newest = new Float64Array(0);

  constructor(rule: BaselineRule, context: EngineContext) {
    super(rule, context, { keyed: true, window: rule.window });
    this.ring = new SliceRing(rule.window, context.slices, context.allowedLateness, MAX_RING);
    this.value = fieldReader(rule.field);
    this.grow((this.table as { capacity: number }).capacity);
  }

  grow(capacity: number): void {
    const size = capacity * this.ring.ring;
    this.count = grown(this.count, size);
    this.mean = grown(this.mean, size);
    this.m2 = grown(this.m2, size);
    this.newest = grown(this.newest, capacity);
  }

  reset(slot: number): void {
    const size = this.ring.ring;
    this.count.fill(0, slot * size, slot * size + size);
    this.mean.fill(0, slot * size, slot * size + size);
    this.m2.fill(0, slot * size, slot * size + size);
    this.newest[slot] = Number.NEGATIVE_INFINITY;
  }

  update(event: ComplianceEvent, key: string): void {
    const x = this.value(event);
    if (typeof x !== "number" || !Number.isFinite(x)) {
      this.stats[Stat.MissingField]++;
      return;
    }
    const ring = this.ring;
    const size = ring.ring;
    const slot = (this.table as KeyTable).slotOf(key);
    const slice = ring.sliceOf(event.time);
    const base = slot * size;
    let newest = this.newest[slot] as number;
    if (slice > newest) {
      const steps = newest === Number.NEGATIVE_INFINITY ? 0 : Math.min(size, slice - newest);
      for (let k = 1; k <= steps; k++) {
        const at = base + ringPosition(newest + k, size);
        this.count[at] = 0;
        this.mean[at] = 0;
        this.m2[at] = 0;
      }
      this.newest[slot] = newest = slice;
    } else if (!ring.holds(slice, newest)) {
      this.stats[Stat.Late]++;
      return;
    }
    this.evidence.remember(event, key);
    // The window's statistics before this value.
    let n = 0;
    let mean = 0;
    let m2 = 0;
    for (let s = Math.max(slice - ring.slices + 1, newest - size + 1); s <= slice; s++) {
      const at = base + ringPosition(s, size);
      const nb = this.count[at] as number;
      if (nb === 0) continue;
      const delta = (this.mean[at] as number) - mean;
      const total = n + nb;
      mean += (delta * nb) / total;
      m2 += (this.m2[at] as number) + (delta * delta * n * nb) / total;
      n = total;
    }
    // Welford's update of the event's slice.
    const at = base + ringPosition(slice, size);
    const nb = (this.count[at] as number) + 1;
    const delta = x - (this.mean[at] as number);
    this.count[at] = nb;
    this.mean[at] = (this.mean[at] as number) + delta / nb;
    this.m2[at] = (this.m2[at] as number) + delta * (x - (this.mean[at] as number));
    const rule = this.rule;
    if (n < rule.minSamples || n < 2) return;
    const sigma = Math.sqrt(m2 / (n - 1));
    const limit = mean + rule.sigmas * sigma;
    if (!(x > limit)) return;
    const group = key === "" ? "" : ` for ${key}`;
    this.fire(
      event,
      key,
      slot,
      ring.windowFrom(slice),
      ring.windowTo(slice),
      n,
      x,
      event.time,
      event.time,
      `${rule.title}${group}: ${rule.field} = ${x} above the baseline ${round(mean)} + ${rule.sigmas}σ (σ = ${round(sigma)}, ${n} values)`,
    );
  }

  protected shapeDetail(): unknown {
    return [this.rule.window, this.rule.field, this.ring.slices, this.ring.ring];
  }

  exportSlot(slot: number): unknown[] {
    const size = this.ring.ring;
    const from = slot * size;
    return [this.newest[slot], this.count.slice(from, from + size), this.mean.slice(from, from + size), this.m2.slice(from, from + size)];
  }

  importSlot(slot: number, state: readonly unknown[]): string | undefined {
    const [newest, count, mean, m2] = state;
    const size = this.ring.ring;
    if (state.length !== 4) return "baseline state must have 4 fields";
    if (!isFiniteNumber(newest) || !Number.isInteger(newest)) return "newest slice must be an integer";
    for (const column of [count, mean, m2]) {
      if (!(column instanceof Float64Array) || column.length !== size) return `slice columns must be ${size} f64 values`;
      if (!column.every(Number.isFinite)) return "slice statistics must be finite";
    }
    if (!(count as Float64Array).every((n) => Number.isSafeInteger(n) && n >= 0)) return "slice counts must be counts";
    if (!(m2 as Float64Array).every((v) => v >= 0)) return "slice squared deviations must be >= 0";
    this.newest[slot] = newest;
    this.count.set(count as Float64Array, slot * size);
    this.mean.set(mean as Float64Array, slot * size);
    this.m2.set(m2 as Float64Array, slot * size);
    return undefined;
  }
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
