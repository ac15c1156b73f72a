import fc from "fast-check";
import { afterEach, describe, expect, it, vi } from "vitest";
import { readFileSync } from "node:fs";
import { InvalidArgumentError } from "../src/errors.js";
import { HashedKey, SipHasher, sipHash24 } from "../src/hashing/index.js";
import { sipHashReference } from "./reference/siphash-bigint.js";
import { sharedSipKernel, sipHashModuleBytes } from "../src/hashing/siphash-wasm.js";
import { sleb, uleb } from "../src/hashing/wasm-emitter.js";

// The 64 SipHash-2-4 64-bit vectors of the reference implementation
// (veorq/SipHash vectors.h, `vectors_sip64`): key 00 01 .. 0f, message i =
// bytes 00 01 .. (i - 1), output as 8 little-endian bytes.
// The SipHash-1-3 table (`sip13_64`, same key and messages) is Firedancer's;
// the fixture's `sip13_source` says how it was cross-checked.
const vectors = JSON.parse(readFileSync(new URL("./fixtures/siphash-vectors.json", import.meta.url), "utf8")) as { sip64: string[]; sip13_64: string[] };
const referenceKey = Uint8Array.from({ length: 16 }, (_, i) => i);
const littleEndianHex = (value: bigint): string =>
  value
    .toString(16)
    .padStart(16, "0")
    .match(/../g)!
    .reverse()
    .join("");
const utf8 = new TextEncoder();
const key16 = fc.uint8Array({ minLength: 16, maxLength: 16 });
const anyString = fc.oneof(
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 120 }).map((codes) => String.fromCharCode(...codes)),
  fc.string({ unit: "grapheme", minLength: 60, maxLength: 300 }),
);

describe("SipHash-2-4", () => {
  it("matches the 64 reference vectors (veorq/SipHash vectors.h)", () => {
    expect(vectors.sip64).toHaveLength(64);
    const hasher = new SipHasher(referenceKey);
    const out = new HashedKey();
    for (let length = 0; length < 64; length++) {
      const message = Uint8Array.from({ length }, (_, i) => i);
      expect(littleEndianHex(hasher.hash(message)), `message of ${length} bytes`).toBe(vectors.sip64[length]);
      expect(littleEndianHex(hasher.hashInto(message, out).toBigInt())).toBe(vectors.sip64[length]);
      expect(littleEndianHex(sipHash24(referenceKey, message))).toBe(vectors.sip64[length]);
    }
  });

  it("the paper's appendix example: 15 bytes 00..0e gives a129ca6149be45e5", () => {
    expect(sipHash24(referenceKey, Uint8Array.from({ length: 15 }, (_, i) => i))).toBe(0xa129ca6149be45e5n);
  });

  it("agrees with a BigInt transcription of the spec on random keys and messages", () => {
    fc.assert(
      fc.property(key16, fc.uint8Array({ maxLength: 200 }), (key, message) => {
        expect(new SipHasher(key).hash(message)).toBe(sipHashReference(key, message));
      }),
      { numRuns: 500 },
    );
  });

  it("hashes a string as its UTF-8 bytes (lone surrogates as U+FFFD)", () => {
    fc.assert(
      fc.property(key16, anyString, (key, text) => {
        expect(new SipHasher(key).hash(text)).toBe(sipHashReference(key, utf8.encode(text)));
      }),
      { numRuns: 300 },
    );
  });

  it("hashPairInto hashes UTF-8(first) ‖ 0xff ‖ UTF-8(second), reusing its buffer across sizes", () => {
    fc.assert(
      fc.property(key16, anyString, anyString, (key, first, second) => {
        const a = utf8.encode(first);
        const b = utf8.encode(second);
        const message = new Uint8Array(a.length + 1 + b.length);
        message.set(a);
        message[a.length] = 0xff;
        message.set(b, a.length + 1);
        expect(new SipHasher(key).hashPairInto(first, second, new HashedKey()).toBigInt()).toBe(sipHashReference(key, message));
      }),
      { numRuns: 300 },
    );
  });

  it("the pair encoding is injective where a concatenation is not", () => {
    const hasher = new SipHasher(referenceKey);
    const pair = (a: string, b: string): bigint => hasher.hashPairInto(a, b, new HashedKey()).toBigInt();
    expect(pair("a", "bc")).not.toBe(pair("ab", "c"));
    expect(pair("", "x")).not.toBe(pair("x", ""));
  });

  it("different keys give different hashes (keyed)", () => {
    const other = referenceKey.slice();
    other[15] ^= 1;
    const a = new SipHasher(referenceKey);
    const b = new SipHasher(other);
    let differing = 0;
    for (let i = 0; i < 100; i++) if (a.hash(`id-${i}`) !== b.hash(`id-${i}`)) differing++;
    expect(differing).toBe(100);
  });

  it("refuses keys that are not 16 bytes, and messages of other types", () => {
    expect(() => new SipHasher(new Uint8Array(15))).toThrow(InvalidArgumentError);
    expect(() => new SipHasher(new Uint8Array(17))).toThrow(/16 bytes, got 17 bytes/);
    expect(() => new SipHasher("0123456789abcdef" as unknown as Uint8Array)).toThrow(InvalidArgumentError);
    expect(() => new SipHasher(referenceKey).hash(42 as unknown as string)).toThrow(InvalidArgumentError);
  });
});

