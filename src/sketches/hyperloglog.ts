import { brand } from "../brand.js";
import { Approximate } from "../algebra/approximate.js";
import type { Monoid } from "../algebra/monoid.js";
import { ByteWriter } from "../codec/byte-writer.js";
import type { ImageCodec } from "../codec/image-codec.js";
import { Family, writePreamble } from "../codec/preamble.js";
import { InvalidArgumentError, ParameterMismatchError } from "../errors.js";
import { HashedKey, hashItemInto, type Hashable } from "../hashing/hashed-key.js";
import { murmurHash64AStringInto, REDIS_HLL_SEED, type Hash64Out } from "../hashing/murmur64a.js";
import { twoSidedZ } from "../statistics.js";
import {
  allocate,
  checkOptionKeys,
  checkSeed,
  openImage,
  requireCompatible,
  type Sketch,
  type SketchClass,
  type SketchStorage,
} from "./sketch.js";
import { ertlEstimate } from "./hyperloglog-estimator.js";
import { decodeRedisHll, encodeRedisHll, packRegisters, REDIS_PRECISION, unpackRegisters } from "./hyperloglog-redis.js";
import { mergeMonoid, sketchCodec } from "./merge-instances.js";

/**
 * Options of {@link HyperLogLog}.
 *
 * @example
 * ```ts
 * import { type HyperLogLogOptions, HyperLogLog } from "papertrail/sketches";
 * const options: HyperLogLogOptions = { precision: 12 };
 * new HyperLogLog(options).registerCount; // => 4096
 * ```
 */
export interface HyperLogLogOptions {
  /** log2 of the number of registers, 4..18; default 14 (16384 registers, 0.81 % error, as Redis). */
  readonly precision?: number;
  /** Seed of the item hash; default Redis's `0xadc83b19`. Sketches of different seeds never merge. */
  readonly seed?: number;
}

const MIN_PRECISION = 4;
const MAX_PRECISION = 18;
const DEFAULT_PRECISION = 14;
const OPTION_KEYS: readonly (keyof HyperLogLogOptions)[] = ["precision", "seed"];
/** The image version written; the decoder reads every version in {@link READ_VERSIONS}. */
const VERSION = 1;
const READ_VERSIONS = [1];
const FLAG_SPARSE = 1;
// Below this many registers a sketch starts dense: the dense array is tiny anyway.
const SPARSE_MIN_REGISTERS = 2048;
const EMPTY_SLOT = 0;
// Slots of a new sparse table (32 non-zero registers before the first growth):
// small, since many sketches (one per key and time bucket) stay small.
const SPARSE_INITIAL_SLOTS = 64;
/**
 * The private constructor form: passed as the storage argument by `clone`
 * (never exported), it makes the constructor validate and set the
 * parameters but allocate no registers, and leaves the sketch without
 * storage (fresh buffers from then on); `clone` installs copies of the
 * registers. Its `allocate` is never called: it throws, so a path that
 * reached it would fail loudly instead of allocating from somewhere shared.
 */
const UNALLOCATED: SketchStorage = {
  allocate(): never {
    throw new Error("HyperLogLog: registers of an unallocated sketch must be installed by its creator");
  },
};

const scratchKey = new HashedKey();

/**
 * An empty register histogram (every register 0). A plain array, not a
 * typed one: its 52..62 counters would need an off-heap backing store, and
 * sketches are created by the thousand (one per key and time bucket).
 */
function newHistogram(precision: number, registers: number): number[] {
  const histogram = new Array<number>(66 - precision).fill(0);
  histogram[0] = registers;
  return histogram;
}

/**
 * target[i] = max(target[i], source[i]) for byte arrays of equal length
 * (a multiple of 4) holding values below 128, four bytes at a time (SWAR):
 * bit 7 of each byte of ((t | 0x80808080) - s) is set where t >= s, and no
 * borrow crosses bytes because every byte of t | 0x80 is at least 128 > s.
 */
