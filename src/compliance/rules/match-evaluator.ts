import type { ComplianceEvent } from "../event.js";
import { fieldReader, type FieldReader } from "../event-field.js";
import type { MatchRule } from "../rule.js";
import type { KeyTable } from "./key-table.js";
import { type EngineContext, RuleEvaluator } from "./rule-evaluator.js";

/**
 * `match` rules: every matching event fires. With a cooldown the rule keeps
 * a key per group (for the cooldown only); without one it keeps nothing.
 *
 * @internal
 */
export class MatchEvaluator extends RuleEvaluator<MatchRule> {
  private readonly value: FieldReader | undefined;

  constructor(rule: MatchRule, context: EngineContext) {
    super(rule, context, { keyed: false, window: 0 });
    this.value = rule.value === undefined ? undefined : fieldReader(rule.value);
  }

  grow(): void {}
  reset(): void {}

  update(event: ComplianceEvent, key: string): void {
    const slot = this.table === undefined ? -1 : (this.table as KeyTable).slotOf(key);
    if (slot >= 0 && this.suppressed(event.time, slot)) return; // before the message is made
    const raw = this.value?.(event);
    const value = typeof raw === "number" ? raw : undefined;
    const rule = this.rule;
    const group = key === "" ? "" : ` for ${key}`;
    const shown = value === undefined ? "" : ` (${rule.value} = ${value})`;
    this.alert(
      event,
      key,
      slot,
      event.time,
      event.time + 1,
      1,
      value,
      event.time,
      event.time,
      `${rule.title}${group}${shown}`,
    );
  }

  protected shapeDetail(): unknown {
    return [];
  }

  exportSlot(): unknown[] {
    return [];
  }

  importSlot(_slot: number, state: readonly unknown[]): string | undefined {
    return state.length === 0 ? undefined : "match state must be empty";
  }
}
