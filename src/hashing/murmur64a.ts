import { prototypeProbe, Utf8Buffer } from "./utf8.js";

/** This module's own encoding buffer for string inputs. */
const utf8 = new Utf8Buffer();

/**
 * Redis's seed for HyperLogLog hashing (`hyperloglog.c`: `0xadc83b19`), and
 * the default seed of every PaperTrail item hash.
 *
 * @example
 * ```ts
 * import { REDIS_HLL_SEED, murmurHash64A } from "papertrail/hashing";
 * REDIS_HLL_SEED.toString(16); // => "adc83b19"
 * murmurHash64A("x") === murmurHash64A("x", REDIS_HLL_SEED); // => true
 * ```
 */
export const REDIS_HLL_SEED = 0xadc83b19;

// m = 0xc6a4a7935bd1e995 (halves M_HI, M_LO), r = 47 (Appleby, MurmurHash2
// 64-bit "64A").
//
// Hot-loop constants are function-local consts on purpose. A bundle turns
// every module-level const into a var (esbuild does, and tsup uses it), and
// Node 20's V8 cannot constant-fold a var: each use would load and unbox a
// heap number, since these values exceed the small-integer range. A local
// const of a literal folds into the machine code.

/**
 * High 32 bits of `a * M_LO` (a as unsigned 32 bits), as an int32. The
 * double product of the two is within 2^9 of the exact one (it is below
 * 2^63, where a double's spacing is at most 2^10), and the exact product is
 * `high * 2^32 + low` with `low` = `Math.imul(a, M_LO) >>> 0` exact; so
 * `(product - low) / 2^32` (one more rounding) is within 2^-22 of the integer `high`, and adding 0.5
 * before truncating gives `high` exactly (`high < 2^31`). About half the
 * instructions of four 16-bit `Math.imul` products and their carries, and a
 * smaller share of V8's per-function inlining budget: every call on the hash
 * loops' common path is inlined. Checked against the 16-bit form on 200,000
 * random strings (2026-12-06) and by the golden vectors in test/hashing.test.ts.
 */
function mulHighM(a: number): number {
  const product = (a >>> 0) * 1540483477; // 0x5bd1e995 = M_LO; a double within 2^9 of the exact product
  const low = Math.imul(a, 1540483477) >>> 0;
  return ((product - low) * 2.3283064365386963e-10 + 0.5) | 0;
}

/**
 * Receives a 64-bit hash as two 32-bit halves. PaperTrail writes them as
 * signed 32-bit integers (`hi | 0 === hi`), which V8 stores inside the object
 * as small integers; an unsigned value would be boxed in a separate heap
 * number, one more memory load per read. Read `hi >>> 0` for the unsigned
 * half. Every sketch's `addHashed` takes either form.
 *
 * @example
 * ```ts
 * import { type Hash64Out, HashedKey } from "papertrail/hashing";
 * const out: Hash64Out = HashedKey.of("alice");
 * (out.hi | 0) === out.hi; // => true
 * const unsigned: Hash64Out = { hi: out.hi >>> 0, lo: out.lo >>> 0 }; // the same hash
 * ```
 */
export interface Hash64Out {
  hi: number;
  lo: number;
}

/**
 * MurmurHash64A over `bytes[0, length)`, written into `out` as 32-bit
 * halves. Every 64-bit product by `m` is done on 32-bit halves: the low word
 * with Math.imul, the high word from `mulHighM` plus the cross terms. Every
 * step is 32-bit integer arithmetic on signed halves (V8's fastest
 * representation), and so is the output.
 *
 * @internal
 */
