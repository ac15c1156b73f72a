import { InvalidArgumentError } from "../errors.js";
import type { Hash64Out } from "./murmur64a.js";
import { MESSAGE_AT, MESSAGE_END, sharedSipKernel, type SipKernel } from "./siphash-wasm.js";
import { Utf8Buffer } from "./utf8.js";

/**
 * SipHash-2-4 (Aumasson & Bernstein, "SipHash: a fast short-input PRF",
 * INDOCRYPT 2012) with 64-bit output: a keyed hash whose outputs an attacker
 * who does not know the 16-byte key cannot predict, so they cannot choose
 * inputs that collide. The rounds run in WebAssembly where it is available
 * (siphash-wasm.ts, native 64-bit integers) and otherwise here, on pairs of
 * 32-bit halves (no BigInt on the hot path); both are golden-tested against
 * the reference implementation's `vectors.h` (github.com/veorq/SipHash).
 *
 * @module
 */

/** This module's own encoding buffer for string inputs (see utf8.ts). */
const utf8 = new Utf8Buffer();

/** Whether typed-array memory is little-endian, so a message's bytes can be read four at a time. */
const littleEndianHost = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

/**
 * A little-endian 32-bit word view of `bytes[0, length)`, rounded down to
 * whole words: a view of the same memory when the host is little-endian and
 * the bytes are 4-aligned, otherwise a copy assembled byte by byte.
 */
function wordsOf(bytes: Uint8Array, length: number): Int32Array {
  if (littleEndianHost && (bytes.byteOffset & 3) === 0) return new Int32Array(bytes.buffer, bytes.byteOffset, length >>> 2);
  const words = new Int32Array(length >>> 2);
  for (let w = 0, i = 0; w < words.length; w++, i += 4) {
    words[w] = (bytes[i] as number) | ((bytes[i + 1] as number) << 8) | ((bytes[i + 2] as number) << 16) | ((bytes[i + 3] as number) << 24);
  }
  return words;
}

/**
 * SipHash-c-d of `bytes[0, length)` under the key words into `out` (signed
 * 32-bit halves): `c` rounds per 8-byte block, `d` at the end. `words` is a
 * little-endian word view of at least the message's whole blocks; the last
 * block, its 0..7 remaining bytes and the length mod 256 in its top byte, is
 * read from `bytes`. The state v0..v3 is eight int32 locals; a 64-bit
 * addition is a 32-bit addition of the low halves plus the carry out of it,
 * `((a & b) | ((a | b) & ~sum)) >>> 31` (the adder's carry rule, Hacker's
 * Delight 2-13), and a rotation by r < 32 moves r bits across the halves
 * (rotation by 32 swaps them).
 *
 * Each block is XORed into v3, gets `c` rounds, and is XORed into v0; then
 * `v2 ^= 0xff` and `d` rounds. The round is written twice (blocks,
 * finalization) rather than called: a call could not update eight locals
 * without an allocation. Reading whole words instead of assembling each from
 * four bytes made string hashing about a quarter faster (bench/dedup.mjs).
 */
