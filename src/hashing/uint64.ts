/**
 * 64-bit integer arithmetic on pairs of unsigned 32-bit halves, for hashes
 * that need it without BigInt on the hot path.
 *
 * @internal
 */

/**
 * High 32 bits of the 64-bit product of two unsigned 32-bit integers
 * (Hacker's Delight 8-2, with 16-bit limbs so every partial product is exact
 * in a double).
 */
export function mulHigh32(a: number, b: number): number {
  const a0 = a & 0xffff;
  const a1 = a >>> 16;
  const b0 = b & 0xffff;
  const b1 = b >>> 16;
  const middle = a0 * b1 + a1 * b0 + ((a0 * b0) >>> 16);
  return a1 * b1 + Math.floor(middle / 65536);
}

/** A mutable 64-bit value as two unsigned 32-bit halves. */
export class Uint64 {
  hi = 0;
  lo = 0;

  set(hi: number, lo: number): this {
    this.hi = hi >>> 0;
    this.lo = lo >>> 0;
    return this;
  }

  /** this *= (hi, lo), modulo 2^64. */
  multiply(hi: number, lo: number): this {
    const aLo = this.lo;
    const aHi = this.hi;
    this.lo = Math.imul(aLo, lo) >>> 0;
    this.hi = (mulHigh32(aLo, lo >>> 0) + Math.imul(aHi, lo) + Math.imul(aLo, hi)) >>> 0;
    return this;
  }

  /** this += (hi, lo), modulo 2^64. */
  add(hi: number, lo: number): this {
    const low = this.lo + (lo >>> 0);
    this.lo = low >>> 0;
    this.hi = (this.hi + (hi >>> 0) + (low > 0xffffffff ? 1 : 0)) >>> 0;
    return this;
  }

  /** this ^= (hi, lo). */
  xor(hi: number, lo: number): this {
    this.hi = (this.hi ^ hi) >>> 0;
    this.lo = (this.lo ^ lo) >>> 0;
    return this;
  }

  /** this ^= this >>> shift, for 32 < shift < 64. */
  xorShiftRightHigh(shift: number): this {
    this.lo = (this.lo ^ (this.hi >>> (shift - 32))) >>> 0;
    return this;
  }

  /** this ^= this >>> shift, for 0 < shift < 32. */
  xorShiftRightLow(shift: number): this {
    this.lo = (this.lo ^ ((this.lo >>> shift) | (this.hi << (32 - shift)))) >>> 0;
    this.hi = (this.hi ^ (this.hi >>> shift)) >>> 0;
    return this;
  }

  /** Rotates left by 0 < r < 64. */
  rotateLeft(r: number): this {
    let hi = this.hi;
    let lo = this.lo;
    if (r >= 32) {
      const t = hi;
      hi = lo;
      lo = t;
      r -= 32;
    }
    if (r > 0) {
      const newHi = (hi << r) | (lo >>> (32 - r));
      lo = (lo << r) | (hi >>> (32 - r));
      hi = newHi;
    }
    this.hi = hi >>> 0;
    this.lo = lo >>> 0;
    return this;
  }

  toBigInt(): bigint {
    return (BigInt(this.hi) << 32n) | BigInt(this.lo);
  }
}
