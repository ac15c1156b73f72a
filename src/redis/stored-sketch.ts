/**
 * The sketches the Redis store keeps, how each is stored and merged, and the
 * decoding of what a key holds.
 *
 * | family         | stored as                          | merged by                        |
 * |----------------|------------------------------------|----------------------------------|
 * | HyperLogLog    | a Redis HLL string ("HYLL")        | PFMERGE (register-wise max); absent or sparse keys merged here under WATCH |
 * | BloomFilter    | its image: 20-byte header + bits   | BITOP OR (equal headers OR to themselves) |
 * | CountMinSketch, TopK, Moments, TDigest | their image | WATCH, GET, merge here, MULTI SET/EXEC |
 *
 * @module
 */
import type { Monoid } from "../algebra/monoid.js";
import { ByteReader } from "../codec/byte-reader.js";
import { Family, familyName } from "../codec/preamble.js";
import { DecodeError, ParameterMismatchError } from "../errors.js";
import { BloomFilter } from "../sketches/bloom-filter.js";
import { CountMinSketch } from "../sketches/count-min-sketch.js";
import { HyperLogLog } from "../sketches/hyperloglog.js";
import { Moments } from "../sketches/moments.js";
import { TDigest } from "../sketches/t-digest.js";
import { TopK } from "../sketches/top-k.js";

/**
 * A sketch the Redis store can keep. A HyperLogLog must have Redis's
 * parameters (precision 14, seed `0xadc83b19`, the defaults) so that Redis
 * can merge and count it.
 *
 * @example
 * ```ts
 * import { type StoredSketch } from "papertrail/redis";
 * import { HyperLogLog } from "papertrail/sketches";
 * const sketch: StoredSketch = new HyperLogLog().add("alice");
 * sketch.describe(); // => "HyperLogLog(precision=14, seed=0xadc83b19)"
 * ```
 */
export type StoredSketch = HyperLogLog | BloomFilter | CountMinSketch | TopK | Moments | TDigest;

/**
 * Internal helpers.
 *
 * @internal
 */

/** How a family is merged in Redis. */
export type MergeStrategy = "pfmerge" | "bitop" | "watch";

/** Bytes of a Bloom image before the bit array (docs/format.md). */
export const BLOOM_HEADER_BYTES = 20;
/** Bytes of a Redis HLL header, and of a dense HLL string. */
export const HLL_HEADER_BYTES = 16;
export const HLL_DENSE_BYTES = 16 + 12288;

export function strategyOf(sketch: unknown): MergeStrategy {
  if (sketch instanceof HyperLogLog) return "pfmerge";
  if (sketch instanceof BloomFilter) return "bitop";
  if (sketch instanceof CountMinSketch || sketch instanceof TopK || sketch instanceof Moments || sketch instanceof TDigest) return "watch";
  throw new ParameterMismatchError(
    "a sketch the Redis store keeps (HyperLogLog, BloomFilter, CountMinSketch, TopK, Moments, TDigest)",
    describe(sketch),
    "not a stored sketch family",
  );
}

function describe(value: unknown): string {
  if (value !== null && typeof value === "object" && typeof (value as { describe?: unknown }).describe === "function") {
    return String((value as { describe(): unknown }).describe());
  }
  return value === null ? "null" : typeof value === "object" ? ((value as object).constructor?.name ?? "object") : typeof value;
}

const isHll = (bytes: Uint8Array): boolean => bytes.length >= 4 && bytes[0] === 0x48 && bytes[1] === 0x59 && bytes[2] === 0x4c && bytes[3] === 0x4c;
const isImage = (bytes: Uint8Array): boolean => bytes.length >= 3 && bytes[0] === 0x50 && bytes[1] === 0x54;

/** What the stored bytes at `key` are, for messages: "HyperLogLog (Redis HLL string)", "CountMinSketch image"... */
export function describeStored(bytes: Uint8Array): string {
  if (isHll(bytes)) return "HyperLogLog (Redis HLL string)";
  if (isImage(bytes)) return `${familyName(bytes[2] as number)} image`;
  return "bytes of no PaperTrail format";
}

/** Decodes what a key holds; DecodeError (naming the key) for anything that is not a stored sketch. */
export function decodeStored(bytes: Uint8Array, key: string): StoredSketch {
  try {
    if (isHll(bytes)) return HyperLogLog.fromRedisBytes(bytes);
    if (!isImage(bytes)) throw new DecodeError("bad-magic", `does not start with "HYLL" (Redis HyperLogLog) or "PT" (PaperTrail image)`, 0);
    switch (bytes[2]) {
      case Family.BloomFilter:
        return BloomFilter.fromBytes(bytes);
      case Family.CountMinSketch:
        return CountMinSketch.fromBytes(bytes);
      case Family.TopK:
        return TopK.fromBytes(bytes);
      case Family.Moments:
        return Moments.fromBytes(bytes);
      case Family.TDigest:
        return TDigest.fromBytes(bytes);
      default:
        throw new DecodeError("wrong-family", `a ${familyName(bytes[2] as number)} image (family ${bytes[2]}) is not a stored sketch (HyperLogLogs are kept as Redis HLL strings)`, 2);
    }
  } catch (error) {
    if (error instanceof DecodeError) throw new DecodeError(error.code, `Redis key ${key}: ${error.message}`, error.offset);
    throw error;
  }
}

