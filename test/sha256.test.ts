// SHA-256 (src/hashing/sha256.ts) against the FIPS 180-4 example vectors
// (NIST CSRC "Cryptographic Standards and Guidelines: Examples with
// Intermediate Values", SHA-256: "abc", the 448-bit two-block message, and
// one million repetitions of "a") and against node:crypto on random input.
import { createHash, randomBytes } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Sha256, sha256 } from "../src/hashing/index.js";
import { sha256Midstate, sha256NodeInto, sha256PrefixedInto, sha256ResumedInto } from "../src/hashing/sha256.js";

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString("hex");
const ascii = (text: string): Uint8Array => new TextEncoder().encode(text);
const nodeSha256 = (bytes: Uint8Array): string => createHash("sha256").update(bytes).digest("hex");

describe("sha256", () => {
  it("matches the FIPS 180-4 example for the one-block message \"abc\"", () => {
    expect(hex(sha256(ascii("abc")))).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  });

  it("matches the FIPS 180-4 example for the 448-bit message, whose padding needs a second block", () => {
    expect(hex(sha256(ascii("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")))).toBe(
      "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
    );
  });

  it("matches the FIPS 180-4 example for one million 'a'", () => {
    expect(hex(sha256(new Uint8Array(1_000_000).fill(0x61)))).toBe("cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  });

  it("hashes the empty message to the published SHA-256 of \"\"", () => {
    expect(hex(sha256(new Uint8Array(0)))).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  });

  it("agrees with node:crypto for every length from 0 to 300 bytes (all padding cases)", () => {
    for (let length = 0; length <= 300; length++) {
      const bytes = randomBytes(length);
      expect(hex(sha256(bytes)), `length ${length}`).toBe(nodeSha256(bytes));
    }
  });

  it("agrees with node:crypto on random inputs", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 5000 }), (bytes) => {
        expect(hex(sha256(bytes))).toBe(nodeSha256(bytes));
      }),
    );
  });

  it("reads only the given bytes of a view into a larger buffer", () => {
    const buffer = randomBytes(256);
    const view = new Uint8Array(buffer.buffer, buffer.byteOffset + 17, 100);
    expect(hex(sha256(view))).toBe(nodeSha256(buffer.subarray(17, 117)));
  });
});

describe("Sha256 (incremental)", () => {
  it("gives the one-shot digest however the message is cut into update ranges", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 700 }), fc.array(fc.nat(), { maxLength: 8 }), (bytes, cuts) => {
        const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
        const hasher = new Sha256();
        let from = 0;
        for (const point of [...points, bytes.length]) {
          hasher.update(bytes, from, point);
          from = point;
        }
        expect(hex(hasher.digest())).toBe(nodeSha256(bytes));
      }),
    );
  });

  it("writes the digest at the given offset, leaves the rest of the buffer alone, and resets for the next message", () => {
    const hasher = new Sha256();
    const out = new Uint8Array(48).fill(0xee);
    hasher.update(ascii("ab")).update(ascii("c")).digestInto(out, 10);
    expect(hex(out.subarray(10, 42))).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    expect([...out.subarray(0, 10), ...out.subarray(42)].every((b) => b === 0xee)).toBe(true);
    expect(hex(hasher.update(ascii("abc")).digest())).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  });

  it("reset forgets data given before it", () => {
    const hasher = new Sha256();
    hasher.update(randomBytes(100)).reset();
    expect(hex(hasher.update(ascii("abc")).digest())).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  });
});

