/**
 * Redis HyperLogLog strings ("HYLL"), as written by PFADD and read by
 * PFCOUNT / PFMERGE (redis/redis `src/hyperloglog.c`):
 *
 * ```text
 * offset  size   field
 * 0       4      magic "HYLL"
 * 4       1      encoding: 0 = dense, 1 = sparse
 * 5       3      unused, 0
 * 8       8      cached cardinality, little-endian; valid only when bit 7 of byte 15 is clear
 * 16      ...    registers: dense = 16384 x 6 bits (12288 bytes), or sparse opcodes
 * ```
 *
 * Dense registers are packed LSB-first: register i starts at bit 6i.
 * Sparse opcodes: ZERO `00xxxxxx` (x+1 zero registers), XZERO
 * `01xxxxxx yyyyyyyy` ((x<<8|y)+1 zero registers), VAL `1vvvvvxx` (x+1
 * registers of value v+1, v+1 <= 32).
 *
 * @internal
 */
import { DecodeError } from "../errors.js";

export const REDIS_PRECISION = 14;
export const REDIS_REGISTERS = 1 << REDIS_PRECISION;
const HEADER_BYTES = 16;
const DENSE_BYTES = (REDIS_REGISTERS * 6) / 8;
/** Redis's default `hll-sparse-max-bytes`: larger sparse strings are written dense. */
export const REDIS_SPARSE_MAX_BYTES = 3000;
const SPARSE_VAL_MAX_VALUE = 32;
const SPARSE_VAL_MAX_LENGTH = 4;
const SPARSE_ZERO_MAX_LENGTH = 64;
const SPARSE_XZERO_MAX_LENGTH = 16384;

/** Packs registers (one per byte, values < 64) into 6-bit fields, LSB-first. */
export function packRegisters(registers: Uint8Array, out: Uint8Array, offset: number): void {
  for (let i = 0; i < registers.length; i++) {
    const value = registers[i] as number;
    const bit = i * 6;
    const byte = offset + (bit >> 3);
    const shift = bit & 7;
    out[byte] = (out[byte] as number) | ((value << shift) & 0xff);
    if (shift > 2) out[byte + 1] = (out[byte + 1] as number) | (value >> (8 - shift));
  }
}

/** Unpacks 6-bit LSB-first registers; never reads past `packed`'s end. */
export function unpackRegisters(packed: Uint8Array, offset: number, registers: Uint8Array): void {
  const end = packed.length;
  for (let i = 0; i < registers.length; i++) {
    const bit = i * 6;
    const byte = offset + (bit >> 3);
    const shift = bit & 7;
    const b0 = packed[byte] as number;
    // The last register's read of the next byte is guarded (Redis relies on a trailing NUL).
    const b1 = byte + 1 < end ? (packed[byte + 1] as number) : 0;
    registers[i] = ((b0 >> shift) | (b1 << (8 - shift))) & 63;
  }
}

function header(encoding: number, length: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(length);
  out.set([0x48, 0x59, 0x4c, 0x4c, encoding]); // "HYLL"
  out[15] = 0x80; // cached cardinality marked invalid: Redis recomputes it
  return out;
}

/** Sparse opcodes for `registers`, or `undefined` when a value exceeds 32. */
function sparseBody(registers: Uint8Array): number[] | undefined {
  const body: number[] = [];
  let i = 0;
  while (i < registers.length) {
    const value = registers[i] as number;
    let run = 1;
    while (i + run < registers.length && registers[i + run] === value) run++;
    i += run;
    if (value === 0) {
      while (run > 0) {
        if (run > SPARSE_ZERO_MAX_LENGTH) {
          const length = Math.min(run, SPARSE_XZERO_MAX_LENGTH);
          body.push(0x40 | ((length - 1) >> 8), (length - 1) & 0xff);
          run -= length;
        } else {
          body.push(run - 1);
          run = 0;
        }
      }
    } else {
      if (value > SPARSE_VAL_MAX_VALUE) return undefined;
      while (run > 0) {
        const length = Math.min(run, SPARSE_VAL_MAX_LENGTH);
        body.push(0x80 | ((value - 1) << 2) | (length - 1));
        run -= length;
      }
    }
  }
  return body;
}

