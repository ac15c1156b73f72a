/**
 * SipHash-c-d as a WebAssembly function: the same algorithm as the
 * JavaScript kernel in siphash.ts, on native 64-bit integers (`i64.add`,
 * `i64.rotl`) instead of pairs of 32-bit halves. On an id of about 40 bytes
 * it hashes in well under half the time of the JavaScript version
 * (bench/dedup.mjs, "hash alone" rows). WebAssembly is a web-standard API,
 * so this stays browser-safe; where it is missing or refused (a Content
 * Security Policy without `wasm-unsafe-eval`), or the host is big-endian,
 * {@link sharedSipKernel} returns undefined and SipHasher uses JavaScript.
 *
 * One instance serves every SipHasher of the process (the key is passed with
 * each call): creating an instance per hasher cost about 170 µs, and every
 * WebAssembly memory reserves a large range of address space. Its memory is
 * one 64 KiB page: bytes 16..23 the last hash (little-endian), messages at or
 * after byte {@link MESSAGE_AT}, starting anywhere (callers start them where
 * a part of the message lands on a 4-byte boundary). The final block reads
 * the 8 bytes at the message's last whole block and masks off what lies
 * beyond the message, so a message must end by {@link MESSAGE_END}.
 *
 * @internal
 * @module
 */
import { encodeAsciiWordsInto, encodeUtf8Into } from "./utf8.js";
import { type ExportedFunction, I32, I64, Op, emitFunctions, get, i32, i64, set, uleb } from "./wasm-emitter.js";
import type { Hash64Out } from "./murmur64a.js";

/** Where the message starts in the kernel's memory. */
export const MESSAGE_AT = 64;
/** Where messages must end: the final block's 8-byte read stays inside the page. */
export const MESSAGE_END = 65536 - 8;

// Locals: parameters first (start, length, c, d, the key's four 32-bit
// words k0 low, k0 high, k1 low, k1 high), then the state and scratch.
const START = 0;
const LEN = 1;
const C = 2;
const D = 3;
const K0L = 4;
const K0H = 5;
const K1L = 6;
const K1H = 7;
const V0 = 8;
const V1 = 9;
const V2 = 10;
const V3 = 11;
const M = 12;
const K0 = 13;
const K1 = 14;
const AT = 15;
const END = 16;
const R = 17;

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

/** `key = high << 32 | low` from two i32 parameters. */
const join64 = (low: number, high: number, key: number): number[] => [
  ...get(high), Op.i64ExtendI32U, ...i64(32n), Op.i64Shl, ...get(low), Op.i64ExtendI32U, Op.i64Or, ...set(key),
];
/** Initial state word: a key word XOR one of the spec's "somepseudorandomlygeneratedbytes" constants. */
const init = (key: number, constant: bigint, v: number): number[] => [...get(key), ...i64(constant), Op.i64Xor, ...set(v)];

