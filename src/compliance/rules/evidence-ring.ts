import type { ComplianceEvent } from "../event.js";

/** Matching events remembered per rule, the newest last. */
const EVIDENCE_RING = 256;

/**
 * The latest matching events of one rule with their group keys, in a ring
 * of 256: an alert's evidence is the newest few of its key. A class of its
 * own (not fields of the evaluator classes) so the per-event store is a
 * monomorphic property access whatever the rule type.
 *
 * @internal
 */
export class EvidenceRing {
  private readonly events: (ComplianceEvent | undefined)[] = new Array<ComplianceEvent | undefined>(EVIDENCE_RING).fill(undefined);
  private readonly keys: string[] = new Array<string>(EVIDENCE_RING).fill("");
  private at = 0;

  /** Remembers a matching event of group `key`. */
  remember(event: ComplianceEvent, key: string): void {
    const at = this.at;
    this.events[at] = event;
    this.keys[at] = key;
    this.at = at + 1 === EVIDENCE_RING ? 0 : at + 1;
  }

  /** The latest `wanted` remembered events of `key` at or after `from`, oldest first; `[trigger]` when none. */
  of(key: string, from: number, trigger: ComplianceEvent, wanted: number): ComplianceEvent[] {
    if (wanted === 0) return [];
    let at = this.at;
    // Nothing remembered (match rules keep no evidence): the trigger alone,
    // without the growing array and the reverse below.
    if (this.events[at === 0 ? EVIDENCE_RING - 1 : at - 1] === undefined) return [trigger];
    const out: ComplianceEvent[] = [];
    for (let i = 0; i < EVIDENCE_RING && out.length < wanted; i++) {
      at = at === 0 ? EVIDENCE_RING - 1 : at - 1;
      const event = this.events[at];
      if (event === undefined) break;
      if (this.keys[at] === key && event.time >= from) out.push(event);
    }
    if (out.length === 0) out.push(trigger);
    return out.reverse();
  }
}
