// Straight BigInt transcription of MurmurHash64A (Appleby, MurmurHash2.cpp;
// the copy in Redis src/hyperloglog.c). Slow but obviously correct: the oracle
// for the 32-bit-halves implementation in src/hashing/murmur64a.ts.
const MASK = (1n << 64n) - 1n;
const M = 0xc6a4a7935bd1e995n;
const R = 47n;

export function murmurHash64AReference(bytes: Uint8Array, seed: number): bigint {
  const length = bytes.length;
  let h = (BigInt(seed >>> 0) ^ ((BigInt(length) * M) & MASK)) & MASK;
  const blocks = length - (length & 7);
  for (let i = 0; i < blocks; i += 8) {
    let k = 0n;
    for (let j = 7; j >= 0; j--) k = (k << 8n) | BigInt(bytes[i + j] as number);
    k = (k * M) & MASK;
    k ^= k >> R;
    k = (k * M) & MASK;
    h ^= k;
    h = (h * M) & MASK;
  }
  const rest = length & 7;
  if (rest > 0) {
    for (let j = rest - 1; j >= 0; j--) h ^= BigInt(bytes[blocks + j] as number) << BigInt(8 * j);
    h = (h * M) & MASK;
  }
  h ^= h >> R;
  h = (h * M) & MASK;
  h ^= h >> R;
  return h;
}
