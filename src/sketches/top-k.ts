import { brand } from "../brand.js";
import { Approximate } from "../algebra/approximate.js";
import type { Monoid } from "../algebra/monoid.js";
import type { ByteReader } from "../codec/byte-reader.js";
import { ByteWriter } from "../codec/byte-writer.js";
import type { ImageCodec } from "../codec/image-codec.js";
import { Family, writePreamble } from "../codec/preamble.js";
import { DecodeError, InvalidArgumentError } from "../errors.js";
import { canonicalBigIntBytes, HashedKey } from "../hashing/hashed-key.js";
import { murmurHash64AStringInto, REDIS_HLL_SEED } from "../hashing/murmur64a.js";
import { mergeMonoid, sketchCodec } from "./merge-instances.js";
import {
  allocate,
  checkOptionKeys,
  describeValue,
  openImage,
  requireCompatible,
  type SketchClass,
  type SketchStorage,
  type WeightedSketch,
} from "./sketch.js";

const VERSION = 1;
/** Most counters: 2^24 slots (37 bytes of typed arrays each and 8 or 16 of string table, plus the items). */
const MAX_CAPACITY = 2 ** 24;
/** Bytes before the entries: preamble 8, capacity 4, size 4, total 8, untracked bound 8. */
const HEADER_BYTES = 32;
/** Smallest entry: count 8, error 8, kind 1, length 4, empty item. */
const ENTRY_MIN_BYTES = 21;
/** Typed arrays start this small and double up to the capacity, so a decoder never allocates by `capacity`. */
const INITIAL_SLOTS = 16;
const OPTION_KEYS = ["capacity"] as const;
/**
 * Slack on the decoder's `sum of counts <= total` check, for the rounding of
 * fractional counts (integer counts below 2^53 are exact and meet it with no slack).
 */
const SUM_SLACK = 2 ** -30;

// Item kinds, in item order: every string sorts before every byte string,
// every byte string before every number, every number before every bigint.
const KIND_STRING = 0;
const KIND_BYTES = 1;
const KIND_NUMBER = 2;
const KIND_BIGINT = 3;

/** What an item is kept as: the string itself, the bytes as a latin1 string (one char per byte), the number or the bigint. */
type Key = string | number | bigint;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const LONE_SURROGATES = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const utf8Encoder = new TextEncoder();
// fatal: reject invalid UTF-8 instead of replacing it; ignoreBOM: keep a leading U+FEFF as part of the item.
const utf8Decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * What a {@link TopK} counts: strings, byte strings, numbers and bigints.
 *
 * Items are compared by kind and value, never by a hash, so two items are
 * never conflated: a string and a `Uint8Array` holding its UTF-8 bytes are
 * two different items (unlike in the hashed sketches), as are `1` and `1n`.
 * Strings are kept as well-formed UTF-16 (a lone surrogate is replaced by
 * U+FFFD, as in their canonical UTF-8 bytes); numbers as doubles with `-0`
 * counted as `0` and every `NaN` as one item.
 *
 * @example
 * ```ts
 * import { type TopKItem, TopK } from "papertrail/sketches";
 * const items: TopKItem[] = ["10.0.0.7", Uint8Array.of(10, 0, 0, 7), 167772167, 167772167n];
 * const sketch = new TopK({ capacity: 10 });
 * for (const item of items) sketch.add(item);
 * sketch.size; // => 4
 * ```
 */
export type TopKItem = string | Uint8Array | number | bigint;

/**
 * Options of {@link TopK}: `capacity` is the number of counters, an integer
 * in `[1, 2^24]`. Every kept count overestimates by at most `total / capacity`.
 *
 * @example
 * ```ts
 * import { type TopKOptions, TopK } from "papertrail/sketches";
 * const options: TopKOptions = { capacity: 100 };
 * new TopK(options).capacity; // => 100
 * ```
 */
export interface TopKOptions {
  /** Counters kept, `k`: items tracked at once. */
  readonly capacity: number;
}

/**
 * One row of {@link TopK.top}: the item, its counter `count` (never below the
 * true count), the most `count` can overestimate by, `error` (so the truth is
 * in `[count - error, count]`), and `guaranteed`: whether the item surely
 * belongs to the true top `n` (Metwally et al.: `count - error` is at least
 * the `(n + 1)`-th largest counter, which bounds every item outside the first `n`).
 *
 * @example
 * ```ts
 * import { type TopKEntry, TopK } from "papertrail/sketches";
 * const [first]: TopKEntry[] = new TopK({ capacity: 2 }).add("alice", 5).add("bob").top(1);
 * first; // => { item: "alice", count: 5, error: 0, guaranteed: true }
 * ```
 */
export interface TopKEntry {
  readonly item: TopKItem;
  readonly count: number;
  readonly error: number;
  readonly guaranteed: boolean;
}

/**
 * Heavy hitters by Space-Saving (Metwally, Agrawal & El Abbadi, "Efficient
 * Computation of Frequent and Top-k Elements in Data Streams", ICDT 2005):
 * "which IPs have the most failed logins?", "top 10 API consumers".
 *
 * The summary keeps up to `capacity` counters, each an item with a count
 * and an error. A tracked item's count goes up by what is added. An
 * untracked item takes a free counter while there is one, and after that the
 * counter with the smallest count `min`, whose old item is forgotten: it
 * starts at `min + count` with error `min`. (Among counters tied at the
 * minimum, which one is taken depends on the order of past updates.) So,
 * with `N = totalWeight`:
 *
 * - every tracked item's true count is in `[count - error, count]`;
 * - every untracked item's true count is at most `maxUntrackedCount`;
 * - every error, every overestimate and `maxUntrackedCount` are at most
 *   `N / capacity` (`errorBound`): the counters sum to at most `N` and all
 *   are at least `maxUntrackedCount`, so that is at most `N / capacity`,
 *   and every error is at most `maxUntrackedCount`.
 *
 * Hence any item that occurred more than `N / capacity` times is tracked.
 * Items are kept as themselves and compared by value, never conflated by a
 * hash. Strings are found through an open-addressing table indexed by a
 * 32-bit hash of their code units (a hash match is confirmed by comparing
 * the strings); byte strings, numbers and bigints through a `Map`. Counters
 * live in typed arrays under an indexed min-heap by count, so `add` costs
 * O(log capacity) at worst (a heavy hitter's counter sits near the leaves:
 * usually O(1)), with no allocation for a string, tracked or new, nor for
 * a tracked number or bigint (a new one is set in a `Map`, which may grow; a
 * byte string builds a key string per add).
 *
 * Counts are doubles: any finite number `>= 0`, exact while every count and
 * the total stay below 2^53. `add` and `merge` mutate the summary and return
 * it. {@link TopK.monoid} merges summaries: the empty summary is an exact
 * identity, and associativity holds up to truncation (see there).
 *
 * @example
 * ```ts
 * import { TopK } from "papertrail/sketches";
 * const failedLogins = new TopK({ capacity: 3 });
 * for (const ip of ["10.0.0.7", "10.0.0.9", "10.0.0.7", "10.0.0.1", "10.0.0.7", "10.0.0.9", "10.0.0.2"]) failedLogins.add(ip);
 * // 10.0.0.2 took the counter of 10.0.0.1 (the smallest, 1): count 2, error 1.
 * failedLogins.top(2).map((e) => [e.item, e.count, e.error, e.guaranteed]); // => [["10.0.0.7", 3, 0, true], ["10.0.0.9", 2, 0, true]]
 * failedLogins.estimate("10.0.0.2").toString(); // => "2 [1, 2] @ 100%"
 * failedLogins.estimate("10.0.0.1").toString(); // => "0 [0, 1] @ 100%"
 * [failedLogins.totalWeight, failedLogins.errorBound]; // => [7, 7 / 3]
 * ```
 */
