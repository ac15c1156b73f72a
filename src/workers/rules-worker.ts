/**
 * The single active rules consumer: rule state cannot be split across the
 * consumers of a group (one attacker's failed logins would land on several
 * workers and no one of them would see the threshold), so rules run in one
 * consumer of their own group, holding a lease. Its RuleEngine and
 * Deduplicator images, the offset they reflect and the batch's alerts (by
 * their deterministic ids) are written by one Lua script, only while it
 * holds the lease: a replay re-evaluates from the stored state and writes
 * the same alerts under the same ids.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import type { Alert } from "../compliance/alert.js";
import { Deduplicator, type DeduplicatorOptions } from "../compliance/deduplicator.js";
import type { RuleDefinition } from "../compliance/rule.js";
import { RuleEngine, type RuleEngineOptions } from "../compliance/rule-engine.js";
import { InvalidArgumentError } from "../errors.js";
import { compareOffsets, parseOffset } from "../redis/consumer-offsets.js";
import type { RedisConnection } from "../redis/redis-connection.js";
import { checkOptionKeys } from "../sketches/sketch.js";
import { BatchPipeline } from "./batch-pipeline.js";
import type { WorkerPoint } from "./checkpoint-events.js";
import { createGroupIfMissing } from "./consumer-group.js";

/**
 * Options of {@link StreamsRulesWorker}.
 *
 * @example
 * ```ts
 * import { type StreamsRulesWorkerOptions } from "papertrail/workers";
 * const lease: StreamsRulesWorkerOptions["leaseMs"] = 10_000;
 * lease; // => 10000
 * ```
 */
export interface StreamsRulesWorkerOptions {
  /** A connection of its own. */
  readonly client: RedisConnection;
  readonly stream: string;
  /** The rules consumer group (default `"rules"`). */
  readonly group?: string;
  /** This process's consumer name (also the lease holder's name). */
  readonly consumer: string;
  readonly rules: readonly RuleDefinition[];
  /** Further RuleEngine options (not `rules`, `sinks`, `onAlert`). */
  readonly engine?: Omit<RuleEngineOptions, "rules" | "sinks" | "onAlert">;
  /** Deduplicator options; give a fixed `key` (the image does not keep it). Default: exact. */
  readonly dedup?: DeduplicatorOptions;
  /** Called with each batch's alerts after they are stored (at least once: a crash before it repeats them; ids identify them). */
  readonly onAlerts?: (alerts: readonly Alert[]) => void | Promise<void>;
  /** Key prefix (default `"pt"`). */
  readonly prefix?: string;
  /** Field of an entry with the event JSON (default `"event"`). */
  readonly field?: string;
  /** Field of a packed entry, several events as NDJSON (default `"events"`; as the metrics worker reads it). */
  readonly packedField?: string;
  readonly pipeline?: BatchPipeline;
  readonly batchSize?: number;
  readonly blockMs?: number;
  /** Lease time; a standby takes over this long after the active consumer stops renewing (default 10,000 ms). */
  readonly leaseMs?: number;
  readonly onPoint?: (point: WorkerPoint) => void | Promise<void>;
}

const OPTION_KEYS = ["client", "stream", "group", "consumer", "rules", "engine", "dedup", "onAlerts", "prefix", "field", "packedField", "pipeline", "batchSize", "blockMs", "leaseMs", "onPoint"];

