import fc from "fast-check";
import murmur3 from "murmurhash3js-revisited";
import { describe, expect, it } from "vitest";
import { InvalidArgumentError } from "../src/errors.js";
import {
  hash64,
  HashedKey,
  murmurHash3x64_128,
  murmurHash3x86_32,
  murmurHash64A,
  REDIS_HLL_SEED,
  type Hashable,
} from "../src/hashing/index.js";
import { mulHigh32 } from "../src/hashing/uint64.js";
import { murmurHash64AReference } from "./reference/murmur64a-bigint.js";

const utf8 = new TextEncoder();
const hex64 = (value: bigint): string => value.toString(16).padStart(16, "0");
const bytes = fc.uint8Array({ maxLength: 300 });
const seed = fc.integer({ min: 0, max: 0xffffffff });
// Any UTF-16 sequence, lone surrogates included, and long strings (> 64 units
// take the TextEncoder.encodeInto path).
const anyString = fc.oneof(
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 200 }).map((codes) => String.fromCharCode(...codes)),
  fc.string({ unit: "grapheme", minLength: 60, maxLength: 400 }),
);

// SMHasher's VerificationTest: hash keys {}, {0}, {0,1}, ... {0..254} with
// seed 256 - length, hash the concatenated outputs with seed 0, and read the
// first 4 bytes little-endian. The expected codes are the ones SMHasher
// publishes for each hash (main.cpp's hash table).
function verificationCode(outputBytes: number, hash: (key: Uint8Array, seed: number) => Uint8Array): number {
  const key = new Uint8Array(256);
  const outputs = new Uint8Array(outputBytes * 256);
  for (let i = 0; i < 256; i++) {
    key[i] = i;
    outputs.set(hash(key.subarray(0, i), 256 - i), i * outputBytes);
  }
  const final = hash(outputs, 0);
  return new DataView(final.buffer).getUint32(0, true);
}
const littleEndian64 = (...words: bigint[]): Uint8Array => {
  const out = new Uint8Array(words.length * 8);
  words.forEach((word, i) => new DataView(out.buffer).setBigUint64(i * 8, word, true));
  return out;
};

describe("SMHasher verification codes", () => {
  it("MurmurHash3 x86_32 gives 0xB0F57EE3", () => {
    const code = verificationCode(4, (key, s) => {
      const out = new Uint8Array(4);
      new DataView(out.buffer).setUint32(0, murmurHash3x86_32(key, s), true);
      return out;
    });
    expect(code.toString(16)).toBe("b0f57ee3");
  });
  it("MurmurHash3 x64_128 gives 0x6384BA69", () => {
    const code = verificationCode(16, (key, s) => littleEndian64(...murmurHash3x64_128(key, s)));
    expect(code.toString(16)).toBe("6384ba69");
  });
  it("MurmurHash64A gives 0x1F0D3804", () => {
    const code = verificationCode(8, (key, s) => littleEndian64(murmurHash64A(key, s)));
    expect(code.toString(16)).toBe("1f0d3804");
  });
});

