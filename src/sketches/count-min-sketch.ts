import { brand } from "../brand.js";
import { Approximate } from "../algebra/approximate.js";
import type { Monoid } from "../algebra/monoid.js";
import { ByteWriter } from "../codec/byte-writer.js";
import { littleEndianHost } from "../codec/host-byte-order.js";
import type { ImageCodec } from "../codec/image-codec.js";
import { Family, writePreamble } from "../codec/preamble.js";
import { DecodeError, InvalidArgumentError } from "../errors.js";
import { HashedKey, hashItemInto, type Hashable } from "../hashing/hashed-key.js";
import { REDIS_HLL_SEED, type Hash64Out } from "../hashing/murmur64a.js";
import { mulHigh32 } from "../hashing/uint64.js";
import {
  allocate,
  checkOptionKeys,
  checkSeed,
  openImage,
  requireCompatible,
  type SketchClass,
  type SketchStorage,
  type WeightedSketch,
} from "./sketch.js";
import { mergeMonoid, sketchCodec } from "./merge-instances.js";

/**
 * Image version: counters placed by the row hash documented at `column`.
 * (No released image has version 1: it belonged to pre-release builds.)
 */
const VERSION = 2;
const OPTION_KEYS = ["epsilon", "delta", "width", "depth", "conservative", "seed"] as const;
const FLAG_CONSERVATIVE = 0x01;
/** Most rows: delta = e^-64 is about 1.6e-28, far below any useful failure probability. */
const MAX_DEPTH = 64;
/** Most counters (2^28 doubles = 2 GiB); also bounds width. */
const MAX_CELLS = 2 ** 28;
/** Bytes before the counters: preamble 8, width 4, depth 4, seed 4, total 8. */
const HEADER_BYTES = 28;

// Hot-path constants are function-local consts (see src/hashing/murmur64a.ts:
// a bundled module-level const becomes a var that V8 cannot fold).

// Scratch for one update or lookup: the item hash and, for conservative
// update (which visits the rows twice), the counter offset of each row.
// Module-level, so `add` and `frequency` allocate nothing. The item hash is a
// HashedKey, like the keys callers pass to addHashed: one object shape.
const scratch = new HashedKey();
const cells = new Uint32Array(MAX_DEPTH);

/**
 * The column of a key in row `row`, from the halves of its 64-bit item hash.
 *
 * Rows must be independent hashes of the key: Count-Min's bound multiplies
 * the per-row failure probabilities (1/e each), which assumes it. Deriving
 * row r as `h1 + r*h2` (as the `bloom-filters` npm package does) makes rows
 * collide together: two keys that agree on `(h1, h2) mod width` share every
 * row, so on a Zipf stream a rare key can inherit a top item's whole count in
 * all rows at once. Instead, row r combines the halves with two row
 * constants and runs the sum through MurmurHash3's 32-bit finalizer (fmix32,
 * a bijection with full avalanche, Appleby):
 *
 *     x = ((lo XOR a_r) + hi * b_r) mod 2^32
 *     a_r = (r + 1) * 0x9e3779b9 mod 2^32,  b_r = ((r + 1) * 0x27d4eb2f mod 2^32) OR 1
 *     column = floor(fmix32(x) * width / 2^32)      (multiply-high, Lemire 2019)
 *
 * For a fixed `hi`, x is a bijection of `lo`, and for a fixed `lo` one of
 * `hi` (b_r is odd), so every row is uniform; two keys agree on x in a row
 * with probability 2^-32, and beyond that the finalizer's avalanche makes
 * their columns in different rows behave independently. The tests measure
 * it: keys sharing all five cells with a given key are as rare as 1/w^5.
 */
