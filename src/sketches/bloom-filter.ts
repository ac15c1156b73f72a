import { brand } from "../brand.js";
import type { Monoid } from "../algebra/monoid.js";
import { ByteReader } from "../codec/byte-reader.js";
import { ByteWriter } from "../codec/byte-writer.js";
import { littleEndianHost } from "../codec/host-byte-order.js";
import type { ImageCodec } from "../codec/image-codec.js";
import { Family, readPreamble, writePreamble } from "../codec/preamble.js";
import { DecodeError, InvalidArgumentError, ParameterMismatchError } from "../errors.js";
import { HashedKey, hashItemInto, type Hashable } from "../hashing/hashed-key.js";
import { REDIS_HLL_SEED, type Hash64Out } from "../hashing/murmur64a.js";
import { allocate, type SketchStorage } from "./sketch.js";
import { mergeMonoid, sketchCodec } from "./merge-instances.js";

const VERSION = 1;
/** Largest bit count: the image stores it as a u32. */
const MAX_BITS = 0xffffffff;
/**
 * Most probes per item. All k probes come from one 64-bit hash, so beyond
 * about 64 more probes cannot lower the false-positive rate any further (two
 * items with the same 64-bit hash always collide).
 */
const MAX_HASHES = 64;
/** Bytes before the bit array: preamble 8, bits 4, hashes 1, reserved 3, seed 4. */
const HEADER_BYTES = 20;

// One scratch hash for every `add`/`has` on an item: no allocation per call.
// A HashedKey, like the keys callers pass to addHashed, so the probe code
// sees one object shape.
const scratch = new HashedKey();

/**
 * How to size a {@link BloomFilter}: either by the workload (`capacity` items
 * at a target `falsePositiveRate`, sized at the optimum), or directly by
 * `bits` and `hashes`. `seed` is the item-hash seed (default Redis's
 * `0xadc83b19`, the seed of every PaperTrail sketch, so one `HashedKey` feeds
 * them all).
 *
 * @example
 * ```ts
 * import { type BloomFilterOptions, BloomFilter } from "papertrail/sketches";
 * const bySize: BloomFilterOptions = { capacity: 10_000, falsePositiveRate: 0.01 };
 * const byShape: BloomFilterOptions = { bits: 95_851, hashes: 7 };
 * new BloomFilter(bySize).equals(new BloomFilter(byShape)); // => true
 * ```
 */
export type BloomFilterOptions =
  | { readonly capacity: number; readonly falsePositiveRate: number; readonly seed?: number }
  | { readonly bits: number; readonly hashes: number; readonly seed?: number };

/**
 * A Bloom filter (Bloom 1970): set membership with no false negatives and a
 * tunable false-positive rate, in `ceil(bits / 8)` bytes. `add` and `merge`
 * mutate the filter and return it; merging is a bitwise OR, so the merge of
 * filters built on parts of a stream equals the filter of the whole stream.
 *
 * Each item is hashed once (MurmurHash64A of its canonical bytes, see
 * `Hashable`); its `k` probe positions come from the two 32-bit halves,
 * read unsigned (`lo >>> 0`, `hi >>> 0`), by Kirsch–Mitzenmacher double
 * hashing, `g_i = (lo + i * hi) mod bits` for `i = 0..k-1` ("Less Hashing,
 * Same Performance", 2006), which keeps the asymptotic false-positive rate
 * of k independent hashes.
 *
 * @example
 * ```ts
 * import { BloomFilter } from "papertrail/sketches";
 * const seen = new BloomFilter({ capacity: 1000, falsePositiveRate: 0.01 });
 * seen.add("alice").add("bob");
 * seen.has("alice"); // => true
 * seen.has("carol"); // => false
 * [seen.bits, seen.hashes, seen.sizeInBytes]; // => [9586, 7, 1199]
 * BloomFilter.fromBytes(seen.toBytes()).equals(seen); // => true
 * ```
 */
export class BloomFilter {
  /** Number of bits, `m`. */
  readonly bits: number;
  /** Probes per item, `k`. */
  readonly hashes: number;
  /** Seed of the item hash (unsigned 32-bit). */
  readonly seed: number;
  /** The bit array: bit `i` is `data[i >> 3] & (1 << (i & 7))`. */
  private readonly data: Uint8Array;
  /** The same memory as 32-bit words (the buffer is padded to whole words), for OR and popcount. */
  private readonly words: Uint32Array;
  /** `1 / bits`, so a probe start is reduced mod `bits` by a multiply (see `modUint32`). */
  private readonly reciprocal: number;
  /**
   * Whether probes walk in int32 arithmetic and address 32-bit words: for
   * filters of up to 2^31 - 1 bits (256 MiB) on little-endian hosts, where
   * bit `i` of the format (byte `i >> 3`, bit `i & 7`) is bit `i & 31` of
   * word `i >> 5`. Otherwise probes address bytes in double arithmetic.
   */
  private readonly wordProbes: boolean;