describe("SipHash-1-3", () => {
  it("matches the 64 vectors of Firedancer's table (key 00..0f, message 00..i-1)", () => {
    expect(vectors.sip13_64).toHaveLength(64);
    const hasher = new SipHasher(referenceKey, "1-3");
    expect(hasher.variant).toBe("1-3");
    for (let length = 0; length < 64; length++) {
      const message = Uint8Array.from({ length }, (_, i) => i);
      expect(littleEndianHex(hasher.hash(message)), `message of ${length} bytes`).toBe(vectors.sip13_64[length]);
    }
  });

  it("agrees with the BigInt transcription at c = 1, d = 3, for bytes at any offset, strings and pairs", () => {
    fc.assert(
      fc.property(key16, fc.uint8Array({ maxLength: 200 }), fc.integer({ min: 0, max: 7 }), anyString, anyString, (key, message, offset, first, second) => {
        const hasher = new SipHasher(key, "1-3");
        // An unaligned view of a larger buffer: read without a word view of the same memory.
        const shifted = new Uint8Array(message.length + offset + 3);
        shifted.set(message, offset);
        const view = shifted.subarray(offset, offset + message.length);
        expect(hasher.hash(view)).toBe(sipHashReference(key, message, 1, 3));
        expect(hasher.hash(first)).toBe(sipHashReference(key, utf8.encode(first), 1, 3));
        const pair = Uint8Array.of(...utf8.encode(first), 0xff, ...utf8.encode(second));
        expect(hasher.hashPairInto(first, second, new HashedKey()).toBigInt()).toBe(sipHashReference(key, pair, 1, 3));
      }),
      { numRuns: 400 },
    );
  });

  it("SipHash-2-4 reads unaligned byte views too", () => {
    fc.assert(
      fc.property(key16, fc.uint8Array({ maxLength: 100 }), fc.integer({ min: 1, max: 3 }), (key, message, offset) => {
        const shifted = new Uint8Array(message.length + offset);
        shifted.set(message, offset);
        expect(new SipHasher(key).hash(shifted.subarray(offset))).toBe(sipHashReference(key, message));
      }),
      { numRuns: 200 },
    );
  });

  it("differs from SipHash-2-4, and unknown variants are refused", () => {
    expect(new SipHasher(referenceKey, "1-3").hash("x")).not.toBe(new SipHasher(referenceKey, "2-4").hash("x"));
    expect(() => new SipHasher(referenceKey, "2-2" as never)).toThrow(/variant must be "2-4" or "1-3", got "2-2"/);
  });
});