export class TopK implements WeightedSketch<TopK, TopKItem> {
  /** Counters kept, `k`. */
  readonly capacity: number;
  /** Where the typed arrays come from (kept for growth). */
  private readonly storage: SketchStorage | undefined;
  /** slot -> count (the upper bound of the slot's item). */
  private counts: Float64Array;
  /** slot -> error (count - error is a lower bound). */
  private errors: Float64Array;
  /** heap position -> slot; a min-heap by count. */
  private heap: Int32Array;
  /** heap position -> count of its slot: the heap reads counts in its own order (one load per child, not two). */
  private heapCounts: Float64Array;
  /** slot -> heap position. */
  private where: Int32Array;
  /** slot -> item kind. */
  private kinds: Uint8Array;
  /** slot -> hash of a string item ({@link topKStringHash}, or {@link topKFieldHash} when `fieldHashed`); unused for other kinds. */
  private hashes: Int32Array;
  /**
   * Whether string items are hashed with {@link topKFieldHash} (the low bits
   * of the MurmurHash64A a caller such as the monitor computed already)
   * instead of {@link topKStringHash}: see {@link TopK.keyedByFieldHash}.
   */
  private fieldHashed = false;
  /**
   * Open-addressing table of the string items, linear probing from
   * `hash & (length - 1)`: entries are `slot + 1`, 0 is empty. Its length is
   * a power of two at least twice the slots allocated, so it is at most
   * half full.
   */
  private table: Int32Array;
  /** slot -> item key (bytes as a latin1 string). */
  private keys: Key[] = [];
  /** Numbers and bigints -> slot (their JavaScript types keep them apart). */
  private index = new Map<number | bigint, number>();
  /** Byte strings (as latin1 strings) -> slot. */
  private byteIndex = new Map<string, number>();
  /** Slots in use, the first `used` of the arrays. */
  private used = 0;
  private sum = 0;
  /** Upper bound of every untracked item's count: 0 until an item is dropped (so always 0 while a counter is free). */
  private floor = 0;

  /**
   * A summary of `capacity` counters.
   *
   * @param options - `{ capacity }`; any other key throws `InvalidArgumentError`
   * @param storage - where the counters' arrays come from; default: their own buffers
   */
  constructor(options: TopKOptions, storage?: SketchStorage) {
    checkOptionKeys("TopK", options, OPTION_KEYS);
    const capacity = options.capacity;
    if (typeof capacity !== "number" || !Number.isInteger(capacity) || capacity < 1 || capacity > MAX_CAPACITY) {
      throw new InvalidArgumentError(`TopK capacity must be an integer in [1, ${MAX_CAPACITY}], got ${String(capacity)}`);
    }
    this.capacity = capacity;
    this.storage = storage;
    const slots = Math.min(capacity, INITIAL_SLOTS);
    this.counts = new Float64Array(0);
    this.errors = this.counts;
    this.heapCounts = this.counts;
    this.heap = new Int32Array(0);
    this.where = this.heap;
    this.hashes = this.heap;
    this.kinds = new Uint8Array(0);
    this.table = this.heap;
    this.allocateSlots(slots);
  }

  /**
   * A summary like `new TopK(options, storage)` whose string table is keyed
   * by {@link topKFieldHash}: a caller that hashed an item with
   * MurmurHash64A already (the monitor, for each field of an event) hands
   * the table hash over to {@link TopK.addStringHashed} instead of the
   * summary reading the string again. `add` on it costs a little more than on
   * a plain summary (MurmurHash64A instead of the table's own hash). Its
   * contents, images, merges (with either kind) and answers are those of a
   * plain summary; `clone` keeps the hashing, `fromBytes` gives a plain one.
   *
   * @internal
   */
  static keyedByFieldHash(options: TopKOptions, storage?: SketchStorage): TopK {
    const sketch = new TopK(options, storage);
    sketch.fieldHashed = true;
    return sketch;
  }

  /** Whether {@link TopK.keyedByFieldHash} made this summary (or its original, for a clone). @internal */
  get keyedByFieldHashes(): boolean {
    return this.fieldHashed;
  }

  /**
   * Adds `count` occurrences of `item` (default 1). `count` must be a finite
   * number `>= 0`; adding 0 changes nothing.
   *
   * @example
   * ```ts
   * import { TopK } from "papertrail/sketches";
   * const consumers = new TopK({ capacity: 10 }).add("key-A", 120).add("key-B", 30).add("key-A");
   * consumers.top(1)[0].count; // => 121
   * ```
   */
  add(item: TopKItem, count = 1): this {
    if (typeof count !== "number" || !(count >= 0 && count <= Number.MAX_VALUE)) throw invalidCount(count);
    if (!(this.sum + count <= Number.MAX_VALUE)) throw new InvalidArgumentError(`TopK total weight would overflow: ${this.sum} + ${count}`);
    if (typeof item === "string") {
      let key = item;
      let hash = this.fieldHashed ? topKFieldHash(key) : topKStringHash(key);
      if (hash < 0) {
        // Some code unit may be a surrogate: a lone one counts as U+FFFD.
        key = wellFormed(item);
        hash = key === item ? ~hash : this.keyHash(key);
      }
      const slot = this.findString(key, hash);
      if (slot >= 0) return this.bump(slot, count);
      if (count !== 0) this.insert(KIND_STRING, key, hash, count);
      return this;
    }
    return this.addOther(item, count);
  }