function sipHashInto(
  c: number,
  d: number,
  k0h: number,
  k0l: number,
  k1h: number,
  k1l: number,
  words: Int32Array,
  bytes: Uint8Array,
  length: number,
  out: Hash64Out,
): void {
  // v0..v3 = key XOR "somepseudorandomlygeneratedbytes" (the spec's constants).
  let v0h = k0h ^ 0x736f6d65;
  let v0l = k0l ^ 0x70736575;
  let v1h = k1h ^ 0x646f7261;
  let v1l = k1l ^ 0x6e646f6d;
  let v2h = k0h ^ 0x6c796765;
  let v2l = k0l ^ 0x6e657261;
  let v3h = k1h ^ 0x74656462;
  let v3l = k1l ^ 0x79746573;
  let sum = 0;
  let th = 0;
  const end = length - (length & 7);
  for (let i = 0; i <= end; i += 8) {
    let ml = 0;
    let mh = 0;
    if (i < end) {
      ml = words[i >>> 2] as number;
      mh = words[(i >>> 2) + 1] as number;
    } else {
      mh = (length & 0xff) << 24;
      for (let j = length - end - 1; j >= 0; j--) {
        const b = bytes[end + j] as number;
        if (j >= 4) mh |= b << ((j - 4) * 8);
        else ml |= b << (j * 8);
      }
    }
    v3h ^= mh;
    v3l ^= ml;
    for (let r = 0; r < c; r++) {
      // v0 += v1; v1 = rotl(v1, 13); v1 ^= v0; v0 = rotl(v0, 32)
      sum = (v0l + v1l) | 0;
      v0h = (v0h + v1h + (((v0l & v1l) | ((v0l | v1l) & ~sum)) >>> 31)) | 0;
      v0l = sum;
      th = (v1h << 13) | (v1l >>> 19);
      v1l = ((v1l << 13) | (v1h >>> 19)) ^ v0l;
      v1h = th ^ v0h;
      th = v0h;
      v0h = v0l;
      v0l = th;
      // v2 += v3; v3 = rotl(v3, 16); v3 ^= v2
      sum = (v2l + v3l) | 0;
      v2h = (v2h + v3h + (((v2l & v3l) | ((v2l | v3l) & ~sum)) >>> 31)) | 0;
      v2l = sum;
      th = (v3h << 16) | (v3l >>> 16);
      v3l = ((v3l << 16) | (v3h >>> 16)) ^ v2l;
      v3h = th ^ v2h;
      // v0 += v3; v3 = rotl(v3, 21); v3 ^= v0
      sum = (v0l + v3l) | 0;
      v0h = (v0h + v3h + (((v0l & v3l) | ((v0l | v3l) & ~sum)) >>> 31)) | 0;
      v0l = sum;
      th = (v3h << 21) | (v3l >>> 11);
      v3l = ((v3l << 21) | (v3h >>> 11)) ^ v0l;
      v3h = th ^ v0h;
      // v2 += v1; v1 = rotl(v1, 17); v1 ^= v2; v2 = rotl(v2, 32)
      sum = (v2l + v1l) | 0;
      v2h = (v2h + v1h + (((v2l & v1l) | ((v2l | v1l) & ~sum)) >>> 31)) | 0;
      v2l = sum;
      th = (v1h << 17) | (v1l >>> 15);
      v1l = ((v1l << 17) | (v1h >>> 15)) ^ v2l;
      v1h = th ^ v2h;
      th = v2h;
      v2h = v2l;
      v2l = th;
    }
    v0h ^= mh;
    v0l ^= ml;
  }
  v2l ^= 0xff;
  for (let r = 0; r < d; r++) {
    // The same round as above.
    sum = (v0l + v1l) | 0;
    v0h = (v0h + v1h + (((v0l & v1l) | ((v0l | v1l) & ~sum)) >>> 31)) | 0;
    v0l = sum;
    th = (v1h << 13) | (v1l >>> 19);
    v1l = ((v1l << 13) | (v1h >>> 19)) ^ v0l;
    v1h = th ^ v0h;
    th = v0h;
    v0h = v0l;
    v0l = th;
    sum = (v2l + v3l) | 0;
    v2h = (v2h + v3h + (((v2l & v3l) | ((v2l | v3l) & ~sum)) >>> 31)) | 0;
    v2l = sum;
    th = (v3h << 16) | (v3l >>> 16);
    v3l = ((v3l << 16) | (v3h >>> 16)) ^ v2l;
    v3h = th ^ v2h;
    sum = (v0l + v3l) | 0;
    v0h = (v0h + v3h + (((v0l & v3l) | ((v0l | v3l) & ~sum)) >>> 31)) | 0;
    v0l = sum;
    th = (v3h << 21) | (v3l >>> 11);
    v3l = ((v3l << 21) | (v3h >>> 11)) ^ v0l;
    v3h = th ^ v0h;
    sum = (v2l + v1l) | 0;
    v2h = (v2h + v1h + (((v2l & v1l) | ((v2l | v1l) & ~sum)) >>> 31)) | 0;
    v2l = sum;
    th = (v1h << 17) | (v1l >>> 15);
    v1l = ((v1l << 17) | (v1h >>> 15)) ^ v2l;
    v1h = th ^ v2h;
    th = v2h;
    v2h = v2l;
    v2l = th;
  }
  out.hi = v0h ^ v1h ^ v2h ^ v3h;
  out.lo = v0l ^ v1l ^ v2l ^ v3l;
}

/**
 * The round counts of a SipHash variant, "c-d": `"2-4"`, the authors'
 * recommended PRF, and `"1-3"`, the faster variant Rust's standard hash maps
 * and Linux's `hsiphash` (64-bit) use against hash flooding.
 *
 * @example
 * ```ts
 * import { type SipHashVariant, SipHasher } from "papertrail/hashing";
 * const variant: SipHashVariant = "1-3";
 * new SipHasher(new Uint8Array(16), variant).hash(new Uint8Array(0)).toString(16); // => "d1fba762150c532c"
 * ```
 */
