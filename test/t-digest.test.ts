import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createEnvelope } from "../src/codec/index.js";
import { InvalidArgumentError, ParameterMismatchError } from "../src/errors.js";
import { codecLaws, monoidLaws } from "../src/laws/index.js";
import { Approximate } from "../src/algebra/index.js";
import { CountMinSketch, TDigest, type TDigestOptions } from "../src/sketches/index.js";
import { decodeErrorCode, decodesOrRejectsCleanly, registerLaws } from "./support/checks.js";
import { uniform } from "./support/random.js";

const HEADER = 48;
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");

type Points = readonly (readonly [number, number])[];
const build = (compression: number) => (points: Points) => {
  const digest = new TDigest({ compression });
  for (const [value, weight] of points) digest.add(value, weight);
  return digest;
};

/** The centroids of an image, as [mean, weight] pairs. */
function centroidsOf(digest: TDigest): [number, number][] {
  const bytes = digest.toBytes();
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  const count = view.getUint32(40, true);
  return Array.from({ length: count }, (_, i) => [view.getFloat64(HEADER + 16 * i, true), view.getFloat64(HEADER + 16 * i + 8, true)]);
}

// The documented compression pass, written independently: sort by (value,
// weight); greedily join the next point while (w * delta / pi)^2 <= W (n - W)
// for W the weight below the centroid and below its end. Means as sum(x w) / sum(w).
function referenceCentroids(points: Points, compression: number): [number, number][] {
  const sorted = [...points].map(([x, w]) => [x + 0, w] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const n = sorted.reduce((sum, [, w]) => sum + w, 0);
  const out: [number, number][] = [];
  let below = 0;
  let sum = 0;
  let weight = 0;
  for (const [x, w] of sorted) {
    const joined = weight + w;
    const z = (joined * compression) / Math.PI;
    if (weight > 0 && z * z <= below * (n - below) && z * z <= (below + joined) * (n - below - joined)) {
      sum += x * w;
      weight = joined;
    } else {
      if (weight > 0) out.push([sum / weight, weight]);
      below += weight;
      sum = x * w;
      weight = w;
    }
  }
  if (weight > 0) out.push([sum / weight, weight]);
  return out;
}

/** Log-normal values exp(N(0, 1)), normals by Box–Muller from the seeded uniform generator. */
function logNormal(count: number, seed: number): Float64Array {
  const random = uniform(seed);
  const out = new Float64Array(count);
  for (let i = 0; i < count; i += 2) {
    const u1 = random() || 2 ** -32;
    const u2 = random();
    const radius = Math.sqrt(-2 * Math.log(u1));
    out[i] = Math.exp(radius * Math.cos(2 * Math.PI * u2));
    if (i + 1 < count) out[i + 1] = Math.exp(radius * Math.sin(2 * Math.PI * u2));
  }
  return out;
}

/**
 * Approximate equality for the law kit: same compression, count, min and
 * max, and quantile functions within `tolerance` in rank at every q of a
 * grid: b.quantile(q - t) <= a.quantile(q) <= b.quantile(q + t), both ways.
 */
function quantilesAgree(tolerance: number) {
  const grid = Array.from({ length: 101 }, (_, i) => i / 100);
  const within = (a: TDigest, b: TDigest) =>
    grid.every((q) => {
      const x = a.quantile(q);
      return b.quantile(Math.max(0, q - tolerance)) <= x && x <= b.quantile(Math.min(1, q + tolerance));
    });
  return (a: TDigest, b: TDigest): boolean => {
    if (a.compression !== b.compression || a.totalWeight !== b.totalWeight) return false;
    if (a.totalWeight === 0) return true;
    return a.min === b.min && a.max === b.max && within(a, b) && within(b, a);
  };
}

// Law-kit inputs: up to 200 points (4 buffers at compression 10, so merges
// and leftover buffers both occur), integer weights (sums stay exact),
// values with many ties, and -0.
const LAW_COMPRESSION = 10;
const pointLists: fc.Arbitrary<Points> = fc.array(
  fc.tuple(
    fc.oneof(fc.integer({ min: -20, max: 20 }), fc.double({ min: -1e6, max: 1e6, noNaN: true })),
    fc.integer({ min: 1, max: 4 }),
  ),
  { maxLength: 200 },
);
const digests = pointLists.map(build(LAW_COMPRESSION));
const exact = (a: TDigest, b: TDigest) => a.equals(b);
const clone = (d: TDigest) => d.clone();
const monoid = TDigest.monoid({ compression: LAW_COMPRESSION });
// Two maximal centroids, pi / (2 delta) of the weight each (at the median):
// each grouping's quantile estimate can be off from the data by up to one
// centroid (a centroid may mix distinct values, and the estimate interpolates
// across it), so two groupings can differ by two. One centroid, the tolerance
// used before, fails on many random seeds (tiny inputs with ties and a few
// distinct values, e.g. -2, 0 and 5e-324, show it quickly).
const approximate = quantilesAgree(Math.PI / LAW_COMPRESSION);

// Exact laws (TDigest.equals): left and right identity (compressing a
// digest's own centroids again changes nothing), commutativity (the union is
// sorted by mean, then weight), combineMany and combineAll equal the fold,
// inputs never mutated, and the codec laws, including "decoded values combine
// like the originals". Associativity holds only approximately (below).
registerLaws(
  "monoid laws (exact, except associativity): TDigest merge, compression 10",
  monoidLaws(monoid, digests, { equals: exact, clone }).filter((law) => law.name !== "associativity"),
);
// Approximate associativity, on fast-check's random seeds like every other law.
registerLaws(
  "monoid laws (approximate: quantiles within pi/delta in rank): TDigest merge associativity",
  monoidLaws(monoid, digests, { equals: approximate, clone, parameters: { numRuns: 300 } }).filter((law) => law.name === "associativity"),
);
it("associativity holds within pi/delta in rank on tiny inputs with ties that break a one-centroid (pi/(2 delta)) tolerance (fast-check seed -449666184)", () => {
  // The counterexample a random search found for pi / (2 delta): counts 1, 28 and 7
  // over -2, 0 and 5e-324. The sound tolerance accepts it; the tight one does not.
  const tight = quantilesAgree(Math.PI / (2 * LAW_COMPRESSION));
  const grouped = (a: TDigest, b: TDigest, c: TDigest) => [monoid.combine(monoid.combine(a, b), c), monoid.combine(a, monoid.combine(b, c))] as const;
  const result = fc.check(
    fc.property(digests, digests, digests, (a, b, c) => {
      const [left, right] = grouped(a, b, c);
      return tight(left, right);
    }),
    { seed: -449666184, numRuns: 300 },
  );
  expect(result.failed).toBe(true);
  const [a, b, c] = result.counterexample as [TDigest, TDigest, TDigest];
  const [left, right] = grouped(a, b, c);
  expect(approximate(left, right)).toBe(true);
});
registerLaws("codec laws: TDigest image", codecLaws(TDigest.codec, digests, { equals: exact, clone, semigroup: monoid }));

describe("TDigest monoid: what is not exact", () => {
  it("merge is not exactly associative: the law kit finds a counterexample", () => {
    const [associativity] = monoidLaws(monoid, digests, { equals: exact, clone, parameters: { seed: 1 } }).filter(
      (law) => law.name === "associativity",
    );
    expect(() => associativity?.check()).toThrow(/combine\(combine\(a, b\), c\) vs combine\(a, combine\(b, c\)\)/);
  });
  it("the approximate equality is not vacuous: it tells different data apart", () => {
    const a = build(LAW_COMPRESSION)(Array.from({ length: 200 }, (_, i) => [i, 1] as const));
    const shifted = build(LAW_COMPRESSION)(Array.from({ length: 200 }, (_, i) => [i === 0 || i === 199 ? i : Math.min(198, i + 80), 1] as const));
    expect([a.totalWeight, a.min, a.max]).toEqual([shifted.totalWeight, shifted.min, shifted.max]);
    expect(approximate(a, shifted)).toBe(false);
    expect(approximate(a, a.clone().merge(new TDigest({ compression: LAW_COMPRESSION })))).toBe(true);
  });
  it("a monoid's empty is fresh on every read", () => {
    monoid.empty.add(5);
    expect([monoid.empty.totalWeight, monoid.combineAll([]).totalWeight, monoid.empty.compression]).toEqual([0, 0, LAW_COMPRESSION]);
  });
});

describe("TDigest compression pass", () => {
  it("matches an independent reference of the documented k1 size bound, for any one buffer of points in any order", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(10, 25, 100),
        fc.array(fc.tuple(fc.oneof(fc.integer({ min: -5, max: 5 }), fc.double({ min: -1e3, max: 1e3, noNaN: true })), fc.integer({ min: 1, max: 3 })), {
          minLength: 1,
          maxLength: 250,
        }),
        fc.boolean(),
        (compression, points, unit) => {
          const input: Points = unit ? points.map(([x]) => [x, 1] as const) : points;
          const digest = build(compression)(input);
          const expected = referenceCentroids(input, compression);
          const actual = centroidsOf(digest);
          expect(actual.map(([, w]) => w)).toEqual(expected.map(([, w]) => w));
          actual.forEach(([mean], i) => {
            const reference = (expected[i] as [number, number])[0];
            expect(Math.abs(mean - reference)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(reference)));
          });
          // Any order of the same points (within one buffer) gives the same image.
          expect(hex(build(compression)([...input].reverse()).toBytes())).toBe(hex(digest.toBytes()));
        },
      ),
      { numRuns: 200 },
    );
  });
  it("keeps the extremes as singletons and never exceeds the size bound", () => {
    const digest = new TDigest();
    const data = logNormal(200_000, 7);
    for (const x of data) digest.add(x);
    const centroids = centroidsOf(digest);
    expect(centroids[0]).toEqual([digest.min, 1]);
    expect(centroids[centroids.length - 1]).toEqual([digest.max, 1]);
    const n = digest.totalWeight;
    let below = 0;
    for (const [, w] of centroids) {
      const bound = (q: number) => (Math.PI * Math.sqrt(q * (1 - q))) / digest.compression;
      if (w > 1) {
        expect(w / n).toBeLessThanOrEqual(bound(below / n) + 1e-12);
        expect(w / n).toBeLessThanOrEqual(bound((below + w) / n) + 1e-12);
      }
      below += w;
    }
    // About 1.3 delta centroids; the capacity 2 delta + 10 is not exceeded.
    expect(digest.centroidCount).toBeGreaterThan(100);
    expect(digest.centroidCount).toBeLessThanOrEqual(210);
    expect(digest.sizeInBytes).toBe(22720);
  });
  it("grows its arrays when weights spanning many magnitudes need more centroids than 2 delta + 10", () => {
    // Weights 16^-k at both ends around one heavy point: the size bound,
    // about sqrt(W) for the weight W below a centroid, admits ever smaller
    // centroids near q = 0 and q = 1.
    const digest = new TDigest({ compression: 10 });
    const base = digest.sizeInBytes;
    for (let i = 0; i < 50; i++) digest.add(i, 2 ** -(4 * (50 - i))).add(1000 - i, 2 ** -(4 * (50 - i)));
    digest.add(500);
    expect(digest.centroidCount).toBeGreaterThan(30);
    expect(digest.sizeInBytes).toBeGreaterThan(base + 50 * 4);
    const centroids = centroidsOf(digest);
    expect(centroids.reduce((sum, [, w]) => sum + w, 0)).toBe(digest.totalWeight);
    for (let i = 1; i < centroids.length; i++) expect((centroids[i] as number[])[0]).toBeGreaterThanOrEqual((centroids[i - 1] as number[])[0] as number);
    expect(TDigest.fromBytes(digest.toBytes()).equals(digest)).toBe(true);
    expect([digest.quantile(0), digest.quantile(0.5), digest.quantile(1)]).toEqual([0, 500, 1000]);
    // Merging it into a fresh digest grows that one's arrays too.
    expect(new TDigest({ compression: 10 }).merge(digest).equals(digest)).toBe(true);
  });
});

