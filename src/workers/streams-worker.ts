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
import { BatchPipeline, type DeadLetter, type ParsedMessage, type WorkerMessage } from "./batch-pipeline.js";
import { BatchDeltas } from "./batch-deltas.js";
import { checkpointEvents, type BatchOutcome, type WorkerPoint } from "./checkpoint-events.js";
import { createGroupIfMissing } from "./consumer-group.js";
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
  /**
   * Field of a packed entry: several events as NDJSON, one per line
   * (default `"events"`). An entry with this field is read as packed, one
   * with `field` as one event; a stream may mix both.
   */
  readonly packedField?: string;
  readonly pipeline?: BatchPipeline;
  /** Shared dedup marks (default: marks for this group with the store's prefix); `false` turns dedup off. */
  readonly marks?: RedisEventMarks | false;
  /** Entries per read (default 1,000). */
  readonly batchSize?: number;
  /**
   * Entries held across reads before one checkpoint writes them all
   * (default the larger of 50,000 and `batchSize`; at least `batchSize`;
   * `checkpointMs` bounds the wait whatever the count).
   * The checkpoint's cost is mostly per (metric, system, bucket), not per
   * event, so fewer, larger checkpoints cost less per event; `batchSize`
   * here checkpoints every full read.
   */
  readonly checkpointEntries?: number;
  /**
   * Longest time an entry read waits for its checkpoint (and its XACK);
   * default 1,000 ms or a quarter of `claimIdleMs`, whichever is smaller.
   * Must be below `claimIdleMs`, so that held entries are not taken for a
   * dead consumer's (keep `claimIdleMs` above it plus the longest checkpoint).
   */
  readonly checkpointMs?: number;
  /** How long a read waits for entries (default 1,000 ms); a read that found none checkpoints the held entries. */
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

const OPTION_KEYS = ["client", "store", "stream", "group", "consumer", "field", "packedField", "pipeline", "marks", "batchSize", "checkpointEntries", "checkpointMs", "blockMs", "claimIdleMs", "claimEveryMs", "deadLetterStream", "onPoint"];

interface Entry {
  readonly id: string;
  /** Field, value, field, value… as the reply had them. */
  readonly fields: readonly unknown[];
}

/** One read, parsed and deduplicated. */
interface PreparedRead {
  readonly source: string;
  readonly ids: string[];
  readonly kept: ParsedMessage[];
  readonly deadLetters: DeadLetter[];
  readonly events: number;
}

/** Reads parsed and deduplicated, not yet checkpointed: one checkpoint's worth, in entry order. */
interface HeldBatch {
  readonly source: string;
  readonly first: string;
  last: string;
  readonly ids: string[];
  /**
   * The kept events (replays: a system may hold part of them already and
   * is trimmed to the rest), or their deltas, folded in read by read (new
   * entries: the events die young instead of living until the checkpoint).
   */
  readonly kept: ParsedMessage[] | BatchDeltas;
  readonly deadLetters: DeadLetter[];
  events: number;
  /** `Date.now()` when its first entry was read. */
  readonly since: number;
}

/**
 * Reads in flight ahead of the one in hand after a full read. With one, the
 * worker of bench/streams.mjs (one worker, 962,660 events) waited for Redis
 * about a third of its time (event-loop utilization 0.63-0.67), mostly for
 * the read it was about to parse; with two, one worker's events/s rose from
 * 94,585-102,028 to 125,375-129,861 (alternating runs, 2026-12-05).
 */
const READS_AHEAD = 2;