function column(lo: number, hi: number, row: number, width: number): number {
  // MurmurHash3's fmix32, written out: calling the shared fmix32 here cost
  // addHashed 15-30 % in an A/B (column is itself inlined once per row).
  let h = ((lo ^ Math.imul(row + 1, 0x9e3779b9)) + Math.imul(hi, Math.imul(row + 1, 0x27d4eb2f) | 1)) | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  // floor(h * width / 2^32): one exact double product for widths up to 2^21
  // (the product stays below 2^53; dividing by 2^32 is exact), truncated by
  // `>>> 0` (the quotient is below 2^21): Math.floor returned a double that
  // the counter index then converted with checks, 4-12 % slower in an A/B.
  return width <= 2097152 ? (((h >>> 0) * width) / 4294967296) >>> 0 : mulHigh32(h, width);
}

/** Writes into `cells[0..depth)` the absolute counter offset of `key` in each row. */
function locate(key: Hash64Out, width: number, depth: number): void {
  const lo = key.lo;
  const hi = key.hi;
  for (let r = 0, base = 0; r < depth; r++, base += width) cells[r] = base + column(lo, hi, r, width);
}

/**
 * How to size a {@link CountMinSketch}: by the guarantee (`epsilon`,
 * `delta`: every frequency is overestimated by at most
 * `epsilon * totalWeight` with probability at least `1 - delta`), or
 * directly by `width` and `depth`; a mix of the two forms does not compile,
 * and unknown keys throw `InvalidArgumentError`. `conservative` turns on
 * conservative update (default off); `seed` is the item-hash seed (default
 * Redis's `0xadc83b19`).
 *
 * @example
 * ```ts
 * import { type CountMinSketchOptions, CountMinSketch } from "papertrail/sketches";
 * const byBound: CountMinSketchOptions = { epsilon: 0.001, delta: 0.01 };
 * const byShape: CountMinSketchOptions = { width: 2719, depth: 5 };
 * new CountMinSketch(byBound).equals(new CountMinSketch(byShape)); // => true
 * ```
 */
export type CountMinSketchOptions =
  | {
      readonly epsilon: number;
      readonly delta: number;
      readonly conservative?: boolean;
      readonly seed?: number;
      readonly width?: never;
      readonly depth?: never;
    }
  | {
      readonly width: number;
      readonly depth: number;
      readonly conservative?: boolean;
      readonly seed?: number;
      readonly epsilon?: never;
      readonly delta?: never;
    };

/**
 * A Count-Min sketch (Cormode & Muthukrishnan 2005): approximate counts of
 * items in a stream, in `width * depth` counters. A count is never
 * underestimated; it is overestimated by more than `epsilon * totalWeight` with
 * probability at most `delta`, where `width = ceil(e / epsilon)` and
 * `depth = ceil(ln(1 / delta))`.
 *
 * Counters are doubles: counts may be any finite non-negative numbers
 * (events, bytes), exact while every counter and the total stay below 2^53.
 * `add` and `merge` mutate the sketch and return it; merging adds counters,
 * so merging sketches of parts of a stream gives exactly the sketch of the
 * whole stream (without conservative update).
 *
 * With `conservative: true` (Estan & Varghese 2002) an update raises only
 * the counters that are below `min + count`, up to that value: still never
 * an underestimate, and often much closer on skewed streams.
 *
 * @example
 * ```ts
 * import { CountMinSketch } from "papertrail/sketches";
 * const failures = new CountMinSketch({ epsilon: 0.001, delta: 0.01 });
 * failures.add("alice", 3).add("bob");
 * failures.frequency("alice"); // => 3
 * failures.totalWeight; // => 4
 * [failures.width, failures.depth]; // => [2719, 5]
 * CountMinSketch.fromBytes(failures.toBytes()).equals(failures); // => true
 * ```
 */
export class CountMinSketch implements WeightedSketch<CountMinSketch, Hashable> {
  /** Counters per row, `w`. */
  readonly width: number;
  /** Rows, `d`. */
  readonly depth: number;
  /** Whether updates use conservative update (an update policy, not a shape). */
  readonly conservative: boolean;
  /** Seed of the item hash (unsigned 32-bit). */
  readonly seed: number;
  /** Row-major counters: row r, column c at `r * width + c`. */
  private readonly counters: Float64Array;
  private sum = 0;