describe("SipHash in WebAssembly, and the JavaScript fallback", () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });
  const pairBytes = (first: string, second: string): Uint8Array => Uint8Array.of(...utf8.encode(first), 0xff, ...utf8.encode(second));
  const variants = [
    ["2-4", 2, 4],
    ["1-3", 1, 3],
  ] as const;

  it("the emitted module is valid WebAssembly, and one kernel serves the process on this (little-endian) host", () => {
    expect(WebAssembly.validate(sipHashModuleBytes())).toBe(true);
    expect(sharedSipKernel()).toBeDefined();
    expect(sharedSipKernel()).toBe(sharedSipKernel());
  });

  it("LEB128 as the binary format spells it (spec 5.2.2 examples)", () => {
    expect(uleb(0)).toEqual([0]);
    expect(uleb(624485)).toEqual([0xe5, 0x8e, 0x26]);
    expect(sleb(-123456n)).toEqual([0xc0, 0xbb, 0x78]);
    expect(sleb(63n)).toEqual([0x3f]);
    expect(sleb(64n)).toEqual([0xc0, 0x00]);
    expect(sleb(-1n)).toEqual([0x7f]);
  });

  it("both engines agree with the BigInt transcription on the same inputs, in any order of calls", () => {
    // A sequence of mixed calls on one hasher exercises the kernel's cached
    // pair prefix (kinds repeating and changing, ids ASCII or not, messages
    // overwriting the prefix) and the fallback for long inputs.
    const call = fc.oneof(
      fc.record({ op: fc.constant("pair" as const), first: fc.oneof(fc.constantFrom("login", "logout", "ß", ""), anyString), second: fc.oneof(anyString, fc.string({ minLength: 30, maxLength: 40 })) }),
      fc.record({ op: fc.constant("string" as const), text: anyString }),
      fc.record({ op: fc.constant("bytes" as const), bytes: fc.uint8Array({ maxLength: 100 }) }),
    );
    fc.assert(
      fc.property(fc.array(key16, { minLength: 2, maxLength: 2 }), fc.constantFrom(...variants), fc.array(fc.tuple(call, fc.nat(1)), { maxLength: 12 }), fc.boolean(), (keys, [variant, c, d], calls, withoutWasm) => {
        if (withoutWasm) vi.stubGlobal("WebAssembly", undefined);
        // Two hashers under different keys, called in turn: they share the kernel and its cached pair prefix.
        const hashers = keys.map((key) => new SipHasher(key, variant));
        vi.unstubAllGlobals();
        for (const [step, which] of calls) {
          const key = keys[which] as Uint8Array;
          const hasher = hashers[which] as SipHasher;
          if (step.op === "pair") {
            expect(hasher.hashPairInto(step.first, step.second, new HashedKey()).toBigInt()).toBe(sipHashReference(key, pairBytes(step.first, step.second), c, d));
          } else if (step.op === "string") {
            expect(hasher.hash(step.text)).toBe(sipHashReference(key, utf8.encode(step.text), c, d));
          } else {
            expect(hasher.hash(step.bytes)).toBe(sipHashReference(key, step.bytes, c, d));
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it("inputs longer than the kernel's page hash in JavaScript with the same result", () => {
    const hasher = new SipHasher(referenceKey, "1-3");
    const long = "é".repeat(30_000); // 60,000 UTF-8 bytes: beyond the kernel's bound of 3 bytes per unit
    expect(hasher.hash(long)).toBe(sipHashReference(referenceKey, utf8.encode(long), 1, 3));
    const longFirst = "k".repeat(300);
    expect(hasher.hashPairInto(longFirst, "id-1", new HashedKey()).toBigInt()).toBe(sipHashReference(referenceKey, pairBytes(longFirst, "id-1"), 1, 3));
    expect(hasher.hashPairInto("login", long, new HashedKey()).toBigInt()).toBe(sipHashReference(referenceKey, pairBytes("login", long), 1, 3));
    const bytes = Uint8Array.from({ length: 70_000 }, (_, i) => i * 7);
    expect(hasher.hash(bytes)).toBe(sipHashReference(referenceKey, bytes, 1, 3));
  });

  it("without WebAssembly (missing or refused by a Content Security Policy) the vectors still hold", () => {
    vi.stubGlobal("WebAssembly", undefined);
    const hasher = new SipHasher(referenceKey, "1-3");
    for (let length = 0; length < 64; length++) {
      const message = Uint8Array.from({ length }, (_, i) => i);
      expect(littleEndianHex(hasher.hash(message))).toBe(vectors.sip13_64[length]);
    }
  });

  it("hashPairInto refuses parts that are not strings", () => {
    const hasher = new SipHasher(referenceKey);
    expect(() => hasher.hashPairInto("login", 7 as unknown as string, new HashedKey())).toThrow(/both parts must be strings, got string and number/);
  });
});
