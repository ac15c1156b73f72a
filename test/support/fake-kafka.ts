// An in-memory Kafka for the worker tests: a topic of partitions (offsets
// are array indexes), one consumer group with committed offsets, members
// that get partitions assigned and reassigned (a rebalance bumps the
// generation: a member's in-flight batch of a partition it lost turns
// stale), and fetches of random size. It drives handlers of the kafkajs
// `eachBatch` shape.
import type { KafkaEachBatchPayload } from "../../src/workers/index.js";

export class FakeKafka {
  readonly partitions: string[][];
  readonly committed: number[];
  /** partition → member name */
  readonly owner: (string | undefined)[];
  generation = 0;
  heartbeats = 0;
  commits = 0;

  constructor(readonly topic: string, partitions: number) {
    this.partitions = Array.from({ length: partitions }, () => []);
    this.committed = new Array<number>(partitions).fill(0);
    this.owner = new Array<string | undefined>(partitions).fill(undefined);
  }

  produce(partition: number, value: string): void {
    (this.partitions[partition] as string[]).push(value);
  }

  /** Spreads the partitions round-robin over the members (a rebalance). */
  assign(members: readonly string[]): void {
    this.generation++;
    this.owner.forEach((_, p) => (this.owner[p] = members.length === 0 ? undefined : members[p % members.length]));
  }

  lag(): number {
    return this.partitions.reduce((sum, log, p) => sum + log.length - (this.committed[p] as number), 0);
  }

  /**
   * One fetch of `size` messages from the committed offset of a partition
   * `member` owns, handed to `eachBatch`. `rebalanceDuring` runs after the
   * handler's first heartbeat (a rebalance while the batch is in flight).
   */
  async fetch(member: string, partition: number, size: number, eachBatch: (payload: KafkaEachBatchPayload) => Promise<void>, rebalanceDuring?: () => void): Promise<void> {
    if (this.owner[partition] !== member) return;
    const start = this.committed[partition] as number;
    const log = this.partitions[partition] as string[];
    const messages = log.slice(start, start + size).map((value, i) => ({ offset: String(start + i), value: Buffer.from(value) }));
    if (messages.length === 0) return;
    const generation = this.generation;
    let resolved = -1;
    let beats = 0;
    await eachBatch({
      batch: { topic: this.topic, partition, messages },
      heartbeat: async () => {
        this.heartbeats++;
        if (++beats === 1) rebalanceDuring?.();
      },
      resolveOffset: (offset) => void (resolved = Number(offset)),
      commitOffsetsIfNecessary: async () => {
        // A member that lost the partition cannot commit for it (the broker refuses: stale generation).
        if (this.generation !== generation || this.owner[partition] !== member || resolved < 0) return;
        this.committed[partition] = Math.max(this.committed[partition] as number, resolved + 1);
        this.commits++;
      },
      isRunning: () => true,
      isStale: () => this.generation !== generation && this.owner[partition] !== member,
    });
  }
}