export function murmurHash64ABytesInto(bytes: Uint8Array, length: number, seed: number, out: Hash64Out): void {
  const M_HI = 0xc6a4a793;
  const M_LO = 0x5bd1e995;
  // h = seed ^ (len * m); seed is a 32-bit unsigned int, len < 2^32.
  let hLo = Math.imul(length, M_LO) ^ seed;
  // Below 2^21 bytes, length * M_LO is exact in a double: no mulHighM call (see its comment).
  let hHi = ((length < 2097152 ? Math.floor((length * M_LO) / 4294967296) : mulHighM(length)) + Math.imul(length, M_HI)) | 0;

  const blocks = length - (length & 7);
  let i = 0;
  for (; i < blocks; i += 8) {
    let kLo =
      (bytes[i] as number) | ((bytes[i + 1] as number) << 8) | ((bytes[i + 2] as number) << 16) | ((bytes[i + 3] as number) << 24);
    let kHi =
      (bytes[i + 4] as number) | ((bytes[i + 5] as number) << 8) | ((bytes[i + 6] as number) << 16) | ((bytes[i + 7] as number) << 24);
    // k *= m; k ^= k >> 47; k *= m; h ^= k; h *= m
    let low = Math.imul(kLo, M_LO);
    kHi = (mulHighM(kLo) + Math.imul(kHi, M_LO) + Math.imul(kLo, M_HI)) | 0;
    kLo = low ^ (kHi >>> 15);
    low = Math.imul(kLo, M_LO);
    kHi = (mulHighM(kLo) + Math.imul(kHi, M_LO) + Math.imul(kLo, M_HI)) | 0;
    hLo ^= low;
    hHi ^= kHi;
    low = Math.imul(hLo, M_LO);
    hHi = (mulHighM(hLo) + Math.imul(hHi, M_LO) + Math.imul(hLo, M_HI)) | 0;
    hLo = low;
  }

  const rest = length & 7;
  if (rest > 0) {
    // Tail bytes j = 0..rest-1 go to bit 8j of h (little-endian), then h *= m.
    for (let j = rest - 1; j >= 0; j--) {
      const b = bytes[i + j] as number;
      if (j >= 4) hHi ^= b << ((j - 4) * 8);
      else hLo ^= b << (j * 8);
    }
    const low = Math.imul(hLo, M_LO);
    hHi = (mulHighM(hLo) + Math.imul(hHi, M_LO) + Math.imul(hLo, M_HI)) | 0;
    hLo = low;
  }

  // h ^= h >> r; h *= m; h ^= h >> r;
  hLo ^= hHi >>> 15;
  const low = Math.imul(hLo, M_LO);
  hHi = (mulHighM(hLo) + Math.imul(hHi, M_LO) + Math.imul(hLo, M_HI)) | 0;
  out.hi = hHi;
  out.lo = low ^ (hHi >>> 15);
}

// Strings up to this many UTF-16 units try the ASCII path below.
const ASCII_PATH_MAX = 64;

/**
 * MurmurHash64A of a string's UTF-8 bytes into `out`. Short strings are
 * first hashed optimistically as ASCII straight from their char codes (no
 * scratch buffer); if any char turns out to be >= 0x80 the result is
 * discarded and the string is encoded to UTF-8 and hashed as bytes. Both
 * paths give the same hash for ASCII strings, whose UTF-8 bytes are their
 * char codes. The block mixing repeats {@link murmurHash64ABytesInto}'s on
 * purpose: a shared helper would need an allocation or an out-parameter per
 * block on the hottest path of the library. Returns whether the string is
 * ASCII (then it holds no surrogate: see `topKFieldHash`).
 *
 * @internal
 */
