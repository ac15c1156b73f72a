/**
 * SHA-256 (FIPS 180-4 §6.2) in TypeScript over typed arrays: synchronous and
 * browser-safe, where Web Crypto's `subtle.digest` is asynchronous only. The
 * Merkle functions of `papertrail/compliance` hash millions of 33- and
 * 65-byte messages with it, so the incremental {@link Sha256} takes byte
 * ranges (no `subarray` views) and writes digests into a caller's buffer.
 *
 * @module
 */

import { compress } from "./sha256-compress.js";

// FIPS 180-4 §5.3.3: the initial hash value H(0).
const H0 = new Int32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);

/**
 * A DataView over the last ArrayBuffer hashed from, kept so that hashing
 * many messages out of one buffer (a file chunk, a tree level) reads their
 * blocks in place without a view allocated per message. It keeps that
 * buffer reachable until a message from another one is hashed; the one-shot
 * `sha256` lets go of it.
 */
let viewBuffer: ArrayBufferLike | undefined;
let view: DataView = new DataView(new ArrayBuffer(0));

function viewOf(bytes: Uint8Array): DataView {
  if (bytes.buffer !== viewBuffer) {
    viewBuffer = bytes.buffer;
    view = new DataView(bytes.buffer);
  }
  return view;
}

/** Forgets the cached view, so that it does not keep a large buffer alive. */
function releaseView(): void {
  viewBuffer = undefined;
  view = new DataView(new ArrayBuffer(0));
}

/** Writes the eight state words big-endian into `out[offset, offset + 32)`: the digest. */
function writeDigest(state: Int32Array, out: Uint8Array, offset: number): void {
  for (let j = 0; j < 8; j++, offset += 4) {
    const word = state[j] as number;
    out[offset] = word >>> 24;
    out[offset + 1] = word >>> 16;
    out[offset + 2] = word >>> 8;
    out[offset + 3] = word;
  }
}

/**
 * Pads the `n` message bytes waiting in `block` (§5.1.1: 0x80, zeros, the
 * message length in bits as a 64-bit big-endian integer ending the last
 * block), compresses, and writes the digest at `out[offset]`.
 */
function finish(state: Int32Array, block: Uint8Array, blockView: DataView, n: number, length: number, out: Uint8Array, offset: number): void {
  block[n++] = 0x80;
  if (n > 56) {
    block.fill(0, n);
    compress(state, blockView, 0, blockView.getInt32(0));
    n = 0;
  }
  block.fill(0, n, 56);
  blockView.setUint32(56, Math.floor(length / 0x20000000)); // bits above the low 32: length * 8 / 2^32
  blockView.setUint32(60, (length % 0x20000000) * 8);
  compress(state, blockView, 0, blockView.getInt32(0));
  writeDigest(state, out, offset);
}

/**
 * Incremental SHA-256: `update` with byte ranges, then `digestInto` a
 * caller's buffer (or `digest` for a new array). After a digest the hasher is
 * reset and ready for the next message. Holds 96 bytes of typed arrays and
 * allocates nothing per block (a DataView when it first reads from a new
 * ArrayBuffer). Messages up to 2^53 − 1 bytes.
 *
 * @example
 * ```ts
 * import { Sha256, sha256 } from "papertrail/hashing";
 * const bytes = new TextEncoder().encode("abc");
 * const hasher = new Sha256();
 * hasher.update(bytes, 0, 1).update(bytes, 1);
 * const out = new Uint8Array(40);
 * hasher.digestInto(out, 8);
 * out.slice(8); // => sha256(bytes)
 * ```
 */
export class Sha256 {
  private readonly state = new Int32Array(8);
  private readonly block = new Uint8Array(64);
  private readonly blockView = new DataView(this.block.buffer);
  /** Bytes waiting in `block`. */
  private buffered = 0;
  /** Bytes hashed so far in this message. */
  private length = 0;

  constructor() {
    this.state.set(H0);
  }

  /** Forgets any data given since the last digest. */
  reset(): this {
    this.state.set(H0);
    this.buffered = 0;
    this.length = 0;
    return this;
  }

  /** Feeds `bytes[start, end)` (the whole array by default). */
  update(bytes: Uint8Array, start = 0, end: number = bytes.length): this {
    const { block, state } = this;
    let i = start;
    this.length += end - i;
    if (this.buffered > 0) {
      let n = this.buffered;
      while (n < 64 && i < end) block[n++] = bytes[i++];
      this.buffered = n;
      if (n < 64) return this;
      compress(state, this.blockView, 0, this.blockView.getInt32(0));
      this.buffered = 0;
    }
    // Whole blocks straight from the input, without copying.
    if (end - i >= 64) {
      const input = viewOf(bytes);
      for (let at = bytes.byteOffset + i; end - i >= 64; i += 64, at += 64) compress(state, input, at, input.getInt32(at));
    }
    let n = 0;
    while (i < end) block[n++] = bytes[i++];
    this.buffered = n;
    return this;
  }

  /** Writes the 32-byte digest at `out[offset]` and resets the hasher. */
  digestInto(out: Uint8Array, offset = 0): void {
    finish(this.state, this.block, this.blockView, this.buffered, this.length, out, offset);
    this.reset();
  }

  /** The 32-byte digest as a new array; resets the hasher. */
  digest(): Uint8Array<ArrayBuffer> {
    const out = new Uint8Array(32);
    this.digestInto(out, 0);
    return out;
  }
}