function maxBytesInto(target: Uint8Array, source: Uint8Array): void {
  // Int32 views and `| 0` keep every step in V8's int32 arithmetic; four
  // words per iteration (the length is a multiple of 16 bytes, m >= 16).
  // Per word: hi = 0x80 in each byte where t >= s; (hi - (hi >>> 7)) | hi
  // widens it to 0xff; then s ^ ((t ^ s) & mask) picks t there, s elsewhere.
  const t = new Int32Array(target.buffer, target.byteOffset, target.length >> 2);
  const s = new Int32Array(source.buffer, source.byteOffset, source.length >> 2);
  for (let i = 0; i < t.length; i += 4) {
    const a0 = t[i] as number;
    const a1 = t[i + 1] as number;
    const a2 = t[i + 2] as number;
    const a3 = t[i + 3] as number;
    const b0 = s[i] as number;
    const b1 = s[i + 1] as number;
    const b2 = s[i + 2] as number;
    const b3 = s[i + 3] as number;
    const h0 = ((a0 | 0x80808080) - b0) & 0x80808080;
    const h1 = ((a1 | 0x80808080) - b1) & 0x80808080;
    const h2 = ((a2 | 0x80808080) - b2) & 0x80808080;
    const h3 = ((a3 | 0x80808080) - b3) & 0x80808080;
    t[i] = b0 ^ ((a0 ^ b0) & ((h0 - (h0 >>> 7)) | h0));
    t[i + 1] = b1 ^ ((a1 ^ b1) & ((h1 - (h1 >>> 7)) | h1));
    t[i + 2] = b2 ^ ((a2 ^ b2) & ((h2 - (h2 >>> 7)) | h2));
    t[i + 3] = b3 ^ ((a3 ^ b3) & ((h3 - (h3 >>> 7)) | h3));
  }
}

/** Number of trailing zero bits of a non-zero 32-bit integer. */
function trailingZeros(x: number): number {
  return 31 - Math.clz32(x & -x);
}

/**
 * HyperLogLog distinct counter (Flajolet et al. 2007), with Redis's hashing
 * and register rule and Ertl's improved estimator (arXiv:1702.01284): at
 * precision 14 the same items give exactly Redis's registers and PFCOUNT.
 *
 * - Register index = the low `precision` bits of the item's 64-bit
 *   MurmurHash64A; register value = 1 + the number of trailing zeros of the
 *   remaining `64 - precision` bits (with a sentinel bit, so at most `65 - precision`).
 * - Sparse (a small hash table of non-zero registers) while few registers
 *   are set, dense (one byte per register) after; the switch is invisible.
 * - `merge` takes the register-wise maximum. Merging sketches of different
 *   precision folds the larger into the smaller: the receiver ends at the
 *   smaller precision, with exactly the registers a sketch of that precision
 *   would have had (as DataSketches unions do).
 * - Relative standard error about `1.04 / sqrt(2^precision)`.
 *
 * @example
 * ```ts
 * import { HyperLogLog } from "papertrail/sketches";
 * const users = new HyperLogLog();
 * for (let i = 0; i < 1000; i++) users.add(`user-${i % 250}`);
 * users.cardinality(); // => 250
 * users.estimate(0.95).contains(250); // => true
 * ```
 */
export class HyperLogLog implements Sketch<HyperLogLog, Hashable> {
  private p: number;
  private m: number;
  /** The hash seed items are hashed with. */
  readonly seed: number;
  /** Dense registers, one byte each; `undefined` while sparse. */
  private dense: Uint8Array | undefined;
  /**
   * Sparse table, linear probing: a slot holds `(index + 1) << 8 | value`
   * (0 = empty), so a probe reads one word.
   */
  private sparse: Int32Array | undefined;
  private sparseSize = 0;
  private sparseShift = 0;
  /**
   * histogram[v] = number of registers of value v, built by the first
   * estimate and then kept up to date by dense adds (a register changes
   * rarely), so `cardinality` needs no pass over the registers. Sparse
   * writes and bulk operations only mark it stale (rebuilding it from a
   * small sparse table is cheaper than keeping it on every insert); the
   * next estimate rebuilds it once.
   */
  private histogram: number[] | undefined = undefined;
  private histogramValid = false;

  /**
   * Where the registers come from: the constructor's `storage`, kept for the
   * sparse table's growth and the switch to dense. Copies (`clone`, and so
   * the monoid's results) never use the original's: they own fresh buffers.
   */
  private readonly storage: SketchStorage | undefined;