export function murmurHash64AStringInto(text: string, seed: number, out: Hash64Out): boolean {
  prototypeProbe.charCodeAt = String.prototype.charCodeAt; // see utf8.ts
  const M_HI = 0xc6a4a793;
  const M_LO = 0x5bd1e995;
  const length = text.length;
  if (length <= ASCII_PATH_MAX) {
    let hLo = Math.imul(length, M_LO) ^ seed;
    // length * M_LO < 2^37 here, exact in a double: no mulHighM call (see its comment).
    let hHi = (Math.floor((length * M_LO) / 4294967296) + Math.imul(length, M_HI)) | 0;
    let seen = 0; // OR of every char code: >= 0x80 means not ASCII
    const blocks = length - (length & 7);
    let i = 0;
    for (; i < blocks; i += 8) {
      const c0 = text.charCodeAt(i);
      const c1 = text.charCodeAt(i + 1);
      const c2 = text.charCodeAt(i + 2);
      const c3 = text.charCodeAt(i + 3);
      const c4 = text.charCodeAt(i + 4);
      const c5 = text.charCodeAt(i + 5);
      const c6 = text.charCodeAt(i + 6);
      const c7 = text.charCodeAt(i + 7);
      seen |= c0 | c1 | c2 | c3 | c4 | c5 | c6 | c7;
      let kLo = c0 | (c1 << 8) | (c2 << 16) | (c3 << 24);
      let kHi = c4 | (c5 << 8) | (c6 << 16) | (c7 << 24);
      let low = Math.imul(kLo, M_LO);
      kHi = (mulHighM(kLo) + Math.imul(kHi, M_LO) + Math.imul(kLo, M_HI)) | 0;
      kLo = low ^ (kHi >>> 15);
      low = Math.imul(kLo, M_LO);
      kHi = (mulHighM(kLo) + Math.imul(kHi, M_LO) + Math.imul(kLo, M_HI)) | 0;
      hLo ^= low;
      hHi ^= kHi;
      low = Math.imul(hLo, M_LO);
      hHi = (mulHighM(hLo) + Math.imul(hHi, M_LO) + Math.imul(hLo, M_HI)) | 0;
      hLo = low;
    }
    const rest = length & 7;
    if (rest > 0) {
      for (let j = rest - 1; j >= 0; j--) {
        const c = text.charCodeAt(i + j);
        seen |= c;
        if (j >= 4) hHi ^= c << ((j - 4) * 8);
        else hLo ^= c << (j * 8);
      }
      const low = Math.imul(hLo, M_LO);
      hHi = (mulHighM(hLo) + Math.imul(hHi, M_LO) + Math.imul(hLo, M_HI)) | 0;
      hLo = low;
    }
    if (seen < 0x80) {
      hLo ^= hHi >>> 15;
      const low = Math.imul(hLo, M_LO);
      hHi = (mulHighM(hLo) + Math.imul(hHi, M_LO) + Math.imul(hLo, M_HI)) | 0;
      out.hi = hHi;
      out.lo = low ^ (hHi >>> 15);
      return true;
    }
  }
  const byteLength = utf8.encode(text); // may replace utf8.bytes: read it after
  murmurHash64ABytesInto(utf8.bytes, byteLength, seed, out);
  // Every char beyond ASCII takes two or more bytes (a surrogate pair, two chars, four).
  return byteLength === text.length;
}

const scratchOut: Hash64Out = { hi: 0, lo: 0 };

/**
 * MurmurHash64A (Appleby's 64-bit MurmurHash2), the hash Redis uses for
 * HyperLogLog, as an unsigned 64-bit bigint. Strings are hashed as UTF-8.
 * The default seed is Redis's, {@link REDIS_HLL_SEED}.
 *
 * @example
 * ```ts
 * import { murmurHash64A } from "papertrail/hashing";
 * murmurHash64A("hello", 0).toString(16); // => "1e68d17c457bf117"
 * murmurHash64A("") === murmurHash64A(new Uint8Array(0)); // => true
 * ```
 */
export function murmurHash64A(input: string | Uint8Array, seed: number = REDIS_HLL_SEED): bigint {
  if (typeof input === "string") {
    murmurHash64AStringInto(input, seed >>> 0, scratchOut);
  } else {
    murmurHash64ABytesInto(input, input.length, seed >>> 0, scratchOut);
  }
  return (BigInt(scratchOut.hi >>> 0) << 32n) | BigInt(scratchOut.lo >>> 0);
}
