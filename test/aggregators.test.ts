import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type Aggregator,
  aggregate,
  aggregateAsync,
  aggregateState,
  aggregateStateAsync,
  count,
  distinctCount,
  distinctCountHashed,
  filter,
  frequency,
  frequencyHashed,
  groupBy,
  join,
  makeAggregator,
  keyedStates,
  mapInput,
  mapOutput,
  max,
  membership,
  membershipHashed,
  mergeStates,
  min,
  moments,
  presentMerged,
  quantiles,
  sum,
  topK,
  zip,
} from "../src/aggregators/index.js";
import { MonoidSum, SemigroupFirst } from "../src/algebra/index.js";
import { createEnvelope } from "../src/codec/index.js";
import { InvalidArgumentError } from "../src/errors.js";
import { HashedKey } from "../src/hashing/index.js";
import { monoidLaws } from "../src/laws/index.js";
import { BloomFilter, CountMinSketch, HyperLogLog, Moments, TDigest, TopK } from "../src/sketches/index.js";
import { registerLaws } from "./support/checks.js";
import { mulberry32 } from "./support/random.js";

const parameters = { numRuns: 40 };
const words = fc.array(fc.string({ maxLength: 6 }), { maxLength: 60 });
const smallInts = fc.array(fc.integer({ min: -1000, max: 1000 }), { maxLength: 60 });

// ---------------------------------------------------------------------------
// Law kit on the state monoids of the products and of groupBy.
// ---------------------------------------------------------------------------

// Integer fields only: every law holds exactly.
const numbers = join({ n: count(), total: sum(), lowest: min(), highest: max() });
registerLaws(
  "join({ count, sum, min, max }) states (exact on integers)",
  monoidLaws(numbers.monoid, smallInts.map((xs) => aggregateState(numbers, xs)), { parameters }),
);

// A tuple of sketch states: HLL registers, Bloom bits and CMS counters merge
// exactly (max / OR / +), so every law holds exactly with the sketches' equals.
const sketchTuple = zip(
  count(),
  mapInput(sum(), (word: string) => word.length),
  distinctCount({ precision: 8 }),
  membership({ bits: 256, hashes: 3 }),
  frequency({ width: 64, depth: 3 }),
);
type SketchTupleState = ReturnType<typeof sketchTuple.prepare>;
const tupleEquals = (a: SketchTupleState, b: SketchTupleState): boolean =>
  a[0] === b[0] && a[1] === b[1] && a[2].equals(b[2]) && a[3].equals(b[3]) && a[4].equals(b[4]);
const tupleClone = (s: SketchTupleState): SketchTupleState => [s[0], s[1], s[2].clone(), s[3].clone(), s[4].clone()];
registerLaws(
  "zip(count, sum, distinctCount, membership, frequency) states (exact)",
  monoidLaws(sketchTuple.monoid, words.map((xs) => aggregateState(sketchTuple, xs)), { parameters, equals: tupleEquals, clone: tupleClone }),
);

// groupBy keyed maps of sketches.
type Keyed = readonly [string, string];
const keyedInputs = fc.array(fc.tuple(fc.constantFrom("alice", "bob", "carol", "dave"), fc.string({ maxLength: 4 })), { maxLength: 40 });
const usersPerKey = groupBy(mapInput(distinctCount({ precision: 6 }), (e: Keyed) => e[1]), (e: Keyed) => e[0]);
type KeyedHll = ReadonlyMap<string, HyperLogLog>;
const keyedEquals = <K>(a: ReadonlyMap<K, HyperLogLog>, b: ReadonlyMap<K, HyperLogLog>): boolean =>
  a.size === b.size && [...a].every(([key, sketch]) => b.get(key)?.equals(sketch) === true);
const keyedClone = (s: KeyedHll): KeyedHll => new Map([...s].map(([key, sketch]) => [key, sketch.clone()]));
registerLaws(
  "groupBy(distinctCount) keyed states (exact)",
  monoidLaws(usersPerKey.monoid, keyedInputs.map((xs) => aggregateState(usersPerKey, xs)), { parameters, equals: keyedEquals, clone: keyedClone }),
);
const countsPerKey = groupBy(count(), (e: Keyed) => e[0]);
registerLaws(
  "groupBy(count) keyed states (exact)",
  monoidLaws(countsPerKey.monoid, keyedInputs.map((xs) => aggregateState(countsPerKey, xs)), { parameters }),
);

