/**
 * The approximate store of the Deduplicator: a cuckoo table of fingerprints
 * (Fan, Andersen, Kaminsky, Mitzenmacher, "Cuckoo Filter: Practically Better
 * Than Bloom", CoNEXT 2014), four slots per bucket, each slot carrying the
 * low 4 bits of the epoch in which its id was recorded. Slots are bit-packed
 * (`fingerprintBits + 4` bits each, 27 at a false-positive rate of 1e-6)
 * into a `Uint32Array`, little-endian bit order: slot `s` of bucket `b`
 * starts at bit `(4b + s) * slotBits`. A slot's value is
 * `(fingerprint << 4) | (epoch mod 16)`; 0 is an empty slot (fingerprints
 * are never 0).
 *
 * Expiry is lazy: an entry whose age (the clock's epoch minus its own, from
 * the 4 bits) exceeds EPOCHS_PER_TTL counts as empty for lookups and
 * inserts, and sweeps that clear such slots run only every
 * {@link SWEEP_INTERVAL} epochs. Ages stay exact as long as no entry reaches
 * 16 epochs, which that spacing guarantees. Each
 * table counts its entries per epoch (the 16 values of the low bits), so the
 * Deduplicator's counters stay exact without scanning.
 *
 * @internal
 * @module
 */

/** Epochs per TTL: the TTL granularity is `ttl / 12` (5 minutes for an hour). */
export const EPOCHS_PER_TTL = 12;
/** Bits of epoch per slot: ages 0..12 are live, 13..15 expired and not yet swept; sweeps keep every age below 16, so 4 bits never wrap. */
export const EPOCH_BITS = 4;
/**
 * Epochs from one sweep to the next: entries that survive a sweep are at most
 * 12 epochs old, and the clock moves at most 3 more epochs before the next
 * sweep, so no age exceeds 15, still exact in 4 bits. Sweeping at every
 * epoch took about a fifth of a fresh check's time in bench/dedup.mjs
 * (1,000,000 ids an hour); every fourth epoch, a quarter of that.
 */
export const SWEEP_INTERVAL = 16 - EPOCHS_PER_TTL;
export const SLOTS_PER_BUCKET = 4;
/**
 * Slots per call of the sweep's inner loop (a multiple of 32, so each call
 * starts a word). One call over the whole table ran its first pass in a
 * process as on-stack-replaced code, 15-17 ms for 1,000,000 ids an hour
 * against 3.6 ms once optimized; calls of this size get optimized as such.
 */
const SWEEP_CHUNK = 4096;
/**
 * Largest fingerprint: slots stay within 32 bits. The false-positive bound
 * `8 / (2^f - 1)` is then at least 2.98e-8, the smallest rate accepted.
 */
export const MAX_FINGERPRINT_BITS = 32 - EPOCH_BITS;
/**
 * Highest load the table is sized for at `capacity` ids per TTL, counting
 * the up to 13/12 of a TTL's ids that are live just before an epoch ends.
 * Four-slot cuckoo tables fill to about 95 % before inserts start failing
 * (Fan et al. 2014). Past its first TTL a table stays near this load, and
 * its inserts move entries more often the fuller it is, each move a cache
 * miss that waits for the one before. Measured on 1,000,000 ids an hour at
 * 1e-6, a table's third hour with `checkMany`, alternating in-process
 * rounds: 0.75 (4.88 MB) did 4.71 and 4.44 M fresh checks per CPU second
 * against 4.08 and 3.99 at 0.8 (4.57 MB), faster in 12 rounds of 14 and
 * level in two (2026-12-06); bench/dedup-moves.mjs models the moves
 * (0.16 per fresh id at 0.75, 0.32 at 0.8). Earlier 0.8 did 4.13 against
 * 3.37 at 0.9 (4.06 MB, 2026-12-05). 0.75 keeps the memory of 1,000,000
 * ids an hour under 5 MB (4.98 held).
 * Images record the load they were sized for.
 */
export const DESIGN_LOAD = 0.75;
/** The load of the tables in images of versions 1 and 2. */
export const V2_DESIGN_LOAD = 0.9;
/** Smallest false-positive rate: 28-bit fingerprints, the most a 32-bit slot holds beside the 4 epoch bits (8 / (2^28 - 1) = 2.98e-8). */
export const MIN_FALSE_POSITIVE_RATE = 3e-8;
export const MAX_FALSE_POSITIVE_RATE = 0.5;
/** Largest capacity: one table's packed bits stay below 2^32 (bit offsets are uint32). */
export const MAX_CAPACITY = 100_000_000;
/** Kicks before an insert gives up and moves its homeless entry to an overflow table (Fan et al. use 500). */
export const MAX_KICKS = 500;

