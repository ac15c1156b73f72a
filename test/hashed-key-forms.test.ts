import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type Hash64Out, HashedKey } from "../src/hashing/index.js";
import { BloomFilter, CountMinSketch, HyperLogLog } from "../src/sketches/index.js";

// HashedKey writes its halves signed; a caller may build keys with unsigned
// halves (e.g. from a Uint32Array). Both spell the same 64-bit hash, so every
// sketch must end up in the same state from either form.
describe("addHashed takes signed and unsigned halves alike", () => {
  const halves = fc.array(fc.tuple(fc.integer({ min: -0x80000000, max: 0x7fffffff }), fc.integer({ min: -0x80000000, max: 0x7fffffff })), {
    maxLength: 300,
  });
  const forms = (pairs: [number, number][]): [Hash64Out[], Hash64Out[]] => [
    pairs.map(([hi, lo]) => ({ hi, lo })),
    pairs.map(([hi, lo]) => ({ hi: hi >>> 0, lo: lo >>> 0 })),
  ];

  it("HyperLogLog (sparse and dense)", () => {
    fc.assert(
      fc.property(halves, fc.integer({ min: 4, max: 14 }), (pairs, precision) => {
        const [signed, unsigned] = forms(pairs);
        const a = new HyperLogLog({ precision });
        const b = new HyperLogLog({ precision });
        for (const key of signed) a.addHashed(key);
        for (const key of unsigned) b.addHashed(key);
        expect(a.toBytes()).toEqual(b.toBytes());
      }),
    );
  });

  it("BloomFilter", () => {
    fc.assert(
      fc.property(halves, fc.integer({ min: 1, max: 5000 }), fc.integer({ min: 1, max: 12 }), (pairs, bits, hashes) => {
        const [signed, unsigned] = forms(pairs);
        const a = new BloomFilter({ bits, hashes });
        const b = new BloomFilter({ bits, hashes });
        for (const key of signed) a.addHashed(key);
        for (const key of unsigned) b.addHashed(key);
        expect(a.equals(b)).toBe(true);
        for (const key of unsigned) expect(a.hasHashed(key)).toBe(true);
        for (const key of signed) expect(b.hasHashed(key)).toBe(true);
      }),
    );
  });

  it("CountMinSketch", () => {
    fc.assert(
      fc.property(halves, fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: 7 }), (pairs, width, depth) => {
        const [signed, unsigned] = forms(pairs);
        const a = new CountMinSketch({ width, depth });
        const b = new CountMinSketch({ width, depth });
        for (const key of signed) a.addHashed(key);
        for (const key of unsigned) b.addHashed(key);
        expect(a.equals(b)).toBe(true);
        signed.forEach((key, i) => expect(a.frequencyHashed(key)).toBe(b.frequencyHashed(unsigned[i] as Hash64Out)));
      }),
    );
  });

  it("HashedKey's signed halves give the unsigned hash back", () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        const key = HashedKey.of(text);
        const unsigned = (BigInt(key.hi >>> 0) << 32n) | BigInt(key.lo >>> 0);
        expect(key.toBigInt()).toBe(unsigned);
        expect(key.toBigInt() >= 0n).toBe(true);
      }),
    );
  });
});
