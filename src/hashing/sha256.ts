/**
 * SHA-256 (FIPS 180-4 §6.2) in TypeScript over typed arrays: synchronous and
 * browser-safe, where Web Crypto's `subtle.digest` is asynchronous only. The
 * Merkle functions of `papertrail/compliance` hash millions of 33- and
 * 65-byte messages with it, so the incremental {@link Sha256} takes byte
 * ranges (no `subarray` views) and writes digests into a caller's buffer.
 *
 * @module
 */

// FIPS 180-4 §4.2.2: the first 32 bits of the fractional parts of the cube
// roots of the first 64 primes.
const K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01,
  0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc,
  0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
  0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08,
  0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
  0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

// FIPS 180-4 §5.3.3: the initial hash value H(0).
const H0 = new Int32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);

/** One compression (§6.2.2) of the 64-byte block at `src[offset]` into `state`; `w` is the message schedule scratch. */
function compress(state: Int32Array, w: Int32Array, src: Uint8Array, offset: number): void {
  for (let t = 0; t < 16; t++, offset += 4) {
    w[t] = (src[offset] << 24) | (src[offset + 1] << 16) | (src[offset + 2] << 8) | src[offset + 3];
  }
  for (let t = 16; t < 64; t++) {
    const x = w[t - 15];
    const y = w[t - 2];
    // σ0 and σ1 (§4.1.2, equations 4.6 and 4.7).
    const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
    const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
    w[t] = (w[t - 16] + s0 + w[t - 7] + s1) | 0;
  }
  let a = state[0];
  let b = state[1];
  let c = state[2];
  let d = state[3];
  let e = state[4];
  let f = state[5];
  let g = state[6];
  let h = state[7];
  for (let t = 0; t < 64; t++) {
    // Σ1(e), Ch(e, f, g), Σ0(a), Maj(a, b, c) (§4.1.2, equations 4.2–4.5).
    const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const ch = (e & f) ^ (~e & g);
    const t1 = (h + S1 + ch + K[t] + w[t]) | 0;
    const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const maj = (a & b) ^ (a & c) ^ (b & c);
    const t2 = (S0 + maj) | 0;
    h = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  state[0] = (state[0] + a) | 0;
  state[1] = (state[1] + b) | 0;
  state[2] = (state[2] + c) | 0;
  state[3] = (state[3] + d) | 0;
  state[4] = (state[4] + e) | 0;
  state[5] = (state[5] + f) | 0;
  state[6] = (state[6] + g) | 0;
  state[7] = (state[7] + h) | 0;
}

/**
 * Incremental SHA-256: `update` with byte ranges, then `digestInto` a
 * caller's buffer (or `digest` for a new array). After a digest the hasher is
 * reset and ready for the next message. Holds 416 bytes of typed arrays and
 * allocates nothing per block. Messages up to 2^53 − 1 bytes.
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
  private readonly words = new Int32Array(64);
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
    const { block, state, words } = this;
    let i = start;
    this.length += end - i;
    if (this.buffered > 0) {
      let n = this.buffered;
      while (n < 64 && i < end) block[n++] = bytes[i++];
      this.buffered = n;
      if (n < 64) return this;
      compress(state, words, block, 0);
      this.buffered = 0;
    }
    // Whole blocks straight from the input, without copying.
    for (; end - i >= 64; i += 64) compress(state, words, bytes, i);
    let n = 0;
    while (i < end) block[n++] = bytes[i++];
    this.buffered = n;
    return this;
  }

  /** Writes the 32-byte digest at `out[offset]` and resets the hasher. */
  digestInto(out: Uint8Array, offset = 0): void {
    const { block, state, words } = this;
    // Padding (§5.1.1): 0x80, zeros, and the message length in bits as a
    // 64-bit big-endian integer ending the last block.
    let n = this.buffered;
    block[n++] = 0x80;
    if (n > 56) {
      block.fill(0, n);
      compress(state, words, block, 0);
      n = 0;
    }
    block.fill(0, n, 56);
    const high = Math.floor(this.length / 0x20000000); // bits above the low 32: length * 8 / 2^32
    const low = (this.length % 0x20000000) * 8;
    block[56] = high >>> 24;
    block[57] = high >>> 16;
    block[58] = high >>> 8;
    block[59] = high;
    block[60] = low >>> 24;
    block[61] = low >>> 16;
    block[62] = low >>> 8;
    block[63] = low;
    compress(state, words, block, 0);
    for (let j = 0; j < 8; j++, offset += 4) {
      const word = state[j];
      out[offset] = word >>> 24;
      out[offset + 1] = word >>> 16;
      out[offset + 2] = word >>> 8;
      out[offset + 3] = word;
    }
    this.reset();
  }

  /** The 32-byte digest as a new array; resets the hasher. */
  digest(): Uint8Array<ArrayBuffer> {
    const out = new Uint8Array(32);
    this.digestInto(out, 0);
    return out;
  }
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
  return shared.reset().update(bytes).digest();
}
