// HMAC-SHA256 (src/hashing/hmac.ts) against the test vectors of RFC 4231,
// "Identifiers and Test Vectors for HMAC-SHA-224, HMAC-SHA-256,
// HMAC-SHA-384, and HMAC-SHA-512", section 4 (cases 1-7; case 5 compares the
// 128-bit truncation, as the RFC does), and against node:crypto on random
// keys and messages (key lengths around the 64-byte block).
import { createHmac, randomBytes } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { HmacSha256, hmacSha256 } from "../src/hashing/index.js";

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString("hex");
const fromHex = (text: string): Uint8Array => Uint8Array.from(Buffer.from(text, "hex"));
const ascii = (text: string): Uint8Array => new TextEncoder().encode(text);

const RFC_4231: readonly { name: string; key: Uint8Array; data: Uint8Array; mac: string }[] = [
  { name: "1", key: new Uint8Array(20).fill(0x0b), data: ascii("Hi There"), mac: "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7" },
  { name: "2", key: ascii("Jefe"), data: ascii("what do ya want for nothing?"), mac: "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843" },
  { name: "3", key: new Uint8Array(20).fill(0xaa), data: new Uint8Array(50).fill(0xdd), mac: "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe" },
  {
    name: "4",
    key: fromHex("0102030405060708090a0b0c0d0e0f10111213141516171819"),
    data: new Uint8Array(50).fill(0xcd),
    mac: "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b",
  },
  { name: "5 (truncated to 128 bits)", key: new Uint8Array(20).fill(0x0c), data: ascii("Test With Truncation"), mac: "a3b6167473100ee06e0c796c2955552b" },
  {
    name: "6 (131-byte key)",
    key: new Uint8Array(131).fill(0xaa),
    data: ascii("Test Using Larger Than Block-Size Key - Hash Key First"),
    mac: "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
  },
  {
    name: "7 (131-byte key, long data)",
    key: new Uint8Array(131).fill(0xaa),
    data: ascii("This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm."),
    mac: "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2",
  },
];

describe("hmacSha256", () => {
  for (const vector of RFC_4231) {
    it(`matches RFC 4231 test case ${vector.name}`, () => {
      expect(hex(hmacSha256(vector.key, vector.data)).slice(0, vector.mac.length)).toBe(vector.mac);
      expect(hex(new HmacSha256(vector.key).digest(vector.data)).slice(0, vector.mac.length)).toBe(vector.mac);
    });
  }

  it("takes strings as their UTF-8 bytes", () => {
    expect(hmacSha256("clé", "übung")).toEqual(hmacSha256(ascii("clé"), ascii("übung")));
  });

  it("agrees with node:crypto for keys and messages around the block size, reusing one keyed instance", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 200 }), fc.array(fc.integer({ min: 0, max: 300 }), { minLength: 1, maxLength: 5 }), (keyLength, lengths) => {
        const key = randomBytes(keyLength);
        const mac = new HmacSha256(Uint8Array.from(key));
        for (const length of lengths) {
          const message = randomBytes(length);
          expect(hex(mac.digest(Uint8Array.from(message)))).toBe(createHmac("sha256", key).update(message).digest("hex"));
        }
      }),
      { numRuns: 100 },
    );
  });

  it("hashes string messages as TextEncoder's bytes (lone surrogates included), one keyed instance for strings of every length", () => {
    const mac = new HmacSha256("a deployment key");
    const text = fc.array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 600 }).map((units) => String.fromCharCode(...units));
    fc.assert(
      fc.property(fc.array(text, { minLength: 1, maxLength: 4 }), (messages) => {
        for (const message of messages) {
          expect(hex(mac.digest(message))).toBe(createHmac("sha256", "a deployment key").update(new TextEncoder().encode(message)).digest("hex"));
        }
      }),
      { numRuns: 100 },
    );
  });

  it("writes into a caller's buffer at an offset", () => {
    const out = new Uint8Array(40);
    new HmacSha256("k").digestInto("m", out, 8);
    expect(hex(out.subarray(8))).toBe(createHmac("sha256", "k").update("m").digest("hex"));
    expect([...out.subarray(0, 8)]).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
  });

  it("refuses a key or message that is neither bytes nor a string, naming which", () => {
    expect(() => hmacSha256(42 as unknown as string, "m")).toThrow(/key must be a Uint8Array or a string/);
    expect(() => new HmacSha256("k").digest(null as unknown as string)).toThrow(/message must be/);
  });
});