  /**
   * @param options the bound form `{ epsilon, delta }` or the shape form `{ width, depth }`, and `conservative`, `seed`.
   * @param storage where the counters come from; default: their own buffer.
   */
  constructor(options: CountMinSketchOptions, storage?: SketchStorage) {
    checkOptionKeys("CountMinSketch", options, OPTION_KEYS);
    const byBound = "epsilon" in options || "delta" in options;
    const byShape = "width" in options || "depth" in options;
    if (byBound === byShape) {
      throw new InvalidArgumentError("CountMinSketch needs either { epsilon, delta } or { width, depth } (exactly one of the two forms)");
    }
    let width: number;
    let depth: number;
    if (options.epsilon !== undefined && options.delta !== undefined) {
      const { epsilon, delta } = options;
      if (typeof epsilon !== "number" || !(epsilon > 0 && epsilon < 1)) {
        throw new InvalidArgumentError(`CountMinSketch epsilon must be in (0, 1), got ${epsilon}`);
      }
      if (typeof delta !== "number" || !(delta > 0 && delta < 1)) {
        throw new InvalidArgumentError(`CountMinSketch delta must be in (0, 1), got ${delta}`);
      }
      width = Math.ceil(Math.E / epsilon);
      depth = Math.ceil(Math.log(1 / delta));
      if (depth > MAX_DEPTH) {
        throw new InvalidArgumentError(`CountMinSketch delta ${delta} needs ${depth} rows, more than the maximum ${MAX_DEPTH}`);
      }
      if (width * depth > MAX_CELLS) {
        throw new InvalidArgumentError(
          `CountMinSketch epsilon ${epsilon} and delta ${delta} need ${width} x ${depth} counters, more than the maximum ${MAX_CELLS}`,
        );
      }
    } else if (options.width !== undefined && options.depth !== undefined) {
      width = options.width;
      depth = options.depth;
      if (!Number.isInteger(width) || width < 1 || width > MAX_CELLS) {
        throw new InvalidArgumentError(`CountMinSketch width must be an integer in [1, ${MAX_CELLS}], got ${width}`);
      }
      if (!Number.isInteger(depth) || depth < 1 || depth > MAX_DEPTH) {
        throw new InvalidArgumentError(`CountMinSketch depth must be an integer in [1, ${MAX_DEPTH}], got ${depth}`);
      }
      if (width * depth > MAX_CELLS) {
        throw new InvalidArgumentError(`CountMinSketch width x depth = ${width * depth} counters is more than the maximum ${MAX_CELLS}`);
      }
    } else {
      throw new InvalidArgumentError(`CountMinSketch: give both ${byBound ? "epsilon and delta" : "width and depth"}`);
    }
    const conservative = options.conservative ?? false;
    if (typeof conservative !== "boolean") {
      throw new InvalidArgumentError(`CountMinSketch conservative must be a boolean, got ${String(conservative)}`);
    }
    const seed = checkSeed("CountMinSketch", options.seed ?? REDIS_HLL_SEED);
    this.width = width;
    this.depth = depth;
    this.conservative = conservative;
    this.seed = seed;
    const bytes = allocate(storage, width * depth * 8);
    this.counters = new Float64Array(bytes.buffer, bytes.byteOffset, width * depth);
  }

  /**
   * Adds `count` occurrences of `item` (default 1). `count` must be a finite
   * number `>= 0`.
   *
   * @example
   * ```ts
   * import { CountMinSketch } from "papertrail/sketches";
   * new CountMinSketch({ width: 100, depth: 3 }).add("GET /login", 2).add("GET /login").frequency("GET /login"); // => 3
   * ```
   */
  add(item: Hashable, count = 1): this {
    // addHashed checks count before it changes anything.
    hashItemInto(item, this.seed, scratch);
    return this.addHashed(scratch, count);
  }

