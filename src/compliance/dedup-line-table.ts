/**
 * The Deduplicator's line table: cuckoo buckets of one 64-byte cache line
 * each, so that a fresh id usually reads one line instead of two.
 *
 * A bucket is 16 `Uint32Array` words: words 0..14 are slots, one word each,
 * `(fingerprint << 5) | (displaced << 4) | (epoch mod 16)` with a 27-bit
 * fingerprint (0 = empty slot; fingerprints are never 0); word 15 is the
 * bucket's overflow tracking array (OTA), after Breslow & Jayasena, "Morton
 * Filters: Faster, Space-Efficient Cuckoo Filters via Biasing, Compression,
 * and Decoupled Logical Sparsity" (VLDB 2018). An id's primary bucket comes
 * from its hash, its secondary is the cuckoo alternate
 * ({@link alternateBucket}). Inserts fill the primary first; an entry that
 * lives in its secondary has its displaced bit set, and bit `j` of its
 * primary's OTA is set, `j` being 5 bits of its fingerprint
 * ({@link otaBit}). A lookup reads the secondary only when the primary's OTA
 * bit for the id is set. At 1,000,000 ids an hour (load up to 0.95), 3 % of
 * the OTA bits were set at the end of a table's first hour; in the steady
 * state (bench/dedup-table-ab.mjs, STEADY=1), where most buckets fill up
 * before each epoch ends, about a third of the entries were displaced and
 * up to 17 % of the bits set just before a sweep.
 *
 * Invariant (what makes a single-line answer safe): every live entry with
 * the displaced bit set has its OTA bit set in its primary bucket. Inserts
 * and cuckoo kicks set the bit before an entry leaves its primary; bits are
 * never cleared between sweeps (a stale bit costs a read, never an answer);
 * each sweep rebuilds every OTA word from the displaced entries that remain.
 *
 * Why whole words: reading 15 word-aligned slots costs less than unpacking
 * 16 bit-packed ones, which measured no faster than two 4-slot buckets
 * (bench/dedup-table-ab.mjs, alternating runs). The price is memory: 32
 * bits per slot plus the OTA word, 4.87 MB for 1,000,000 ids an hour against
 * the bucket layout's 4.06 MB at 1e-6, so the Deduplicator uses lines only
 * where they cost at most 1.25 times the bucket layout's bytes
 * (dedup-geometry.ts).
 *
 * False positives: a fresh id is compared with the 15 slots of its primary
 * and, when the OTA bit is set, the 15 of its secondary (only entries whose
 * displaced bit matches the side: a stored id in its primary has it clear),
 * each matching with probability `1 / (2^27 - 1)`: at most
 * `30 / (2^27 - 1)` = 2.24e-7 per table.
 *
 * Expiry, sweeps and counters are those of the bucket table (dedup-table.ts):
 * lazy, a sweep every {@link SWEEP_INTERVAL} epochs, per-epoch counts.
 *
 * @internal
 * @module
 */

import { EPOCHS_PER_TTL, FOUND, FULL, MAX_KICKS, alternateBucket } from "./dedup-table.js";

/** Words per bucket: one 64-byte cache line. */
export const LINE_WORDS = 16;
/** Slots per bucket: words 0..14 (word 15 is the OTA). */
export const LINE_SLOTS = 15;
/** Fingerprint bits of a line slot: 32 minus the displaced bit and the 4 epoch bits. */
export const LINE_FINGERPRINT_BITS = 27;
/** The displaced bit of a slot: the entry is in its secondary bucket. */
export const DISPLACED = 16;
/** Slots compared per table by a lookup, at most: both buckets. */
export const LINE_COMPARED_SLOTS = 2 * LINE_SLOTS;
/**
 * Load the line table is sized for. Buckets of 15 slots with two choices
 * fill far beyond this before inserts fail (the Morton filter paper runs
 * blocked cuckoo tables at 0.95 and above); a higher load displaces more
 * entries, so more lookups read a second line.
 */
export const LINE_DESIGN_LOAD = 0.95;

/** OTA bits a sweep collects before setting them (see {@link LineTable.sweep}). */
const SWEEP_BATCH = 256;

/** ORs `bits[i]` into `words[at[i]]` for the first `count` pairs. */
function setBits(words: Uint32Array, at: Int32Array, bits: Int32Array, count: number): void {
  for (let i = 0; i < count; i++) {
    const word = at[i] as number;
    words[word] = (words[word] as number) | (bits[i] as number);
  }
}

/** The OTA bit of a fingerprint: its top 5 bits after a multiplicative mix. */
export function otaBit(fingerprint: number): number {
  return Math.imul(fingerprint, 0x9e3779b1) >>> 27;
}

/**
 * One line table. The Deduplicator keeps a chain: the sized table, then
 * overflow tables of the same geometry when more ids than sized arrive.
 *
 * @internal
 */
