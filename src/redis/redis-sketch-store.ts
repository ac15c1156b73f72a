/**
 * Sketches kept in Redis per (metric, system, granularity, bucket), merged
 * on write without lost updates, and checkpoints that write sketch deltas
 * together with the consumer offsets they reflect. Guide: docs/redis.md.
 *
 * @module
 */
import type { RedisArgument } from "redis";
import { DecodeError, InvalidArgumentError } from "../errors.js";
import { checkOptionKeys } from "../sketches/sketch.js";
import { type Offset, type OffsetRange, type ParsedOffset, compareOffsets, parseOffset } from "./consumer-offsets.js";
import {
  type RedisConnection,
  type RedisStoreClient,
  type RedisTransaction,
  clientKind,
  connectionFor,
  exclusive,
  execErrorMessages,
  isWatchError,
  sendBinary,
  sendKeyCommand,
} from "./redis-connection.js";
import { REDIS_SPARSE_MAX_BYTES } from "../sketches/hyperloglog-redis.js";
import { ContentionError, OffsetOverlapError } from "./redis-store-errors.js";
import { DEFAULT_GRANULARITIES, type Granularity, type SketchAddress, checkGranularity, checkName, escapeKeyPart, systemScope } from "./sketch-key.js";
import {
  BLOOM_HEADER_BYTES,
  type StoredSketch,
  checkStoredBloom,
  checkStoredHll,
  decodeStored,
  mergeInto,
  monoidOf,
  storedBytes,
  strategyOf,
} from "./stored-sketch.js";
import type { BloomFilter } from "../sketches/bloom-filter.js";
import { HyperLogLog } from "../sketches/hyperloglog.js";

/**
 * Options of {@link RedisSketchStore}; unknown keys are refused.
 *
 * @example
 * ```ts
 * import { type RedisSketchStoreOptions } from "papertrail/redis";
 * const options: RedisSketchStoreOptions = {
 *   prefix: "pt",
 *   granularities: { minute: { bucketMs: 60_000, ttlMs: 86_400_000 }, hour: { bucketMs: 3_600_000, ttlMs: 14 * 86_400_000 } },
 *   maxAttempts: 16,
 * };
 * Object.keys(options.granularities ?? {}); // => ["minute", "hour"]
 * ```
 */
export interface RedisSketchStoreOptions {
  /** First part of every key (default `"pt"`); may not contain `{` or `}`. */
  readonly prefix?: string;
  /** Granularities by name, added to (or replacing) {@link DEFAULT_GRANULARITIES}. */
  readonly granularities?: Readonly<Record<string, Granularity>>;
  /** Runs of an optimistic transaction before {@link ContentionError} (default 16). */
  readonly maxAttempts?: number;
  /** TTL of the offsets hashes, refreshed by each checkpoint (default: the longest granularity TTL). */
  readonly offsetsTtlMs?: number;
}

/**
 * A sketch to merge into the bucket at its address.
 *
 * @example
 * ```ts
 * import { type SketchDelta } from "papertrail/redis";
 * import { CountMinSketch } from "papertrail/sketches";
 * const delta: SketchDelta = {
 *   metric: "failed-logins-by-user", system: "vault", granularity: "hour", bucket: 1767258000000,
 *   sketch: new CountMinSketch({ width: 1024, depth: 5 }).add("alice", 3),
 * };
 * delta.sketch.describe(); // => "CountMinSketch(width=1024, depth=5, seed=0xadc83b19, conservative=false)"
 * ```
 */
export interface SketchDelta extends SketchAddress {
  readonly sketch: StoredSketch;
}

/**
 * One checkpoint: the deltas a batch of events produced, and, per source
 * (partition, or stream and consumer), the offsets of the batch's first and
 * last event.
 *
 * @example
 * ```ts
 * import { type CheckpointBatch } from "papertrail/redis";
 * import { HyperLogLog } from "papertrail/sketches";
 * const batch: CheckpointBatch = {
 *   group: "monitor",
 *   offsets: { "logins:0": { first: 100, last: 199 } },
 *   deltas: [{ metric: "users", system: "vault", granularity: "hour", bucket: 0, sketch: new HyperLogLog().add("alice") }],
 * };
 * batch.deltas.length; // => 1
 * ```
 */
