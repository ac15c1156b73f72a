/**
 * KeyTable: the live keys of one rule and their least-recently-touched
 * order (key-table.ts). Checked against a plain model (an insertion-ordered
 * Map re-inserted on every touch) through random sequences of touches, cap
 * evictions and idle evictions, with tables small enough that slots are
 * freed, reused and grown many times, and two tables sharing one key index
 * as the rules grouping by the same fields do.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { KeyIndex } from "../src/compliance/rules/key-index.js";
import { KeyTable, type KeyTableOwner } from "../src/compliance/rules/key-table.js";

/** The model of one table: key -> touch mark, in touch order (stalest first). */
class ModelTable {
  readonly marks = new Map<string, number>();
  constructor(readonly maxKeys: number) {}
  /** Touches `key`; returns the key evicted for the cap, if any. */
  touch(key: string, mark: number): string | undefined {
    let evicted: string | undefined;
    if (this.marks.has(key)) this.marks.delete(key);
    else if (this.marks.size >= this.maxKeys) {
      evicted = this.marks.keys().next().value as string;
      this.marks.delete(evicted);
    }
    this.marks.set(key, mark);
    return evicted;
  }
  stalest(): string | undefined {
    return this.marks.keys().next().value;
  }
}

/** An owner that records what the table tells it (the key of an evicted slot read from `table`, which still holds it then). */
class RecordingOwner implements KeyTableOwner {
  capacity = 0;
  table: KeyTable | undefined;
  readonly evicted: { slot: number; reason: "idle" | "cap"; key: string }[] = [];
  readonly resets: number[] = [];
  grow(capacity: number): void {
    expect(capacity).toBeGreaterThanOrEqual(this.capacity);
    this.capacity = capacity;
  }
  reset(slot: number): void {
    expect(slot).toBeLessThan(this.capacity);
    this.resets.push(slot);
  }
  firstKey(): void {}
  evicting(slot: number, reason: "idle" | "cap"): void {
    this.evicted.push({ slot, reason, key: (this.table as KeyTable).keyOf(slot) });
  }
}

/** A table of at most `maxKeys` keys over a key index of its own, with its clock and owner. */
function oneTable(maxKeys: number): { clock: { watermark: number; evaluation: number }; owner: RecordingOwner; table: KeyTable } {
  const clock = { watermark: 0, evaluation: 0 };
  const owner = new RecordingOwner();
  const table = new KeyTable(maxKeys, owner, new KeyIndex([], clock), clock);
  owner.table = table;
  owner.grow(table.capacity);
  return { clock, owner, table };
}

/** The table's slots, stalest first; stops one past its size, so a broken list fails the test instead of looping. */
function slotsOf(table: KeyTable): number[] {
  const out: number[] = [];
  for (const slot of table.slots()) {
    out.push(slot);
    if (out.length > table.size) break;
  }
  return out;
}

type Op = { kind: "touch"; table: number; key: number; advance: number } | { kind: "idle"; table: number; horizon: number };

const opArb = (keys: number): fc.Arbitrary<Op> =>
  fc.oneof(
    { weight: 8, arbitrary: fc.record({ kind: fc.constant("touch" as const), table: fc.integer({ min: 0, max: 1 }), key: fc.integer({ min: 0, max: keys - 1 }), advance: fc.integer({ min: 0, max: 3 }) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant("idle" as const), table: fc.integer({ min: 0, max: 1 }), horizon: fc.oneof(fc.integer({ min: 0, max: 20 }), fc.integer({ min: 100, max: 400 })) }) },
  );

function check(tables: readonly KeyTable[], models: readonly ModelTable[], index: KeyIndex): void {
  const union = new Set<string>();
  tables.forEach((table, t) => {
    const model = models[t] as ModelTable;
    expect(table.size).toBe(model.marks.size);
    const order = slotsOf(table).map((slot) => [table.keyOf(slot), table.touchedAt(slot)]);
    expect(order).toEqual([...model.marks]);
    const stalest = table.stalest();
    expect(stalest === -1 ? undefined : table.keyOf(stalest)).toBe(model.stalest());
    for (const key of model.marks.keys()) union.add(key);
  });
  // The shared index holds exactly the keys some table holds.
  expect(index.size).toBe(union.size);
}

