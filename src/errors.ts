import { brand } from "./brand.js";

/**
 * Errors thrown by PaperTrail. Every error the library throws on purpose is a
 * {@link PaperTrailError}, so callers can tell a library refusal from a bug.
 *
 * @module
 */

/**
 * Base class of every error PaperTrail throws on purpose.
 *
 * @example
 * ```ts
 * import { PaperTrailError, ParameterMismatchError } from "papertrail";
 * const error = new ParameterMismatchError("VectorSum(length=3)", "VectorSum(length=4)");
 * error instanceof PaperTrailError; // => true
 * ```
 */
export class PaperTrailError extends Error {
  override readonly name: string = "PaperTrailError";
}

/**
 * Thrown when two values with different parameters are combined or merged
 * (sketches of different precision, vectors of different length...). The
 * message names both sides so the culprit is obvious in a log.
 *
 * @example
 * ```ts
 * import { ParameterMismatchError } from "papertrail";
 * const error = new ParameterMismatchError("VectorSum(length=3)", "VectorSum(length=4)");
 * error.message; // => "cannot combine VectorSum(length=3) with VectorSum(length=4): parameters differ"
 * error.left; // => "VectorSum(length=3)"
 * ```
 */
export class ParameterMismatchError extends PaperTrailError {
  override readonly name: string = "ParameterMismatchError";
  /** Description of the receiver (or left operand). */
  readonly left: string;
  /** Description of the argument (or right operand). */
  readonly right: string;

  constructor(left: string, right: string, detail?: string) {
    super(`cannot combine ${left} with ${right}: ${detail ?? "parameters differ"}`);
    this.left = left;
    this.right = right;
  }
}

/**
 * What was wrong with bytes that failed to decode.
 * - `truncated`: the input ended before a field it declares.
 * - `bad-magic`: the bytes do not start with the expected magic.
 * - `wrong-family`: a valid image of a different structure (or an unknown family id).
 * - `unsupported-version`: a format version this build cannot read.
 * - `invalid-field`: a field holds a value outside its documented range.
 * - `length-mismatch`: the declared sizes and the actual byte count disagree.
 * - `too-large`: a declared size exceeds what the input could possibly hold.
 * - `malformed`: anything else (for example invalid MessagePack).
 *
 * @example
 * ```ts
 * import { type DecodeErrorCode, DecodeError } from "papertrail";
 * const code: DecodeErrorCode = "truncated";
 * new DecodeError(code, "image ended early").code; // => "truncated"
 * ```
 */
export type DecodeErrorCode =
  | "truncated"
  | "bad-magic"
  | "wrong-family"
  | "unsupported-version"
  | "invalid-field"
  | "length-mismatch"
  | "too-large"
  | "malformed";

/**
 * Thrown by every decoder in PaperTrail when its input is not a valid image.
 * Decoders never let a `RangeError` from a `DataView` escape, never loop
 * without bound, and never allocate more than the input could describe.
 *
 * @example
 * ```ts
 * import { DecodeError, decodeCompensatedSum } from "papertrail";
 * let caught: unknown;
 * try { decodeCompensatedSum(new Uint8Array([1, 2, 3])); } catch (e) { caught = e; }
 * caught instanceof DecodeError; // => true
 * (caught as DecodeError).code; // => "truncated"
 * ```
 */
export class DecodeError extends PaperTrailError {
  override readonly name: string = "DecodeError";
  /** Machine-readable reason. */
  readonly code: DecodeErrorCode;
  /** Byte offset at which the problem was found, when known. */
  readonly offset: number | undefined;

  constructor(code: DecodeErrorCode, message: string, offset?: number) {
    super(offset === undefined ? message : `${message} (at byte ${offset})`);
    this.code = code;
    this.offset = offset;
  }
}

/**
 * Thrown when a constructor or function receives an argument outside its
 * documented domain (a precision out of range, a negative count...).
 *
 * @example
 * ```ts
 * import { InvalidArgumentError, vectorSum } from "papertrail";
 * let caught: unknown;
 * try { vectorSum(-1); } catch (e) { caught = e; }
 * caught instanceof InvalidArgumentError; // => true
 * ```
 */
export class InvalidArgumentError extends PaperTrailError {
  override readonly name: string = "InvalidArgumentError";
}

// `instanceof` answers for errors thrown by any copy of PaperTrail 1.x (the
// ESM and CommonJS builds are two copies): src/brand.ts.
brand(PaperTrailError, "PaperTrailError");
brand(ParameterMismatchError, "ParameterMismatchError");
brand(DecodeError, "DecodeError");
brand(InvalidArgumentError, "InvalidArgumentError");