export interface CheckpointBatch {
  /** Consumer group (or any name for the reader whose offsets these are). */
  readonly group: string;
  /** Per source: the first and last offset of the batch. At least one source. */
  readonly offsets: Readonly<Record<string, OffsetRange>>;
  readonly deltas: readonly SketchDelta[];
}

/**
 * What {@link RedisSketchStore.checkpoint} did, per system.
 *
 * @example
 * ```ts
 * import { type CheckpointResult } from "papertrail/redis";
 * const replay: CheckpointResult = { applied: [], skipped: ["vault"], attempts: 1 };
 * replay.skipped; // => ["vault"]
 * ```
 */
export interface CheckpointResult {
  /** Systems whose deltas and offsets this call wrote. */
  readonly applied: readonly string[];
  /** Systems that had applied this batch already (a replay): nothing was written for them. */
  readonly skipped: readonly string[];
  /** Transactions run, retries included. */
  readonly attempts: number;
}

const OPTION_KEYS = ["prefix", "granularities", "maxAttempts", "offsetsTtlMs"] as const;
const DELTA_KEYS = ["metric", "system", "granularity", "bucket", "sketch"] as const;
const DEFAULT_MAX_ATTEMPTS = 16;
/** Most buckets one range read visits. */
const MAX_RANGE_BUCKETS = 100_000;
/** Keys per MGET of a range read. */
const MGET_CHUNK = 256;

/** The deltas of one key, combined, and what the write needs. */
interface KeyWrite {
  readonly key: string;
  readonly sketch: StoredSketch;
  readonly strategy: "pfmerge" | "bitop" | "watch";
  readonly ttlMs: number;
}

/** A checkpoint's offsets, parsed. */
interface ParsedOffsets {
  readonly group: string;
  readonly sources: ReadonlyArray<{ readonly source: string; readonly first: ParsedOffset; readonly last: ParsedOffset }>;
}

/**
 * Keeps sketches in Redis, one key per (metric, system, granularity,
 * bucket), through a node-redis client or cluster client you created and
 * connected (`redis` ≥ 6.3, an optional peer: this module only uses the
 * object you pass). Give the store a connection of its own
 * (`client.duplicate()`): its transactions WATCH keys on that connection.
 *
 * Merges never lose an update: HyperLogLogs are native Redis HLLs merged
 * with PFMERGE (absent or sparse ones, at most 3,000 bytes, are read under
 * WATCH, merged here and SET: PFMERGE into them costs Redis about 1 ms);
 * Bloom filters are merged with BITOP OR after their parameters are
 * checked; Count-Min, TopK, Moments and TDigest are read, merged here and
 * written back under WATCH, retried when another writer got there first. {@link RedisSketchStore.checkpoint} writes deltas and the
 * consumer offsets they reflect in one MULTI/EXEC per system, so a replayed
 * batch is recognised and skipped. Keys carry the system as a Redis Cluster
 * hash tag and expire by granularity (hourly 7 days, daily 90 days by default).
 *
 * Usage, against a server (the tests run it; see docs/redis.md):
 *
 * ```js
 * const client = await createClient({ url: "redis://127.0.0.1:6379" }).connect();
 * const store = new RedisSketchStore(client.duplicate());
 * await store.merge({ metric: "users", system: "vault", granularity: "hour", bucket, sketch: hll });
 * (await store.read({ metric: "users", system: "vault", granularity: "hour", bucket })).cardinality();
 * ```
 *
 * @example
 * ```ts
 * import { RedisSketchStore, type RedisConnection } from "papertrail/redis";
 * // Key names need no server; any node-redis client (here a stand-in) will do.
 * const client: RedisConnection = {
 *   sendCommand: async () => null, watch: async () => "OK", unwatch: async () => "OK",
 *   multi: () => ({ addCommand: () => undefined, exec: async () => [] }),
 * };
 * const store = new RedisSketchStore(client);
 * const bucket = store.bucketOf("hour", Date.UTC(2026, 0, 1, 9, 41));
 * store.key({ metric: "failed-logins", system: "vault", granularity: "hour", bucket }); // => "pt:{vault}:failed-logins:hour:1767258000000"
 * store.offsetsKey("monitor", "vault"); // => "pt:{vault}:offsets:monitor"
 * await store.read({ metric: "failed-logins", system: "vault", granularity: "hour", bucket }); // => undefined
 * ```
 */