// Scratch of the one-shot prefixed hashes below (synchronous, so one set serves every caller).
const scratchState = new Int32Array(8);
const scratchBlock = new Uint8Array(64);
const scratchView = new DataView(scratchBlock.buffer);
const pair = new Uint8Array(128);
const pairView = new DataView(pair.buffer);
// The second block of a 65-byte message is fixed but for its first byte:
// 0x80, zeros, and the length 520 bits (§5.1.1).
pair[65] = 0x80;
pairView.setUint32(124, 65 * 8);

/**
 * Writes SHA-256(prefix ‖ bytes[start, end)) at `out[offset]`: the RFC 6962
 * leaf hash with prefix 0x00. The data is not copied: the first block is
 * read one byte before `start`, the byte there replaced by the prefix in the
 * first word, and the following whole blocks are read in place; only the
 * last partial block is copied. (Used by the audit log's tree hasher; not
 * part of the public API.)
 */
export function sha256PrefixedInto(prefix: number, bytes: Uint8Array, start: number, end: number, out: Uint8Array, offset: number): void {
  const state = scratchState;
  state.set(H0);
  let i = start;
  let n = 0;
  const at = bytes.byteOffset + start - 1;
  if (end - start >= 63 && at >= 0) {
    const input = viewOf(bytes);
    compress(state, input, at, (input.getInt32(at) & 0x00ffffff) | (prefix << 24));
    i += 63;
    for (let from = at + 64; end - i >= 64; i += 64, from += 64) compress(state, input, from, input.getInt32(from));
  } else {
    scratchBlock[n++] = prefix;
    while (n < 64 && i < end) scratchBlock[n++] = bytes[i++];
    if (n === 64) {
      compress(state, scratchView, 0, scratchView.getInt32(0));
      n = 0;
      if (end - i >= 64) {
        const input = viewOf(bytes);
        for (let from = bytes.byteOffset + i; end - i >= 64; i += 64, from += 64) compress(state, input, from, input.getInt32(from));
      }
    }
  }
  if (n === 0 && i < end && bytes.byteOffset + end + 3 <= bytes.buffer.byteLength) {
    // The last partial block, a word at a time: up to 3 bytes past `end` are
    // read and then overwritten by the padding.
    const input = viewOf(bytes);
    for (let from = bytes.byteOffset + i; i < end; i += 4, from += 4, n += 4) scratchView.setInt32(n, input.getInt32(from));
    n -= i - end;
  } else {
    while (i < end) scratchBlock[n++] = bytes[i++];
  }
  finish(state, scratchBlock, scratchView, n, end - start + 1, out, offset);
}

/**
 * Writes SHA-256(0x01 ‖ left[l, l + 32) ‖ right[r, r + 32)) at
 * `out[offset]`: the RFC 6962 node hash. The 65 bytes are copied into a
 * two-block buffer whose padding is written once; `out` may overlap the
 * inputs. (Not part of the public API.)
 */
export function sha256NodeInto(left: Uint8Array, l: number, right: Uint8Array, r: number, out: Uint8Array, offset: number): void {
  pair[0] = 0x01;
  for (let i = 0; i < 32; i++) pair[1 + i] = left[l + i];
  for (let i = 0; i < 32; i++) pair[33 + i] = right[r + i];
  const state = scratchState;
  state.set(H0);
  compress(state, pairView, 0, pairView.getInt32(0));
  compress(state, pairView, 64, pairView.getInt32(64));
  writeDigest(state, out, offset);
}

/**
 * The state after compressing the 64-byte `block` from H(0): a midstate.
 * With it, {@link sha256ResumedInto} hashes `block ‖ message` one
 * compression sooner (HMAC's key pads, the first block of both of its
 * hashes under a fixed key). (Not part of the public API.)
 */
export function sha256Midstate(block: Uint8Array): Int32Array<ArrayBuffer> {
  if (block.length !== 64) throw new RangeError(`a SHA-256 midstate takes one 64-byte block, got ${block.length} bytes`);
  const state = Int32Array.from(H0);
  const input = viewOf(block);
  compress(state, input, block.byteOffset, input.getInt32(block.byteOffset));
  return state;
}

/**
 * Writes SHA-256(B ‖ bytes[start, end)) at `out[offset]`, where `midstate`
 * is {@link sha256Midstate}`(B)`: the state after B is restored, not
 * recomputed. Whole blocks of the data are read in place, the last partial
 * one copied; `out` may overlap the data. (Not part of the public API.)
 */
export function sha256ResumedInto(midstate: Int32Array, bytes: Uint8Array, start: number, end: number, out: Uint8Array, offset: number): void {
  // Whole blocks are read from the underlying buffer: a range past the view would read bytes that are not the view's.
  if (!(start >= 0 && start <= end && end <= bytes.length)) throw new RangeError(`bytes [${start}, ${end}) is not within a view of ${bytes.length} bytes`);
  const state = scratchState;
  state.set(midstate);
  let i = start;
  if (end - i >= 64) {
    const input = viewOf(bytes);
    for (let at = bytes.byteOffset + i; end - i >= 64; i += 64, at += 64) compress(state, input, at, input.getInt32(at));
  }
  let n = 0;
  while (i < end) scratchBlock[n++] = bytes[i++] as number;
  finish(state, scratchBlock, scratchView, n, 64 + end - start, out, offset);
}

const shared = new Sha256();

/**
 * SHA-256 of `bytes` (FIPS 180-4), as a new 32-byte array. Synchronous and
 * browser-safe; matches `node:crypto`'s `createHash("sha256")`.
 *
 * @example
 * ```ts
 * import { sha256 } from "papertrail/hashing";
 * const hex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
 * hex(sha256(new TextEncoder().encode("abc"))); // => "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
 * hex(sha256(new Uint8Array(0))); // => "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
 * ```
 */
export function sha256(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  const digest = shared.reset().update(bytes).digest();
  releaseView();
  return digest;
}