  /**
   * @param options - `precision` and `seed`; any other key throws
   *   `InvalidArgumentError` (a misspelt option is not silently ignored).
   * @param storage - where the registers come from (they grow from it
   *   later too); default: their own buffers. A `TimeWindows` passes its
   *   arena here.
   */
  constructor(options: HyperLogLogOptions = {}, storage?: SketchStorage) {
    checkOptionKeys("HyperLogLog", options, OPTION_KEYS);
    const precision = options.precision ?? DEFAULT_PRECISION;
    if (!Number.isInteger(precision) || precision < MIN_PRECISION || precision > MAX_PRECISION) {
      throw new InvalidArgumentError(`HyperLogLog precision must be an integer from ${MIN_PRECISION} to ${MAX_PRECISION}, got ${String(precision)}`);
    }
    this.p = precision;
    this.m = 1 << precision;
    this.seed = checkSeed("HyperLogLog", options.seed ?? REDIS_HLL_SEED);
    if (storage === UNALLOCATED) {
      this.storage = undefined; // the creator installs fresh registers
      return;
    }
    this.storage = storage;
    if (this.m < SPARSE_MIN_REGISTERS) this.dense = this.newRegisters();
    else this.allocateSparse(SPARSE_INITIAL_SLOTS);
  }

  /** log2 of the number of registers. */
  get precision(): number {
    return this.p;
  }

  /** Number of registers, 2^precision. */
  get registerCount(): number {
    return this.m;
  }

  /** Relative standard error of the estimate, `1.04 / sqrt(registerCount)`. */
  get relativeStandardError(): number {
    return 1.04 / Math.sqrt(this.m);
  }

  /** True while the sketch holds its registers sparsely. */
  get isSparse(): boolean {
    return this.dense === undefined;
  }

  /** Bytes held by the register storage (not the object header). */
  get sizeInBytes(): number {
    if (this.dense !== undefined) return this.dense.byteLength;
    return (this.sparse as Int32Array).byteLength;
  }

  /** `HyperLogLog(precision=14, seed=0xadc83b19)`, for error messages. */
  describe(): string {
    return `HyperLogLog(precision=${this.p}, seed=0x${this.seed.toString(16)})`;
  }

  /** Adds an item (hashed once with MurmurHash64A of its canonical bytes). */
  add(item: Hashable): this {
    const key = scratchKey;
    // Strings, the common item, call the string hash directly rather than
    // through hashItemInto's type dispatch (the same hash, measurably
    // faster); with addHashed's dense fast path, add(string) runs at about
    // 90 % of the hash alone (bench/sketches-ab.mjs, "hll.add/hash.set %").
    if (typeof item === "string") murmurHash64AStringInto(item, this.seed, key);
    else hashItemInto(item, this.seed, key);
    return this.addHashed(key);
  }

  /**
   * Adds an item already hashed into `key` (the "hash once, feed many" path).
   * The key must have been hashed with this sketch's seed (the default seed
   * of `HashedKey.set`).
   */
  addHashed(key: Hash64Out): this {
    const lo = key.lo;
    const index = lo & (this.m - 1);
    const value = this.rankOf(key.hi, lo);
    const dense = this.dense;
    // Dense and not raising the register (almost every add once a sketch is
    // dense): one load and a compare, without entering setRegister.
    if (dense === undefined || value > (dense[index] as number)) this.setRegister(index, value);
    return this;
  }

  /** 1 + trailing zeros of hash >> p, with Redis's sentinel bit at 64 - p. */
  private rankOf(hi: number, lo: number): number {
    const low = lo >>> this.p;
    if (low !== 0) return trailingZeros(low) + 1;
    if (hi !== 0) return 32 - this.p + trailingZeros(hi) + 1;
    return 64 - this.p + 1;
  }