/** {@link FingerprintTable.probe}: the fingerprint is in the bucket. */
export const FOUND = -1;
/** {@link FingerprintTable.probe}: not there, and the bucket has no empty slot. */
export const FULL = -2;

/**
 * Shape of every table of one Deduplicator.
 *
 * @internal
 */
export interface TableGeometry {
  readonly buckets: number;
  readonly fingerprintBits: number;
  /** The load it was sized for ({@link DESIGN_LOAD}, or an image's). */
  readonly designLoad: number;
}

/**
 * The geometry for `capacity` ids per TTL at `falsePositiveRate`.
 * Fingerprint bits: a fresh id is compared with at most 8 slots (two
 * buckets), each matching with probability `1 / (2^f - 1)`, so
 * `f = ceil(log2(8 / rate + 1))` keeps the rate at or below the target even
 * in a full table. Buckets: `capacity * 13/12 / DESIGN_LOAD` slots.
 *
 * @internal
 */
export function tableGeometry(capacity: number, falsePositiveRate: number, designLoad: number = DESIGN_LOAD): TableGeometry {
  const fingerprintBits = Math.max(1, Math.ceil(Math.log2((2 * SLOTS_PER_BUCKET) / falsePositiveRate + 1)));
  const slots = (capacity * (EPOCHS_PER_TTL + 1)) / EPOCHS_PER_TTL / designLoad;
  return { buckets: Math.max(1, Math.ceil(slots / SLOTS_PER_BUCKET)), fingerprintBits, designLoad };
}

/** Words of one table's packed slots (without the padding word kept in memory). */
export function tableWords(geometry: Pick<TableGeometry, "buckets" | "fingerprintBits">): number {
  return Math.ceil((geometry.buckets * SLOTS_PER_BUCKET * (geometry.fingerprintBits + EPOCH_BITS)) / 32);
}

/**
 * A fingerprint's other bucket: `(H(fp) - bucket) mod buckets`, with H the
 * MurmurHash3 32-bit finalizer reduced to `[0, buckets)`. Applying it twice
 * gives `bucket` back, for any bucket count (the XOR rule of the cuckoo
 * filter paper needs a power of two).
 */
export function alternateBucket(bucket: number, fingerprint: number, buckets: number): number {
  let h = fingerprint;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  const other = ((((h >>> 0) * buckets) / 4294967296) | 0) - bucket;
  return other < 0 ? other + buckets : other;
}

/**
 * One bit-packed table. The Deduplicator keeps a chain: the sized table, then
 * overflow tables of the same geometry when more ids than sized arrive.
 *
 * @internal
 */
export class FingerprintTable {
  readonly buckets: number;
  readonly fingerprintBits: number;
  readonly slotBits: number;
  private readonly bucketBits: number;
  private readonly mask: number;
  /** The packed slots, plus one padding word so a slot read may touch the word after the last. */
  readonly words: Uint32Array;
  /** Non-empty slots (expired entries included until they are swept or replaced). */
  stored = 0;
  /** Where {@link FingerprintTable.probePair} leaves its early loads, so that they are not optimized away. */
  touched = 0;
  /** Empty or expired slots the last {@link FingerprintTable.probe} counted (in the whole bucket when it did not return FOUND). */
  private frees = 0;
  /** Non-empty slots per value of their 4 epoch bits. */
  private readonly perEpoch = new Int32Array(16);
  /** Set by {@link FingerprintTable.kickInsert} when it gives up: the bucket of the entry it returns. */
  homelessBucket = 0;

  /**
   * @param words the packed slots and a padding word (a new zeroed array when absent).
   * @param clearExpiring what clears the slots of a sweep (the table's
   *   `slots` slots whose epoch bits are in `expiring`) when the words live
   *   in the Deduplicator's WebAssembly kernel (its `sweep`); the JavaScript
   *   pass when absent.
   */
  constructor(
    geometry: Pick<TableGeometry, "buckets" | "fingerprintBits">,
    words?: Uint32Array,
    private readonly clearExpiring?: (slots: number, expiring: number) => void,
  ) {
    this.buckets = geometry.buckets;
    this.fingerprintBits = geometry.fingerprintBits;
    this.slotBits = geometry.fingerprintBits + EPOCH_BITS;
    this.bucketBits = this.slotBits * SLOTS_PER_BUCKET;
    this.mask = 0xffffffff >>> (32 - this.slotBits);
    if (words === undefined) {
      words = new Uint32Array(tableWords(geometry) + 1);
      // Touch every page now: a fresh array's pages are mapped on first
      // access, about 15 µs a page on this project's benchmark machine (a
      // virtual machine), which the first checks would otherwise pay one by
      // one (17 ms for the 4 MB of 1,000,000 ids an hour).
      words.fill(0);
    }
    this.words = words;
  }

