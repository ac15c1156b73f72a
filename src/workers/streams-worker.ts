/**
 * A consumer of a Redis Streams consumer group that keeps sketch state in a
 * {@link RedisSketchStore}: XREADGROUP → parse → dedup → checkpoint (state
 * and offsets together) → dead letters and XACK together; pending entries
 * of a consumer that died are claimed and replayed under that consumer's
 * name, so its checkpointed offsets still apply.
 *
 * @module
 */
import { InvalidArgumentError } from "../errors.js";
import type { RedisConnection } from "../redis/redis-connection.js";
import type { RedisSketchStore } from "../redis/redis-sketch-store.js";
import { checkOptionKeys } from "../sketches/sketch.js";
import { BatchPipeline, type WorkerMessage } from "./batch-pipeline.js";
import { checkpointEvents, type BatchOutcome, type WorkerPoint } from "./checkpoint-events.js";
import { RedisEventMarks } from "./event-marks.js";

/**
 * Options of {@link StreamsWorker}.
 *
 * @example
 * ```ts
 * import { type StreamsWorkerOptions } from "papertrail/workers";
 * type Names = Pick<StreamsWorkerOptions, "stream" | "group" | "consumer" | "batchSize">;
 * const names: Names = { stream: "events", group: "monitor", consumer: "worker-1", batchSize: 1000 };
 * names.consumer; // => "worker-1"
 * ```
 */
export interface StreamsWorkerOptions {
  /** A connection of its own (XREADGROUP BLOCK holds it while waiting). */
  readonly client: RedisConnection;
  /** Where the state goes (may use another client, or a cluster). */
  readonly store: RedisSketchStore;
  readonly stream: string;
  readonly group: string;
  /** This consumer's name; give each process its own (a restarted process a new one). */
  readonly consumer: string;
  /** Field of an entry that holds the event JSON (default `"event"`). */
  readonly field?: string;
  readonly pipeline?: BatchPipeline;
  /** Shared dedup marks (default: marks for this group with the store's prefix); `false` turns dedup off. */
  readonly marks?: RedisEventMarks | false;
  /** Entries per read (default 1,000). */
  readonly batchSize?: number;
  /** How long a read waits for entries (default 1,000 ms). */
  readonly blockMs?: number;
  /** Pending entries idle this long belong to a consumer presumed dead; keep it above the longest batch (default 30,000 ms). */
  readonly claimIdleMs?: number;
  /** How often to look for such entries (default 5,000 ms). */
  readonly claimEveryMs?: number;
  /** Dead-letter stream (default `<stream>:dead`). */
  readonly deadLetterStream?: string;
  /** Called at each {@link WorkerPoint} (tests crash the worker here). */
  readonly onPoint?: (point: WorkerPoint) => void | Promise<void>;
}

const OPTION_KEYS = ["client", "store", "stream", "group", "consumer", "field", "pipeline", "marks", "batchSize", "blockMs", "claimIdleMs", "claimEveryMs", "deadLetterStream", "onPoint"];

interface Entry {
  readonly id: string;
  readonly fields: Record<string, string>;
}

/** node-redis replies as arrays (RESP2) or maps (RESP3): both into entries. */
function entriesOf(reply: unknown): Entry[] {
  if (!Array.isArray(reply)) return [];
  const out: Entry[] = [];
  for (const item of reply) {
    if (!Array.isArray(item) || item.length < 2 || item[1] === null) continue; // deleted entry
    const raw = item[1] as unknown;
    const fields: Record<string, string> = {};
    if (Array.isArray(raw)) for (let i = 0; i + 1 < raw.length; i += 2) fields[String(raw[i])] = String(raw[i + 1]);
    else if (raw instanceof Map) for (const [k, v] of raw) fields[String(k)] = String(v);
    else if (raw !== null && typeof raw === "object") for (const [k, v] of Object.entries(raw)) fields[k] = String(v);
    out.push({ id: String(item[0]), fields });
  }
  return out;
}

function streamEntries(reply: unknown): Entry[] {
  if (reply === null || reply === undefined) return [];
  if (reply instanceof Map) return [...reply.values()].flatMap((v) => entriesOf(v));
  if (Array.isArray(reply)) return reply.flatMap((s) => (Array.isArray(s) ? entriesOf(s[1]) : []));
  if (typeof reply === "object") return Object.values(reply).flatMap((v) => entriesOf(v));
  return [];
}

function positive(name: string, value: unknown, fallback: number): number {
  const v = value ?? fallback;
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v <= 0) throw new InvalidArgumentError(`StreamsWorker: ${name} must be a positive integer, got ${String(value)}`);
  return v;
}