  /**
   * `add(key, 1)` of a well-formed string whose table hash the caller
   * already holds: `hash` must be {@link topKFieldHash}`(key)` for a summary
   * made by {@link TopK.keyedByFieldHash}, else {@link topKStringHash}`(key)`;
   * either is non-negative for an ASCII string (the monitor hands over its
   * field hash's low bits for an identity, and the pseudonym cache the hash
   * it keeps beside each pseudonym, so a top list never reads the
   * characters again).
   *
   * @internal
   */
  addStringHashed(key: string, hash: number): this {
    if (!(this.sum + 1 <= Number.MAX_VALUE)) throw new InvalidArgumentError(`TopK total weight would overflow: ${this.sum} + 1`);
    const slot = this.findString(key, hash);
    if (slot >= 0) return this.bump(slot, 1);
    this.insert(KIND_STRING, key, hash, 1);
    return this;
  }

  /** `add` of a byte string, number or bigint (apart, so that the string path stays small enough to inline). */
  private addOther(item: TopKItem, count: number): this {
    let kind: number;
    let key: Key;
    let slot: number | undefined;
    if (item instanceof Uint8Array) {
      kind = KIND_BYTES;
      const bytes = bytesToKey(item);
      key = bytes;
      slot = this.byteIndex.get(bytes);
    } else if (typeof item === "number") {
      kind = KIND_NUMBER;
      const value = item === 0 ? 0 : item; // -0 counts as 0 (as a Map key, too)
      key = value;
      slot = this.index.get(value);
    } else if (typeof item === "bigint") {
      kind = KIND_BIGINT;
      key = item;
      slot = this.index.get(item);
    } else {
      throw invalidItem(item);
    }
    if (slot !== undefined) return this.bump(slot, count);
    if (count !== 0) this.insert(kind, key, 0, count);
    return this;
  }

  private bump(slot: number, count: number): this {
    this.counts[slot] = (this.counts[slot] as number) + count;
    this.sum += count;
    this.siftDown(this.where[slot] as number);
    return this;
  }

  /** Space-Saving's step for an untracked item (count > 0); `hash` is the string hash of a string key. */
  private insert(kind: number, key: Key, hash: number, count: number): void {
    let slot: number;
    let base: number;
    const free = this.used < this.capacity;
    if (free) {
      // A free counter: no item has ever been dropped (the untracked bound
      // is 0 until the summary is full), so the item is new and counted exactly.
      if (this.used === this.counts.length) this.grow(this.used + 1);
      slot = this.used++;
      base = 0;
      this.heap[slot] = slot;
      this.where[slot] = slot;
    } else {
      // Evict the minimum: its item occurred at most `min` times, which
      // becomes the bound for every untracked item (all others are <= floor <= min).
      slot = this.heap[0] as number;
      base = this.counts[slot] as number;
      this.unlink(slot);
      this.floor = base;
    }
    this.counts[slot] = base + count;
    this.errors[slot] = base;
    this.kinds[slot] = kind;
    this.keys[slot] = key;
    this.link(slot, kind, key, hash);
    this.sum += count;
    if (free) this.siftUp(slot);
    else this.siftDown(0);
  }

  /** Makes `slot` (holding `key` of `kind`) findable. */
  private link(slot: number, kind: number, key: Key, hash: number): void {
    if (kind === KIND_STRING) {
      this.hashes[slot] = hash;
      const table = this.table;
      const mask = table.length - 1;
      let i = hash & mask;
      while (table[i] !== 0) i = (i + 1) & mask;
      table[i] = slot + 1;
    } else if (kind === KIND_BYTES) {
      this.byteIndex.set(key as string, slot);
    } else {
      this.index.set(key as number | bigint, slot);
    }
  }

  /** Forgets the item of `slot`. Strings leave the table by backward-shift deletion (no tombstones). */
  private unlink(slot: number): void {
    const kind = this.kinds[slot] as number;
    if (kind === KIND_BYTES) {
      this.byteIndex.delete(this.keys[slot] as string);
      return;
    }
    if (kind !== KIND_STRING) {
      this.index.delete(this.keys[slot] as number | bigint);
      return;
    }
    const table = this.table;
    const hashes = this.hashes;
    const mask = table.length - 1;
    let hole = (hashes[slot] as number) & mask;
    while (table[hole] !== slot + 1) hole = (hole + 1) & mask;
    // Move back every later entry of the run that may sit at the hole: one
    // whose home position is not in the cyclic range (hole, j].
    for (let j = (hole + 1) & mask; ; j = (j + 1) & mask) {
      const entry = table[j] as number;
      if (entry === 0) break;
      const home = (hashes[entry - 1] as number) & mask;
      if (((j - home) & mask) >= ((j - hole) & mask)) {
        table[hole] = entry;
        hole = j;
      }
    }
    table[hole] = 0;
  }

  /** The slot of the string `key` with hash `hash`, or -1. */
  private findString(key: string, hash: number): number {
    const table = this.table;
    const mask = table.length - 1;
    for (let i = hash & mask; ; i = (i + 1) & mask) {
      const entry = table[i] as number;
      if (entry === 0) return -1;
      if (this.hashes[entry - 1] === hash && this.keys[entry - 1] === key) return entry - 1;
    }
  }

  /** Typed arrays of `slots` counters (keeping the first `used`), and a table sized for them. */
  private allocateSlots(slots: number): void {
    const used = this.used;
    const counts = this.f64(slots);
    counts.set(this.counts.subarray(0, used));
    const errors = this.f64(slots);
    errors.set(this.errors.subarray(0, used));
    const heap = this.i32(slots);
    heap.set(this.heap.subarray(0, used));
    const heapCounts = this.f64(slots);
    heapCounts.set(this.heapCounts.subarray(0, used));
    const where = this.i32(slots);
    where.set(this.where.subarray(0, used));
    const hashes = this.i32(slots);
    hashes.set(this.hashes.subarray(0, used));
    const kinds = this.u8(slots);
    kinds.set(this.kinds.subarray(0, used));
    this.counts = counts;
    this.errors = errors;
    this.heap = heap;
    this.heapCounts = heapCounts;
    this.where = where;
    this.hashes = hashes;
    this.kinds = kinds;
    let size = 4;
    while (size < 2 * slots) size *= 2;
    if (this.table.length !== size) {
      this.table = this.i32(size);
      for (let slot = 0; slot < used; slot++) {
        if (this.kinds[slot] === KIND_STRING) this.link(slot, KIND_STRING, this.keys[slot] as Key, this.hashes[slot] as number);
      }
    }
  }

  private bytes(length: number): Uint8Array<ArrayBuffer> {
    return allocate(this.storage, length);
  }

  private f64(length: number): Float64Array {
    const bytes = this.bytes(length * 8);
    return new Float64Array(bytes.buffer, bytes.byteOffset, length);
  }

  private i32(length: number): Int32Array {
    const bytes = this.bytes(length * 4);
    return new Int32Array(bytes.buffer, bytes.byteOffset, length);
  }

  private u8(length: number): Uint8Array {
    return this.bytes(length);
  }

  private grow(needed: number): void {
    this.allocateSlots(Math.min(this.capacity, Math.max(needed, this.counts.length * 2)));
  }