  /** The value of slot `slot` of `bucket` (unsigned; 0 = empty). */
  read(bucket: number, slot: number): number {
    return this.readAt(bucket * this.bucketBits + slot * this.slotBits);
  }

  /** The value of the slot at bit offset `bit` (unsigned; 0 = empty). */
  private readAt(bit: number): number {
    const at = bit >>> 5;
    const shift = bit & 31;
    let value = (this.words[at] as number) >>> shift;
    if (shift + this.slotBits > 32) value |= (this.words[at + 1] as number) << (32 - shift);
    return (value & this.mask) >>> 0;
  }

  /** Writes `value` into the slot at bit offset `bit`. */
  private writeBits(bit: number, value: number): void {
    const at = bit >>> 5;
    const shift = bit & 31;
    const mask = this.mask;
    const words = this.words;
    words[at] = ((words[at] as number) & ~(mask << shift)) | (value << shift);
    if (shift + this.slotBits > 32) {
      const rest = 32 - shift;
      words[at + 1] = ((words[at + 1] as number) & ~(mask >>> rest)) | (value >>> rest);
    }
  }

  /**
   * Looks for `fingerprint` among the live entries of `bucket` (an entry
   * whose age at the epoch with low bits `epochLow` exceeds EPOCHS_PER_TTL
   * is expired and counts as empty) and notes where a new entry could go:
   * returns {@link FOUND}, or else the bit offset of the bucket's first empty
   * or expired slot ({@link FULL} when it has none), which
   * {@link FingerprintTable.writeAt} takes. One pass serves both halves of a
   * check, so a fresh id's buckets are read once. The hot path: offsets are
   * computed once per slot and the slots unpacked inline.
   */
  probe(bucket: number, fingerprint: number, epochLow: number): number {
    const words = this.words;
    const width = this.slotBits;
    const mask = this.mask;
    let free = FULL;
    let frees = 0;
    const start = bucket * this.bucketBits;
    let at = start >>> 5;
    let shift = start & 31;
    for (let slot = 0; slot < SLOTS_PER_BUCKET; slot++) {
      // The slot's bits from the word pair at `at`, without a branch on
      // whether it spans both: `(next << 1) << (31 - shift)` is
      // `next << (32 - shift)`, and 0 when shift is 0 (a shift by 32 would
      // be a shift by 0 in JavaScript). A branch here was mispredicted about
      // once a bucket.
      let value = ((words[at] as number) >>> shift) | (((words[at + 1] as number) << 1) << (31 - shift));
      value &= mask;
      if (value === 0 || ((epochLow - value) & 15) > EPOCHS_PER_TTL) {
        if (free === FULL) free = (at << 5) + shift;
        frees++;
      } else if (value >>> EPOCH_BITS === fingerprint) {
        return FOUND;
      }
      shift += width;
      at += shift >>> 5;
      shift &= 31;
    }
    this.frees = frees;
    return free;
  }

  /**
   * {@link FingerprintTable.probe} of both buckets of an id at once: FOUND
   * when either holds the fingerprint, else the first free slot of the
   * bucket with more free slots (the first bucket on a tie), or FULL.
   * Filling the emptier bucket keeps buckets evenly loaded: in a table's
   * first hour at 1,000,000 ids an hour 0.6 % of fresh ids found both
   * buckets full against 3.3 % when the first bucket was always filled first
   * (15-16 % against 19-20 % in the steady state), and fresh checks ran 1.05
   * times as fast (alternating in-process runs). The first word of each bucket is loaded
   * before anything depends on either, so the two cache misses of a fresh
   * id (the table is megabytes) overlap instead of following each other.
   */
  probePair(first: number, second: number, fingerprint: number, epochLow: number): number {
    const words = this.words;
    const firstBit = first * this.bucketBits;
    const secondBit = second * this.bucketBits;
    this.touched = (words[firstBit >>> 5] as number) ^ (words[secondBit >>> 5] as number);
    const inFirst = this.probe(first, fingerprint, epochLow);
    if (inFirst === FOUND) return FOUND;
    const freeInFirst = this.frees;
    const inSecond = this.probe(second, fingerprint, epochLow);
    if (inSecond === FOUND) return FOUND;
    return this.frees > freeInFirst ? inSecond : inFirst;
  }