export class RedisSketchStore {
  /** First part of every key. */
  readonly prefix: string;
  /** The granularities this store accepts (defaults plus options). */
  readonly granularities: Readonly<Record<string, Granularity>>;
  /** Runs of an optimistic transaction before giving up. */
  readonly maxAttempts: number;
  /** TTL of the offsets hashes. */
  readonly offsetsTtlMs: number;
  private readonly client: RedisStoreClient;

  /**
   * @param client a connected node-redis client (`createClient`) or cluster client (`createCluster`).
   * @param options prefix, granularities, retry bound, offsets TTL.
   */
  constructor(client: RedisStoreClient, options: RedisSketchStoreOptions = {}) {
    if (clientKind(client) === undefined) {
      throw new InvalidArgumentError("RedisSketchStore client must be a node-redis client (createClient) or cluster client (createCluster)");
    }
    checkOptionKeys("RedisSketchStore", options, OPTION_KEYS);
    const prefix = options.prefix ?? "pt";
    if (typeof prefix !== "string" || prefix === "" || /[{}]/.test(prefix)) {
      throw new InvalidArgumentError(`RedisSketchStore prefix must be a non-empty string without { or } (they would move the hash tag), got ${String(prefix)}`);
    }
    const granularities: Record<string, Granularity> = { ...DEFAULT_GRANULARITIES };
    for (const [name, value] of Object.entries(options.granularities ?? {})) {
      checkName("granularity name", name);
      granularities[name] = checkGranularity(name, value);
    }
    const maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
    if (!Number.isSafeInteger(maxAttempts) || maxAttempts < 1) {
      throw new InvalidArgumentError(`RedisSketchStore maxAttempts must be a positive integer, got ${String(maxAttempts)}`);
    }
    const offsetsTtlMs = options.offsetsTtlMs ?? Math.max(...Object.values(granularities).map((g) => g.ttlMs));
    if (!Number.isSafeInteger(offsetsTtlMs) || offsetsTtlMs < 1) {
      throw new InvalidArgumentError(`RedisSketchStore offsetsTtlMs must be a positive integer number of milliseconds, got ${String(offsetsTtlMs)}`);
    }
    this.client = client;
    this.prefix = prefix;
    this.granularities = Object.freeze(granularities);
    this.maxAttempts = maxAttempts;
    this.offsetsTtlMs = offsetsTtlMs;
  }

  /** The granularity named `name`, or InvalidArgumentError listing the known ones. */
  private granularity(name: unknown): Granularity {
    const found = typeof name === "string" ? this.granularities[name] : undefined;
    if (found === undefined || !Object.hasOwn(this.granularities, name as string)) {
      throw new InvalidArgumentError(`granularity must be one of ${Object.keys(this.granularities).join(", ")} (or configured in options.granularities), got ${String(name)}`);
    }
    return found;
  }

  /**
   * The start of the bucket of `granularity` that contains `timeMs`.
   *
   * @example
   * ```ts
   * import { RedisSketchStore, type RedisConnection } from "papertrail/redis";
   * const client: RedisConnection = { sendCommand: async () => null, watch: async () => "OK", unwatch: async () => "OK", multi: () => ({ addCommand: () => undefined, exec: async () => [] }) };
   * new RedisSketchStore(client).bucketOf("day", Date.UTC(2026, 0, 1, 9, 41)) === Date.UTC(2026, 0, 1); // => true
   * ```
   */
  bucketOf(granularity: string, timeMs: number): number {
    const { bucketMs } = this.granularity(granularity);
    if (!Number.isSafeInteger(timeMs) || timeMs < 0) throw new InvalidArgumentError(`timeMs must be a non-negative integer of epoch milliseconds, got ${String(timeMs)}`);
    return timeMs - (timeMs % bucketMs);
  }

