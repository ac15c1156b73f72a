import { brand } from "../brand.js";
import { Approximate } from "../algebra/approximate.js";
import type { Monoid } from "../algebra/monoid.js";
import { ByteWriter } from "../codec/byte-writer.js";
import { littleEndianHost } from "../codec/host-byte-order.js";
import type { ImageCodec } from "../codec/image-codec.js";
import { Family, writePreamble } from "../codec/preamble.js";
import { DecodeError, InvalidArgumentError, ParameterMismatchError } from "../errors.js";
import { HashedKey, hashItemInto, type Hashable } from "../hashing/hashed-key.js";
import { REDIS_HLL_SEED, type Hash64Out } from "../hashing/murmur64a.js";
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
import { mergeMonoid, sketchCodec } from "./merge-instances.js";

/**
 * Image versions, one per probe scheme: version 2 (enhanced double hashing,
 * written by every new filter) and version 1 (Kirsch–Mitzenmacher double
 * hashing, still read; a decoded version-1 filter keeps probing that way).
 */
type ProbeScheme = 1 | 2;
const VERSION = 2;
const VERSION_1 = 1;
const OPTION_KEYS = ["capacity", "falsePositiveRate", "bits", "hashes", "seed"] as const;
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
 * `bits` and `hashes`; a mix of the two forms does not compile, and unknown
 * keys throw `InvalidArgumentError`. `seed` is the item-hash seed (default
 * Redis's `0xadc83b19`, the seed of every PaperTrail sketch, so one
 * `HashedKey` feeds them all).
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
  | {
      readonly capacity: number;
      readonly falsePositiveRate: number;
      readonly seed?: number;
      readonly bits?: never;
      readonly hashes?: never;
    }
  | {
      readonly bits: number;
      readonly hashes: number;
      readonly seed?: number;
      readonly capacity?: never;
      readonly falsePositiveRate?: never;
    };

