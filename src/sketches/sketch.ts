/**
 * The contract every sketch family implements, and the helpers they share.
 *
 * Instance side ({@link Sketch}): `add` and `merge` mutate the receiver and
 * return it; `clone`, `equals`, `toBytes`; `estimate(...)` returns an
 * {@link Approximate} (the family decides what it estimates: distinct
 * count, one item's frequency, the mean, a quantile); `sizeInBytes` and
 * `describe()`. The families whose merge adds ({@link WeightedSketch}:
 * Count-Min, TopK, Moments, TDigest) also report `totalWeight`, the total
 * weight added; HyperLogLog and Bloom merges are idempotent (a sketch
 * merged with itself is unchanged, a law the law kit checks), which a
 * running total would break, so they keep none.
 *
 * Per-item answers have one name wherever they exist: `frequency(item)`
 * (a number) and `estimate(item)` (with bounds) on Count-Min and TopK.
 *
 * Static side ({@link SketchClass}): `new (options, storage?)`,
 * `fromBytes(bytes)`, `codec` and `monoid(options)`, where `monoid` takes
 * the constructor's own options. Every family checks itself against both
 * at compile time (`Family satisfies SketchClass<…>` next to the class).
 *
 * Later layers (window stores, the Redis store, dedup) program against this
 * face and nothing else.
 *
 * @module
 */
import type { Approximate } from "../algebra/approximate.js";
import type { Monoid } from "../algebra/monoid.js";
import { ByteReader } from "../codec/byte-reader.js";
import type { ImageCodec } from "../codec/image-codec.js";
import { type FamilyId, readPreamble } from "../codec/preamble.js";
import { InvalidArgumentError, ParameterMismatchError } from "../errors.js";

/**
 * Where a sketch takes its storage from. The default is a fresh
 * `ArrayBuffer` per array; a `TimeWindows` passes an arena of shared chunks
 * to the sketches of its finest buckets (see docs/windows.md).
 *
 * @example
 * ```ts
 * import { type SketchStorage, HyperLogLog } from "papertrail/sketches";
 * const storage: SketchStorage = { allocate: (byteLength) => new Uint8Array(byteLength) };
 * new HyperLogLog({}, storage).add("alice").cardinality(); // => 1
 * ```
 */
export interface SketchStorage {
  /**
   * `byteLength` zeroed bytes whose `byteOffset` is a multiple of 8 (so any
   * typed array can view them). The sketch owns them until it drops them.
   */
  allocate(byteLength: number): Uint8Array<ArrayBuffer>;
}

/**
 * The instance side every sketch implements.
 *
 * @example
 * ```ts
 * import { type Sketch, HyperLogLog } from "papertrail/sketches";
 * const sketch: Sketch<HyperLogLog, string> = new HyperLogLog();
 * Math.round(sketch.add("alice").add("bob").estimate().estimate); // => 2
 * ```
 */
export interface Sketch<S, In> {
  /** Adds one item (or value); mutates and returns the receiver. */
  add(item: In): this;
  /** Merges `other` into the receiver; throws `ParameterMismatchError` naming both when their parameters differ. */
  merge(other: S): this;
  /** An independent copy. */
  clone(): S;
  /** Same parameters and same state. */
  equals(other: S): boolean;
  /** The versioned binary image (docs/format.md). */
  toBytes(): Uint8Array<ArrayBuffer>;
  /** The family's estimate with its bounds. */
  estimate(...args: never[]): Approximate;
  /** Bytes held by the sketch's arrays (not object headers). */
  readonly sizeInBytes: number;
  /** The family and its parameters, as in error messages: `HyperLogLog(precision=14, seed=0xadc83b19)`. */
  describe(): string;
}

/**
 * A sketch whose merge adds weights: it reports the total weight added,
 * merges included.
 *
 * @example
 * ```ts
 * import { type WeightedSketch, Moments } from "papertrail/sketches";
 * const sketch: WeightedSketch<Moments, number> = new Moments();
 * sketch.add(3).add(5).totalWeight; // => 2
 * ```
 */
