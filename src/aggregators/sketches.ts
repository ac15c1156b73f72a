import type { SketchStorage } from "../sketches/sketch.js";
import type { Approximate } from "../algebra/approximate.js";
import { InvalidArgumentError } from "../errors.js";
import { checkOptionKeys } from "../sketches/sketch.js";
import type { Hashable } from "../hashing/hashed-key.js";
import type { Hash64Out } from "../hashing/murmur64a.js";
import { BloomFilter, type BloomFilterOptions } from "../sketches/bloom-filter.js";
import { CountMinSketch, type CountMinSketchOptions } from "../sketches/count-min-sketch.js";
import { HyperLogLog, type HyperLogLogOptions } from "../sketches/hyperloglog.js";
import { TDigest, type TDigestOptions } from "../sketches/t-digest.js";
import { TopK, type TopKEntry, type TopKItem } from "../sketches/top-k.js";
import type { MonoidAggregator } from "./aggregator.js";
import { makeMonoidAggregator } from "./make.js";

/**
 * Options of {@link distinctCount}: the HyperLogLog's `precision` (default
 * 14, ±0.81 %) and `seed`, and the `confidence` of the answer's interval
 * (default 0.95).
 *
 * @example
 * ```ts
 * import { type DistinctCountOptions, distinctCount, aggregate } from "papertrail/aggregators";
 * const options: DistinctCountOptions = { precision: 12, confidence: 0.99 };
 * aggregate(distinctCount(options), ["a", "b"]).probability; // => 0.99
 * ```
 */
export interface DistinctCountOptions extends HyperLogLogOptions {
  /** Probability that the answer's interval holds the true count; default 0.95. */
  readonly confidence?: number;
}

function hllParts(options: DistinctCountOptions) {
  const { confidence = 0.95, ...sketchOptions } = options;
  const template = new HyperLogLog(sketchOptions); // validates precision and seed, and rejects unknown keys
  const { precision, seed } = template;
  if (typeof confidence !== "number" || !(confidence > 0 && confidence < 1)) {
    throw new InvalidArgumentError(`distinctCount confidence must be a number in (0, 1), got ${String(confidence)}`);
  }
  return {
    fresh: (storage?: SketchStorage) => new HyperLogLog({ precision, seed }, storage),
    monoid: HyperLogLog.monoid({ precision, seed }),
    present: (state: HyperLogLog): Approximate => state.estimate(confidence),
  };
}

/**
 * Distinct count with a HyperLogLog ("how many distinct users touched
 * prod_db?"). State: a `HyperLogLog` (merging is the register-wise max, so
 * splitting a stream across workers and merging gives exactly the
 * one-worker registers). Answer: `estimate(confidence)`, an `Approximate`
 * (unrounded estimate with its interval; `Math.round(answer.estimate)` or
 * the state's `cardinality()` for Redis's integer). `append` calls `add` (no
 * allocation).
 *
 * @example
 * ```ts
 * import { distinctCount, aggregate } from "papertrail/aggregators";
 * const users = aggregate(distinctCount(), ["alice", "bob", "alice", "carol"]);
 * [Math.round(users.estimate), users.contains(3)]; // => [3, true]
 * ```
 */
export function distinctCount(options: DistinctCountOptions = {}): MonoidAggregator<Hashable, HyperLogLog, Approximate> {
  const { fresh, monoid, present } = hllParts(options);
  return makeMonoidAggregator<Hashable, HyperLogLog, Approximate>({
    prepare: (item, storage) => fresh(storage).add(item),
    monoid,
    present,
    append: (state, item) => state.add(item),
  });
}