  /**
   * Adds an already-hashed item ("hash once, feed many"). The key must have
   * been hashed with this sketch's seed (`key.set(item, sketch.seed)`; the
   * default seed of both is `REDIS_HLL_SEED`).
   *
   * @example
   * ```ts
   * import { CountMinSketch } from "papertrail/sketches";
   * import { HashedKey } from "papertrail/hashing";
   * const key = HashedKey.of("10.0.0.7");
   * new CountMinSketch({ width: 100, depth: 3 }).addHashed(key, 5).frequency("10.0.0.7"); // => 5
   * ```
   */
  addHashed(key: Hash64Out, count = 1): this {
    if (typeof count !== "number") throw invalidCount(count, this.sum);
    const sum = this.sum + count;
    if (!(count >= 0 && sum <= Number.MAX_VALUE)) throw invalidCount(count, this.sum);
    this.sum = sum;
    if (this.conservative) {
      this.addConservative(key, count);
      return this;
    }
    // One visit per row: no need to remember the offsets.
    const width = this.width;
    const depth = this.depth;
    const counters = this.counters;
    const lo = key.lo;
    const hi = key.hi;
    for (let r = 0, base = 0; r < depth; r++, base += width) {
      const cell = base + column(lo, hi, r, width);
      counters[cell] = (counters[cell] as number) + count;
    }
    return this;
  }

  /**
   * Conservative update (Estan–Varghese), out of line so that the plain
   * `addHashed` stays small enough for V8 to inline into callers: the true
   * count is at most min + count after this update, so raising only the
   * counters below that keeps every counter an upper bound for every item
   * hashed to it.
   */
  private addConservative(key: Hash64Out, count: number): void {
    const depth = this.depth;
    const counters = this.counters;
    locate(key, this.width, depth);
    let min = counters[cells[0] as number] as number;
    for (let r = 1; r < depth; r++) {
      const value = counters[cells[r] as number] as number;
      if (value < min) min = value;
    }
    const target = min + count;
    for (let r = 0; r < depth; r++) {
      const cell = cells[r] as number;
      if ((counters[cell] as number) < target) counters[cell] = target;
    }
  }

  /**
   * The point estimate of `item`'s frequency (its summed counts): the
   * minimum of its counters. Never
   * below the true count; above it by more than `epsilon * totalWeight` with
   * probability at most `delta`.
   *
   * @example
   * ```ts
   * import { CountMinSketch } from "papertrail/sketches";
   * const sketch = new CountMinSketch({ epsilon: 0.01, delta: 0.01 }).add("alice", 7);
   * [sketch.frequency("alice"), sketch.frequency("bob")]; // => [7, 0]
   * ```
   */
  frequency(item: Hashable): number {
    hashItemInto(item, this.seed, scratch);
    return this.frequencyHashed(scratch);
  }

  /**
   * {@link CountMinSketch.frequency} for an already-hashed item; the key must
   * have been hashed with this sketch's seed.
   *
   * @example
   * ```ts
   * import { CountMinSketch } from "papertrail/sketches";
   * import { HashedKey } from "papertrail/hashing";
   * new CountMinSketch({ width: 100, depth: 3 }).add("alice", 2).frequencyHashed(HashedKey.of("alice")); // => 2
   * ```
   */
  frequencyHashed(key: Hash64Out): number {
    const width = this.width;
    const depth = this.depth;
    const counters = this.counters;
    const lo = key.lo;
    const hi = key.hi;
    let min = counters[column(lo, hi, 0, width)] as number;
    for (let r = 1, base = width; r < depth; r++, base += width) {
      const value = counters[base + column(lo, hi, r, width)] as number;
      if (value < min) min = value;
    }
    return min;
  }

  /**
   * `item`'s count with its bound: estimate `c`, interval
   * `[max(0, c - epsilon * totalWeight), c]`, holding with probability `1 - delta`
   * (the upper end always holds).
   *
   * @example
   * ```ts
   * import { CountMinSketch } from "papertrail/sketches";
   * const sketch = new CountMinSketch({ width: 272, depth: 5 });
   * for (let i = 0; i < 1000; i++) sketch.add(`user-${i % 100}`);
   * const alice = sketch.add("alice", 50).estimate("alice");
   * [alice.upper, alice.lower <= 50, alice.probability > 0.99]; // => [alice.estimate, true, true]
   * ```
   */
  estimate(item: Hashable): Approximate {
    const c = this.frequency(item);
    return new Approximate(c, Math.max(0, c - this.epsilon * this.sum), c, 1 - this.delta);
  }