  /**
   * The Redis key of a bucket: `<prefix>:{<system>}:<metric>:<granularity>:<bucket>`.
   *
   * @example
   * ```ts
   * import { RedisSketchStore, type RedisConnection } from "papertrail/redis";
   * const client: RedisConnection = { sendCommand: async () => null, watch: async () => "OK", unwatch: async () => "OK", multi: () => ({ addCommand: () => undefined, exec: async () => [] }) };
   * new RedisSketchStore(client).key({ metric: "a:b", system: "{x}", granularity: "day", bucket: 0 }); // => "pt:{%7Bx%7D}:a%3Ab:day:0"
   * ```
   */
  key(address: SketchAddress): string {
    if (address === null || typeof address !== "object") throw new InvalidArgumentError(`address must be an object { metric, system, granularity, bucket }, got ${String(address)}`);
    const { bucketMs } = this.granularity(address.granularity);
    const bucket = address.bucket;
    if (typeof bucket !== "number" || !Number.isSafeInteger(bucket) || bucket < 0 || bucket % bucketMs !== 0) {
      throw new InvalidArgumentError(
        `bucket must be the start of a ${address.granularity} bucket (a non-negative multiple of ${bucketMs} ms; see bucketOf), got ${String(bucket)}`,
      );
    }
    return `${systemScope(this.prefix, address.system)}:${escapeKeyPart(checkName("metric", address.metric))}:${escapeKeyPart(address.granularity)}:${bucket}`;
  }

  /**
   * The Redis key of a system's offsets for a consumer group (a hash: source → last offset applied).
   *
   * @example
   * ```ts
   * import { RedisSketchStore, type RedisConnection } from "papertrail/redis";
   * const client: RedisConnection = { sendCommand: async () => null, watch: async () => "OK", unwatch: async () => "OK", multi: () => ({ addCommand: () => undefined, exec: async () => [] }) };
   * new RedisSketchStore(client, { prefix: "acme" }).offsetsKey("monitor", "vault"); // => "acme:{vault}:offsets:monitor"
   * ```
   */
  offsetsKey(group: string, system: string): string {
    return `${systemScope(this.prefix, system)}:offsets:${escapeKeyPart(checkName("group", group))}`;
  }

  /**
   * Merges deltas into their buckets (no offsets): one MULTI/EXEC per
   * system, each atomic. Resolves to the number of transactions run,
   * retries included.
   *
   * @example
   * ```ts
   * import { RedisSketchStore, type RedisConnection } from "papertrail/redis";
   * const client: RedisConnection = { sendCommand: async () => null, watch: async () => "OK", unwatch: async () => "OK", multi: () => ({ addCommand: () => undefined, exec: async () => [] }) };
   * await new RedisSketchStore(client).merge([]); // => 0
   * ```
   */
  async merge(deltas: SketchDelta | readonly SketchDelta[]): Promise<number> {
    const list: readonly SketchDelta[] = Array.isArray(deltas) ? deltas : [deltas as SketchDelta];
    let attempts = 0;
    for (const [system, writes] of this.plan(list)) attempts += (await this.applySystem(system, writes, undefined)).attempts;
    return attempts;
  }

  /**
   * Writes a batch's deltas and offsets: per system, one MULTI/EXEC that
   * WATCHes the system's offsets hash, skips the system when its stored
   * offsets already cover the batch (every source at or past `last`: a
   * replay), else merges the deltas and stores each source's `last`. A
   * batch that starts inside what a system has applied throws
   * {@link OffsetOverlapError} and writes nothing for that system.
   * Offsets are kept per system (a transaction cannot span cluster slots):
   * read them back with {@link RedisSketchStore.readOffsets}.
   *
   * @example
   * ```ts
   * import { RedisSketchStore, type RedisConnection } from "papertrail/redis";
   * const client: RedisConnection = { sendCommand: async () => null, watch: async () => "OK", unwatch: async () => "OK", multi: () => ({ addCommand: () => undefined, exec: async () => [] }) };
   * // No deltas: no system to write offsets for.
   * await new RedisSketchStore(client).checkpoint({ group: "monitor", offsets: { "p0": { first: 0, last: 9 } }, deltas: [] }); // => { applied: [], skipped: [], attempts: 0 }
   * ```
   */
  async checkpoint(batch: CheckpointBatch): Promise<CheckpointResult> {
    if (batch === null || typeof batch !== "object") throw new InvalidArgumentError(`checkpoint batch must be an object { group, offsets, deltas }, got ${String(batch)}`);
    checkOptionKeys("checkpoint batch", batch, ["group", "offsets", "deltas"]);
    const group = checkName("group", batch.group);
    const offsets = parseRanges(batch.offsets);
    if (!Array.isArray(batch.deltas)) throw new InvalidArgumentError("checkpoint deltas must be an array");
    const applied: string[] = [];
    const skipped: string[] = [];
    let attempts = 0;
    for (const [system, writes] of this.plan(batch.deltas)) {
      const result = await this.applySystem(system, writes, { group, sources: offsets });
      attempts += result.attempts;
      (result.applied ? applied : skipped).push(system);
    }
    return { applied, skipped, attempts };
  }

