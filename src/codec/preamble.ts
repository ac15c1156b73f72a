import { DecodeError } from "../errors.js";
import type { ByteReader } from "./byte-reader.js";
import type { ByteWriter } from "./byte-writer.js";

/**
 * Family ids: the third byte of every PaperTrail image, naming the structure
 * it holds. Ids are never reused; see `docs/format.md`.
 *
 * @example
 * ```ts
 * import { Family } from "papertrail/codec";
 * Family.CompensatedSum; // => 16
 * ```
 */
export const Family = {
  HyperLogLog: 0x01,
  BloomFilter: 0x02,
  CountMinSketch: 0x03,
  TopK: 0x04,
  Moments: 0x05,
  TDigest: 0x06,
  CompensatedSum: 0x10,
  Deduplicator: 0x20,
  AllowList: 0x21,
  Envelope: 0x7f,
} as const;

/**
 * A family id from {@link Family}.
 *
 * @example
 * ```ts
 * import { type FamilyId, Family } from "papertrail/codec";
 * const id: FamilyId = Family.HyperLogLog;
 * id; // => 1
 * ```
 */
export type FamilyId = (typeof Family)[keyof typeof Family];

/**
 * Size of the common preamble in bytes.
 *
 * @example
 * ```ts
 * import { PREAMBLE_BYTES } from "papertrail/codec";
 * PREAMBLE_BYTES; // => 8
 * ```
 */
export const PREAMBLE_BYTES = 8;
const MAGIC_0 = 0x50; // "P"
const MAGIC_1 = 0x54; // "T"

/**
 * The common 8-byte preamble of every PaperTrail image:
 *
 * ```text
 * byte  0    1    2         3         4       5         6    7
 *      'P'  'T'  family    version   flags   reserved  reserved
 * ```
 *
 * Reserved bytes are written as zero and must read as zero. Family-specific
 * parameters and payload follow at byte 8, little-endian.
 *
 * @example
 * ```ts
 * import { ByteWriter, writePreamble, Family } from "papertrail/codec";
 * const writer = new ByteWriter();
 * writePreamble(writer, Family.CompensatedSum, 1, 0);
 * [...writer.finish()]; // => [0x50, 0x54, 0x10, 1, 0, 0, 0, 0]
 * ```
 */
export function writePreamble(writer: ByteWriter, family: FamilyId, version: number, flags: number): void {
  writer.u8(MAGIC_0).u8(MAGIC_1).u8(family).u8(version).u8(flags).u8(0).u16(0);
}

/**
 * What {@link readPreamble} returns.
 *
 * @example
 * ```ts
 * import { type Preamble, ByteReader, readPreamble, encodeCompensatedSum, Family } from "papertrail/codec";
 * const preamble: Preamble = readPreamble(new ByteReader(encodeCompensatedSum({ sum: 0, compensation: 0 }), "sum"), Family.CompensatedSum, [1]);
 * preamble; // => { family: 16, version: 1, flags: 0 }
 * ```
 */
export interface Preamble {
  readonly family: number;
  readonly version: number;
  readonly flags: number;
}

const familyNames = new Map<number, string>(Object.entries(Family).map(([name, id]) => [id, name]));

/**
 * Reads and checks the preamble: magic, family, version (one of `versions`)
 * and zero reserved bytes. Pass `family` as `undefined` to accept any known
 * family (dispatching decoders).
 *
 * @example
 * ```ts
 * import { ByteReader, readPreamble, Family, DecodeError } from "papertrail/codec";
 * const image = Uint8Array.of(0x50, 0x54, 0x10, 9, 0, 0, 0, 0);
 * let code = "";
 * try { readPreamble(new ByteReader(image, "sum image"), Family.CompensatedSum, [1]); }
 * catch (e) { code = (e as DecodeError).code; }
 * code; // => "unsupported-version"
 * ```
 */
export function readPreamble(reader: ByteReader, family: FamilyId | undefined, versions: readonly number[]): Preamble {
  if (reader.remaining < PREAMBLE_BYTES) {
    throw new DecodeError(
      "truncated",
      `${reader.what}: truncated: ${reader.remaining} bytes is shorter than the ${PREAMBLE_BYTES}-byte preamble`,
      0,
    );
  }
  const magic0 = reader.u8("magic");
  const magic1 = reader.u8("magic");
  if (magic0 !== MAGIC_0 || magic1 !== MAGIC_1) {
    throw new DecodeError("bad-magic", `${reader.what}: bad magic 0x${hex(magic0)}${hex(magic1)}, expected 0x5054 ("PT")`, 0);
  }
  const found = reader.u8("family");
  if (family !== undefined && found !== family) {
    throw new DecodeError(
      "wrong-family",
      `${reader.what}: this is ${familyName(found)} (family ${found}), not ${familyName(family)} (family ${family})`,
      2,
    );
  }
  if (family === undefined && !familyNames.has(found)) {
    throw new DecodeError("wrong-family", `${reader.what}: unknown family id ${found}`, 2);
  }
  const version = reader.u8("version");
  if (!versions.includes(version)) {
    throw new DecodeError(
      "unsupported-version",
      `${reader.what}: format version ${version} is not supported (supported: ${versions.join(", ")})`,
      3,
    );
  }
  const flags = reader.u8("flags");
  const reserved = reader.u8("reserved") | reader.u16("reserved");
  if (reserved !== 0) throw new DecodeError("invalid-field", `${reader.what}: reserved preamble bytes must be zero`, 5);
  return { family: found, version, flags };
}

/**
 * The name of a family id, or `unknown family N`.
 *
 * @example
 * ```ts
 * import { familyName } from "papertrail/codec";
 * familyName(1); // => "HyperLogLog"
 * ```
 */
export function familyName(id: number): string {
  return familyNames.get(id) ?? `unknown family ${id}`;
}

function hex(byte: number): string {
  return byte.toString(16).padStart(2, "0");
}
