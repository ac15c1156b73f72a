import { decode, encode, ExtensionCodec } from "@msgpack/msgpack";
import { DecodeError, InvalidArgumentError, PaperTrailError } from "../errors.js";
import { ByteReader } from "./byte-reader.js";
import type { ImageCodec, SomeImageCodec } from "./image-codec.js";
import { Family, PREAMBLE_BYTES, familyName, readPreamble } from "./preamble.js";
import { littleEndianHost } from "./host-byte-order.js";

/**
 * Encodes and decodes composite state (maps of sketches, window stores) in one call.
 *
 * @example
 * ```ts
 * import { type Envelope, createEnvelope } from "papertrail/codec";
 * const envelope: Envelope = createEnvelope();
 * envelope.decode(envelope.encode([1, "two", 3n])); // => [1, "two", 3n]
 * ```
 */
export interface Envelope {
  /** Serializes `value` to a versioned MessagePack envelope. */
  readonly encode: (value: unknown) => Uint8Array<ArrayBuffer>;
  /** Parses an envelope; throws `DecodeError` on malformed bytes. */
  readonly decode: (bytes: Uint8Array) => unknown;
}

/**
 * Options of {@link createEnvelope}.
 *
 * @example
 * ```ts
 * import { type EnvelopeOptions, createEnvelope, compensatedSumCodec } from "papertrail/codec";
 * const options: EnvelopeOptions = { codecs: [compensatedSumCodec], maxDepth: 16 };
 * createEnvelope(options).decode(createEnvelope(options).encode([[1]])); // => [[1]]
 * ```
 */
export interface EnvelopeOptions {
  /** Image codecs of the types to carry (sketch classes expose theirs as `.codec`). */
  readonly codecs?: readonly SomeImageCodec[];
  /** Deepest nesting of Maps, Sets and arrays accepted when decoding; default 256. */
  readonly maxDepth?: number;
}

const VERSION = 1;
const MAX_SAFE_NESTING = 256;

// MessagePack extension types used by the envelope (application range 0..127).
const EXT_MAP = 1;
const EXT_SET = 2;
const EXT_BIGINT = 3;
const EXT_TYPED_ARRAY = 4;
const EXT_IMAGE = 5;
/** MessagePack's own timestamp extension, which carries `Date`. */
const TIMESTAMP_EXT = -1;

type TypedArrayConstructor =
  | Float64ArrayConstructor
  | Float32ArrayConstructor
  | Int32ArrayConstructor
  | Uint32ArrayConstructor
  | Int16ArrayConstructor
  | Uint16ArrayConstructor
  | Int8ArrayConstructor
  | Uint8ClampedArrayConstructor
  | BigInt64ArrayConstructor
  | BigUint64ArrayConstructor;

// Kind byte -> constructor. Uint8Array needs no entry: MessagePack `bin` carries it.
const typedArrayKinds: readonly TypedArrayConstructor[] = [
  Float64Array,
  Float32Array,
  Int32Array,
  Uint32Array,
  Int16Array,
  Uint16Array,
  Int8Array,
  Uint8ClampedArray,
  BigInt64Array,
  BigUint64Array,
];

function bigIntToBytes(value: bigint): Uint8Array {
  const bytes: number[] = [];
  let rest = value;
  // Signed little-endian two's complement, fewest bytes.
  for (;;) {
    const byte = Number(BigInt.asUintN(8, rest));
    bytes.push(byte);
    rest >>= 8n;
    if ((rest === 0n && (byte & 0x80) === 0) || (rest === -1n && (byte & 0x80) !== 0)) break;
  }
  return Uint8Array.from(bytes);
}

function bytesToBigInt(bytes: Uint8Array): bigint {
  if (bytes.length === 0) throw new DecodeError("malformed", "envelope: empty bigint");
  let value = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) value = (value << 8n) | BigInt(bytes[i] as number);
  return BigInt.asIntN(bytes.length * 8, value);
}