// KEYS: lease, state, alerts. ARGV: holder, expected offset ('' = none), new
// offset, engine image, dedup image, then alert id / JSON pairs.
const COMMIT_SCRIPT = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
local current = redis.call('HGET', KEYS[2], 'offset') or ''
if current ~= ARGV[2] then return -1 end
redis.call('HSET', KEYS[2], 'offset', ARGV[3], 'engine', ARGV[4], 'dedup', ARGV[5])
for i = 6, #ARGV, 2 do redis.call('HSET', KEYS[3], ARGV[i], ARGV[i + 1]) end
return 1`;

// KEYS: lease. ARGV: holder, ms. Takes a free lease or renews our own.
const LEASE_SCRIPT = `
local holder = redis.call('GET', KEYS[1])
if holder == false or holder == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0`;

interface Entry {
  readonly id: string;
  readonly value: string | undefined;
  /** A packed entry (its value is NDJSON). */
  readonly packed: boolean;
}

function entriesOf(reply: unknown, field: string, packedField: string): Entry[] {
  // node-redis gives RESP2 stream replies as arrays of [stream, entries], or as an object (or Map) by stream name.
  const streams =
    reply instanceof Map ? [...reply.values()] : Array.isArray(reply) ? reply.map((s) => (Array.isArray(s) ? s[1] : [])) : reply !== null && typeof reply === "object" ? Object.values(reply) : [];
  const out: Entry[] = [];
  for (const list of streams) {
    if (!Array.isArray(list)) continue;
    for (const item of list) {
      if (!Array.isArray(item) || !Array.isArray(item[1])) continue;
      const raw = item[1] as unknown[];
      let value: string | undefined;
      let packed = false;
      for (let i = 0; i + 1 < raw.length && !packed; i += 2) {
        const name = String(raw[i]);
        if (name === packedField) [value, packed] = [String(raw[i + 1]), true];
        else if (name === field) value = String(raw[i + 1]);
      }
      out.push({ id: String(item[0]), value, packed });
    }
  }
  return out;
}

// A plain Uint8Array copy: RuleEngine.fromBytes refuses a Node Buffer holding
// a valid image ("stats must be 11 counts"; reported to the rules owners).
const fromBase64 = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, "base64"));

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The rules consumer over Redis Streams. Run one per deployment plus
 * standbys: only the lease holder reads; a standby takes the lease when it
 * lapses, claims the pending entries and continues from the stored state.
 *
 * @example
 * ```ts
 * import { StreamsRulesWorker } from "papertrail/workers";
 * StreamsRulesWorker.keys("pt", "rules").alerts; // => "pt:rules:{rules}:alerts"
 * ```
 */
export class StreamsRulesWorker {
  readonly stream: string;
  readonly group: string;
  readonly consumer: string;
  readonly leaseMs: number;
  readonly batchSize: number;
  readonly blockMs: number;
  readonly keys: { readonly lease: string; readonly state: string; readonly alerts: string };
  /** Counters since start. */
  readonly totals = { batches: 0, events: 0, duplicates: 0, alerts: 0, replayed: 0, lostLease: 0 };
  private readonly options: StreamsRulesWorkerOptions;
  private readonly client: RedisConnection;
  private readonly pipeline: BatchPipeline;
  private readonly field: string;
  private readonly packedField: string;
  private running = false;
  private state: { engine: RuleEngine; dedup: Deduplicator; offset: string; pending: Alert[] } | undefined;

  /** The keys of a rules group (one hash tag: one cluster slot). */
  static keys(prefix: string, group: string): { lease: string; state: string; alerts: string } {
    const base = `${prefix}:rules:{${group}}`;
    return { lease: `${base}:lease`, state: `${base}:state`, alerts: `${base}:alerts` };
  }

  constructor(options: StreamsRulesWorkerOptions) {
    checkOptionKeys("StreamsRulesWorker", options, OPTION_KEYS);
    for (const name of ["stream", "consumer"] as const) {
      if (typeof options[name] !== "string" || options[name].length === 0) throw new InvalidArgumentError(`StreamsRulesWorker: ${name} must be a non-empty string`);
    }
    if (!Array.isArray(options.rules)) throw new InvalidArgumentError("StreamsRulesWorker: rules must be an array of rule definitions");
    this.options = options;
    this.client = options.client;
    this.stream = options.stream;
    this.group = options.group ?? "rules";
    this.consumer = options.consumer;
    this.field = options.field ?? "event";
    this.packedField = options.packedField ?? "events";
    this.pipeline = options.pipeline ?? new BatchPipeline();
    this.leaseMs = options.leaseMs ?? 10_000;
    this.batchSize = options.batchSize ?? 1000;
    this.blockMs = options.blockMs ?? 1000;
    for (const [name, value] of [["leaseMs", this.leaseMs], ["batchSize", this.batchSize], ["blockMs", this.blockMs]] as const) {
      if (!Number.isSafeInteger(value) || value <= 0) throw new InvalidArgumentError(`StreamsRulesWorker: ${name} must be a positive integer, got ${String(value)}`);
    }
    if (this.blockMs >= this.leaseMs) throw new InvalidArgumentError(`StreamsRulesWorker: blockMs (${this.blockMs}) must be below leaseMs (${this.leaseMs})`);
    this.keys = StreamsRulesWorker.keys(options.prefix ?? "pt", this.group);
  }

  private newEngine(): RuleEngine {
    return new RuleEngine({ ...this.options.engine, rules: this.options.rules, onAlert: (alert) => this.state?.pending.push(alert) });
  }

  /** Loads the stored state (or starts fresh). */
  private async load(): Promise<void> {
    const reply = (await this.client.sendCommand(["HMGET", this.keys.state, "offset", "engine", "dedup"])) as Array<string | null>;
    const [offset, engine, dedup] = Array.isArray(reply) ? reply : [null, null, null];
    const dedupOptions = this.options.dedup ?? { exact: true };
    const state = { engine: undefined as unknown as RuleEngine, dedup: new Deduplicator(dedupOptions), offset: offset ?? "", pending: [] as Alert[] };
    this.state = state;
    if (typeof engine === "string" && typeof dedup === "string") {
      state.engine = RuleEngine.fromBytes(fromBase64(engine), { ...this.options.engine, rules: this.options.rules, onAlert: (alert) => this.state?.pending.push(alert) });
      state.dedup = Deduplicator.fromBytes(fromBase64(dedup), dedupOptions.key === undefined ? {} : { key: dedupOptions.key });
    } else state.engine = this.newEngine();
  }

  /** Takes or renews the lease; false while another consumer holds it. */
  async lease(): Promise<boolean> {
    return Number(await this.client.sendCommand(["EVAL", LEASE_SCRIPT, "1", this.keys.lease, this.consumer, String(this.leaseMs)])) === 1;
  }

  /** Creates the group from the stream's start if missing. */
  async createGroup(): Promise<void> {
    await createGroupIfMissing(this.client, this.stream, this.group);
  }

  /** Runs until {@link StreamsRulesWorker.stop} (the batch in hand finishes). */
  async run(): Promise<void> {
    this.running = true;
    await this.createGroup();
    while (this.running) {
      if (!(await this.step())) await sleep(Math.min(this.blockMs, Math.floor(this.leaseMs / 3)));
    }
  }

  stop(): void {
    this.running = false;
  }

  /** One batch if this consumer holds the lease; false when it does not. */
  async step(): Promise<boolean> {
    if (!(await this.lease())) {
      this.state = undefined;
      return false;
    }
    if (this.state === undefined) {
      await this.load();
      await this.claimAll();
    }
    // Our pending entries (claimed from a previous holder, or read before a failed commit) come first, in id order.
    let entries = entriesOf(await this.client.sendCommand(["XREADGROUP", "GROUP", this.group, this.consumer, "COUNT", String(this.batchSize), "STREAMS", this.stream, "0"]), this.field, this.packedField);
    if (entries.length === 0) {
      entries = entriesOf(
        await this.client.sendCommand(["XREADGROUP", "GROUP", this.group, this.consumer, "COUNT", String(this.batchSize), "BLOCK", String(this.blockMs), "STREAMS", this.stream, ">"]),
        this.field,
        this.packedField,
      );
    }
    if (entries.length === 0) return true;
    await this.handle(entries);
    return true;
  }

  /** Takes every pending entry of the group (the previous holder's) as ours. */
  private async claimAll(): Promise<void> {
    for (;;) {
      const pending = (await this.client.sendCommand(["XPENDING", this.stream, this.group, "-", "+", "10000"])) as unknown[];
      const ids = Array.isArray(pending) ? pending.filter((row) => Array.isArray(row) && String(row[1]) !== this.consumer).map((row) => String((row as unknown[])[0])) : [];
      if (ids.length === 0) return;
      await this.client.sendCommand(["XCLAIM", this.stream, this.group, this.consumer, "0", ...ids, "JUSTID"]);
    }
  }

  private async handle(entries: readonly Entry[]): Promise<void> {
    const state = this.state as NonNullable<StreamsRulesWorker["state"]>;
    await this.options.onPoint?.("read");
    const expected = state.offset;
    const after = expected === "" ? undefined : parseOffset("offset", expected);
    const fresh = entries.filter((e) => after === undefined || compareOffsets(parseOffset("id", e.id), after) > 0);
    this.totals.replayed += entries.length - fresh.length;
    const { events } = this.pipeline.parse(fresh.map((e) => ({ offset: e.id, value: e.value, packed: e.packed })));
    state.pending = [];
    let duplicates = 0;
    // The read's ids in one checkMany (an event without an id is never a duplicate).
    const keyed = events.filter(({ event }) => event.id !== undefined && event.id !== "");
    const flags = state.dedup.checkMany(
      keyed.map(({ event }) => event.kind),
      keyed.map(({ event }) => event.id as string),
      keyed.map(({ event }) => event.time),
    );
    for (let i = 0, k = 0; i < events.length; i++) {
      const { event } = events[i] as (typeof events)[number];
      if (event.id !== undefined && event.id !== "" && flags[k++] === 1) {
        duplicates++;
        continue;
      }
      state.engine.evaluate(event);
    }
    const alerts = state.pending;
    state.pending = [];
    await this.options.onPoint?.("checkpoint");
    if (fresh.length > 0) {
      const last = (fresh[fresh.length - 1] as Entry).id;
      const args = ["EVAL", COMMIT_SCRIPT, "3", this.keys.lease, this.keys.state, this.keys.alerts, this.consumer, expected, last];
      args.push(Buffer.from(state.engine.toBytes()).toString("base64"), Buffer.from(state.dedup.toBytes()).toString("base64"));
      for (const alert of alerts) args.push(alert.id, JSON.stringify(alert));
      const result = Number(await this.client.sendCommand(args));
      if (result !== 1) {
        // Lease lost or state moved on: drop what we computed; the next holder replays.
        this.totals.lostLease++;
        this.state = undefined;
        return;
      }
      state.offset = last;
    }
    await this.options.onPoint?.("checkpointed");
    await this.client.sendCommand(["XACK", this.stream, this.group, ...entries.map((e) => e.id)]);
    await this.options.onPoint?.("acknowledged");
    this.totals.batches++;
    this.totals.events += events.length;
    this.totals.duplicates += duplicates;
    this.totals.alerts += alerts.length;
    if (alerts.length > 0) await this.options.onAlerts?.(alerts);
  }

  /** The stored alerts by id (what every replay converges to). */
  async alerts(): Promise<Map<string, Alert>> {
    const reply = (await this.client.sendCommand(["HGETALL", this.keys.alerts])) as unknown;
    const out = new Map<string, Alert>();
    const pairs = Array.isArray(reply) ? reply : reply instanceof Map ? [...reply].flat() : reply !== null && typeof reply === "object" ? Object.entries(reply).flat() : [];
    for (let i = 0; i + 1 < pairs.length; i += 2) out.set(String(pairs[i]), JSON.parse(String(pairs[i + 1])) as Alert);
    return out;
  }
}
