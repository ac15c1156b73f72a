import type { ComplianceEvent } from "../event.js";
import type { SequenceRule } from "../rule.js";
import { grown, type KeyTable } from "./key-table.js";
import { type EngineContext, RuleEvaluator } from "./rule-evaluator.js";

/**
 * `sequence` rules (Sigma `temporal` / `temporal_ordered`). Per key and
 * step, two times:
 *
 * - unordered: `start[k]` is the latest time step `k` was seen; the rule
 *   fires when every step has been seen and the earliest of those latest
 *   times is within `window` of the newest;
 * - ordered: `start[k]` is the latest start of a chain of events matching
 *   steps `0..k` at increasing times (each within `window` of the chain's
 *   start), `end[k]` the time of its step-`k` event. An event of step `k`
 *   extends the chain of step `k - 1` when that chain ended no later than
 *   it; steps are tried from the last down, so one event never fills two
 *   steps of one chain. Kept greedily (latest start), which finds a chain
 *   whenever one exists for events in time order; an event that arrives
 *   after a later event of the next step (out of order) does not extend it.
 *
 * After firing, every step starts over.
 *
 * @internal
 */
export class SequenceEvaluator extends RuleEvaluator<SequenceRule> {
  private start = new Float64Array(0);
  private end = new Float64Array(0);
  private readonly steps: number;
  /** The end of every alert message of the rule (its steps and window), made once. */
  private readonly messageTail: string;

  constructor(rule: SequenceRule, context: EngineContext) {
    super(rule, context, { keyed: true, window: rule.window });
    this.steps = rule.steps.length;
    this.messageTail = `: ${rule.steps.map((step) => step.name).join(rule.ordered ? " then " : " and ")} within ${rule.window / 1000} s`;
    this.grow((this.table as { capacity: number }).capacity);
  }

  grow(capacity: number): void {
    this.start = grown(this.start, capacity * this.steps);
    this.end = grown(this.end, capacity * this.steps);
  }

  reset(slot: number): void {
    const base = slot * this.steps;
    this.start.fill(Number.NEGATIVE_INFINITY, base, base + this.steps);
    this.end.fill(Number.NEGATIVE_INFINITY, base, base + this.steps);
  }

  update(event: ComplianceEvent, key: string): void {
    const steps = this.rule.steps;
    const time = event.time;
    const window = this.rule.window;
    let slot = -1;
    let base = 0;
    for (let k = steps.length - 1; k >= 0; k--) {
      if (!(steps[k] as { where: (event: ComplianceEvent) => boolean }).where(event)) continue;
      if (slot === -1) {
        slot = (this.table as KeyTable).slotOf(key);
        base = slot * this.steps;
        this.evidence.remember(event, key);
      }
      if (!this.rule.ordered) {
        if (time > (this.start[base + k] as number)) this.start[base + k] = time;
        continue;
      }
      const at = base + k;
      if (k === 0) {
        if (time > (this.start[at] as number)) {
          this.start[at] = time;
          this.end[at] = time;
        }
        continue;
      }
      const chainStart = this.start[at - 1] as number;
      if ((this.end[at - 1] as number) <= time && time - chainStart < window && chainStart > (this.start[at] as number)) {
        this.start[at] = chainStart;
        this.end[at] = time;
        if (k === steps.length - 1) {
          this.fireChain(event, key, slot, chainStart, time);
          return;
        }
      }
    }
    if (slot === -1 || this.rule.ordered) return;
    let earliest = Number.POSITIVE_INFINITY;
    let latest = Number.NEGATIVE_INFINITY;
    for (let k = 0; k < this.steps; k++) {
      const seen = this.start[base + k] as number;
      if (seen < earliest) earliest = seen;
      if (seen > latest) latest = seen;
    }
    if (earliest !== Number.NEGATIVE_INFINITY && latest - earliest < window) this.fireChain(event, key, slot, earliest, latest);
  }

  private fireChain(event: ComplianceEvent, key: string, slot: number, firstTime: number, lastTime: number): void {
    this.reset(slot);
    if (this.suppressed(event.time, slot)) return; // before the message is made (most firings of bench/sigma.mjs's sequences are)
    const rule = this.rule;
    const group = key === "" ? "" : ` for ${key}`;
    this.alert(
      event,
      key,
      slot,
      lastTime + 1 - rule.window,
      lastTime + 1,
      rule.steps.length,
      undefined,
      firstTime,
      lastTime,
      `${rule.title}${group}${this.messageTail}`,
    );
  }

  protected shapeDetail(): unknown {
    return [this.rule.window, this.rule.ordered, this.rule.steps.map((step) => step.name)];
  }

  exportSlot(slot: number): unknown[] {
    const base = slot * this.steps;
    return [this.start.slice(base, base + this.steps), this.end.slice(base, base + this.steps)];
  }

  importSlot(slot: number, state: readonly unknown[]): string | undefined {
    const [start, end] = state;
    if (state.length !== 2) return "sequence state must have 2 fields";
    for (const times of [start, end]) {
      if (!(times instanceof Float64Array) || times.length !== this.steps) return `step times must be ${this.steps} f64 values`;
      if (times.some((time) => Number.isNaN(time) || time === Number.POSITIVE_INFINITY)) return "step times must be numbers or -Infinity";
    }
    this.start.set(start as Float64Array, slot * this.steps);
    this.end.set(end as Float64Array, slot * this.steps);
    return undefined;
  }
}