/**
 * A Redis Streams consumer-group worker. `run()` reads and checkpoints
 * batches until `stop()`, which lets the batch in hand finish (SIGTERM:
 * call `stop()` and await `run()`).
 *
 * Per batch: parse (malformed → dead letters with the reason), drop
 * duplicates ({@link RedisEventMarks}), checkpoint the deltas with the
 * offsets of the source `<stream>/<consumer>` (one transaction per system),
 * then write the dead letters and XACK in one MULTI. A crash anywhere
 * leaves entries pending; whoever replays them (this consumer name, or a
 * worker that claims them) uses the same source, so systems that committed
 * skip and the others apply.
 *
 * @example
 * ```ts
 * import { StreamsWorker } from "papertrail/workers";
 * StreamsWorker.source("events", "worker-1"); // => "events/worker-1"
 * ```
 */
export class StreamsWorker {
  readonly stream: string;
  readonly group: string;
  readonly consumer: string;
  readonly field: string;
  readonly pipeline: BatchPipeline;
  readonly batchSize: number;
  readonly blockMs: number;
  readonly claimIdleMs: number;
  readonly claimEveryMs: number;
  readonly deadLetterStream: string;
  /** Counters since start. */
  readonly totals = { batches: 0, events: 0, duplicates: 0, deadLetters: 0, claimed: 0, errors: 0, skippedSystems: 0, trimmedSystems: 0 };
  private readonly client: RedisConnection;
  private readonly store: RedisSketchStore;
  private readonly marks: RedisEventMarks | undefined;
  private readonly onPoint: ((point: WorkerPoint) => void | Promise<void>) | undefined;
  private running = false;
  private lastClaim = 0;

  /** The checkpoint source of a consumer's entries. */
  static source(stream: string, consumer: string): string {
    return `${stream}/${consumer}`;
  }

  constructor(options: StreamsWorkerOptions) {
    checkOptionKeys("StreamsWorker", options, OPTION_KEYS);
    for (const name of ["stream", "group", "consumer"] as const) {
      if (typeof options[name] !== "string" || options[name].length === 0) throw new InvalidArgumentError(`StreamsWorker: ${name} must be a non-empty string`);
    }
    if (options.client === undefined || options.store === undefined) throw new InvalidArgumentError("StreamsWorker: client and store are required");
    this.client = options.client;
    this.store = options.store;
    this.stream = options.stream;
    this.group = options.group;
    this.consumer = options.consumer;
    this.field = options.field ?? "event";
    this.pipeline = options.pipeline ?? new BatchPipeline();
    this.marks = options.marks === false ? undefined : (options.marks ?? new RedisEventMarks(options.client, { prefix: options.store.prefix, group: options.group }));
    this.batchSize = positive("batchSize", options.batchSize, 1000);
    this.blockMs = positive("blockMs", options.blockMs, 1000);
    this.claimIdleMs = positive("claimIdleMs", options.claimIdleMs, 30_000);
    this.claimEveryMs = positive("claimEveryMs", options.claimEveryMs, 5000);
    this.deadLetterStream = options.deadLetterStream ?? `${options.stream}:dead`;
    this.onPoint = options.onPoint;
  }

  /** Creates the group (from the stream's start) if it does not exist. */
  async createGroup(): Promise<void> {
    try {
      await this.client.sendCommand(["XGROUP", "CREATE", this.stream, this.group, "0", "MKSTREAM"]);
    } catch (error) {
      if (!String((error as Error).message).includes("BUSYGROUP")) throw error;
    }
  }

  /**
   * Reads and checkpoints until {@link StreamsWorker.stop}; the batch in
   * hand finishes first. A failed batch (a Redis error) is retried from the
   * pending list after a pause; a third failure in a row rejects.
   */
  async run(): Promise<void> {
    this.running = true;
    await this.createGroup();
    // Entries this name read before (a restart under the same name) come first.
    await this.drainOwnPending();
    let failures = 0;
    while (this.running) {
      try {
        await this.step();
        failures = 0;
      } catch (error) {
        // A Redis error or a lost race (ContentionError): the batch stays pending; read it again
        // from our own pending list after a pause. The same error three times in a row ends run().
        this.totals.errors++;
        if (++failures >= 3) throw error;
        await new Promise((resolve) => setTimeout(resolve, 200 * failures));
        await this.drainOwnPending();
      }
    }
  }

  /** Asks `run()` to return after the batch in hand. */
  stop(): void {
    this.running = false;
  }

