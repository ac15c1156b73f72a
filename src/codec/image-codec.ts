/**
 * How a type becomes a PaperTrail binary image and back. Every sketch class
 * exposes one (`HyperLogLog.codec`), and {@link createEnvelope} takes a list
 * of them to carry such values inside composite state.
 *
 * @example
 * ```ts
 * import { type ImageCodec, compensatedSumCodec } from "papertrail/codec";
 * const codec: ImageCodec<{ sum: number; compensation: number }> = compensatedSumCodec;
 * codec.fromBytes(codec.toBytes({ sum: 1, compensation: 0 })); // => { sum: 1, compensation: 0 }
 * ```
 */
export interface ImageCodec<T> {
  /** The family id written in the image's preamble. */
  readonly family: number;
  /** Human-readable name, for error messages. */
  readonly name: string;
  /** Whether `value` is handled by this codec. */
  readonly is: (value: unknown) => value is T;
  /** Serializes `value` to its versioned image. */
  readonly toBytes: (value: T) => Uint8Array;
  /** Parses an image; throws `DecodeError` on malformed bytes. */
  readonly fromBytes: (bytes: Uint8Array) => T;
}

/**
 * Structural stand-in for "an image codec of some type": what lists of
 * codecs (such as {@link createEnvelope}'s) accept.
 *
 * @example
 * ```ts
 * import { type SomeImageCodec, compensatedSumCodec } from "papertrail/codec";
 * const codecs: SomeImageCodec[] = [compensatedSumCodec];
 * codecs.length; // => 1
 * ```
 */
export interface SomeImageCodec {
  readonly family: number;
  readonly name: string;
  readonly is: (value: unknown) => boolean;
  readonly toBytes: (value: never) => Uint8Array;
  readonly fromBytes: (bytes: Uint8Array) => unknown;
}
