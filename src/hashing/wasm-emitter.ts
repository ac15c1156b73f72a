/**
 * The few pieces of the WebAssembly binary format (WebAssembly Core
 * Specification 2.0, chapter 5 "Binary Format") needed to emit a small
 * module from TypeScript: LEB128 integers, vectors, sections, and the
 * opcodes the hand-written kernels use. Emitting the module here, instead of
 * shipping an opaque `.wasm` blob, keeps the kernel's instructions readable
 * and reviewable beside the JavaScript they replace.
 *
 * @internal
 * @module
 */

/** Value types (spec 5.3.1). */
export const I32 = 0x7f;
export const I64 = 0x7e;

/** Opcodes used by the kernels (spec 5.4). */
export const Op = {
  block: 0x02,
  loop: 0x03,
  end: 0x0b,
  br: 0x0c,
  brIf: 0x0d,
  localGet: 0x20,
  localSet: 0x21,
  localTee: 0x22,
  i32Load: 0x28,
  i64Load: 0x29,
  i64Store: 0x37,
  i32Const: 0x41,
  i64Const: 0x42,
  i32GeU: 0x4f,
  i32Add: 0x6a,
  i32Sub: 0x6b,
  i32And: 0x71,
  i32Shl: 0x74,
  i64Add: 0x7c,
  i64Sub: 0x7d,
  i64And: 0x83,
  i64Or: 0x84,
  i64Xor: 0x85,
  i64Shl: 0x86,
  i64Rotl: 0x89,
  i64ExtendI32U: 0xad,
  /** Block type "no result" after `block` / `loop`. */
  void: 0x40,
} as const;

/** Unsigned LEB128 of a non-negative integer below 2^32. */
export function uleb(value: number): number[] {
  const out: number[] = [];
  let n = value >>> 0;
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

/** Signed LEB128 of a 64-bit integer (two's complement), as `i64.const` and `i32.const` take. */
export function sleb(value: bigint): number[] {
  let v = BigInt.asIntN(64, value);
  const out: number[] = [];
  for (;;) {
    const byte = Number(v & 0x7fn);
    v >>= 7n;
    const done = (v === 0n && (byte & 0x40) === 0) || (v === -1n && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

/** A vector: its length, then its items' bytes. */
export function vector(items: readonly (readonly number[])[]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

/** A section: id, byte length, contents. */
export function section(id: number, contents: readonly number[]): number[] {
  return [id, ...uleb(contents.length), ...contents];
}

/** A name as the binary format writes it (UTF-8 bytes in a vector; the kernels use ASCII names). */
export function name(text: string): number[] {
  return vector([...text].map((c) => [c.charCodeAt(0)]));
}

/** One function of a module with one memory of `pages` 64 KiB pages, both exported. */
export interface SingleFunctionModule {
  readonly params: readonly number[];
  readonly results: readonly number[];
  /** Declared locals after the parameters, as (count, type) runs. */
  readonly locals: readonly (readonly [number, number])[];
  /** The instructions, without the final `end`. */
  readonly body: readonly number[];
  readonly functionName: string;
  readonly memoryName: string;
  readonly pages: number;
}

/** The bytes of a module holding one exported function and one exported memory. */
export function emitModule(spec: SingleFunctionModule): Uint8Array<ArrayBuffer> {
  const code = [...vector(spec.locals.map(([count, type]) => [...uleb(count), type])), ...spec.body, Op.end];
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // "\0asm", version 1
    ...section(1, vector([[0x60, ...vector(spec.params.map((t) => [t])), ...vector(spec.results.map((t) => [t]))]])), // types
    ...section(3, vector([[0]])), // function 0 has type 0
    ...section(5, vector([[0x00, ...uleb(spec.pages)]])), // memory: min pages, no max
    ...section(7, vector([[...name(spec.memoryName), 0x02, 0], [...name(spec.functionName), 0x00, 0]])), // exports
    ...section(10, vector([[...uleb(code.length), ...code]])), // code
  ]);
}