// The RFC 6962 leaf and node hashes of the audit tree read their input in
// place: the leaf's first block one byte before the data (that byte's value
// replaced by the prefix), the rest block by block from any offset.
describe("sha256PrefixedInto and sha256NodeInto (in-place RFC 6962 leaf and node hashing)", () => {
  const prefixed = (prefix: number, data: Uint8Array): string => createHash("sha256").update(Uint8Array.of(prefix)).update(data).digest("hex");

  it("hash prefix ‖ data for every length from 0 to 300, whether the data starts its buffer or not", () => {
    for (let length = 0; length <= 300; length++) {
      const buffer = randomBytes(length + 7);
      const data = buffer.subarray(5, 5 + length);
      const out = new Uint8Array(32);
      // In a larger buffer: the byte before the data (buffer[4]) is read and replaced.
      sha256PrefixedInto(0x00, buffer, 5, 5 + length, out, 0);
      expect(hex(out), `length ${length}, inside`).toBe(prefixed(0x00, data));
      expect([...buffer.subarray(5, 5 + length)]).toEqual([...data]);
      // At byte 0 of its own ArrayBuffer: nothing before it to read.
      const alone = new Uint8Array(data);
      sha256PrefixedInto(0x7f, alone, 0, length, out, 0);
      expect(hex(out), `length ${length}, alone`).toBe(prefixed(0x7f, data));
    }
  });

  it("agree with node:crypto for random data at random offsets of views, with the output at an offset", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), fc.nat(40), fc.nat(40), fc.integer({ min: 0, max: 255 }), (bytes, lead, at, prefix) => {
        const backing = new Uint8Array(lead + bytes.length + 3);
        backing.set(bytes, lead);
        const view = backing.subarray(Math.min(lead, 3));
        const start = lead - Math.min(lead, 3);
        const out = new Uint8Array(at + 32);
        sha256PrefixedInto(prefix, view, start, start + bytes.length, out, at);
        expect(hex(out.subarray(at))).toBe(prefixed(prefix, bytes));
      }),
    );
  });

  it("hash 0x01 ‖ left ‖ right, also when the output overwrites an input", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 96, maxLength: 96 }), fc.nat(32), fc.nat(32), (bytes, l, r) => {
        const expected = createHash("sha256").update(Uint8Array.of(1)).update(bytes.subarray(l, l + 32)).update(bytes.subarray(r, r + 32)).digest("hex");
        const out = new Uint8Array(32);
        sha256NodeInto(bytes, l, bytes, r, out, 0);
        expect(hex(out)).toBe(expected);
        sha256NodeInto(bytes, l, bytes, r, bytes, l);
        expect(hex(bytes.subarray(l, l + 32))).toBe(expected);
      }),
    );
  });
});

describe("sha256Midstate and sha256ResumedInto (a first block hashed once, as HMAC's key pads)", () => {
  it("hash block ‖ data for every data length from 0 to 300, from views at offsets, with the output at an offset", () => {
    const block = randomBytes(64);
    const midstate = sha256Midstate(Uint8Array.from(block));
    for (let length = 0; length <= 300; length++) {
      const data = randomBytes(length);
      const buffer = new Uint8Array(length + 7);
      buffer.set(data, 3);
      const out = new Uint8Array(40);
      sha256ResumedInto(midstate, buffer.subarray(2), 1, 1 + length, out, 5);
      expect(hex(out.subarray(5, 37))).toBe(nodeSha256(Buffer.concat([block, data])));
    }
  });

  it("read a midstate's block from a view, keep the midstate for every message, and may overwrite their input", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 64, maxLength: 64 }), fc.nat(16), fc.array(fc.uint8Array({ minLength: 32, maxLength: 150 }), { minLength: 1, maxLength: 4 }), (block, at, messages) => {
        const holder = new Uint8Array(at + 64 + 9);
        holder.set(block, at);
        const midstate = sha256Midstate(holder.subarray(at, at + 64));
        for (const message of messages) {
          const expected = nodeSha256(Buffer.concat([block, message]));
          const copy = Uint8Array.from(message);
          sha256ResumedInto(midstate, copy, 0, copy.length, copy, 0); // the digest over the message's first 32 bytes
          expect(hex(copy.subarray(0, 32))).toBe(expected);
        }
      }),
      { numRuns: 100 },
    );
  });

  it("refuses a midstate of anything but one 64-byte block, and a range outside the view", () => {
    expect(() => sha256Midstate(new Uint8Array(63))).toThrow(/64-byte block/);
    const midstate = sha256Midstate(new Uint8Array(64));
    const view = new Uint8Array(200).subarray(10, 80);
    expect(() => sha256ResumedInto(midstate, view, 0, 71, new Uint8Array(32), 0)).toThrow(RangeError);
    expect(() => sha256ResumedInto(midstate, view, 5, 4, new Uint8Array(32), 0)).toThrow(RangeError);
  });
});