  private setRegister(index: number, value: number): void {
    const dense = this.dense;
    if (dense !== undefined) {
      const old = dense[index] as number;
      if (value > old) {
        dense[index] = value;
        if (this.histogramValid) {
          const histogram = this.histogram as number[];
          histogram[old]--;
          histogram[value]++;
        }
      }
      return;
    }
    const table = this.sparse as Int32Array;
    const mask = table.length - 1;
    const tag = (index + 1) << 8;
    // Fibonacci hashing of the index picks the first slot.
    let slot = Math.imul(index + 1, 0x9e3779b1) >>> this.sparseShift;
    for (;;) {
      const entry = table[slot] as number;
      // Same index: the entry differs from the tag in the value byte only
      // (an empty slot, 0, differs by the tag itself, >= 256).
      if ((entry ^ tag) < 256) {
        if (value > (entry & 0xff)) {
          table[slot] = tag | value;
          // Sparse writes only mark the histogram stale: cardinality() rebuilds it
          // from the small table, cheaper than keeping it on every insert.
          this.histogramValid = false;
        }
        return;
      }
      if (entry === EMPTY_SLOT) break;
      slot = (slot + 1) & mask;
    }
    table[slot] = tag | value;
    this.histogramValid = false;
    this.sparseSize++;
    if (this.sparseSize * 16 > this.m) this.convertToDense();
    else if (this.sparseSize * 2 > table.length) this.growSparse();
  }

  private allocateSparse(capacity: number): void {
    const bytes = allocate(this.storage, capacity * 4);
    this.sparse = new Int32Array(bytes.buffer, bytes.byteOffset, capacity);
    this.sparseShift = 32 - Math.log2(capacity);
    this.sparseSize = 0;
  }

  private growSparse(): void {
    // Grow 2x, up to m / 8 slots: the table converts to dense at m / 16 entries.
    this.resizeSparse(Math.min((this.sparse as Int32Array).length * 2, this.m >>> 3));
  }

  /**
   * Before merging `incoming` more sparse registers: go dense now if the
   * union may pass the dense threshold, else grow the table once to hold
   * them all, instead of converting or growing step by step mid-merge.
   */
  private reserveSparse(incoming: number): void {
    const entries = this.sparseSize + incoming;
    if (entries * 16 > this.m) {
      this.convertToDense();
      return;
    }
    const current = (this.sparse as Int32Array).length;
    if (entries * 2 <= current) return;
    // At least the usual 2x step, more if the merge needs it.
    let slots = current * 2;
    while (entries * 2 > slots) slots *= 2;
    this.resizeSparse(Math.min(slots, this.m >>> 3));
  }

  private resizeSparse(slots: number): void {
    const old = this.sparse as Int32Array;
    const size = this.sparseSize;
    this.allocateSparse(slots);
    this.sparseSize = size;
    // Entries move unchanged: insert them directly (no duplicates, no growth).
    const table = this.sparse as Int32Array;
    const mask = table.length - 1;
    const shift = this.sparseShift;
    for (let i = 0; i < old.length; i++) {
      const entry = old[i] as number;
      if (entry === EMPTY_SLOT) continue;
      let slot = Math.imul(entry >>> 8, 0x9e3779b1) >>> shift;
      while (table[slot] !== EMPTY_SLOT) slot = (slot + 1) & mask;
      table[slot] = entry;
    }
  }

  /** Zeroed dense registers. */
  private newRegisters(): Uint8Array {
    return allocate(this.storage, this.m);
  }

  private convertToDense(): void {
    const dense = this.newRegisters();
    this.forEachRegister((index, value) => {
      dense[index] = value;
    });
    this.dense = dense;
    this.sparse = undefined;
    this.sparseSize = 0;
  }

  /** Calls `visit` for every non-zero register, in no particular order. */
  private forEachRegister(visit: (index: number, value: number) => void): void {
    const dense = this.dense;
    if (dense !== undefined) {
      for (let i = 0; i < dense.length; i++) if (dense[i] !== 0) visit(i, dense[i] as number);
      return;
    }
    const table = this.sparse as Int32Array;
    for (let slot = 0; slot < table.length; slot++) {
      const entry = table[slot] as number;
      if (entry !== EMPTY_SLOT) visit((entry >>> 8) - 1, entry & 0xff);
    }
  }

  /** A copy of all registers, one byte each (index = register number). */
  registers(): Uint8Array {
    if (this.dense !== undefined) return this.dense.slice();
    const out = new Uint8Array(this.m);
    this.forEachRegister((index, value) => {
      out[index] = value;
    });
    return out;
  }

