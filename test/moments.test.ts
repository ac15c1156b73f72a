import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createEnvelope } from "../src/codec/index.js";
import { InvalidArgumentError, ParameterMismatchError } from "../src/errors.js";
import { makeMonoid } from "../src/algebra/index.js";
import { checkLaws, codecLaws, monoidLaws } from "../src/laws/index.js";
import { CountMinSketch, Moments, type MomentsOptions } from "../src/sketches/index.js";
import { decodeErrorCode, decodesOrRejectsCleanly, registerLaws } from "./support/checks.js";
import { uniform } from "./support/random.js";

// ---------------------------------------------------------------- helpers

/** Standard normal variates by Box–Muller from the seeded uniform generator. */
function normal(seed: number): () => number {
  const next = uniform(seed);
  let spare = Number.NaN;
  return () => {
    if (spare === spare) {
      const value = spare;
      spare = Number.NaN;
      return value;
    }
    const u1 = 1 - next(); // (0, 1]: log is finite
    const u2 = next();
    const radius = Math.sqrt(-2 * Math.log(u1));
    spare = radius * Math.sin(2 * Math.PI * u2);
    return radius * Math.cos(2 * Math.PI * u2);
  };
}

function exponential(seed: number): () => number {
  const next = uniform(seed);
  return () => -Math.log(1 - next());
}

function sample(length: number, draw: () => number): Float64Array {
  const values = new Float64Array(length);
  for (let i = 0; i < length; i++) values[i] = draw();
  return values;
}

/** Kahan–Neumaier compensated sum of f(values[i]). */
function compensated(values: Float64Array, f: (x: number) => number): number {
  let sum = 0;
  let compensation = 0;
  for (let i = 0; i < values.length; i++) {
    const value = f(values[i] as number);
    const total = sum + value;
    compensation += Math.abs(sum) >= Math.abs(value) ? sum - total + value : value - total + sum;
    sum = total;
  }
  return sum + compensation;
}

interface Reference {
  readonly mean: number;
  readonly variance: number;
  readonly skewness: number;
  readonly excessKurtosis: number;
}

/**
 * Two-pass reference with compensated sums. The first pass's mean `m` is a
 * rounded double; the residual `e = Σ(x − m) / n` is the offset of the exact
 * mean from it, and the central sums are shifted to the exact mean:
 * S2 − n e², S3 − 3e S2 + 2n e³, S4 − 4e S3 + 6e² S2 − 3n e⁴ (sums about m).
 */
function twoPass(values: Float64Array): Reference {
  const n = values.length;
  const m = compensated(values, (x) => x) / n;
  const e = compensated(values, (x) => x - m) / n;
  const s2 = compensated(values, (x) => (x - m) ** 2);
  const s3 = compensated(values, (x) => (x - m) ** 3);
  const s4 = compensated(values, (x) => (x - m) ** 4);
  const m2 = s2 - n * e * e;
  const m3 = s3 - 3 * e * s2 + 2 * n * e ** 3;
  const m4 = s4 - 4 * e * s3 + 6 * e * e * s2 - 3 * n * e ** 4;
  return {
    mean: m + e,
    variance: m2 / n,
    skewness: (Math.sqrt(n) * m3) / m2 ** 1.5,
    excessKurtosis: (n * m4) / (m2 * m2) - 3,
  };
}

/** The textbook one-pass formula the class avoids: (Σx² − (Σx)²/n) / n. */
function naiveVariance(values: Float64Array): number {
  let sum = 0;
  let sumOfSquares = 0;
  for (let i = 0; i < values.length; i++) {
    const x = values[i] as number;
    sum += x;
    sumOfSquares += x * x;
  }
  const n = values.length;
  return (sumOfSquares - (sum * sum) / n) / n;
}

const relativeError = (actual: number, expected: number): number => Math.abs(actual - expected) / Math.abs(expected);

/** The seven image fields: count, mean, M2, M3, M4, min, max. */
type Fields = readonly [number, number, number, number, number, number, number];

function fieldsOf(moments: Moments): Fields {
  const bytes = moments.toBytes();
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  const f = (i: number) => view.getFloat64(8 + 8 * i, true);
  return [f(0), f(1), f(2), f(3), f(4), f(5), f(6)];
}

function image(fields: readonly number[]): Uint8Array {
  const bytes = new Uint8Array(64);
  bytes.set([0x50, 0x54, 0x05, 0x01]);
  const view = new DataView(bytes.buffer);
  fields.forEach((value, i) => view.setFloat64(8 + 8 * i, value, true));
  return bytes;
}

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");

// Well-conditioned data for the law kit: small dyadic values and large
// integers, so |mean| / spread stays moderate and rounding stays far below
// the 1e-9 tolerance (conditioning itself is tested by the precision tests).
const values: fc.Arbitrary<number> = fc.oneof(
  fc.integer({ min: -100, max: 100 }),
  fc.integer({ min: -800, max: 800 }).map((i) => i / 8),
  fc.integer({ min: -1000, max: 1000 }).map((i) => i * 1e6),
);
type Entry = readonly [number, number];
const streams: fc.Arbitrary<readonly Entry[]> = fc.array(fc.tuple(values, fc.oneof(fc.constant(1), fc.integer({ min: 0, max: 5 }))), {
  maxLength: 25,
});
const build = (stream: readonly Entry[]): Moments => {
  const moments = new Moments();
  for (const [value, weight] of stream) {
    if (weight === 1) moments.add(value);
    else moments.add(value, weight);
  }
  return moments;
};
const momentsArbitrary = streams.map(build);
const clone = (m: Moments) => m.clone();
const exact = (a: Moments, b: Moments) => a.equals(b);
const approximate = (a: Moments, b: Moments) => a.approximatelyEquals(b, 1e-9);
const countMinMax = (a: Moments, b: Moments) => a.totalWeight === b.totalWeight && Object.is(a.min, b.min) && Object.is(a.max, b.max);

