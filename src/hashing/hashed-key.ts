import { InvalidArgumentError } from "../errors.js";
import { murmurHash64ABytesInto, murmurHash64AStringInto, REDIS_HLL_SEED, type Hash64Out } from "./murmur64a.js";

/**
 * What PaperTrail can hash: strings (as UTF-8), bytes, numbers and bigints.
 *
 * Canonical bytes (frozen; stored sketches depend on them):
 * - `string`: its UTF-8 bytes (lone surrogates as U+FFFD, like `TextEncoder`).
 * - `Uint8Array`: the bytes themselves, so `"abc"` and its UTF-8 bytes hash alike.
 * - `number`: the 8 bytes of the IEEE-754 double, little-endian, with `-0`
 *   written as `0` and every `NaN` as `0x7ff8000000000000`.
 * - `bigint`: two's complement, little-endian, in the fewest 8-byte words
 *   that hold it (8 bytes for every value in the signed 64-bit range).
 *
 * @example
 * ```ts
 * import { type Hashable, hash64 } from "papertrail/hashing";
 * const items: Hashable[] = ["user-1", new Uint8Array([1, 2]), 3.5, 2n ** 70n];
 * items.map((item) => typeof hash64(item)); // => ["bigint", "bigint", "bigint", "bigint"]
 * ```
 */
export type Hashable = string | Uint8Array | number | bigint;

const numberBytes = new Uint8Array(8);
const numberView = new DataView(numberBytes.buffer);

/**
 * A bigint's canonical bytes: two's complement, little-endian, in the fewest
 * 8-byte words that hold it.
 *
 * @internal
 */
export function canonicalBigIntBytes(value: bigint): Uint8Array {
  let words = 1;
  while (value < -(1n << BigInt(64 * words - 1)) || value >= 1n << BigInt(64 * words - 1)) words++;
  const bytes = new Uint8Array(words * 8);
  const view = new DataView(bytes.buffer);
  for (let w = 0; w < words; w++) view.setBigUint64(w * 8, BigInt.asUintN(64, value >> BigInt(64 * w)), true);
  return bytes;
}

/**
 * Hashes `item`'s canonical bytes with MurmurHash64A into `out`.
 *
 * @internal
 */
export function hashItemInto(item: Hashable, seed: number, out: Hash64Out): void {
  if (typeof item === "string") {
    murmurHash64AStringInto(item, seed, out);
  } else if (item instanceof Uint8Array) {
    murmurHash64ABytesInto(item, item.length, seed, out);
  } else if (typeof item === "number") {
    if (item !== item) {
      numberView.setUint32(0, 0, true);
      numberView.setUint32(4, 0x7ff80000, true);
    } else {
      numberView.setFloat64(0, item === 0 ? 0 : item, true);
    }
    murmurHash64ABytesInto(numberBytes, 8, seed, out);
  } else if (typeof item === "bigint") {
    if (item >= -(1n << 63n) && item < 1n << 63n) {
      numberView.setBigInt64(0, item, true);
      murmurHash64ABytesInto(numberBytes, 8, seed, out);
    } else {
      const bytes = canonicalBigIntBytes(item);
      murmurHash64ABytesInto(bytes, bytes.length, seed, out);
    }
  } else {
    throw new InvalidArgumentError(`cannot hash a value of type ${typeof item}; expected string, Uint8Array, number or bigint`);
  }
}

/**
 * A 64-bit item hash held as two signed 32-bit halves: the "hash once,
 * feed many" handle. Hash an event's key once with `set`, then pass the same
 * `HashedKey` to every sketch that counts it; reuse the object for the next
 * event to allocate nothing.
 *
 * The hash is MurmurHash64A of the item's canonical bytes (see
 * {@link Hashable}) with Redis's seed `0xadc83b19` by default, so a
 * HyperLogLog fed from it matches Redis register for register.
 *
 * @example
 * ```ts
 * import { HashedKey, hash64 } from "papertrail/hashing";
 * const key = new HashedKey();
 * key.set("user-42").toBigInt() === hash64("user-42"); // => true
 * key.set("user-43").toBigInt() === hash64("user-43"); // => true
 * HashedKey.of(-0).toBigInt() === HashedKey.of(0).toBigInt(); // => true
 * ```
 */
export class HashedKey implements Hash64Out {
  /** High 32 bits of the hash, as a signed 32-bit integer (`hi >>> 0` is the unsigned half; see {@link Hash64Out}). */
  hi = 0;
  /** Low 32 bits of the hash, as a signed 32-bit integer (`lo >>> 0` is the unsigned half). */
  lo = 0;

  /**
   * Hashes `item` into this key (no allocation for strings, bytes, numbers
   * and 64-bit bigints), with `seed` or by default {@link REDIS_HLL_SEED}.
   */
  set(item: Hashable, seed?: number): this {
    // The default is written as a literal: a bundled module-level constant
    // would be loaded and unboxed on every call (see murmur64a.ts).
    hashItemInto(item, seed === undefined ? 0xadc83b19 : seed >>> 0, this);
    return this;
  }

  /** A new key holding the hash of `item`. */
  static of(item: Hashable, seed: number = REDIS_HLL_SEED): HashedKey {
    return new HashedKey().set(item, seed);
  }

  /** The hash as an unsigned 64-bit bigint. */
  toBigInt(): bigint {
    return (BigInt(this.hi >>> 0) << 32n) | BigInt(this.lo >>> 0);
  }
}

const scratchKey = new HashedKey();

/**
 * The canonical 64-bit hash of an item, as an unsigned bigint: MurmurHash64A
 * of its canonical bytes (see {@link Hashable}), Redis's seed by default.
 * For hot paths use {@link HashedKey}, which avoids the bigint.
 *
 * @example
 * ```ts
 * import { hash64, murmurHash64A } from "papertrail/hashing";
 * hash64("alice") === murmurHash64A("alice"); // => true
 * hash64(NaN) === hash64(-NaN); // => true
 * hash64(1) === hash64(1n); // => false
 * ```
 */
export function hash64(item: Hashable, seed: number = REDIS_HLL_SEED): bigint {
  return scratchKey.set(item, seed).toBigInt();
}