// ---------------------------------------------------------------------------
// append(state, x) equals combine(state, prepare(x)), per built-in.
// ---------------------------------------------------------------------------

interface AppendCase<In, State> {
  readonly name: string;
  readonly aggregator: Aggregator<In, State, unknown>;
  readonly inputs: fc.Arbitrary<In>;
  readonly equals: (a: State, b: State) => boolean;
  readonly clone: (state: State) => State;
}
function appendCase<In, State>(c: AppendCase<In, State>): AppendCase<unknown, unknown> {
  return c as unknown as AppendCase<unknown, unknown>;
}
const same = (a: unknown, b: unknown): boolean => Object.is(a, b) || a === b;
const identity = <S>(s: S): S => s;
const hashed = fc.string({ maxLength: 6 }).map((word) => HashedKey.of(word));
const sketchEq = <S extends { equals(other: S): boolean }>(a: S, b: S): boolean => a.equals(b);
const sketchClone = <S extends { clone(): S }>(s: S): S => s.clone();
const items = fc.oneof(fc.string({ maxLength: 6 }), fc.integer(), fc.bigInt());
const doubles = fc.double({ min: -1e6, max: 1e6, noNaN: true });

const appendCases: AppendCase<unknown, unknown>[] = [
  appendCase({ name: "count", aggregator: count(), inputs: fc.anything(), equals: same, clone: identity }),
  appendCase({ name: "sum", aggregator: sum(), inputs: fc.integer({ min: -1e6, max: 1e6 }), equals: same, clone: identity }),
  appendCase({
    name: "sum({ compensated: true })",
    aggregator: sum({ compensated: true }),
    inputs: doubles,
    equals: (a, b) => same(a.sum, b.sum) && same(a.compensation, b.compensation),
    clone: (s) => ({ ...s }),
  }),
  appendCase({ name: "min", aggregator: min(), inputs: doubles, equals: same, clone: identity }),
  appendCase({ name: "max", aggregator: max(), inputs: doubles, equals: same, clone: identity }),
  // Moments.add and merging a one-value Moments round differently: equal up to
  // 1e-9 relative (on values of moderate magnitude: near 0 a relative tolerance means nothing).
  appendCase({
    name: "moments (approximately)",
    aggregator: moments(),
    inputs: fc.integer({ min: -1e6, max: 1e6 }).map((x) => x / 8),
    equals: (a: Moments, b: Moments) => a.totalWeight === b.totalWeight && a.approximatelyEquals(b, 1e-9),
    clone: sketchClone,
  }),
  appendCase({ name: "distinctCount", aggregator: distinctCount({ precision: 10 }), inputs: items, equals: sketchEq, clone: sketchClone }),
  appendCase({ name: "distinctCountHashed", aggregator: distinctCountHashed({ precision: 10 }), inputs: hashed, equals: sketchEq, clone: sketchClone }),
  appendCase({ name: "membership", aggregator: membership({ capacity: 100, falsePositiveRate: 0.01 }), inputs: items, equals: sketchEq, clone: sketchClone }),
  appendCase({ name: "membershipHashed", aggregator: membershipHashed({ bits: 512, hashes: 4 }), inputs: hashed, equals: sketchEq, clone: sketchClone }),
  appendCase({ name: "frequency", aggregator: frequency({ epsilon: 0.05, delta: 0.05 }), inputs: items, equals: sketchEq, clone: sketchClone }),
  appendCase({ name: "frequencyHashed", aggregator: frequencyHashed({ width: 64, depth: 3 }), inputs: hashed, equals: sketchEq, clone: sketchClone }),
  // Within capacity (at most 8 distinct items, 16 counters) Space-Saving is exact, so add = merge exactly.
  appendCase({
    name: "topK (within capacity)",
    aggregator: topK({ capacity: 16, n: 3 }),
    inputs: fc.constantFrom("a", "b", "c", "d", "e", "f", "g", "h"),
    equals: sketchEq,
    clone: sketchClone,
  }),
  // t-digest merging is not bit-identical to adding: compare what it answers.
  appendCase({
    name: "quantiles (answers)",
    aggregator: quantiles({ compression: 50 }),
    inputs: doubles,
    equals: (a: TDigest, b: TDigest) =>
      a.totalWeight === b.totalWeight && a.min === b.min && a.max === b.max && Math.abs(a.quantile(0.5) - b.quantile(0.5)) <= 1e-9 * (1 + Math.abs(a.max - a.min)),
    clone: sketchClone,
  }),
  appendCase({
    name: "groupBy(join(count, sum))",
    aggregator: groupBy(join({ n: count(), total: sum() }), (x: number) => Math.abs(x) % 3),
    inputs: fc.integer({ min: -100, max: 100 }),
    equals: (a, b) => JSON.stringify([...a]) === JSON.stringify([...b]),
    clone: (s) => new Map([...s].map(([k, v]) => [k, { ...v }])),
  }),
  appendCase({
    name: "filter(zip(count, max))",
    aggregator: filter(zip(count(), max()), (x: number) => x % 2 === 0),
    inputs: fc.integer({ min: -100, max: 100 }),
    equals: (a, b) => a[0] === b[0] && a[1] === b[1],
    clone: (s) => [s[0], s[1]] as const,
  }),
];