  /**
   * Heap order: counts only. Breaking ties by item here would make the
   * choice among counters tied at the minimum depend on contents alone, but
   * costs a third of the update rate on skewed streams (where most counters
   * near the minimum are tied), so ties stay in heap order.
   */
  private siftDown(position: number): void {
    const heap = this.heap;
    const heapCounts = this.heapCounts;
    const where = this.where;
    const n = this.used;
    const slot = heap[position] as number;
    const count = this.counts[slot] as number;
    for (;;) {
      let child = 2 * position + 1;
      if (child >= n) break;
      let childCount = heapCounts[child] as number;
      if (child + 1 < n) {
        const rightCount = heapCounts[child + 1] as number;
        if (rightCount < childCount) {
          child++;
          childCount = rightCount;
        }
      }
      if (!(childCount < count)) break;
      const childSlot = heap[child] as number;
      heap[position] = childSlot;
      heapCounts[position] = childCount;
      where[childSlot] = position;
      position = child;
    }
    heap[position] = slot;
    heapCounts[position] = count;
    where[slot] = position;
  }

  private siftUp(position: number): void {
    const heap = this.heap;
    const heapCounts = this.heapCounts;
    const where = this.where;
    const slot = heap[position] as number;
    const count = this.counts[slot] as number;
    while (position > 0) {
      const parent = (position - 1) >> 1;
      const parentCount = heapCounts[parent] as number;
      if (!(count < parentCount)) break;
      const parentSlot = heap[parent] as number;
      heap[position] = parentSlot;
      heapCounts[position] = parentCount;
      where[parentSlot] = position;
      position = parent;
    }
    heap[position] = slot;
    heapCounts[position] = count;
    where[slot] = position;
  }

  /** The slot of `item`, or -1. */
  private find(item: TopKItem): number {
    if (typeof item === "string") {
      let key = item;
      let hash = this.fieldHashed ? topKFieldHash(key) : topKStringHash(key);
      if (hash < 0) {
        key = wellFormed(item);
        hash = key === item ? ~hash : this.keyHash(key);
      }
      return this.findString(key, hash);
    }
    let slot: number | undefined;
    if (item instanceof Uint8Array) {
      slot = this.byteIndex.get(bytesToKey(item));
    } else if (typeof item === "number" || typeof item === "bigint") {
      slot = this.index.get(item);
    } else {
      throw invalidItem(item);
    }
    return slot ?? -1;
  }

  /** The table hash of a well-formed string key in this summary's hashing (`>= 0`). */
  private keyHash(key: string): number {
    const hash = this.fieldHashed ? topKFieldHash(key) : topKStringHash(key);
    return hash < 0 ? ~hash : hash;
  }

  /** The slot of the item (kind, key) in this summary, or -1; `hash` is the table hash of a string key. */
  private slotOf(kind: number, key: Key, hash: number): number {
    if (kind === KIND_STRING) return this.findString(key as string, hash);
    return (kind === KIND_BYTES ? this.byteIndex.get(key as string) : this.index.get(key as number | bigint)) ?? -1;
  }

  /** Slots in rank order (see {@link rankOrder}). */
  private ranked(): number[] {
    return rankOrder(this.used, this.counts, this.errors, this.kinds, this.keys);
  }

  private itemAt(slot: number): TopKItem {
    const key = this.keys[slot] as Key;
    return this.kinds[slot] === KIND_BYTES ? keyToBytes(key as string) : key;
  }

  /**
   * The `n` items with the largest counters (default: every tracked item),
   * largest first; equal counts by error (the larger lower bound first), then
   * in item order (strings by UTF-16 code units, then byte strings
   * lexicographically, then numbers with NaN last, then bigints).
   * `guaranteed` is true when `count - error` is at least the `(n + 1)`-th
   * largest counter (or `maxUntrackedCount` when fewer are tracked): no item
   * outside the list can have occurred more often, so the item is in the
   * true top `n` (Metwally et al. 2005, the guaranteed top-k).
   *
   * @example
   * ```ts
   * import { TopK } from "papertrail/sketches";
   * const sketch = new TopK({ capacity: 2 }).add("a", 10).add("b", 4).add("c", 3);
   * sketch.top(); // => [{ item: "a", count: 10, error: 0, guaranteed: true }, { item: "c", count: 7, error: 4, guaranteed: false }]
   * sketch.top(1)[0].guaranteed; // => true
   * ```
   */
  top(n: number = this.used): TopKEntry[] {
    if (typeof n !== "number" || !Number.isInteger(n) || n < 0) {
      throw new InvalidArgumentError(`TopK top(n) needs an integer n >= 0, got ${String(n)}`);
    }
    const order = this.ranked();
    const shown = Math.min(n, this.used);
    const next = n < this.used ? (this.counts[order[n] as number] as number) : this.floor;
    const out: TopKEntry[] = [];
    for (let i = 0; i < shown; i++) {
      const slot = order[i] as number;
      const count = this.counts[slot] as number;
      const error = this.errors[slot] as number;
      out.push({ item: this.itemAt(slot), count, error, guaranteed: count - error >= next });
    }
    return out;
  }

  /**
   * `item`'s count with its bounds, holding with probability 1. A tracked
   * item: estimate and upper end `count`, lower end `count - error`. An
   * untracked one: estimate 0, interval `[0, maxUntrackedCount]`.
   *
   * @example
   * ```ts
   * import { TopK } from "papertrail/sketches";
   * const sketch = new TopK({ capacity: 1 }).add("alice", 3).add("bob", 2);
   * sketch.estimate("bob").toString(); // => "5 [2, 5] @ 100%"
   * sketch.estimate("alice").toString(); // => "0 [0, 3] @ 100%"
   * ```
   */
  estimate(item: TopKItem): Approximate {
    const slot = this.find(item);
    if (slot < 0) return new Approximate(0, 0, this.floor, 1);
    const count = this.counts[slot] as number;
    return new Approximate(count, count - (this.errors[slot] as number), count, 1);
  }

  /**
   * `item`'s counter: its count if tracked (never below the true count, at
   * most `error` above it), else 0. {@link TopK.estimate} gives the bounds.
   *
   * @example
   * ```ts
   * import { TopK } from "papertrail/sketches";
   * const sketch = new TopK({ capacity: 1 }).add("alice", 3).add("bob", 2);
   * [sketch.frequency("bob"), sketch.frequency("alice")]; // => [5, 0]
   * ```
   */
  frequency(item: TopKItem): number {
    const slot = this.find(item);
    return slot < 0 ? 0 : (this.counts[slot] as number);
  }

  /**
   * Sum of every count added, merges included (`N`, the stream length for unit counts).
   *
   * @example
   * ```ts
   * import { TopK } from "papertrail/sketches";
   * new TopK({ capacity: 1 }).add("a", 2.5).add("b").totalWeight; // => 3.5
   * ```
   */
  get totalWeight(): number {
    return this.sum;
  }

