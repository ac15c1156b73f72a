/**
 * Binary images: the common preamble, bounds-checked readers and writers,
 * and the MessagePack envelope for composite state. Byte maps are drawn in
 * `docs/format.md`.
 *
 * @module codec
 */
export { ByteReader } from "./byte-reader.js";
export { ByteWriter } from "./byte-writer.js";
export { Family, PREAMBLE_BYTES, writePreamble, readPreamble, familyName } from "./preamble.js";
export type { FamilyId, Preamble } from "./preamble.js";
export type { ImageCodec, SomeImageCodec } from "./image-codec.js";
export { encodeCompensatedSum, decodeCompensatedSum, compensatedSumCodec } from "./compensated-sum-codec.js";
export { createEnvelope } from "./envelope.js";
export type { Envelope, EnvelopeOptions } from "./envelope.js";
// The error classes, as every subpath exports them: callers catch what this
// module's functions throw without importing another entry point.
export { PaperTrailError, ParameterMismatchError, DecodeError, InvalidArgumentError } from "../errors.js";
export type { DecodeErrorCode } from "../errors.js";
