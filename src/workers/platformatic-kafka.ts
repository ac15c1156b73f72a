/**
 * The thin adapter from @platformatic/kafka's message stream to the
 * worker's batch handler: messages are grouped per partition into batches
 * and handed over in the kafkajs `eachBatch` shape; a batch's last message
 * is committed after its checkpoint. The client heartbeats by itself.
 *
 * @module
 */
import { InvalidArgumentError } from "../errors.js";
import type { KafkaEachBatchPayload, KafkaMessageLike } from "./kafka-client.js";

/**
 * A message as @platformatic/kafka's `MessagesStream` yields it (the
 * members used).
 *
 * @example
 * ```ts
 * import { type PlatformaticMessageLike } from "papertrail/workers";
 * const message: PlatformaticMessageLike = { topic: "events", partition: 0, offset: 7n, value: null, commit: () => undefined };
 * message.offset; // => 7n
 * ```
 */
export interface PlatformaticMessageLike extends KafkaMessageLike {
  readonly topic: string;
  readonly partition: number;
  readonly offset: bigint;
  commit(): void | Promise<void>;
}

/**
 * Options of {@link runPlatformaticConsumer}.
 *
 * @example
 * ```ts
 * import { type PlatformaticRunOptions } from "papertrail/workers";
 * const options: PlatformaticRunOptions = { maxMessages: 1000, maxWaitMs: 200 };
 * options.maxWaitMs; // => 200
 * ```
 */
export interface PlatformaticRunOptions {
  /** Messages of one partition per batch (default 1,000). */
  readonly maxMessages?: number;
  /** A partition's messages wait at most this long for a full batch (default 200 ms). */
  readonly maxWaitMs?: number;
  /** Stops after the batch in hand (SIGTERM: abort it). */
  readonly signal?: AbortSignal;
}

/**
 * Feeds a @platformatic/kafka `MessagesStream` (create it with
 * `consumer.consume({ topics, autocommit: false })`) to a batch handler such
 * as `KafkaWorker.eachBatch`, until the stream ends or the signal aborts.
 *
 * @example
 * ```ts
 * import { runPlatformaticConsumer, type PlatformaticMessageLike } from "papertrail/workers";
 * const committed: bigint[] = [];
 * async function* stream(): AsyncGenerator<PlatformaticMessageLike> {
 *   for (let i = 0n; i < 3n; i++) yield { topic: "t", partition: 0, offset: i, value: "{}", commit: () => void committed.push(i) };
 * }
 * const seen: number[] = [];
 * await runPlatformaticConsumer(stream(), async (payload) => {
 *   seen.push(payload.batch.messages.length);
 *   payload.resolveOffset("2");
 *   await payload.commitOffsetsIfNecessary();
 * }, { maxMessages: 2 });
 * [seen, committed]; // => [[2, 1], [2n]]
 * ```
 */
export async function runPlatformaticConsumer(
  stream: AsyncIterable<PlatformaticMessageLike>,
  eachBatch: (payload: KafkaEachBatchPayload) => Promise<void>,
  options: PlatformaticRunOptions = {},
): Promise<void> {
  const maxMessages = options.maxMessages ?? 1000;
  const maxWaitMs = options.maxWaitMs ?? 200;
  if (!Number.isSafeInteger(maxMessages) || maxMessages <= 0) throw new InvalidArgumentError(`runPlatformaticConsumer: maxMessages must be a positive integer, got ${String(options.maxMessages)}`);
  if (!Number.isSafeInteger(maxWaitMs) || maxWaitMs <= 0) throw new InvalidArgumentError(`runPlatformaticConsumer: maxWaitMs must be a positive integer, got ${String(options.maxWaitMs)}`);
  const buffers = new Map<string, PlatformaticMessageLike[]>();
  let chain: Promise<void> = Promise.resolve();
  let failure: unknown;
  const running = (): boolean => options.signal?.aborted !== true && failure === undefined;

  const flush = (key: string): Promise<void> => {
    const messages = buffers.get(key);
    if (messages === undefined || messages.length === 0) return chain;
    buffers.delete(key);
    chain = chain.then(async () => {
      if (failure !== undefined) return;
      const first = messages[0] as PlatformaticMessageLike;
      let resolved: PlatformaticMessageLike | undefined;
      try {
        await eachBatch({
          batch: { topic: first.topic, partition: first.partition, messages },
          heartbeat: async () => undefined,
          resolveOffset: (offset) => {
            resolved = messages.find((m) => String(m.offset) === offset) ?? resolved;
          },
          commitOffsetsIfNecessary: async () => {
            if (resolved !== undefined) await resolved.commit();
          },
          isRunning: running,
          isStale: () => false,
        });
      } catch (error) {
        failure = error;
      }
    });
    return chain;
  };
  const timer = setInterval(() => {
    for (const key of [...buffers.keys()]) void flush(key);
  }, maxWaitMs);
  try {
    for await (const message of stream) {
      const key = `${message.topic}:${message.partition}`;
      let list = buffers.get(key);
      if (list === undefined) buffers.set(key, (list = []));
      list.push(message);
      if (list.length >= maxMessages) await flush(key);
      if (!running()) break;
    }
    for (const key of [...buffers.keys()]) await flush(key);
    await chain;
  } finally {
    clearInterval(timer);
  }
  if (failure !== undefined) throw failure;
}