// ---------------------------------------------------------------- tests

describe("Moments statistics", () => {
  it("match the textbook values on small data", () => {
    const m = new Moments().addAll([1, 2, 3, 10]);
    expect([m.totalWeight, m.mean, m.variance, m.min, m.max]).toEqual([4, 4, 12.5, 1, 10]);
    expect(m.sampleVariance).toBeCloseTo(50 / 3, 14);
    expect(m.standardDeviation).toBeCloseTo(Math.sqrt(12.5), 14);
    expect(m.sampleStandardDeviation).toBeCloseTo(Math.sqrt(50 / 3), 14);
    // M3 = 180, M4 = 1394: g1 = 2 * 180 / 50^1.5, g2 = 4 * 1394 / 50^2 - 3.
    expect(m.skewness).toBeCloseTo((2 * 180) / 50 ** 1.5, 14);
    expect(m.excessKurtosis).toBeCloseTo((4 * 1394) / 2500 - 3, 14);
  });
  it("small counts: NaN where a statistic is undefined, 0 where it is zero", () => {
    const table = (m: Moments) => [
      m.totalWeight, m.mean, m.variance, m.sampleVariance, m.standardDeviation, m.sampleStandardDeviation, m.skewness, m.excessKurtosis, m.min, m.max,
    ];
    const nan = Number.NaN;
    expect(table(new Moments())).toEqual([0, nan, nan, nan, nan, nan, nan, nan, nan, nan]);
    expect(table(new Moments().add(-3))).toEqual([1, -3, 0, nan, 0, nan, nan, nan, -3, -3]);
    // All values equal: variance 0, shape undefined.
    expect(table(new Moments().add(5, 3))).toEqual([3, 5, 0, 0, 0, 0, nan, nan, 5, 5]);
    // Two distinct values: symmetric, and the least kurtosis possible.
    expect(table(new Moments().addAll([0, 2]))).toEqual([2, 1, 1, 2, 1, Math.SQRT2, 0, -2, 0, 2]);
    // Empty after weight-0 adds.
    expect(new Moments().add(7, 0).equals(new Moments())).toBe(true);
  });
  it("rejects non-finite, too large and non-number values with InvalidArgumentError, leaving the state unchanged", () => {
    const m = new Moments().addAll([1, 2]);
    const before = m.clone();
    const bad: unknown[] = [Number.NaN, Infinity, -Infinity, 1.0000001e60, -2e60, Number.MAX_VALUE, "3", 2n, undefined, null, {}];
    for (const value of bad) {
      expect(() => m.add(value as number), String(value)).toThrow(InvalidArgumentError);
      expect(() => m.add(value as number, 2), String(value)).toThrow(InvalidArgumentError);
      expect(() => m.add(value as number, 0), String(value)).toThrow(InvalidArgumentError);
      expect(() => m.addAll([3, value as number]), String(value)).toThrow(InvalidArgumentError);
    }
    for (const value of [Number.NaN, Infinity, 1e61]) expect(() => m.addAll(Float64Array.of(3, value))).toThrow(InvalidArgumentError);
    expect(() => m.add(Number.NaN)).toThrow(/finite numbers with \|value\| <= 1e60, got NaN/);
    expect(() => m.add("3" as unknown as number)).toThrow(/got string 3/);
    expect(m.equals(before)).toBe(true);
    expect(m.add(1e60).add(-1e60).totalWeight).toBe(4);
  });
  it("rejects weights that are not non-negative integers", () => {
    const m = new Moments().add(1);
    const before = m.clone();
    for (const weight of [-1, 0.5, Number.NaN, Infinity, 2 ** 53, "2", 2n]) {
      expect(() => m.add(1, weight as number), String(weight)).toThrow(InvalidArgumentError);
    }
    expect(() => m.add(1, -1)).toThrow(/weight must be a non-negative integer/);
    expect(m.equals(before)).toBe(true);
  });
  it("a weight is a frequency: add(x, w) equals w adds of x (count, min, max exactly; moments to rounding)", () => {
    fc.assert(
      fc.property(streams, (stream) => {
        const weighted = build(stream);
        const repeated = new Moments();
        for (const [value, weight] of stream) for (let i = 0; i < weight; i++) repeated.add(value);
        expect(countMinMax(weighted, repeated)).toBe(true);
        expect(weighted.approximatelyEquals(repeated, 1e-12)).toBe(true);
      }),
    );
    expect(new Moments().add(3, 4).equals(new Moments().addAll([3, 3, 3, 3]))).toBe(true);
  });
  it("refuses to count past 2^53 - 1", () => {
    const big = new Moments().add(1, Number.MAX_SAFE_INTEGER - 1);
    big.add(2);
    const before = big.clone();
    expect(() => big.add(3)).toThrow(/would exceed 2\^53 - 1/);
    expect(() => big.add(3, 2)).toThrow(InvalidArgumentError);
    expect(() => big.addAll([3])).toThrow(InvalidArgumentError);
    expect(() => big.addAll(Float64Array.of(3))).toThrow(InvalidArgumentError);
    expect(() => big.merge(new Moments().add(3))).toThrow(InvalidArgumentError);
    expect(big.equals(before)).toBe(true);
    expect(big.totalWeight).toBe(Number.MAX_SAFE_INTEGER);
    expect(big.merge(new Moments()).totalWeight).toBe(Number.MAX_SAFE_INTEGER);
  });
  it("stays finite at the extremes: |x| = 1e60 with counts near 2^53", () => {
    const high = new Moments().add(1e60, 2 ** 52);
    const low = new Moments().add(-1e60, 2 ** 52 - 7).add(1e60).add(-1e60);
    const both = high.clone().merge(low);
    for (const m of [both, new Moments().addAll([1e60, -1e60, 1e60, 0, -1e60, 1e60])]) {
      for (const statistic of [m.mean, m.variance, m.skewness, m.excessKurtosis, ...fieldsOf(m)]) expect(Number.isFinite(statistic)).toBe(true);
      expect(Moments.fromBytes(m.toBytes()).equals(m)).toBe(true);
    }
    expect(both.variance / 1e120).toBeCloseTo(1, 10); // two equal clusters at ±1e60
    expect(both.excessKurtosis).toBeCloseTo(-2, 10);
  });
});