/**
 * {@link distinctCount} fed with pre-hashed keys ("hash once, feed many"):
 * the input is a `Hash64Out` (a `HashedKey` from `papertrail/hashing`) and
 * `append` calls `addHashed`. The state equals that of `distinctCount` on
 * the same items, provided the keys were hashed with the sketch's seed (the
 * default seed of `HashedKey.set` and of every sketch).
 *
 * Neither `prepare` nor `append` keeps a reference to the key, so one
 * `HashedKey` can be reused for every event: with {@link join} and
 * {@link mapInput}, each event's key is hashed once, allocation-free, and
 * feeds every sketch. (Feed keys as they are hashed, as below: an array of
 * keys built with one reused `HashedKey` would hold the last hash only.)
 *
 * @example
 * ```ts
 * import { join, mapInput, distinctCountHashed, membershipHashed, frequencyHashed, aggregate } from "papertrail/aggregators";
 * import { HashedKey } from "papertrail/hashing";
 * type Event = { user: string };
 * const key = new HashedKey();
 * const dashboard = mapInput(
 *   join({
 *     users: distinctCountHashed(),
 *     seen: membershipHashed({ capacity: 1000, falsePositiveRate: 0.01 }),
 *     perUser: frequencyHashed({ epsilon: 0.01, delta: 0.01 }),
 *   }),
 *   (event: Event) => key.set(event.user),
 * );
 * const result = aggregate(dashboard, [{ user: "alice" }, { user: "bob" }, { user: "alice" }]);
 * [Math.round(result.users.estimate), result.seen.has("bob"), result.perUser.frequency("alice")]; // => [2, true, 2]
 * ```
 */
export function distinctCountHashed(options: DistinctCountOptions = {}): MonoidAggregator<Hash64Out, HyperLogLog, Approximate> {
  const { fresh, monoid, present } = hllParts(options);
  return makeMonoidAggregator<Hash64Out, HyperLogLog, Approximate>({
    prepare: (key, storage) => fresh(storage).addHashed(key),
    monoid,
    present,
    append: (state, key) => state.addHashed(key),
  });
}

function bloomParts(options: BloomFilterOptions) {
  const template = new BloomFilter(options); // validates
  const shape = { bits: template.bits, hashes: template.hashes, seed: template.seed };
  return { fresh: (storage?: SketchStorage) => new BloomFilter(shape, storage), monoid: BloomFilter.monoid(shape) };
}

const presentSelf = <S>(state: S): S => state;

/**
 * Set membership with a Bloom filter ("has this device been seen
 * before?"), sized by `{ capacity, falsePositiveRate }` or by
 * `{ bits, hashes }`. State: a `BloomFilter` (merging ORs the bits: exactly
 * the one-worker filter). The answer is the filter itself, not a copy, for
 * everything a user asks of it: `has(item)`, `hasHashed(key)`,
 * `estimate()` (distinct items, with bounds), `estimatedFalsePositiveRate()`. Query it, and
 * `clone()` it before adding to it. `append` calls `add` (no allocation).
 *
 * @example
 * ```ts
 * import { membership, aggregate } from "papertrail/aggregators";
 * const devices = aggregate(membership({ capacity: 1000, falsePositiveRate: 0.01 }), ["dev-1", "dev-2"]);
 * [devices.has("dev-1"), devices.has("dev-9")]; // => [true, false]
 * ```
 */
export function membership(options: BloomFilterOptions): MonoidAggregator<Hashable, BloomFilter, BloomFilter> {
  const { fresh, monoid } = bloomParts(options);
  return makeMonoidAggregator<Hashable, BloomFilter, BloomFilter>({
    prepare: (item, storage) => fresh(storage).add(item),
    monoid,
    present: presentSelf,
    append: (state, item) => state.add(item),
  });
}

/**
 * {@link membership} fed with pre-hashed keys: the input is a `Hash64Out`
 * (a reused `HashedKey`, never retained) and `append` calls `addHashed`.
 * Equals `membership` on the same items hashed with the filter's seed.
 *
 * @example
 * ```ts
 * import { membershipHashed, mapInput, aggregate } from "papertrail/aggregators";
 * import { HashedKey } from "papertrail/hashing";
 * const key = new HashedKey();
 * const seenIps = mapInput(membershipHashed({ bits: 1024, hashes: 5 }), (ip: string) => key.set(ip));
 * const seen = aggregate(seenIps, ["10.0.0.1", "10.0.0.2"]);
 * [seen.has("10.0.0.1"), seen.has("10.0.0.2"), seen.hasHashed(key.set("10.0.0.3"))]; // => [true, true, false]
 * ```
 */
