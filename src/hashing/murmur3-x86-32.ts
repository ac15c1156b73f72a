import { encodeUtf8, utf8Scratch } from "./utf8.js";

// Hot-loop constants are function-local consts on purpose. A bundle turns
// every module-level const into a var (esbuild does, and tsup uses it), and
// Node 20's V8 cannot constant-fold a var: each use would load and unbox a
// heap number, since these values exceed the small-integer range. A local
// const of a literal folds into the machine code.

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
  h ^= length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
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
  if (typeof input === "string") {
    const length = encodeUtf8(input);
    return murmurHash3x86_32Bytes(utf8Scratch, length, seed);
  }
  return murmurHash3x86_32Bytes(input, input.length, seed);
}
