import { Uint64 } from "./uint64.js";
import { Utf8Buffer } from "./utf8.js";

/** This module's own encoding buffer for string inputs. */
const utf8 = new Utf8Buffer();

// c1 = 0x87c37b91114253d5, c2 = 0x4cf5ad432745937f (Appleby, MurmurHash3_x64_128).
const C1_HI = 0x87c37b91;
const C1_LO = 0x114253d5;
const C2_HI = 0x4cf5ad43;
const C2_LO = 0x2745937f;

const h1 = new Uint64();
const h2 = new Uint64();
const k1 = new Uint64();
const k2 = new Uint64();

function readWord(bytes: Uint8Array, offset: number): number {
  return (
    ((bytes[offset] as number) |
      ((bytes[offset + 1] as number) << 8) |
      ((bytes[offset + 2] as number) << 16) |
      ((bytes[offset + 3] as number) << 24)) >>>
    0
  );
}

/** fmix64: k ^= k >> 33; k *= 0xff51afd7ed558ccd; k ^= k >> 33; k *= 0xc4ceb9fe1a85ec53; k ^= k >> 33. */
function finalMix(k: Uint64): void {
  k.xorShiftRightHigh(33).multiply(0xff51afd7, 0xed558ccd).xorShiftRightHigh(33);
  k.multiply(0xc4ceb9fe, 0x1a85ec53).xorShiftRightHigh(33);
}

/**
 * MurmurHash3 x64_128 over `bytes[0, length)`, writing h1 and h2 as four
 * unsigned 32-bit words `[h1.hi, h1.lo, h2.hi, h2.lo]` into `out`.
 *
 * @internal
 */
export function murmurHash3x64_128BytesInto(bytes: Uint8Array, length: number, seed: number, out: Uint32Array): void {
  h1.set(0, seed);
  h2.set(0, seed);
  const blocks = length - (length & 15);
  let i = 0;
  for (; i < blocks; i += 16) {
    k1.set(readWord(bytes, i + 4), readWord(bytes, i));
    k2.set(readWord(bytes, i + 12), readWord(bytes, i + 8));
    k1.multiply(C1_HI, C1_LO).rotateLeft(31).multiply(C2_HI, C2_LO);
    h1.xor(k1.hi, k1.lo).rotateLeft(27).add(h2.hi, h2.lo).multiply(0, 5).add(0, 0x52dce729);
    k2.multiply(C2_HI, C2_LO).rotateLeft(33).multiply(C1_HI, C1_LO);
    h2.xor(k2.hi, k2.lo).rotateLeft(31).add(h1.hi, h1.lo).multiply(0, 5).add(0, 0x38495ab5);
  }
  const rest = length & 15;
  if (rest > 8) {
    k2.set(0, 0);
    for (let j = rest - 1; j >= 8; j--) {
      const b = bytes[i + j] as number;
      if (j >= 12) k2.xor(b << ((j - 12) * 8), 0);
      else k2.xor(0, b << ((j - 8) * 8));
    }
    k2.multiply(C2_HI, C2_LO).rotateLeft(33).multiply(C1_HI, C1_LO);
    h2.xor(k2.hi, k2.lo);
  }
  if (rest > 0) {
    k1.set(0, 0);
    for (let j = Math.min(rest, 8) - 1; j >= 0; j--) {
      const b = bytes[i + j] as number;
      if (j >= 4) k1.xor(b << ((j - 4) * 8), 0);
      else k1.xor(0, b << (j * 8));
    }
    k1.multiply(C1_HI, C1_LO).rotateLeft(31).multiply(C2_HI, C2_LO);
    h1.xor(k1.hi, k1.lo);
  }
  h1.xor(0, length);
  h2.xor(0, length);
  h1.add(h2.hi, h2.lo);
  h2.add(h1.hi, h1.lo);
  finalMix(h1);
  finalMix(h2);
  h1.add(h2.hi, h2.lo);
  h2.add(h1.hi, h1.lo);
  out[0] = h1.hi;
  out[1] = h1.lo;
  out[2] = h2.hi;
  out[3] = h2.lo;
}

const words = new Uint32Array(4);

/**
 * MurmurHash3 x64_128 (Appleby, SMHasher), the hash of Algebird's and
 * DataSketches' images, as the pair `[h1, h2]` of unsigned 64-bit bigints
 * (the reference writes them to memory as two little-endian words).
 * Strings are hashed as UTF-8.
 *
 * @example
 * ```ts
 * import { murmurHash3x64_128 } from "papertrail/hashing";
 * murmurHash3x64_128(""); // => [0n, 0n]
 * murmurHash3x64_128("hello").map((h) => h.toString(16)); // => ["cbd8a7b341bd9b02", "5b1e906a48ae1d19"]
 * ```
 */
export function murmurHash3x64_128(input: string | Uint8Array, seed = 0): [bigint, bigint] {
  if (typeof input === "string") {
    const length = utf8.encode(input);
    murmurHash3x64_128BytesInto(utf8.bytes, length, seed >>> 0, words);
  } else {
    murmurHash3x64_128BytesInto(input, input.length, seed >>> 0, words);
  }
  return [
    (BigInt(words[0] as number) << 32n) | BigInt(words[1] as number),
    (BigInt(words[2] as number) << 32n) | BigInt(words[3] as number),
  ];
}
