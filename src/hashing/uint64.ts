/**
 * 64-bit integer arithmetic on pairs of unsigned 32-bit halves, for hashes
 * that need it without BigInt on the hot path.
 *
 * @internal
 */

const INVERSE_2_16 = 1 / 65536;

/**
 * High 32 bits of the 64-bit product of two unsigned 32-bit integers.
 * `b` is split into 16-bit limbs, so both partial products `a * bHigh` and
 * `a * bLow` stay below 2^48 and are exact in a double; then
 * `floor(a*b / 2^32) = floor((a*bHigh + floor(a*bLow / 2^16)) / 2^16)`,
 * because flooring the inner quotient only drops a fraction that cannot
 * carry across the outer integer division (Hacker's Delight 8-2 with
 * floating-point limbs). With a constant `b` the split folds away.
 */
export function mulHigh32(a: number, b: number): number {
  const high = a * (b >>> 16);
  const low = Math.floor((a * (b & 0xffff)) * INVERSE_2_16);
  return Math.floor((high + low) * INVERSE_2_16);
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