  /**
   * The estimated number of distinct items, rounded to an integer exactly as
   * Redis's PFCOUNT rounds it (Ertl's improved estimator): at precision 14
   * and Redis's seed, the same items give exactly PFCOUNT's answer. For the
   * unrounded estimate with bounds, see {@link HyperLogLog.estimate}.
   *
   * @example
   * ```ts
   * import { HyperLogLog } from "papertrail/sketches";
   * new HyperLogLog().add("alice").add("bob").add("alice").cardinality(); // => 2
   * ```
   */
  cardinality(): number {
    return Math.round(this.rawEstimate());
  }

  private rawEstimate(): number {
    return ertlEstimate(this.registerHistogram(), this.m, 64 - this.p);
  }

  private registerHistogram(): number[] {
    // Built on first use (a sparse sketch may never be counted), then kept.
    let histogram = this.histogram;
    if (histogram === undefined) this.histogram = histogram = newHistogram(this.p, this.m);
    else if (this.histogramValid) return histogram;
    histogram.fill(0);
    const dense = this.dense;
    if (dense !== undefined) {
      // Four interleaved histograms, one per byte lane of a 32-bit word, break
      // the store-to-load dependency between neighbours of equal value.
      const lanes = histogram.length;
      const counts = new Int32Array(lanes * 4);
      const words = new Int32Array(dense.buffer, dense.byteOffset, dense.length >> 2);
      for (let i = 0; i < words.length; i++) {
        const word = words[i] as number;
        counts[word & 0xff]++;
        counts[lanes + ((word >>> 8) & 0xff)]++;
        counts[2 * lanes + ((word >>> 16) & 0xff)]++;
        counts[3 * lanes + (word >>> 24)]++;
      }
      for (let v = 0; v < lanes; v++) {
        histogram[v] = (counts[v] as number) + (counts[lanes + v] as number) + (counts[2 * lanes + v] as number) + (counts[3 * lanes + v] as number);
      }
    } else {
      const table = this.sparse as Int32Array;
      for (let slot = 0; slot < table.length; slot++) {
        const entry = table[slot] as number;
        if (entry !== EMPTY_SLOT) histogram[entry & 0xff]++;
      }
      histogram[0] = this.m - this.sparseSize;
    }
    this.histogramValid = true;
    return histogram;
  }

  /**
   * The unrounded estimate (integer rounding makes `cardinality()` biased by a
   * fraction of an item at small cardinalities; this value is not) with an
   * interval holding the true count with probability about `confidence`
   * (normal approximation with relative standard error
   * `1.04 / sqrt(m)`, inverted around the truth: `[e / (1 + z s), e / (1 - z s)]`).
   * The lower end is at least the number of non-zero registers, a hard bound.
   *
   * @param confidence - probability in (0, 1); default 0.95
   */
  estimate(confidence = 0.95): Approximate {
    const estimate = this.rawEstimate();
    const spread = twoSidedZ(confidence) * this.relativeStandardError;
    const nonZero = this.m - (this.registerHistogram()[0] as number);
    const lower = Math.min(estimate, Math.max(nonZero, estimate / (1 + spread)));
    const upper = spread < 1 ? Math.max(estimate, estimate / (1 - spread)) : Number.POSITIVE_INFINITY;
    return new Approximate(estimate, lower, upper, confidence);
  }