describe("Moments addAll", () => {
  it("gives the same bits as repeated add, from a Float64Array, an array, a Set or a generator", () => {
    const data = sample(10_000, normal(7)); // more than one internal chunk of 4096
    const byAdd = new Moments();
    for (const value of data) byAdd.add(value);
    expect(new Moments().addAll(data).equals(byAdd)).toBe(true);
    expect(new Moments().addAll(Array.from(data)).equals(byAdd)).toBe(true);
    expect(new Moments().addAll(new Set(data)).equals(byAdd)).toBe(true);
    expect(new Moments().addAll((function* () { yield* data; })()).equals(byAdd)).toBe(true);
    // A view at an offset of its buffer, and appending to a non-empty state.
    const padded = new Float64Array(10_001);
    padded.set(data, 1);
    expect(new Moments().addAll(padded.subarray(1)).equals(byAdd)).toBe(true);
    const split = new Moments().addAll(data.subarray(0, 5000)).addAll(Array.from(data.subarray(5000)));
    expect(split.equals(byAdd)).toBe(true);
    expect(new Moments().addAll([]).equals(new Moments())).toBe(true);
  });
  it("is all or nothing: an invalid value anywhere leaves the state unchanged", () => {
    const m = new Moments().addAll([1, 2, 3]);
    const before = m.clone();
    const data = Array.from({ length: 9000 }, (_, i) => i);
    data[8000] = Number.NaN; // in the second chunk
    expect(() => m.addAll(data)).toThrow(InvalidArgumentError);
    expect(() => m.addAll(Float64Array.from(data))).toThrow(InvalidArgumentError);
    expect(() =>
      m.addAll(
        (function* () {
          yield 4;
          throw new Error("source failed");
        })(),
      ),
    ).toThrow("source failed");
    expect(m.equals(before)).toBe(true);
  });
});