describe("TDigest accuracy on 10^6 log-normal values (seeded), compression 100", () => {
  const N = 1_000_000;
  const data = logNormal(N, 1);
  const sorted = Float64Array.from(data).sort();
  /** Exact F(x): the fraction of the data <= x. */
  const rank = (x: number) => {
    let low = 0;
    let high = N;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if ((sorted[mid] as number) <= x) low = mid + 1;
      else high = mid;
    }
    return low / N;
  };
  const single = new TDigest();
  for (const x of data) single.add(x);
  const PARTS = 16;
  const parts = Array.from({ length: PARTS }, (_, p) => {
    const digest = new TDigest();
    for (let i = (p * N) / PARTS; i < ((p + 1) * N) / PARTS; i++) digest.add(data[i] as number);
    return digest;
  });
  const merged = TDigest.monoid({ compression: 100 }).combineAll(parts);
  // The targets of the issue: rank error |F(quantile(q)) - q|.
  const targets: readonly (readonly [number, number])[] = [
    [0.001, 1e-4],
    [0.01, 3e-4],
    [0.5, 1e-3],
    [0.99, 3e-4],
    [0.999, 1e-4],
  ];
  const report = (name: string, digest: TDigest) =>
    console.log(
      `TDigest ${name} (compression 100, ${digest.centroidCount} centroids): rank errors ` +
        targets.map(([q]) => `q=${q}: ${Math.abs(rank(digest.quantile(q)) - q).toExponential(2)}`).join(", "),
    );

  it("single digest: rank error <= 1e-4 at q = 0.001 and 0.999, 3e-4 at 0.01 and 0.99, 1e-3 at 0.5", () => {
    report("single", single);
    for (const [q, bound] of targets) expect(Math.abs(rank(single.quantile(q)) - q), `q=${q}`).toBeLessThanOrEqual(bound);
  });
  it("16 partial digests (1/16 of the data each) merged: at most twice those", () => {
    report("16-way merge", merged);
    expect(merged.totalWeight).toBe(N);
    for (const [q, bound] of targets) expect(Math.abs(rank(merged.quantile(q)) - q), `q=${q}`).toBeLessThanOrEqual(2 * bound);
  });
  it("another grouping (a balanced tree of merges) also stays within twice the targets", () => {
    let level = parts;
    while (level.length > 1) {
      const next: TDigest[] = [];
      for (let i = 0; i < level.length; i += 2) next.push(TDigest.monoid({ compression: 100 }).combine(level[i] as TDigest, level[i + 1] as TDigest));
      level = next;
    }
    const tree = level[0] as TDigest;
    expect(tree.equals(merged)).toBe(false); // not exactly associative...
    for (const [q, bound] of targets) expect(Math.abs(rank(tree.quantile(q)) - q), `q=${q}`).toBeLessThanOrEqual(2 * bound); // ...but close
  });
  it("cdf agrees with the exact F at the same points and bounds", () => {
    for (const digest of [single, merged]) {
      for (const [q, bound] of targets) {
        const x = sorted[Math.floor(q * N)] as number;
        expect(Math.abs(digest.cdf(x) - rank(x)), `q=${q}`).toBeLessThanOrEqual(digest === single ? bound : 2 * bound);
      }
    }
  });
  it("min and max are exact; count is the number of values", () => {
    for (const digest of [single, merged]) {
      expect([digest.min, digest.max, digest.totalWeight]).toEqual([sorted[0], sorted[N - 1], N]);
      expect([digest.quantile(0), digest.quantile(1), digest.cdf(sorted[N - 1] as number), digest.cdf((sorted[0] as number) / 2)]).toEqual([
        sorted[0],
        sorted[N - 1],
        1,
        0,
      ]);
    }
  });
  it("quantile is non-decreasing in q, cdf in x, and they are near inverses", () => {
    for (const digest of [single, merged]) {
      let previous = -Infinity;
      for (let i = 0; i <= 10_000; i++) {
        const x = digest.quantile(i / 10_000);
        expect(x).toBeGreaterThanOrEqual(previous);
        previous = x;
      }
      let previousRank = 0;
      for (let i = 0; i <= 2000; i++) {
        const x = (sorted[Math.min(N - 1, i * 500)] as number) * 1.0001;
        const r = digest.cdf(x);
        expect(r).toBeGreaterThanOrEqual(previousRank);
        previousRank = r;
      }
      // Up to one point's weight (a singleton's flat step) apart.
      for (const q of [0.001, 0.1, 0.5, 0.9, 0.999]) expect(Math.abs(digest.cdf(digest.quantile(q)) - q)).toBeLessThanOrEqual(1 / N + 1e-12);
    }
  });
  it("is deterministic: the same inputs in the same order give identical bytes, whatever queries run in between", () => {
    const again = new TDigest();
    for (let i = 0; i < N; i++) {
      again.add(data[i] as number);
      if (i % 99_991 === 0) again.quantile(0.99); // queries never change the digest
    }
    expect(hex(again.toBytes())).toBe(hex(single.toBytes()));
    expect(hex(TDigest.monoid({ compression: 100 }).combineAll(parts).toBytes())).toBe(hex(merged.toBytes()));
    // Partial digests shipped as images merge to the same bytes.
    const shipped = parts.map((part) => TDigest.fromBytes(part.toBytes()));
    expect(hex(TDigest.monoid({ compression: 100 }).combineAll(shipped).toBytes())).toBe(hex(merged.toBytes()));
  });
});