  /**
   * Merges `other` into this sketch (register-wise maximum) and returns this.
   * A sketch of higher precision is folded down; if `other` has the lower
   * precision, this sketch is folded down to it first. Throws
   * {@link ParameterMismatchError} when the seeds differ.
   */
  merge(other: HyperLogLog): this {
    // describe() is built only when the check fails: merge runs in rollup loops.
    if (!(other instanceof HyperLogLog) || other.seed !== this.seed) {
      requireCompatible(HyperLogLog, this.describe(), other, (o) => o.seed === this.seed);
    }
    if (other === this) return this; // idempotent (and the loops below would read a table they replace)
    if (other.p < this.p) this.foldTo(other.p);
    if (other.p === this.p) {
      const dense = other.dense;
      if (dense !== undefined) {
        if (this.dense === undefined) this.convertToDense();
        maxBytesInto(this.dense as Uint8Array, dense);
        this.histogramValid = false;
      } else {
        // Direct loops (no callback): rollups merge many sparse sketches.
        if (this.dense === undefined) this.reserveSparse(other.sparseSize);
        const table = other.sparse as Int32Array;
        const target = this.dense;
        if (target !== undefined) {
          // Branch-free (a half-full table would mispredict on every other
          // slot): an empty slot (entry 0, so `empty` = -1) writes
          // max(register, 0), a no-op, to register `slot`; a different
          // register per slot, so the no-ops do not queue on one address.
          const mask = this.m - 1;
          for (let slot = 0; slot < table.length; slot++) {
            const entry = table[slot] as number;
            const empty = (entry - 1) >> 31;
            const index = ((((entry >>> 8) - 1) & ~empty) | (slot & empty)) & mask;
            target[index] = Math.max(target[index] as number, entry & 0xff);
          }
          this.histogramValid = false;
        } else {
          for (let slot = 0; slot < table.length; slot++) {
            const entry = table[slot] as number;
            if (entry !== EMPTY_SLOT) this.setRegister((entry >>> 8) - 1, entry & 0xff);
          }
        }
      }
      return this;
    }
    const shift = this.p;
    const extra = other.p - this.p;
    const mask = this.m - 1;
    other.forEachRegister((index, value) => {
      const high = index >>> shift;
      this.setRegister(index & mask, high !== 0 ? trailingZeros(high) + 1 : value + extra);
    });
    return this;
  }

  /** Lowers this sketch's precision, re-deriving every register exactly. */
  private foldTo(precision: number): void {
    const old = this.registers();
    const extra = this.p - precision;
    this.p = precision;
    this.m = 1 << precision;
    this.histogram = undefined;
    this.histogramValid = false;
    if (this.m < SPARSE_MIN_REGISTERS) {
      this.dense = this.newRegisters();
      this.sparse = undefined;
    } else {
      this.dense = undefined;
      this.allocateSparse(SPARSE_INITIAL_SLOTS);
    }
    const mask = this.m - 1;
    for (let index = 0; index < old.length; index++) {
      const value = old[index] as number;
      if (value === 0) continue;
      const high = index >>> precision;
      this.setRegister(index & mask, high !== 0 ? trailingZeros(high) + 1 : value + extra);
    }
  }

  /**
   * An independent copy, in fresh buffers: it never allocates from the
   * receiver's storage (a copy may outlive the arena that holds the original).
   */
  clone(): HyperLogLog {
    const copy = new HyperLogLog({ precision: this.p, seed: this.seed }, UNALLOCATED);
    if (this.dense !== undefined) {
      copy.dense = copy.newRegisters();
      copy.dense.set(this.dense);
    } else {
      const table = this.sparse as Int32Array;
      copy.allocateSparse(table.length);
      (copy.sparse as Int32Array).set(table);
      copy.sparseSize = this.sparseSize;
    }
    if (this.histogram !== undefined) copy.histogram = this.histogram.slice();
    copy.histogramValid = this.histogramValid;
    return copy;
  }

  /** Same precision, seed and registers (whatever the internal representation). */
  equals(other: HyperLogLog): boolean {
    if (!(other instanceof HyperLogLog)) return false;
    if (other.p !== this.p || other.seed !== this.seed) return false;
    const a = this.registers();
    const b = other.registers();
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }

  /**
   * The PaperTrail image (family 0x01, version 1; see `docs/format.md`):
   * sparse entries when smaller, else 6-bit packed registers.
   */
  toBytes(): Uint8Array<ArrayBuffer> {
    const entries: number[] = [];
    this.forEachRegister((index, value) => {
      entries.push(index * 256 + value);
    });
    const denseBytes = (this.m * 6) / 8;
    const sparse = 4 + entries.length * 4 < denseBytes;
    const writer = new ByteWriter(16 + (sparse ? 4 + entries.length * 4 : denseBytes));
    writePreamble(writer, Family.HyperLogLog, VERSION, sparse ? FLAG_SPARSE : 0);
    writer.u8(this.p).u8(0).u16(0).u32(this.seed);
    if (sparse) {
      entries.sort((a, b) => a - b);
      writer.u32(entries.length);
      for (const entry of entries) writer.u32(entry);
    } else {
      const packed = new Uint8Array(denseBytes);
      packRegisters(this.registers(), packed, 0);
      writer.bytes(packed);
    }
    return writer.finish();
  }