  /**
   * Items tracked now (at most `capacity`).
   *
   * @example
   * ```ts
   * import { TopK } from "papertrail/sketches";
   * new TopK({ capacity: 2 }).add("a").add("b").add("c").size; // => 2
   * ```
   */
  get size(): number {
    return this.used;
  }

  /**
   * The most any untracked item can have occurred: 0 until an item has been
   * dropped (every item seen is then tracked, and counted exactly; in
   * particular while a counter is free), then the count of the last counter
   * taken over (or, after a merge, the larger of the two sides' bounds summed
   * and the largest count dropped): at most the smallest counter.
   *
   * @example
   * ```ts
   * import { TopK } from "papertrail/sketches";
   * const sketch = new TopK({ capacity: 2 }).add("a", 5).add("b", 2);
   * sketch.maxUntrackedCount; // => 0
   * sketch.add("c").maxUntrackedCount; // => 2
   * ```
   */
  get maxUntrackedCount(): number {
    return this.floor;
  }

  /**
   * The guaranteed bound `totalWeight / capacity`: no count overestimates by more,
   * no error is larger, and no untracked item occurred more often.
   *
   * @example
   * ```ts
   * import { TopK } from "papertrail/sketches";
   * const sketch = new TopK({ capacity: 4 });
   * for (let i = 0; i < 100; i++) sketch.add(`user-${i % 10}`);
   * [sketch.errorBound, sketch.top().every((e) => e.error <= sketch.errorBound)]; // => [25, true]
   * ```
   */
  get errorBound(): number {
    return this.sum / this.capacity;
  }

  /**
   * Merges `other` into this summary (both must have the same capacity, else
   * a `ParameterMismatchError` names both). For every item of either side,
   * count and error add; a side that does not track the item contributes
   * its `maxUntrackedCount` to both (Cafaro, Pulimeno & Tempesta, "A parallel
   * space saving algorithm", Inf. Sci. 2016). The `capacity` largest counts
   * are kept (ties as in {@link TopK.top}); the bound on untracked items becomes
   * the larger of the two sides' bounds summed and the largest dropped count.
   *
   * The result keeps every guarantee of a summary of the concatenated
   * streams: the true count of every item lies in its bounds, and counters
   * sum to at most `N` and are all at least `maxUntrackedCount`, so every
   * error stays at most `N / capacity` however many summaries are merged
   * (the mergeability of Agarwal et al., "Mergeable Summaries", PODS 2012).
   * It is not always the summary a single Space-Saving pass would build.
   *
   * @example
   * ```ts
   * import { TopK } from "papertrail/sketches";
   * const east = new TopK({ capacity: 2 }).add("10.0.0.7", 5).add("10.0.0.9", 1);
   * const west = new TopK({ capacity: 2 }).add("10.0.0.7", 3).add("10.0.0.8", 2);
   * east.merge(west).top().map((e) => [e.item, e.count, e.error]); // => [["10.0.0.7", 8, 0], ["10.0.0.8", 2, 0]]
   * [east.totalWeight, east.maxUntrackedCount]; // => [11, 1]
   * ```
   */
  merge(other: TopK): this {
    requireCompatible(TopK, this.describe(), other, (o) => o.capacity === this.capacity);
    if (!(this.sum + other.sum <= Number.MAX_VALUE)) throw new InvalidArgumentError(`TopK total weight would overflow: ${this.sum} + ${other.sum}`);
    const source = other === this ? other.clone() : other;
    // Summaries that hash strings differently (one keyed by field hashes) look each other's keys up by each one's own hash.
    const rehash = source.fieldHashed !== this.fieldHashed;
    const limit = this.used + source.used;
    const counts = new Float64Array(limit);
    const errors = new Float64Array(limit);
    const kinds = new Uint8Array(limit);
    const hashes = new Int32Array(limit);
    const keys: Key[] = [];
    let n = 0;
    for (let slot = 0; slot < this.used; slot++) {
      const kind = this.kinds[slot] as number;
      const key = this.keys[slot] as Key;
      const hash = this.hashes[slot] as number;
      const there = source.slotOf(kind, key, rehash && kind === KIND_STRING ? source.keyHash(key as string) : hash);
      counts[n] = (this.counts[slot] as number) + (there < 0 ? source.floor : (source.counts[there] as number));
      errors[n] = (this.errors[slot] as number) + (there < 0 ? source.floor : (source.errors[there] as number));
      kinds[n] = kind;
      hashes[n] = hash;
      keys.push(key);
      n++;
    }
    for (let slot = 0; slot < source.used; slot++) {
      const kind = source.kinds[slot] as number;
      const key = source.keys[slot] as Key;
      const hash = rehash && kind === KIND_STRING ? this.keyHash(key as string) : (source.hashes[slot] as number);
      if (this.slotOf(kind, key, hash) >= 0) continue;
      counts[n] = this.floor + (source.counts[slot] as number);
      errors[n] = this.floor + (source.errors[slot] as number);
      kinds[n] = kind;
      hashes[n] = hash;
      keys.push(key);
      n++;
    }
    const order = rankOrder(n, counts, errors, kinds, keys);
    let floor = this.floor + source.floor;
    if (n > this.capacity) floor = Math.max(floor, counts[order[this.capacity] as number] as number);
    const kept = Math.min(n, this.capacity);
    const rankedCounts = new Float64Array(kept);
    const rankedErrors = new Float64Array(kept);
    const rankedKinds = new Uint8Array(kept);
    const rankedHashes = new Int32Array(kept);
    const rankedKeys: Key[] = [];
    for (let i = 0; i < kept; i++) {
      const j = order[i] as number;
      rankedCounts[i] = counts[j] as number;
      rankedErrors[i] = errors[j] as number;
      rankedKinds[i] = kinds[j] as number;
      rankedHashes[i] = hashes[j] as number;
      rankedKeys.push(keys[j] as Key);
    }
    this.load(rankedCounts, rankedErrors, rankedKinds, rankedKeys, rankedHashes);
    this.floor = floor;
    this.sum += source.sum;
    return this;
  }

