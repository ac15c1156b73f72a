import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MonoidCompensatedSum, type CompensatedSum } from "../src/algebra/index.js";
import {
  ByteReader,
  ByteWriter,
  compensatedSumCodec,
  createEnvelope,
  decodeCompensatedSum,
  encodeCompensatedSum,
  Family,
  readPreamble,
  writePreamble,
} from "../src/codec/index.js";
import { DecodeError, InvalidArgumentError } from "../src/errors.js";
import { checkLaws, codecLaws, exactEquals } from "../src/laws/index.js";
import { registerLaws, decodeErrorCode, decodesOrRejectsCleanly } from "./support/checks.js";

const sums: fc.Arbitrary<CompensatedSum> = fc.record({
  sum: fc.double(),
  compensation: fc.double(),
});

describe("ByteReader", () => {
  it("reports truncation with a typed error instead of a RangeError", () => {
    const reader = new ByteReader(Uint8Array.of(1, 2, 3), "test image");
    expect(reader.u16()).toBe(0x0201);
    expect(() => reader.u32("count")).toThrow(DecodeError);
    expect(decodeErrorCode(() => new ByteReader(Uint8Array.of(1), "x").f64())).toBe("truncated");
    expect(() => new ByteReader(Uint8Array.of(1), "x").u64("total")).toThrow(/total needs 8 bytes, 1 left/);
  });
  it("refuses a declared size larger than the input before allocating", () => {
    const reader = new ByteReader(new Uint8Array(16), "x");
    expect(decodeErrorCode(() => reader.requireElements(2 ** 40, 8, "registers"))).toBe("too-large");
    expect(decodeErrorCode(() => reader.requireElements(-1, 1, "registers"))).toBe("invalid-field");
    expect(() => reader.requireElements(2, 8, "registers")).not.toThrow();
  });
  it("rejects trailing bytes", () => {
    const reader = new ByteReader(Uint8Array.of(1, 2), "x");
    reader.u8();
    expect(decodeErrorCode(() => reader.expectEnd())).toBe("length-mismatch");
  });
  it("rejects input that is not a Uint8Array", () => {
    expect(decodeErrorCode(() => new ByteReader("abc" as unknown as Uint8Array, "x"))).toBe("malformed");
  });
  it("reads what ByteWriter wrote", () => {
    fc.assert(
      fc.property(fc.nat(255), fc.nat(65535), fc.nat(), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), fc.double(), fc.uint8Array(), (a, b, c, d, e, f) => {
        const bytes = new ByteWriter(1).u8(a).u16(b).u32(c).u64(d).f64(e).bytes(f).finish();
        const reader = new ByteReader(bytes, "x");
        expect([reader.u8(), reader.u16(), reader.u32(), reader.u64(), reader.f64(), [...reader.bytesView(f.length)]]).toEqual([a, b, c, d, e, [...f]]);
        reader.expectEnd();
      }),
    );
  });
});

describe("preamble", () => {
  const image = (bytes: number[]) => new ByteReader(Uint8Array.from(bytes), "image");
  it("checks magic, family, version and reserved bytes", () => {
    expect(decodeErrorCode(() => readPreamble(image([0x50, 0x54, 0x10, 1, 0, 0, 0]), Family.CompensatedSum, [1]))).toBe("truncated");
    expect(decodeErrorCode(() => readPreamble(image([0x50, 0x55, 0x10, 1, 0, 0, 0, 0]), Family.CompensatedSum, [1]))).toBe("bad-magic");
    expect(decodeErrorCode(() => readPreamble(image([0x50, 0x54, 0x01, 1, 0, 0, 0, 0]), Family.CompensatedSum, [1]))).toBe("wrong-family");
    expect(decodeErrorCode(() => readPreamble(image([0x50, 0x54, 0x10, 2, 0, 0, 0, 0]), Family.CompensatedSum, [1]))).toBe("unsupported-version");
    expect(decodeErrorCode(() => readPreamble(image([0x50, 0x54, 0x10, 1, 0, 0, 1, 0]), Family.CompensatedSum, [1]))).toBe("invalid-field");
    expect(decodeErrorCode(() => readPreamble(image([0x50, 0x54, 0x66, 1, 0, 0, 0, 0]), undefined, [1]))).toBe("wrong-family");
  });
  it("names both families in a wrong-family error", () => {
    expect(() => readPreamble(image([0x50, 0x54, 0x01, 1, 0, 0, 0, 0]), Family.CompensatedSum, [1])).toThrow(
      /this is HyperLogLog \(family 1\), not CompensatedSum \(family 16\)/,
    );
  });
  it("round-trips", () => {
    const writer = new ByteWriter();
    writePreamble(writer, Family.TDigest, 3, 0x81);
    expect(readPreamble(new ByteReader(writer.finish(), "x"), Family.TDigest, [3])).toEqual({ family: 6, version: 3, flags: 0x81 });
  });
});