describe("KeyTable", () => {
  it("touches two keys in turn for a long time in bounded memory", () => {
    const { clock, table } = oneTable(1_000);
    for (let i = 0; i < 100_000; i++) {
      clock.watermark = i;
      clock.evaluation++;
      table.slotOf(i % 2 === 0 ? "a" : "b");
    }
    expect(table.capacity).toBe(64); // never grew: two keys
    expect(slotsOf(table).map((slot) => table.keyOf(slot))).toEqual(["a", "b"]);
    expect(table.touchedAt(table.stalest())).toBe(99_998);
  });

  it("keeps every key's slot, mark and order while the table and the key index grow", () => {
    const { clock, owner, table } = oneTable(1_000);
    const keys = Array.from({ length: 300 }, (_, i) => `user-${i}`);
    for (const key of keys) {
      clock.watermark++;
      clock.evaluation++;
      table.slotOf(key);
    }
    expect(owner.capacity).toBe(512); // 64 -> 128 -> 256 -> 512
    // Touch every other key again: they move to the fresh end, in that order.
    for (let i = 0; i < keys.length; i += 2) {
      clock.watermark++;
      clock.evaluation++;
      table.slotOf(keys[i] as string);
    }
    const expected = [...keys.filter((_, i) => i % 2 === 1), ...keys.filter((_, i) => i % 2 === 0)];
    expect(slotsOf(table).map((slot) => table.keyOf(slot))).toEqual(expected);
    expect(slotsOf(table).map((slot) => table.touchedAt(slot))).toEqual([...keys.map((_, i) => i + 1).filter((_, i) => i % 2 === 1), ...keys.map((_, i) => 301 + i / 2).filter((_, i) => i % 2 === 0)]);
    expect(new Set(slotsOf(table)).size).toBe(300);
    expect(owner.evicted).toEqual([]);
  });

  it("evicts the stalest of a full table after keys were touched again", () => {
    const { clock, owner, table } = oneTable(3);
    const touch = (key: string): void => {
      clock.watermark++;
      clock.evaluation++;
      table.slotOf(key);
    };
    for (const key of ["a", "b", "c", "a", "a", "b", "a", "c", "b"]) touch(key);
    expect(slotsOf(table).map((slot) => table.keyOf(slot))).toEqual(["a", "c", "b"]);
    touch("d");
    expect(owner.evicted).toEqual([{ slot: 0, reason: "cap", key: "a" }]);
    expect(slotsOf(table).map((slot) => table.keyOf(slot))).toEqual(["c", "b", "d"]);
    expect(table.find("a")).toBeUndefined();
  });

  it("keeps the least-recently-touched order, the cap and idle evictions of a plain model, sharing one key index", () => {
    // Caps and key counts small (evictions all the time) or past the tables'
    // and the index's first capacity of 64 (growth); runs of full length.
    const cap = fc.oneof(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 60, max: 140 }));
    const keys = fc.oneof(fc.integer({ min: 2, max: 30 }), fc.integer({ min: 100, max: 300 }));
    fc.assert(
      fc.property(cap, cap, keys.chain((count) => fc.array(opArb(count), { minLength: 1, maxLength: 300, size: "max" })), (capA, capB, ops) => {
        const clock = { watermark: 0, evaluation: 0 };
        const index = new KeyIndex([], clock);
        const owners = [new RecordingOwner(), new RecordingOwner()];
        const tables = [new KeyTable(capA, owners[0] as RecordingOwner, index, clock), new KeyTable(capB, owners[1] as RecordingOwner, index, clock)];
        owners.forEach((owner, t) => {
          owner.table = tables[t];
          owner.grow((tables[t] as KeyTable).capacity);
        });
        const models = [new ModelTable(capA), new ModelTable(capB)];
        for (const op of ops) {
          clock.evaluation++;
          const t = op.table;
          const table = tables[t] as KeyTable;
          const model = models[t] as ModelTable;
          const owner = owners[t] as RecordingOwner;
          const before = owner.evicted.length;
          if (op.kind === "touch") {
            clock.watermark += op.advance;
            const key = `k${op.key}`;
            const evicted = model.touch(key, clock.watermark);
            const evictedSlot = evicted === undefined ? -1 : (table.find(evicted) as number);
            const slot = table.slotOf(key);
            expect(table.keyOf(slot)).toBe(key);
            expect(table.find(key)).toBe(slot);
            expect(table.touchedAt(slot)).toBe(clock.watermark);
            expect(owner.evicted.slice(before)).toEqual(evicted === undefined ? [] : [{ slot: evictedSlot, reason: "cap", key: evicted }]);
            if (evicted !== undefined) expect(table.find(evicted)).toBeUndefined();
          } else {
            // The loop of RuleEvaluator.sweep: evict from the stalest while it is older than the limit.
            const limit = clock.watermark - op.horizon;
            const live = table.size;
            for (let slot = table.stalest(); slot !== -1 && table.touchedAt(slot) < limit; slot = table.stalest()) {
              table.evict(slot, "idle");
              if (owner.evicted.length - before > live) throw new Error("idle eviction does not move on from the stalest key");
            }
            const idle = [...model.marks].filter(([, mark]) => mark < limit).map(([key]) => key);
            for (const key of idle) model.marks.delete(key);
            // Exactly the model's idle keys, stalest first.
            expect(owner.evicted.slice(before).map((entry) => entry.key)).toEqual(idle);
            for (const key of idle) expect(table.find(key)).toBeUndefined();
          }
          check(tables, models, index);
        }
      }),
      // A failure shrinks through runs of up to 300 operations: bounded, so that it is reported.
      { numRuns: 150, interruptAfterTimeLimit: 30_000, markInterruptAsFailure: true },
    );
  });
});
