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
 * @internal
 * @module
 */

/** Epochs per TTL: the TTL granularity is `ttl / 12` (5 minutes for an hour). */
export const EPOCHS_PER_TTL = 12;
/** Bits of epoch per slot: ages 0..12 are live, and a sweep at every epoch change removes older ones, so 4 bits never wrap. */
export const EPOCH_BITS = 4;
export const SLOTS_PER_BUCKET = 4;
/**
 * Largest fingerprint: slots stay within 32 bits. The false-positive bound
 * `8 / (2^f - 1)` is then at least 2.98e-8, the smallest rate accepted.
 */
export const MAX_FINGERPRINT_BITS = 32 - EPOCH_BITS;
/**
 * Highest load the table is sized for at `capacity` ids per TTL, counting
 * the up to 13/12 of a TTL's ids that are live just before an epoch ends.
 * Four-slot cuckoo tables fill to about 95 % before inserts start failing
 * (Fan et al. 2014); 0.9 leaves room for bursts and keeps kick chains short.
 */
export const DESIGN_LOAD = 0.9;
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
export function tableGeometry(capacity: number, falsePositiveRate: number): TableGeometry {
  const fingerprintBits = Math.max(1, Math.ceil(Math.log2((2 * SLOTS_PER_BUCKET) / falsePositiveRate + 1)));
  const slots = (capacity * (EPOCHS_PER_TTL + 1)) / EPOCHS_PER_TTL / DESIGN_LOAD;
  return { buckets: Math.max(1, Math.ceil(slots / SLOTS_PER_BUCKET)), fingerprintBits };
}

/** Words of one table's packed slots (without the padding word kept in memory). */
export function tableWords(geometry: TableGeometry): number {
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
  /** Non-empty slots. */
  stored = 0;
  /** Set by {@link FingerprintTable.kickInsert} when it gives up: the bucket of the entry it returns. */
  homelessBucket = 0;

  constructor(geometry: TableGeometry, words?: Uint32Array) {
    this.buckets = geometry.buckets;
    this.fingerprintBits = geometry.fingerprintBits;
    this.slotBits = geometry.fingerprintBits + EPOCH_BITS;
    this.bucketBits = this.slotBits * SLOTS_PER_BUCKET;
    this.mask = 0xffffffff >>> (32 - this.slotBits);
    this.words = words ?? new Uint32Array(tableWords(geometry) + 1);
  }

  /** The value of slot `slot` of `bucket` (unsigned; 0 = empty). */
  read(bucket: number, slot: number): number {
    const bit = bucket * this.bucketBits + slot * this.slotBits;
    const at = bit >>> 5;
    const shift = bit & 31;
    let value = (this.words[at] as number) >>> shift;
    if (shift + this.slotBits > 32) value |= (this.words[at + 1] as number) << (32 - shift);
    return (value & this.mask) >>> 0;
  }

  /** Writes `value` (at most `slotBits` bits) into slot `slot` of `bucket`. */
  write(bucket: number, slot: number, value: number): void {
    const bit = bucket * this.bucketBits + slot * this.slotBits;
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
   * Looks for `fingerprint` in `bucket` (every stored entry is live: sweeps
   * remove the rest) and notes where `value` could go: returns
   * {@link FOUND}, or else the bit offset of the bucket's first empty slot
   * ({@link FULL} when it has none), which {@link FingerprintTable.writeAt}
   * takes. One pass serves both halves of a check, so a fresh id's buckets
   * are read once. The hot path: offsets are computed once per slot and the
   * slots unpacked inline.
   */
  probe(bucket: number, fingerprint: number): number {
    const words = this.words;
    const width = this.slotBits;
    const mask = this.mask;
    let empty = FULL;
    let bit = bucket * this.bucketBits;
    for (let slot = 0; slot < SLOTS_PER_BUCKET; slot++, bit += width) {
      const at = bit >>> 5;
      const shift = bit & 31;
      let value = (words[at] as number) >>> shift;
      if (shift + width > 32) value |= (words[at + 1] as number) << (32 - shift);
      value &= mask;
      if (value === 0) {
        if (empty === FULL) empty = bit;
      } else if (value >>> EPOCH_BITS === fingerprint) {
        return FOUND;
      }
    }
    return empty;
  }

  /** Writes `value` into the empty slot at bit offset `bit` (from {@link FingerprintTable.probe}). */
  writeAt(bit: number, value: number): void {
    const at = bit >>> 5;
    const shift = bit & 31;
    const words = this.words;
    words[at] = (words[at] as number) | (value << shift);
    if (shift + this.slotBits > 32) words[at + 1] = (words[at + 1] as number) | (value >>> (32 - shift));
    this.stored++;
  }

  /** Puts `value` in an empty slot of `bucket`; false when the bucket is full. */
  place(bucket: number, value: number): boolean {
    for (let slot = 0; slot < SLOTS_PER_BUCKET; slot++) {
      if (this.read(bucket, slot) === 0) {
        this.write(bucket, slot, value);
        this.stored++;
        return true;
      }
    }
    return false;
  }

  /**
   * Cuckoo insertion of `value`, whose buckets are full: evicts a random
   * entry of one bucket, moves it to its other bucket, and repeats up to
   * MAX_KICKS times. Returns 0 when everything found a place, or else the
   * entry left without one (its bucket in `homelessBucket`), which the
   * caller must store elsewhere: dropping it would forget a live id.
   * `random` gives uniform 32-bit integers.
   */
  kickInsert(bucket: number, value: number, random: () => number): number {
    let current = bucket;
    let carried = value;
    for (let kick = 0; kick < MAX_KICKS; kick++) {
      const slot = random() & (SLOTS_PER_BUCKET - 1);
      const evicted = this.read(current, slot);
      this.write(current, slot, carried);
      carried = evicted;
      current = alternateBucket(current, evicted >>> EPOCH_BITS, this.buckets);
      if (this.place(current, carried)) return 0;
    }
    this.homelessBucket = current;
    return carried;
  }

  /**
   * Removes every entry whose age exceeds EPOCHS_PER_TTL once the clock
   * moves `jump` epochs past the epoch whose low 4 bits are `epochLow`
   * (ages before the move are 0..12, so 4 bits decode them exactly).
   * Returns the number removed.
   */
  sweep(epochLow: number, jump: number): number {
    // One pass over the packed slots in order, unpacked inline (a call per
    // slot made a sweep of 1.2M slots take several times longer).
    const words = this.words;
    const width = this.slotBits;
    const mask = this.mask;
    const end = this.buckets * this.bucketBits;
    let removed = 0;
    for (let bit = 0; bit < end; bit += width) {
      const at = bit >>> 5;
      const shift = bit & 31;
      const spans = shift + width > 32;
      let value = (words[at] as number) >>> shift;
      if (spans) value |= (words[at + 1] as number) << (32 - shift);
      value &= mask;
      if (value !== 0 && ((epochLow - value) & 15) + jump > EPOCHS_PER_TTL) {
        words[at] = (words[at] as number) & ~(mask << shift);
        if (spans) words[at + 1] = (words[at + 1] as number) & ~(mask >>> (32 - shift));
        removed++;
      }
    }
    this.stored -= removed;
    return removed;
  }

  /** Empties the table. */
  clear(): void {
    this.words.fill(0);
    this.stored = 0;
  }
}