  /** Writes `value` into the empty or expired slot at bit offset `bit` (from {@link FingerprintTable.probe}). */
  writeAt(bit: number, value: number): void {
    const old = this.readAt(bit);
    this.writeBits(bit, value);
    this.counted(old, value);
  }

  /**
   * Bookkeeping of a write of the Deduplicator's kernel (dedup-kernel.ts): a
   * slot that held `code` (16: empty, else the old entry's 4 epoch bits)
   * now holds an entry of the epoch whose low 4 bits are `epochLow`.
   */
  wroteOver(code: number, epochLow: number): void {
    const perEpoch = this.perEpoch;
    if (code === 16) this.stored++;
    else (perEpoch[code] as number)--;
    (perEpoch[epochLow] as number)++;
  }

  /** Bookkeeping of a slot going from `old` to `value` (either may be 0, empty). */
  private counted(old: number, value: number): void {
    const perEpoch = this.perEpoch;
    if (old !== 0) (perEpoch[old & 15] as number)--;
    else this.stored++;
    if (value !== 0) (perEpoch[value & 15] as number)++;
    else this.stored--;
  }

  /**
   * Puts `value` in an empty or expired slot of `bucket`; false when the
   * bucket has none. The slot comes from {@link FingerprintTable.probe} with
   * fingerprint 0, which no stored entry has, so it only looks for room.
   */
  place(bucket: number, value: number, epochLow: number): boolean {
    const free = this.probe(bucket, 0, epochLow);
    if (free === FULL) return false;
    this.writeAt(free, value);
    return true;
  }

  /**
   * Cuckoo insertion of `value`, whose buckets are full of live entries:
   * evicts a random entry of one bucket, moves it to its other bucket, and
   * repeats up to MAX_KICKS times. Returns 0 when everything found a place,
   * or else the entry left without one (its bucket in `homelessBucket`),
   * which the caller must store elsewhere: dropping it would forget a live
   * id. `random` gives uniform 32-bit integers.
   */
  kickInsert(bucket: number, value: number, epochLow: number, random: () => number): number {
    let current = bucket;
    let carried = value;
    for (let kick = 0; kick < MAX_KICKS; kick++) {
      const bit = current * this.bucketBits + (random() & (SLOTS_PER_BUCKET - 1)) * this.slotBits;
      const evicted = this.readAt(bit);
      this.writeBits(bit, carried);
      this.counted(evicted, carried); // the evicted entry is out of the table until it is placed again
      carried = evicted;
      current = alternateBucket(current, evicted >>> EPOCH_BITS, this.buckets);
      if (this.place(current, carried, epochLow)) return 0;
    }
    this.homelessBucket = current;
    return carried;
  }

  /**
   * Removes every entry whose age exceeds EPOCHS_PER_TTL once the clock
   * moves `jump` epochs past the epoch whose low 4 bits are `epochLow`
   * (every age before the move is at most 15, so 4 bits decode it exactly).
   * The slots are cleared by `clearExpiring` when the table has one (the
   * kernel's sweep: 3.2 ms against 11.7 for {@link sweepSlots} on the 1.44
   * M slots of 1,000,000 ids an hour, one process, 2026-12-06), else here.
   * Returns the number removed.
   */
  sweep(epochLow: number, jump: number): number {
    // Whether a slot expires depends on its 4 epoch bits only, so the
    // per-epoch counts give what the pass removes, and the expired epochs'
    // counts become 0 after it. Nothing to clear: no pass at all (a table in
    // its first TTL never has anything to clear, and its three passes took
    // about 7 % of a fresh check's time in alternating runs of
    // bench/dedup.mjs's workload).
    const perEpoch = this.perEpoch;
    let removed = 0;
    // Bit e set: entries whose 4 epoch bits are e expire in this pass.
    let expiring = 0;
    for (let age = Math.max(0, EPOCHS_PER_TTL + 1 - jump); age < 16; age++) {
      const low = (epochLow - age) & 15;
      removed += perEpoch[low] as number;
      perEpoch[low] = 0;
      expiring |= 1 << low;
    }
    if (removed === 0) return 0;
    const slots = this.buckets * SLOTS_PER_BUCKET;
    if (this.clearExpiring !== undefined) this.clearExpiring(slots, expiring);
    else for (let from = 0; from < slots; from += SWEEP_CHUNK) this.sweepSlots(from, Math.min(slots, from + SWEEP_CHUNK), expiring);
    this.stored -= removed;
    return removed;
  }