export type SipHashVariant = "2-4" | "1-3";

/** Compression and finalization rounds (c, d) of a variant. @internal */
export function sipRounds(variant: SipHashVariant): readonly [number, number] {
  return variant === "2-4" ? [2, 4] : [1, 3];
}

/** The 16-byte key as the functions take it: k0 low, k0 high, k1 low, k1 high, little-endian 32-bit words. @internal */
export function sipKeyWords(key: Uint8Array): readonly [number, number, number, number] {
  const word = (at: number): number =>
    (key[at] as number) | ((key[at + 1] as number) << 8) | ((key[at + 2] as number) << 16) | ((key[at + 3] as number) << 24);
  return [word(0), word(4), word(8), word(12)];
}

/**
 * SipHash under one secret 16-byte key, 64-bit output: SipHash-2-4 unless
 * the variant `"1-3"` is asked for. The key is read as the reference does
 * (two little-endian 64-bit words, bytes 0..7 and 8..15) and not kept: the
 * hasher holds only its four 32-bit words.
 *
 * - `hash(message)`: the hash of a string (its UTF-8 bytes) or of bytes, as
 *   an unsigned bigint (the reference's 8 output bytes read little-endian).
 * - `hashInto(message, out)`: the same hash written into `out` as signed
 *   32-bit halves, allocating nothing for strings (a `HashedKey` or
 *   `{ hi, lo }`).
 * - `hashPairInto(first, second, out)`: the hash of the pair of strings,
 *   without concatenating them: the message is `UTF-8(first) ‖ 0xff ‖
 *   UTF-8(second)`. No UTF-8 text contains the byte 0xff, so the encoding is
 *   injective: `("a", "bc")` and `("ab", "c")` are different messages. Lone
 *   surrogates become U+FFFD, as everywhere in PaperTrail.
 *
 * Variants: SipHash-2-4 (two rounds per block, four at the end) is the one
 * the authors recommend as a PRF and the one their test vectors cover.
 * SipHash-1-3 does about half the rounds (a UUID-sized string hashes about
 * 1.2 times as fast here, where reading the string's characters takes much
 * of the time) and is what Rust's standard `HashMap` and Linux's `hsiphash`
 * (on 64-bit) use where the threat is an attacker choosing colliding inputs
 * without the key; no attack on it is known, but its security margin is
 * smaller. Golden-tested against
 * the reference's `vectors.h` (2-4) and Firedancer's SipHash-1-3 table.
 *
 * @example
 * ```ts
 * import { SipHasher, HashedKey } from "papertrail/hashing";
 * const key = Uint8Array.from({ length: 16 }, (_, i) => i); // 00 01 .. 0f, the paper's test key
 * const hasher = new SipHasher(key);
 * hasher.hash(Uint8Array.from({ length: 15 }, (_, i) => i)).toString(16); // => "a129ca6149be45e5"
 * hasher.hash("alice") === hasher.hash(new TextEncoder().encode("alice")); // => true
 * const out = hasher.hashPairInto("login", "evt-1", new HashedKey());
 * out.toBigInt() === hasher.hash("login\u{ff}evt-1"); // => false
 * out.toBigInt() === hasher.hash(Uint8Array.of(...new TextEncoder().encode("login"), 0xff, ...new TextEncoder().encode("evt-1"))); // => true
 * new SipHasher(key, "1-3").hash(new Uint8Array(0)).toString(16); // => "abac0158050fc4dc"
 * ```
 */
export class SipHasher {
  /** The variant: `"2-4"` or `"1-3"`. */
  readonly variant: SipHashVariant;
  private readonly c: number;
  private readonly d: number;
  private readonly k0h: number;
  private readonly k0l: number;
  private readonly k1h: number;
  private readonly k1l: number;
  private readonly scratch: Hash64Out = { hi: 0, lo: 0 };
  /** The process's WebAssembly kernel (undefined where WebAssembly cannot be used: JavaScript hashes). */
  private readonly kernel: SipKernel | undefined;

  constructor(key: Uint8Array, variant: SipHashVariant = "2-4") {
    if (!(key instanceof Uint8Array) || key.length !== 16) {
      const got = key instanceof Uint8Array ? `${key.length} bytes` : typeof key;
      throw new InvalidArgumentError(`SipHasher: key must be a Uint8Array of 16 bytes, got ${got}`);
    }
    if (variant !== "2-4" && variant !== "1-3") {
      throw new InvalidArgumentError(`SipHasher: variant must be "2-4" or "1-3", got ${JSON.stringify(variant) ?? typeof variant}`);
    }
    this.variant = variant;
    [this.c, this.d] = sipRounds(variant);
    [this.k0l, this.k0h, this.k1l, this.k1h] = sipKeyWords(key);
    this.kernel = sharedSipKernel();
  }