/** `sip(start, length, c, d, k0l, k0h, k1l, k1h) -> low 32 bits`; the whole hash is left at bytes 16..23. */
const BODY = [
  ...join64(K0L, K0H, K0),
  ...join64(K1L, K1H, K1),
  ...init(K0, 0x736f6d6570736575n, V0),
  ...init(K1, 0x646f72616e646f6dn, V1),
  ...init(K0, 0x6c7967656e657261n, V2),
  ...init(K1, 0x7465646279746573n, V3),
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

/**
 * The `sip` function: `(start, length, c, d, k0l, k0h, k1l, k1h) -> low 32
 * bits`, the whole hash left at bytes 16..23 of the memory. Other kernels
 * (the Deduplicator's) put it first in modules of their own.
 */
export const SIP_FUNCTION: ExportedFunction = {
  params: [I32, I32, I32, I32, I32, I32, I32, I32],
  results: [I32],
  locals: [
    [7, I64],
    [3, I32],
  ],
  body: BODY,
  exportName: "sip",
};

/** The module's bytes (about 600). */
export function sipHashModuleBytes(): Uint8Array<ArrayBuffer> {
  return emitFunctions([SIP_FUNCTION], { pages: 1, exportName: "memory" });
}

/** Whether typed-array memory is little-endian, as WebAssembly memory always is. */
const littleEndianHost = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

/** Whether this host has WebAssembly and little-endian typed arrays (what the kernels assume when they share memory with JavaScript views). */
export function webAssemblyUsable(): boolean {
  return typeof WebAssembly === "object" && WebAssembly !== null && littleEndianHost;
}

/** The process's kernel, made on first use (null: WebAssembly is unavailable or refused here). */
let shared: SipKernel | null | undefined;

/** Longest first string of a pair kept in the kernel's memory, in UTF-16 units (longer pairs are laid out in full each time). */
const MAX_PAIR_FIRST = 256;

/**
 * The WebAssembly SipHash of this process: callers write the message into
 * `bytes` (or `words`) at or after {@link MESSAGE_AT} and call
 * {@link SipKernel.hash} with their key. Not reentrant (nothing in it calls
 * back into JavaScript).
 *
 * @internal
 */
export class SipKernel {
  /** The instance's memory as bytes: messages go at or after {@link MESSAGE_AT}. */
  readonly bytes: Uint8Array;
  /** The same memory as little-endian 32-bit words. */
  readonly words: Int32Array;
  /**
   * The first string of the last pair, already in memory as
   * `UTF-8(first) ‖ 0xff` from `pairStart`, ending at the 4-aligned
   * `pairSecondAt` where the second string goes (the layout is the same
   * under every key): a stream of (kind, id) pairs writes its kind once, and
   * each id four characters a word. `undefined` once anything else was
   * written there.
   */
  pairFirst: string | undefined = undefined;
  pairStart = 0;
  pairSecondAt = 0;
  private readonly sip: (start: number, length: number, c: number, d: number, k0l: number, k0h: number, k1l: number, k1h: number) => number;

  /** Over `memory` (which must not grow: the views would detach), with the `sip` export of the instance that uses it. */
  constructor(memory: WebAssembly.Memory, sip: (start: number, length: number, c: number, d: number, k0l: number, k0h: number, k1l: number, k1h: number) => number) {
    this.bytes = new Uint8Array(memory.buffer);
    this.words = new Int32Array(memory.buffer);
    this.sip = sip;
  }

  /** SipHash-c-d under the key words of the `length` bytes at `start` into `out` (signed 32-bit halves). */
  hash(start: number, length: number, c: number, d: number, k0l: number, k0h: number, k1l: number, k1h: number, out: Hash64Out): void {
    out.lo = this.sip(start, length, c, d, k0l, k0h, k1l, k1h);
    out.hi = this.words[5] as number;
  }

  /**
   * Writes `text` as UTF-8 from the 4-aligned byte `at` (four ASCII
   * characters a word, byte by byte otherwise) and returns its length in
   * bytes. The caller leaves room for `3 * text.length` bytes.
   */
  writeText(text: string, at: number): number {
    const length = encodeAsciiWordsInto(text, this.words, at >>> 2);
    return length >= 0 ? length : encodeUtf8Into(text, this.bytes, at) - at;
  }

  /** Lays `UTF-8(first) ‖ 0xff` so that it ends on a 4-byte boundary; false (nothing kept) when `first` is too long. */
  placePairFirst(first: string): boolean {
    this.pairFirst = undefined;
    if (first.length > MAX_PAIR_FIRST) return false;
    const bytes = this.bytes;
    const length = encodeUtf8Into(first, bytes, MESSAGE_AT) - MESSAGE_AT;
    const secondAt = MESSAGE_AT + ((length + 1 + 3) & ~3);
    const start = secondAt - length - 1;
    bytes.copyWithin(start, MESSAGE_AT, MESSAGE_AT + length);
    bytes[secondAt - 1] = 0xff;
    this.pairStart = start;
    this.pairSecondAt = secondAt;
    this.pairFirst = first;
    return true;
  }
}

/**
 * The process's kernel, or undefined where WebAssembly cannot be used (it
 * is missing, a Content Security Policy refuses it, or the host is
 * big-endian): SipHasher then hashes in JavaScript.
 */
export function sharedSipKernel(): SipKernel | undefined {
  if (!webAssemblyUsable()) return undefined;
  if (shared === undefined) {
    shared = null;
    try {
      const instance = new WebAssembly.Instance(new WebAssembly.Module(sipHashModuleBytes()));
      shared = new SipKernel(instance.exports["memory"] as WebAssembly.Memory, instance.exports["sip"] as SipKernel["sip"]);
    } catch {
      shared = null; // e.g. a Content Security Policy without 'wasm-unsafe-eval'
    }
  }
  return shared ?? undefined;
}