describe("Moments precision on 10^9 + N(0, 1)", () => {
  // Values near 10^9 with unit spread: x² carries 18 of double's ~16
  // significant digits, so sums of raw powers lose everything.
  const N = 2_000_000;
  const draw = normal(0x5eed);
  const data = sample(N, () => 1e9 + draw());
  const reference = twoPass(data);
  const onePass = new Moments().addAll(data);

  it("the stream is what it claims to be", () => {
    expect(reference.variance).toBeGreaterThan(0.99);
    expect(reference.variance).toBeLessThan(1.01);
    expect(Math.abs(reference.mean - 1e9)).toBeLessThan(0.01);
  });
  it("one pass: variance within 1e-7 relative of the two-pass reference", () => {
    const error = relativeError(onePass.variance, reference.variance);
    console.log(
      `Moments on ${N} values of 1e9 + N(0,1): variance ${onePass.variance} vs reference ${reference.variance}, relative error ${error.toExponential(2)}; ` +
        `mean error ${Math.abs(onePass.mean - reference.mean).toExponential(2)}; ` +
        `skewness ${onePass.skewness.toFixed(6)} vs ${reference.skewness.toFixed(6)}; excess kurtosis ${onePass.excessKurtosis.toFixed(6)} vs ${reference.excessKurtosis.toFixed(6)}`,
    );
    expect(error).toBeLessThanOrEqual(1e-7); // the requirement
    // Measured 1.7e-14. Plain Welford (a mean without its rounding-error
    // term) measured 1.4e-8 to 5.2e-8 here over four seeds, and up to 1.3e-6
    // at 1e10 + N(0, 1): its mean drifts by an ulp of |mean| per value.
    expect(error).toBeLessThanOrEqual(1e-11);
    expect(relativeError(onePass.sampleVariance, (reference.variance * N) / (N - 1))).toBeLessThanOrEqual(1e-11);
    expect(Math.abs(onePass.mean - reference.mean)).toBeLessThanOrEqual(2 ** -23); // one ulp of 1e9 (measured: exact)
    expect(Math.abs(onePass.skewness - reference.skewness)).toBeLessThanOrEqual(1e-5);
    expect(Math.abs(onePass.excessKurtosis - reference.excessKurtosis)).toBeLessThanOrEqual(1e-5);
    let [lo, hi] = [Infinity, -Infinity];
    for (const x of data) [lo, hi] = [Math.min(lo, x), Math.max(hi, x)];
    expect([onePass.min, onePass.max]).toEqual([lo, hi]);
  });
  it("one pass stays accurate at 1e10 + N(0, 1)", () => {
    const z = normal(0xbad);
    const far = sample(500_000, () => 1e10 + z());
    const error = relativeError(new Moments().addAll(far).variance, twoPass(far).variance);
    console.log(`Moments on 500000 values of 1e10 + N(0,1): variance relative error ${error.toExponential(2)}`);
    expect(error).toBeLessThanOrEqual(1e-11);
  });
  it("the naive sum of squares fails the same check by orders of magnitude", () => {
    const naive = naiveVariance(data);
    const error = relativeError(naive, reference.variance);
    console.log(`naive (Σx² − (Σx)²/n)/n on the same stream: ${naive} (relative error ${error.toExponential(2)})`);
    // Measured: 224949 instead of 1.0023 (relative error 2.2e5).
    expect(error).toBeGreaterThan(1e3);
    expect(error).toBeGreaterThan(1e-7);
  });
  it("1000 partitions merged (in order, as a tree, shuffled) agree with one pass and the reference", () => {
    const random = uniform(99);
    const cuts = new Set<number>([0, N]);
    while (cuts.size < 1001) cuts.add(Math.floor(random() * N));
    const bounds = [...cuts].sort((a, b) => a - b);
    // Also an empty partition and a one-value partition.
    const parts = bounds.slice(1).map((end, i) => new Moments().addAll(data.subarray(bounds[i], end)));
    parts.push(new Moments(), new Moments().add(data[0] as number));
    const extra = new Moments().addAll(data).add(data[0] as number); // the reference for the added one-value part
    const monoid = Moments.monoid();
    const inOrder = monoid.combineAll(parts);
    const tree = (list: Moments[]): Moments =>
      list.length === 1 ? (list[0] as Moments) : tree(Array.from({ length: Math.ceil(list.length / 2) }, (_, i) => monoid.combine(list[2 * i] as Moments, list[2 * i + 1] ?? monoid.empty)));
    const order = parts.map((_, i) => i);
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [order[i], order[j]] = [order[j] as number, order[i] as number];
    }
    const shuffled = monoid.combineAll(order.map((i) => parts[i] as Moments));
    const all = new Float64Array(N + 1);
    all.set(data);
    all[N] = data[0] as number;
    const withExtra = twoPass(all);
    for (const [name, merged] of [["in order", inOrder], ["tree", tree(parts)], ["shuffled", shuffled]] as const) {
      const error = relativeError(merged.variance, withExtra.variance);
      console.log(`1000 partitions merged ${name}: variance relative error ${error.toExponential(2)} vs reference, ${relativeError(merged.variance, extra.variance).toExponential(2)} vs one pass`);
      expect(error).toBeLessThanOrEqual(1e-7); // measured 3e-11 to 6e-10
      expect(relativeError(merged.variance, extra.variance)).toBeLessThanOrEqual(1e-7);
      expect(merged.approximatelyEquals(extra, 1e-7)).toBe(true);
      expect(countMinMax(merged, extra)).toBe(true);
      expect(Math.abs(merged.skewness - withExtra.skewness)).toBeLessThanOrEqual(1e-5);
      expect(Math.abs(merged.excessKurtosis - withExtra.excessKurtosis)).toBeLessThanOrEqual(1e-5);
    }
  });
});

describe("Moments shape statistics against a two-pass reference", () => {
  const cases = [
    { name: "exponential(1)", data: sample(200_000, exponential(11)), skewness: 2, excessKurtosis: 6 },
    { name: "uniform[0, 1)", data: sample(200_000, uniform(12)), skewness: 0, excessKurtosis: -1.2 },
    { name: "normal(-50, 3^2)", data: sample(200_000, ((z) => () => -50 + 3 * z())(normal(13))), skewness: 0, excessKurtosis: 0 },
  ];
  for (const { name, data, skewness, excessKurtosis } of cases) {
    it(`${name}: one pass and merged parts match two-pass to 1e-10; near the distribution's values`, () => {
      const reference = twoPass(data);
      const onePass = new Moments().addAll(data);
      const parts = Moments.monoid().combineAll(Array.from({ length: 37 }, (_, i) => new Moments().addAll(data.subarray(Math.floor((i * data.length) / 37), Math.floor(((i + 1) * data.length) / 37)))));
      for (const m of [onePass, parts]) {
        expect(relativeError(m.mean, reference.mean)).toBeLessThanOrEqual(1e-12);
        expect(relativeError(m.variance, reference.variance)).toBeLessThanOrEqual(1e-10);
        expect(Math.abs(m.skewness - reference.skewness)).toBeLessThanOrEqual(1e-10);
        expect(Math.abs(m.excessKurtosis - reference.excessKurtosis)).toBeLessThanOrEqual(1e-10);
      }
      // Sampling error at n = 200,000: skewness sd about 0.005-0.02, kurtosis sd up to about 0.2 (exponential).
      expect(Math.abs(onePass.skewness - skewness)).toBeLessThan(0.1);
      expect(Math.abs(onePass.excessKurtosis - excessKurtosis)).toBeLessThan(1);
    });
  }
});