/**
 * Creates a MessagePack envelope that round-trips composite state in one
 * call: plain objects, arrays, strings, numbers, booleans, `null`, `Date`,
 * `Uint8Array`, plus `Map` (any keys), `Set`, `bigint`, other typed arrays,
 * and every value one of `codecs` recognizes (stored as its binary image).
 * `undefined` inside arrays and objects becomes `null`, as in MessagePack.
 *
 * The bytes start with the common 8-byte preamble (family 0x7f, version 1),
 * then one MessagePack value. Decoding checks every length against the input
 * size, limits nesting, and turns any failure into a `DecodeError`.
 *
 * @example
 * ```ts
 * import { createEnvelope, compensatedSumCodec } from "papertrail/codec";
 * const envelope = createEnvelope({ codecs: [compensatedSumCodec] });
 * const state = new Map([["db-1", { sum: 2, compensation: 0 }]]);
 * envelope.decode(envelope.encode(state)); // => new Map([["db-1", { sum: 2, compensation: 0 }]])
 * envelope.decode(envelope.encode({ seen: new Set([1n, 2n]) })); // => { seen: new Set([1n, 2n]) }
 * ```
 */
export function createEnvelope(options: EnvelopeOptions = {}): Envelope {
  const codecs = (options.codecs ?? []) as unknown as readonly ImageCodec<unknown>[];
  const maxDepth = options.maxDepth ?? MAX_SAFE_NESTING;
  const byFamily = new Map<number, ImageCodec<unknown>>();
  for (const codec of codecs) {
    if (byFamily.has(codec.family)) {
      throw new InvalidArgumentError(`createEnvelope: two codecs for family ${codec.family} (${codec.name})`);
    }
    byFamily.set(codec.family, codec);
  }

  interface Context {
    depth: number;
  }
  const extensions = new ExtensionCodec<Context>();
  const encodeNested = (value: unknown, context: Context): Uint8Array =>
    encode(value, { extensionCodec: extensions, context, ignoreUndefined: false });
  const decodeNested = (data: Uint8Array, context: Context): unknown => {
    if (context.depth >= maxDepth) {
      throw new DecodeError("too-large", `envelope: nesting deeper than ${maxDepth} levels`);
    }
    context.depth++;
    try {
      return decode(data, { extensionCodec: extensions, context, ...limits(data.length) });
    } finally {
      context.depth--;
    }
  };

  extensions.register({
    type: EXT_IMAGE,
    encode: (value) => {
      for (const codec of codecs) if (codec.is(value)) return codec.toBytes(value);
      return null;
    },
    decode: (data) => {
      const reader = new ByteReader(data, "envelope image");
      const { family } = readPreamble(reader, undefined, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
      const codec = byFamily.get(family);
      if (codec === undefined) {
        throw new DecodeError(
          "wrong-family",
          `envelope: holds a ${familyName(family)} image but no codec for it was given to createEnvelope`,
        );
      }
      return codec.fromBytes(data);
    },
  });
  extensions.register({
    type: EXT_MAP,
    encode: (value, context) => (value instanceof Map ? encodeNested([...value].flat(), context) : null),
    decode: (data, _type, context) => {
      const flat = decodeNested(data, context);
      if (!Array.isArray(flat) || flat.length % 2 !== 0) throw new DecodeError("malformed", "envelope: bad Map");
      const map = new Map<unknown, unknown>();
      for (let i = 0; i < flat.length; i += 2) map.set(flat[i], flat[i + 1]);
      return map;
    },
  });
  extensions.register({
    type: EXT_SET,
    encode: (value, context) => (value instanceof Set ? encodeNested([...value], context) : null),
    decode: (data, _type, context) => {
      const items = decodeNested(data, context);
      if (!Array.isArray(items)) throw new DecodeError("malformed", "envelope: bad Set");
      return new Set(items);
    },
  });
  extensions.register({
    type: EXT_BIGINT,
    encode: (value) => (typeof value === "bigint" ? bigIntToBytes(value) : null),
    decode: (data) => bytesToBigInt(data),
  });
  extensions.register({
    type: EXT_TYPED_ARRAY,
    encode: (value) => {
      if (!ArrayBuffer.isView(value) || value instanceof Uint8Array || value instanceof DataView) return null;
      const kind = typedArrayKinds.findIndex((ctor) => value instanceof ctor);
      if (kind < 0) return null;
      const source = value as unknown as { buffer: ArrayBufferLike; byteOffset: number; byteLength: number };
      const copy = new Uint8Array(source.byteLength + 1);
      copy[0] = kind;
      copy.set(new Uint8Array(source.buffer, source.byteOffset, source.byteLength), 1);
      if (!littleEndianHost) swapBytes(copy, 1, (typedArrayKinds[kind] as TypedArrayConstructor).BYTES_PER_ELEMENT);
      return copy;
    },
    decode: (data) => {
      const ctor = typedArrayKinds[data[0] ?? 255];
      if (ctor === undefined) throw new DecodeError("invalid-field", `envelope: unknown typed array kind ${data[0]}`);
      const size = ctor.BYTES_PER_ELEMENT;
      if ((data.length - 1) % size !== 0) {
        throw new DecodeError("length-mismatch", `envelope: ${ctor.name} payload of ${data.length - 1} bytes`);
      }
      // A copy into a fresh buffer, aligned for any element size. Not
      // data.slice(1): on a Node Buffer, slice is a view into the (pooled,
      // unaligned) buffer, and the typed array below would read other bytes.
      const raw = new Uint8Array(data.length - 1);
      raw.set(data.subarray(1));
      if (!littleEndianHost) swapBytes(raw, 0, size);
      return new ctor(raw.buffer, 0, raw.length / size);
    },
  });

  // Any other extension type (none of ours, nor MessagePack's timestamp, -1)
  // is refused: the decoder would otherwise return it as raw ExtData.
  const known = new Set([EXT_MAP, EXT_SET, EXT_BIGINT, EXT_TYPED_ARRAY, EXT_IMAGE, TIMESTAMP_EXT]);
  const decodeKnown = extensions.decode.bind(extensions);
  extensions.decode = (data, type, context) => {
    if (!known.has(type)) throw new DecodeError("invalid-field", `envelope: unknown MessagePack extension type ${type}`);
    return decodeKnown(data, type, context);
  };

  return {
    encode: (value) => {
      const payload = encodeNested(value, { depth: 0 });
      const out = new Uint8Array(PREAMBLE_BYTES + payload.length);
      out.set([0x50, 0x54, Family.Envelope, VERSION, 0, 0, 0, 0]);
      out.set(payload, PREAMBLE_BYTES);
      return out;
    },
    decode: (bytes) => {
      const reader = new ByteReader(bytes, "envelope");
      const { flags } = readPreamble(reader, Family.Envelope, [VERSION]);
      if (flags !== 0) reader.invalid(`unknown flags 0x${flags.toString(16)}`);
      if (reader.remaining === 0) throw new DecodeError("truncated", "envelope: no payload after the preamble");
      try {
        return decodeNested(bytes.subarray(PREAMBLE_BYTES), { depth: 0 });
      } catch (error) {
        if (error instanceof PaperTrailError) throw error;
        throw new DecodeError("malformed", `envelope: invalid MessagePack: ${(error as Error).message}`);
      }
    },
  };
}

// Every MessagePack element takes at least one byte, so no length field may
// exceed the input size: this bounds every allocation the decoder makes.
function limits(size: number) {
  return {
    maxStrLength: size,
    maxBinLength: size,
    maxArrayLength: size,
    maxMapLength: size,
    maxExtLength: size,
  };
}

function swapBytes(bytes: Uint8Array, start: number, size: number): void {
  if (size === 1) return;
  for (let i = start; i + size <= bytes.length; i += size) bytes.subarray(i, i + size).reverse();
}