// KEYS: stream, dead-letter stream. ARGV: group, then per dead letter its id,
// position ("" unless the entry is packed), reason and value. A letter is
// written only if the XACK of its entry removed the entry from the pending
// list, so a batch committed twice (a live but slow consumer's entries
// claimed and replayed by another) letters it once; the letters of one
// packed entry are consecutive and share that XACK.
const DEAD_LETTER_SCRIPT = `
local written = 0
local acked = {}
for i = 2, #ARGV, 4 do
  local id = ARGV[i]
  local removed = acked[id]
  if removed == nil then
    removed = redis.call('XACK', KEYS[1], ARGV[1], id)
    acked[id] = removed
  end
  if removed == 1 then
    if ARGV[i + 1] == '' then
      redis.call('XADD', KEYS[2], '*', 'stream', KEYS[1], 'group', ARGV[1], 'id', id, 'reason', ARGV[i + 2], 'value', ARGV[i + 3])
    else
      redis.call('XADD', KEYS[2], '*', 'stream', KEYS[1], 'group', ARGV[1], 'id', id, 'position', ARGV[i + 1], 'reason', ARGV[i + 2], 'value', ARGV[i + 3])
    end
    written = written + 1
  end
end
return written`;

/** A batch that starts with `read` (not yet added), keeping its events in `kept`. */
function emptyBatch(read: PreparedRead, kept: ParsedMessage[] | BatchDeltas): HeldBatch {
  const first = read.ids[0] as string;
  return { source: read.source, first, last: first, ids: [], kept, deadLetters: [], events: 0, since: Date.now() };
}

/** Appends a read's entries to `batch` (reads of one consumer arrive in id order). */
function addRead(batch: HeldBatch, read: PreparedRead): void {
  batch.last = read.ids[read.ids.length - 1] as string;
  for (const id of read.ids) batch.ids.push(id);
  const kept = batch.kept;
  if (kept instanceof BatchDeltas) for (const message of read.kept) kept.add(message.event);
  else for (const message of read.kept) kept.push(message);
  for (const letter of read.deadLetters) batch.deadLetters.push(letter);
  batch.events += read.events;
}

/** node-redis replies as arrays (RESP2) or maps (RESP3): both into entries. */
function entriesOf(reply: unknown): Entry[] {
  if (!Array.isArray(reply)) return [];
  const out: Entry[] = [];
  for (const item of reply) {
    if (!Array.isArray(item) || item.length < 2 || item[1] === null) continue; // deleted entry
    const raw = item[1] as unknown;
    let fields: Entry["fields"];
    if (Array.isArray(raw)) fields = raw as unknown[];
    else if (raw instanceof Map) fields = [...raw].flat();
    else if (raw !== null && typeof raw === "object") fields = Object.entries(raw).flat();
    else continue;
    out.push({ id: String(item[0]), fields });
  }
  return out;
}