  /**
   * @param options the size form `{ capacity, falsePositiveRate }` or the shape form `{ bits, hashes }`, and the seed.
   * @param storage where the bit array comes from; default: its own buffer.
   */
  constructor(options: BloomFilterOptions, storage?: SketchStorage) {
    if (typeof options !== "object" || options === null) {
      throw new InvalidArgumentError(`BloomFilter needs { capacity, falsePositiveRate } or { bits, hashes }, got ${String(options)}`);
    }
    const bySize = "capacity" in options || "falsePositiveRate" in options;
    const byShape = "bits" in options || "hashes" in options;
    if (bySize === byShape) {
      throw new InvalidArgumentError(
        "BloomFilter needs either { capacity, falsePositiveRate } or { bits, hashes } (exactly one of the two forms)",
      );
    }
    let bits: number;
    let hashes: number;
    if ("capacity" in options) {
      ({ bits, hashes } = BloomFilter.optimalParameters(options.capacity, options.falsePositiveRate));
    } else if ("bits" in options) {
      bits = options.bits;
      hashes = options.hashes;
      checkShape(bits, hashes);
    } else {
      // Only one key of the size form was given.
      throw new InvalidArgumentError("BloomFilter: give both capacity and falsePositiveRate");
    }
    const seed = options.seed ?? REDIS_HLL_SEED;
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
      throw new InvalidArgumentError(`BloomFilter seed must be an unsigned 32-bit integer, got ${seed}`);
    }
    this.bits = bits;
    this.reciprocal = 1 / bits;
    this.hashes = hashes;
    this.seed = seed;
    const byteLength = Math.ceil(bits / 8);
    // Padded to whole words.
    const storageBytes = allocate(storage, Math.ceil(byteLength / 4) * 4);
    const { buffer, byteOffset } = storageBytes;
    this.data = new Uint8Array(buffer, byteOffset, byteLength);
    this.words = new Uint32Array(buffer, byteOffset, Math.ceil(byteLength / 4));
    this.wordProbes = bits <= 0x7fffffff && littleEndianHost;
  }

  /**
   * The optimal shape for `capacity` items at false-positive rate `p`:
   * `bits = ceil(-n ln p / (ln 2)^2)` and `hashes = max(1, round((bits / n) ln 2))`,
   * which minimizes `(1 - e^(-kn/m))^k` for a given memory.
   *
   * @example
   * ```ts
   * import { BloomFilter } from "papertrail/sketches";
   * BloomFilter.optimalParameters(100_000, 0.01); // => { bits: 958506, hashes: 7 }
   * BloomFilter.optimalParameters(1_000_000, 0.001); // => { bits: 14377588, hashes: 10 }
   * ```
   */
  static optimalParameters(capacity: number, falsePositiveRate: number): { bits: number; hashes: number } {
    if (!Number.isSafeInteger(capacity) || capacity < 1) {
      throw new InvalidArgumentError(`BloomFilter capacity must be an integer >= 1, got ${capacity}`);
    }
    if (typeof falsePositiveRate !== "number" || !(falsePositiveRate > 0 && falsePositiveRate < 1)) {
      throw new InvalidArgumentError(`BloomFilter falsePositiveRate must be in (0, 1), got ${falsePositiveRate}`);
    }
    const bits = Math.ceil((-capacity * Math.log(falsePositiveRate)) / (Math.LN2 * Math.LN2));
    if (bits > MAX_BITS) {
      throw new InvalidArgumentError(
        `BloomFilter for capacity ${capacity} at falsePositiveRate ${falsePositiveRate} needs ${bits} bits, more than the maximum ${MAX_BITS}`,
      );
    }
    const hashes = Math.max(1, Math.round((bits / capacity) * Math.LN2));
    if (hashes > MAX_HASHES) {
      throw new InvalidArgumentError(
        `BloomFilter falsePositiveRate ${falsePositiveRate} needs ${hashes} hashes, more than the maximum ${MAX_HASHES} (a 64-bit item hash cannot deliver it)`,
      );
    }
    return { bits, hashes };
  }

  /**
   * Adds `item`: hashes it with this filter's seed, then sets its `k` bits.
   *
   * @example
   * ```ts
   * import { BloomFilter } from "papertrail/sketches";
   * new BloomFilter({ bits: 1024, hashes: 4 }).add("alice").add(42).has(42); // => true
   * ```
   */
  add(item: Hashable): this {
    hashItemInto(item, this.seed, scratch);
    return this.addHashed(scratch);
  }

  /**
   * Adds an already-hashed item ("hash once, feed many"). The key must have
   * been hashed with this filter's seed (`key.set(item, filter.seed)`; the
   * default seed of both is `REDIS_HLL_SEED`), or lookups by item will miss it.
   *
   * @example
   * ```ts
   * import { BloomFilter } from "papertrail/sketches";
   * import { HashedKey } from "papertrail/hashing";
   * const filter = new BloomFilter({ capacity: 100, falsePositiveRate: 0.01 });
   * filter.addHashed(HashedKey.of("alice")).has("alice"); // => true
   * ```
   */
  addHashed(key: Hash64Out): this {
    const m = this.bits;
    // g_i = (h1 + i*h2) mod m, stepped as g + (h2 mod m), minus m on overflow.
    const index = modUint32(key.lo >>> 0, m, this.reciprocal);
    const step = modUint32(key.hi >>> 0, m, this.reciprocal);
    if (this.wordProbes) {
      // Branch-free in int32: t = g + step - m is negative exactly when
      // g + step < m, and then t >> 31 = -1 adds m back. A data-dependent
      // branch here mispredicts about half the time. Bit g is bit g mod 32
      // of word g >> 5; `1 << g` takes the shift mod 32 itself, one
      // instruction fewer per probe than addressing bytes.
      // Two probes per iteration: 15-20 % faster than one in an A/B (V8
      // does not unroll it; four per iteration measured slower than two).
      const words = this.words;
      const back = (step - m) | 0;
      let g = index | 0;
      let i = this.hashes;
      for (; i > 1; i -= 2) {
        words[g >>> 5] |= 1 << g;
        let t = (g + back) | 0;
        g = t + (m & (t >> 31));
        words[g >>> 5] |= 1 << g;
        t = (g + back) | 0;
        g = t + (m & (t >> 31));
      }
      if (i === 1) words[g >>> 5] |= 1 << g;
      return this;
    }
    this.setBytes(index, step);
    return this;
  }

  /**
   * The probes of `addHashed` on bytes, in doubles (every value stays below
   * 2^33, exact): filters above 2^31 - 1 bits and big-endian hosts. Out of
   * line, so that `addHashed` stays small enough for V8 to inline.
   */
  private setBytes(index: number, step: number): void {
    const m = this.bits;
    const data = this.data;
    for (let i = this.hashes; i > 0; i--) {
      data[index >>> 3] |= 1 << (index & 7);
      index += step;
      if (index >= m) index -= m;
    }
  }

  /**
   * Whether `item` may have been added: `false` is certain, `true` is wrong
   * with probability about {@link BloomFilter.estimatedFalsePositiveRate}.
   *
   * @example
   * ```ts
   * import { BloomFilter } from "papertrail/sketches";
   * const filter = new BloomFilter({ capacity: 100, falsePositiveRate: 0.01 }).add("alice");
   * [filter.has("alice"), filter.has("mallory")]; // => [true, false]
   * ```
   */
  has(item: Hashable): boolean {
    hashItemInto(item, this.seed, scratch);
    return this.hasHashed(scratch);
  }

  /**
   * {@link BloomFilter.has} for an already-hashed item; the key must have
   * been hashed with this filter's seed.
   *
   * @example
   * ```ts
   * import { BloomFilter } from "papertrail/sketches";
   * import { HashedKey } from "papertrail/hashing";
   * new BloomFilter({ capacity: 100, falsePositiveRate: 0.01 }).add("bob").hasHashed(HashedKey.of("bob")); // => true
   * ```
   */
  hasHashed(key: Hash64Out): boolean {
    const m = this.bits;
    const index = modUint32(key.lo >>> 0, m, this.reciprocal);
    const step = modUint32(key.hi >>> 0, m, this.reciprocal);
    if (this.wordProbes) {
      // The same walk as addHashed, two probes per iteration.
      const words = this.words;
      const back = (step - m) | 0;
      let g = index | 0;
      let i = this.hashes;
      for (; i > 1; i -= 2) {
        if ((words[g >>> 5] & (1 << g)) === 0) return false;
        let t = (g + back) | 0;
        g = t + (m & (t >> 31));
        if ((words[g >>> 5] & (1 << g)) === 0) return false;
        t = (g + back) | 0;
        g = t + (m & (t >> 31));
      }
      return i === 0 || (words[g >>> 5] & (1 << g)) !== 0;
    }
    return this.testBytes(index, step);
  }

  /** The probes of `hasHashed` on bytes, in doubles (see `setBytes`). */
  private testBytes(index: number, step: number): boolean {
    const m = this.bits;
    const data = this.data;
    for (let i = this.hashes; i > 0; i--) {
      if ((data[index >>> 3] & (1 << (index & 7))) === 0) return false;
      index += step;
      if (index >= m) index -= m;
    }
    return true;
  }

  /**
   * Adds every item of `other` to this filter (bitwise OR). Both must have
   * the same bits, hashes and seed, else a `ParameterMismatchError` names both.
   *
   * @example
   * ```ts
   * import { BloomFilter } from "papertrail/sketches";
   * const a = new BloomFilter({ capacity: 100, falsePositiveRate: 0.01 }).add("alice");
   * const b = new BloomFilter({ capacity: 100, falsePositiveRate: 0.01 }).add("bob");
   * a.merge(b).has("bob"); // => true
   * ```
   */
  merge(other: BloomFilter): this {
    requireShape(this, other);
    const target = this.words;
    const source = other.words;
    // Four words per iteration: a quarter of the loop and bounds-check overhead.
    const n = target.length;
    const end = n - (n & 3);
    let i = 0;
    for (; i < end; i += 4) {
      target[i] = (target[i] as number) | (source[i] as number);
      target[i + 1] = (target[i + 1] as number) | (source[i + 1] as number);
      target[i + 2] = (target[i + 2] as number) | (source[i + 2] as number);
      target[i + 3] = (target[i + 3] as number) | (source[i + 3] as number);
    }
    for (; i < n; i++) target[i] = (target[i] as number) | (source[i] as number);
    return this;
  }

  /**
   * An independent copy.
   *
   * @example
   * ```ts
   * import { BloomFilter } from "papertrail/sketches";
   * const a = new BloomFilter({ capacity: 100, falsePositiveRate: 0.01 }).add("alice");
   * const b = a.clone().add("bob");
   * [a.has("bob"), b.has("bob"), b.has("alice")]; // => [false, true, true]
   * ```
   */
  clone(): BloomFilter {
    const copy = new BloomFilter({ bits: this.bits, hashes: this.hashes, seed: this.seed });
    copy.words.set(this.words);
    return copy;
  }

  /**
   * Same shape, seed and bits.
   *
   * @example
   * ```ts
   * import { BloomFilter } from "papertrail/sketches";
   * const a = new BloomFilter({ bits: 64, hashes: 3 }).add("x");
   * [a.equals(a.clone()), a.equals(new BloomFilter({ bits: 64, hashes: 3 }))]; // => [true, false]
   * ```
   */
  equals(other: BloomFilter): boolean {
    if (!(other instanceof BloomFilter) || !sameShape(this, other)) return false;
    const a = this.words;
    const b = other.words;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }

  /**
   * Number of set bits, `X` (a popcount over the array, O(bits / 32)).
   *
   * @example
   * ```ts
   * import { BloomFilter } from "papertrail/sketches";
   * new BloomFilter({ bits: 1 << 20, hashes: 3 }).add("alice").bitCount; // => 3
   * ```
   */
  get bitCount(): number {
    const words = this.words;
    let count = 0;
    for (let i = 0; i < words.length; i++) {
      // SWAR popcount (Hacker's Delight 5-1).
      let v = words[i] as number;
      v = v - ((v >>> 1) & 0x55555555);
      v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
      count += Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
    }
    return count;
  }

  /**
   * The false-positive rate implied by the current fill: `(X / m)^k`, the
   * probability that `k` probes of a new item all land on set bits.
   *
   * @example
   * ```ts
   * import { BloomFilter } from "papertrail/sketches";
   * const filter = new BloomFilter({ capacity: 1000, falsePositiveRate: 0.01 });
   * filter.estimatedFalsePositiveRate(); // => 0
   * for (let i = 0; i < 1000; i++) filter.add(`user-${i}`);
   * Math.abs(filter.estimatedFalsePositiveRate() - 0.01) < 0.003; // => true
   * ```
   */
  estimatedFalsePositiveRate(): number {
    return Math.pow(this.bitCount / this.bits, this.hashes);
  }

  /**
   * Estimated number of distinct items added, from the fill (Swamidass &
   * Baldi 2007): `n = -(m / k) ln(1 - X / m)`; `Infinity` when every bit is set.
   *
   * @example
   * ```ts
   * import { BloomFilter } from "papertrail/sketches";
   * const filter = new BloomFilter({ capacity: 10_000, falsePositiveRate: 0.01 });
   * for (let i = 0; i < 5000; i++) filter.add(`user-${i}`);
   * Math.abs(filter.estimatedItemCount() / 5000 - 1) < 0.03; // => true
   * ```
   */
  estimatedItemCount(): number {
    const m = this.bits;
    const set = this.bitCount;
    if (set >= m) return Infinity;
    return (-m / this.hashes) * Math.log1p(-set / m);
  }

  /**
   * Bytes of the bit array, `ceil(bits / 8)`.
   *
   * @example
   * ```ts
   * import { BloomFilter } from "papertrail/sketches";
   * new BloomFilter({ bits: 100, hashes: 2 }).sizeInBytes; // => 13
   * ```
   */
  get sizeInBytes(): number {
    return this.data.length;
  }

  /**
   * Names the filter's parameters, as in error messages.
   *
   * @example
   * ```ts
   * import { BloomFilter } from "papertrail/sketches";
   * new BloomFilter({ bits: 958506, hashes: 7 }).describe(); // => "BloomFilter(bits=958506, hashes=7, seed=0xadc83b19)"
   * ```
   */
  describe(): string {
    return describeShape(this);
  }

  /** Same as {@link BloomFilter.describe}. */
  toString(): string {
    return this.describe();
  }

  /**
   * The filter's binary image (family 0x02, version 1; `docs/format.md`):
   * 20 header bytes, then the bit array.
   *
   * @example
   * ```ts
   * import { BloomFilter } from "papertrail/sketches";
   * new BloomFilter({ bits: 64, hashes: 3 }).toBytes().length; // => 28
   * ```
   */
  toBytes(): Uint8Array {
    const writer = new ByteWriter(HEADER_BYTES + this.data.length);
    writePreamble(writer, Family.BloomFilter, VERSION, 0);
    writer.u32(this.bits).u8(this.hashes).u8(0).u16(0).u32(this.seed);
    writer.bytes(this.data);
    return writer.finish();
  }

  /**
   * Parses an image written by {@link BloomFilter.toBytes}; throws a
   * `DecodeError` on anything else, before allocating more than the input
   * could describe.
   *
   * @example
   * ```ts
   * import { BloomFilter } from "papertrail/sketches";
   * const filter = BloomFilter.fromBytes(new BloomFilter({ bits: 64, hashes: 3 }).add("alice").toBytes());
   * filter.has("alice"); // => true
   * ```
   */
  static fromBytes(bytes: Uint8Array): BloomFilter {
    const reader = new ByteReader(bytes, "BloomFilter image");
    const { flags } = readPreamble(reader, Family.BloomFilter, [VERSION]);
    if (flags !== 0) reader.invalid(`unknown flags 0x${flags.toString(16)}`);
    const bits = reader.u32("bits");
    if (bits < 1) reader.invalid("bits must be at least 1, got 0");
    const hashes = reader.u8("hashes");
    if (hashes < 1 || hashes > MAX_HASHES) reader.invalid(`hashes must be in [1, ${MAX_HASHES}], got ${hashes}`);
    if ((reader.u8("reserved") | reader.u16("reserved")) !== 0) reader.invalid("reserved bytes after hashes must be zero");
    const seed = reader.u32("seed");
    const byteLength = Math.ceil(bits / 8);
    reader.requireElements(byteLength, 1, "bit array");
    const array = reader.bytesView(byteLength, "bit array");
    const usedInLastByte = bits & 7;
    if (usedInLastByte !== 0 && ((array[byteLength - 1] as number) >>> usedInLastByte) !== 0) {
      throw new DecodeError(
        "invalid-field",
        `BloomFilter image: bits ${bits} and above are set in the last byte of the bit array`,
        reader.offset - 1,
      );
    }
    reader.expectEnd();
    const filter = new BloomFilter({ bits, hashes, seed });
    filter.data.set(array);
    return filter;
  }

  /**
   * The {@link ImageCodec} of Bloom filters, for envelopes.
   *
   * @example
   * ```ts
   * import { BloomFilter } from "papertrail/sketches";
   * import { createEnvelope } from "papertrail/codec";
   * const envelope = createEnvelope({ codecs: [BloomFilter.codec] });
   * const state = new Map([["logins", new BloomFilter({ bits: 64, hashes: 3 }).add("alice")]]);
   * (envelope.decode(envelope.encode(state)) as typeof state).get("logins")?.has("alice"); // => true
   * ```
   */
  static readonly codec: ImageCodec<BloomFilter> = sketchCodec(Family.BloomFilter, "BloomFilter", BloomFilter, (bytes) => BloomFilter.fromBytes(bytes));

  /**
   * The union monoid of filters with the given parameters: `empty` is a
   * fresh empty filter, `combine` ORs copies (never its inputs), and
   * `combineAll` ORs everything into one new buffer. Commutative and idempotent.
   *
   * @example
   * ```ts
   * import { BloomFilter } from "papertrail/sketches";
   * const union = BloomFilter.monoid({ capacity: 1000, falsePositiveRate: 0.01 });
   * const day1 = union.empty.add("alice");
   * const day2 = union.empty.add("bob");
   * const week = union.combineAll([day1, day2]);
   * [week.has("alice"), week.has("bob"), day1.has("bob")]; // => [true, true, false]
   * ```
   */
  static monoid(parameters: BloomFilterOptions): Monoid<BloomFilter> {
    // The constructor validates the parameters; the monoid keeps only the
    // shape, not the filter (whose bit array may be large).
    const { bits, hashes, seed } = new BloomFilter(parameters);
    const shape: BloomShape = { bits, hashes, seed };
    return mergeMonoid(() => new BloomFilter(shape), { check: (first) => requireShape(shape, first) });
  }

}

