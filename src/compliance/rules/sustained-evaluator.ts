import type { ComplianceEvent } from "../event.js";
import type { SustainedRule } from "../rule.js";
import { grown, type KeyTable } from "./key-table.js";
import { type EngineContext, RuleEvaluator, Stat } from "./rule-evaluator.js";

/**
 * `sustained` rules: per key the current run of "high" samples (its
 * length, its first sample's time) and the time of the latest sample. A
 * sample older than the key's latest sample is out of order for a run and
 * is counted as late (by the rule) instead. The rule fires when the run
 * reaches `samples` samples or spans `duration` ms, and the run starts over.
 *
 * @internal
 */
export class SustainedEvaluator extends RuleEvaluator<SustainedRule> {
  private run = new Float64Array(0);
  private runStart = new Float64Array(0);
  private latest = new Float64Array(0);

  constructor(rule: SustainedRule, context: EngineContext) {
    super(rule, context, { keyed: true, window: Math.max(rule.duration ?? 0, context.idleTimeout), filter: rule.sample, defaultCooldown: rule.duration ?? 0 });
    this.grow((this.table as { capacity: number }).capacity);
  }

  grow(capacity: number): void {
    this.run = grown(this.run, capacity);
    this.runStart = grown(this.runStart, capacity);
    this.latest = grown(this.latest, capacity);
  }

  reset(slot: number): void {
    this.run[slot] = 0;
    this.runStart[slot] = 0;
    this.latest[slot] = Number.NEGATIVE_INFINITY;
  }

  update(event: ComplianceEvent, key: string): void {
    const slot = (this.table as KeyTable).slotOf(key);
    const time = event.time;
    if (time < (this.latest[slot] as number)) {
      this.stats[Stat.Late]++;
      return;
    }
    this.latest[slot] = time;
    const where = this.rule.where;
    if (where !== undefined && !where(event)) {
      this.run[slot] = 0;
      return;
    }
    this.evidence.remember(event, key);
    if (this.run[slot] === 0) this.runStart[slot] = time;
    const run = ++(this.run as Float64Array)[slot];
    const start = this.runStart[slot] as number;
    const rule = this.rule;
    const enough = (rule.samples !== undefined && (run as number) >= rule.samples) || (rule.duration !== undefined && time - start >= rule.duration);
    if (!enough) return;
    this.run[slot] = 0;
    const group = key === "" ? "" : ` for ${key}`;
    this.fire(
      event,
      key,
      slot,
      start,
      time + 1,
      run as number,
      undefined,
      start,
      time,
      `${rule.title}${group}: ${run} samples in a row over ${(time - start) / 1000} s`,
    );
  }

  protected shapeDetail(): unknown {
    return [this.rule.samples ?? null, this.rule.duration ?? null];
  }

  exportSlot(slot: number): unknown[] {
    const latest = this.latest[slot] as number;
    return [this.run[slot], this.runStart[slot], Number.isFinite(latest) ? latest : null];
  }

  importSlot(slot: number, state: readonly unknown[]): string | undefined {
    const [run, start, latest] = state;
    if (state.length !== 3) return "sustained state must have 3 fields";
    if (typeof run !== "number" || !Number.isSafeInteger(run) || run < 0) return "run must be a count";
    if (typeof start !== "number" || !Number.isFinite(start)) return "run start must be a number";
    if (latest !== null && (typeof latest !== "number" || !Number.isFinite(latest))) return "latest must be a number or null";
    this.run[slot] = run;
    this.runStart[slot] = start;
    this.latest[slot] = latest ?? Number.NEGATIVE_INFINITY;
    return undefined;
  }
}