/**
 * A Bloom filter (Bloom 1970): set membership with no false negatives and a
 * tunable false-positive rate, in `ceil(bits / 8)` bytes. `add` and `merge`
 * mutate the filter and return it; merging is a bitwise OR, so the merge of
 * filters built on parts of a stream equals the filter of the whole stream.
 *
 * Each item is hashed once (MurmurHash64A of its canonical bytes, see
 * `Hashable`); its `k` probe positions come from the two 32-bit halves,
 * read unsigned, `a = lo mod m`, `b = hi mod m`, by enhanced double hashing
 * (after Dillinger & Manolios, "Bloom Filters in Probabilistic
 * Verification", 2004): `g_i = (a + i b + i(i+1)(i+2)/6) mod m` for
 * `i = 0..k-1`. Unlike plain double hashing, a zero step (`b = 0`) does not
 * put every probe on one bit. Filters decoded from version-1 images keep
 * version 1's plain double hashing, `g_i = (a + i b) mod m`, and answer as
 * they did (docs/format.md).
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
export class BloomFilter implements Sketch<BloomFilter, Hashable> {
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
   * The probe scheme, which is the image version: 2 for every new filter,
   * 1 for a filter decoded from a version-1 image. Set only by `fromBytes`
   * and `clone`.
   */
  private scheme: ProbeScheme;
  /**
   * Whether probes take the inline path, in int32 arithmetic on 32-bit
   * words: version-2 filters of up to 2^31 - 1 bits (256 MiB) on
   * little-endian hosts, where bit `i` of the format (byte `i >> 3`, bit
   * `i & 7`) is bit `i & 31` of word `i >> 5`. Otherwise probes address
   * bytes in double arithmetic, out of line.
   */
  private wordProbes: boolean;
  /**
   * `m - k(k-1)/2`: keys whose step `b = hi mod m` is below it walk the
   * inline path, where the step (which grows to `b + k(k-1)/2`) never
   * needs reducing mod m; the others take the byte path.
   */
  private readonly noWrapBelow: number;

  /**
   * @param options the size form `{ capacity, falsePositiveRate }` or the shape form `{ bits, hashes }`, and the seed.
   * @param storage where the bit array comes from; default: its own buffer.
   */
  constructor(options: BloomFilterOptions, storage?: SketchStorage) {
    checkOptionKeys("BloomFilter", options, OPTION_KEYS);
    const bySize = "capacity" in options || "falsePositiveRate" in options;
    const byShape = "bits" in options || "hashes" in options;
    if (bySize === byShape) {
      throw new InvalidArgumentError(
        "BloomFilter needs either { capacity, falsePositiveRate } or { bits, hashes } (exactly one of the two forms)",
      );
    }
    let bits: number;
    let hashes: number;
    if (options.capacity !== undefined && options.falsePositiveRate !== undefined) {
      ({ bits, hashes } = BloomFilter.optimalParameters(options.capacity, options.falsePositiveRate));
    } else if (options.bits !== undefined && options.hashes !== undefined) {
      bits = options.bits;
      hashes = options.hashes;
      checkShape(bits, hashes);
    } else {
      throw new InvalidArgumentError(`BloomFilter: give both ${bySize ? "capacity and falsePositiveRate" : "bits and hashes"}`);
    }
    this.seed = checkSeed("BloomFilter", options.seed ?? REDIS_HLL_SEED);
    this.bits = bits;
    this.reciprocal = 1 / bits;
    this.hashes = hashes;
    const byteLength = Math.ceil(bits / 8);
    // Padded to whole words.
    const storageBytes = allocate(storage, Math.ceil(byteLength / 4) * 4);
    const { buffer, byteOffset } = storageBytes;
    this.data = new Uint8Array(buffer, byteOffset, byteLength);
    this.words = new Uint32Array(buffer, byteOffset, Math.ceil(byteLength / 4));
    this.scheme = VERSION;
    this.noWrapBelow = bits - (hashes * (hashes - 1)) / 2;
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
    const x0 = modUint32(key.lo >>> 0, m, this.reciprocal);
    const y0 = modUint32(key.hi >>> 0, m, this.reciprocal);
    if (this.wordProbes && y0 < this.noWrapBelow) {
      // g_0 = a; then y += i and g += y (mod m) for i = 1..k-1, which sums
      // to g_i = a + i b + i(i+1)(i+2)/6. For b below m - k(k-1)/2 (all
      // but a fraction k(k-1)/(2m) of keys, which take setBytes) y never
      // reaches m, so it needs no reduction. In int32: y is kept as y - m,
      // negative, so g + (y - m) is in [-m, m) and cannot overflow; a
      // negative sum gets m back branch-free (t >> 31 is -1), where a branch
      // would mispredict half the time. Bit g is bit g mod 32 of word
      // g >> 5; `1 << g` takes the shift mod 32 itself. Two probes per
      // iteration (V8 does not unroll).
      const words = this.words;
      const k = this.hashes;
      let g = x0 | 0;
      let y = (y0 - m) | 0;
      words[g >>> 5] |= 1 << g;
      let i = 1;
      for (; i < k - 1; i += 2) {
        y = (y + i) | 0;
        let t = (g + y) | 0;
        g = t + (m & (t >> 31));
        words[g >>> 5] |= 1 << g;
        y = (y + i + 1) | 0;
        t = (g + y) | 0;
        g = t + (m & (t >> 31));
        words[g >>> 5] |= 1 << g;
      }
      if (i < k) {
        y = (y + i) | 0;
        const t = (g + y) | 0;
        g = t + (m & (t >> 31));
        words[g >>> 5] |= 1 << g;
      }
      return this;
    }
    this.setBytes(x0, y0);
    return this;
  }

  /**
   * The probes of `addHashed` on bytes, in doubles (every value stays below
   * 2^33, exact): version-1 filters, filters above 2^31 - 1 bits,
   * big-endian hosts, and keys whose step comes within k(k-1)/2 of m. Out of line, so that `addHashed` stays small enough
   * for V8 to inline.
   */
  private setBytes(g: number, y: number): void {
    const m = this.bits;
    const data = this.data;
    const enhanced = this.scheme === 2;
    data[g >>> 3] |= 1 << (g & 7);
    for (let i = 1; i < this.hashes; i++) {
      if (enhanced) y = stepUp(y, i, m);
      g += y;
      if (g >= m) g -= m;
      data[g >>> 3] |= 1 << (g & 7);
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
    const x0 = modUint32(key.lo >>> 0, m, this.reciprocal);
    const y0 = modUint32(key.hi >>> 0, m, this.reciprocal);
    if (this.wordProbes && y0 < this.noWrapBelow) {
      // The same walk as addHashed, two probes per iteration.
      const words = this.words;
      const k = this.hashes;
      let g = x0 | 0;
      let y = (y0 - m) | 0;
      if ((words[g >>> 5] & (1 << g)) === 0) return false;
      let i = 1;
      for (; i < k - 1; i += 2) {
        y = (y + i) | 0;
        let t = (g + y) | 0;
        g = t + (m & (t >> 31));
        if ((words[g >>> 5] & (1 << g)) === 0) return false;
        y = (y + i + 1) | 0;
        t = (g + y) | 0;
        g = t + (m & (t >> 31));
        if ((words[g >>> 5] & (1 << g)) === 0) return false;
      }
      if (i < k) {
        y = (y + i) | 0;
        const t = (g + y) | 0;
        g = t + (m & (t >> 31));
        return (words[g >>> 5] & (1 << g)) !== 0;
      }
      return true;
    }
    return this.testBytes(x0, y0);
  }

  /** The probes of `hasHashed` on bytes, in doubles (see `setBytes`). */
  private testBytes(g: number, y: number): boolean {
    const m = this.bits;
    const data = this.data;
    const enhanced = this.scheme === 2;
    if ((data[g >>> 3] & (1 << (g & 7))) === 0) return false;
    for (let i = 1; i < this.hashes; i++) {
      if (enhanced) y = stepUp(y, i, m);
      g += y;
      if (g >= m) g -= m;
      if ((data[g >>> 3] & (1 << (g & 7))) === 0) return false;
    }
    return true;
  }

  /**
   * Adds every item of `other` to this filter (bitwise OR). Both must have
   * the same bits, hashes, seed and probe scheme, else a
   * `ParameterMismatchError` names both (a filter decoded from a version-1
   * image merges only with version-1 filters of its shape).
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
    BloomFilter.requireMergeable(this.parameters(), other);
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
   * An independent copy (with the same probe scheme).
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
    copy.useScheme(this.scheme);
    copy.words.set(this.words);
    return copy;
  }

  /** Switches a fresh filter to `scheme` (clone and fromBytes only). */
  private useScheme(scheme: ProbeScheme): void {
    this.scheme = scheme;
    if (scheme !== VERSION) this.wordProbes = false;
  }

  /**
   * Same shape, seed, probe scheme and bits.
   *
   * @example
   * ```ts
   * import { BloomFilter } from "papertrail/sketches";
   * const a = new BloomFilter({ bits: 64, hashes: 3 }).add("x");
   * [a.equals(a.clone()), a.equals(new BloomFilter({ bits: 64, hashes: 3 }))]; // => [true, false]
   * ```
   */
  equals(other: BloomFilter): boolean {
    if (!(other instanceof BloomFilter) || !BloomFilter.mergeable(this.parameters(), other)) return false;
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
   * The number of distinct items added, estimated from the fill `X`
   * (Swamidass & Baldi 2007): `n = -(m / k) ln(1 - X / m)` (raised to
   * `ceil(X / k)` if below it), `Infinity` when every bit is set. The interval holds the true number with probability
   * about `confidence`: it is the set of `n` under which the observed `X`
   * lies within `z` standard deviations of its mean, where `X` is modelled
   * as the occupancy of `m` bins after `kn` uniform probes (mean
   * `m (1 - (1 - 1/m)^kn)`, variance from the same model, with a half-bit
   * continuity correction), and never below `ceil(X / k)`, a hard bound
   * (an item sets at most `k` bits). docs/sketches.md derives it; the
   * tests measure its coverage over seeded trials.
   *
   * @param confidence - probability in (0, 1); default 0.95
   *
   * @example
   * ```ts
   * import { BloomFilter } from "papertrail/sketches";
   * const filter = new BloomFilter({ capacity: 10_000, falsePositiveRate: 0.01 });
   * for (let i = 0; i < 5000; i++) filter.add(`user-${i}`);
   * const users = filter.estimate();
   * [Math.abs(users.estimate / 5000 - 1) < 0.03, users.contains(5000), users.probability]; // => [true, true, 0.95]
   * ```
   */
  estimate(confidence = 0.95): Approximate {
    const z = twoSidedZ(confidence);
    const m = this.bits;
    const k = this.hashes;
    const set = this.bitCount;
    if (set === 0) return new Approximate(0, 0, 0, confidence);
    const atLeast = Math.ceil(set / k);
    const estimate = set >= m ? Infinity : Math.max(atLeast, (-m / k) * Math.log1p(-set / m));
    // Lower end: the n whose mean plus z deviations reaches X - 1/2; upper
    // end: the n whose mean minus z deviations reaches X + 1/2 (none when X
    // is within reach of a full filter).
    const lower = Math.max(atLeast, solveOccupancy(m, k, (mean, sd) => mean + z * sd >= set - 0.5));
    const upper = set + 0.5 >= m ? Infinity : solveOccupancy(m, k, (mean, sd) => mean - z * sd > set + 0.5);
    return new Approximate(estimate, Math.min(lower, estimate), Math.max(upper, estimate), confidence);
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
   * Names the filter's parameters, as in error messages; a filter decoded
   * from a version-1 image says so (`probes=v1`).
   *
   * @example
   * ```ts
   * import { BloomFilter } from "papertrail/sketches";
   * new BloomFilter({ bits: 958506, hashes: 7 }).describe(); // => "BloomFilter(bits=958506, hashes=7, seed=0xadc83b19)"
   * ```
   */
  describe(): string {
    return describeParameters(this.parameters());
  }

  /** Same as {@link BloomFilter.describe}. */
  toString(): string {
    return this.describe();
  }

  /**
   * The filter's binary image (family 0x02; `docs/format.md`): 20 header
   * bytes, then the bit array. Version 2, or version 1 for a filter decoded
   * from a version-1 image (its probe scheme).
   *
   * @example
   * ```ts
   * import { BloomFilter } from "papertrail/sketches";
   * new BloomFilter({ bits: 64, hashes: 3 }).toBytes().length; // => 28
   * ```
   */
  toBytes(): Uint8Array<ArrayBuffer> {
    const writer = new ByteWriter(HEADER_BYTES + this.data.length);
    writePreamble(writer, Family.BloomFilter, this.scheme, 0);
    writer.u32(this.bits).u8(this.hashes).u8(0).u16(0).u32(this.seed);
    writer.bytes(this.data);
    return writer.finish();
  }

  /**
   * Parses an image written by {@link BloomFilter.toBytes} (version 2, or
   * version 1: that filter keeps probing the version-1 way); throws a
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
    const { reader, version } = openImage(bytes, "BloomFilter", Family.BloomFilter, [VERSION, VERSION_1]);
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
    filter.useScheme(version === VERSION_1 ? VERSION_1 : VERSION);
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
   * The union monoid of filters with the given options: `empty` is a fresh
   * empty filter, `combine` ORs copies (never its inputs), and `combineAll`
   * ORs everything into one new buffer. Commutative and idempotent. Its
   * filters are version-2 filters: one decoded from a version-1 image is
   * refused (merge it with `merge`, into version-1 filters of its shape).
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
  static monoid(options: BloomFilterOptions): Monoid<BloomFilter> {
    // The constructor validates the options; the monoid keeps only the
    // shape, not the filter (whose bit array may be large).
    const { bits, hashes, seed } = new BloomFilter(options);
    const parameters: BloomParameters = { bits, hashes, seed, scheme: VERSION };
    return mergeMonoid(() => new BloomFilter({ bits, hashes, seed }), { check: (first) => BloomFilter.requireMergeable(parameters, first) });
  }

  /** What merging needs equal: shape, seed and probe scheme. */
  private parameters(): BloomParameters {
    return { bits: this.bits, hashes: this.hashes, seed: this.seed, scheme: this.scheme };
  }

  private static mergeable(expected: BloomParameters, other: BloomFilter): boolean {
    return other.bits === expected.bits && other.hashes === expected.hashes && other.seed === expected.seed && other.scheme === expected.scheme;
  }

  /**
   * Throws `ParameterMismatchError`, naming both, unless `other` is a filter
   * with `expected`'s parameters (the check of `merge` and of the monoid); a
   * version-1 filter against a version-2 one, or the other way round, is
   * told why.
   */
  private static requireMergeable(expected: BloomParameters, other: unknown): asserts other is BloomFilter {
    const description = describeParameters(expected);
    if (other instanceof BloomFilter && other.scheme !== expected.scheme) {
      throw new ParameterMismatchError(
        description,
        other.describe(),
        "their probe schemes differ: a filter decoded from a version-1 image merges only with version-1 filters of the same bits, hashes and seed",
      );
    }
    requireCompatible(BloomFilter, description, other, (filter) => BloomFilter.mergeable(expected, filter));
  }
}

BloomFilter satisfies SketchClass<BloomFilter, BloomFilterOptions>;

// `instanceof BloomFilter` holds for sketches of any copy of PaperTrail 1.x (src/brand.ts).
brand(BloomFilter, "BloomFilter");

/** The parameters that make two filters mergeable. */
interface BloomParameters {
  readonly bits: number;
  readonly hashes: number;
  readonly seed: number;
  readonly scheme: ProbeScheme;
}

function describeParameters({ bits, hashes, seed, scheme }: BloomParameters): string {
  return `BloomFilter(bits=${bits}, hashes=${hashes}, seed=0x${seed.toString(16)}${scheme === VERSION ? "" : `, probes=v${scheme}`})`;
}

/** `(y + i) mod m` for `y < m` and `i < 64`: one subtraction unless `m <= i` (filters below 64 bits). */
function stepUp(y: number, i: number, m: number): number {
  const sum = y + i;
  return sum < m ? sum : sum < 2 * m ? sum - m : sum % m;
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
 * Mean and standard deviation of the number of occupied bins after `balls`
 * uniform throws into `m` bins (the classical occupancy problem): with
 * `a = (1 - 1/m)^balls` and `b = (1 - 2/m)^balls`, mean `m (1 - a)` and
 * variance `m a (1 - a) - m (m - 1) (a^2 - b)`, where
 * `a^2 - b = b expm1(balls log1p(1 / (m (m - 2))))` avoids the cancellation
 * of the textbook form.
 */
function occupancy(m: number, balls: number): { mean: number; sd: number } {
  if (balls === 0) return { mean: 0, sd: 0 };
  const a = Math.exp(balls * Math.log1p(-1 / m));
  if (m <= 2) {
    // m = 1: one bin, full after the first throw; m = 2: b = 0 for balls > 0.
    const b = 0;
    return { mean: m * (1 - a), sd: Math.sqrt(Math.max(0, m * a + m * (m - 1) * b - m * m * a * a)) };
  }
  const b = Math.exp(balls * Math.log1p(-2 / m));
  const variance = m * a * (1 - a) - m * (m - 1) * b * Math.expm1(balls * Math.log1p(1 / (m * (m - 2))));
  return { mean: m * (1 - a), sd: Math.sqrt(Math.max(0, variance)) };
}

/**
 * The smallest item count `n` (to a relative 1e-9) for which `reached` holds
 * of the occupancy after `k n` probes into `m` bits, by bisection (the
 * conditions used are monotone in `n` over the range that matters).
 */
function solveOccupancy(m: number, k: number, reached: (mean: number, sd: number) => boolean): number {
  const at = (n: number): boolean => {
    const { mean, sd } = occupancy(m, k * n);
    return reached(mean, sd);
  };
  if (at(0)) return 0;
  let high = Math.max(1, m / k);
  while (!at(high)) {
    high *= 2;
    if (high > 1e300) return Infinity;
  }
  let low = 0;
  // 200 halvings: far past the 1e-9 relative width from any start.
  for (let step = 0; step < 200 && high - low > 1e-9 * high; step++) {
    const middle = (low + high) / 2;
    if (at(middle)) high = middle;
    else low = middle;
  }
  return high;
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
