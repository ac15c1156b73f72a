/**
 * Growable little-endian byte writer for sketch images.
 *
 * @example
 * ```ts
 * import { ByteWriter } from "papertrail/codec";
 * const writer = new ByteWriter();
 * writer.u8(1).u16(0x0203).f64(0.5);
 * writer.finish().length; // => 11
 * ```
 */
export class ByteWriter {
  private buffer: Uint8Array<ArrayBuffer>;
  private view: DataView;
  private position = 0;

  constructor(initialCapacity = 64) {
    this.buffer = new Uint8Array(Math.max(8, initialCapacity));
    this.view = new DataView(this.buffer.buffer);
  }

  /** Bytes written so far. */
  get length(): number {
    return this.position;
  }

  private reserve(count: number): number {
    const at = this.position;
    const needed = at + count;
    if (needed > this.buffer.length) {
      const grown = new Uint8Array(Math.max(needed, this.buffer.length * 2));
      grown.set(this.buffer.subarray(0, at));
      this.buffer = grown;
      this.view = new DataView(grown.buffer);
    }
    this.position = needed;
    return at;
  }

  /** Writes an unsigned 8-bit integer. */
  u8(value: number): this {
    const at = this.reserve(1); // reserve may replace this.view
    this.view.setUint8(at, value);
    return this;
  }

  /** Writes an unsigned 16-bit integer, little-endian. */
  u16(value: number): this {
    const at = this.reserve(2); // reserve may replace this.view
    this.view.setUint16(at, value, true);
    return this;
  }

  /** Writes an unsigned 32-bit integer, little-endian. */
  u32(value: number): this {
    const at = this.reserve(4); // reserve may replace this.view
    this.view.setUint32(at, value, true);
    return this;
  }

  /** Writes an unsigned 64-bit integer, little-endian. */
  u64(value: bigint): this {
    const at = this.reserve(8); // reserve may replace this.view
    this.view.setBigUint64(at, value, true);
    return this;
  }

  /** Writes an IEEE-754 double, little-endian. */
  f64(value: number): this {
    const at = this.reserve(8); // reserve may replace this.view
    this.view.setFloat64(at, value, true);
    return this;
  }

  /** Copies raw bytes. */
  bytes(value: Uint8Array): this {
    const at = this.reserve(value.length);
    this.buffer.set(value, at);
    return this;
  }

  /**
   * A view of the bytes written so far, without copying them (to hash or
   * check a body before writing its tag); valid until the next write.
   *
   * @example
   * ```ts
   * import { ByteWriter } from "papertrail/codec";
   * [...new ByteWriter().u16(0x0201).written()]; // => [1, 2]
   * ```
   */
  written(): Uint8Array<ArrayBuffer> {
    return this.buffer.subarray(0, this.position);
  }

  /**
   * The bytes written, exactly. A writer made with the exact capacity hands
   * over its buffer without copying it (images of megabytes are written
   * that way); otherwise the bytes are copied out. Either way the writer
   * never changes the returned bytes: a later write into a full buffer
   * moves to a new one.
   *
   * @example
   * ```ts
   * import { ByteWriter } from "papertrail/codec";
   * const exact = new ByteWriter(12).u32(1).f64(2);
   * const bytes = exact.finish();
   * exact.u8(3);
   * [bytes.length, bytes.buffer.byteLength]; // => [12, 12]
   * new ByteWriter(100).u32(1).finish().buffer.byteLength; // => 4
   * ```
   */
  finish(): Uint8Array<ArrayBuffer> {
    if (this.position === this.buffer.length) return this.buffer;
    return this.buffer.slice(0, this.position);
  }
}