describe("TDigest edge cases", () => {
  it("empty: quantile and cdf are NaN, min and max NaN, count 0", () => {
    const empty = new TDigest();
    expect([empty.quantile(0), empty.quantile(0.5), empty.quantile(1), empty.cdf(0), empty.min, empty.max]).toEqual([
      NaN,
      NaN,
      NaN,
      NaN,
      NaN,
      NaN,
    ]);
    expect([empty.totalWeight, empty.centroidCount, empty.toBytes().length]).toEqual([0, 0, HEADER]);
    expect(empty.equals(new TDigest())).toBe(true);
    expect(empty.equals(new TDigest({ compression: 50 }))).toBe(false);
    expect(new TDigest().merge(empty).equals(empty)).toBe(true);
  });
  it("one value: every quantile is that value; cdf steps from 0 to 1 there", () => {
    const one = new TDigest().add(42.5);
    expect([0, 0.3, 0.5, 1].map((q) => one.quantile(q))).toEqual([42.5, 42.5, 42.5, 42.5]);
    expect([one.cdf(42), one.cdf(42.5), one.cdf(43), one.cdf(-Infinity), one.cdf(Infinity)]).toEqual([0, 1, 1, 0, 1]);
    expect([one.min, one.max, one.totalWeight, one.centroidCount]).toEqual([42.5, 42.5, 1, 1]);
    const heavy = new TDigest().add(-3, 1e6);
    expect([heavy.quantile(0.5), heavy.totalWeight, heavy.cdf(-3)]).toEqual([-3, 1e6, 1]);
  });
  it("all equal values: exact answers, few centroids", () => {
    const same = new TDigest();
    for (let i = 0; i < 100_000; i++) same.add(7);
    expect([0, 0.001, 0.5, 0.999, 1].map((q) => same.quantile(q))).toEqual([7, 7, 7, 7, 7]);
    expect([same.cdf(6.999), same.cdf(7), same.totalWeight]).toEqual([0, 1, 100_000]);
    expect(same.centroidCount).toBeLessThan(210);
  });
  it("small data: exact order statistics between singletons, linear interpolation inside merged centroids", () => {
    const d = new TDigest().add(1).add(2).add(3).add(4);
    // Four singletons, each covering a quarter of the weight.
    expect([0.1, 0.25, 0.26, 0.5, 0.51, 0.75, 0.99].map((q) => d.quantile(q))).toEqual([1, 1, 2, 2, 3, 3, 4]);
    expect([d.cdf(0.9), d.cdf(1), d.cdf(1.5), d.cdf(3.99), d.cdf(4)]).toEqual([0, 0.25, 0.25, 0.75, 1]);
    // A weight-2 centroid at 3 (middle of its weight at 2) between singletons 1 and 10:
    // knots (0, 1), flat [0, 1] at 1, (2, 3), flat [3, 4] at 10 (n = 4).
    const w = new TDigest().add(1).add(3, 2).add(10);
    expect([0.25, 0.375, 0.5, 0.625, 0.75, 1].map((q) => w.quantile(q))).toEqual([1, 2, 3, 6.5, 10, 10]);
    expect([w.cdf(2), w.cdf(3), w.cdf(6.5), w.cdf(10)]).toEqual([0.375, 0.5, 0.625, 1]);
  });
  it("weights: add(x, w) behaves like w copies of x, up to the compression", () => {
    const weighted = new TDigest();
    const repeated = new TDigest();
    const random = uniform(3);
    for (let i = 0; i < 20_000; i++) {
      const x = Math.round(random() * 1000);
      const w = 1 + Math.floor(random() * 4);
      weighted.add(x, w);
      for (let k = 0; k < w; k++) repeated.add(x);
    }
    expect(weighted.totalWeight).toBe(repeated.totalWeight);
    expect([weighted.min, weighted.max]).toEqual([repeated.min, repeated.max]);
    expect(quantilesAgree(0.005)(weighted, repeated)).toBe(true);
    const fractional = new TDigest().add(1, 0.25).add(2, 0.5).add(3, 0.25);
    // Knots (0, 1), (0.125, 1), (0.5, 2), (0.875, 3), (1, 3): nothing has weight 1.
    expect([fractional.totalWeight, fractional.quantile(0.5), fractional.cdf(2.5)]).toEqual([1, 2, 0.6875]);
  });
  it("negative zero is stored as zero", () => {
    const a = new TDigest().add(-0).add(1);
    expect(Object.is(a.min, 0)).toBe(true);
    expect(hex(a.toBytes())).toBe(hex(new TDigest().add(0).add(1).toBytes()));
  });
  it("merging a digest into itself doubles every weight's worth", () => {
    const a = build(100)(Array.from({ length: 1000 }, (_, i) => [i, 1] as const));
    const doubled = a.clone().merge(a);
    expect([doubled.totalWeight, doubled.min, doubled.max]).toEqual([2000, 0, 999]);
    expect(quantilesAgree(0.01)(doubled, a.clone().merge(a.clone()))).toBe(true);
    expect(Math.abs(doubled.quantile(0.5) - 499.5)).toBeLessThan(5);
  });
  it("clone carries the buffer: the copy evolves exactly like the original", () => {
    const a = new TDigest({ compression: 20 });
    for (let i = 0; i < 130; i++) a.add((i * 37) % 101); // 100-point buffer: 30 points pending
    const b = a.clone();
    for (let i = 0; i < 500; i++) {
      a.add(i % 17);
      b.add(i % 17);
    }
    expect(hex(b.toBytes())).toBe(hex(a.toBytes()));
    b.add(1000);
    expect(a.max).toBe(100);
  });
  it("queries and toBytes do not change the digest or its future", () => {
    const queried = new TDigest({ compression: 20 });
    const quiet = new TDigest({ compression: 20 });
    for (let i = 0; i < 1000; i++) {
      const x = Math.sin(i) * 100;
      queried.add(x);
      quiet.add(x);
      if (i % 7 === 0) {
        queried.quantile(0.5);
        queried.cdf(0);
        queried.toBytes();
        void queried.centroidCount;
        queried.equals(quiet);
      }
    }
    expect(hex(queried.toBytes())).toBe(hex(quiet.toBytes()));
  });
  it("rejects invalid values and weights with InvalidArgumentError, leaving the digest unchanged", () => {
    const digest = new TDigest().add(1).add(2);
    const before = hex(digest.toBytes());
    const bad: [unknown, unknown][] = [
      [NaN, 1],
      [Infinity, 1],
      [-Infinity, 1],
      ["3", 1],
      [undefined, 1],
      [3n, 1],
      [null, 1],
      [1, 0],
      [1, -1],
      [1, NaN],
      [1, Infinity],
      [1, "2"],
      [1, null],
      [1, -0],
    ];
    for (const [value, weight] of bad) {
      expect(() => digest.add(value as number, weight as number), `${String(value)}, ${String(weight)}`).toThrow(InvalidArgumentError);
    }
    expect(() => digest.add(NaN)).toThrow(/value must be a finite number, got NaN/);
    expect(() => digest.add(1, 0)).toThrow(/weight must be a finite number > 0, got 0/);
    expect(() => new TDigest().add(1, Number.MAX_VALUE).add(2, Number.MAX_VALUE)).toThrow(/overflow/);
    expect(hex(digest.toBytes())).toBe(before);
    expect(digest.totalWeight).toBe(2);
  });
  it("rejects invalid q, x and options", () => {
    const digest = new TDigest().add(1);
    for (const q of [-0.01, 1.01, NaN, "0.5", undefined]) expect(() => digest.quantile(q as number), String(q)).toThrow(InvalidArgumentError);
    for (const x of [NaN, "1", undefined]) expect(() => digest.cdf(x as number), String(x)).toThrow(InvalidArgumentError);
    for (const compression of [9.99, 0, -100, 10_001, NaN, Infinity, "100"]) {
      expect(() => new TDigest({ compression: compression as number }), String(compression)).toThrow(InvalidArgumentError);
      expect(() => TDigest.monoid({ compression: compression as number }), String(compression)).toThrow(InvalidArgumentError);
    }
    expect(() => new TDigest(null as unknown as object)).toThrow(InvalidArgumentError);
    expect(() => new TDigest({ compression: 5 })).toThrow(/compression must be a number from 10 to 10000, got 5/);
    expect([new TDigest({ compression: 10 }).compression, new TDigest({ compression: 10_000 }).compression, new TDigest({ compression: 33.5 }).compression]).toEqual([
      10, 10_000, 33.5,
    ]);
  });
  it("refuses digests of another compression, naming both", () => {
    const a = new TDigest().add(1);
    const b = new TDigest({ compression: 200 }).add(2);
    expect(() => a.merge(b)).toThrow(ParameterMismatchError);
    expect(() => a.merge(b)).toThrow("cannot combine TDigest(compression=100) with TDigest(compression=200): parameters differ");
    expect(() => a.merge(new CountMinSketch({ width: 4, depth: 1 }) as unknown as TDigest)).toThrow(/not a TDigest/);
    const digests100 = TDigest.monoid({ compression: 100 });
    expect(() => digests100.combine(b, b)).toThrow(ParameterMismatchError);
    expect(() => digests100.combine(a, b)).toThrow(ParameterMismatchError);
    expect(() => digests100.combineAll([a, b])).toThrow(ParameterMismatchError);
    expect(a.totalWeight).toBe(1);
    expect([a.describe(), String(b)]).toEqual(["TDigest(compression=100)", "TDigest(compression=200)"]);
  });
});

