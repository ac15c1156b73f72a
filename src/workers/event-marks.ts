/**
 * Deduplication shared by every consumer of a group, stable under replay:
 * each event id is marked in Redis with the offset of the copy that claimed
 * it, so a replay of that copy finds its own mark and keeps the event.
 *
 * @module
 */
import { InvalidArgumentError } from "../errors.js";
import type { RedisConnection } from "../redis/redis-connection.js";
import { checkOptionKeys } from "../sketches/sketch.js";
import type { ParsedMessage } from "./batch-pipeline.js";

/**
 * Options of {@link RedisEventMarks}.
 *
 * @example
 * ```ts
 * import { type RedisEventMarksOptions } from "papertrail/workers";
 * const options: RedisEventMarksOptions = { prefix: "pt", group: "monitor", bucketMs: 3_600_000, ttlMs: 7_200_000 };
 * options.group; // => "monitor"
 * ```
 */
export interface RedisEventMarksOptions {
  /** First part of the keys (default `"pt"`). */
  readonly prefix?: string;
  /** The consumer group whose events these are (marks are per group). */
  readonly group: string;
  /** Event-time width of one marks hash (default 1 hour). */
  readonly bucketMs?: number;
  /** Life of a marks hash after its last write (default 2 hours). */
  readonly ttlMs?: number;
}

// Per (field, token): claim the field for the token, or say whether another
// token has it. One round trip and one atomic step per bucket of a batch.
const MARK_SCRIPT = `
local out = {}
for i = 2, #ARGV, 2 do
  local field, token = ARGV[i], ARGV[i + 1]
  if redis.call('HSETNX', KEYS[1], field, token) == 1 then
    out[#out + 1] = 0
  elseif redis.call('HGET', KEYS[1], field) == token then
    out[#out + 1] = 0
  else
    out[#out + 1] = 1
  end
end
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return out`;

/**
 * Marks of the events a consumer group has taken, in Redis hashes per
 * event-time bucket: field `kind` + id, value the token (source and offset)
 * of the copy that took it first. A copy with another token is a duplicate;
 * the same copy seen again (a replay after a crash) is not. Events without
 * an id are never duplicates. Copies of one event carry its event time, so
 * they meet in the same bucket.
 *
 * @example
 * ```ts
 * import { RedisEventMarks } from "papertrail/workers";
 * import type { RedisConnection } from "papertrail/redis";
 * const hashes = new Map<string, string>();
 * // A stand-in for Redis running the script: HSETNX, then compare.
 * const client = { sendCommand: async (args: readonly unknown[]) => {
 *   const argv = args.slice(4).map(String);
 *   const out: number[] = [];
 *   for (let i = 1; i < argv.length; i += 2) {
 *     const old = hashes.get(argv[i]!);
 *     if (old === undefined) hashes.set(argv[i]!, argv[i + 1]!);
 *     out.push(old === undefined || old === argv[i + 1] ? 0 : 1);
 *   }
 *   return out;
 * } } as unknown as RedisConnection;
 * const marks = new RedisEventMarks(client, { group: "monitor" });
 * const event = (offset: string) => ({ offset, event: { kind: "login", id: "evt-1", time: 0 } as never });
 * await marks.duplicates("s/a", [event("1-0"), event("1-1")]); // => [false, true]
 * await marks.duplicates("s/a", [event("1-0")]); // => [false]
 * ```
 */
export class RedisEventMarks {
  readonly prefix: string;
  readonly group: string;
  readonly bucketMs: number;
  readonly ttlMs: number;
  private readonly client: RedisConnection;

  constructor(client: RedisConnection, options: RedisEventMarksOptions) {
    checkOptionKeys("RedisEventMarks", options, ["prefix", "group", "bucketMs", "ttlMs"]);
    this.client = client;
    this.prefix = options.prefix ?? "pt";
    this.group = options.group;
    if (typeof this.group !== "string" || this.group.length === 0 || /[{}]/.test(this.group)) {
      throw new InvalidArgumentError(`RedisEventMarks: group must be a non-empty string without braces, got ${String(options.group)}`);
    }
    this.bucketMs = options.bucketMs ?? 3_600_000;
    this.ttlMs = options.ttlMs ?? 2 * this.bucketMs;
    for (const [name, value] of [["bucketMs", this.bucketMs], ["ttlMs", this.ttlMs]] as const) {
      if (!Number.isSafeInteger(value) || value <= 0) throw new InvalidArgumentError(`RedisEventMarks: ${name} must be a positive integer, got ${String(value)}`);
    }
  }

  /** The marks hash of an event-time bucket (hash tag: the group). */
  key(bucket: number): string {
    return `${this.prefix}:marks:{${this.group}}:${bucket}`;
  }

  /**
   * For each event in order: whether it is a duplicate of an event another
   * copy (another offset) has taken. `source` names the log the offsets are
   * of (a stream and consumer, a topic and partition).
   */
  async duplicates(source: string, events: readonly ParsedMessage[]): Promise<boolean[]> {
    const result = new Array<boolean>(events.length).fill(false);
    const byBucket = new Map<number, number[]>();
    for (let i = 0; i < events.length; i++) {
      const { event } = events[i] as ParsedMessage;
      if (event.id === undefined || event.id === "") continue;
      const bucket = Math.floor(event.time / this.bucketMs) * this.bucketMs;
      let list = byBucket.get(bucket);
      if (list === undefined) byBucket.set(bucket, (list = []));
      list.push(i);
    }
    await Promise.all(
      [...byBucket].map(async ([bucket, indexes]) => {
        const args: string[] = ["EVAL", MARK_SCRIPT, "1", this.key(bucket), String(this.ttlMs)];
        for (const i of indexes) {
          const { offset, event } = events[i] as ParsedMessage;
          args.push(`${event.kind}\u0000${event.id as string}`, `${source}\u0000${offset}`);
        }
        const reply = (await this.client.sendCommand(args)) as unknown[];
        if (!Array.isArray(reply) || reply.length !== indexes.length) throw new InvalidArgumentError(`RedisEventMarks: unexpected script reply ${String(reply)}`);
        indexes.forEach((i, n) => (result[i] = Number(reply[n]) === 1));
      }),
    );
    return result;
  }
}
