/**
 * The part of a Kafka client the worker uses, as structural types: the
 * kafkajs `eachBatch` payload shape (which @platformatic/kafka is adapted
 * to, see platformatic-kafka.ts). No Kafka package is imported.
 *
 * @module
 */

/**
 * One record as the worker reads it: offset (decimal text or bigint) and
 * value bytes or text.
 *
 * @example
 * ```ts
 * import { type KafkaMessageLike } from "papertrail/workers";
 * const message: KafkaMessageLike = { offset: "41", value: new TextEncoder().encode("{}") };
 * message.offset; // => "41"
 * ```
 */
export interface KafkaMessageLike {
  readonly offset: string | bigint;
  readonly value: Uint8Array | string | null | undefined;
}

/**
 * A fetched batch of one partition.
 *
 * @example
 * ```ts
 * import { type KafkaBatchLike } from "papertrail/workers";
 * const batch: KafkaBatchLike = { topic: "events", partition: 0, messages: [] };
 * batch.partition; // => 0
 * ```
 */
export interface KafkaBatchLike {
  readonly topic: string;
  readonly partition: number;
  readonly messages: readonly KafkaMessageLike[];
}

/**
 * What kafkajs passes to `eachBatch` (the members the worker calls):
 * `heartbeat` keeps the membership alive during a long batch,
 * `resolveOffset` marks a message done, `commitOffsetsIfNecessary` commits
 * what was resolved, `isRunning`/`isStale` say whether to stop early (the
 * consumer stops, or a rebalance took the partition away).
 *
 * @example
 * ```ts
 * import { type KafkaEachBatchPayload } from "papertrail/workers";
 * const resolved: string[] = [];
 * const payload: KafkaEachBatchPayload = {
 *   batch: { topic: "events", partition: 0, messages: [{ offset: "0", value: "{}" }] },
 *   heartbeat: async () => {}, resolveOffset: (o) => void resolved.push(o),
 *   commitOffsetsIfNecessary: async () => {}, isRunning: () => true, isStale: () => false,
 * };
 * payload.resolveOffset("0");
 * resolved; // => ["0"]
 * ```
 */
export interface KafkaEachBatchPayload {
  readonly batch: KafkaBatchLike;
  heartbeat(): Promise<void>;
  resolveOffset(offset: string): void;
  commitOffsetsIfNecessary(): Promise<void>;
  isRunning(): boolean;
  isStale(): boolean;
}