  /**
   * Parses an image written by {@link HyperLogLog.toBytes} (version 1);
   * throws `DecodeError` on anything else. The sketch owns fresh buffers.
   */
  static fromBytes(bytes: Uint8Array): HyperLogLog {
    const { reader, flags } = openImage(bytes, "HyperLogLog", Family.HyperLogLog, READ_VERSIONS, FLAG_SPARSE);
    const precision = reader.u8("precision");
    if (precision < MIN_PRECISION || precision > MAX_PRECISION) reader.invalid(`precision ${precision} is outside ${MIN_PRECISION}..${MAX_PRECISION}`);
    if ((reader.u8("reserved") | reader.u16("reserved")) !== 0) reader.invalid("reserved bytes must be zero");
    const seed = reader.u32("seed");
    const sketch = new HyperLogLog({ precision, seed });
    const maxValue = 65 - precision;
    if ((flags & FLAG_SPARSE) !== 0) {
      const count = reader.u32("entry count");
      if (count > sketch.m) reader.invalid(`${count} sparse entries for ${sketch.m} registers`);
      reader.requireElements(count, 4, "sparse entries");
      let previous = -1;
      for (let i = 0; i < count; i++) {
        const entry = reader.u32("sparse entry");
        const index = Math.floor(entry / 256);
        const value = entry & 0xff;
        if (index <= previous || index >= sketch.m) reader.invalid(`sparse entry ${i} has index ${index} (previous ${previous}, registers ${sketch.m})`);
        if (value < 1 || value > maxValue) reader.invalid(`sparse entry ${i} has register value ${value} outside 1..${maxValue}`);
        sketch.setRegister(index, value);
        previous = index;
      }
    } else {
      const packed = reader.bytesView((sketch.m * 6) / 8, "dense registers");
      const registers = new Uint8Array(sketch.m);
      unpackRegisters(packed, 0, registers);
      for (let i = 0; i < registers.length; i++) {
        if ((registers[i] as number) > maxValue) reader.invalid(`register ${i} has value ${registers[i]} above ${maxValue}`);
      }
      sketch.dense = registers;
      sketch.sparse = undefined;
      sketch.histogramValid = false;
    }
    reader.expectEnd();
    return sketch;
  }

  /**
   * The sketch as a Redis HyperLogLog string (`HYLL`), ready for `SET` and
   * then `PFCOUNT` / `PFMERGE` in Redis. Sparse when Redis would keep it
   * sparse (values <= 32, at most 3000 bytes), else dense. The cached
   * cardinality is marked invalid, so Redis recomputes it.
   * Requires precision 14 and Redis's seed.
   */
  toRedisBytes(): Uint8Array<ArrayBuffer> {
    if (this.p !== REDIS_PRECISION || this.seed !== REDIS_HLL_SEED) {
      throw new ParameterMismatchError(this.describe(), `Redis HyperLogLog(precision=14, seed=0x${REDIS_HLL_SEED.toString(16)})`);
    }
    return encodeRedisHll(this.registers());
  }

  /**
   * Reads a Redis HyperLogLog string (as returned by `GET` on a key written
   * by PFADD or PFMERGE), dense or sparse. Throws `DecodeError` on anything
   * malformed.
   */
  static fromRedisBytes(bytes: Uint8Array): HyperLogLog {
    const registers = decodeRedisHll(bytes);
    const sketch = new HyperLogLog({ precision: REDIS_PRECISION });
    for (let i = 0; i < registers.length; i++) if (registers[i] !== 0) sketch.setRegister(i, registers[i] as number);
    return sketch;
  }