  /**
   * The total weight: the sum of every count added, merges included (`N`,
   * the stream length for unit counts).
   *
   * @example
   * ```ts
   * import { CountMinSketch } from "papertrail/sketches";
   * new CountMinSketch({ width: 10, depth: 2 }).add("a", 2.5).add("b").totalWeight; // => 3.5
   * ```
   */
  get totalWeight(): number {
    return this.sum;
  }

  /**
   * The additive error factor of this shape, `e / width`.
   *
   * @example
   * ```ts
   * import { CountMinSketch } from "papertrail/sketches";
   * new CountMinSketch({ epsilon: 0.001, delta: 0.01 }).epsilon <= 0.001; // => true
   * ```
   */
  get epsilon(): number {
    return Math.E / this.width;
  }

  /**
   * The failure probability of this shape, `e^-depth`.
   *
   * @example
   * ```ts
   * import { CountMinSketch } from "papertrail/sketches";
   * new CountMinSketch({ epsilon: 0.001, delta: 0.01 }).delta.toFixed(4); // => "0.0067"
   * ```
   */
  get delta(): number {
    return Math.exp(-this.depth);
  }

  /**
   * Adds `other`'s counters to this sketch's. Both must have the same width,
   * depth and seed, else a `ParameterMismatchError` names both.
   *
   * The update policy may differ: this sketch keeps its own. A merge of
   * conservative sketches still never underestimates (each counter bounds
   * every count hashed to it, and sums of bounds bound sums) and keeps the
   * `epsilon * total` bound (each counter is at most its plain counterpart),
   * but it is not identical to the conservative sketch of the union stream.
   *
   * @example
   * ```ts
   * import { CountMinSketch } from "papertrail/sketches";
   * const east = new CountMinSketch({ width: 100, depth: 3 }).add("alice", 2);
   * const west = new CountMinSketch({ width: 100, depth: 3 }).add("alice", 3);
   * east.merge(west).frequency("alice"); // => 5
   * ```
   */
  merge(other: CountMinSketch): this {
    requireCompatible(CountMinSketch, this.describe(), other, (sketch) => sameShape(this, sketch));
    if (!(this.sum + other.sum <= Number.MAX_VALUE)) {
      throw new InvalidArgumentError(`CountMinSketch total would overflow: ${this.sum} + ${other.sum}`);
    }
    const target = this.counters;
    const source = other.counters;
    // Four counters per iteration: a quarter of the loop and bounds-check overhead.
    const n = target.length;
    const end = n - (n & 3);
    let i = 0;
    for (; i < end; i += 4) {
      target[i] = (target[i] as number) + (source[i] as number);
      target[i + 1] = (target[i + 1] as number) + (source[i + 1] as number);
      target[i + 2] = (target[i + 2] as number) + (source[i + 2] as number);
      target[i + 3] = (target[i + 3] as number) + (source[i + 3] as number);
    }
    for (; i < n; i++) target[i] = (target[i] as number) + (source[i] as number);
    this.sum += other.sum;
    return this;
  }

  /**
   * An independent copy.
   *
   * @example
   * ```ts
   * import { CountMinSketch } from "papertrail/sketches";
   * const a = new CountMinSketch({ width: 100, depth: 3 }).add("x");
   * const b = a.clone().add("x");
   * [a.frequency("x"), b.frequency("x")]; // => [1, 2]
   * ```
   */
  clone(): CountMinSketch {
    const copy = new CountMinSketch({ width: this.width, depth: this.depth, conservative: this.conservative, seed: this.seed });
    copy.counters.set(this.counters);
    copy.sum = this.sum;
    return copy;
  }