describe("TDigest image", () => {
  const golden = () => build(10)(Array.from({ length: 14 }, (_, i) => [i + 1, 1] as const));
  it("writes the frozen golden bytes (docs/format.md)", () => {
    // Computed once with this implementation and frozen. Compression 10,
    // values 1..14: only the two middle pairs are light enough to merge
    // (weight 2 <= pi * sqrt(W (n - W)) / 10 near the median).
    const f64 = (x: number) => hex(new Uint8Array(Float64Array.of(x).buffer));
    expect(hex(golden().toBytes())).toBe(
      "5054060100000000" + // preamble: "PT", family 0x06, version 1, flags 0
        "0000000000002440" + // compression = 10
        "000000000000f03f" + // min = 1
        "0000000000002c40" + // max = 14
        "0000000000002c40" + // count = 14
        "0c000000" + // 12 centroids
        "00000000" + // reserved
        // (mean, weight): 1..5 singletons, (6.5, 2), (8.5, 2), 10..14 singletons
        [[1, 1], [2, 1], [3, 1], [4, 1], [5, 1], [6.5, 2], [8.5, 2], [10, 1], [11, 1], [12, 1], [13, 1], [14, 1]]
          .map(([m, w]) => f64(m as number) + f64(w as number))
          .join(""),
    );
    expect(hex(golden().toBytes()).slice(96, 128)).toBe("000000000000f03f000000000000f03f"); // (1, 1)
    expect(hex(new TDigest().toBytes())).toBe("5054060100000000" + "0000000000005940" + "0".repeat(48) + "00000000" + "00000000");
  });
  it("decoded digests are independent of the input bytes, and unaligned input is fine", () => {
    const source = golden();
    const bytes = source.toBytes();
    const decoded = TDigest.fromBytes(bytes);
    bytes.fill(0, HEADER);
    expect(decoded.equals(source)).toBe(true);
    const padded = new Uint8Array(source.toBytes().length + 1);
    padded.set(source.toBytes(), 1);
    expect(TDigest.fromBytes(padded.subarray(1)).equals(source)).toBe(true);
    // A decoded digest keeps working: adds and merges.
    expect(decoded.add(0).min).toBe(0);
    expect(decoded.merge(source).totalWeight).toBe(29);
  });
  it("fuzz: every truncation is rejected: a truncated header, or too-large centroids", () => {
    fc.assert(
      fc.property(pointLists, (points) => {
        const bytes = build(LAW_COMPRESSION)(points).toBytes();
        for (let length = 0; length < bytes.length; length++) {
          expect(decodeErrorCode(() => TDigest.fromBytes(bytes.subarray(0, length)))).toBe(length < HEADER ? "truncated" : "too-large");
        }
      }),
      { numRuns: 30 },
    );
  });
  it("fuzz: bit flips and random bytes decode or throw DecodeError, nothing else", () => {
    fc.assert(
      fc.property(pointLists, fc.nat(), (points, at) => {
        const bytes = build(LAW_COMPRESSION)(points).toBytes();
        const bit = at % (bytes.length * 8);
        bytes[bit >> 3] = (bytes[bit >> 3] as number) ^ (1 << (bit & 7));
        const outcome = decodesOrRejectsCleanly(TDigest.fromBytes, bytes);
        // Flips in the preamble, the centroid count and the reserved bytes are always caught,
        // and so is a sign flip of a (positive) centroid weight.
        if (bit < 64 || (bit >= 320 && bit < 384)) expect(outcome).toBe("rejected");
        if (bit >= 384 && (bit - 384) % 128 === 127) expect(outcome).toBe("rejected");
      }),
      { numRuns: 300 },
    );
    fc.assert(fc.property(fc.uint8Array({ maxLength: 120 }), (bytes) => void decodesOrRejectsCleanly(TDigest.fromBytes, bytes)));
    const preamble = [0x50, 0x54, 0x06, 0x01, 0, 0, 0, 0];
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 120 }), (tail) => void decodesOrRejectsCleanly(TDigest.fromBytes, Uint8Array.from([...preamble, ...tail]))),
    );
  });
  it("refuses huge declared centroid counts before allocating them", () => {
    const withCount = (count: number) => {
      const bytes = golden().toBytes();
      new DataView(bytes.buffer).setUint32(40, count, true);
      return bytes;
    };
    const before = process.memoryUsage().arrayBuffers;
    for (const count of [0xffffffff, 1 << 28, 1 << 20, 13]) expect(decodeErrorCode(() => TDigest.fromBytes(withCount(count)))).toBe("too-large");
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(1 << 20);
    expect(decodeErrorCode(() => TDigest.fromBytes(withCount(11)))).toBe("length-mismatch");
  });
  it("rejects invalid fields with typed errors", () => {
    const patched = (patch: (view: DataView) => void, source: TDigest = golden()) => {
      const bytes = source.toBytes();
      patch(new DataView(bytes.buffer));
      return bytes;
    };
    const code = (patch: (view: DataView) => void, source?: TDigest) => decodeErrorCode(() => TDigest.fromBytes(patched(patch, source)));
    const mean = (i: number) => HEADER + 16 * i;
    const weight = (i: number) => HEADER + 16 * i + 8;
    expect(code((v) => v.setUint8(4, 1))).toBe("invalid-field"); // flags
    expect(code((v) => v.setUint8(3, 2))).toBe("unsupported-version");
    expect(code((v) => v.setUint8(2, 3))).toBe("wrong-family");
    for (const compression of [9, 10_001, NaN, Infinity, -100]) expect(code((v) => v.setFloat64(8, compression, true))).toBe("invalid-field");
    expect(code((v) => v.setFloat64(16, NaN, true))).toBe("invalid-field"); // min NaN
    expect(code((v) => v.setFloat64(24, Infinity, true))).toBe("invalid-field"); // max infinite
    expect(code((v) => v.setFloat64(16, 20, true))).toBe("invalid-field"); // min > max
    expect(code((v) => v.setFloat64(16, 2, true))).toBe("invalid-field"); // first mean below min
    expect(code((v) => v.setFloat64(24, 13, true))).toBe("invalid-field"); // last mean above max
    expect(code((v) => v.setFloat64(32, 15, true))).toBe("invalid-field"); // count is not the sum
    expect(code((v) => v.setFloat64(32, 0, true))).toBe("invalid-field");
    expect(code((v) => v.setFloat64(32, NaN, true))).toBe("invalid-field");
    expect(code((v) => v.setUint32(44, 1, true))).toBe("invalid-field"); // reserved
    expect(code((v) => v.setFloat64(mean(3), 2.5, true))).toBe("invalid-field"); // means 1, 2, 3, 2.5: decreasing
    expect(code((v) => v.setFloat64(mean(3), 3.5, true))).toBe("no error"); // 1, 2, 3, 3.5, 5: fine
    expect(code((v) => v.setFloat64(mean(6), NaN, true))).toBe("invalid-field");
    for (const w of [0, -1, NaN, Infinity, -0]) expect(code((v) => v.setFloat64(weight(2), w, true)), String(w)).toBe("invalid-field");
    expect(() => TDigest.fromBytes(patched((v) => v.setFloat64(weight(2), -1, true)))).toThrow(/centroid 2 weight must be finite and > 0, got -1/);
    // Other weights that still sum to the count are accepted.
    expect(code((v) => (v.setFloat64(weight(5), 1.5, true), v.setFloat64(weight(6), 2.5, true)))).toBe("no error");
    // Empty images: count 0 and min = max = 0 exactly.
    const empty = new TDigest();
    expect(code((v) => v.setFloat64(16, 1, true), empty)).toBe("invalid-field");
    expect(code((v) => v.setFloat64(24, -0, true), empty)).toBe("invalid-field");
    expect(code((v) => v.setFloat64(32, 1, true), empty)).toBe("invalid-field");
    expect(code(() => undefined, empty)).toBe("no error");
    expect(decodeErrorCode(() => TDigest.fromBytes(Uint8Array.from([...golden().toBytes(), 0])))).toBe("length-mismatch");
    expect(decodeErrorCode(() => TDigest.fromBytes(new Uint8Array([1, 2, 3])))).toBe("truncated");
    expect(decodeErrorCode(() => TDigest.fromBytes("PT" as unknown as Uint8Array))).toBe("malformed");
  });
  it("rejects images of other families as wrong-family", () => {
    const sketch = new CountMinSketch({ width: 8, depth: 2 }).toBytes();
    expect(decodeErrorCode(() => TDigest.fromBytes(sketch))).toBe("wrong-family");
    expect(() => TDigest.fromBytes(sketch)).toThrow(/this is CountMinSketch \(family 3\), not TDigest \(family 6\)/);
  });
  it("travels in an envelope", () => {
    const envelope = createEnvelope({ codecs: [TDigest.codec] });
    const state = { latency: golden(), perHost: new Map([["db-1", new TDigest({ compression: 50 }).add(3).add(4, 2)]]) };
    const decoded = envelope.decode(envelope.encode(state)) as typeof state;
    expect(decoded.latency.equals(golden())).toBe(true);
    expect(decoded.perHost.get("db-1")?.quantile(1)).toBe(4);
    expect([TDigest.codec.is(golden()), TDigest.codec.is({}), TDigest.codec.family, TDigest.codec.name]).toEqual([true, false, 6, "TDigest"]);
  });
});

