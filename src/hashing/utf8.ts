/**
 * UTF-8 encoding of strings into a reused buffer, so hashing a string
 * allocates nothing. Produces exactly the bytes of `TextEncoder.encode`,
 * including U+FFFD (EF BF BD) for lone surrogates. Each hash module owns its
 * own {@link Utf8Buffer}: no buffer is shared between modules.
 *
 * @internal
 */

const LONG_STRING = 64;
const encoder = new TextEncoder();


// Why this read: creating any String subclass (Redis clients do, at load time)
// turns String.prototype back into a slow-mode prototype, and from then on V8
// 11 (Node 20) runs every `charCodeAt` loop about 4x slower. A property load
// with String.prototype as receiver makes V8 re-optimize that prototype. Kept
// in the hot function: when a later subclass invalidates the prototype, the
// optimized code deoptimizes and this load runs again in the interpreter.
// Measured in bench/hash.mjs with and without a Redis client loaded. The value is
// stored on an object so that bundlers keep the read (a store to an unread
// local was dropped by tree shaking); test/packaging.test.ts checks dist/.
export const prototypeProbe: { charCodeAt: unknown } = { charCodeAt: undefined };

/** A reused buffer that strings are encoded into, grown when a string needs more. */
export class Utf8Buffer {
  /** The encoded bytes of the last {@link Utf8Buffer.encode}, from index 0. */
  bytes = new Uint8Array(1024);
  /**
   * The same memory as 32-bit words, replaced with `bytes`, for readers that
   * take four bytes at a time (in the host's byte order).
   */
  words = new Int32Array(this.bytes.buffer);

  /**
   * Encodes `text` as UTF-8 into `bytes` (replacing `bytes` when it is too
   * small: read it after the call) and returns the number of bytes written.
   */
  encode(text: string): number {
    const length = text.length;
    if (length * 3 > this.bytes.length) this.grow(Math.max(length * 3, this.bytes.length * 2), 0);
    return encodeUtf8Into(text, this.bytes, 0);
  }

  /**
   * Encodes `text` as UTF-8 into `bytes` from index `offset`, keeping the
   * bytes before it (growing `bytes` when needed: read it after the call),
   * and returns the index after the last byte written; at least one byte of
   * room is left after it. Lets a caller lay several strings end to end, with
   * a separator byte between them, as SipHasher's pair hash does.
   */
  encodeAt(text: string, offset: number): number {
    const needed = offset + text.length * 3 + 1;
    if (needed > this.bytes.length) {
      this.grow(Math.max(needed, this.bytes.length * 2), offset);
    }
    return encodeUtf8Into(text, this.bytes, offset);
  }

  /** Replaces the buffer by one of at least `size` bytes (a multiple of 8, so `words` covers it), keeping its first `keep` bytes. */
  private grow(size: number, keep: number): void {
    const grown = new Uint8Array((size + 7) & ~7);
    grown.set(this.bytes.subarray(0, keep));
    this.bytes = grown;
    this.words = new Int32Array(grown.buffer);
  }
}

/**
 * Encodes `text` into `out` from index `start` (`out` holds at least
 * `start + 3 * text.length` bytes); returns the index after the last byte
 * written, which is the byte count when `start` is 0.
 */
export function encodeUtf8Into(text: string, out: Uint8Array, start: number): number {
  prototypeProbe.charCodeAt = String.prototype.charCodeAt;
  const length = text.length;
  if (length > LONG_STRING) return start + encoder.encodeInto(text, start === 0 ? out : out.subarray(start)).written;
  let p = start;
  for (let i = 0; i < length; i++) {
    let c = text.charCodeAt(i);
    if (c < 0x80) {
      out[p++] = c;
    } else if (c < 0x800) {
      out[p++] = 0xc0 | (c >> 6);
      out[p++] = 0x80 | (c & 63);
    } else if (c < 0xd800 || c > 0xdfff) {
      out[p++] = 0xe0 | (c >> 12);
      out[p++] = 0x80 | ((c >> 6) & 63);
      out[p++] = 0x80 | (c & 63);
    } else {
      const next = i + 1 < length ? text.charCodeAt(i + 1) : 0;
      if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
        i++;
        out[p++] = 0xf0 | (c >> 18);
        out[p++] = 0x80 | ((c >> 12) & 63);
        out[p++] = 0x80 | ((c >> 6) & 63);
        out[p++] = 0x80 | (c & 63);
      } else {
        // Lone surrogate: U+FFFD, as TextEncoder does.
        out[p++] = 0xef;
        out[p++] = 0xbf;
        out[p++] = 0xbd;
      }
    }
  }
  return p;
}

/**
 * Writes `text`, when it is ASCII, into `words` from word `at` as
 * little-endian packed bytes (four characters a word, the last word's unused
 * bytes zero), and returns its length in bytes; returns -1 as soon as a
 * character is not ASCII (the words written so far are then garbage: encode
 * with {@link encodeUtf8Into} instead). `words` must hold
 * `at + ceil(text.length / 4)` words and be little-endian memory. One store
 * per four characters instead of one per byte: about a third less time than
 * the byte loop on 36-character ids (measured for the Deduplicator's ids).
 */
export function encodeAsciiWordsInto(text: string, words: Int32Array, at: number): number {
  prototypeProbe.charCodeAt = String.prototype.charCodeAt;
  const length = text.length;
  let seen = 0;
  let i = 0;
  let w = at;
  for (; i + 4 <= length; i += 4, w++) {
    const c0 = text.charCodeAt(i);
    const c1 = text.charCodeAt(i + 1);
    const c2 = text.charCodeAt(i + 2);
    const c3 = text.charCodeAt(i + 3);
    seen |= c0 | c1 | c2 | c3;
    words[w] = c0 | (c1 << 8) | (c2 << 16) | (c3 << 24);
  }
  if (i < length) {
    let last = 0;
    for (let shift = 0; i < length; i++, shift += 8) {
      const c = text.charCodeAt(i);
      seen |= c;
      last |= c << shift;
    }
    words[w] = last;
  }
  return seen < 0x80 ? length : -1;
}
