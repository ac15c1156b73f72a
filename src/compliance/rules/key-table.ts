import type { KeyIndex, KeyIndexUser } from "./key-index.js";

/**
 * The live group keys of one rule: key id (from the {@link KeyIndex} the
 * rule shares with the rules grouping by the same fields) -> slot number
 * through an `Int32Array`, slots in a
 * least-recently-touched list kept in typed arrays (no allocation per
 * touch). Each touch stamps the slot with the engine's watermark at that
 * moment; the watermark never goes back and a touch moves the slot to the
 * tail, so the stamps increase from head to tail and the head is always the
 * stalest key: idle eviction looks at the head only, and the key cap evicts
 * the head.
 *
 * @internal
 */
export interface KeyTableOwner {
  /** The slot arrays must hold `capacity` slots from now on (copy the old ones). */
  grow(capacity: number): void;
  /** `slot` now belongs to a new key: reset its state. */
  reset(slot: number): void;
  /** The table was empty and got a key, touched at `mark`. */
  firstKey(mark: number): void;
  /** `slot` is about to be freed (its key leaves the table). */
  evicting(slot: number, reason: "idle" | "cap"): void;
}

const INITIAL_CAPACITY = 64;
/** Bytes per slot of the touch marks and list links (see `KeyTable.marks`). */
const SLOT_BYTES = 16;

/** @internal */
export class KeyTable implements KeyIndexUser {
  /** The slot of each key id of the index (-1: not live here). */
  private slotById: Int32Array<ArrayBuffer>;
  /** The key id of each slot. */
  private idOfSlot: Int32Array<ArrayBuffer>;
  /**
   * Per slot 16 bytes of one buffer, seen through two views: the watermark
   * when it was last touched (a double at `marks[2 slot]`), then its list
   * neighbours (`links[4 slot + 2]` previous, `links[4 slot + 3]` next). A
   * touch reads and writes one cache line of its slot instead of a line in
   * each of three arrays (the per-user rules touch a random user's slot on
   * every event).
   */
  private marks: Float64Array<ArrayBuffer>;
  private links: Int32Array<ArrayBuffer>;
  private head = -1;
  private tail = -1;
  /**
   * Freed slots, a stack in a typed array (`freeCount` of them): a JS array
   * that empties and fills as keys churn has its backing store trimmed and
   * regrown, an allocation per regrowth on the per-event path.
   */
  private free: Int32Array<ArrayBuffer>;
  private freeCount = 0;
  /** The touch mark of the key being placed (see {@link KeyTable.place}). */
  private readonly stamp = new Float64Array(1);
  private used = 0;
  private live = 0;
  capacity: number;

  constructor(
    readonly maxKeys: number,
    private readonly owner: KeyTableOwner,
    /** The key ids, shared with the other rules grouping by the same fields. */
    private readonly index: KeyIndex,
    /** Where the engine's watermark is read (the default touch mark). */
    private readonly clock: { readonly watermark: number },
  ) {
    this.capacity = Math.min(INITIAL_CAPACITY, maxKeys);
    const buffer = new ArrayBuffer(this.capacity * SLOT_BYTES);
    this.marks = new Float64Array(buffer);
    this.links = new Int32Array(buffer);
    this.idOfSlot = new Int32Array(this.capacity);
    this.free = new Int32Array(this.capacity);
    this.slotById = new Int32Array(index.capacity).fill(-1);
    index.use(this);
  }

  get size(): number {
    return this.live;
  }

  /** The stalest live slot (the head of the list), -1 when none. */
  stalest(): number {
    return this.head;
  }

  /** The watermark when `slot` was last touched. */
  touchedAt(slot: number): number {
    return this.marks[2 * slot] as number;
  }

  /** The key of a live slot. */
  keyOf(slot: number): string {
    return this.index.keys[this.idOfSlot[slot] as number] as string;
  }

  /**
   * The slot of `key`, touched at the watermark now (read here); a new key
   * takes a free slot, evicting the stalest key at the cap.
   */
  slotOf(key: string): number {
    this.stamp[0] = this.clock.watermark;
    return this.place(key);
  }

  /** {@link slotOf} touching at `mark` instead (restoring an image). */
  slotAt(key: string, mark: number): number {
    this.stamp[0] = mark;
    return this.place(key);
  }

