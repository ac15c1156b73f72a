import type { CompensatedSum } from "../algebra/compensated-sum.js";
import { ByteReader } from "./byte-reader.js";
import { ByteWriter } from "./byte-writer.js";
import type { ImageCodec } from "./image-codec.js";
import { Family, readPreamble, writePreamble } from "./preamble.js";

const VERSION = 1;

/**
 * Serializes a compensated sum: the 8-byte preamble (family 0x10, version 1,
 * flags 0), then `sum` and `compensation` as little-endian doubles; 24 bytes.
 *
 * @example
 * ```ts
 * import { encodeCompensatedSum } from "papertrail/codec";
 * encodeCompensatedSum({ sum: 1, compensation: 0 }).length; // => 24
 * ```
 */
export function encodeCompensatedSum(value: CompensatedSum): Uint8Array {
  const writer = new ByteWriter(24);
  writePreamble(writer, Family.CompensatedSum, VERSION, 0);
  writer.f64(value.sum).f64(value.compensation);
  return writer.finish();
}

/**
 * Parses the image written by {@link encodeCompensatedSum}; throws
 * `DecodeError` on anything else.
 *
 * @example
 * ```ts
 * import { encodeCompensatedSum, decodeCompensatedSum } from "papertrail/codec";
 * decodeCompensatedSum(encodeCompensatedSum({ sum: 2.5, compensation: 1e-17 })); // => { sum: 2.5, compensation: 1e-17 }
 * ```
 */
export function decodeCompensatedSum(bytes: Uint8Array): CompensatedSum {
  const reader = new ByteReader(bytes, "CompensatedSum image");
  const { flags } = readPreamble(reader, Family.CompensatedSum, [VERSION]);
  if (flags !== 0) reader.invalid(`unknown flags 0x${flags.toString(16)}`);
  const sum = reader.f64("sum");
  const compensation = reader.f64("compensation");
  reader.expectEnd();
  return { sum, compensation };
}

/**
 * The {@link ImageCodec} of compensated sums, for envelopes.
 *
 * @example
 * ```ts
 * import { compensatedSumCodec } from "papertrail/codec";
 * compensatedSumCodec.is({ sum: 1, compensation: 0 }); // => true
 * ```
 */
export const compensatedSumCodec: ImageCodec<CompensatedSum> = {
  family: Family.CompensatedSum,
  name: "CompensatedSum",
  is: (value: unknown): value is CompensatedSum =>
    typeof value === "object" &&
    value !== null &&
    Object.keys(value).length === 2 &&
    typeof (value as CompensatedSum).sum === "number" &&
    typeof (value as CompensatedSum).compensation === "number",
  toBytes: encodeCompensatedSum,
  fromBytes: decodeCompensatedSum,
};
