import type { Alert } from "../alert.js";
import type { ComplianceEvent } from "../event.js";
import { fieldReader, type FieldReader, readTopLevelField } from "../event-field.js";
import type { RuleDefinition, Threshold } from "../rule.js";
import { Cooldown, CooldownQueue } from "./cooldown-queue.js";
import { alternativesAll, alternativesOf, type GuardAlternatives, presenceCodesOf } from "./event-guard.js";
import { EvidenceRing } from "./evidence-ring.js";
import { type KeyIndex, keyPart } from "./key-index.js";
import { KeyTable, type KeyTableOwner } from "./key-table.js";
import { timeText } from "./time-text.js";

/**
 * What evaluators share with their engine.
 *
 * @internal
 */
export interface EngineContext {
  /** The latest event time seen (the engine's watermark), `-Infinity` before any. */
  readonly watermark: number;
  readonly allowedLateness: number;
  readonly slices: number;
  readonly evidence: number;
  readonly idleTimeout: number;
  readonly maxKeysPerRule: number;
  readonly maxDistinctValues: number;
  readonly allowList: { has(value: string): boolean } | undefined;
  /** Bumped for every event evaluated and every alert emitted: what per-event memos check. */
  readonly evaluation: number;
  emit(alert: Alert): void;
  /** The key index shared by the rules grouping by `fields`. */
  keyIndex(fields: readonly string[]): KeyIndex;
  /** Asks for a sweep once the watermark reaches `time`. */
  wake(time: number): void;
}

/** Per-rule counters, in this order in images. @internal */
export const STAT_NAMES = [
  "evaluated",
  "matched",
  "alerts",
  "summaries",
  "suppressed",
  "allowListed",
  "late",
  "missingField",
  "evictedIdle",
  "evictedCap",
  "overflow",
] as const;
/** Indexes into {@link RuleEvaluator.stats}, as {@link STAT_NAMES} orders them. @internal */
export const Stat = {
  Evaluated: 0,
  Matched: 1,
  Alerts: 2,
  Summaries: 3,
  Suppressed: 4,
  AllowListed: 5,
  Late: 6,
  MissingField: 7,
  EvictedIdle: 8,
  EvictedCap: 9,
  Overflow: 10,
} as const;

/** Whether a value meets `threshold` (every key given must hold), compiled once into a function. @internal */
export function thresholdTest(threshold: Threshold): (value: number) => boolean {
  const { gt, gte, lt, lte, eq } = threshold;
  const low = gte ?? Number.NEGATIVE_INFINITY;
  const high = lte ?? Number.POSITIVE_INFINITY;
  const above = gt ?? Number.NEGATIVE_INFINITY;
  const below = lt ?? Number.POSITIVE_INFINITY;
  if (eq !== undefined) return (value) => value === eq && value >= low && value <= high && value > above && value < below;
  return (value) => value >= low && value <= high && value > above && value < below;
}

/**
 * The least whole count that can meet `threshold` (a necessary condition:
 * every key given must hold, and counts are integers), `-Infinity` when
 * only upper bounds are given. A key whose counts add up to less cannot fire
 * in any window, so the evaluators skip the per-window checks for it.
 *
 * @internal
 */
export function thresholdFloor(threshold: Threshold): number {
  const { gt, gte, eq } = threshold;
  return Math.max(gte ?? Number.NEGATIVE_INFINITY, gt === undefined ? Number.NEGATIVE_INFINITY : Math.floor(gt) + 1, eq ?? Number.NEGATIVE_INFINITY);
}