describe("append(state, x) equals semigroup.combine(state, prepare(x))", () => {
  for (const c of appendCases) {
    it(c.name, () => {
      fc.assert(
        fc.property(fc.array(c.inputs, { minLength: 1, maxLength: 40 }), c.inputs, (xs, x) => {
          const state = aggregateState(c.aggregator, xs) as unknown;
          const expected = c.aggregator.semigroup.combine(state, c.aggregator.prepare(x));
          const appended = c.aggregator.append(c.clone(state), x);
          expect(c.equals(appended, expected)).toBe(true);
        }),
        { numRuns: 60 },
      );
    });
  }
});

// ---------------------------------------------------------------------------
// Runners: arrays, iterables and async iterables agree.
// ---------------------------------------------------------------------------

type Event = { readonly user: string; readonly ok: boolean; readonly bytes: number };
const events = fc.array(
  fc.record({ user: fc.constantFrom("alice", "bob", "carol", "dave", "eve"), ok: fc.boolean(), bytes: fc.integer({ min: 0, max: 10_000 }) }),
  { maxLength: 80 },
);

const dashboard = join({
  events: count(),
  bytes: mapInput(sum(), (e: Event) => e.bytes),
  users: mapInput(distinctCount({ precision: 10 }), (e: Event) => e.user),
  seen: mapInput(membership({ bits: 1024, hashes: 4 }), (e: Event) => e.user),
  perUser: mapInput(frequency({ width: 128, depth: 4 }), (e: Event) => e.user),
  failuresPerUser: filter(groupBy(count(), (e: Event) => e.user), (e: Event) => !e.ok),
});
type DashboardState = ReturnType<typeof dashboard.prepare>;
const dashboardEquals = (a: DashboardState, b: DashboardState): boolean =>
  a.events === b.events &&
  a.bytes === b.bytes &&
  a.users.equals(b.users) &&
  a.seen.equals(b.seen) &&
  a.perUser.equals(b.perUser) &&
  JSON.stringify([...a.failuresPerUser].sort()) === JSON.stringify([...b.failuresPerUser].sort());

function* generate<T>(values: readonly T[]): Generator<T> {
  yield* values;
}
async function* stream<T>(values: readonly T[]): AsyncGenerator<T> {
  for (const value of values) {
    await Promise.resolve();
    yield value;
  }
}

