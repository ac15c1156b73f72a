import type { SomeImageCodec } from "../codec/image-codec.js";
import { createEnvelope } from "../codec/envelope.js";
import { DecodeError } from "../errors.js";

/**
 * The record inside a windows image (TimeWindows, SlidingWindow): decodes the
 * envelope and checks that it holds a map with the expected `format` and
 * `version`. `bad` throws `DecodeError("invalid-field")` with `name` in the
 * message, for the caller's own field checks.
 *
 * @internal
 */
export function readImageRecord(
  bytes: Uint8Array,
  codecs: readonly SomeImageCodec[],
  expected: { readonly name: string; readonly format: string; readonly version: number; readonly what: string },
): { record: Record<string, unknown>; bad: (message: string) => never } {
  const image = createEnvelope({ codecs }).decode(bytes);
  const bad = (message: string): never => {
    throw new DecodeError("invalid-field", `${expected.name} image: ${message}`);
  };
  if (image === null || typeof image !== "object" || Array.isArray(image) || image instanceof Map) bad(`not a ${expected.what} image`);
  const record = image as Record<string, unknown>;
  if (record.format !== expected.format) bad(`format ${JSON.stringify(record.format)} is not ${expected.format}`);
  if (record.version !== expected.version) {
    throw new DecodeError(
      "unsupported-version",
      `${expected.name} image: version ${String(record.version)} is not supported (supported: ${expected.version})`,
    );
  }
  return { record, bad };
}