describe("Moments merge and monoid", () => {
  it("merging parts equals adding the whole stream (count, min, max exactly; moments to 1e-9)", () => {
    fc.assert(
      fc.property(streams, streams, (a, b) => {
        const merged = build(a).merge(build(b));
        const whole = build([...a, ...b]);
        expect(countMinMax(merged, whole)).toBe(true);
        expect(merged.approximatelyEquals(whole, 1e-9)).toBe(true);
      }),
    );
  });
  it("is exactly commutative, even for equal counts", () => {
    fc.assert(
      fc.property(momentsArbitrary, momentsArbitrary, (a, b) => {
        expect(a.clone().merge(b).equals(b.clone().merge(a))).toBe(true);
      }),
    );
    const a = new Moments().addAll([0.1, 0.7, 0.3]);
    const b = new Moments().addAll([0.2, 0.9, 0.4]);
    expect(a.clone().merge(b).equals(b.clone().merge(a))).toBe(true);
  });
  it("merging with itself doubles the counts and sums", () => {
    const a = new Moments().addAll([1, 2, 3, 10]);
    a.merge(a);
    expect(fieldsOf(a)).toEqual([8, 4, 100, 360, 2788, 1, 10]);
  });
  it("refuses values that are not Moments", () => {
    const a = new Moments().add(1);
    expect(() => a.merge(new CountMinSketch({ width: 2, depth: 1 }) as unknown as Moments)).toThrow(ParameterMismatchError);
    expect(() => a.merge({} as Moments)).toThrow("cannot combine Moments(totalWeight=1, mean=1, sd=0) with Object: not a Moments");
    expect(() => a.merge(null as unknown as Moments)).toThrow(ParameterMismatchError);
    expect(() => Moments.monoid().combine({} as Moments, a)).toThrow(ParameterMismatchError);
    expect(() => Moments.monoid().combineAll([a, 3 as unknown as Moments])).toThrow(ParameterMismatchError);
  });
  it("takes an options object with no keys: unknown keys are rejected by the constructor and the monoid", () => {
    expect(new Moments({}).add(2).mean).toBe(2);
    expect(Moments.monoid({}).combineAll([new Moments().add(1), new Moments({}).add(3)]).mean).toBe(2);
    expect(() => new Moments({ confidence: 0.9 } as unknown as MomentsOptions)).toThrow(InvalidArgumentError);
    expect(() => new Moments({ confidence: 0.9 } as unknown as MomentsOptions)).toThrow(/Moments has no option "confidence"/);
    expect(() => Moments.monoid({ compression: 100 } as unknown as MomentsOptions)).toThrow(InvalidArgumentError);
    expect(() => new Moments(null as unknown as MomentsOptions)).toThrow(InvalidArgumentError);
  });
  it("the monoid's empty is fresh on every read, its inputs are untouched, and it has no inverse", () => {
    const monoid = Moments.monoid();
    monoid.empty.add(1);
    expect(monoid.empty.totalWeight).toBe(0);
    const a = new Moments().add(1);
    const b = new Moments().add(2);
    expect(monoid.combine(a, b).totalWeight).toBe(2);
    expect([a.totalWeight, b.totalWeight]).toEqual([1, 1]);
    expect(monoid.commutative).toBe(true);
    // Not a Group (see Moments.monoid's documentation): there is deliberately no inverse.
    expect("inverse" in monoid).toBe(false);
  });
  it("a broken merge formula fails the approximate associativity law (the tolerance is tight enough)", () => {
    // Chan's cross term with the wrong weight, delta² * na instead of delta² * na * nb / n.
    const broken = (x: Moments, y: Moments): Moments => {
      const merged = fieldsOf(x.clone().merge(y));
      const [na, ma] = fieldsOf(x);
      const [nb, mb] = fieldsOf(y);
      if (na === 0 || nb === 0) return x.clone().merge(y);
      const m2 = (fieldsOf(x)[2] as number) + (fieldsOf(y)[2] as number) + (mb - ma) ** 2 * na;
      return Moments.fromBytes(image([merged[0], merged[1], m2, merged[3], merged[4], merged[5], merged[6]]));
    };
    const monoid = makeMonoid<Moments>({ combine: broken, empty: () => new Moments(), freshEmpty: true, commutative: false });
    const laws = monoidLaws(monoid, momentsArbitrary, { equals: approximate, clone, parameters: { seed: 1 } }).filter((law) => law.name === "associativity");
    expect(() => checkLaws(laws)).toThrow(/law 'associativity' failed/);
  });
});

// Which laws hold exactly: identity (merging an empty state copies or keeps
// the other exactly), commutativity (the merge is symmetric bit for bit),
// combineMany / combineAll versus the fold (the same merges in the same
// order), non-mutation, and every law on count, min and max. Associativity
// of the mean and M2..M4 holds only up to rounding: relative 1e-9 at the
// data's scale (Moments.approximatelyEquals).
const monoid = Moments.monoid();
registerLaws(
  "monoid laws: Moments, exact equality (all but associativity)",
  monoidLaws(monoid, momentsArbitrary, { equals: exact, clone }).filter((law) => law.name !== "associativity"),
);
registerLaws(
  "monoid laws: Moments, approximate equality (relative 1e-9; count, min, max exact)",
  monoidLaws(monoid, momentsArbitrary, { equals: approximate, clone }).filter((law) => law.name === "associativity"),
);
registerLaws("monoid laws: Moments count, min and max, exact", monoidLaws(monoid, momentsArbitrary, { equals: countMinMax, clone }));
registerLaws("codec laws: Moments image", codecLaws(Moments.codec, momentsArbitrary, { equals: exact, clone, semigroup: monoid }));