  /**
   * Same shape, seed, update policy, total and counters.
   *
   * @example
   * ```ts
   * import { CountMinSketch } from "papertrail/sketches";
   * const a = new CountMinSketch({ width: 100, depth: 3 }).add("x");
   * [a.equals(a.clone()), a.equals(new CountMinSketch({ width: 100, depth: 3 }))]; // => [true, false]
   * ```
   */
  equals(other: CountMinSketch): boolean {
    if (!(other instanceof CountMinSketch) || !sameShape(this, other)) return false;
    if (this.conservative !== other.conservative || this.sum !== other.sum) return false;
    const a = this.counters;
    const b = other.counters;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }

  /**
   * Bytes of the counters, `8 * width * depth`.
   *
   * @example
   * ```ts
   * import { CountMinSketch } from "papertrail/sketches";
   * new CountMinSketch({ epsilon: 0.001, delta: 0.01 }).sizeInBytes; // => 108760
   * ```
   */
  get sizeInBytes(): number {
    return this.counters.byteLength;
  }

  /**
   * Names the sketch's parameters, as in error messages.
   *
   * @example
   * ```ts
   * import { CountMinSketch } from "papertrail/sketches";
   * new CountMinSketch({ width: 2719, depth: 5 }).describe(); // => "CountMinSketch(width=2719, depth=5, seed=0xadc83b19, conservative=false)"
   * ```
   */
  describe(): string {
    return describeShape(this);
  }

  /** Same as {@link CountMinSketch.describe}. */
  toString(): string {
    return this.describe();
  }

  /**
   * The sketch's binary image (family 0x03, version 2; `docs/format.md`): 28
   * header bytes, then the counters as little-endian doubles, row by row.
   *
   * @example
   * ```ts
   * import { CountMinSketch } from "papertrail/sketches";
   * new CountMinSketch({ width: 4, depth: 2 }).toBytes().length; // => 92
   * ```
   */
  toBytes(): Uint8Array<ArrayBuffer> {
    const counters = this.counters;
    const writer = new ByteWriter(HEADER_BYTES + counters.byteLength);
    writePreamble(writer, Family.CountMinSketch, VERSION, this.conservative ? FLAG_CONSERVATIVE : 0);
    writer.u32(this.width).u32(this.depth).u32(this.seed).f64(this.sum);
    if (littleEndianHost) {
      writer.bytes(new Uint8Array(counters.buffer, counters.byteOffset, counters.byteLength));
    } else {
      for (let i = 0; i < counters.length; i++) writer.f64(counters[i] as number);
    }
    return writer.finish();
  }

  /**
   * Parses an image written by {@link CountMinSketch.toBytes}; throws a
   * `DecodeError` on anything else (including negative or non-finite
   * counters), before allocating more than the input could describe.
   *
   * @example
   * ```ts
   * import { CountMinSketch } from "papertrail/sketches";
   * const image = new CountMinSketch({ width: 4, depth: 2, conservative: true }).add("alice", 2).toBytes();
   * const copy = CountMinSketch.fromBytes(image);
   * [copy.frequency("alice"), copy.conservative]; // => [2, true]
   * ```
   */
  static fromBytes(bytes: Uint8Array): CountMinSketch {
    const { reader, flags } = openImage(bytes, "CountMinSketch", Family.CountMinSketch, [VERSION], FLAG_CONSERVATIVE);
    const width = reader.u32("width");
    if (width < 1) reader.invalid("width must be at least 1, got 0");
    const depth = reader.u32("depth");
    if (depth < 1 || depth > MAX_DEPTH) reader.invalid(`depth must be in [1, ${MAX_DEPTH}], got ${depth}`);
    const seed = reader.u32("seed");
    const total = reader.f64("total");
    if (!(total >= 0 && total <= Number.MAX_VALUE) || Object.is(total, -0)) reader.invalid(`total must be finite and >= 0 (not -0), got ${total}`);
    const cellCount = width * depth; // < 2^38: exact
    if (cellCount > MAX_CELLS) {
      throw new DecodeError(
        "too-large",
        `CountMinSketch image: ${width} x ${depth} counters is more than the maximum ${MAX_CELLS}`,
        reader.offset,
      );
    }
    reader.requireElements(cellCount, 8, "counters");
    const raw = reader.bytesView(cellCount * 8, "counters");
    reader.expectEnd();
    const sketch = new CountMinSketch({ width, depth, conservative: (flags & FLAG_CONSERVATIVE) !== 0, seed });
    const counters = sketch.counters;
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    for (let i = 0; i < cellCount; i++) {
      const value = view.getFloat64(i * 8, true);
      if (!(value >= 0 && value <= Number.MAX_VALUE) || Object.is(value, -0)) {
        throw new DecodeError(
          "invalid-field",
          `CountMinSketch image: counter ${i} (row ${Math.floor(i / width)}) must be finite and >= 0, got ${value}`,
          HEADER_BYTES + i * 8,
        );
      }
      counters[i] = value;
    }
    sketch.sum = total;
    return sketch;
  }