/**
 * Encodes 16384 registers as a Redis HYLL string: sparse when every value
 * fits (<= 32) and the result is at most `REDIS_SPARSE_MAX_BYTES`, else dense.
 */
export function encodeRedisHll(registers: Uint8Array): Uint8Array<ArrayBuffer> {
  const body = sparseBody(registers);
  if (body !== undefined && HEADER_BYTES + body.length <= REDIS_SPARSE_MAX_BYTES) {
    const out = header(1, HEADER_BYTES + body.length);
    out.set(body, HEADER_BYTES);
    return out;
  }
  const out = header(0, HEADER_BYTES + DENSE_BYTES);
  packRegisters(registers, out, HEADER_BYTES);
  return out;
}

/** Decodes a Redis HYLL string into 16384 registers; throws DecodeError on anything malformed. */
export function decodeRedisHll(bytes: Uint8Array): Uint8Array {
  const what = "Redis HyperLogLog string";
  if (!(bytes instanceof Uint8Array)) throw new DecodeError("malformed", `${what}: expected a Uint8Array`);
  if (bytes.length < HEADER_BYTES) {
    throw new DecodeError("truncated", `${what}: ${bytes.length} bytes is shorter than the 16-byte header`, 0);
  }
  if (bytes[0] !== 0x48 || bytes[1] !== 0x59 || bytes[2] !== 0x4c || bytes[3] !== 0x4c) {
    throw new DecodeError("bad-magic", `${what}: does not start with "HYLL"`, 0);
  }
  const encoding = bytes[4];
  if (bytes[5] !== 0 || bytes[6] !== 0 || bytes[7] !== 0) {
    throw new DecodeError("invalid-field", `${what}: unused header bytes must be zero`, 5);
  }
  const registers = new Uint8Array(REDIS_REGISTERS);
  if (encoding === 0) {
    if (bytes.length !== HEADER_BYTES + DENSE_BYTES) {
      throw new DecodeError(
        bytes.length < HEADER_BYTES + DENSE_BYTES ? "truncated" : "length-mismatch",
        `${what}: dense encoding needs exactly ${HEADER_BYTES + DENSE_BYTES} bytes, got ${bytes.length}`,
      );
    }
    unpackRegisters(bytes, HEADER_BYTES, registers);
    return registers;
  }
  if (encoding !== 1) {
    throw new DecodeError("invalid-field", `${what}: encoding ${encoding} is neither dense (0) nor sparse (1)`, 4);
  }
  let index = 0;
  let p = HEADER_BYTES;
  while (p < bytes.length) {
    const op = bytes[p] as number;
    let length: number;
    let value = 0;
    if ((op & 0xc0) === 0) {
      length = (op & 0x3f) + 1;
      p += 1;
    } else if ((op & 0xc0) === 0x40) {
      if (p + 1 >= bytes.length) throw new DecodeError("truncated", `${what}: XZERO opcode cut short`, p);
      length = (((op & 0x3f) << 8) | (bytes[p + 1] as number)) + 1;
      p += 2;
    } else {
      value = ((op >> 2) & 0x1f) + 1;
      length = (op & 3) + 1;
      p += 1;
    }
    if (index + length > REDIS_REGISTERS) {
      throw new DecodeError("invalid-field", `${what}: sparse opcodes describe more than ${REDIS_REGISTERS} registers`, p);
    }
    if (value !== 0) registers.fill(value, index, index + length);
    index += length;
  }
  if (index !== REDIS_REGISTERS) {
    throw new DecodeError("truncated", `${what}: sparse opcodes describe ${index} of ${REDIS_REGISTERS} registers`, p);
  }
  return registers;
}