describe("Moments equality", () => {
  it("equals compares every field exactly; approximatelyEquals scales by the data", () => {
    const a = new Moments().addAll([0.1, 0.2, 0.3]);
    const b = new Moments().addAll([0.3, 0.2, 0.1]);
    expect([a.equals(b), a.approximatelyEquals(b), a.approximatelyEquals(b, 0)]).toEqual([false, true, false]);
    expect(a.equals(a.clone())).toBe(true);
    expect(new Moments().equals(new Moments())).toBe(true);
    expect(new Moments().approximatelyEquals(new Moments(), 0)).toBe(true);
    expect(a.equals({} as Moments)).toBe(false);
    expect(a.approximatelyEquals({} as Moments)).toBe(false);
    // Count, min and max must match exactly.
    expect(new Moments().add(1, 2).approximatelyEquals(new Moments().add(1, 3))).toBe(false);
    expect(new Moments().addAll([1, 2]).approximatelyEquals(new Moments().addAll([1, 2 + 1e-12]))).toBe(false);
    // M3 of symmetric data is compared at the scale n * sd^3, not its own (near-zero) size.
    const symmetric = fieldsOf(new Moments().addAll([-1, 0, 1]));
    const nudged = Moments.fromBytes(image([symmetric[0], symmetric[1], symmetric[2], 1e-14, symmetric[4], symmetric[5], symmetric[6]]));
    expect(nudged.approximatelyEquals(new Moments().addAll([-1, 0, 1]))).toBe(true);
    expect(nudged.approximatelyEquals(new Moments().addAll([-1, 0, 1]), 1e-15)).toBe(false);
    for (const relative of [-1, Number.NaN, Infinity]) expect(() => a.approximatelyEquals(b, relative)).toThrow(InvalidArgumentError);
  });
  it("clone is independent; describe names the count, mean and sd", () => {
    const a = new Moments().add(1);
    const b = a.clone().add(2);
    expect([a.totalWeight, b.totalWeight]).toEqual([1, 2]);
    expect(b.describe()).toBe("Moments(totalWeight=2, mean=1.5, sd=0.5)");
    expect(String(new Moments())).toBe("Moments(totalWeight=0)");
    expect(new Moments().sizeInBytes).toBe(56);
  });
});

describe("Moments estimate: the confidence interval of the mean", () => {
  it("is mean ± z s / sqrt(n) with probability = confidence", () => {
    const m = new Moments().addAll([9, 10, 11, 10, 10, 9, 11, 10]);
    for (const [confidence, z] of [
      [0.95, 1.959963984540054],
      [0.99, 2.5758293035489],
      [0.5, 0.6744897501960817],
    ] as const) {
      const estimate = m.estimate(confidence);
      const half = z * Math.sqrt(4 / 7 / 8);
      expect(estimate.estimate).toBe(10);
      expect(estimate.probability).toBe(confidence);
      expect(estimate.lower).toBeCloseTo(10 - half, 8);
      expect(estimate.upper).toBeCloseTo(10 + half, 8);
    }
    expect(m.estimate().probability).toBe(0.95);
  });
  it("edge cases: none throws, one value is unbounded, equal values give a zero-width interval", () => {
    expect(() => new Moments().estimate()).toThrow(InvalidArgumentError);
    const one = new Moments().add(3).estimate(0.9);
    expect([one.estimate, one.lower, one.upper, one.probability]).toEqual([3, -Infinity, Infinity, 0.9]);
    const flat = new Moments().add(3, 10).estimate();
    expect([flat.estimate, flat.lower, flat.upper]).toEqual([3, 3, 3]);
    for (const confidence of [0, 1, -0.5, 1.5, Number.NaN]) {
      expect(() => new Moments().addAll([1, 2]).estimate(confidence)).toThrow(InvalidArgumentError);
    }
  });
  it("covers the true mean about `confidence` of the time (2000 seeded trials of 100 values)", () => {
    for (const [name, draw, trueMean] of [
      ["normal(5, 2^2)", ((z) => () => 5 + 2 * z())(normal(21)), 5],
      ["exponential(1)", exponential(22), 1],
    ] as const) {
      for (const confidence of [0.9, 0.95]) {
        let covered = 0;
        const trials = 2000;
        for (let t = 0; t < trials; t++) {
          const m = new Moments();
          for (let i = 0; i < 100; i++) m.add(draw());
          if (m.estimate(confidence).contains(trueMean)) covered++;
        }
        const rate = covered / trials;
        console.log(`estimate(${confidence}) coverage on ${name}, n = 100: ${rate}`);
        // Binomial sd at 2000 trials is at most 0.0067; z instead of t and
        // skew cost up to about 0.01 at n = 100.
        expect(rate).toBeGreaterThan(confidence - 0.035);
        expect(rate).toBeLessThan(confidence + 0.025);
      }
    }
  });
});

