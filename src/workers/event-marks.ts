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

// KEYS: the bucket's marks hash. ARGV: ttl, the source's token prefix
// (source + NUL), the events' fields, then their offsets in the same order;
// the token of an event is the prefix + its offset. Each field is claimed for the first token that
// asks (stored, or earlier in this call); the reply lists the 1-based
// positions of the events whose field another token holds. One HMGET and one
// HSET per call instead of an HSETNX per event: Redis's cost of a call from
// Lua (argument objects, command lookup, reply conversion) was about 2 µs of
// its 5 µs per event in bench/streams.mjs.
const MARK_SCRIPT = `
local prefix = ARGV[2]
local count = (#ARGV - 2) / 2
local owners = redis.call('HMGET', KEYS[1], unpack(ARGV, 3, count + 2))
local claimed = {}
local writes = {}
local out = {}
for n = 1, count do
  local field = ARGV[n + 2]
  local token = prefix .. ARGV[count + n + 2]
  local owner = owners[n] or claimed[field]
  if owner then
    if owner ~= token then out[#out + 1] = n end
  else
    claimed[field] = token
    writes[#writes + 1] = field
    writes[#writes + 1] = token
  end
end
if #writes > 0 then redis.call('HSET', KEYS[1], unpack(writes)) end
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return out`;

// Events per script call: Lua's unpack() refuses more than about 8,000 values.
const CHUNK = 1000;

/**
 * Marks of the events a consumer group has taken, in Redis hashes per
 * event-time bucket: field `kind` + id, value the token (source and offset,
 * and for an event of a packed entry its position) of the copy that took it
 * first. A copy with another token is a duplicate;
 * the same copy seen again (a replay after a crash) is not. Events without
 * an id are never duplicates. Copies of one event carry its event time, so
 * they meet in the same bucket.
 *
 * @example
 * ```ts
 * import { RedisEventMarks } from "papertrail/workers";
 * import type { RedisConnection } from "papertrail/redis";
 * const hashes = new Map<string, string>();
 * // A stand-in for Redis running the script: the first token of a field holds it.
 * const client = { sendCommand: async (args: readonly unknown[]) => {
 *   const [prefix, ...rest] = args.slice(5).map(String);
 *   const fields = rest.slice(0, rest.length / 2), offsets = rest.slice(rest.length / 2);
 *   const out: number[] = [];
 *   fields.forEach((field, n) => {
 *     const token = prefix + offsets[n]!;
 *     const old = hashes.get(field);
 *     if (old === undefined) hashes.set(field, token);
 *     else if (old !== token) out.push(n + 1);
 *   });
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
    const prefix = `${source}\u0000`;
    const calls: Array<Promise<void>> = [];
    for (const [bucket, indexes] of byBucket) {
      for (let from = 0; from < indexes.length; from += CHUNK) {
        const chunk = indexes.slice(from, from + CHUNK);
        const args: string[] = ["EVAL", MARK_SCRIPT, "1", this.key(bucket), String(this.ttlMs), prefix];
        for (const i of chunk) {
          const { event } = events[i] as ParsedMessage;
          args.push(`${event.kind}\u0000${event.id as string}`);
        }
        // A packed entry's events share its offset: their line tells them apart.
        for (const i of chunk) {
          const { offset, position } = events[i] as ParsedMessage;
          args.push(position === undefined ? offset : `${offset}#${position}`);
        }
        // Calls on one connection run in order, so a later chunk sees the fields an earlier one claimed.
        calls.push(
          this.client.sendCommand(args).then((reply) => {
            if (!Array.isArray(reply)) throw new InvalidArgumentError(`RedisEventMarks: unexpected script reply ${String(reply)}`);
            for (const position of reply) {
              const i = chunk[Number(position) - 1];
              if (i === undefined) throw new InvalidArgumentError(`RedisEventMarks: unexpected script reply position ${String(position)}`);
              result[i] = true;
            }
          }),
        );
      }
    }
    await Promise.all(calls);
    return result;
  }
}