export interface WeightedSketch<S, In> extends Sketch<S, In> {
  /** Total weight added, merges included (the number of values for unweighted adds). */
  readonly totalWeight: number;
}

/**
 * The static side every sketch class implements: construction from its
 * options (and an optional {@link SketchStorage}), decoding, its image
 * codec, and a monoid built from the same options.
 *
 * @example
 * ```ts
 * import { type SketchClass, HyperLogLog, type HyperLogLogOptions } from "papertrail/sketches";
 * const family: SketchClass<HyperLogLog, HyperLogLogOptions> = HyperLogLog;
 * family.monoid({ precision: 12 }).empty.describe(); // => "HyperLogLog(precision=12, seed=0xadc83b19)"
 * ```
 */
export interface SketchClass<S, Options> {
  new (options: Options, storage?: SketchStorage): S;
  fromBytes(bytes: Uint8Array): S;
  readonly codec: ImageCodec<S>;
  monoid(options: Options): Monoid<S>;
}

/**
 * Shared helpers of the sketch families.
 *
 * @internal
 */

/** What a value is, for error messages: a sketch's `describe()`, else its class or type. */
export function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "object") {
    const describe = (value as { describe?: unknown }).describe;
    if (typeof describe === "function") {
      const text = (describe as () => unknown).call(value);
      if (typeof text === "string") return text;
    }
    return (value as object).constructor?.name ?? "object";
  }
  return typeof value;
}

/** Checks a hash seed (a 32-bit unsigned integer) and returns it. */
export function checkSeed(family: string, seed: unknown): number {
  if (typeof seed !== "number" || !Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new InvalidArgumentError(`${family} seed must be a 32-bit unsigned integer, got ${String(seed)}`);
  }
  return seed;
}

/**
 * Throws `InvalidArgumentError` when `options` is not a plain object or has
 * a key outside `allowed` (a misspelt `precison` would otherwise be ignored).
 */
export function checkOptionKeys(family: string, options: unknown, allowed: readonly string[]): void {
  if (options === null || typeof options !== "object" || Array.isArray(options)) {
    throw new InvalidArgumentError(`${family} options must be an object, got ${describeValue(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (!allowed.includes(key)) {
      const known = allowed.length === 0 ? "it takes none" : `options: ${allowed.join(", ")}`;
      throw new InvalidArgumentError(`${family} has no option "${key}" (${known})`);
    }
  }
}

/**
 * Throws `ParameterMismatchError` unless `other` is a `type` for which
 * `compatible` holds. `expected` describes the receiver (or the monoid's
 * parameters); the error names both sides.
 */
export function requireCompatible<S>(
  type: abstract new (...args: never[]) => S,
  expected: string,
  other: unknown,
  compatible: (other: S) => boolean,
): asserts other is S {
  if (!(other instanceof type)) throw new ParameterMismatchError(expected, describeValue(other), `not a ${type.name}`);
  if (!compatible(other)) throw new ParameterMismatchError(expected, describeValue(other));
}

/**
 * The opening of every `fromBytes`: a reader over `bytes` and the checked
 * preamble (magic, family, one of `versions`, reserved bytes). Flags
 * outside `knownFlags` are rejected as `invalid-field`.
 */
export function openImage(
  bytes: Uint8Array,
  name: string,
  family: FamilyId,
  versions: readonly number[],
  knownFlags = 0,
): { readonly reader: ByteReader; readonly version: number; readonly flags: number } {
  const reader = new ByteReader(bytes, `${name} image`);
  const { version, flags } = readPreamble(reader, family, versions);
  if ((flags & ~knownFlags) !== 0) reader.invalid(`unknown flags 0x${flags.toString(16)}`);
  return { reader, version, flags };
}

/** `byteLength` zeroed bytes from `storage`, or a fresh buffer. */
export function allocate(storage: SketchStorage | undefined, byteLength: number): Uint8Array<ArrayBuffer> {
  return storage === undefined ? new Uint8Array(byteLength) : storage.allocate(byteLength);
}