describe("against reference implementations", () => {
  it("MurmurHash3 x86_32 equals murmurhash3js-revisited on random bytes and seeds", () => {
    fc.assert(fc.property(bytes, seed, (input, s) => murmurHash3x86_32(input, s) === murmur3.x86.hash32(input, s)));
  });
  it("MurmurHash3 x64_128 equals murmurhash3js-revisited on random bytes and seeds", () => {
    fc.assert(
      fc.property(bytes, seed, (input, s) => {
        const [h1, h2] = murmurHash3x64_128(input, s);
        expect(hex64(h1) + hex64(h2)).toBe(murmur3.x64.hash128(input, s));
      }),
    );
  });
  it("MurmurHash64A equals a BigInt transcription of the C code on random bytes and seeds", () => {
    fc.assert(fc.property(bytes, seed, (input, s) => murmurHash64A(input, s) === murmurHash64AReference(input, s)));
  });
  it("MurmurHash64A stays exact around 2^21 bytes, where the length term changes method", () => {
    const random = new Uint8Array(2 ** 21 + 9);
    for (let i = 0; i < random.length; i++) random[i] = (i * 2654435761) >>> 24;
    for (const length of [2 ** 21 - 1, 2 ** 21, 2 ** 21 + 9]) {
      const input = random.subarray(0, length);
      expect(murmurHash64A(input, 7), String(length)).toBe(murmurHash64AReference(input, 7));
    }
  });
  it("ASCII strings on both sides of the 64-unit fast path hash exactly their bytes", () => {
    // The string hashes read short ASCII strings straight from char codes;
    // one non-ASCII char anywhere sends them to the UTF-8 path.
    const ascii = fc.string({ unit: "binary-ascii", maxLength: 70, size: "max" });
    const withOneWide = fc.tuple(ascii, fc.nat(), fc.constantFrom("é", "€", "\u{1F600}", "\u0080")).map(([text, at, wide]) => {
      const cut = text.length === 0 ? 0 : at % text.length;
      return text.slice(0, cut) + wide + text.slice(cut);
    });
    fc.assert(
      fc.property(fc.oneof(ascii, withOneWide), seed, (text, s) => {
        const encoded = utf8.encode(text);
        expect(murmurHash3x86_32(text, s)).toBe(murmur3.x86.hash32(encoded, s));
        expect(murmurHash64A(text, s)).toBe(murmurHash64AReference(encoded, s));
      }),
      { numRuns: 1000 },
    );
  });
  it("string inputs hash exactly their TextEncoder bytes (lone surrogates as U+FFFD)", () => {
    fc.assert(
      fc.property(anyString, seed, (text, s) => {
        const encoded = utf8.encode(text);
        expect(murmurHash3x86_32(text, s)).toBe(murmurHash3x86_32(encoded, s));
        expect(murmurHash64A(text, s)).toBe(murmurHash64AReference(encoded, s));
        expect(murmurHash3x64_128(text, s)).toEqual(murmurHash3x64_128(encoded, s));
        expect(hash64(text)).toBe(murmurHash64AReference(encoded, REDIS_HLL_SEED));
      }),
    );
  });
  it("a string longer than the scratch buffer grows it and still hashes correctly", () => {
    const long = "ü".repeat(5000) + "end";
    expect(hash64(long)).toBe(murmurHash64AReference(utf8.encode(long), REDIS_HLL_SEED));
    expect(hash64("short again")).toBe(murmurHash64AReference(utf8.encode("short again"), REDIS_HLL_SEED));
  });
});

describe("mulHigh32", () => {
  it("is the high word of the exact 64-bit product (BigInt reference)", () => {
    const word = fc.oneof(fc.nat({ max: 0xffffffff }), fc.constantFrom(0, 1, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xffffffff));
    fc.assert(
      fc.property(word, word, (a, b) => {
        expect(mulHigh32(a, b)).toBe(Number((BigInt(a) * BigInt(b)) >> 32n));
      }),
      { numRuns: 2000 },
    );
    expect(mulHigh32(0xffffffff, 0xffffffff)).toBe(0xfffffffe);
  });
  it("takes int32 inputs as their unsigned bit patterns", () => {
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), (a, b) => {
        expect(mulHigh32(a, b)).toBe(mulHigh32(a >>> 0, b >>> 0));
        expect(mulHigh32(a, b)).toBe(Number((BigInt(a >>> 0) * BigInt(b >>> 0)) >> 32n));
      }),
      { numRuns: 1000 },
    );
  });
});