/** An entry as a message: the value of `packed` (a packed entry) or else of `field`. */
function messageOf(entry: Entry, field: string, packed: string): WorkerMessage {
  const list = entry.fields;
  let value: string | undefined;
  for (let i = 0; i + 1 < list.length; i += 2) {
    const name = String(list[i]);
    if (name === packed) return { offset: entry.id, value: String(list[i + 1]), packed: true };
    if (name === field && value === undefined) value = String(list[i + 1]);
  }
  return { offset: entry.id, value };
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
 * Per read: parse (malformed → dead letters with the reason) and drop
 * duplicates ({@link RedisEventMarks}); the entries stay pending and are
 * held until `checkpointEntries` of them are in hand, the oldest has
 * waited `checkpointMs`, or a read finds nothing new within `blockMs` (the
 * stream is idle). Then one checkpoint writes the deltas of all held
 * events with the offsets of the source `<stream>/<consumer>` (first and
 * last entry held; one transaction per system), and one MULTI writes the
 * dead letters and XACKs them. A crash anywhere leaves entries pending;
 * whoever replays them (this consumer name, or a worker that claims them)
 * uses the same source, so systems that committed skip, systems that
 * committed part of a replayed batch (other batch bounds) write the rest,
 * and the others apply.
 *
 * Packed entries: an entry whose `packedField` (default `"events"`) holds
 * NDJSON carries several events, as a log shipper's batch does. Redis
 * reads, acknowledges and claims it as one entry and the checkpoint's
 * offsets count it as one (its events share its id, so a batch never
 * splits it), which takes Redis's and the client's per-entry work off each
 * event; each event is still parsed, deduplicated (its token adds its
 * 0-based line, so copies inside one entry are told apart and a replay
 * decides the same) and, if malformed, dead-lettered on its own with its
 * `position` while its siblings are kept.
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
  readonly packedField: string;
  readonly pipeline: BatchPipeline;
  readonly batchSize: number;
  readonly checkpointEntries: number;
  readonly checkpointMs: number;
  readonly blockMs: number;
  readonly claimIdleMs: number;
  readonly claimEveryMs: number;
  readonly deadLetterStream: string;
  /** Counters since start (`batches`: checkpoints, each of one or more reads). */
  readonly totals = { batches: 0, events: 0, duplicates: 0, deadLetters: 0, claimed: 0, errors: 0, skippedSystems: 0, trimmedSystems: 0 };
  private readonly client: RedisConnection;
  private readonly store: RedisSketchStore;
  private readonly marks: RedisEventMarks | undefined;
  private readonly onPoint: ((point: WorkerPoint) => void | Promise<void>) | undefined;
  private running = false;
  private lastClaim = 0;
  private held: HeldBatch | undefined;
  /**
   * Reads sent ahead, oldest first: after a full read, up to
   * {@link READS_AHEAD} more are in flight while the reads in hand are parsed.
   */
  private readonly aheads: Array<Promise<unknown>> = [];
  /**
   * A read that is parsed and whose dedup marks are on their way: held
   * once they arrive, after the next read is parsed, so that the worker
   * parses while Redis answers (only while a read ahead is pending).
   */
  private marking: Promise<PreparedRead> | undefined;
  /** The last checkpoint started (never rejects), and the first failure among them. */
  private inflight: Promise<void> = Promise.resolve();
  private failure: { readonly error: unknown } | undefined;

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
    this.packedField = options.packedField ?? "events";
    for (const name of ["field", "packedField"] as const) {
      if (typeof this[name] !== "string" || this[name].length === 0) throw new InvalidArgumentError(`StreamsWorker: ${name} must be a non-empty string`);
    }
    if (this.field === this.packedField) throw new InvalidArgumentError(`StreamsWorker: field and packedField must differ, both are ${JSON.stringify(this.field)}`);
    this.pipeline = options.pipeline ?? new BatchPipeline();
    this.marks = options.marks === false ? undefined : (options.marks ?? new RedisEventMarks(options.client, { prefix: options.store.prefix, group: options.group }));
    this.batchSize = positive("batchSize", options.batchSize, 1000);
    this.blockMs = positive("blockMs", options.blockMs, 1000);
    this.claimIdleMs = positive("claimIdleMs", options.claimIdleMs, 30_000);
    this.claimEveryMs = positive("claimEveryMs", options.claimEveryMs, 5000);
    this.checkpointEntries = positive("checkpointEntries", options.checkpointEntries, Math.max(50_000, this.batchSize));
    if (this.checkpointEntries < this.batchSize) {
      throw new InvalidArgumentError(`StreamsWorker: checkpointEntries (${this.checkpointEntries}) must be at least batchSize (${this.batchSize})`);
    }
    this.checkpointMs = positive("checkpointMs", options.checkpointMs, Math.max(1, Math.min(1000, Math.floor(this.claimIdleMs / 4))));
    if (this.checkpointMs >= this.claimIdleMs) {
      throw new InvalidArgumentError(`StreamsWorker: checkpointMs (${this.checkpointMs}) must be below claimIdleMs (${this.claimIdleMs}): held entries would look like a dead consumer's`);
    }
    this.deadLetterStream = options.deadLetterStream ?? `${options.stream}:dead`;
    this.onPoint = options.onPoint;
  }

  /** Creates the group (from the stream's start) if it does not exist. */
  async createGroup(): Promise<void> {
    await createGroupIfMissing(this.client, this.stream, this.group);
  }

  /**
   * Reads and checkpoints until {@link StreamsWorker.stop}; the entries in
   * hand (held, or read ahead) are checkpointed first. A failed batch (a
   * Redis error) is retried from the pending list after a pause; a third
   * failure in a row rejects.
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
        if (!this.running) await this.finish();
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

  /**
   * One step: claim a dead consumer's entries when due (after checkpointing
   * what is held), else read new ones, and start the checkpoint of the held
   * entries when `checkpointEntries` or `checkpointMs` is reached. That
   * checkpoint runs while later steps read and parse (checkpoints run one
   * after the other, in entry order); after a full read, the next ones
   * (up to {@link READS_AHEAD}) are sent before the entries in hand are
   * parsed, and while they are pending, the dedup marks of
   * the entries in hand are awaited only after the next read is parsed (a
   * read's events join the held batch one step later; `flush()` waits for
   * them). Resolves to the entries read or claimed.
   * Rejects with the error of a checkpoint that failed; then the entries
   * held, being marked or read ahead are dropped here and stay pending (a
   * later read of this consumer's pending list, or a claim, replays them),
   * and no later checkpoint was written.
   */
  async step(): Promise<number> {
    try {
      await this.rethrow(false);
      const now = Date.now();
      if (now - this.lastClaim >= this.claimEveryMs) {
        this.lastClaim = now;
        await this.flush();
        const claimed = await this.claimStale();
        if (claimed > 0) return claimed;
      }
      if (this.due(Date.now())) this.startCommit();
      const entries = await this.nextRead();
      const previous = this.marking;
      this.marking = undefined;
      // Parsed now; its marks are sent before the previous read's are awaited.
      const current = entries.length > 0 ? this.prepare(entries, this.consumer) : undefined;
      current?.catch(() => undefined); // rejections surface where it is awaited
      if (previous !== undefined) this.hold(await previous, true);
      if (current !== undefined) {
        if (this.aheads.length > 0) this.marking = current;
        else this.hold(await current, true);
      }
      // An empty read waited blockMs for entries: the stream is idle, so holding longer only delays the checkpoint.
      if (entries.length === 0 || this.due(Date.now())) this.startCommit();
      return entries.length;
    } catch (error) {
      this.held = undefined;
      this.aheads.length = 0;
      this.marking = undefined;
      throw error;
    }
  }

  /** The next read: the oldest sent ahead that found entries, else one that blocks (no longer than the held entries may wait). */
  private async nextRead(): Promise<Entry[]> {
    // Every read sent ahead is taken in turn: its entries are pending under this consumer, whether or not
    // the earlier one found any.
    let entries: Entry[] = [];
    while (entries.length === 0 && this.aheads.length > 0) entries = streamEntries(await this.aheads.shift());
    if (entries.length === 0) {
      const held = this.held;
      const block = held === undefined ? this.blockMs : Math.max(1, Math.min(this.blockMs, held.since + this.checkpointMs - Date.now()));
      entries = streamEntries(await this.client.sendCommand(this.readArgs(block)));
    }
    // A full read inside run(): more is likely waiting, so ask for it now (without BLOCK, which would hold the
    // connection the marks and the XACK also use); Redis answers while these entries are parsed. One read in
    // flight was not enough: its reply queues behind the previous read's marks and the checkpoint's commands.
    if (entries.length === this.batchSize && this.running) {
      while (this.aheads.length < READS_AHEAD) {
        const next = this.client.sendCommand(this.readArgs(undefined));
        next.catch(() => undefined); // rejections surface where it is awaited
        this.aheads.push(next);
      }
    }
    return entries;
  }

  private readArgs(block: number | undefined): string[] {
    const args = ["XREADGROUP", "GROUP", this.group, this.consumer, "COUNT", String(this.batchSize)];
    if (block !== undefined) args.push("BLOCK", String(block));
    args.push("STREAMS", this.stream, ">");
    return args;
  }

  /** Whether the held entries are due for their checkpoint: no room for another full read, or the oldest waited `checkpointMs`. */
  private due(now: number): boolean {
    const held = this.held;
    return held !== undefined && (held.ids.length + this.batchSize > this.checkpointEntries || now - held.since >= this.checkpointMs);
  }

  /**
   * Adds a read's prepared entries to the held batch (reads of one consumer
   * arrive in id order). `fold`: new entries, whose events go into the held
   * deltas at once; replays keep their events (replays start with nothing
   * held and are checkpointed before new reads).
   */
  private hold(read: PreparedRead, fold: boolean): void {
    this.held ??= emptyBatch(read, fold ? this.pipeline.deltaBuilder() : []);
    addRead(this.held, read);
  }

  /**
   * Starts the checkpoint of the held entries after the one in flight. A
   * checkpoint never runs after one that failed: its offsets would pass the
   * failed batch's, and the replay of that batch would be skipped.
   */
  private startCommit(): void {
    const held = this.held;
    if (held === undefined) return;
    this.held = undefined;
    const previous = this.inflight;
    this.inflight = (async () => {
      await previous;
      if (this.failure !== undefined) return;
      try {
        await this.commit(held);
      } catch (error) {
        this.failure = { error };
      }
    })();
  }

  /** Waits for the checkpoints in flight (always when `wait`, else only after one failed) and throws the first failure. */
  private async rethrow(wait: boolean): Promise<void> {
    if (wait || this.failure !== undefined) await this.inflight;
    const failure = this.failure;
    if (failure === undefined) return;
    this.failure = undefined;
    this.held = undefined;
    this.aheads.length = 0;
    this.marking = undefined;
    throw failure.error;
  }

  /**
   * Checkpoints the held entries and waits for every checkpoint in flight;
   * rejects with the first that failed. For callers of
   * {@link StreamsWorker.step} (`run()` does it when stopped).
   */
  async flush(): Promise<void> {
    await this.settle();
    this.startCommit();
    await this.rethrow(true);
  }

  /** Holds the read whose marks were on their way. */
  private async settle(): Promise<void> {
    const marking = this.marking;
    this.marking = undefined;
    if (marking !== undefined) this.hold(await marking, true);
  }

  /** On stop: the reads sent ahead join the held entries (checkpointed as they come due), then everything is checkpointed. */
  private async finish(): Promise<void> {
    await this.settle();
    while (this.aheads.length > 0) {
      const entries = streamEntries(await this.aheads.shift());
      if (entries.length === 0) continue;
      if (this.due(Date.now())) this.startCommit();
      this.hold(await this.prepare(entries, this.consumer), true);
    }
    await this.flush();
  }

  /** This consumer's pending entries (a restart under the same name, or after a failed checkpoint), in checkpoints of up to `checkpointEntries`. */
  private async drainOwnPending(): Promise<void> {
    // Let checkpoints in flight end; a failed one's entries are among those read again below.
    await this.inflight;
    this.failure = undefined;
    this.held = undefined;
    this.aheads.length = 0;
    this.marking = undefined;
    let after = "0";
    try {
      for (;;) {
        const reply = await this.client.sendCommand(["XREADGROUP", "GROUP", this.group, this.consumer, "COUNT", String(this.batchSize), "STREAMS", this.stream, after]);
        const entries = streamEntries(reply);
        if (entries.length === 0) break;
        after = (entries[entries.length - 1] as Entry).id;
        this.hold(await this.prepare(entries, this.consumer), false);
        if (this.due(Date.now())) await this.flush();
      }
      await this.flush();
    } catch (error) {
      this.held = undefined;
      throw error;
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
    const owners = new Set<string>();
    for (const row of pending) if (Array.isArray(row) && String(row[1]) !== this.consumer) owners.add(String(row[1]));
    let handled = 0;
    for (const owner of owners) {
      // Only the idle prefix of the owner's pending entries (in id order) is replayed: a consumer
      // may have several reads pending (held, in flight, read ahead), and a replay that skipped an
      // earlier one would move the owner's offsets past it, so that its own replay is skipped.
      const rows = (await this.client.sendCommand(["XPENDING", this.stream, this.group, "-", "+", "10000", owner])) as unknown[];
      const ids: string[] = [];
      for (const row of Array.isArray(rows) ? rows : []) {
        if (!Array.isArray(row) || Number(row[2]) < this.claimIdleMs) break;
        ids.push(String(row[0]));
      }
      if (ids.length === 0) continue;
      const claimed = entriesOf(await this.client.sendCommand(["XCLAIM", this.stream, this.group, owner, String(this.claimIdleMs), ...ids]));
      // Entries another worker claimed first (their idle time was reset) are not returned: replay
      // up to the first of them and leave the rest (now claimed, so idle again later).
      let n = 0;
      while (n < claimed.length && (claimed[n] as Entry).id === ids[n]) n++;
      if (n === 0) continue;
      this.totals.claimed += n;
      await this.handle(claimed.slice(0, n), owner);
      handled += n;
      const left = (await this.client.sendCommand(["XPENDING", this.stream, this.group, "-", "+", "1", owner])) as unknown[];
      if (Array.isArray(left) && left.length === 0) await this.client.sendCommand(["XGROUP", "DELCONSUMER", this.stream, this.group, owner]);
    }
    return handled;
  }

  private at(point: WorkerPoint): void | Promise<void> {
    return this.onPoint?.(point);
  }

  /** Parse, dedup, checkpoint, dead letters + XACK: one batch of `owner`'s entries, checkpointed at once. */
  async handle(entries: readonly Entry[], owner: string): Promise<BatchOutcome> {
    const read = await this.prepare(entries, owner);
    const batch = emptyBatch(read, []);
    addRead(batch, read);
    return this.commit(batch);
  }

  /** Parse and dedup one read of `owner`'s entries (non-empty, in id order). */
  private async prepare(entries: readonly Entry[], owner: string): Promise<PreparedRead> {
    await this.at("read");
    const source = StreamsWorker.source(this.stream, owner);
    const messages: WorkerMessage[] = entries.map((e) => messageOf(e, this.field, this.packedField));
    const { events, deadLetters } = this.pipeline.parse(messages);
    const duplicate = this.marks === undefined ? [] : await this.marks.duplicates(source, events);
    const kept = events.filter((_, i) => duplicate[i] !== true);
    await this.at("deduped");
    return { source, ids: entries.map((e) => e.id), kept, deadLetters, events: events.length };
  }

  /** Checkpoint the batch's deltas with its offsets, then its dead letters and XACK in one MULTI. */
  private async commit(batch: HeldBatch): Promise<BatchOutcome> {
    const result = await checkpointEvents({
      store: this.store,
      pipeline: this.pipeline,
      group: this.group,
      source: batch.source,
      first: batch.first,
      last: batch.last,
      events: batch.kept,
      at: (point) => this.at(point),
    });
    await this.at("checkpointed");
    const transaction = this.client.multi();
    if (batch.deadLetters.length > 0) {
      const args = ["EVAL", DEAD_LETTER_SCRIPT, "2", this.stream, this.deadLetterStream, this.group];
      for (const letter of batch.deadLetters) args.push(letter.offset, letter.position === undefined ? "" : String(letter.position), letter.reason, letter.value);
      transaction.addCommand(args);
    }
    transaction.addCommand(["XACK", this.stream, this.group, ...batch.ids]);
    await transaction.exec();
    await this.at("acknowledged");
    const duplicates = batch.events - (batch.kept instanceof BatchDeltas ? batch.kept.count : batch.kept.length);
    this.totals.batches++;
    this.totals.events += batch.events;
    this.totals.duplicates += duplicates;
    this.totals.deadLetters += batch.deadLetters.length;
    this.totals.skippedSystems += result.skipped.length;
    this.totals.trimmedSystems += result.trimmed.length;
    return { events: batch.events, duplicates, deadLetters: batch.deadLetters.length, ...result };
  }
}