  /**
   * The offsets a system has applied for a consumer group: source → last
   * offset (canonical text: decimal, or `<ms>-<seq>`). Empty when none.
   *
   * @example
   * ```ts
   * import { RedisSketchStore, type RedisConnection } from "papertrail/redis";
   * const client: RedisConnection = { sendCommand: async () => ["logins:0", "199"], watch: async () => "OK", unwatch: async () => "OK", multi: () => ({ addCommand: () => undefined, exec: async () => [] }) };
   * await new RedisSketchStore(client).readOffsets("monitor", "vault"); // => { "logins:0": "199" }
   * ```
   */
  async readOffsets(group: string, system: string): Promise<Record<string, string>> {
    const key = this.offsetsKey(group, system);
    const connection = await connectionFor(this.client, key);
    const reply = await sendKeyCommand(connection, ["HGETALL", key]);
    // RESP2 answers a flat array, RESP3 a map (an object or a Map, by type mapping).
    const entries: Array<[unknown, unknown]> = [];
    if (Array.isArray(reply)) for (let i = 0; i + 1 < reply.length; i += 2) entries.push([reply[i], reply[i + 1]]);
    else if (reply instanceof Map) entries.push(...reply.entries());
    else if (reply !== null && typeof reply === "object") entries.push(...Object.entries(reply));
    const out: Record<string, string> = {};
    for (const [source, offset] of entries) out[String(source)] = String(offset);
    return out;
  }

  /**
   * The sketch in one bucket, or `undefined` when the key does not exist
   * (never written, or expired). Throws DecodeError when the key holds bytes
   * that are no stored sketch.
   *
   * @example
   * ```ts
   * import { RedisSketchStore, type RedisConnection } from "papertrail/redis";
   * import { Moments } from "papertrail/sketches";
   * const image = new Moments().add(3).add(5).toBytes();
   * const client: RedisConnection = { sendCommand: async () => Buffer.from(image), watch: async () => "OK", unwatch: async () => "OK", multi: () => ({ addCommand: () => undefined, exec: async () => [] }) };
   * const sketch = await new RedisSketchStore(client).read({ metric: "latency", system: "vault", granularity: "hour", bucket: 0 });
   * (sketch as Moments).mean; // => 4
   * ```
   */
  async read(address: SketchAddress): Promise<StoredSketch | undefined> {
    const key = this.key(address);
    const connection = await connectionFor(this.client, key);
    const bytes = await sendBinary(connection, ["GET", key]);
    return bytes instanceof Uint8Array ? decodeStored(bytes, key) : undefined;
  }