/** The bytes a delta is written as: a Redis HLL string for HyperLogLog (precision 14, Redis's seed), else the image. */
export function storedBytes(sketch: StoredSketch): Uint8Array<ArrayBuffer> {
  return sketch instanceof HyperLogLog ? sketch.toRedisBytes() : sketch.toBytes();
}

/**
 * Checks the first bytes of an existing HLL key (its 16-byte header and its
 * length), so that PFMERGE inside EXEC does not meet a value it refuses.
 */
export function checkStoredHll(header: Uint8Array, length: number, key: string): void {
  if (length === 0) return;
  if (isHll(header)) {
    const encoding = header[4];
    if (length < HLL_HEADER_BYTES || (encoding === 0 && length !== HLL_DENSE_BYTES) || (encoding !== 0 && encoding !== 1)) {
      throw new DecodeError("invalid-field", `Redis key ${key}: not a valid Redis HyperLogLog string (encoding ${encoding}, ${length} bytes)`, 4);
    }
    return;
  }
  if (isImage(header)) {
    throw new ParameterMismatchError(`${describeStored(header)} at ${key}`, "HyperLogLog (Redis HLL string)", "a key holds one sketch family");
  }
  throw new DecodeError("bad-magic", `Redis key ${key}: does not start with "HYLL" (Redis HyperLogLog) or "PT" (PaperTrail image)`, 0);
}

/**
 * Checks an existing Bloom key against a delta: the same 20 header bytes
 * (family, version, bits, hashes, seed) and the length they imply.
 */
export function checkStoredBloom(header: Uint8Array, length: number, delta: BloomFilter, deltaHeader: Uint8Array, key: string): void {
  if (length === 0) return;
  if (!isImage(header) || header[2] !== Family.BloomFilter) {
    if (isHll(header) || isImage(header)) {
      throw new ParameterMismatchError(`${describeStored(header)} at ${key}`, delta.describe(), "a key holds one sketch family");
    }
    throw new DecodeError("bad-magic", `Redis key ${key}: does not start with "HYLL" (Redis HyperLogLog) or "PT" (PaperTrail image)`, 0);
  }
  const reader = new ByteReader(header, `Redis key ${key}: BloomFilter image`);
  reader.bytesView(8, "preamble");
  const bits = reader.u32("bits");
  const hashes = reader.u8("hashes");
  reader.bytesView(3, "reserved");
  const seed = reader.u32("seed");
  const stored = `BloomFilter(bits=${bits}, hashes=${hashes}, seed=0x${seed.toString(16)}${header[3] === 2 ? "" : `, probes=v${header[3]}`})`;
  for (let i = 0; i < BLOOM_HEADER_BYTES; i++) {
    if (header[i] !== deltaHeader[i]) throw new ParameterMismatchError(`${stored} at ${key}`, delta.describe());
  }
  if (length !== BLOOM_HEADER_BYTES + Math.ceil(bits / 8)) {
    throw new DecodeError("length-mismatch", `Redis key ${key}: ${stored} needs ${BLOOM_HEADER_BYTES + Math.ceil(bits / 8)} bytes, the key holds ${length}`);
  }
}

/**
 * Merges `delta` into `stored`, a sketch decoded from the key (ours to
 * change, so no copy): the family's `merge`, which refuses other parameters
 * with a ParameterMismatchError naming both; another family at the key is
 * refused the same way.
 */
export function mergeInto(stored: StoredSketch, delta: StoredSketch, key: string): StoredSketch {
  if (stored.constructor !== delta.constructor) {
    throw new ParameterMismatchError(`${stored.describe()} at ${key}`, delta.describe(), "a key holds one sketch family");
  }
  (stored as { merge(other: StoredSketch): unknown }).merge(delta);
  return stored;
}

/** The family's monoid with `sketch`'s parameters (what range reads combine with). */
export function monoidOf(sketch: StoredSketch): Monoid<StoredSketch> {
  if (sketch instanceof HyperLogLog) return HyperLogLog.monoid({ precision: sketch.precision, seed: sketch.seed }) as Monoid<StoredSketch>;
  if (sketch instanceof BloomFilter) return BloomFilter.monoid({ bits: sketch.bits, hashes: sketch.hashes, seed: sketch.seed }) as Monoid<StoredSketch>;
  if (sketch instanceof CountMinSketch) {
    const { width, depth, seed, conservative } = sketch;
    return CountMinSketch.monoid({ width, depth, seed, conservative }) as Monoid<StoredSketch>;
  }
  if (sketch instanceof TopK) return TopK.monoid({ capacity: sketch.capacity }) as Monoid<StoredSketch>;
  if (sketch instanceof Moments) return Moments.monoid() as Monoid<StoredSketch>;
  return TDigest.monoid({ compression: sketch.compression }) as Monoid<StoredSketch>;
}