  /**
   * Replaces the contents by entries given in rank order, with the table
   * hashes of their string keys (computed here when not given).
   */
  private load(counts: Float64Array, errors: Float64Array, kinds: Uint8Array, keys: Key[], hashes?: Int32Array): void {
    const n = counts.length;
    this.used = 0;
    this.index = new Map();
    this.byteIndex = new Map();
    if (this.counts.length < n) this.grow(n);
    this.table.fill(0);
    this.counts.set(counts);
    this.errors.set(errors);
    this.kinds.set(kinds);
    this.keys = keys;
    for (let slot = 0; slot < n; slot++) {
      const kind = kinds[slot] as number;
      const key = keys[slot] as Key;
      let hash = hashes === undefined ? 0 : (hashes[slot] as number);
      if (kind === KIND_STRING && hashes === undefined) hash = this.keyHash(key as string);
      this.link(slot, kind, key, hash);
      // Ascending by count is a valid min-heap: rank i sits at position n - 1 - i.
      this.heap[n - 1 - slot] = slot;
      this.heapCounts[n - 1 - slot] = counts[slot] as number;
      this.where[slot] = n - 1 - slot;
    }
    this.used = n;
  }

  /**
   * An independent copy (same contents and the same internal layout, so it
   * evolves exactly as the original would).
   *
   * @example
   * ```ts
   * import { TopK } from "papertrail/sketches";
   * const a = new TopK({ capacity: 4 }).add("x");
   * const b = a.clone().add("x");
   * [a.estimate("x").estimate, b.estimate("x").estimate]; // => [1, 2]
   * ```
   */
  clone(): TopK {
    // The copy gets its own buffers (never the receiver's storage).
    const copy = new TopK({ capacity: this.capacity });
    copy.fieldHashed = this.fieldHashed;
    copy.counts = this.counts.slice();
    copy.errors = this.errors.slice();
    copy.heap = this.heap.slice();
    copy.heapCounts = this.heapCounts.slice();
    copy.where = this.where.slice();
    copy.kinds = this.kinds.slice();
    copy.hashes = this.hashes.slice();
    copy.table = this.table.slice();
    copy.keys = this.keys.slice(0, this.used);
    copy.index = new Map(this.index);
    copy.byteIndex = new Map(this.byteIndex);
    copy.used = this.used;
    copy.sum = this.sum;
    copy.floor = this.floor;
    return copy;
  }

  /**
   * Same capacity, total weight, `maxUntrackedCount` and tracked items with the
   * same counts and errors. (Equal summaries give the same `top`, estimates,
   * merges and image; later adds may still replace different counters among
   * those tied at the minimum, which is as correct either way.)
   *
   * @example
   * ```ts
   * import { TopK } from "papertrail/sketches";
   * const a = new TopK({ capacity: 4 }).add("x").add("y");
   * const b = new TopK({ capacity: 4 }).add("y").add("x");
   * [a.equals(b), a.equals(b.clone().add("x"))]; // => [true, false]
   * ```
   */
  equals(other: TopK): boolean {
    if (!(other instanceof TopK)) return false;
    if (this.capacity !== other.capacity || this.used !== other.used || this.sum !== other.sum || this.floor !== other.floor) {
      return false;
    }
    // A summary keyed by field hashes and a plain one look each other's keys up by the other's hash.
    const rehash = other.fieldHashed !== this.fieldHashed;
    for (let slot = 0; slot < this.used; slot++) {
      const kind = this.kinds[slot] as number;
      const key = this.keys[slot] as Key;
      const there = other.slotOf(kind, key, rehash && kind === KIND_STRING ? other.keyHash(key as string) : (this.hashes[slot] as number));
      if (there < 0 || other.counts[there] !== this.counts[slot] || other.errors[there] !== this.errors[slot]) return false;
    }
    return true;
  }

  /**
   * Bytes of the typed arrays behind the counters: 37 per allocated slot
   * (they grow by doubling up to `capacity`) and 4 per entry of the string
   * table (the smallest power of two at least twice the slots), not
   * counting the items themselves and the `Map`s of non-string items.
   *
   * @example
   * ```ts
   * import { TopK } from "papertrail/sketches";
   * new TopK({ capacity: 4 }).sizeInBytes; // => 4 * 37 + 8 * 4
   * ```
   */
  get sizeInBytes(): number {
    return this.counts.length * 37 + this.table.byteLength;
  }

  /**
   * Names the summary's parameters, as in error messages.
   *
   * @example
   * ```ts
   * import { TopK } from "papertrail/sketches";
   * new TopK({ capacity: 100 }).describe(); // => "TopK(capacity=100)"
   * ```
   */
  describe(): string {
    return `TopK(capacity=${this.capacity})`;
  }

  /** Same as {@link TopK.describe}. */
  toString(): string {
    return this.describe();
  }

  /**
   * The summary's binary image (family 0x04, version 1; `docs/format.md`):
   * a 32-byte header, then the tracked items in rank order, each as count,
   * error, kind and length-prefixed bytes.
   *
   * @example
   * ```ts
   * import { TopK } from "papertrail/sketches";
   * new TopK({ capacity: 4 }).add("alice").toBytes().length; // => 58
   * ```
   */
  toBytes(): Uint8Array<ArrayBuffer> {
    const writer = new ByteWriter(HEADER_BYTES + this.used * 32);
    writePreamble(writer, Family.TopK, VERSION, 0);
    writer.u32(this.capacity).u32(this.used).f64(this.sum).f64(this.floor);
    for (const slot of this.ranked()) {
      const kind = this.kinds[slot] as number;
      const key = this.keys[slot] as Key;
      writer.f64(this.counts[slot] as number).f64(this.errors[slot] as number).u8(kind);
      const payload =
        kind === KIND_STRING
          ? utf8Encoder.encode(key as string)
          : kind === KIND_BYTES
            ? keyToBytes(key as string)
            : kind === KIND_NUMBER
              ? numberBytes(key as number)
              : canonicalBigIntBytes(key as bigint);
      writer.u32(payload.length).bytes(payload);
    }
    return writer.finish();
  }