  /**
   * The buckets of one metric whose start lies in `[from, to)`, merged with
   * the family's monoid (`combineAll`), or `undefined` when none exists.
   * Missing buckets are skipped; buckets of different families or
   * parameters throw ParameterMismatchError. At most 100,000 buckets.
   *
   * @example
   * ```ts
   * import { RedisSketchStore, type RedisConnection } from "papertrail/redis";
   * const client: RedisConnection = { sendCommand: async (args) => args.slice(1).map(() => null), watch: async () => "OK", unwatch: async () => "OK", multi: () => ({ addCommand: () => undefined, exec: async () => [] }) };
   * const store = new RedisSketchStore(client);
   * await store.readRange({ metric: "users", system: "vault", granularity: "hour", from: 0, to: 24 * 3_600_000 }); // => undefined
   * ```
   */
  async readRange(query: { readonly metric: string; readonly system: string; readonly granularity: string; readonly from: number; readonly to: number }): Promise<StoredSketch | undefined> {
    checkOptionKeys("readRange query", query, ["metric", "system", "granularity", "from", "to"]);
    const { bucketMs } = this.granularity(query.granularity);
    for (const field of ["from", "to"] as const) {
      const value = query[field];
      if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
        throw new InvalidArgumentError(`readRange ${field} must be a non-negative integer of epoch milliseconds, got ${String(value)}`);
      }
    }
    const first = Math.ceil(query.from / bucketMs) * bucketMs;
    const count = query.to > first ? Math.ceil((query.to - first) / bucketMs) : 0;
    if (count > MAX_RANGE_BUCKETS) throw new InvalidArgumentError(`readRange covers ${count} buckets, more than ${MAX_RANGE_BUCKETS}; read a coarser granularity`);
    const keys: string[] = [];
    for (let i = 0; i < count; i++) keys.push(this.key({ metric: query.metric, system: query.system, granularity: query.granularity, bucket: first + i * bucketMs }));
    if (keys.length === 0) return undefined;
    // Every key of one system hashes to one slot: MGET works on a cluster too.
    const connection = await connectionFor(this.client, keys[0] as string);
    const sketches: StoredSketch[] = [];
    for (let i = 0; i < keys.length; i += MGET_CHUNK) {
      const chunk = keys.slice(i, i + MGET_CHUNK);
      const values = (await sendBinary(connection, ["MGET", ...chunk])) as unknown[];
      values.forEach((value, j) => {
        if (value instanceof Uint8Array) sketches.push(decodeStored(value, chunk[j] as string));
      });
    }
    const [head] = sketches;
    return head === undefined ? undefined : monoidOf(head).combineAll(sketches);
  }

  /** Groups deltas by system, then by key, each key's deltas combined with the family's monoid. */
  private plan(deltas: readonly SketchDelta[]): Map<string, KeyWrite[]> {
    const byKey = new Map<string, { system: string; ttlMs: number; sketches: StoredSketch[] }>();
    deltas.forEach((delta, index) => {
      if (delta === null || typeof delta !== "object") throw new InvalidArgumentError(`deltas[${index}] must be an object { metric, system, granularity, bucket, sketch }`);
      checkOptionKeys(`deltas[${index}]`, delta, DELTA_KEYS);
      const key = this.key(delta);
      strategyOf(delta.sketch); // refuses what the store does not keep
      const entry = byKey.get(key) ?? { system: delta.system, ttlMs: this.granularity(delta.granularity).ttlMs, sketches: [] };
      entry.sketches.push(delta.sketch);
      byKey.set(key, entry);
    });
    const bySystem = new Map<string, KeyWrite[]>();
    for (const [key, { system, ttlMs, sketches }] of byKey) {
      const sketch = sketches.length === 1 ? (sketches[0] as StoredSketch) : monoidOf(sketches[0] as StoredSketch).combineAll(sketches);
      const writes = bySystem.get(system) ?? [];
      writes.push({ key, sketch, strategy: strategyOf(sketch), ttlMs });
      bySystem.set(system, writes);
    }
    return bySystem;
  }

  /**
   * One system's transaction: WATCH what must not change under us (the
   * offsets hash, Bloom keys for their header check, read-modify-write
   * keys), read, decide, MULTI/EXEC; again while EXEC reports a watched key
   * changed, up to `maxAttempts` runs.
   */
  private async applySystem(system: string, writes: readonly KeyWrite[], offsets: ParsedOffsets | undefined): Promise<{ applied: boolean; attempts: number }> {
    const scope = systemScope(this.prefix, system);
    const offsetsKey = offsets === undefined ? undefined : this.offsetsKey(offsets.group, system);
    const tmp = `${scope}:tmp`;
    // HLL keys too: an absent or sparse one is written whole (see readForWrite).
    const watched = [...(offsetsKey === undefined ? [] : [offsetsKey]), ...writes.map((w) => w.key)];
    // PFMERGE and BITOP send the delta itself, whose bytes do not depend on what is stored: encode
    // those once. A read-modify-write key, or a sparse HLL key merged here, sends the merged image
    // instead (encoded in queueWrite).
    const images = writes.map((w) => (w.strategy === "watch" ? undefined : storedBytes(w.sketch)));
    const connection = await connectionFor(this.client, watched[0] ?? (writes[0] as KeyWrite).key);
    return exclusive(connection, async () => {
      for (let attempt = 1; attempt <= this.maxAttempts; attempt++) {
        if (watched.length > 0) await connection.watch(watched);
        let transaction: RedisTransaction;
        try {
          // One round of pipelined reads on the watched connection.
          const [storedOffsets, current] = await Promise.all([
            offsetsKey === undefined ? undefined : this.readStoredOffsets(connection, offsetsKey, offsets as ParsedOffsets),
            Promise.all(writes.map((w) => this.readForWrite(connection, w))),
          ]);
          const decision = storedOffsets === undefined ? "apply" : decide(system, offsets as ParsedOffsets, storedOffsets);
          if (decision === "skip") {
            if (watched.length > 0) await connection.unwatch();
            return { applied: false, attempts: attempt };
          }
          transaction = connection.multi();
          writes.forEach((w, i) => queueWrite(transaction, w, images[i], current[i], tmp));
          if (offsetsKey !== undefined) {
            const fields = (offsets as ParsedOffsets).sources.flatMap(({ source, last }) => [source, last.text]);
            transaction.addCommand(["HSET", offsetsKey, ...fields]);
            transaction.addCommand(["PEXPIRE", offsetsKey, String(this.offsetsTtlMs)]);
          }
        } catch (error) {
          if (watched.length > 0) await connection.unwatch().catch(() => undefined);
          throw error;
        }
        try {
          await transaction.exec();
          return { applied: true, attempts: attempt };
        } catch (error) {
          if (!isWatchError(error)) {
            const messages = execErrorMessages(error);
            if (messages.some((m) => /WRONGTYPE|INVALIDOBJ/.test(m))) {
              throw new DecodeError("malformed", `Redis refused a merge for system ${system} (${messages.join("; ")}); the transaction's other commands were applied`);
            }
            throw error;
          }
        }
        // Lost the race: back off a little (random, growing) and run again.
        await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(20, 2 ** attempt)));
      }
      throw new ContentionError(watched[0] ?? (writes[0] as KeyWrite).key, this.maxAttempts);
    });
  }

  /** HMGET of the batch's sources from the offsets hash, parsed (DecodeError for text that is no offset). */
  private async readStoredOffsets(connection: RedisConnection, key: string, offsets: ParsedOffsets): Promise<Array<ParsedOffset | undefined>> {
    const reply = (await sendKeyCommand(connection, ["HMGET", key, ...offsets.sources.map((s) => s.source)])) as unknown[];
    return offsets.sources.map(({ source }, i) => {
      const value = reply[i];
      if (value === null || value === undefined) return undefined;
      try {
        return parseOffset(`offset of ${source}`, String(value));
      } catch {
        throw new DecodeError("invalid-field", `Redis key ${key}: the offset of source ${source} is ${JSON.stringify(String(value))}, not an offset`);
      }
    });
  }

  /**
   * What a write needs to read first: the value (read-modify-write), or the
   * header and length (checks). Of an HLL key, the first
   * REDIS_SPARSE_MAX_BYTES: all of a sparse one under Redis's default
   * `hll-sparse-max-bytes`, which queueWrite merges here instead of
   * PFMERGE (see there).
   */
  private async readForWrite(connection: RedisConnection, write: KeyWrite): Promise<Uint8Array | { header: Uint8Array; length: number } | null> {
    if (write.strategy === "watch") {
      const value = await sendBinary(connection, ["GET", write.key]);
      return value instanceof Uint8Array ? value : null;
    }
    const headerBytes = write.strategy === "bitop" ? BLOOM_HEADER_BYTES : REDIS_SPARSE_MAX_BYTES;
    const [header, length] = await Promise.all([sendBinary(connection, ["GETRANGE", write.key, "0", String(headerBytes - 1)]), sendKeyCommand(connection, ["STRLEN", write.key])]);
    return { header: header instanceof Uint8Array ? header : new Uint8Array(0), length: Number(length) };
  }
}