  /**
   * The monoid of HyperLogLog sketches built from the constructor's options
   * (register-wise max). `empty` is a fresh sketch on each read; `combine`
   * never mutates its inputs; the bulk path merges every input into one
   * buffer. Commutative and idempotent. Sketches of another seed are refused
   * with `ParameterMismatchError`; sketches of another precision fold as in
   * `merge`, so the identity law holds for inputs of precision <= `precision`.
   *
   * @param options - as for the constructor (default precision 14, Redis's
   *   seed); validated now.
   *
   * @example
   * ```ts
   * import { HyperLogLog } from "papertrail/sketches";
   * const monoid = HyperLogLog.monoid({ precision: 12 });
   * const a = new HyperLogLog({ precision: 12 }).add("alice");
   * const b = new HyperLogLog({ precision: 12 }).add("bob");
   * monoid.combine(a, b).cardinality(); // => 2
   * a.cardinality(); // => 1
   * ```
   */
  static monoid(options: HyperLogLogOptions = {}): Monoid<HyperLogLog> {
    const template = new HyperLogLog(options); // validates the options now
    const { precision, seed } = template;
    return mergeMonoid(() => new HyperLogLog({ precision, seed }), {
      check: (first) => requireCompatible(HyperLogLog, template.describe(), first, (f) => f.seed === seed),
      mergeAll: (out, rest) => out.mergeAll(rest),
    });
  }

  /**
   * The monoid's bulk merge of `rest` into this sketch (a copy). Merging
   * sparse tables into dense registers is a direct loop, while growing a
   * sparse table through many merges costs more; so when the inputs' entries
   * together may pass the dense threshold (an upper bound: they may overlap),
   * the copy goes dense first, and returns to sparse at the end if the union
   * turned out small, as merging one by one would have left it. Else the
   * sparse table grows once. Inputs of a lower precision (which fold this
   * sketch) skip the sizing.
   */
  private mergeAll(rest: readonly HyperLogLog[]): void {
    let early = false;
    if (this.dense === undefined) {
      let incoming = 0;
      let sized = true;
      for (const other of rest) {
        if (!(other instanceof HyperLogLog) || other.p < this.p) {
          sized = false; // merge throws or folds: leave the sizing to it
          break;
        }
        if (other.p === this.p) incoming += other.dense !== undefined ? this.m : other.sparseSize;
      }
      if (sized) {
        this.reserveSparse(incoming); // dense now if the union may pass the threshold
        early = this.dense !== undefined;
      }
    }
    for (const other of rest) this.merge(other);
    if (early && this.dense !== undefined) this.sparsifyIfSmall();
  }

  /** Back to the sparse table when at most m / 16 registers are non-zero (the threshold `add` uses). */
  private sparsifyIfSmall(): void {
    const dense = this.dense as Uint8Array;
    // Non-zero bytes four at a time: (w & 0x7f7f7f7f) + 0x7f7f7f7f sets a
    // byte's top bit when its low 7 bits are non-zero, `| w` when its top
    // bit is; registers never exceed 64, so no byte carries into the next.
    const words = new Int32Array(dense.buffer, dense.byteOffset, dense.length >> 2);
    let nonZero = 0;
    for (let i = 0; i < words.length; i++) {
      const w = words[i] as number;
      const top = (((w & 0x7f7f7f7f) + 0x7f7f7f7f) | w) & 0x80808080;
      nonZero += ((top >>> 7) & 1) + ((top >>> 15) & 1) + ((top >>> 23) & 1) + (top >>> 31);
    }
    if (nonZero * 16 > this.m) return;
    let slots = SPARSE_INITIAL_SLOTS;
    while (nonZero * 2 > slots) slots *= 2;
    this.dense = undefined;
    this.allocateSparse(Math.min(slots, this.m >>> 3));
    this.histogramValid = false;
    for (let i = 0; i < dense.length; i++) if (dense[i] !== 0) this.setRegister(i, dense[i] as number);
  }

  /** The {@link ImageCodec} of HyperLogLog sketches, for envelopes. */
  static readonly codec: ImageCodec<HyperLogLog> = sketchCodec(Family.HyperLogLog, "HyperLogLog", HyperLogLog, (bytes) => HyperLogLog.fromBytes(bytes));
}

HyperLogLog satisfies SketchClass<HyperLogLog, HyperLogLogOptions>;

// `instanceof HyperLogLog` holds for sketches of any copy of PaperTrail 1.x (src/brand.ts).
brand(HyperLogLog, "HyperLogLog");