  /**
   * Parses an image written by {@link TopK.toBytes}; throws a `DecodeError`
   * on anything else: sizes beyond the input, invalid UTF-8, items out of
   * order or repeated, counts or errors that break the summary's invariants
   * (`maxUntrackedCount <= count <= total`, `0 <= error <= maxUntrackedCount`,
   * counters summing to at most the total).
   *
   * @example
   * ```ts
   * import { TopK } from "papertrail/sketches";
   * const image = new TopK({ capacity: 4 }).add("alice", 2).add(Uint8Array.of(1, 2)).add(42).add(7n).toBytes();
   * const copy = TopK.fromBytes(image);
   * copy.top().map((e) => e.item); // => ["alice", Uint8Array.of(1, 2), 42, 7n]
   * ```
   */
  static fromBytes(bytes: Uint8Array): TopK {
    const { reader } = openImage(bytes, "TopK", Family.TopK, [VERSION]);
    const capacity = reader.u32("capacity");
    if (capacity < 1 || capacity > MAX_CAPACITY) reader.invalid(`capacity must be in [1, ${MAX_CAPACITY}], got ${capacity}`);
    const n = reader.u32("size");
    if (n > capacity) reader.invalid(`size ${n} is more than the capacity ${capacity}`);
    const total = reader.f64("total");
    if (Object.is(total, -0)) reader.invalid("total is -0 (written as 0)");
    if (!(total >= 0 && total <= Number.MAX_VALUE)) reader.invalid(`total must be finite and >= 0, got ${total}`);
    const floor = reader.f64("untracked bound");
    if (Object.is(floor, -0)) reader.invalid("untracked bound is -0 (written as 0)");
    if (!(floor >= 0 && floor <= Number.MAX_VALUE)) reader.invalid(`untracked bound must be finite and >= 0, got ${floor}`);
    if (n === 0 && total !== 0) reader.invalid(`an empty summary must have total 0, got ${total}`);
    // Items are only ever dropped from a full summary, and merges of full summaries are full.
    if (n < capacity && floor !== 0) reader.invalid(`a summary with free counters has untracked bound 0, got ${floor}`);
    reader.requireElements(n, ENTRY_MIN_BYTES, "entries");
    const counts = new Float64Array(n);
    const errors = new Float64Array(n);
    const kinds = new Uint8Array(n);
    const keys: Key[] = [];
    const seen = [new Map<Key, number>(), new Map<Key, number>()];
    let sumOfCounts = 0;
    for (let i = 0; i < n; i++) {
      const count = reader.f64("count");
      if (!(count > 0 && count >= floor && count <= total)) {
        reader.invalid(`entry ${i}: count must be > 0 and in [untracked bound ${floor}, total ${total}], got ${count}`);
      }
      const error = reader.f64("error");
      if (Object.is(error, -0)) reader.invalid(`entry ${i}: error is -0 (written as 0)`);
      if (!(error >= 0 && error <= floor)) reader.invalid(`entry ${i}: error must be in [0, untracked bound ${floor}], got ${error}`);
      const kind = reader.u8("kind");
      if (kind > KIND_BIGINT) reader.invalid(`entry ${i}: unknown item kind ${kind}`);
      const length = reader.u32("item length");
      reader.requireElements(length, 1, `entry ${i} item`);
      const payload = reader.bytesView(length, "item");
      const key = decodeKey(reader, kind, payload, i);
      if (i > 0) {
        const previousCount = counts[i - 1] as number;
        const previousError = errors[i - 1] as number;
        if (
          count > previousCount ||
          (count === previousCount &&
            (error < previousError || (error === previousError && compareItems(kinds[i - 1] as number, keys[i - 1] as Key, kind, key) >= 0)))
        ) {
          reader.invalid(`entry ${i}: entries must be in rank order (count descending, error ascending, item ascending) without repeats`);
        }
      }
      const map = seen[kind === KIND_BYTES ? 1 : 0] as Map<Key, number>;
      if (map.has(key)) reader.invalid(`entry ${i}: item repeats entry ${map.get(key) as number}`);
      map.set(key, i);
      counts[i] = count;
      errors[i] = error;
      kinds[i] = kind;
      keys.push(key);
      sumOfCounts += count;
    }
    reader.expectEnd();
    // Space-Saving's invariant: the counters sum to at most the total
    // (exactly N without merges, for integer counts; merges only lower it).
    if (sumOfCounts > total * (1 + SUM_SLACK)) {
      throw new DecodeError("invalid-field", `TopK image: counters sum to ${sumOfCounts}, more than the total ${total}`, HEADER_BYTES);
    }
    const sketch = new TopK({ capacity });
    sketch.load(counts, errors, kinds, keys);
    sketch.floor = floor;
    sketch.sum = total;
    return sketch;
  }

  /**
   * The {@link ImageCodec} of TopK summaries, for envelopes.
   *
   * @example
   * ```ts
   * import { TopK } from "papertrail/sketches";
   * import { createEnvelope } from "papertrail/codec";
   * const envelope = createEnvelope({ codecs: [TopK.codec] });
   * const state = { consumers: new TopK({ capacity: 8 }).add("key-A", 4) };
   * (envelope.decode(envelope.encode(state)) as typeof state).consumers.top(1)[0].count; // => 4
   * ```
   */
  static readonly codec: ImageCodec<TopK> = sketchCodec(Family.TopK, "TopK", TopK, (bytes) => TopK.fromBytes(bytes));

  /**
   * The merge monoid of summaries of `capacity` counters: `empty` is a fresh
   * empty summary, `combine` merges into a copy (never its inputs), and
   * `combineMany`/`combineAll` merge everything into one copy. Throws
   * `InvalidArgumentError` for an invalid or unknown option, and
   * `ParameterMismatchError` when an operand has another capacity.
   *
   * Which laws hold exactly ({@link TopK.equals}): both identities (the
   * empty summary adds nothing and charges nothing: its `maxUntrackedCount`
   * is 0), commutativity (ties are broken by error and item), and
   * `combineMany`/`combineAll` equal the fold of `combine`. Associativity
   * holds up to truncation: keeping the `capacity` largest counts after each
   * merge can make `(a + b) + c` and `a + (b + c)` differ in which items
   * survive and in their errors. Both groupings keep every bound of the
   * union stream (so their intervals for any item overlap), and they are
   * identical whenever the summaries track at most `capacity` distinct items
   * in all (with integer counts), as for TDigest's approximate associativity.
   *
   * @example
   * ```ts
   * import { TopK } from "papertrail/sketches";
   * const union = TopK.monoid({ capacity: 10 });
   * const hourly = [union.empty.add("alice", 2), union.empty.add("alice", 3).add("bob")];
   * const day = union.combineAll(hourly);
   * [day.frequency("alice"), day.totalWeight, hourly[0].totalWeight, union.combineAll([]).size]; // => [5, 6, 2, 0]
   * ```
   */
  static monoid(options: TopKOptions): Monoid<TopK> {
    const capacity = new TopK(options).capacity; // validates
    const expected = `TopK(capacity=${capacity})`;
    return mergeMonoid(() => new TopK({ capacity }), {
      check: (first) => requireCompatible(TopK, expected, first, (o) => o.capacity === capacity),
    });
  }
}

TopK satisfies SketchClass<TopK, TopKOptions>;

// `instanceof TopK` holds for sketches of any copy of PaperTrail 1.x (src/brand.ts).
brand(TopK, "TopK");

/**
 * The indices `0..n-1` in rank order: count descending, then error ascending
 * (the larger lower bound first), then item order. A total order on distinct
 * items, so `top`, merge truncation and images depend on contents alone.
 */
function rankOrder(n: number, counts: Float64Array, errors: Float64Array, kinds: Uint8Array, keys: Key[]): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  order.sort(
    (a, b) =>
      (counts[b] as number) - (counts[a] as number) ||
      (errors[a] as number) - (errors[b] as number) ||
      compareItems(kinds[a] as number, keys[a] as Key, kinds[b] as number, keys[b] as Key),
  );
  return order;
}

