/**
 * Which table layout a Deduplicator uses, and the sizes that follow.
 *
 * The line layout (dedup-line-table.ts) reads one cache line for most fresh
 * ids instead of two buckets' worth; in alternating runs of
 * bench/dedup-table-ab.mjs it checked fresh ids faster than the bucket
 * layout (dedup-table.ts), but its slots are whole 32-bit words with a
 * fixed 27-bit fingerprint, so its memory does not shrink with a looser
 * rate, and its bound of `30 / (2^27 - 1)` = 2.24e-7 is above the smallest
 * rate the bucket layout reaches (3e-8). So: lines where their bound meets
 * the rate and they take at most {@link LINE_MEMORY_FACTOR} times the bucket
 * layout's bytes (rates from 2.24e-7 to 3.8e-6, which includes the default
 * 1e-6), buckets elsewhere.
 *
 * @internal
 * @module
 */

import { EPOCHS_PER_TTL, SLOTS_PER_BUCKET, bucketGeometry, bucketTableWords, type TableGeometry, type TableLayout } from "./dedup-table.js";
import { LINE_COMPARED_SLOTS, LINE_DESIGN_LOAD, LINE_FINGERPRINT_BITS, LINE_SLOTS, LINE_WORDS } from "./dedup-line-table.js";

/** The most memory the line layout may take, relative to the bucket layout, to be chosen. */
export const LINE_MEMORY_FACTOR = 1.25;
/** The line layout's false-positive bound per table: 30 slots compared, 27-bit fingerprints. */
export const LINE_RATE_BOUND = LINE_COMPARED_SLOTS / (2 ** LINE_FINGERPRINT_BITS - 1);

/**
 * The line layout's geometry for `capacity` ids per TTL: `capacity * 13/12
 * / LINE_DESIGN_LOAD` slots, 15 a bucket.
 *
 * @internal
 */
export function lineGeometry(capacity: number): TableGeometry {
  const slots = (capacity * (EPOCHS_PER_TTL + 1)) / EPOCHS_PER_TTL / LINE_DESIGN_LOAD;
  return { layout: "lines", buckets: Math.max(1, Math.ceil(slots / LINE_SLOTS)), fingerprintBits: LINE_FINGERPRINT_BITS };
}

/**
 * The geometry for `capacity` ids per TTL at `falsePositiveRate`, in
 * `layout`, or else in the layout chosen as the module comment says.
 *
 * @internal
 */
export function tableGeometry(capacity: number, falsePositiveRate: number, layout?: TableLayout): TableGeometry {
  const buckets = bucketGeometry(capacity, falsePositiveRate);
  if (layout === "buckets") return buckets;
  const lines = lineGeometry(capacity);
  if (layout === "lines") return lines;
  const fits = falsePositiveRate >= LINE_RATE_BOUND && tableWords(lines) <= LINE_MEMORY_FACTOR * bucketTableWords(buckets);
  return fits ? lines : buckets;
}

/** Words of one table (without the bucket layout's padding word kept in memory). */
export function tableWords(geometry: TableGeometry): number {
  return geometry.layout === "lines" ? geometry.buckets * LINE_WORDS : bucketTableWords(geometry);
}

/** Slots compared per table by a fresh check, at most: the numerator of the false-positive bound. */
export function comparedSlots(geometry: TableGeometry): number {
  return geometry.layout === "lines" ? LINE_COMPARED_SLOTS : 2 * SLOTS_PER_BUCKET;
}

/** Slots of one table. */
export function tableSlots(geometry: TableGeometry): number {
  return geometry.buckets * (geometry.layout === "lines" ? LINE_SLOTS : SLOTS_PER_BUCKET);
}