describe("CompensatedSum image", () => {
  it("golden bytes", () => {
    const bytes = encodeCompensatedSum({ sum: 1, compensation: -0.5 });
    expect([...bytes]).toEqual([
      0x50, 0x54, 0x10, 0x01, 0x00, 0x00, 0x00, 0x00, // preamble: "PT", family 0x10, version 1, flags 0
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xf0, 0x3f, // sum = 1.0
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xe0, 0xbf, // compensation = -0.5
    ]);
  });
  it("fuzz: every truncation is rejected as truncated", () => {
    fc.assert(
      fc.property(sums, (value) => {
        const bytes = encodeCompensatedSum(value);
        for (let length = 0; length < bytes.length; length++) {
          expect(decodeErrorCode(() => decodeCompensatedSum(bytes.subarray(0, length)))).toBe("truncated");
        }
      }),
    );
  });
  it("fuzz: bit flips and random bytes decode or throw DecodeError, nothing else", () => {
    fc.assert(
      fc.property(sums, fc.nat(24 * 8 - 1), (value, bit) => {
        const bytes = encodeCompensatedSum(value);
        bytes[bit >> 3] = (bytes[bit >> 3] as number) ^ (1 << (bit & 7));
        const outcome = decodesOrRejectsCleanly(decodeCompensatedSum, bytes);
        // Flips inside the preamble must be caught; flips in the payload are valid doubles.
        if (bit < 64) expect(outcome).toBe("rejected");
      }),
    );
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => void decodesOrRejectsCleanly(decodeCompensatedSum, bytes)));
  });
  it("rejects trailing bytes and unknown flags", () => {
    const bytes = encodeCompensatedSum({ sum: 1, compensation: 0 });
    expect(decodeErrorCode(() => decodeCompensatedSum(Uint8Array.from([...bytes, 0])))).toBe("length-mismatch");
    const flagged = bytes.slice();
    flagged[4] = 1;
    expect(decodeErrorCode(() => decodeCompensatedSum(flagged))).toBe("invalid-field");
  });
});

registerLaws("codec laws: CompensatedSum image", codecLaws(compensatedSumCodec, sums, { semigroup: MonoidCompensatedSum }));

// Values the envelope promises to round-trip.
const leaf = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.string(),
  fc.boolean(),
  fc.constant(null),
  fc.bigInt(),
  fc.uint8Array({ maxLength: 8 }),
  fc.float64Array({ maxLength: 4 }),
  fc.int32Array({ maxLength: 4 }),
  fc.bigInt64Array({ maxLength: 3 }),
  fc.date({ noInvalidDate: true }),
  fc.record({ sum: fc.double(), compensation: fc.double() }),
);
const { tree } = fc.letrec((tie) => ({
  tree: fc.oneof({ depthSize: "small", withCrossShrink: true }, leaf, tie("array"), tie("object"), tie("map"), tie("set")),
  array: fc.array(tie("tree"), { maxLength: 4 }),
  object: fc.dictionary(fc.string({ maxLength: 6 }).filter((key) => key !== "__proto__"), tie("tree"), { maxKeys: 4 }),
  map: fc.array(fc.tuple(fc.oneof(fc.string(), fc.integer()), tie("tree")), { maxLength: 4 }).map((entries) => new Map(entries)),
  set: fc.array(fc.oneof(fc.string(), fc.integer()), { maxLength: 4 }).map((items) => new Set(items)),
}));