export class LineTable {
  readonly buckets: number;
  /** The buckets' words, 16 per bucket. */
  readonly words: Uint32Array;
  /** Non-empty slots (expired entries included until they are swept or replaced). */
  stored = 0;
  /** Non-empty slots per value of their 4 epoch bits. */
  private readonly perEpoch = new Int32Array(16);
  /** Set by {@link LineTable.kickInsert} when it gives up: the bucket of the entry it returns. */
  homelessBucket = 0;
  /** A sweep's batch of OTA bits to set: the words and the bits. */
  private readonly pendingWord = new Int32Array(SWEEP_BATCH);
  private readonly pendingBit = new Int32Array(SWEEP_BATCH);

  constructor(buckets: number, words?: Uint32Array) {
    this.buckets = buckets;
    if (words === undefined) {
      words = new Uint32Array(buckets * LINE_WORDS);
      words.fill(0); // map every page now rather than on the first checks (see FingerprintTable)
    }
    this.words = words;
  }

  /**
   * Looks for the live entry `key` (`fingerprint << 1 | displaced`) in
   * `bucket` at the epoch with low bits `epochLow`: returns {@link FOUND},
   * or else the word index of the bucket's first empty or expired slot
   * ({@link FULL} when it has none). A key of -1 matches nothing (the free
   * slot only).
   */
  probe(bucket: number, key: number, epochLow: number): number {
    // Two passes: the compares alone (a duplicate returns from this tight
    // loop), then the first free slot, only for an absent key. One pass
    // doing both was about 1.2 times slower on duplicates and no faster on
    // fresh ids (bench/dedup-table-ab.mjs, table-only, alternating runs).
    const words = this.words;
    const base = bucket * LINE_WORDS;
    const end = base + LINE_SLOTS;
    for (let at = base; at < end; at++) {
      const value = words[at] as number;
      if (value >>> 4 === key && ((epochLow - value) & 15) <= EPOCHS_PER_TTL) return FOUND;
    }
    for (let at = base; at < end; at++) {
      const value = words[at] as number;
      if (value === 0 || ((epochLow - value) & 15) > EPOCHS_PER_TTL) return at;
    }
    return FULL;
  }

  /** Whether OTA bit `bit` of `bucket` is set. */
  hasOta(bucket: number, bit: number): boolean {
    return (((this.words[bucket * LINE_WORDS + LINE_SLOTS] as number) >>> bit) & 1) !== 0;
  }

  /** Sets OTA bit `bit` of `bucket`. */
  setOta(bucket: number, bit: number): void {
    const at = bucket * LINE_WORDS + LINE_SLOTS;
    this.words[at] = (this.words[at] as number) | (1 << bit);
  }