describe("runners", () => {
  it("aggregate over arrays, iterables and async iterables gives the same state and answer", async () => {
    await fc.assert(
      fc.asyncProperty(events, async (xs) => {
        const fromArray = aggregateState(dashboard, xs);
        expect(dashboardEquals(aggregateState(dashboard, generate(xs)), fromArray)).toBe(true);
        expect(dashboardEquals(await aggregateStateAsync(dashboard, stream(xs)), fromArray)).toBe(true);
        expect(dashboardEquals(await aggregateStateAsync(dashboard, xs), fromArray)).toBe(true);
        const answer = aggregate(dashboard, xs);
        const streamed = await aggregateAsync(dashboard, stream(xs));
        expect(streamed.events).toBe(answer.events);
        expect(streamed.bytes).toBe(answer.bytes);
        expect(streamed.users.estimate).toBe(answer.users.estimate);
        expect(streamed.failuresPerUser).toEqual(answer.failuresPerUser);
      }),
      { numRuns: 30 },
    );
  });

  it("a plain semigroup aggregator over nothing gives undefined; a monoid one gives present(empty)", async () => {
    const heavy = makeAggregator({ prepare: (item: string) => item, semigroup: SemigroupFirst<string>(), present: (item) => item });
    expect(aggregate(heavy, [])).toBeUndefined();
    expect(aggregateState(heavy, generate([]))).toBeUndefined();
    expect(await aggregateAsync(heavy, stream([]))).toBeUndefined();
    expect(mergeStates(heavy, [])).toBeUndefined();
    expect(presentMerged(heavy, [])).toBeUndefined();
    expect(aggregate(zip(count(), heavy), [])).toBeUndefined();
    expect("monoid" in zip(count(), heavy)).toBe(false);
    expect(aggregate(join({ n: count(), m: max() }), [])).toEqual({ n: 0, m: -Infinity });
    expect(await aggregateAsync(sum(), stream([]))).toBe(0);
    expect(aggregate(heavy, ["x", "y", "x"])).toBe("x");
    expect(aggregate(topK({ capacity: 4, n: 2 }), [])).toEqual([]); // TopK's empty summary is the identity
  });

  it("mapOutput changes only the answer", () => {
    const rounded = mapOutput(distinctCount(), (e) => Math.round(e.estimate));
    expect("monoid" in rounded).toBe(true);
    expect(aggregate(rounded, ["a", "b", "a"])).toBe(2);
    const top1 = mapOutput(topK({ capacity: 3, n: 1 }), (entries) => entries[0]?.item);
    expect(aggregate(top1, ["a", "b", "b"])).toBe("b");
    expect("monoid" in top1).toBe(true);
  });
});

// ---------------------------------------------------------------------------
// Splitting across workers: merged partial states equal the one-worker state.
// ---------------------------------------------------------------------------

const envelope = createEnvelope({ codecs: [HyperLogLog.codec, BloomFilter.codec, CountMinSketch.codec, Moments.codec, TDigest.codec, TopK.codec] });

/** Splits `xs` into `workers` shares: contiguous runs or round-robin, by `mode`. */
function split<T>(xs: readonly T[], workers: number, roundRobin: boolean): T[][] {
  const shares: T[][] = Array.from({ length: workers }, () => []);
  xs.forEach((x, i) => (shares[roundRobin ? i % workers : Math.floor((i * workers) / Math.max(1, xs.length))] as T[]).push(x));
  return shares;
}

describe("workers", () => {
  it("splitting a stream across N workers and merging their states gives the one-worker state exactly (through envelopes)", () => {
    fc.assert(
      fc.property(events, fc.integer({ min: 1, max: 6 }), fc.boolean(), (xs, workers, roundRobin) => {
        const whole = aggregateState(dashboard, xs);
        // Each worker aggregates its share and ships the state as bytes.
        const shipped = split(xs, workers, roundRobin).map((share) => envelope.encode(aggregateState(dashboard, share)));
        const received = shipped.map((bytes) => envelope.decode(bytes) as DashboardState);
        const merged = mergeStates(dashboard, received);
        expect(dashboardEquals(merged, whole)).toBe(true);
        // The bulk path equals the pairwise fold, and merging did not touch the inputs.
        const folded = received.reduce((acc, s) => dashboard.monoid.combine(acc, s), dashboard.monoid.empty);
        expect(dashboardEquals(folded, whole)).toBe(true);
        const again = shipped.map((bytes) => envelope.decode(bytes) as DashboardState);
        received.forEach((state, i) => expect(dashboardEquals(state, again[i] as DashboardState)).toBe(true));
      }),
      { numRuns: 40 },
    );
  });

  it("states of every built-in survive an envelope round trip", () => {
    const random = mulberry32(7);
    const values = Array.from({ length: 2000 }, () => random() % 1000);
    const all = join({
      n: count(),
      total: sum(),
      exact: sum({ compensated: true }),
      low: min(),
      high: max(),
      stats: moments(),
      distinct: distinctCount(),
      seen: membership({ capacity: 1000, falsePositiveRate: 0.01 }),
      freq: frequency({ epsilon: 0.01, delta: 0.01 }),
      digest: quantiles(),
      perBucket: groupBy(distinctCount({ precision: 8 }), (x: number) => x % 4),
    });
    const state = aggregateState(all, values);
    const copy = envelope.decode(envelope.encode(state)) as typeof state;
    expect([copy.n, copy.total, copy.exact, copy.low, copy.high]).toEqual([state.n, state.total, state.exact, state.low, state.high]);
    expect(copy.stats.equals(state.stats)).toBe(true);
    expect(copy.distinct.equals(state.distinct)).toBe(true);
    expect(copy.seen.equals(state.seen)).toBe(true);
    expect(copy.freq.equals(state.freq)).toBe(true);
    expect(copy.digest.equals(state.digest)).toBe(true);
    expect(keyedEquals(copy.perBucket, state.perBucket)).toBe(true);
    // A worker can keep appending into a decoded state.
    const more = all.append(copy, 5000);
    expect(more.n).toBe(2001);
    expect(more.high).toBe(5000);
  });

  it("merged TopK and t-digest states satisfy their guarantees", () => {
    const random = mulberry32(11);
    const xs = Array.from({ length: 3000 }, () => `ip-${Math.floor(Math.sqrt(random() % 10000))}`);
    const heavy = topK({ capacity: 32, n: 5 });
    const states = split(xs, 4, true).map((share) => aggregateState(heavy, share) as TopK);
    const merged = mergeStates(heavy, states.map((s) => envelope.decode(envelope.encode(s)) as TopK)) as TopK;
    const exact = new Map<string, number>();
    for (const x of xs) exact.set(x, (exact.get(x) ?? 0) + 1);
    expect(merged.totalWeight).toBe(xs.length);
    for (const entry of merged.top(5)) {
      const truth = exact.get(entry.item as string) ?? 0;
      expect(truth).toBeLessThanOrEqual(entry.count);
      expect(truth).toBeGreaterThanOrEqual(entry.count - entry.error);
    }
    const digest = quantiles();
    const numbers = Array.from({ length: 5000 }, () => random() / 2 ** 32);
    const whole = aggregate(digest, numbers);
    const parts = presentMerged(digest, split(numbers, 5, false).map((share) => aggregateState(digest, share)));
    expect(parts.totalWeight).toBe(whole.totalWeight);
    expect(Math.abs(parts.quantile(0.9) - whole.quantile(0.9))).toBeLessThan(0.01);
  });
});

