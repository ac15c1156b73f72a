// Straight BigInt transcription of SipHash-c-d with 64-bit output, from the
// description in Aumasson & Bernstein, "SipHash: a fast short-input PRF"
// (2012), section 2. Slow but obviously correct: the oracle for the
// 32-bit-halves implementation in src/hashing/siphash.ts on random inputs.
const MASK = (1n << 64n) - 1n;

const rotl = (x: bigint, r: bigint): bigint => ((x << r) | (x >> (64n - r))) & MASK;

function readWord(bytes: Uint8Array, at: number): bigint {
  let word = 0n;
  for (let j = 7; j >= 0; j--) word = (word << 8n) | BigInt(bytes[at + j] as number);
  return word;
}

export function sipHashReference(key: Uint8Array, message: Uint8Array, c = 2, d = 4): bigint {
  const k0 = readWord(key, 0);
  const k1 = readWord(key, 8);
  const v = [k0 ^ 0x736f6d6570736575n, k1 ^ 0x646f72616e646f6dn, k0 ^ 0x6c7967656e657261n, k1 ^ 0x7465646279746573n] as [bigint, bigint, bigint, bigint];
  const round = (): void => {
    v[0] = (v[0] + v[1]) & MASK;
    v[1] = rotl(v[1], 13n) ^ v[0];
    v[0] = rotl(v[0], 32n);
    v[2] = (v[2] + v[3]) & MASK;
    v[3] = rotl(v[3], 16n) ^ v[2];
    v[0] = (v[0] + v[3]) & MASK;
    v[3] = rotl(v[3], 21n) ^ v[0];
    v[2] = (v[2] + v[1]) & MASK;
    v[1] = rotl(v[1], 17n) ^ v[2];
    v[2] = rotl(v[2], 32n);
  };
  const blocks = message.length - (message.length % 8);
  const words: bigint[] = [];
  for (let i = 0; i < blocks; i += 8) words.push(readWord(message, i));
  let last = BigInt(message.length & 0xff) << 56n;
  for (let j = 0; j < message.length - blocks; j++) last |= BigInt(message[blocks + j] as number) << BigInt(8 * j);
  words.push(last);
  for (const m of words) {
    v[3] ^= m;
    for (let r = 0; r < c; r++) round();
    v[0] ^= m;
  }
  v[2] ^= 0xffn;
  for (let r = 0; r < d; r++) round();
  return v[0] ^ v[1] ^ v[2] ^ v[3];
}
