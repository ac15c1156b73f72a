import { ByteReader } from "../codec/byte-reader.js";
import { ByteWriter } from "../codec/byte-writer.js";
import { littleEndianHost } from "../codec/host-byte-order.js";
import { Family, readPreamble, writePreamble } from "../codec/preamble.js";
import { DecodeError } from "../errors.js";
import { SipHasher, type SipHashVariant } from "../hashing/siphash.js";
import type { Hash64Out } from "../hashing/murmur64a.js";
import {
  EPOCHS_PER_TTL,
  EPOCH_BITS,
  MAX_CAPACITY,
  MAX_FALSE_POSITIVE_RATE,
  MIN_FALSE_POSITIVE_RATE,
  DESIGN_LOAD,
  SLOTS_PER_BUCKET,
  V2_DESIGN_LOAD,
  tableGeometry,
  tableWords,
  type TableGeometry,
} from "./dedup-table.js";

/**
 * The Deduplicator's binary image, family 0x20, version 3 (docs/format.md,
 * "Deduplicator"): bytes 94-95 hold the load the tables were sized for, in
 * thousandths. Version 2 images (bytes 94-95 reserved, tables sized for a
 * load of 0.9) and version 1 images (also byte 93 reserved: ids hashed with
 * SipHash-2-4) are still read.
 *
 * @internal
 * @module
 */

const VERSION = 3;
const READ_VERSIONS = [1, 2, 3];
/** Loads an image may record, in thousandths. */
const MIN_LOAD_PERMILLE = 500;
const MAX_LOAD_PERMILLE = 950;
/** Byte 93 of a keyed image: the SipHash variant ids are hashed with. */
const VARIANT_CODES: readonly SipHashVariant[] = ["2-4", "1-3"];
const FLAG_EXACT = 1;
const FLAG_STARTED = 2;
const TAG_BYTES = 8;
/** Preamble 8, ttl 8, epoch 8, six counts of 8, kick generator state 4. */
const COMMON_BYTES = 76;
/** Capacity 4, rate 8, buckets 4, fingerprint bits 1, item hash 1, reserved 2, tables 4. */
const TABLE_HEADER_BYTES = 24;
/** Age 1, two string lengths of 4. */
const MIN_ENTRY_BYTES = 9;

/**
 * Checksum key of exact-mode images, which have no secret key: all zero, so
 * the tag only detects corruption (exact mode is for tests).
 */
const checksumHasher = new SipHasher(new Uint8Array(16));

/**
 * Everything an image holds.
 *
 * @internal
 */
export interface DeduplicatorImage {
  readonly exact: boolean;
  readonly ttl: number;
  readonly started: boolean;
  readonly epoch: number;
  /** checked, duplicates, recorded, expired, late, overflowed. */
  readonly counts: readonly [number, number, number, number, number, number];
  /** State of the xorshift32 generator that picks cuckoo evictions (never 0). */
  readonly randomState: number;
  /** The SipHash variant of the item hash (keyed mode; `"1-3"` in exact mode, which hashes nothing). */
  readonly sipHash: SipHashVariant;
  readonly capacity: number;
  readonly falsePositiveRate: number;
  readonly geometry: TableGeometry;
  /** Each table's packed words (a trailing padding word, if present, is not written). */
  readonly tables: readonly Uint32Array[];
  /** Exact mode: `[kind, id, age in epochs]`. */
  readonly entries: readonly (readonly [string, string, number])[];
}

/**
 * A decoded image (its counts as a tuple).
 *
 * @internal
 */
export interface DecodedDeduplicatorImage extends DeduplicatorImage {
  readonly counts: [number, number, number, number, number, number];
}

const tagScratch: Hash64Out = { hi: 0, lo: 0 };

function writeUnits(writer: ByteWriter, text: string): void {
  writer.u32(text.length);
  for (let i = 0; i < text.length; i++) writer.u16(text.charCodeAt(i));
}

/**
 * Writes an image; `hasher` (SipHash-2-4 under the deployment key)
 * authenticates it, or, for exact mode, the all-zero checksum key does.
 *
 * @internal
 */
export function writeDeduplicatorImage(image: DeduplicatorImage, hasher: SipHasher | undefined): Uint8Array<ArrayBuffer> {
  const words = image.exact ? 0 : tableWords(image.geometry);
  const writer = new ByteWriter(COMMON_BYTES + TABLE_HEADER_BYTES + image.tables.length * words * 4 + TAG_BYTES);
  writePreamble(writer, Family.Deduplicator, VERSION, (image.exact ? FLAG_EXACT : 0) | (image.started ? FLAG_STARTED : 0));
  writer.f64(image.ttl).f64(image.epoch);
  for (const count of image.counts) writer.f64(count);
  writer.u32(image.randomState);
  if (image.exact) {
    writer.u32(image.entries.length);
    for (const [kind, id, age] of image.entries) {
      writer.u8(age);
      writeUnits(writer, kind);
      writeUnits(writer, id);
    }
  } else {
    writer.u32(image.capacity).f64(image.falsePositiveRate).u32(image.geometry.buckets).u8(image.geometry.fingerprintBits).u8(VARIANT_CODES.indexOf(image.sipHash)).u16(Math.round(image.geometry.designLoad * 1000));
    writer.u32(image.tables.length);
    for (const table of image.tables) {
      if (littleEndianHost) writer.bytes(new Uint8Array(table.buffer, table.byteOffset, words * 4));
      else for (let i = 0; i < words; i++) writer.u32(table[i] as number);
    }
  }
  (hasher ?? checksumHasher).hashInto(writer.written(), tagScratch);
  writer.u32(tagScratch.lo >>> 0).u32(tagScratch.hi >>> 0);
  return writer.finish(); // sized exactly: no copy
}