// ---------------------------------------------------------------------------
// filter and groupBy against exact oracles.
// ---------------------------------------------------------------------------

describe("filter and groupBy", () => {
  it("filter(groupBy(join(count, sum))) equals an exact per-user oracle of failures", () => {
    const failures = filter(
      groupBy(join({ n: count(), bytes: mapInput(sum(), (e: Event) => e.bytes) }), (e: Event) => e.user),
      (e: Event) => !e.ok,
    );
    fc.assert(
      fc.property(events, (xs) => {
        const oracle = new Map<string, { n: number; bytes: number }>();
        for (const e of xs) {
          if (e.ok) continue;
          const row = oracle.get(e.user) ?? { n: 0, bytes: 0 };
          oracle.set(e.user, { n: row.n + 1, bytes: row.bytes + e.bytes });
        }
        expect(aggregate(failures, xs)).toEqual(oracle);
        expect(presentMerged(failures, xs.map((e) => failures.prepare(e)))).toEqual(oracle);
      }),
      { numRuns: 60 },
    );
  });

  it("groupBy(filter(...)) keeps a key whose inputs were all filtered out, with the empty answer", () => {
    const perUser = groupBy(filter(count(), (e: Event) => !e.ok), (e: Event) => e.user);
    fc.assert(
      fc.property(events, (xs) => {
        const oracle = new Map<string, number>();
        for (const e of xs) oracle.set(e.user, (oracle.get(e.user) ?? 0) + (e.ok ? 0 : 1));
        expect(aggregate(perUser, xs)).toEqual(oracle);
      }),
      { numRuns: 60 },
    );
  });

  it("groupBy(topK) keeps one TopK per key and is a monoid aggregator", () => {
    const perHost = groupBy(mapInput(topK({ capacity: 8, n: 1 }), (e: readonly [string, string]) => e[1]), (e) => e[0]);
    const answer = aggregate(perHost, [
      ["h1", "x"],
      ["h2", "y"],
      ["h1", "x"],
      ["h1", "z"],
    ] as const);
    expect([...answer].map(([host, top]) => [host, top[0]?.item, top[0]?.count])).toEqual([
      ["h1", "x", 2],
      ["h2", "y", 1],
    ]);
    expect(aggregate(perHost, [])).toEqual(new Map());
  });

  it("a merged keyed state never shares per-key sketches with its inputs", () => {
    const users = groupBy(mapInput(distinctCount({ precision: 8 }), (e: Keyed) => e[1]), (e: Keyed) => e[0]);
    const a = aggregateState(users, [["alice", "x"]]);
    const b = aggregateState(users, [["bob", "y"]]);
    const before = keyedClone(a);
    const merged = mergeStates(users, [a, b]);
    users.append(merged, ["alice", "z"]);
    users.append(users.monoid.combine(a, users.monoid.empty), ["alice", "w"]);
    expect(keyedEquals(a, before)).toBe(true);
    expect(merged.get("alice")?.equals(before.get("alice") as HyperLogLog)).toBe(false);
  });

  it("keyedStates merges like mapMerge", () => {
    const m = keyedStates<string, number>(MonoidSum);
    expect(m.combine(new Map([["a", 1]]), new Map([["b", 2], ["a", 3]]))).toEqual(new Map([["a", 4], ["b", 2]]));
    expect(m.commutative).toBe(true);
  });
});

