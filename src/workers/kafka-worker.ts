/**
 * A Kafka consumer-group worker: per partition batch, chunks of messages
 * are parsed, deduplicated, checkpointed into the store with the offsets of
 * `topic:partition`, then resolved and committed; heartbeats between chunks
 * keep a long batch's membership alive.
 *
 * @module
 */
import { InvalidArgumentError } from "../errors.js";
import type { RedisSketchStore } from "../redis/redis-sketch-store.js";
import { checkOptionKeys } from "../sketches/sketch.js";
import { BatchPipeline, type DeadLetter, type WorkerMessage } from "./batch-pipeline.js";
import { checkpointEvents, type BatchOutcome, type WorkerPoint } from "./checkpoint-events.js";
import type { RedisEventMarks } from "./event-marks.js";
import type { KafkaEachBatchPayload } from "./kafka-client.js";

/**
 * Options of {@link KafkaWorker}.
 *
 * @example
 * ```ts
 * import { type KafkaWorkerOptions } from "papertrail/workers";
 * const chunk: KafkaWorkerOptions["chunkSize"] = 500;
 * chunk; // => 500
 * ```
 */
export interface KafkaWorkerOptions {
  readonly store: RedisSketchStore;
  /** Consumer group id (the store keeps offsets per group). */
  readonly group: string;
  readonly pipeline?: BatchPipeline;
  /** Shared dedup marks; without them duplicates are counted. */
  readonly marks?: RedisEventMarks;
  /** Messages per checkpoint (default 1,000). */
  readonly chunkSize?: number;
  /**
   * Sends dead letters to a dead-letter topic (your producer); awaited
   * before the offsets are resolved, so a crash can send them again.
   */
  readonly deadLetter?: (letters: readonly DeadLetter[], from: { readonly topic: string; readonly partition: number }) => Promise<void>;
  readonly onPoint?: (point: WorkerPoint) => void | Promise<void>;
}

/**
 * The worker; pass `worker.eachBatch` to a kafkajs-shaped consumer's
 * `run({ eachBatch, eachBatchAutoResolve: false })`, or drive it with
 * {@link runPlatformaticConsumer}.
 *
 * @example
 * ```ts
 * import { KafkaWorker } from "papertrail/workers";
 * KafkaWorker.source("events", 3); // => "events:3"
 * ```
 */
export class KafkaWorker {
  readonly group: string;
  readonly pipeline: BatchPipeline;
  readonly chunkSize: number;
  readonly totals = { chunks: 0, events: 0, duplicates: 0, deadLetters: 0, skippedSystems: 0, trimmedSystems: 0, stoppedEarly: 0 };
  private readonly store: RedisSketchStore;
  private readonly marks: RedisEventMarks | undefined;
  private readonly deadLetter: KafkaWorkerOptions["deadLetter"];
  private readonly onPoint: ((point: WorkerPoint) => void | Promise<void>) | undefined;

  /** The checkpoint source of a partition. */
  static source(topic: string, partition: number): string {
    return `${topic}:${partition}`;
  }

  constructor(options: KafkaWorkerOptions) {
    checkOptionKeys("KafkaWorker", options, ["store", "group", "pipeline", "marks", "chunkSize", "deadLetter", "onPoint"]);
    if (options.store === undefined) throw new InvalidArgumentError("KafkaWorker: store is required");
    if (typeof options.group !== "string" || options.group.length === 0) throw new InvalidArgumentError("KafkaWorker: group must be a non-empty string");
    this.store = options.store;
    this.group = options.group;
    this.pipeline = options.pipeline ?? new BatchPipeline();
    this.marks = options.marks;
    this.chunkSize = options.chunkSize ?? 1000;
    if (!Number.isSafeInteger(this.chunkSize) || this.chunkSize <= 0) throw new InvalidArgumentError(`KafkaWorker: chunkSize must be a positive integer, got ${String(options.chunkSize)}`);
    this.deadLetter = options.deadLetter;
    this.onPoint = options.onPoint;
  }

  /** The kafkajs `eachBatch` handler (a bound arrow function). */
  readonly eachBatch = async (payload: KafkaEachBatchPayload): Promise<void> => {
    const { batch } = payload;
    const source = KafkaWorker.source(batch.topic, batch.partition);
    for (let start = 0; start < batch.messages.length; start += this.chunkSize) {
      // A rebalance took the partition, or the consumer is stopping: leave the rest to the next owner.
      if (!payload.isRunning() || payload.isStale()) {
        this.totals.stoppedEarly++;
        return;
      }
      const chunk = batch.messages.slice(start, start + this.chunkSize).map((m): WorkerMessage => ({ offset: String(m.offset), value: m.value }));
      await this.handle(source, batch.topic, batch.partition, chunk);
      payload.resolveOffset((chunk[chunk.length - 1] as WorkerMessage).offset);
      await payload.heartbeat();
      await payload.commitOffsetsIfNecessary();
      await this.onPoint?.("acknowledged");
    }
  };

  /** One chunk of a partition: parse, dedup, dead letters, checkpoint. */
  async handle(source: string, topic: string, partition: number, messages: readonly WorkerMessage[]): Promise<BatchOutcome> {
    await this.onPoint?.("read");
    const { events, deadLetters } = this.pipeline.parse(messages);
    const duplicate = this.marks === undefined ? [] : await this.marks.duplicates(source, events);
    const kept = events.filter((_, i) => duplicate[i] !== true);
    await this.onPoint?.("deduped");
    if (deadLetters.length > 0 && this.deadLetter !== undefined) await this.deadLetter(deadLetters, { topic, partition });
    const result = await checkpointEvents({
      store: this.store,
      pipeline: this.pipeline,
      group: this.group,
      source,
      first: (messages[0] as WorkerMessage).offset,
      last: (messages[messages.length - 1] as WorkerMessage).offset,
      events: kept,
      at: (point) => this.onPoint?.(point),
    });
    await this.onPoint?.("checkpointed");
    this.totals.chunks++;
    this.totals.events += events.length;
    this.totals.duplicates += events.length - kept.length;
    this.totals.deadLetters += deadLetters.length;
    this.totals.skippedSystems += result.skipped.length;
    this.totals.trimmedSystems += result.trimmed.length;
    return { events: events.length, duplicates: events.length - kept.length, deadLetters: deadLetters.length, ...result };
  }
}