/** Parses and checks a checkpoint's offsets (at least one source, first <= last). */
function parseRanges(offsets: unknown): ParsedOffsets["sources"] {
  if (offsets === null || typeof offsets !== "object" || Array.isArray(offsets)) {
    throw new InvalidArgumentError("checkpoint offsets must be an object: source -> { first, last }");
  }
  const sources = Object.entries(offsets as Record<string, unknown>).map(([source, range]) => {
    if (source === "") throw new InvalidArgumentError("checkpoint offsets: a source name must be non-empty");
    if (range === null || typeof range !== "object") throw new InvalidArgumentError(`checkpoint offsets.${source} must be { first, last }, got ${String(range)}`);
    checkOptionKeys(`checkpoint offsets.${source}`, range, ["first", "last"]);
    const { first, last } = range as { first: Offset; last: Offset };
    const parsed = { source, first: parseOffset(`offsets.${source}.first`, first), last: parseOffset(`offsets.${source}.last`, last) };
    if (compareOffsets(parsed.first, parsed.last) > 0) {
      throw new InvalidArgumentError(`checkpoint offsets.${source}: first (${parsed.first.text}) is after last (${parsed.last.text})`);
    }
    return parsed;
  });
  if (sources.length === 0) throw new InvalidArgumentError("checkpoint offsets must name at least one source");
  return sources;
}