describe("TDigest edge cases: tied means, spans beyond Number.MAX_VALUE, -0 in images", () => {
  it("merge commutes even when a digest holds equal means out of weight order", () => {
    const a = new TDigest({ compression: 10 });
    for (const [v, w] of [[2, 2], [1, 2], [2, 3], [1, 2], [2, 1], [2, 1]] as const) a.add(v, w);
    const b = new TDigest({ compression: 10 });
    for (const [v, w] of [[0, 3], [1, 1], [1, 2], [1, 1], [0, 1], [0, 2], [1, 1], [0, 3], [1, 1]] as const) b.add(v, w);
    const monoid = TDigest.monoid({ compression: 10 });
    expect(monoid.combine(a, b).equals(monoid.combine(b, a))).toBe(true);
    expect(monoid.combine(a, b).quantile(0.3)).toBe(monoid.combine(b, a).quantile(0.3));
  });
  it("merge commutes on random integer-weighted data (property)", () => {
    const digest = fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 1, max: 3 })), { maxLength: 40 }).map((points) => {
      const d = new TDigest({ compression: 10 });
      for (const [v, w] of points) d.add(v, w);
      return d;
    });
    fc.assert(fc.property(digest, digest, (x, y) => x.clone().merge(y).equals(y.clone().merge(x))), { numRuns: 2000 });
  });
  it("cdf and quantile stay finite when the data spans more than Number.MAX_VALUE", () => {
    const digest = new TDigest().add(-1.7e308).add(1.79e308);
    expect(digest.cdf(1.7e308)).toBeGreaterThanOrEqual(0);
    expect(digest.cdf(1.7e308)).toBeLessThanOrEqual(1);
    const many = new TDigest();
    for (let i = 0; i < 1000; i++) many.add(i % 2 ? 1.7e308 : -1.7e308);
    expect(Number.isNaN(many.cdf(1e308))).toBe(false);
    expect(Number.isFinite(many.quantile(0.5))).toBe(true);
  });
  it("rejects -0 in an image", () => {
    const bytes = new TDigest().add(0).add(1).toBytes();
    const view = new DataView(bytes.buffer);
    view.setFloat64(16, -0, true); // min
    expect(decodeErrorCode(() => TDigest.fromBytes(bytes))).toBe("invalid-field");
  });
});