/** `1234567` as `"1,234,567"` (no Intl: the same text everywhere). @internal */
export function grouped(count: number): string {
  return String(count).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/**
 * `slice mod size`, non-negative for negative slices too. Slices come from
 * `Math.floor(time / g)`, which TurboFan types as a double: `%` on it is a
 * call into C (fmod), the costliest line of a count rule's per-event path
 * under a CPU profile. A floor division and a multiply stay in registers; the
 * two corrections absorb a quotient rounded by one either way, and below
 * 2^52 in magnitude every product and difference is an exact integer, so the
 * result is exact. Beyond that (absurdly short slices) `%` answers.
 *
 * @internal
 */
export function ringPosition(slice: number, size: number): number {
  if (!(slice <= EXACT && slice >= -EXACT)) {
    const position = slice % size;
    return position < 0 ? position + size : position;
  }
  const position = slice - Math.floor(slice / size) * size;
  return position < 0 ? position + size : position >= size ? position - size : position;
}

const EXACT = 2 ** 52;

/**
 * The front of one rule's evaluation, run for every event: its filter, the
 * allow-list and the group key, then the evaluator's `update`. Every rule
 * has one of these, all of this one class, so the engine's per-event loop
 * reads their fields with monomorphic property loads. (The same fields on
 * the evaluators, five classes in the ready rules, made every load in the
 * shared base methods megamorphic: callgrind, node --single-threaded, all
 * ready rules, showed 2,240 of 7,460 instructions per event in
 * LoadIC_Megamorphic.)
 *
 * @internal
 */
export class RuleGate {
  /** The fields a `whenPresent` filter (event-guard.ts) tests, read here instead of calling it (`undefined`: call `where`). */
  private readonly present: Int32Array | undefined;

  constructor(
    private readonly evaluator: RuleEvaluator,
    private readonly stats: Float64Array<ArrayBuffer>,
    private readonly where: ((event: ComplianceEvent) => boolean) | undefined,
    private readonly allowReader: FieldReader | undefined,
    private readonly keys: KeyIndex,
    private readonly context: EngineContext,
  ) {
    const codes = presenceCodesOf(where);
    this.present = codes === undefined ? undefined : Int32Array.from(codes);
  }

  /** Looks at one event; `late` when it is older than the watermark minus the allowed lateness. */
  evaluate(event: ComplianceEvent, late: boolean): void {
    const stats = this.stats;
    const present = this.present;
    if (present !== undefined) {
      for (let i = 0; i < present.length; i++) if (readTopLevelField(event, present[i] as number) === undefined) return;
    } else {
      const where = this.where;
      if (where !== undefined && !where(event)) return;
    }
    if (late) {
      stats[Stat.Late]++;
      return;
    }
    const allowList = this.context.allowList;
    if (allowList !== undefined && this.allowReader !== undefined) {
      const value = this.allowReader(event);
      if (typeof value === "string" && allowList.has(value)) {
        stats[Stat.AllowListed]++;
        return;
      }
    }
    const key = this.keys.keyOf(event);
    if (key === undefined) {
      stats[Stat.MissingField]++;
      return;
    }
    stats[Stat.Matched]++;
    this.evaluator.update(event, key);
  }
}

/**
 * One rule's evaluation: its {@link RuleGate} (filter, allow-list, group
 * key), bounded per-key state (a {@link KeyTable} over the shared
 * {@link KeyIndex}), cooldowns with summaries, evidence, counters.
 * Subclasses keep the rule-specific state in typed arrays, a record per slot;
 * what they call per event (the table, the evidence ring) is on objects of
 * one class each, not on the base class, whose field loads would see every
 * subclass.
 *
 * @internal
 */
export abstract class RuleEvaluator<R extends RuleDefinition = RuleDefinition> implements KeyTableOwner {
  readonly stats = new Float64Array(STAT_NAMES.length);
  /** Live keys; `undefined` for rules that keep no per-key state. */
  readonly table: KeyTable | undefined;
  readonly cooldown: number;
  /** A key untouched while the watermark moves this far has no state any future in-time event can use. */
  readonly horizon: number;
  protected readonly groupReaders: readonly FieldReader[];
  protected readonly groupNames: readonly string[];
  readonly cooldowns = new Map<number, Cooldown>();
  private readonly queue = new CooldownQueue();
  /** Matching events, for alerts' evidence. */
  protected readonly evidence = new EvidenceRing();
  /** The per-event front of this rule (the engine calls its `evaluate`). */
  readonly gate: RuleGate;
  /**
   * `${rule.id}::`, the id of an ungrouped alert before its time: made once,
   * so such an id is one concatenation, not a template of four parts (each
   * short part a copied string; Sigma bench, 0.55 alerts per event).
   */
  private readonly idPrefix: string;
  /** What an event needs to pass the rule's filter (its `kinds`, and the guard alternatives of its filter function: event-guard.ts), if known. */
  readonly guards: GuardAlternatives | undefined;

  constructor(
    readonly rule: R,
    protected readonly context: EngineContext,
    options: {
      readonly keyed: boolean;
      readonly window: number;
      readonly filter?: (event: ComplianceEvent) => boolean;
      readonly defaultCooldown?: number;
    },
  ) {
    this.groupNames = rule.groupBy ?? [];
    this.idPrefix = `${rule.id}::`;
    this.groupReaders = this.groupNames.map((field) => fieldReader(field as never));
    const allow = rule.allowListField ?? "ip";
    const allowReader = allow === false ? undefined : fieldReader(allow);
    this.cooldown = rule.cooldown ?? options.defaultCooldown ?? options.window;
    this.horizon = Math.max(options.window, this.cooldown) + context.allowedLateness;
    const keyed = options.keyed || this.cooldown > 0;
    const keys = context.keyIndex(this.groupNames);
    this.table = keyed ? new KeyTable(context.maxKeysPerRule, this, keys, context) : undefined;
    const filter = options.filter ?? rule.where;
    this.gate = new RuleGate(this, this.stats, filter, allowReader, keys, context);
    const kinds = rule.kinds === undefined ? undefined : [{ field: "kind", read: readKind, folded: false, values: new Set(rule.kinds) }];
    this.guards = alternativesAll([kinds === undefined ? undefined : [kinds], alternativesOf(filter)]);
  }

  /** Rule-specific work for a matching event of group `key` (called by the {@link RuleGate}). */
  abstract update(event: ComplianceEvent, key: string): void;

  /**
   * The rule fired for `key` (slot `slot`, -1 when unkeyed) on `event`:
   * alerts, or counts a suppressed alert while the group's cooldown lasts.
   */
  protected fire(event: ComplianceEvent, key: string, slot: number, from: number, to: number, count: number, value: number | undefined, firstTime: number, lastTime: number, message: string): void {
    if (!this.suppressed(event.time, slot)) this.alert(event, key, slot, from, to, count, value, firstTime, lastTime, message);
  }

  /**
   * The first half of {@link fire}: whether the group's cooldown suppresses an
   * alert at `time` (counted as suppressed), ending an expired cooldown (its
   * summary) on the way. An evaluator asks it before it builds the firing's
   * message, which a suppressed alert never shows (most firings of the ready
   * distinct rule on the synthetic stream are suppressed), then calls
   * {@link alert}.
   */
  protected suppressed(time: number, slot: number): boolean {
    const running = slot >= 0 ? this.cooldowns.get(slot) : undefined;
    if (running === undefined) return false;
    if (time < running.until) {
      running.suppressed++;
      if (time < running.first) running.first = time;
      if (time > running.last) running.last = time;
      this.stats[Stat.Suppressed]++;
      return true;
    }
    this.endCooldown(running);
    return false;
  }

  /**
   * The second half of {@link fire}: the alert (and the group's cooldown,
   * when the rule has one). What the firing reports comes as arguments, not
   * as an object: the match rules of bench/sigma.mjs alert on half the
   * events, and such an object, passed on to this call, was allocated for
   * each (heap sampling: a quarter of the engine's bytes per event).
   */
  protected alert(event: ComplianceEvent, key: string, slot: number, from: number, to: number, count: number, value: number | undefined, firstTime: number, lastTime: number, message: string): void {
    const stats = this.stats;
    const time = event.time;
    const group = this.groupOf(event);
    const rule = this.rule;
    const alert: Alert = {
      id: key === "" ? this.idPrefix + timeText(firstTime) : `${rule.id}:${key}:${timeText(firstTime)}`,
      type: "alert",
      ruleId: rule.id,
      title: rule.title,
      severity: rule.severity,
      groupKey: key,
      group,
      system: event.system,
      user: event.user,
      window: { from, to },
      count,
      value,
      firstTime,
      lastTime,
      suppressed: 0,
      message,
      evidence: this.evidence.of(key, from, event, this.context.evidence),
      tags: rule.tags ?? NO_TAGS,
    };
    stats[Stat.Alerts]++;
    if (this.cooldown > 0 && slot >= 0) {
      const cooldown = new Cooldown(key, slot, time + this.cooldown, group, event.system, event.user);
      this.cooldowns.set(slot, cooldown);
      this.queue.push(cooldown);
      this.context.wake(cooldown.until);
    }
    this.context.emit(alert);
  }

  private groupOf(event: ComplianceEvent): Readonly<Record<string, string>> {
    if (this.groupNames.length === 0) return NO_GROUP;
    const group: Record<string, string> = {};
    for (let i = 0; i < this.groupNames.length; i++) {
      group[this.groupNames[i] as string] = keyPart((this.groupReaders[i] as FieldReader)(event), false) ?? "";
    }
    return group;
  }

  /** Ends a cooldown: the summary alert when anything was suppressed. */
  private endCooldown(cooldown: Cooldown): void {
    this.queue.remove(cooldown);
    this.cooldowns.delete(cooldown.slot);
    if (cooldown.suppressed === 0) return;
    const rule = this.rule;
    const group = cooldown.key === "" ? "" : ` for ${cooldown.key}`;
    const summary: Alert = {
      id: `${rule.id}:${cooldown.key}:${cooldown.first}:summary`,
      type: "summary",
      ruleId: rule.id,
      title: rule.title,
      severity: rule.severity,
      groupKey: cooldown.key,
      group: cooldown.group,
      system: cooldown.system,
      user: cooldown.user,
      window: { from: cooldown.until - this.cooldown, to: cooldown.until },
      count: cooldown.suppressed,
      value: undefined,
      firstTime: cooldown.first,
      lastTime: cooldown.last,
      suppressed: cooldown.suppressed,
      message: `${rule.title}${group}: seen ${grouped(cooldown.suppressed)} more ${cooldown.suppressed === 1 ? "time" : "times"} during the cooldown`,
      evidence: [],
      tags: rule.tags ?? NO_TAGS,
    };
    this.stats[Stat.Summaries]++;
    this.context.emit(summary);
  }

  /**
   * Event time reached `watermark`: ends the cooldowns due and evicts the
   * keys idle past the horizon. Returns when to sweep next.
   */
  sweep(watermark: number): number {
    const queue = this.queue;
    while (queue.next <= watermark) this.endCooldown(queue.pop() as Cooldown);
    const table = this.table;
    if (table !== undefined) {
      const limit = watermark - this.horizon;
      for (let slot = table.stalest(); slot !== -1 && table.touchedAt(slot) < limit; slot = table.stalest()) table.evict(slot, "idle");
    }
    return this.nextWake();
  }

  /** When the next cooldown ends or the stalest key goes idle. */
  nextWake(): number {
    const table = this.table;
    let idleAt = Number.POSITIVE_INFINITY;
    if (table !== undefined) {
      const stalest = table.stalest();
      if (stalest !== -1) idleAt = table.touchedAt(stalest) + this.horizon;
    }
    return Math.min(this.queue.next, idleAt);
  }

  /** Ends every cooldown now (end of input), emitting the summaries. */
  finish(): void {
    for (let cooldown = this.queue.pop(); cooldown !== undefined; cooldown = this.queue.pop()) this.endCooldown(cooldown);
  }

  // KeyTableOwner
  abstract grow(capacity: number): void;
  abstract reset(slot: number): void;

  /** The table of a keyed rule got its first key at watermark `mark`: sweep once it can go idle. */
  firstKey(mark: number): void {
    this.context.wake(mark + this.horizon);
  }

  evicting(slot: number, reason: "idle" | "cap"): void {
    this.stats[reason === "idle" ? Stat.EvictedIdle : Stat.EvictedCap]++;
    const cooldown = this.cooldowns.get(slot);
    if (cooldown !== undefined) this.endCooldown(cooldown);
    this.release(slot);
  }

  /** Frees what a slot holds outside the typed arrays. */
  protected release(_slot: number): void {}

  /** A description of the rule's parameters that shape its state; restore requires the same. */
  shape(): string {
    const rule = this.rule;
    return JSON.stringify([rule.type, this.groupNames, this.cooldown, this.shapeDetail()]);
  }

  protected abstract shapeDetail(): unknown;

  /** A slot's rule-specific state as plain data (images). */
  abstract exportSlot(slot: number): unknown[];

  /** Installs `state` (from {@link exportSlot}) into `slot`; returns why it is unusable, or `undefined`. */
  abstract importSlot(slot: number, state: readonly unknown[]): string | undefined;

  /** The queued cooldowns, for images. */
  queuedCooldowns(): readonly Cooldown[] {
    return this.queue.all();
  }

  /** Restores a cooldown (images). */
  restoreCooldown(cooldown: Cooldown): void {
    this.cooldowns.set(cooldown.slot, cooldown);
    this.queue.push(cooldown);
  }
}

/**
 * The `tags` of the alerts of a rule without tags, and the `group` of an
 * ungrouped rule's: one frozen object each, shared as a rule's own tags
 * already are by its alerts (the Sigma bench's match rules alert on half the
 * events; two fresh empty objects per alert were a sixth of an alert's bytes).
 */
const NO_TAGS: readonly string[] = Object.freeze([]);
const NO_GROUP: Readonly<Record<string, string>> = Object.freeze({});

const readKind = (event: ComplianceEvent): unknown => event.kind;

/** Checks a finite number (images). @internal */
export const isFiniteNumber = (value: unknown): value is number => typeof value === "number" && Number.isFinite(value);
/** A time or -Infinity/Infinity (images store those as null). @internal */
export const timeOrNull = (value: number): number | null => (Number.isFinite(value) ? value : null);