/**
 * Item order: kind first (string, bytes, number, bigint), then strings by
 * UTF-16 code units, byte strings lexicographically (their latin1 keys
 * compare byte by byte), numbers numerically with NaN last, bigints numerically.
 */
function compareItems(kindA: number, a: Key, kindB: number, b: Key): number {
  if (kindA !== kindB) return kindA - kindB;
  if (kindA === KIND_NUMBER && (a !== a || b !== b)) return (a !== a ? 1 : 0) - (b !== b ? 1 : 0);
  return (a as string) < (b as string) ? -1 : (a as string) > (b as string) ? 1 : 0;
}

/** `text` as TopK counts it: each lone surrogate as U+FFFD (as UTF-8 encoding does). */
function wellFormed(text: string): string {
  return hasLoneSurrogate(text) ? text.replace(LONE_SURROGATES, "\uFFFD") : text;
}

/** Whether `text` holds a lone surrogate (TopK counts it as U+FFFD). @internal */
export function hasLoneSurrogate(text: string): boolean {
  return LONE_SURROGATE.test(text);
}

/**
 * The string table's hash in a summary made by {@link TopK.keyedByFieldHash}:
 * the low 31 bits of the string's MurmurHash64A with Redis's seed (the hash
 * `HashedKey` gives and the monitor computes for each field), `>= 0` for an
 * ASCII string, else its bitwise complement (`< 0`), so that callers look
 * for lone surrogates only then. It is the hash of the string's UTF-8 bytes,
 * which encode a lone surrogate as U+FFFD: the same as the well-formed
 * string's. Not a stored format: it only finds strings in memory.
 *
 * @internal
 */
export function topKFieldHash(text: string): number {
  const ascii = murmurHash64AStringInto(text, REDIS_HLL_SEED, fieldHashScratch);
  const hash = fieldHashScratch.lo & 0x7fffffff;
  return ascii ? hash : ~hash;
}

// A HashedKey, as every other caller of the string hash passes: one object shape at its stores.
const fieldHashScratch = new HashedKey();

/**
 * A hash of a string's UTF-16 code units for the string table: each pair
 * of units is mixed in by xor and a multiplication by MurmurHash2's
 * constant 0x5bd1e995, then MurmurHash2's final avalanche (so the low bits, which
 * pick the table position, depend on every unit). Returns the hash as a
 * 31-bit integer `>= 0`, or its bitwise complement (`< 0`) when some unit
 * may be a surrogate (the or of the units reaches 0xD800), so that callers
 * look for lone surrogates only then. Not a stored format: it only finds
 * strings in memory.
 *
 * @internal
 */
export function topKStringHash(text: string): number {
  const length = text.length;
  let hash = length ^ 0x2c1b3c6d;
  let units = 0;
  // Two code units per multiplication, (unit i) | (unit i + 1) << 16: half
  // the chain of dependent multiplications.
  let i = 0;
  for (; i + 1 < length; i += 2) {
    const pair = text.charCodeAt(i) | (text.charCodeAt(i + 1) << 16);
    units |= pair;
    hash = Math.imul(hash ^ pair, 0x5bd1e995);
  }
  if (i < length) {
    const unit = text.charCodeAt(i);
    units |= unit;
    hash = Math.imul(hash ^ unit, 0x5bd1e995);
  }
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0x5bd1e995);
  hash = (hash ^ (hash >>> 15)) & 0x7fffffff;
  // Each 16-bit half of `units` is the or of the units it saw, which
  // reaches 0xD800 whenever one of them is a surrogate.
  return (units & 0xffff) < 0xd800 && units >>> 16 < 0xd800 ? hash : ~hash;
}

/** A byte string as a latin1 string, one char (0..255) per byte: lossless, and it compares like the bytes. */
function bytesToKey(bytes: Uint8Array): string {
  const length = bytes.length;
  if (length <= 16) {
    let out = "";
    for (let i = 0; i < length; i++) out += String.fromCharCode(bytes[i] as number);
    return out;
  }
  let out = "";
  for (let i = 0; i < length; i += 4096) {
    out += String.fromCharCode.apply(null, bytes.subarray(i, i + 4096) as unknown as number[]);
  }
  return out;
}

function keyToBytes(key: string): Uint8Array {
  const bytes = new Uint8Array(key.length);
  for (let i = 0; i < key.length; i++) bytes[i] = key.charCodeAt(i);
  return bytes;
}

/** A number's 8 bytes, little-endian; NaN always as 0x7ff8000000000000 (items are never -0). */
function numberBytes(value: number): Uint8Array {
  const bytes = new Uint8Array(8);
  const view = new DataView(bytes.buffer);
  if (value !== value) view.setUint32(4, 0x7ff80000, true);
  else view.setFloat64(0, value, true);
  return bytes;
}


function decodeKey(reader: ByteReader, kind: number, payload: Uint8Array, entry: number): Key {
  switch (kind) {
    case KIND_STRING:
      try {
        return utf8Decoder.decode(payload);
      } catch {
        return reader.invalid(`entry ${entry}: string item is not valid UTF-8`);
      }
    case KIND_BYTES:
      return bytesToKey(payload);
    case KIND_NUMBER: {
      if (payload.length !== 8) reader.invalid(`entry ${entry}: a number item must be 8 bytes, got ${payload.length}`);
      const view = new DataView(payload.buffer, payload.byteOffset, 8);
      const value = view.getFloat64(0, true);
      if (Object.is(value, -0)) reader.invalid(`entry ${entry}: a number item is never -0 (written as 0)`);
      if (value !== value && (view.getUint32(0, true) !== 0 || view.getUint32(4, true) !== 0x7ff80000)) {
        reader.invalid(`entry ${entry}: NaN must be written as 0x7ff8000000000000`);
      }
      return value;
    }
    default: {
      const length = payload.length;
      if (length === 0 || length % 8 !== 0) reader.invalid(`entry ${entry}: a bigint item must be a positive multiple of 8 bytes, got ${length}`);
      let hex = "";
      for (let i = length - 1; i >= 0; i--) hex += (payload[i] as number).toString(16).padStart(2, "0");
      const value = BigInt.asIntN(length * 8, BigInt(`0x${hex}`));
      const limit = 1n << BigInt(length * 8 - 65); // fits in one word fewer iff -limit <= value < limit
      if (length > 8 && value >= -limit && value < limit) reader.invalid(`entry ${entry}: a bigint item must use the fewest 8-byte words`);
      return value;
    }
  }
}

function invalidCount(count: number): InvalidArgumentError {
  return new InvalidArgumentError(`TopK count must be a finite number >= 0, got ${String(count)}`);
}

function invalidItem(item: unknown): InvalidArgumentError {
  return new InvalidArgumentError(`TopK items must be strings, Uint8Arrays, numbers or bigints, got ${describeValue(item)}`);
}