// `instanceof BloomFilter` holds for sketches of any copy of PaperTrail 1.x (src/brand.ts).
brand(BloomFilter, "BloomFilter");

/** The parameters that make two filters mergeable. */
interface BloomShape {
  readonly bits: number;
  readonly hashes: number;
  readonly seed: number;
}

function sameShape(a: BloomShape, b: BloomShape): boolean {
  return a.bits === b.bits && a.hashes === b.hashes && a.seed === b.seed;
}

function describeShape(shape: BloomShape): string {
  return `BloomFilter(bits=${shape.bits}, hashes=${shape.hashes}, seed=0x${shape.seed.toString(16)})`;
}

/** Throws `ParameterMismatchError`, naming both, unless `other` is a filter of `expected`'s shape. */
function requireShape(expected: BloomShape, other: unknown): void {
  if (!(other instanceof BloomFilter)) {
    throw new ParameterMismatchError(describeShape(expected), describeValue(other), "not a BloomFilter");
  }
  if (!sameShape(expected, other)) throw new ParameterMismatchError(describeShape(expected), other.describe());
}

function checkShape(bits: number, hashes: number): void {
  if (!Number.isInteger(bits) || bits < 1 || bits > MAX_BITS) {
    throw new InvalidArgumentError(`BloomFilter bits must be an integer in [1, ${MAX_BITS}], got ${bits}`);
  }
  if (!Number.isInteger(hashes) || hashes < 1 || hashes > MAX_HASHES) {
    throw new InvalidArgumentError(`BloomFilter hashes must be an integer in [1, ${MAX_HASHES}], got ${hashes}`);
  }
}

/**
 * `x mod m` for unsigned 32-bit `x` and `1 <= m <= 2^32 - 1`, given
 * `reciprocal = 1 / m` (rounded to a double), in inline double arithmetic.
 * (V8 compiles `%` on values above 2^31 to a call to a float modulo, which
 * made `addHashed` about 40% slower; a division per call cost 10-15 % more
 * than this multiply.) `x * reciprocal` is within `2^-20` of `x / m` (two
 * roundings, relative error below `2^-52`, and `x / m < 2^32`), so its floor
 * is `floor(x / m)` or one off it; `x - q * m` is then exact (below `2^33`)
 * and in `[-m, 2m)`, and one correction, taken only when `x / m` is within
 * `2^-20` of an integer (so almost never, and well predicted), makes it exact.
 *
 * @internal
 */
export function modUint32(x: number, m: number, reciprocal: number): number {
  const r = x - Math.floor(x * reciprocal) * m;
  return r < 0 ? r + m : r >= m ? r - m : r;
}

function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "object") return (value as object).constructor?.name ?? "object";
  return typeof value;
}