describe("Moments image", () => {
  it("writes the frozen golden bytes (docs/format.md)", () => {
    // Computed once with this implementation and frozen; every field is exact:
    // [1, 2, 3, 10] has count 4, mean 4, M2 = 50, M3 = 180, M4 = 1394.
    expect(hex(new Moments().addAll([1, 2, 3, 10]).toBytes())).toBe(
      "5054050100000000" + // preamble: "PT", family 0x05, version 1, flags 0
        "0000000000001040" + // count = 4
        "0000000000001040" + // mean = 4
        "0000000000004940" + // M2 = 50
        "0000000000806640" + // M3 = 180
        "0000000000c89540" + // M4 = 1394
        "000000000000f03f" + // min = 1
        "0000000000002440", // max = 10
    );
    // The empty state has one canonical image: zeros after the preamble.
    expect(hex(new Moments().toBytes())).toBe("5054050100000000" + "00".repeat(56));
    // -0 is written as 0, so equal states have equal images.
    expect(hex(new Moments().add(-0).toBytes())).toBe(hex(new Moments().add(0).toBytes()));
    expect(new Moments().add(-0).equals(new Moments().add(0))).toBe(true);
  });
  it("round-trips states, independent of the input buffer and its alignment", () => {
    const source = new Moments().addAll(sample(1000, normal(3)));
    const bytes = source.toBytes();
    const padded = new Uint8Array(bytes.length + 3);
    padded.set(bytes, 3);
    const decoded = Moments.fromBytes(padded.subarray(3));
    padded.fill(0);
    expect(decoded.equals(source)).toBe(true);
    expect(Moments.fromBytes(new Moments().toBytes()).equals(new Moments())).toBe(true);
    expect(Moments.fromBytes(new Moments().add(-5).toBytes()).min).toBe(-5);
  });
  it("fuzz: every truncation is rejected as truncated, every extension as length-mismatch", () => {
    fc.assert(
      fc.property(momentsArbitrary, fc.uint8Array({ minLength: 1, maxLength: 9 }), (m, tail) => {
        const bytes = m.toBytes();
        for (let length = 0; length < bytes.length; length++) {
          expect(decodeErrorCode(() => Moments.fromBytes(bytes.subarray(0, length)))).toBe("truncated");
        }
        expect(decodeErrorCode(() => Moments.fromBytes(Uint8Array.from([...bytes, ...tail])))).toBe("length-mismatch");
      }),
      { numRuns: 50 },
    );
  });
  it("a flip of the empty image is rejected unless it spells another valid state (count 2.0: two zeros)", () => {
    // Found by the fuzz below (fast-check seed -2069718512): flipping bit 62 of
    // the empty image's count gives the image of two zeros, which must decode.
    const empty = new Moments().toBytes();
    for (let bit = 64; bit < empty.length * 8; bit++) {
      const bytes = empty.slice();
      bytes[bit >> 3] = (bytes[bit >> 3] as number) ^ (1 << (bit & 7));
      const outcome = decodesOrRejectsCleanly(Moments.fromBytes, bytes);
      expect(outcome, `bit ${bit}`).toBe(bit === 64 + 62 ? "ok" : "rejected");
    }
  });
  it("fuzz: bit flips and random bytes decode or throw DecodeError, nothing else", () => {
    fc.assert(
      fc.property(momentsArbitrary, fc.nat(), (m, at) => {
        const bytes = m.toBytes();
        const bit = at % (bytes.length * 8);
        const [count, , m2, , m4] = fieldsOf(m);
        bytes[bit >> 3] = (bytes[bit >> 3] as number) ^ (1 << (bit & 7));
        const outcome = decodesOrRejectsCleanly(Moments.fromBytes, bytes);
        if (bit < 64) expect(outcome).toBe("rejected"); // every preamble byte is checked
        // The empty image is canonical, so a flip is rejected, with one exception:
        // bit 62 of count (64 + 62 overall) turns 0 into 2.0, and with every other
        // field 0 that is exactly the image of two zeros, a valid state.
        if (count === 0 && bit !== 64 + 62) expect(outcome).toBe("rejected");
        if (count === 0 && bit === 64 + 62) expect(Moments.fromBytes(bytes).equals(new Moments().add(0).add(0))).toBe(true);
        if (bit === 64 + 63 && count > 0) expect(outcome).toBe("rejected"); // count sign
        if (bit === 64 && count >= 2) expect(outcome).toBe("rejected"); // count no longer an integer
        if (bit === 64 + 2 * 64 + 63 && m2 > 0) expect(outcome).toBe("rejected"); // M2 sign
        if (bit === 64 + 4 * 64 + 63 && m4 > 0) expect(outcome).toBe("rejected"); // M4 sign
      }),
      { numRuns: 500 },
    );
    fc.assert(fc.property(fc.uint8Array({ maxLength: 100 }), (bytes) => void decodesOrRejectsCleanly(Moments.fromBytes, bytes)));
    const preamble = [0x50, 0x54, 0x05, 0x01, 0, 0, 0, 0];
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 56, maxLength: 56 }), (tail) => {
        decodesOrRejectsCleanly(Moments.fromBytes, Uint8Array.from([...preamble, ...tail]));
      }),
    );
  });
  it("fuzz: any state the decoder accepts stays finite and re-encodable under add and merge (or they refuse)", () => {
    // Images that pass every check without coming from real data: M2, M3, M4 arbitrary.
    const double = fc.double({ noNaN: true, noDefaultInfinity: true });
    const accepted = fc
      .tuple(
        fc.integer({ min: 2, max: Number.MAX_SAFE_INTEGER }),
        fc.double({ min: -1e60, max: 1e60, noNaN: true }),
        fc.double({ min: -1e60, max: 1e60, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        double.map(Math.abs),
        double,
        double.map(Math.abs),
      )
      .filter(([, a, b]) => a !== b)
      .map(([count, a, b, t, m2, m3, m4]) => {
        const [lo, hi] = a < b ? [a, b] : [b, a];
        const mean = Math.min(hi, Math.max(lo, lo + t * (hi - lo)));
        return Moments.fromBytes(image([count, mean, m2, m3, m4, lo, hi]));
      });
    const refusesCleanly = (action: () => Moments): void => {
      let result: Moments;
      try {
        result = action();
      } catch (error) {
        expect(error).toBeInstanceOf(InvalidArgumentError);
        return;
      }
      for (const field of fieldsOf(result)) expect(Number.isFinite(field)).toBe(true);
      expect(Moments.fromBytes(result.toBytes()).equals(result)).toBe(true);
    };
    fc.assert(
      fc.property(accepted, accepted, fc.double({ min: -1e60, max: 1e60, noNaN: true }), (a, b, x) => {
        refusesCleanly(() => a.clone().merge(b));
        refusesCleanly(() => a.clone().add(x));
        refusesCleanly(() => a.clone().add(x, 3));
        refusesCleanly(() => a.clone().addAll([x, -x, 0]));
        refusesCleanly(() => a.clone().merge(new Moments().add(x)));
      }),
    );
    // A state that is not one of real data can make an update overflow: refused, unchanged.
    const crafted = Moments.fromBytes(image([2, 0, 1e308, 0, 0, -1, 1]));
    expect(() => crafted.add(1e60)).toThrow(/would overflow/);
    expect(() => crafted.addAll([1e60])).toThrow(/would overflow/);
    expect(() => crafted.merge(new Moments().add(1e60))).toThrow(/would overflow/);
    expect(fieldsOf(crafted)).toEqual([2, 0, 1e308, 0, 0, -1, 1]);
  });
  it("rejects invalid fields with typed errors", () => {
    const good = [4, 4, 50, 180, 1394, 1, 10];
    const code = (patch: Record<number, number>) => decodeErrorCode(() => Moments.fromBytes(image(good.map((v, i) => patch[i] ?? v))));
    expect(code({})).toBe("no error");
    expect(code({ 0: 4.5 })).toBe("invalid-field"); // count not an integer
    expect(code({ 0: -1 })).toBe("invalid-field");
    expect(code({ 0: 2 ** 53 })).toBe("invalid-field");
    expect(code({ 0: Number.NaN })).toBe("invalid-field");
    expect(code({ 0: Infinity })).toBe("invalid-field");
    expect(code({ 0: 0 })).toBe("invalid-field"); // empty, but fields not zero
    expect(code({ 1: 0.5 })).toBe("invalid-field"); // mean below min
    expect(code({ 1: 11 })).toBe("invalid-field"); // mean above max
    expect(code({ 1: Number.NaN })).toBe("invalid-field");
    expect(code({ 2: -1 })).toBe("invalid-field"); // M2 < 0
    expect(code({ 2: Infinity })).toBe("invalid-field");
    expect(code({ 2: Number.NaN })).toBe("invalid-field");
    expect(code({ 3: Infinity })).toBe("invalid-field");
    expect(code({ 3: Number.NaN })).toBe("invalid-field");
    expect(code({ 3: -180 })).toBe("no error"); // M3 may have either sign
    expect(code({ 4: -1 })).toBe("invalid-field"); // M4 < 0
    expect(code({ 4: Infinity })).toBe("invalid-field");
    expect(code({ 5: 11 })).toBe("invalid-field"); // min > max
    expect(code({ 5: Number.NaN })).toBe("invalid-field");
    expect(code({ 5: -1e61 })).toBe("invalid-field"); // beyond the value limit
    expect(code({ 6: 2e60 })).toBe("invalid-field");
    expect(code({ 6: Infinity })).toBe("invalid-field");
    expect(code({ 0: 1 })).toBe("invalid-field"); // one value, but min < max
    expect(code({ 5: 4, 6: 4 })).toBe("invalid-field"); // all equal, but M2..M4 not 0
    expect(code({ 0: 1, 1: 4, 2: 0, 3: 0, 4: 0, 5: 4, 6: 4 })).toBe("no error");
    expect(() => Moments.fromBytes(image(good.map((v, i) => (i === 2 ? -1 : v))))).toThrow(/M2 must be finite and >= 0, got -1 \(at byte 24\)/);
    const bytes = image(good);
    bytes[4] = 1;
    expect(decodeErrorCode(() => Moments.fromBytes(bytes))).toBe("invalid-field"); // unknown flag
    bytes[4] = 0;
    bytes[3] = 2;
    expect(decodeErrorCode(() => Moments.fromBytes(bytes))).toBe("unsupported-version");
    // -0 in an empty image is not canonical.
    expect(decodeErrorCode(() => Moments.fromBytes(image([-0, 0, 0, 0, 0, 0, 0])))).toBe("invalid-field");
    expect(decodeErrorCode(() => Moments.fromBytes(image([0, 0, 0, 0, 0, 0, 0])))).toBe("no error");
  });
  it("rejects images of other families as wrong-family", () => {
    const cms = new CountMinSketch({ width: 4, depth: 2 }).toBytes();
    expect(decodeErrorCode(() => Moments.fromBytes(cms))).toBe("wrong-family");
    expect(() => Moments.fromBytes(cms)).toThrow(/this is CountMinSketch \(family 3\), not Moments \(family 5\)/);
  });
  it("travels in an envelope", () => {
    const envelope = createEnvelope({ codecs: [Moments.codec] });
    const state = { latency: new Map([["GET /login", new Moments().addAll([12, 15, 11])]]), empty: new Moments() };
    const decoded = envelope.decode(envelope.encode(state)) as typeof state;
    expect(decoded.latency.get("GET /login")?.equals(state.latency.get("GET /login") as Moments)).toBe(true);
    expect(decoded.empty.equals(new Moments())).toBe(true);
    expect([Moments.codec.is(new Moments()), Moments.codec.is({})]).toEqual([true, false]);
  });
});