describe("TDigest estimate: a quantile with the interval the centroids vouch for", () => {
  // Seeded data sets: four distributions, four input orders (alternating
  // extremes is the adversarial one: every buffer holds both tails), one
  // digest or 8 merged partitions, two compressions.
  const distributions: Record<string, (random: () => number) => number> = {
    "log-normal": (random) => Math.exp(Math.sqrt(-2 * Math.log(random() || 2 ** -32)) * Math.cos(2 * Math.PI * random())),
    uniform: (random) => random(),
    "integers 0..49 (ties)": (random) => Math.floor(random() * 50),
    bimodal: (random) => (random() < 0.5 ? 0 : 1000) + random(),
  };
  const orders: Record<string, (values: number[]) => number[]> = {
    random: (values) => values,
    ascending: (values) => [...values].sort((a, b) => a - b),
    descending: (values) => [...values].sort((a, b) => b - a),
    "alternating extremes": (values) => {
      const sorted = [...values].sort((a, b) => a - b);
      return sorted.map((_, i) => (i % 2 === 0 ? (sorted[sorted.length - 1 - (i >> 1)] as number) : (sorted[i >> 1] as number)));
    },
  };
  const N = 20_000;

  it("covers the exact quantile at 1001 ranks on every seeded data set, at least at the stated probability", () => {
    let checks = 0;
    let misses = 0;
    let worst = 0;
    let seed = 1;
    for (const [distribution, draw] of Object.entries(distributions)) {
      for (const [order, arrange] of Object.entries(orders)) {
        for (const compression of [10, 100]) {
          for (const parts of [1, 8]) {
            const random = uniform(seed++);
            const values = arrange(Array.from({ length: N }, () => draw(random)));
            const digests = Array.from({ length: parts }, () => new TDigest({ compression }));
            values.forEach((x, i) => (digests[Math.floor((i * parts) / N)] as TDigest).add(x));
            const digest = TDigest.monoid({ compression }).combineAll(digests);
            const sorted = Float64Array.from(values).sort();
            let missed = 0;
            for (let i = 0; i <= 1000; i++) {
              const q = i / 1000;
              const exact = sorted[Math.min(N, Math.max(1, Math.ceil(q * N))) - 1] as number;
              const estimate = digest.estimate(q);
              expect(estimate.lower).toBeLessThanOrEqual(estimate.estimate);
              expect(estimate.estimate).toBeLessThanOrEqual(estimate.upper);
              if (!estimate.contains(exact)) missed++;
            }
            checks += 1001;
            misses += missed;
            worst = Math.max(worst, missed / 1001);
            expect(missed / 1001, `${distribution}, ${order}, compression ${compression}, ${parts} part(s)`).toBeLessThanOrEqual(1 - 0.99);
          }
        }
      }
    }
    console.log(`TDigest.estimate coverage: ${checks - misses} of ${checks} exact quantiles inside (worst data set misses ${(worst * 100).toFixed(2)} %)`);
    expect(digestProbability()).toBe(0.99);
  });
  const digestProbability = () => new TDigest().add(1).add(2).estimate(0.5).probability;

  it("is exact at q = 0 and q = 1 and when every value is equal; the interval is [min, max] for a few centroids", () => {
    const digest = new TDigest().add(3).add(1).add(2).add(8);
    expect(digest.estimate(0)).toEqual(Approximate.exact(1));
    expect(digest.estimate(1)).toEqual(Approximate.exact(8));
    expect(new TDigest().add(5, 3).estimate(0.5)).toEqual(Approximate.exact(5));
    const middle = digest.estimate(0.5);
    expect([middle.estimate, middle.lower, middle.upper, middle.probability]).toEqual([digest.quantile(0.5), 1, 8, 0.99]);
  });
  it("narrows towards the tails, where centroids are small", () => {
    const digest = new TDigest();
    for (const x of logNormal(100_000, 7)) digest.add(x);
    const width = (q: number) => {
      const e = digest.estimate(q);
      return e.upper - e.lower;
    };
    expect(width(0.001)).toBeLessThan(width(0.5));
    expect(digest.estimate(0.5).estimate).toBe(digest.quantile(0.5));
  });
  it("refuses an empty digest and q outside [0, 1]", () => {
    expect(() => new TDigest().estimate(0.5)).toThrow(/needs at least one value/);
    for (const q of [-0.1, 1.1, Number.NaN, "0.5" as unknown as number]) expect(() => new TDigest().add(1).estimate(q)).toThrow(InvalidArgumentError);
  });
  it("rejects unknown option keys in the constructor and the monoid", () => {
    expect(() => new TDigest({ compresion: 50 } as unknown as TDigestOptions)).toThrow(/TDigest has no option "compresion"/);
    expect(() => TDigest.monoid({ delta: 50 } as unknown as TDigestOptions)).toThrow(InvalidArgumentError);
    expect(TDigest.monoid({}).empty.compression).toBe(100);
  });
});

describe("TDigest storage", () => {
  it("takes its arrays from the given storage, and answers exactly as with its own buffers", () => {
    let allocated = 0;
    const storage = {
      allocate: (byteLength: number) => {
        allocated += byteLength;
        return new Uint8Array(byteLength);
      },
    };
    const stored = new TDigest({ compression: 20 }, storage);
    const plain = new TDigest({ compression: 20 });
    for (const x of logNormal(5000, 3)) {
      stored.add(x);
      plain.add(x);
    }
    expect(stored.equals(plain)).toBe(true);
    expect(allocated).toBe(stored.sizeInBytes);
  });
});
