/**
 * 64-bit integer arithmetic on pairs of unsigned 32-bit halves, for hashes
 * that need it without BigInt on the hot path.
 *
 * @internal
 */

/**
 * High 32 bits of the 64-bit product of two 32-bit integers, both taken as
 * their unsigned bit patterns (an int32 from Math.imul works as is); the
 * result is unsigned. Schoolbook multiplication on 16-bit limbs (Hacker's
 * Delight 8-2): each limb product is below 2^32, so Math.imul gives it
 * exactly as a bit pattern, and only shifts, masks and adds follow. All
 * integer operations: the chain of dependent steps is far shorter than
 * through floating point, and a hash's multiplies are chained.
 */
export function mulHigh32(a: number, b: number): number {
  const aLow = a & 0xffff;
  const aHigh = a >>> 16;
  const bLow = b & 0xffff;
  const bHigh = b >>> 16;
  const lowLow = Math.imul(aLow, bLow);
  const lowHigh = Math.imul(aLow, bHigh);
  const highLow = Math.imul(aHigh, bLow);
  const middle = (lowLow >>> 16) + (lowHigh & 0xffff) + (highLow & 0xffff);
  return (Math.imul(aHigh, bHigh) + (lowHigh >>> 16) + (highLow >>> 16) + (middle >>> 16)) >>> 0;
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