export function membershipHashed(options: BloomFilterOptions): MonoidAggregator<Hash64Out, BloomFilter, BloomFilter> {
  const { fresh, monoid } = bloomParts(options);
  return makeMonoidAggregator<Hash64Out, BloomFilter, BloomFilter>({
    prepare: (key, storage) => fresh(storage).addHashed(key),
    monoid,
    present: presentSelf,
    append: (state, key) => state.addHashed(key),
  });
}

function cmsParts(options: CountMinSketchOptions, name: string) {
  const template = new CountMinSketch(options); // validates
  if (template.conservative) {
    // Conservative update is not additive: appending would differ from
    // combining the state with a prepared one-item sketch, and merged
    // worker states would differ from the one-worker state.
    throw new InvalidArgumentError(`${name} needs additive updates; conservative: true is not supported by the aggregator`);
  }
  const shape = { width: template.width, depth: template.depth, seed: template.seed };
  return { fresh: (storage?: SketchStorage) => new CountMinSketch(shape, storage), monoid: CountMinSketch.monoid(shape) };
}

/**
 * Item frequencies with a Count-Min sketch ("how many failed logins per
 * user?"), sized by `{ epsilon, delta }` or `{ width, depth }`. Each input
 * counts once. State: a `CountMinSketch` (merging adds counters: exactly the
 * one-worker sketch). The answer is the sketch itself, not a copy: query it
 * with `frequency(item)` or `estimate(item)`, and `clone()` it before adding to
 * it. `append` calls `add` (no allocation). `conservative: true` is
 * rejected with `InvalidArgumentError` (conservative update does not merge
 * additively).
 *
 * @example
 * ```ts
 * import { frequency, aggregate } from "papertrail/aggregators";
 * const failures = aggregate(frequency({ epsilon: 0.001, delta: 0.01 }), ["alice", "bob", "alice"]);
 * [failures.frequency("alice"), failures.frequency("bob"), failures.totalWeight]; // => [2, 1, 3]
 * ```
 */
export function frequency(options: CountMinSketchOptions): MonoidAggregator<Hashable, CountMinSketch, CountMinSketch> {
  const { fresh, monoid } = cmsParts(options, "frequency");
  return makeMonoidAggregator<Hashable, CountMinSketch, CountMinSketch>({
    prepare: (item, storage) => fresh(storage).add(item),
    monoid,
    present: presentSelf,
    append: (state, item) => state.add(item),
  });
}

/**
 * {@link frequency} fed with pre-hashed keys: the input is a `Hash64Out`
 * (a reused `HashedKey`, never retained) and `append` calls `addHashed`.
 * Equals `frequency` on the same items hashed with the sketch's seed.
 *
 * @example
 * ```ts
 * import { frequencyHashed, mapInput, aggregate } from "papertrail/aggregators";
 * import { HashedKey } from "papertrail/hashing";
 * const key = new HashedKey();
 * const perIp = aggregate(mapInput(frequencyHashed({ width: 512, depth: 4 }), (ip: string) => key.set(ip)), ["a", "b", "a"]);
 * [perIp.frequency("a"), perIp.frequencyHashed(key.set("b"))]; // => [2, 1]
 * ```
 */
export function frequencyHashed(options: CountMinSketchOptions): MonoidAggregator<Hash64Out, CountMinSketch, CountMinSketch> {
  const { fresh, monoid } = cmsParts(options, "frequencyHashed");
  return makeMonoidAggregator<Hash64Out, CountMinSketch, CountMinSketch>({
    prepare: (key, storage) => fresh(storage).addHashed(key),
    monoid,
    present: presentSelf,
    append: (state, key) => state.addHashed(key),
  });
}

