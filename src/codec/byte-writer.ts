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

  /** The bytes written, as an exact-length copy. */
  finish(): Uint8Array<ArrayBuffer> {
    return this.buffer.slice(0, this.position);
  }
}
