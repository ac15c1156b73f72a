import { prototypeProbe, Utf8Buffer } from "./utf8.js";

/** This module's own encoding buffer for string inputs. */
const utf8 = new Utf8Buffer();

// Hot-loop constants are function-local consts on purpose (see murmur64a.ts:
// a bundled module-level const becomes a var that V8 cannot fold).

/**
 * MurmurHash3's 32-bit finalizer (fmix32): full avalanche of `h`, as an
 * int32. Small enough that V8 inlines it at every call. @internal
 */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** MurmurHash3 x86_32 over `bytes[0, length)`. @internal */
export function murmurHash3x86_32Bytes(bytes: Uint8Array, length: number, seed: number): number {
  const C1 = 0xcc9e2d51;
  const C2 = 0x1b873593;
  let h = seed | 0;
  const blocks = length & ~3;
  let i = 0;
  for (; i < blocks; i += 4) {
    let k =
      (bytes[i] as number) |
      ((bytes[i + 1] as number) << 8) |
      ((bytes[i + 2] as number) << 16) |
      ((bytes[i + 3] as number) << 24);
    k = Math.imul(k, C1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, C2);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  let k = 0;
  switch (length & 3) {
    case 3:
      k ^= (bytes[i + 2] as number) << 16;
    // falls through
    case 2:
      k ^= (bytes[i + 1] as number) << 8;
    // falls through
    case 1:
      k ^= bytes[i] as number;
      k = Math.imul(k, C1);
      k = (k << 15) | (k >>> 17);
      k = Math.imul(k, C2);
      h ^= k;
  }
  return fmix32(h ^ length) >>> 0;
}

// Strings up to this many UTF-16 units try the ASCII path below.
const ASCII_PATH_MAX = 64;

/**
 * MurmurHash3 x86_32 of a string's UTF-8 bytes. Short strings are first
 * hashed optimistically as ASCII straight from their char codes; if any char
 * turns out to be >= 0x80 the result is discarded and the string is encoded
 * to UTF-8 and hashed as bytes (ASCII strings' UTF-8 bytes are their char
 * codes, so both paths agree). The block mixing repeats
 * {@link murmurHash3x86_32Bytes} on purpose, as in murmur64a.ts.
 */
function murmurHash3x86_32String(text: string, seed: number): number {
  prototypeProbe.charCodeAt = String.prototype.charCodeAt; // see utf8.ts
  const length = text.length;
  if (length <= ASCII_PATH_MAX) {
    const C1 = 0xcc9e2d51;
    const C2 = 0x1b873593;
    let h = seed | 0;
    let seen = 0; // OR of every char code: >= 0x80 means not ASCII
    const blocks = length & ~3;
    let i = 0;
    for (; i < blocks; i += 4) {
      const c0 = text.charCodeAt(i);
      const c1 = text.charCodeAt(i + 1);
      const c2 = text.charCodeAt(i + 2);
      const c3 = text.charCodeAt(i + 3);
      seen |= c0 | c1 | c2 | c3;
      let k = c0 | (c1 << 8) | (c2 << 16) | (c3 << 24);
      k = Math.imul(k, C1);
      k = (k << 15) | (k >>> 17);
      k = Math.imul(k, C2);
      h ^= k;
      h = (h << 13) | (h >>> 19);
      h = (Math.imul(h, 5) + 0xe6546b64) | 0;
    }
    const rest = length & 3;
    if (rest > 0) {
      const c0 = text.charCodeAt(i);
      const c1 = rest > 1 ? text.charCodeAt(i + 1) : 0;
      const c2 = rest > 2 ? text.charCodeAt(i + 2) : 0;
      seen |= c0 | c1 | c2;
      let k = c0 | (c1 << 8) | (c2 << 16);
      k = Math.imul(k, C1);
      k = (k << 15) | (k >>> 17);
      k = Math.imul(k, C2);
      h ^= k;
    }
    if (seen < 0x80) {
      return fmix32(h ^ length) >>> 0;
    }
  }
  const byteLength = utf8.encode(text); // may replace utf8.bytes: read it after
  return murmurHash3x86_32Bytes(utf8.bytes, byteLength, seed);
}

/**
 * MurmurHash3 x86_32 (Appleby, SMHasher), as an unsigned 32-bit integer.
 * Strings are hashed as their UTF-8 bytes without allocating. Matches the
 * reference C++ implementation and murmurhash3js-revisited.
 *
 * @param input - bytes, or a string (hashed as UTF-8)
 * @param seed - 32-bit seed, default 0
 *
 * @example
 * ```ts
 * import { murmurHash3x86_32 } from "papertrail/hashing";
 * murmurHash3x86_32(""); // => 0
 * murmurHash3x86_32("hello"); // => 613153351
 * murmurHash3x86_32(new TextEncoder().encode("hello")); // => 613153351
 * ```
 */
export function murmurHash3x86_32(input: string | Uint8Array, seed = 0): number {
  if (typeof input === "string") return murmurHash3x86_32String(input, seed);
  return murmurHash3x86_32Bytes(input, input.length, seed);
}