describe("envelope", () => {
  const envelope = createEnvelope({ codecs: [compensatedSumCodec] });
  registerLaws(
    "codec laws: envelope",
    codecLaws({ toBytes: envelope.encode, fromBytes: envelope.decode }, tree as fc.Arbitrary<unknown>, { equals: exactEquals }),
  );
  it("carries registered images as their binary form", () => {
    const decoded = envelope.decode(envelope.encode(new Map([["db", { sum: 1, compensation: 2 }]])));
    expect(decoded).toEqual(new Map([["db", { sum: 1, compensation: 2 }]]));
    const bytes = envelope.encode({ sum: 1, compensation: 2 });
    expect(createEnvelope().decode.bind(null, bytes)).toThrow(/no codec for it was given/);
  });
  it("keeps Map keys of any type and entry order", () => {
    const map = new Map<unknown, unknown>([[2, "b"], ["2", "s"], [1n, "n"]]);
    expect([...(envelope.decode(envelope.encode(map)) as Map<unknown, unknown>)]).toEqual([...map]);
  });
  it("rejects duplicate codecs for one family", () => {
    expect(() => createEnvelope({ codecs: [compensatedSumCodec, compensatedSumCodec] })).toThrow(InvalidArgumentError);
  });
  it("fuzz: random and corrupted bytes decode or throw DecodeError, nothing else", () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => void decodesOrRejectsCleanly(envelope.decode, bytes)));
    fc.assert(
      fc.property(tree, fc.nat(), fc.nat(7), (value, at, bit) => {
        const bytes = envelope.encode(value);
        const body = bytes.slice();
        const index = 8 + (at % Math.max(1, body.length - 8));
        if (index < body.length) body[index] = (body[index] as number) ^ (1 << bit);
        decodesOrRejectsCleanly(envelope.decode, body);
        decodesOrRejectsCleanly(envelope.decode, bytes.subarray(0, Math.max(0, bytes.length - 1 - (at % bytes.length))));
      }),
    );
  });
  it("refuses huge declared lengths without allocating them", () => {
    const preamble = [0x50, 0x54, 0x7f, 1, 0, 0, 0, 0];
    // array32 / map32 / bin32 / str32 / ext32 headers declaring ~4 billion elements, then nothing.
    for (const header of [0xdd, 0xdf, 0xc6, 0xdb, 0xc9]) {
      const bytes = Uint8Array.from([...preamble, header, 0xff, 0xff, 0xff, 0xf0, 1]);
      expect(decodeErrorCode(() => envelope.decode(bytes))).not.toBe("no error");
    }
  });
  it("refuses nesting deeper than maxDepth", () => {
    let value: unknown = 1;
    for (let i = 0; i < 40; i++) value = new Set([value]);
    const shallow = createEnvelope({ maxDepth: 16 });
    const bytes = shallow.encode(value);
    expect(decodeErrorCode(() => shallow.decode(bytes))).toBe("too-large");
    expect(createEnvelope().decode(bytes)).toEqual(value);
  });
  it("a deeply nested hostile payload is rejected, not a stack overflow", () => {
    // 100,000 nested one-element arrays (0x91) around a nil.
    const bytes = new Uint8Array(8 + 100_001);
    bytes.set([0x50, 0x54, 0x7f, 1, 0, 0, 0, 0]);
    bytes.fill(0x91, 8, 8 + 100_000);
    bytes[8 + 100_000] = 0xc0;
    expect(decodesOrRejectsCleanly(envelope.decode, bytes)).toMatch(/ok|rejected/);
  });
  it("refuses MessagePack extension types it does not define with DecodeError, and still reads Date (timestamp, -1)", () => {
    const envelope = createEnvelope();
    const preamble = [0x50, 0x54, 0x7f, 1, 0, 0, 0, 0];
    // fixext 1 (0xd4) of types 9, 127 and -2; ext 8 (0xc7) of type 42 inside an array.
    for (const payload of [[0xd4, 9, 0], [0xd4, 127, 0], [0xd4, 0xfe, 0], [0x91, 0xc7, 1, 42, 7]]) {
      const bytes = Uint8Array.from([...preamble, ...payload]);
      expect(() => envelope.decode(bytes), JSON.stringify(payload)).toThrow(DecodeError);
      expect(() => envelope.decode(bytes)).toThrow(/unknown MessagePack extension type/);
    }
    const date = new Date(Date.UTC(2026, 0, 5));
    expect(envelope.decode(envelope.encode({ date }))).toEqual({ date });
  });

  it("checks its own preamble", () => {
    const bytes = envelope.encode([1]);
    bytes[2] = Family.CompensatedSum;
    expect(decodeErrorCode(() => envelope.decode(bytes))).toBe("wrong-family");
    expect(decodeErrorCode(() => envelope.decode(bytes.subarray(0, 8)))).not.toBe("no error");
  });
  it("the law kit checks the envelope round trip for real", () => {
    const lossy = { toBytes: envelope.encode, fromBytes: (bytes: Uint8Array) => JSON.parse(JSON.stringify(envelope.decode(bytes) ?? null)) };
    expect(() => checkLaws(codecLaws(lossy, fc.constant(new Map([["a", 1]]))))).toThrow(/round trip/);
  });
});

describe("envelope typed arrays from any byte source", () => {
  it("decodes the same arrays from a Node Buffer and from a view at any offset (no aliasing of the source's memory)", () => {
    const envelope = createEnvelope();
    fc.assert(
      fc.property(fc.array(fc.double({ noNaN: true }), { maxLength: 20 }), fc.array(fc.integer(), { maxLength: 20 }), fc.integer({ min: 0, max: 15 }), (doubles, ints, offset) => {
        const value = { d: new Float64Array(doubles), i: new Int32Array(ints), u: new Uint16Array(ints.map((x) => x & 0xffff)) };
        const image = envelope.encode(value);
        const host = new Uint8Array(image.length + offset);
        host.set(image, offset);
        for (const bytes of [Buffer.from(image), host.subarray(offset), Buffer.from(host).subarray(offset)]) {
          expect(envelope.decode(bytes)).toEqual(value);
        }
      }),
    );
  });
});
