/**
 * SipHash-c-d as a WebAssembly function: the same algorithm as the
 * JavaScript kernel in siphash.ts, on native 64-bit integers (`i64.add`,
 * `i64.rotl`) instead of pairs of 32-bit halves. On an id of about 40 bytes
 * it hashes in well under half the time of the JavaScript version
 * (bench/dedup.mjs, "hash alone" rows). WebAssembly is a web-standard API,
 * so this stays browser-safe; where it is missing or refused (a Content
 * Security Policy without `wasm-unsafe-eval`), or the host is big-endian,
 * {@link createSipKernel} returns undefined and SipHasher uses JavaScript.
 *
 * Memory of one instance (one 64 KiB page, one instance per key):
 * bytes 0..15 the key, 16..23 the last hash (little-endian), messages at or
 * after byte {@link MESSAGE_AT}, starting anywhere (callers start them where
 * a part of the message lands on a 4-byte boundary). The final block reads
 * the 8 bytes at the message's last whole block and masks off what lies
 * beyond the message, so a message must end by {@link MESSAGE_END}.
 *
 * @internal
 * @module
 */
import { I32, I64, Op, emitModule, sleb, uleb } from "./wasm-emitter.js";
import type { Hash64Out } from "./murmur64a.js";

/** Where the message starts in the kernel's memory. */
export const MESSAGE_AT = 64;
/** Where messages must end: the final block's 8-byte read stays inside the page. */
export const MESSAGE_END = 65536 - 8;

// Locals: parameters first (start, length, c, d), then the state and scratch.
const START = 0;
const LEN = 1;
const C = 2;
const D = 3;
const V0 = 4;
const V1 = 5;
const V2 = 6;
const V3 = 7;
const M = 8;
const AT = 9;
const END = 10;
const R = 11;

const get = (local: number): number[] => [Op.localGet, local];
const set = (local: number): number[] => [Op.localSet, local];
const i32 = (value: number): number[] => [Op.i32Const, ...sleb(BigInt(value))];
const i64 = (value: bigint): number[] => [Op.i64Const, ...sleb(value)];
/** `i64.load` / `i64.store` with 8-byte alignment hint (2^3) and a constant offset. */
const load64 = (offset: number): number[] => [Op.i64Load, 3, ...uleb(offset)];

/** `a += b; b = rotl(b, bits) ^ a`: the add-rotate-xor step of a SipRound. */
function arx(a: number, b: number, bits: number): number[] {
  return [...get(a), ...get(b), Op.i64Add, ...set(a), ...get(b), ...i64(BigInt(bits)), Op.i64Rotl, ...get(a), Op.i64Xor, ...set(b)];
}
const rotl32 = (v: number): number[] => [...get(v), ...i64(32n), Op.i64Rotl, ...set(v)];

/** One SipRound (the paper's figure 2.2). */
const SIP_ROUND = [...arx(V0, V1, 13), ...rotl32(V0), ...arx(V2, V3, 16), ...arx(V0, V3, 21), ...arx(V2, V1, 17), ...rotl32(V2)];

/** `count` (a local, at least 1) SipRounds: a do-while loop on R. */
function rounds(count: number): number[] {
  return [...get(count), ...set(R), Op.loop, Op.void, ...SIP_ROUND, ...get(R), ...i32(1), Op.i32Sub, Op.localTee, R, Op.brIf, 0, Op.end];
}

/** Absorbs the block in M: `v3 ^= m`, `count` rounds, `v0 ^= m`. */
function absorb(count: number): number[] {
  return [...get(V3), ...get(M), Op.i64Xor, ...set(V3), ...rounds(count), ...get(V0), ...get(M), Op.i64Xor, ...set(V0)];
}

/** Initial state word: a key word XOR one of the spec's "somepseudorandomlygeneratedbytes" constants. */
const init = (keyOffset: number, constant: bigint, v: number): number[] => [...i32(0), ...load64(keyOffset), ...i64(constant), Op.i64Xor, ...set(v)];