/**
 * Apply when every source's stored offset is before the batch's first (or
 * absent); skip when every one is at or past the batch's last (a replay);
 * anything else overlaps applied events.
 */
function decide(system: string, offsets: ParsedOffsets, stored: ReadonlyArray<ParsedOffset | undefined>): "apply" | "skip" {
  const covered = offsets.sources.every(({ last }, i) => stored[i] !== undefined && compareOffsets(stored[i] as ParsedOffset, last) >= 0);
  if (covered) return "skip";
  offsets.sources.forEach(({ source, first, last }, i) => {
    const at = stored[i];
    if (at !== undefined && compareOffsets(at, first) >= 0) {
      throw new OffsetOverlapError(system, offsets.group, source, at.text, { first: first.text, last: last.text });
    }
  });
  return "apply";
}

/** Queues one key's merge: PFMERGE or BITOP OR of the delta's image through the scratch key, or SET of the merged image. */
function queueWrite(
  transaction: RedisTransaction,
  write: KeyWrite,
  delta: Uint8Array | undefined,
  current: Uint8Array | { header: Uint8Array; length: number } | null,
  tmp: string,
): void {
  const ttl = String(write.ttlMs);
  const bytes = (b: Uint8Array): RedisArgument => Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  if (write.strategy === "watch") {
    // The decoded image is ours: merge into it (the monoid's combine would copy it first, and a
    // 2048×5 Count-Min image is 82 KB to allocate and copy).
    const merged = current instanceof Uint8Array ? mergeInto(decodeStored(current, write.key), write.sketch, write.key) : write.sketch;
    transaction.addCommand(["SET", write.key, bytes(storedBytes(merged)), "PX", ttl]);
    return;
  }
  const image = delta as Uint8Array;
  const { header, length } = current as { header: Uint8Array; length: number };
  if (write.strategy === "bitop") checkStoredBloom(header, length, write.sketch as BloomFilter, image, write.key);
  else checkStoredHll(header, length, write.key);
  // An absent key (watched) is the delta itself. PFMERGE into one would also re-set every register
  // through the sparse encoding, as into a sparse key below.
  if (length === 0) {
    transaction.addCommand(["SET", write.key, bytes(image), "PX", ttl]);
    return;
  }
  if (write.strategy === "bitop") {
    // Equal headers OR to themselves; the bit arrays OR as the filters merge.
    transaction.addCommand(["SET", tmp, bytes(image)]);
    transaction.addCommand(["BITOP", "OR", write.key, write.key, tmp]);
  } else {
    // PFMERGE into a sparse key re-sets every register through the sparse encoding, an insertion
    // into the opcode string each: 1.4 ms of Redis for a 1,000-user key and a 300-user delta,
    // against 45 µs into a dense key (redis-server 7.0, measured here). Such a key is at most
    // hll-sparse-max-bytes long and read whole (the key is watched): merged here and SET, sparse or
    // dense as Redis would keep it (HyperLogLog.toRedisBytes).
    if (header[4] === 1 && header.length === length) {
      const merged = HyperLogLog.fromRedisBytes(header).merge(write.sketch as HyperLogLog);
      transaction.addCommand(["SET", write.key, bytes(merged.toRedisBytes()), "PX", ttl]);
      return;
    }
    transaction.addCommand(["SET", tmp, bytes(image)]);
    transaction.addCommand(["PFMERGE", write.key, tmp]);
  }
  transaction.addCommand(["DEL", tmp]);
  transaction.addCommand(["PEXPIRE", write.key, ttl]);
}
