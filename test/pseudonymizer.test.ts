// The Pseudonymizer's cache (src/compliance/pseudonyms.ts): whatever the
// cache holds, evicts or is asked with colliding hashes, a pseudonym is the
// HMAC of its identity (checked against node:crypto), its table hash is
// topKFieldHash of the pseudonym, and an identity seen again while cached
// costs no second HMAC.
import { createHmac } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it, vi } from "vitest";
import { Pseudonymizer, pseudonymOf } from "../src/compliance/index.js";
import { topKFieldHash } from "../src/sketches/top-k.js";

const KEY = "a deployment key of 32+ bytes....";
const expected = (identity: string): string => createHmac("sha256", KEY).update(identity).digest().subarray(0, 12).toString("base64url");

describe("Pseudonymizer", () => {
  it("gives node:crypto's HMAC pseudonym and its table hash for every lookup, through evictions and hash collisions", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(0, 4, 8, 64),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 40 }), fc.constantFrom("own", "colliding", "unsigned")), { maxLength: 200 }),
        (cacheSize, lookups) => {
          const pseudonyms = new Pseudonymizer(KEY, cacheSize);
          for (const [n, hashing] of lookups) {
            const identity = `user-${n}@corp.example`;
            // "colliding": every identity the same hash (one set, one tag); "unsigned": hashes above 2^31.
            const got =
              hashing === "own" ? pseudonyms.of(identity) : pseudonyms.ofHashed(identity, hashing === "colliding" ? 12345 : 0x80000000 + n * 2654435761 % 0x7fffffff);
            expect(got).toBe(expected(identity));
            expect(pseudonyms.tableHash).toBe(topKFieldHash(got));
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it("computes an identity's HMAC once while it stays cached, with the hash given as an unsigned or a signed 32-bit value", () => {
    const pseudonyms = new Pseudonymizer(KEY, 64);
    const compute = vi.spyOn(pseudonyms as unknown as { compute(identity: string): string }, "compute");
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 8; i++) pseudonyms.ofHashed(`user-${i}`, 0xfffffff0 + i); // unsigned form of a negative int32
      for (let i = 0; i < 8; i++) pseudonyms.ofHashed(`user-${i}`, (0xfffffff0 + i) | 0); // the same hash, signed
    }
    expect(compute).toHaveBeenCalledTimes(8);
    expect(pseudonyms.of("")).toBe(expected(""));
    // "" is never cached: an empty entry holds "" with tag 0.
    expect(pseudonyms.ofHashed("", 0)).toBe(expected(""));
    expect(pseudonymOf(KEY, "alice")).toBe(expected("alice"));
  });

  it("keeps four identities of one set, one HMAC each, and replaces them in turn", () => {
    const pseudonyms = new Pseudonymizer(KEY, 64);
    const compute = vi.spyOn(pseudonyms as unknown as { compute(identity: string): string }, "compute");
    // One hash for all: one set of four entries.
    for (let round = 0; round < 2; round++) for (let i = 0; i < 4; i++) expect(pseudonyms.ofHashed(`ip-${i}`, 7)).toBe(expected(`ip-${i}`));
    expect(compute).toHaveBeenCalledTimes(4);
    // A fifth replaces the first of the four (round robin), the sixth the second; the third and fourth stay.
    pseudonyms.ofHashed("ip-4", 7);
    pseudonyms.ofHashed("ip-5", 7);
    expect(compute).toHaveBeenCalledTimes(6);
    pseudonyms.ofHashed("ip-2", 7);
    pseudonyms.ofHashed("ip-3", 7);
    expect(compute).toHaveBeenCalledTimes(6);
    pseudonyms.ofHashed("ip-0", 7);
    expect(compute).toHaveBeenCalledTimes(7);
  });
});
