import { DecodeError } from "../errors.js";

/**
 * Bounds-checked little-endian reader. Every read checks the remaining
 * length first and throws a {@link DecodeError} (`truncated`) instead of
 * letting a `RangeError` escape from a `DataView`.
 *
 * @example
 * ```ts
 * import { ByteReader } from "papertrail/codec";
 * const reader = new ByteReader(Uint8Array.of(7, 1, 0), "example");
 * reader.u8(); // => 7
 * reader.u16(); // => 1
 * reader.remaining; // => 0
 * ```
 */
export class ByteReader {
  private readonly view: DataView;
  private position = 0;
  /** The bytes being read. */
  readonly bytes: Uint8Array;
  /** What is being decoded, for error messages ("HyperLogLog image"). */
  readonly what: string;

  constructor(bytes: Uint8Array, what: string) {
    if (!(bytes instanceof Uint8Array)) {
      throw new DecodeError("malformed", `${what}: expected a Uint8Array, got ${describe(bytes)}`);
    }
    this.bytes = bytes;
    this.what = what;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /** Current offset from the start. */
  get offset(): number {
    return this.position;
  }

  /** Bytes left to read. */
  get remaining(): number {
    return this.bytes.length - this.position;
  }

  private take(count: number, field: string): number {
    if (count > this.remaining) {
      throw new DecodeError(
        "truncated",
        `${this.what}: truncated: ${field} needs ${count} bytes, ${this.remaining} left of ${this.bytes.length}`,
        this.position,
      );
    }
    const at = this.position;
    this.position += count;
    return at;
  }

  /** Reads an unsigned 8-bit integer. */
  u8(field = "u8"): number {
    return this.view.getUint8(this.take(1, field));
  }

  /** Reads an unsigned 16-bit integer. */
  u16(field = "u16"): number {
    return this.view.getUint16(this.take(2, field), true);
  }

  /** Reads an unsigned 32-bit integer. */
  u32(field = "u32"): number {
    return this.view.getUint32(this.take(4, field), true);
  }

  /** Reads an unsigned 64-bit integer. */
  u64(field = "u64"): bigint {
    return this.view.getBigUint64(this.take(8, field), true);
  }

  /** Reads a double. */
  f64(field = "f64"): number {
    return this.view.getFloat64(this.take(8, field), true);
  }

  /** Returns a view (not a copy) of the next `count` bytes. */
  bytesView(count: number, field = "bytes"): Uint8Array {
    const at = this.take(count, field);
    return this.bytes.subarray(at, at + count);
  }

  /**
   * Checks that `count` elements of `elementSize` bytes can still be read,
   * before anything is allocated for them: a declared size can never make a
   * decoder allocate more than the input could describe.
   */
  requireElements(count: number, elementSize: number, field: string): void {
    if (!Number.isSafeInteger(count) || count < 0) {
      throw new DecodeError("invalid-field", `${this.what}: ${field} count ${count} is not a valid size`, this.position);
    }
    if (count * elementSize > this.remaining) {
      throw new DecodeError(
        "too-large",
        `${this.what}: ${field} declares ${count} x ${elementSize} bytes but only ${this.remaining} remain`,
        this.position,
      );
    }
  }

  /** Throws `length-mismatch` unless every byte has been consumed. */
  expectEnd(): void {
    if (this.remaining !== 0) {
      throw new DecodeError(
        "length-mismatch",
        `${this.what}: ${this.remaining} unexpected trailing bytes after a complete image of ${this.position} bytes`,
        this.position,
      );
    }
  }

  /** Throws `invalid-field` with this reader's context. */
  invalid(message: string): never {
    throw new DecodeError("invalid-field", `${this.what}: ${message}`, this.position);
  }
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "object") return (value as object).constructor?.name ?? "object";
  return typeof value;
}
