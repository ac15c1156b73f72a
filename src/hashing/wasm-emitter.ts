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
  if: 0x04,
  else: 0x05,
  end: 0x0b,
  br: 0x0c,
  brIf: 0x0d,
  return: 0x0f,
  call: 0x10,
  select: 0x1b,
  localGet: 0x20,
  localSet: 0x21,
  localTee: 0x22,
  i32Load: 0x28,
  i64Load: 0x29,
  i32Store: 0x36,
  i64Store: 0x37,
  i32Const: 0x41,
  i64Const: 0x42,
  f64Const: 0x44,
  i32Eqz: 0x45,
  i32Eq: 0x46,
  i32LtS: 0x48,
  i32GtS: 0x4a,
  i32GtU: 0x4b,
  i32GeU: 0x4f,
  i32Add: 0x6a,
  i32Sub: 0x6b,
  i32Mul: 0x6c,
  i32And: 0x71,
  i32Or: 0x72,
  i32Xor: 0x73,
  i32Shl: 0x74,
  i32ShrU: 0x76,
  i64Add: 0x7c,
  i64Sub: 0x7d,
  i64And: 0x83,
  i64Or: 0x84,
  i64Xor: 0x85,
  i64Shl: 0x86,
  i64ShrU: 0x88,
  i64Rotl: 0x89,
  f64Mul: 0xa2,
  f64Div: 0xa3,
  i32WrapI64: 0xa7,
  i32TruncF64U: 0xab,
  i64ExtendI32U: 0xad,
  f64ConvertI32U: 0xb8,
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

/** `local.get local`, `local.set local`, `local.tee local`. */
export const get = (local: number): number[] => [Op.localGet, local];
export const set = (local: number): number[] => [Op.localSet, local];
export const tee = (local: number): number[] => [Op.localTee, local];
/** `i32.const value` and `i64.const value`. */
export const i32 = (value: number): number[] => [Op.i32Const, ...sleb(BigInt(value))];
export const i64 = (value: bigint): number[] => [Op.i64Const, ...sleb(value)];

/** The 8 little-endian bytes of `f64.const value`'s immediate. */
export function f64Bytes(value: number): number[] {
  return [...new Uint8Array(Float64Array.of(value).buffer)];
}

/** One exported function of {@link emitFunctions}; functions are numbered in order from 0 (for `call`). */
export interface ExportedFunction {
  readonly params: readonly number[];
  readonly results: readonly number[];
  /** Declared locals after the parameters, as (count, type) runs. */
  readonly locals: readonly (readonly [number, number])[];
  /** The instructions, without the final `end`. */
  readonly body: readonly number[];
  readonly exportName: string;
}

/** The module's one memory: defined here with `pages` and exported, or imported from `module`.`field`. */
export type ModuleMemory = { readonly pages: number; readonly exportName: string } | { readonly module: string; readonly field: string };

/** The bytes of a module of exported functions (each with a type of its own) and one memory. */
export function emitFunctions(functions: readonly ExportedFunction[], memory: ModuleMemory): Uint8Array<ArrayBuffer> {
  const types = functions.map((f) => [0x60, ...vector(f.params.map((t) => [t])), ...vector(f.results.map((t) => [t]))]);
  const codes = functions.map((f) => {
    const code = [...vector(f.locals.map(([count, type]) => [...uleb(count), type])), ...f.body, Op.end];
    return [...uleb(code.length), ...code];
  });
  const exports = functions.map((f, index) => [...name(f.exportName), 0x00, ...uleb(index)]);
  const imported = "module" in memory;
  if (!imported) exports.push([...name(memory.exportName), 0x02, 0]);
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // "\0asm", version 1
    ...section(1, vector(types)), // types: function i has type i
    ...(imported ? section(2, vector([[...name(memory.module), ...name(memory.field), 0x02, 0x00, 1]])) : []), // memory import: min 1 page, no max
    ...section(3, vector(functions.map((_, index) => uleb(index)))),
    ...(imported ? [] : section(5, vector([[0x00, ...uleb(memory.pages)]]))), // memory: min pages, no max
    ...section(7, vector(exports)),
    ...section(10, vector(codes)),
  ]);
}