  /** The hash of `message` (a string as UTF-8, or bytes) as an unsigned 64-bit bigint. */
  hash(message: string | Uint8Array): bigint {
    const out = this.hashInto(message, this.scratch);
    return (BigInt(out.hi >>> 0) << 32n) | BigInt(out.lo >>> 0);
  }

  /** Writes the hash of `message` into `out` as signed 32-bit halves and returns `out`. */
  hashInto<T extends Hash64Out>(message: string | Uint8Array, out: T): T {
    const kernel = this.kernel;
    if (typeof message === "string") {
      if (kernel !== undefined && message.length * 3 <= MESSAGE_END - MESSAGE_AT) {
        kernel.pairFirst = undefined; // the message overwrites the pair's first string
        this.hashInKernel(kernel, MESSAGE_AT, kernel.writeText(message, MESSAGE_AT), out);
        return out;
      }
      const length = utf8.encode(message); // may replace utf8.bytes: read it after
      this.hashEncoded(length, out);
    } else if (message instanceof Uint8Array) {
      if (kernel !== undefined && message.length <= MESSAGE_END - MESSAGE_AT) {
        kernel.pairFirst = undefined;
        kernel.bytes.set(message, MESSAGE_AT);
        this.hashInKernel(kernel, MESSAGE_AT, message.length, out);
        return out;
      }
      sipHashInto(this.c, this.d, this.k0h, this.k0l, this.k1h, this.k1l, wordsOf(message, message.length), message, message.length, out);
    } else {
      throw new InvalidArgumentError(`SipHasher: message must be a string or a Uint8Array, got ${typeof message}`);
    }
    return out;
  }

  /**
   * Writes the hash of the pair `(first, second)`, the message
   * `UTF-8(first) ‖ 0xff ‖ UTF-8(second)`, into `out` and returns `out`.
   */
  hashPairInto<T extends Hash64Out>(first: string, second: string, out: T): T {
    if (typeof first !== "string" || typeof second !== "string") {
      throw new InvalidArgumentError(`SipHasher.hashPairInto: both parts must be strings, got ${typeof first} and ${typeof second}`);
    }
    const kernel = this.kernel;
    if (kernel !== undefined && (first === kernel.pairFirst || kernel.placePairFirst(first))) {
      const at = kernel.pairSecondAt;
      if (at + second.length * 3 <= MESSAGE_END) {
        const start = kernel.pairStart;
        this.hashInKernel(kernel, start, at - start + kernel.writeText(second, at), out);
        return out;
      }
    }
    let end = utf8.encodeAt(first, 0);
    utf8.bytes[end++] = 0xff; // encodeAt leaves at least one byte of room
    end = utf8.encodeAt(second, end); // may replace utf8.bytes: read it after
    this.hashEncoded(end, out);
    return out;
  }

  /** Hashes, in the WebAssembly kernel under this hasher's key and variant, the `length` bytes at `start`. */
  private hashInKernel(kernel: SipKernel, start: number, length: number, out: Hash64Out): void {
    kernel.hash(start, length, this.c, this.d, this.k0l, this.k0h, this.k1l, this.k1h, out);
  }

  /** Hashes the first `length` bytes of the encoding buffer (through its word view on little-endian hosts). */
  private hashEncoded(length: number, out: Hash64Out): void {
    const bytes = utf8.bytes;
    const words = littleEndianHost ? utf8.words : wordsOf(bytes, length);
    sipHashInto(this.c, this.d, this.k0h, this.k0l, this.k1h, this.k1l, words, bytes, length, out);
  }
}

/**
 * SipHash-2-4 of `message` (a string as UTF-8, or bytes) under a 16-byte
 * `key`, as an unsigned 64-bit bigint. For many messages under one key, make
 * one {@link SipHasher} and call its `hash`/`hashInto`.
 *
 * @example
 * ```ts
 * import { sipHash24 } from "papertrail/hashing";
 * const key = Uint8Array.from({ length: 16 }, (_, i) => i);
 * sipHash24(key, new Uint8Array(0)).toString(16); // => "726fdb47dd0e0e31"
 * sipHash24(key, "x") === sipHash24(key.slice().reverse(), "x"); // => false
 * ```
 */
export function sipHash24(key: Uint8Array, message: string | Uint8Array): bigint {
  return new SipHasher(key).hash(message);
}