// ---------------------------------------------------------------------------
// Hash once, feed many.
// ---------------------------------------------------------------------------

describe("hashed path", () => {
  it("join of hashed aggregators fed one reused HashedKey equals the unhashed aggregators", () => {
    const key = new HashedKey();
    const hashedDashboard = mapInput(
      join({
        users: distinctCountHashed({ precision: 12 }),
        seen: membershipHashed({ capacity: 500, falsePositiveRate: 0.01 }),
        perUser: frequencyHashed({ epsilon: 0.01, delta: 0.01 }),
      }),
      (e: { user: string | number }) => key.set(e.user),
    );
    const plainDashboard = mapInput(
      join({
        users: distinctCount({ precision: 12 }),
        seen: membership({ capacity: 500, falsePositiveRate: 0.01 }),
        perUser: frequency({ epsilon: 0.01, delta: 0.01 }),
      }),
      (e: { user: string | number }) => e.user,
    );
    fc.assert(
      fc.property(fc.array(fc.record({ user: fc.oneof(fc.string({ maxLength: 8 }), fc.integer()) }), { maxLength: 200 }), (xs) => {
        const a = aggregateState(hashedDashboard, xs);
        const b = aggregateState(plainDashboard, xs);
        expect(a.users.equals(b.users) && a.seen.equals(b.seen) && a.perUser.equals(b.perUser)).toBe(true);
        // prepare path too (one input per state, merged)
        const c = mergeStates(hashedDashboard, xs.map((x) => hashedDashboard.prepare(x)));
        expect(c.users.equals(b.users) && c.seen.equals(b.seen) && c.perUser.equals(b.perUser)).toBe(true);
      }),
      { numRuns: 30 },
    );
  });
});

describe("validation", () => {
  it("rejects bad options with InvalidArgumentError", () => {
    expect(() => frequency({ epsilon: 0.01, delta: 0.01, conservative: true })).toThrow(InvalidArgumentError);
    expect(() => frequencyHashed({ width: 10, depth: 2, conservative: true })).toThrow(InvalidArgumentError);
    expect(() => topK({ capacity: 4, n: 5 })).toThrow(InvalidArgumentError);
    expect(() => topK({ capacity: 4, n: 0 })).toThrow(InvalidArgumentError);
    expect(() => topK({ capacity: 0, n: 1 })).toThrow(InvalidArgumentError);
    expect(() => distinctCount({ precision: 3 })).toThrow(InvalidArgumentError);
    expect(() => distinctCount({ confidence: 1 })).toThrow(InvalidArgumentError);
    expect(() => membership({ capacity: 0, falsePositiveRate: 0.1 })).toThrow(InvalidArgumentError);
    expect(() => quantiles({ compression: 1 })).toThrow(InvalidArgumentError);
  });

  it("rejects misspelt option keys, naming the key", () => {
    // What a JavaScript caller (or a config file) passes; TypeScript already refuses these.
    const misspelt = (options: Record<string, unknown>): never => options as never;
    expect(() => topK(misspelt({ capacity: 4, n: 2, cap: 8 }))).toThrow(/topK has no option "cap"/);
    expect(() => distinctCount(misspelt({ precison: 12 }))).toThrow(/no option "precison"/);
    expect(() => quantiles(misspelt({ compresion: 100 }))).toThrow(/no option "compresion"/);
    expect(() => membership(misspelt({ capacity: 10, falsePositiveRate: 0.1, seeds: 1 }))).toThrow(/no option "seeds"/);
    expect(() => frequency(misspelt({ width: 10, depth: 2, conservatve: false }))).toThrow(/no option "conservatve"/);
  });
});