describe("canonical item bytes", () => {
  const f64 = (value: number): Uint8Array => {
    const out = new Uint8Array(8);
    new DataView(out.buffer).setFloat64(0, value, true);
    return out;
  };
  it("numbers hash as little-endian doubles", () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true }), (value) => {
        const canonical = Object.is(value, -0) ? 0 : value;
        expect(hash64(value)).toBe(murmurHash64AReference(f64(canonical), REDIS_HLL_SEED));
      }),
    );
  });
  it("-0 hashes as 0, and every NaN bit pattern as the canonical NaN", () => {
    expect(hash64(-0)).toBe(hash64(0));
    const canonicalNaN = Uint8Array.of(0, 0, 0, 0, 0, 0, 0xf8, 0x7f);
    const view = new DataView(new ArrayBuffer(8));
    for (const [hi, lo] of [[0x7ff80000, 0], [0xfff80000, 0], [0x7ff00000, 1], [0x7fffffff, 0xffffffff]] as const) {
      view.setUint32(4, hi, true);
      view.setUint32(0, lo, true);
      const nan = view.getFloat64(0, true);
      expect(Number.isNaN(nan)).toBe(true);
      expect(hash64(nan)).toBe(murmurHash64AReference(canonicalNaN, REDIS_HLL_SEED));
    }
  });
  it("bigints hash as two's complement in whole 8-byte words", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), (value) => {
        expect(hash64(value)).toBe(murmurHash64AReference(littleEndian64(BigInt.asUintN(64, value)), REDIS_HLL_SEED));
      }),
    );
    expect(hash64(2n ** 64n)).toBe(murmurHash64AReference(littleEndian64(0n, 1n), REDIS_HLL_SEED));
    expect(hash64(2n ** 63n)).toBe(murmurHash64AReference(littleEndian64(2n ** 63n, 0n), REDIS_HLL_SEED));
    expect(hash64(-(2n ** 63n) - 1n)).toBe(
      murmurHash64AReference(littleEndian64(2n ** 63n - 1n, 2n ** 64n - 1n), REDIS_HLL_SEED),
    );
  });
  it("bytes hash as themselves, so a string and its UTF-8 bytes agree", () => {
    expect(hash64("ab")).toBe(hash64(Uint8Array.of(0x61, 0x62)));
  });
  it("rejects values it cannot hash with InvalidArgumentError", () => {
    expect(() => hash64({} as unknown as Hashable)).toThrow(InvalidArgumentError);
    expect(() => new HashedKey().set(true as unknown as Hashable)).toThrow(/cannot hash a value of type boolean/);
  });
});

describe("frozen hashes", () => {
  // Golden values: every stored sketch depends on these. If this test fails,
  // the hash changed: that breaks compatibility with every image written
  // before, and must never happen silently.
  const golden: [Hashable, string][] = [
    ["user-123456", "70f1555798b20dbd"],
    ["192.168.3.7", "04eb099fb6871cae"],
    ["naïve café ☕ 𝄞", "4573ecb94f2f40f5"],
    [Uint8Array.of(0, 255, 7), "089243f676422026"],
    [0, "396f86b121d9c351"],
    [-0, "396f86b121d9c351"],
    [1.5, "a120cffc68f14bbf"],
    [NaN, "f5e7096942c312a0"],
    [-Infinity, "2c83b15ba4d4cb5c"],
    [0n, "396f86b121d9c351"],
    [-1n, "78924eea1454b415"],
    [2n ** 63n, "804ba075f6aa8aba"],
    [-(2n ** 100n), "9a871f29f5884323"],
  ];
  for (const [item, expected] of golden) {
    it(`hash64(${typeof item === "bigint" ? `${item}n` : item instanceof Uint8Array ? `[${[...item]}]` : JSON.stringify(item) ?? String(item)})`, () => {
      expect(hex64(hash64(item))).toBe(expected);
      expect(hex64(HashedKey.of(item).toBigInt())).toBe(expected);
    });
  }
  it("MurmurHash3 and MurmurHash64A of 'hello'", () => {
    expect(murmurHash3x86_32("hello")).toBe(0x248bfa47);
    expect(murmurHash3x64_128("hello", 0).map(hex64)).toEqual(["cbd8a7b341bd9b02", "5b1e906a48ae1d19"]);
    expect(hex64(murmurHash64A("hello", 0))).toBe("1e68d17c457bf117");
  });
});

describe("HashedKey", () => {
  it("is reusable: set overwrites the previous hash", () => {
    const key = new HashedKey();
    fc.assert(
      fc.property(fc.string(), fc.string(), (a, b) => {
        key.set(a);
        const first = key.toBigInt();
        key.set(b);
        expect(key.toBigInt()).toBe(hash64(b));
        expect(first).toBe(hash64(a));
      }),
    );
  });
  it("takes a seed", () => {
    expect(HashedKey.of("x", 0).toBigInt()).toBe(murmurHash64A("x", 0));
    expect(HashedKey.of("x", 0).toBigInt()).not.toBe(HashedKey.of("x").toBigInt());
  });
  it("holds signed 32-bit halves", () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        const key = HashedKey.of(text);
        expect(key.hi).toBe(key.hi | 0);
        expect(key.lo).toBe(key.lo | 0);
      }),
    );
  });
});