/** `sip(start, length, c, d) -> low 32 bits`; the whole hash is left at bytes 16..23. */
const BODY = [
  ...init(0, 0x736f6d6570736575n, V0),
  ...init(8, 0x646f72616e646f6dn, V1),
  ...init(0, 0x6c7967656e657261n, V2),
  ...init(8, 0x7465646279746573n, V3),
  // at = start; end = start + (length & ~7) (unaligned 8-byte loads are valid WebAssembly)
  ...get(START), ...set(AT),
  ...get(LEN), ...i32(-8), Op.i32And, ...get(START), Op.i32Add, ...set(END),
  // The whole blocks.
  Op.block, Op.void, Op.loop, Op.void,
  ...get(AT), ...get(END), Op.i32GeU, Op.brIf, 1,
  ...get(AT), ...load64(0), ...set(M),
  ...absorb(C),
  ...get(AT), ...i32(8), Op.i32Add, ...set(AT),
  Op.br, 0, Op.end, Op.end,
  // The last block: (length mod 256) << 56 | the 0..7 remaining bytes.
  ...get(LEN), Op.i64ExtendI32U, ...i64(56n), Op.i64Shl,
  ...get(END), ...load64(0),
  ...i64(1n), ...get(LEN), ...i32(7), Op.i32And, ...i32(3), Op.i32Shl, Op.i64ExtendI32U, Op.i64Shl, ...i64(1n), Op.i64Sub,
  Op.i64And, Op.i64Or, ...set(M),
  ...absorb(C),
  // Finalization: v2 ^= 0xff, d rounds, v0 ^ v1 ^ v2 ^ v3.
  ...get(V2), ...i64(0xffn), Op.i64Xor, ...set(V2),
  ...rounds(D),
  ...i32(16), ...get(V0), ...get(V1), Op.i64Xor, ...get(V2), Op.i64Xor, ...get(V3), Op.i64Xor, Op.i64Store, 3, 0,
  ...i32(16), Op.i32Load, 2, 0,
];

/** The module's bytes (about 560). */
export function sipHashModuleBytes(): Uint8Array<ArrayBuffer> {
  return emitModule({
    params: [I32, I32, I32, I32],
    results: [I32],
    locals: [
      [5, I64],
      [3, I32],
    ],
    body: BODY,
    functionName: "sip",
    memoryName: "memory",
    pages: 1,
  });
}

/** Whether typed-array memory is little-endian, as WebAssembly memory always is. */
const littleEndianHost = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

/** The compiled module, made on first use (null: WebAssembly is unavailable or refused here). */
let compiled: WebAssembly.Module | null | undefined;

function compiledModule(): WebAssembly.Module | null {
  if (compiled === undefined) {
    compiled = null;
    try {
      if (littleEndianHost && typeof WebAssembly === "object" && WebAssembly !== null) compiled = new WebAssembly.Module(sipHashModuleBytes());
    } catch {
      compiled = null; // e.g. a Content Security Policy without 'wasm-unsafe-eval'
    }
  }
  return compiled;
}

/**
 * One key's WebAssembly SipHash: callers write the message into `bytes` (or
 * `words`) at or after {@link MESSAGE_AT} and call {@link SipKernel.hash}.
 *
 * @internal
 */
export class SipKernel {
  /** The instance's memory as bytes: messages go at or after {@link MESSAGE_AT}. */
  readonly bytes: Uint8Array;
  /** The same memory as little-endian 32-bit words. */
  readonly words: Int32Array;
  private readonly sip: (start: number, length: number, c: number, d: number) => number;

  constructor(instance: WebAssembly.Instance, key: Uint8Array) {
    const memory = instance.exports["memory"] as WebAssembly.Memory;
    this.bytes = new Uint8Array(memory.buffer);
    this.words = new Int32Array(memory.buffer);
    this.sip = instance.exports["sip"] as (start: number, length: number, c: number, d: number) => number;
    this.bytes.set(key, 0);
  }

  /** SipHash-c-d of the `length` bytes at `start` into `out` (signed 32-bit halves). */
  hash(start: number, length: number, c: number, d: number, out: Hash64Out): void {
    out.lo = this.sip(start, length, c, d);
    out.hi = this.words[5] as number;
  }
}

/** A kernel for `key` (16 bytes), or undefined where WebAssembly cannot be used. */
export function createSipKernel(key: Uint8Array): SipKernel | undefined {
  const module = compiledModule();
  if (module === null) return undefined;
  try {
    return new SipKernel(new WebAssembly.Instance(module), key);
  } catch {
    return undefined;
  }
}