  /**
   * {@link slotOf}, touching at `stamp[0]`. The touch mark goes through a
   * typed array, never a parameter or a local merged from two sources: an
   * optional `mark` parameter defaulting to the watermark made TurboFan merge
   * a tagged parameter with a float64 load, boxing the watermark into a new
   * heap number on every call (the sampling heap profiler put 35 of the
   * ready rules' 73 bytes per event of the synthetic stream there); a double
   * passed to a call that is not inlined is boxed the same way.
   */
  private place(key: string): number {
    const stamp = this.stamp[0] as number;
    const index = this.index;
    let id = index.idOf(key);
    if (id >= 0) {
      const slot = this.slotById[id] as number;
      if (slot >= 0) {
        this.marks[2 * slot] = stamp;
        if (slot !== this.tail) {
          this.unlink(slot);
          this.append(slot);
        }
        return slot;
      }
    }
    const live = this.live;
    if (live >= this.maxKeys) {
      this.evict(this.head, "cap");
      id = index.idOf(key); // the eviction may have released ids
    }
    if (id < 0) id = index.add(key);
    index.hold(id);
    let slot: number;
    if (this.freeCount > 0) slot = this.free[--this.freeCount] as number;
    else {
      if (this.used === this.capacity) this.growTo(Math.min(this.maxKeys, this.capacity * 2));
      slot = this.used++;
    }
    this.slotById[id] = slot;
    this.idOfSlot[slot] = id;
    this.live++;
    this.owner.reset(slot);
    this.marks[2 * slot] = stamp;
    this.append(slot);
    if (live === 0) this.owner.firstKey(this.stamp[0] as number);
    return slot;
  }

  /** The slot of `key` when it is live. */
  find(key: string): number | undefined {
    const id = this.index.idOf(key);
    const slot = id >= 0 ? (this.slotById[id] as number) : -1;
    return slot >= 0 ? slot : undefined;
  }

  /** Frees `slot` (its key leaves the table), telling the owner first. */
  evict(slot: number, reason: "idle" | "cap"): void {
    this.owner.evicting(slot, reason);
    this.unlink(slot);
    const id = this.idOfSlot[slot] as number;
    this.slotById[id] = -1;
    this.idOfSlot[slot] = -1;
    this.live--;
    this.free[this.freeCount++] = slot;
    this.index.release(id);
  }

  /** Slots from stalest to freshest (for snapshots). */
  *slots(): IterableIterator<number> {
    for (let slot = this.head; slot !== -1; slot = this.links[4 * slot + 3] as number) yield slot;
  }

  growIds(capacity: number): void {
    const slotById = new Int32Array(capacity).fill(-1);
    slotById.set(this.slotById);
    this.slotById = slotById;
  }

  /** Puts `slot` at the tail (the freshest end) of the list. */
  private append(slot: number): void {
    const links = this.links;
    const tail = this.tail;
    links[4 * slot + 2] = tail;
    links[4 * slot + 3] = -1;
    if (tail === -1) this.head = slot;
    else links[4 * tail + 3] = slot;
    this.tail = slot;
  }

  private unlink(slot: number): void {
    const links = this.links;
    const before = links[4 * slot + 2] as number;
    const after = links[4 * slot + 3] as number;
    if (before === -1) this.head = after;
    else links[4 * before + 3] = after;
    if (after === -1) this.tail = before;
    else links[4 * after + 2] = before;
  }

  private growTo(capacity: number): void {
    this.marks = grown(this.marks, (capacity * SLOT_BYTES) / 8);
    this.links = new Int32Array(this.marks.buffer);
    this.idOfSlot = grownInt(this.idOfSlot, capacity);
    this.free = grownInt(this.free, capacity);
    this.capacity = capacity;
    this.owner.grow(capacity);
  }
}

/** A copy of `array` with room for `capacity` elements. @internal */
export function grown(array: Float64Array<ArrayBuffer>, capacity: number): Float64Array<ArrayBuffer> {
  const out = new Float64Array(capacity);
  out.set(array.subarray(0, Math.min(array.length, capacity)));
  return out;
}

/** A copy of `array` with room for `capacity` elements. @internal */
export function grownInt(array: Int32Array<ArrayBuffer>, capacity: number): Int32Array<ArrayBuffer> {
  const out = new Int32Array(capacity);
  out.set(array.subarray(0, Math.min(array.length, capacity)));
  return out;
}
