// Random fingerprint tables for the sweep tests (test/deduplicator.test.ts
// sweeps them in JavaScript against a slot-by-slot reference,
// test/dedup-kernel.test.ts in the WebAssembly kernel against JavaScript).
import fc from "fast-check";
import { EPOCH_BITS, FingerprintTable, MAX_FINGERPRINT_BITS, SLOTS_PER_BUCKET } from "../../src/compliance/dedup-table.js";
import { uniform } from "./random.js";

/**
 * A sweep's case: fingerprint bits (every slot width), buckets (a few, or
 * more than 1,024: several 4,096-slot calls of the JavaScript pass), the
 * clock's epochLow, the jump (0..4) and a seed.
 */
export const sweepCase = fc.tuple(
  fc.integer({ min: 1, max: MAX_FINGERPRINT_BITS }),
  fc.oneof(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1000, max: 2100 })),
  fc.integer({ min: 0, max: 15 }),
  fc.integer({ min: 0, max: 4 }),
  fc.integer({ min: 0, max: 0xffffffff }),
);

/** A table with a fifth of its slots empty, the rest random fingerprints aged 0..15 epochs at `epochLow`, as between two sweeps. */
export function sweepTable(fingerprintBits: number, buckets: number, epochLow: number, seed: number): FingerprintTable {
  const random = uniform(seed);
  const table = new FingerprintTable({ buckets, fingerprintBits });
  const fingerprints = 2 ** fingerprintBits - 1;
  for (let bucket = 0; bucket < buckets; bucket++) {
    for (let slot = 0; slot < SLOTS_PER_BUCKET; slot++) {
      if (random() < 0.2) continue; // empty
      const fingerprint = 1 + Math.floor(random() * fingerprints);
      const age = Math.floor(random() * 16);
      table.place(bucket, ((fingerprint << EPOCH_BITS) | ((epochLow - age) & 15)) >>> 0, (epochLow + 1) & 15);
    }
  }
  return table;
}