  /**
   * Clears the slots `from` to `to` (exclusive) whose 4 epoch bits are in
   * `expiring`; `from` is a multiple of 32, so it starts a word.
   */
  private sweepSlots(from: number, to: number, expiring: number): void {
    // The slots in order, unpacked inline. The two words the slot at hand
    // may touch stay in locals (`low` at word `at`, `high` after it) and go
    // back to the array once, when the pass moves past them. Whether a slot
    // expires comes from its 4 epoch bits alone, looked up in `expiring`,
    // and becomes a mask, not a branch (a branch was mispredicted for about
    // every other expiring slot); the clears gather in keep masks, so that
    // reading a slot never waits for the previous one's clear. A table of
    // 1,000,000 ids an hour whose sweep clears 39 % of its slots: 3.55 ms
    // (2026-12-05; 12.8 ms with a branch and a store per slot).
    const words = this.words;
    const length = words.length;
    const width = this.slotBits;
    const mask = this.mask;
    // 32 slots fill `width` words exactly.
    let at = (from >>> 5) * width;
    let shift = 0;
    let low = words[at] as number;
    let high = at + 1 < length ? (words[at + 1] as number) : 0;
    // The bits of `low` and `high` to keep: the slots' bits are read from the
    // words as loaded, so reading a slot never waits for the previous clear.
    let keepLow = -1;
    let keepHigh = -1;
    for (let slot = from; slot < to; slot++) {
      // The slot's epoch bits (its lowest 4) from the word pair, as in probe.
      const epochBits = ((low >>> shift) | ((high << 1) << (31 - shift))) & 15;
      // All ones when entries of that epoch expire, else 0. An empty slot (0) may be cleared too: nothing changes.
      const clear = mask & -((expiring >>> epochBits) & 1);
      keepLow &= ~(clear << shift);
      // The part of the slot in the next word: `clear >>> (32 - shift)`, 0 when shift is 0.
      keepHigh &= ~((clear >>> 1) >>> (31 - shift));
      shift += width;
      if (shift >= 32) {
        // The next slot starts in the next word (a slot is at most 32 bits: at most one step).
        words[at] = low & keepLow;
        at++;
        shift -= 32;
        low = high;
        keepLow = keepHigh;
        keepHigh = -1;
        high = at + 1 < length ? (words[at + 1] as number) : 0;
      }
    }
    if (at < length) words[at] = low & keepLow;
    if (at + 1 < length) words[at + 1] = high & keepHigh;
  }

  /** Entries stored for the epoch whose low 4 bits are `low` (expired ones included until they are swept or replaced). */
  storedIn(low: number): number {
    return this.perEpoch[low & 15] as number;
  }

  /** Live entries at the epoch whose low 4 bits are `epochLow`: those at most EPOCHS_PER_TTL epochs old. */
  live(epochLow: number): number {
    let live = 0;
    for (let age = 0; age <= EPOCHS_PER_TTL; age++) live += this.perEpoch[(epochLow - age) & 15] as number;
    return live;
  }

  /** A copy of the packed words without the entries expired at the epoch whose low 4 bits are `epochLow` (for images). */
  liveWords(epochLow: number): Uint32Array {
    const copy = new FingerprintTable({ buckets: this.buckets, fingerprintBits: this.fingerprintBits }, this.words.slice());
    copy.recount();
    copy.sweep(epochLow, 0);
    return copy.words;
  }

  /** Recomputes `stored` and the per-epoch counts from the words (after they were filled from an image). */
  recount(): void {
    this.perEpoch.fill(0);
    let stored = 0;
    for (let bucket = 0; bucket < this.buckets; bucket++) {
      for (let slot = 0; slot < SLOTS_PER_BUCKET; slot++) {
        const value = this.read(bucket, slot);
        if (value !== 0) {
          (this.perEpoch[value & 15] as number)++;
          stored++;
        }
      }
    }
    this.stored = stored;
  }

  /** Empties the table. */
  clear(): void {
    this.words.fill(0);
    this.perEpoch.fill(0);
    this.stored = 0;
  }
}