const isCount = (value: number): boolean => Number.isSafeInteger(value) && value >= 0;

/**
 * Reads and checks an image: the preamble, every field, the lengths, the
 * authentication tag (under the key `hasherFor(exact)` returns, or the
 * checksum key for exact images), then every slot or entry against the
 * clock. Throws `DecodeError` for any fault.
 *
 * @internal
 */
export function readDeduplicatorImage(bytes: Uint8Array, hasherFor: (exact: boolean) => SipHasher | undefined): DecodedDeduplicatorImage {
  const reader = new ByteReader(bytes, "Deduplicator image");
  const { version, flags } = readPreamble(reader, Family.Deduplicator, READ_VERSIONS);
  if ((flags & ~(FLAG_EXACT | FLAG_STARTED)) !== 0) reader.invalid(`unknown flags 0x${flags.toString(16)}`);
  const exact = (flags & FLAG_EXACT) !== 0;
  const started = (flags & FLAG_STARTED) !== 0;
  const ttl = reader.f64("ttl");
  if (!Number.isSafeInteger(ttl) || ttl < EPOCHS_PER_TTL) reader.invalid(`ttl ${ttl} is not an integer >= ${EPOCHS_PER_TTL}`);
  const epoch = reader.f64("epoch");
  if (!Number.isSafeInteger(epoch) || (!started && epoch !== 0)) reader.invalid(`epoch ${epoch} is not a safe integer (0 before the first check)`);
  const counts = [0, 0, 0, 0, 0, 0] as [number, number, number, number, number, number];
  for (let i = 0; i < counts.length; i++) {
    const count = reader.f64("count");
    if (!isCount(count)) reader.invalid(`count ${count} is not a non-negative safe integer`);
    counts[i] = count;
  }
  const [checked, duplicates, recorded, expired, late, overflowed] = counts;
  if (duplicates + recorded !== checked) reader.invalid("duplicates + recorded must equal checked");
  if (expired > recorded || late > checked || overflowed > recorded) reader.invalid("expired and overflowed cannot exceed recorded, nor late checked");
  if (!started && checked !== 0) reader.invalid("counts must be 0 before the first check");
  const randomState = reader.u32("kick generator state");
  if (randomState === 0) reader.invalid("the kick generator state must not be 0");

  let capacity = 0;
  let falsePositiveRate = 0;
  let sipHash: SipHashVariant = "1-3";
  let geometry: TableGeometry = { buckets: 0, fingerprintBits: 0, designLoad: DESIGN_LOAD };
  let tableCount = 0;
  let words = 0;
  let entryCount = 0;
  if (exact) {
    entryCount = reader.u32("entries");
    reader.requireElements(entryCount, MIN_ENTRY_BYTES, "entries");
  } else {
    capacity = reader.u32("capacity");
    if (capacity < 1 || capacity > MAX_CAPACITY) reader.invalid(`capacity ${capacity} is outside 1..${MAX_CAPACITY}`);
    falsePositiveRate = reader.f64("falsePositiveRate");
    if (!(falsePositiveRate >= MIN_FALSE_POSITIVE_RATE && falsePositiveRate <= MAX_FALSE_POSITIVE_RATE)) {
      reader.invalid(`falsePositiveRate ${falsePositiveRate} is outside ${MIN_FALSE_POSITIVE_RATE}..${MAX_FALSE_POSITIVE_RATE}`);
    }
    const buckets = reader.u32("buckets");
    const fingerprintBits = reader.u8("fingerprintBits");
    const variantCode = reader.u8("item hash");
    // Version 1 reserved this byte (0): its ids were hashed with SipHash-2-4.
    if (variantCode >= (version === 1 ? 1 : VARIANT_CODES.length)) reader.invalid(`item hash code ${variantCode} is not 0 (SipHash-2-4)${version === 1 ? "" : " or 1 (SipHash-1-3)"}`);
    sipHash = VARIANT_CODES[variantCode] as SipHashVariant;
    let designLoad = V2_DESIGN_LOAD;
    if (version < 3) {
      if (reader.u16("reserved") !== 0) reader.invalid("reserved bytes must be 0");
    } else {
      const permille = reader.u16("design load");
      if (permille < MIN_LOAD_PERMILLE || permille > MAX_LOAD_PERMILLE) reader.invalid(`design load ${permille}/1000 is outside ${MIN_LOAD_PERMILLE}..${MAX_LOAD_PERMILLE}`);
      designLoad = permille / 1000;
    }
    geometry = tableGeometry(capacity, falsePositiveRate, designLoad);
    if (buckets !== geometry.buckets || fingerprintBits !== geometry.fingerprintBits) {
      reader.invalid(`${buckets} buckets of ${fingerprintBits}-bit fingerprints do not match capacity ${capacity} at rate ${falsePositiveRate} and load ${designLoad}`);
    }
    tableCount = reader.u32("tables");
    if (tableCount < 1) reader.invalid("at least one table");
    words = tableWords(geometry);
    reader.requireElements(tableCount, words * 4, "tables");
  }

  // Entries are variable-length: walk them (bounds-checked) to find the tag.
  const bodyStart = reader.offset;
  if (exact) {
    for (let e = 0; e < entryCount; e++) {
      reader.u8("age");
      reader.bytesView(reader.u32("kind length") * 2, "kind");
      reader.bytesView(reader.u32("id length") * 2, "id");
    }
  } else {
    reader.bytesView(tableCount * words * 4, "tables");
  }
  const bodyEnd = reader.offset;
  const tag = reader.bytesView(TAG_BYTES, "authentication tag");
  reader.expectEnd();
  const hasher = hasherFor(exact) ?? checksumHasher;
  hasher.hashInto(bytes.subarray(0, bodyEnd), tagScratch);
  const tagView = new DataView(tag.buffer, tag.byteOffset, TAG_BYTES);
  if (tagView.getInt32(0, true) !== tagScratch.lo || tagView.getInt32(4, true) !== tagScratch.hi) {
    throw new DecodeError(
      "invalid-field",
      exact
        ? "Deduplicator image: checksum mismatch: the bytes were changed"
        : "Deduplicator image: authentication tag mismatch: the image was written under a different key, or its bytes were changed",
      bodyEnd,
    );
  }

  const body = new ByteReader(bytes.subarray(bodyStart, bodyEnd), "Deduplicator image");
  const epochLow = ((epoch % 16) + 16) % 16;
  const entries: [string, string, number][] = [];
  const tables: Uint32Array[] = [];
  let stored = 0;
  if (exact) {
    const seen = new Set<string>();
    for (let e = 0; e < entryCount; e++) {
      const age = body.u8("age");
      if (age > EPOCHS_PER_TTL) body.invalid(`entry age ${age} exceeds ${EPOCHS_PER_TTL} epochs`);
      const kind = readUnits(body);
      const id = readUnits(body);
      const key = `${kind.length}:${kind}${id}`;
      if (seen.has(key)) body.invalid("duplicate entry");
      seen.add(key);
      entries.push([kind, id, age]);
    }
    stored = entryCount;
  } else {
    const slotBits = geometry.fingerprintBits + EPOCH_BITS;
    const mask = 0xffffffff >>> (32 - slotBits);
    const usedBits = geometry.buckets * SLOTS_PER_BUCKET * slotBits;
    for (let t = 0; t < tableCount; t++) {
      const table = new Uint32Array(words + 1);
      const raw = body.bytesView(words * 4, "table");
      if (littleEndianHost) new Uint8Array(table.buffer).set(raw);
      else for (let i = 0; i < words; i++) table[i] = (raw[4 * i] as number) | ((raw[4 * i + 1] as number) << 8) | ((raw[4 * i + 2] as number) << 16) | ((raw[4 * i + 3] as number) << 24);
      let count = 0;
      for (let bit = 0; bit < usedBits; bit += slotBits) {
        const at = bit >>> 5;
        const shift = bit & 31;
        let value = (table[at] as number) >>> shift;
        if (shift + slotBits > 32) value |= (table[at + 1] as number) << (32 - shift);
        value = (value & mask) >>> 0;
        if (value === 0) continue;
        if (value >>> EPOCH_BITS === 0) body.invalid(`table ${t}: a slot with fingerprint 0 is not empty`);
        if (((epochLow - value) & 15) > EPOCHS_PER_TTL) body.invalid(`table ${t}: an entry older than ${EPOCHS_PER_TTL} epochs`);
        count++;
      }
      const tail = usedBits & 31;
      if (tail !== 0 && (table[words - 1] as number) >>> tail !== 0) body.invalid(`table ${t}: bits after the last slot must be 0`);
      if (t > 0 && count === 0) body.invalid(`overflow table ${t} is empty`);
      tables.push(table);
      stored += count;
    }
  }
  if (stored !== recorded - expired) reader.invalid(`${stored} stored ids, but recorded - expired = ${recorded - expired}`);
  return { exact, ttl, started, epoch, counts, randomState, sipHash, capacity, falsePositiveRate, geometry, tables, entries };
}

function readUnits(reader: ByteReader): string {
  const length = reader.u32("string length");
  const raw = reader.bytesView(length * 2, "string");
  let text = "";
  const chunk: number[] = [];
  for (let i = 0; i < length; i++) {
    chunk.push((raw[2 * i] as number) | ((raw[2 * i + 1] as number) << 8));
    if (chunk.length === 4096 || i === length - 1) {
      text += String.fromCharCode(...chunk);
      chunk.length = 0;
    }
  }
  return text;
}