  /** One step: claim a dead consumer's entries when due, else read new ones. Resolves to the entries handled. */
  async step(): Promise<number> {
    const now = Date.now();
    if (now - this.lastClaim >= this.claimEveryMs) {
      this.lastClaim = now;
      const claimed = await this.claimStale();
      if (claimed > 0) return claimed;
    }
    const reply = await this.client.sendCommand(["XREADGROUP", "GROUP", this.group, this.consumer, "COUNT", String(this.batchSize), "BLOCK", String(this.blockMs), "STREAMS", this.stream, ">"]);
    const entries = streamEntries(reply);
    if (entries.length > 0) await this.handle(entries, this.consumer);
    return entries.length;
  }

  private async drainOwnPending(): Promise<void> {
    for (;;) {
      const reply = await this.client.sendCommand(["XREADGROUP", "GROUP", this.group, this.consumer, "COUNT", String(this.batchSize), "STREAMS", this.stream, "0"]);
      const entries = streamEntries(reply);
      if (entries.length === 0) return;
      await this.handle(entries, this.consumer);
    }
  }

  /**
   * Takes over the entries of consumers idle past `claimIdleMs`: claimed
   * under the dead consumer's own name (XCLAIM keeps it the owner and
   * resets the idle time), replayed with its source, acknowledged, and the
   * consumer deleted once it has nothing pending.
   */
  async claimStale(): Promise<number> {
    const pending = (await this.client.sendCommand(["XPENDING", this.stream, this.group, "IDLE", String(this.claimIdleMs), "-", "+", "10000"])) as unknown[];
    if (!Array.isArray(pending) || pending.length === 0) return 0;
    const byOwner = new Map<string, string[]>();
    for (const row of pending) {
      if (!Array.isArray(row)) continue;
      const owner = String(row[1]);
      if (owner === this.consumer) continue;
      let ids = byOwner.get(owner);
      if (ids === undefined) byOwner.set(owner, (ids = []));
      ids.push(String(row[0]));
    }
    let handled = 0;
    for (const [owner, ids] of byOwner) {
      const reply = await this.client.sendCommand(["XCLAIM", this.stream, this.group, owner, String(this.claimIdleMs), ...ids]);
      const entries = entriesOf(reply);
      // Another worker claimed them first (their idle time was reset): leave them.
      if (entries.length === 0) continue;
      this.totals.claimed += entries.length;
      await this.handle(entries, owner);
      handled += entries.length;
      const left = (await this.client.sendCommand(["XPENDING", this.stream, this.group, "-", "+", "1", owner])) as unknown[];
      if (Array.isArray(left) && left.length === 0) await this.client.sendCommand(["XGROUP", "DELCONSUMER", this.stream, this.group, owner]);
    }
    return handled;
  }

  private at(point: WorkerPoint): void | Promise<void> {
    return this.onPoint?.(point);
  }

  /** Parse, dedup, checkpoint, dead letters + XACK: one batch of `owner`'s entries. */
  async handle(entries: readonly Entry[], owner: string): Promise<BatchOutcome> {
    await this.at("read");
    const source = StreamsWorker.source(this.stream, owner);
    const messages: WorkerMessage[] = entries.map((e) => ({ offset: e.id, value: e.fields[this.field] }));
    const { events, deadLetters } = this.pipeline.parse(messages);
    const duplicate = this.marks === undefined ? [] : await this.marks.duplicates(source, events);
    const kept = events.filter((_, i) => duplicate[i] !== true);
    await this.at("deduped");
    const result = await checkpointEvents({
      store: this.store,
      pipeline: this.pipeline,
      group: this.group,
      source,
      first: (entries[0] as Entry).id,
      last: (entries[entries.length - 1] as Entry).id,
      events: kept,
      at: (point) => this.at(point),
    });
    await this.at("checkpointed");
    const transaction = this.client.multi();
    for (const letter of deadLetters) {
      transaction.addCommand(["XADD", this.deadLetterStream, "*", "stream", this.stream, "group", this.group, "id", letter.offset, "reason", letter.reason, "value", letter.value]);
    }
    transaction.addCommand(["XACK", this.stream, this.group, ...entries.map((e) => e.id)]);
    await transaction.exec();
    await this.at("acknowledged");
    this.totals.batches++;
    this.totals.events += events.length;
    this.totals.duplicates += events.length - kept.length;
    this.totals.deadLetters += deadLetters.length;
    this.totals.skippedSystems += result.skipped.length;
    this.totals.trimmedSystems += result.trimmed.length;
    return { events: events.length, duplicates: events.length - kept.length, deadLetters: deadLetters.length, ...result };
  }
}