  /**
   * The {@link ImageCodec} of Count-Min sketches, for envelopes.
   *
   * @example
   * ```ts
   * import { CountMinSketch } from "papertrail/sketches";
   * import { createEnvelope } from "papertrail/codec";
   * const envelope = createEnvelope({ codecs: [CountMinSketch.codec] });
   * const state = { failures: new CountMinSketch({ width: 8, depth: 2 }).add("alice", 4) };
   * (envelope.decode(envelope.encode(state)) as typeof state).failures.frequency("alice"); // => 4
   * ```
   */
  static readonly codec: ImageCodec<CountMinSketch> = sketchCodec(Family.CountMinSketch, "CountMinSketch", CountMinSketch, (bytes) => CountMinSketch.fromBytes(bytes));

  /**
   * The sum monoid of sketches with the given parameters: `empty` is a fresh
   * empty sketch, `combine` adds counters into a copy (never its inputs),
   * and `combineAll` adds everything into one new buffer. Commutative. The
   * result keeps the update policy of the left operand.
   *
   * @example
   * ```ts
   * import { CountMinSketch } from "papertrail/sketches";
   * const sum = CountMinSketch.monoid({ epsilon: 0.01, delta: 0.01 });
   * const hourly = [sum.empty.add("alice", 2), sum.empty.add("alice", 3).add("bob")];
   * const day = sum.combineAll(hourly);
   * [day.frequency("alice"), day.totalWeight, hourly[0].totalWeight]; // => [5, 6, 2]
   * ```
   */
  static monoid(options: CountMinSketchOptions): Monoid<CountMinSketch> {
    // The constructor validates the options; the monoid keeps only the
    // shape, not the sketch (whose counters may be large).
    const { width, depth, conservative, seed } = new CountMinSketch(options);
    const shape = { width, depth, conservative, seed };
    return mergeMonoid(() => new CountMinSketch(shape), {
      check: (first) => requireCompatible(CountMinSketch, describeShape(shape), first, (sketch) => sameShape(shape, sketch)),
    });
  }
}

CountMinSketch satisfies SketchClass<CountMinSketch, CountMinSketchOptions>;

// `instanceof CountMinSketch` holds for sketches of any copy of PaperTrail 1.x (src/brand.ts).
brand(CountMinSketch, "CountMinSketch");

/** A sketch's parameters; width, depth and seed make two sketches mergeable. */
interface CountMinShape {
  readonly width: number;
  readonly depth: number;
  readonly conservative: boolean;
  readonly seed: number;
}

/** Width, depth and seed: what merging needs (the update policy may differ). */
function sameShape(a: CountMinShape, b: CountMinShape): boolean {
  return a.width === b.width && a.depth === b.depth && a.seed === b.seed;
}

function describeShape(shape: CountMinShape): string {
  return `CountMinSketch(width=${shape.width}, depth=${shape.depth}, seed=0x${shape.seed.toString(16)}, conservative=${shape.conservative})`;
}

function invalidCount(count: number, total: number): InvalidArgumentError {
  if (typeof count === "number" && count >= 0 && count <= Number.MAX_VALUE) {
    return new InvalidArgumentError(`CountMinSketch total would overflow: ${total} + ${count}`);
  }
  return new InvalidArgumentError(`CountMinSketch count must be a finite number >= 0, got ${count}`);
}