/**
 * Options of {@link topK}: `capacity` counters (every kept count
 * overestimates by at most `total / capacity`) and the `n` heaviest items
 * to report, `1 <= n <= capacity`.
 *
 * @example
 * ```ts
 * import { type TopKAggregatorOptions, topK, aggregate } from "papertrail/aggregators";
 * const options: TopKAggregatorOptions = { capacity: 100, n: 1 };
 * aggregate(topK(options), ["x", "y", "x"])?.[0].item; // => "x"
 * ```
 */
export interface TopKAggregatorOptions {
  readonly capacity: number;
  readonly n: number;
}

/**
 * Heavy hitters with Space-Saving ("which IPs fail most?"). State: a
 * `TopK` of `capacity` counters, merged by `TopK.monoid` (the empty
 * summary is an exact identity, so this is a {@link MonoidAggregator}:
 * `filter`, `groupBy` and windows take it, and aggregating no inputs gives
 * `[]`). Merged worker states satisfy every Space-Saving bound of the whole
 * stream; they are identical to the one-worker state while at most
 * `capacity` distinct items were seen (associativity holds up to
 * truncation). Answer: `top(n)`, a fresh array of
 * `{ item, count, error, guaranteed }`. `append` calls `add` (no allocation
 * for a string, nor for a tracked number or bigint).
 *
 * @example
 * ```ts
 * import { topK, aggregate } from "papertrail/aggregators";
 * const ips = ["10.0.0.7", "10.0.0.9", "10.0.0.7", "10.0.0.1", "10.0.0.7", "10.0.0.9"];
 * aggregate(topK({ capacity: 10, n: 2 }), ips).map((e) => [e.item, e.count]); // => [["10.0.0.7", 3], ["10.0.0.9", 2]]
 * aggregate(topK({ capacity: 10, n: 2 }), []); // => []
 * ```
 */
export function topK(options: TopKAggregatorOptions): MonoidAggregator<TopKItem, TopK, TopKEntry[]> {
  if (typeof options !== "object" || options === null) {
    throw new InvalidArgumentError(`topK needs { capacity, n }, got ${String(options)}`);
  }
  checkOptionKeys("topK", options, ["capacity", "n"]);
  const capacity = new TopK({ capacity: options.capacity }).capacity; // validates
  const n = options.n;
  if (typeof n !== "number" || !Number.isInteger(n) || n < 1 || n > capacity) {
    throw new InvalidArgumentError(`topK n must be an integer from 1 to capacity (${capacity}), got ${String(n)}`);
  }
  return makeMonoidAggregator<TopKItem, TopK, TopKEntry[]>({
    prepare: (item, storage) => new TopK({ capacity }, storage).add(item),
    monoid: TopK.monoid({ capacity }),
    present: (state) => state.top(n),
    append: (state, item) => state.add(item),
  });
}

/**
 * Quantiles with a merging t-digest ("what is the p99 latency?"). State: a
 * `TDigest` of the given `compression` (default 100). The answer is the
 * digest itself, not a copy: query `quantile(q)`, `estimate(q)`, `cdf(x)`,
 * `min`, `max`, `totalWeight`, and `clone()` it before adding to it. `append` calls `add` (no
 * allocation). Digest merging is exactly commutative but only approximately
 * associative, so merged worker states answer like, but are not
 * bit-identical to, the one-worker state.
 *
 * @example
 * ```ts
 * import { quantiles, aggregate } from "papertrail/aggregators";
 * const latency = aggregate(quantiles(), Array.from({ length: 1000 }, (_, i) => i + 1));
 * [latency.quantile(0.5), latency.max]; // => [500.5, 1000]
 * ```
 */
export function quantiles(options: TDigestOptions = {}): MonoidAggregator<number, TDigest, TDigest> {
  const compression = new TDigest(options).compression; // validates
  return makeMonoidAggregator<number, TDigest, TDigest>({
    prepare: (x, storage) => new TDigest({ compression }, storage).add(x),
    monoid: TDigest.monoid({ compression }),
    present: presentSelf,
    append: (state, x) => state.add(x),
  });
}