  /** Writes `value` into the empty or expired slot at word `at` (from {@link LineTable.probe}). */
  writeAt(at: number, value: number): void {
    const old = this.words[at] as number;
    this.words[at] = value;
    this.counted(old, value);
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
   * Puts `value` in `bucket` if it has an empty or expired slot, setting the
   * OTA bit in the entry's primary bucket first when `value` is displaced.
   */
  place(bucket: number, value: number, epochLow: number): boolean {
    const free = this.probe(bucket, -1, epochLow);
    if (free === FULL) return false;
    if ((value & DISPLACED) !== 0) {
      const fingerprint = value >>> 5;
      this.setOta(alternateBucket(bucket, fingerprint, this.buckets), otaBit(fingerprint));
    }
    this.writeAt(free, value);
    return true;
  }

  /**
   * Makes room in `bucket`, full of live entries, for a new id whose primary
   * it is: moves the oldest entry to its other bucket if that has room
   * (setting its OTA bit here when it leaves its primary) and returns the
   * slot it left, or FULL. Displacing the oldest entry rather than the new
   * id keeps the displaced entries few: they expire within an epoch or two
   * instead of living a whole TTL away from home. Without it, in the steady
   * state of 1,000,000 ids an hour (bench/dedup-table-ab.mjs, STEADY=1), a
   * third of the entries were displaced, a sixth of the OTA bits were set,
   * and the sweeps that rebuild those bits cost three times the bucket
   * table's.
   */
  makeRoom(bucket: number, epochLow: number): number {
    const words = this.words;
    const base = bucket * LINE_WORDS;
    let oldest = base;
    let oldestAge = -1;
    for (let at = base; at < base + LINE_SLOTS; at++) {
      const age = (epochLow - (words[at] as number)) & 15;
      if (age > oldestAge) {
        oldestAge = age;
        oldest = at;
      }
    }
    const value = words[oldest] as number;
    const fingerprint = value >>> 5;
    const other = alternateBucket(bucket, fingerprint, this.buckets);
    if (other === bucket) return FULL;
    const free = this.probe(other, -1, epochLow);
    if (free === FULL) return FULL;
    if ((value & DISPLACED) === 0) this.setOta(bucket, otaBit(fingerprint));
    this.writeAt(free, (value ^ DISPLACED) >>> 0);
    words[oldest] = 0;
    this.counted(value, 0);
    return oldest;
  }

  /**
   * Cuckoo insertion of `value` into `bucket`, full of live entries: evicts
   * a random entry, moves it to its other bucket (flipping its displaced
   * bit, and setting its primary's OTA bit when it leaves its primary), and
   * repeats up to MAX_KICKS times. The caller has set the OTA bit for
   * `value` itself if `bucket` is its secondary. Returns 0 when everything
   * found a place, or else the entry left without one (its bucket in
   * `homelessBucket`), which the caller must store elsewhere.
   */
  kickInsert(bucket: number, value: number, epochLow: number, random: () => number): number {
    const words = this.words;
    let current = bucket;
    let carried = value;
    for (let kick = 0; kick < MAX_KICKS; kick++) {
      const at = current * LINE_WORDS + (random() % LINE_SLOTS);
      const evicted = words[at] as number;
      words[at] = carried;
      this.counted(evicted, carried); // the evicted entry is out of the table until it is placed again
      const fingerprint = evicted >>> 5;
      if ((evicted & DISPLACED) === 0) this.setOta(current, otaBit(fingerprint));
      current = alternateBucket(current, fingerprint, this.buckets);
      carried = (evicted ^ DISPLACED) >>> 0;
      const free = this.probe(current, -1, epochLow);
      if (free !== FULL) {
        this.writeAt(free, carried);
        return 0;
      }
    }
    this.homelessBucket = current;
    return carried;
  }

  /**
   * Removes every entry whose age exceeds EPOCHS_PER_TTL once the clock
   * moves `jump` epochs past the epoch whose low 4 bits are `epochLow`, then
   * rebuilds every OTA word from the displaced entries that remain. Returns
   * the number removed.
   */
  sweep(epochLow: number, jump: number): number {
    const words = this.words;
    const buckets = this.buckets;
    const perEpoch = this.perEpoch;
    const pendingWord = this.pendingWord;
    const pendingBit = this.pendingBit;
    for (let at = LINE_SLOTS; at < words.length; at += LINE_WORDS) words[at] = 0;
    let removed = 0;
    let pending = 0;
    for (let bucket = 0; bucket < buckets; bucket++) {
      const base = bucket * LINE_WORDS;
      for (let at = base; at < base + LINE_SLOTS; at++) {
        const value = words[at] as number;
        if (value === 0) continue;
        if (((epochLow - value) & 15) + jump > EPOCHS_PER_TTL) {
          words[at] = 0;
          (perEpoch[value & 15] as number)--;
          removed++;
        } else if ((value & DISPLACED) !== 0) {
          // The OTA bits go into a batch, set together below: a loop of
          // independent read-modify-writes, whose cache misses overlap. Set
          // one by one in this branchy scan, they cost several times the
          // bucket table's whole sweep once a third of the entries were
          // displaced (steady state at 1,000,000 ids an hour).
          const fingerprint = value >>> 5;
          pendingWord[pending] = alternateBucket(bucket, fingerprint, buckets) * LINE_WORDS + LINE_SLOTS;
          pendingBit[pending] = 1 << otaBit(fingerprint);
          if (++pending === SWEEP_BATCH) {
            setBits(words, pendingWord, pendingBit, pending);
            pending = 0;
          }
        }
      }
    }
    setBits(words, pendingWord, pendingBit, pending);
    this.stored -= removed;
    return removed;
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

  /** A copy of the words without the entries expired at the epoch whose low 4 bits are `epochLow`, OTA rebuilt (for images). */
  liveWords(epochLow: number): Uint32Array {
    const copy = new LineTable(this.buckets, this.words.slice());
    copy.recount();
    copy.sweep(epochLow, 0);
    return copy.words;
  }

  /** Recomputes `stored` and the per-epoch counts from the words (after they were filled from an image). */
  recount(): void {
    this.perEpoch.fill(0);
    let stored = 0;
    const words = this.words;
    for (let bucket = 0; bucket < this.buckets; bucket++) {
      const base = bucket * LINE_WORDS;
      for (let at = base; at < base + LINE_SLOTS; at++) {
        const value = words[at] as number;
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

/**
 * The OTA words a line table's slots call for (every displaced entry's bit
 * in its primary bucket), written into a fresh array of one word per bucket.
 * Image readers compare it with the OTA words they were given.
 *
 * @internal
 */
export function expectedOta(words: Uint32Array, buckets: number): Uint32Array {
  const ota = new Uint32Array(buckets);
  for (let bucket = 0; bucket < buckets; bucket++) {
    const base = bucket * LINE_WORDS;
    for (let at = base; at < base + LINE_SLOTS; at++) {
      const value = words[at] as number;
      if ((value & DISPLACED) !== 0) {
        const fingerprint = value >>> 5;
        const primary = alternateBucket(bucket, fingerprint, buckets);
        ota[primary] = (ota[primary] as number) | (1 << otaBit(fingerprint));
      }
    }
  }
  return ota;
}
