/**
 * What the Redis store needs of a node-redis client, written as structural
 * types so that this module loads without the `redis` package (only its
 * types are imported): a connected client from `createClient()` (or one of
 * its `duplicate()`s) satisfies {@link RedisConnection}; a cluster client
 * from `createCluster()` satisfies {@link RedisClusterConnection} and hands
 * out the connection of the node that owns a key's slot.
 *
 * @module
 */
import type { RedisArgument, RESP_TYPES, TypeMapping } from "redis";
import { DecodeError } from "../errors.js";

/**
 * One connection of node-redis (`createClient()` or a cluster node's client):
 * raw commands, WATCH, and MULTI/EXEC. WATCH belongs to the connection, so
 * the store runs one transaction at a time on each connection it is given,
 * and other code must not run its own WATCH or MULTI/EXEC on that same
 * connection while the store works (an EXEC clears every WATCH of the
 * connection): give the store its own client, e.g. `client.duplicate()`.
 *
 * @example
 * ```ts
 * import { type RedisConnection } from "papertrail/redis";
 * // The calls the store makes, as a client answers them.
 * const replies: unknown[] = [];
 * const connection: RedisConnection = {
 *   sendCommand: async (args) => { replies.push(args[0]); return "PONG"; },
 *   watch: async () => "OK",
 *   unwatch: async () => "OK",
 *   multi: () => ({ addCommand: () => undefined, exec: async () => [] }),
 * };
 * await connection.sendCommand(["PING"]); // => "PONG"
 * ```
 */
export interface RedisConnection {
  /** Sends one command; `options.typeMapping` chooses how replies are decoded. */
  sendCommand(args: ReadonlyArray<RedisArgument>, options?: { readonly typeMapping?: TypeMapping }): Promise<unknown>;
  /** WATCH on this connection. */
  watch(key: RedisArgument | RedisArgument[]): Promise<unknown>;
  /** UNWATCH on this connection. */
  unwatch(): Promise<unknown>;
  /** A MULTI/EXEC transaction; `exec` rejects with node-redis's `WatchError` when a watched key changed. */
  multi(): RedisTransaction;
}

/**
 * The part of node-redis's MULTI builder the store uses.
 *
 * @example
 * ```ts
 * import { type RedisTransaction } from "papertrail/redis";
 * const queued: string[] = [];
 * const transaction: RedisTransaction = { addCommand: (args) => queued.push(String(args[0])), exec: async () => queued };
 * transaction.addCommand(["SET", "k", "v"]);
 * await transaction.exec(); // => ["SET"]
 * ```
 */
export interface RedisTransaction {
  /** Queues a raw command. */
  addCommand(args: RedisArgument[]): unknown;
  /** Sends MULTI, the queued commands and EXEC; resolves to the replies. */
  exec(): Promise<unknown>;
}

/**
 * A node-redis cluster client (`createCluster()`), reduced to what the store
 * needs: the connection of the master that owns a key's slot.
 *
 * @example
 * ```ts
 * import { type RedisClusterConnection, type RedisConnection } from "papertrail/redis";
 * const node: RedisConnection = {
 *   sendCommand: async () => "PONG", watch: async () => "OK", unwatch: async () => "OK",
 *   multi: () => ({ addCommand: () => undefined, exec: async () => [] }),
 * };
 * const cluster: RedisClusterConnection = { getNodeClientForKey: async () => node };
 * (await cluster.getNodeClientForKey("pt:{vault}:logins:hour:0")) === node; // => true
 * ```
 */
export interface RedisClusterConnection {
  /** The connected client of the master serving `key`'s slot. */
  getNodeClientForKey(key: RedisArgument): Promise<RedisConnection>;
}

/**
 * What {@link RedisSketchStore} takes: a node-redis client or cluster client.
 *
 * @example
 * ```ts
 * import { type RedisStoreClient, type RedisConnection } from "papertrail/redis";
 * const node: RedisConnection = {
 *   sendCommand: async () => null, watch: async () => "OK", unwatch: async () => "OK",
 *   multi: () => ({ addCommand: () => undefined, exec: async () => [] }),
 * };
 * const client: RedisStoreClient = node;
 * "getNodeClientForKey" in client; // => false
 * ```
 */
export type RedisStoreClient = RedisConnection | RedisClusterConnection;

/**
 * Internal helpers.
 *
 * @internal
 */

// RESP blob strings decoded as Buffers instead of UTF-8 strings: the binary-safe
// read (node-redis 6's type mapping; RESP_TYPES.BLOB_STRING is the RESP '$' byte, 36).
const BLOB_STRING: (typeof RESP_TYPES)["BLOB_STRING"] = 36;
const BINARY: { readonly typeMapping: TypeMapping } = { typeMapping: { [BLOB_STRING]: Buffer } };

/** Whether `client` looks like something the store can use, and which kind. */
export function clientKind(client: unknown): "cluster" | "connection" | undefined {
  if (client === null || typeof client !== "object") return undefined;
  const candidate = client as Record<string, unknown>;
  if (typeof candidate.getNodeClientForKey === "function") return "cluster";
  if (typeof candidate.sendCommand === "function" && typeof candidate.multi === "function" && typeof candidate.watch === "function") {
    return "connection";
  }
  return undefined;
}

/** The connection serving `key` (the client itself, or the cluster node owning its slot). */
export function connectionFor(client: RedisStoreClient, key: string): Promise<RedisConnection> {
  return "getNodeClientForKey" in client ? client.getNodeClientForKey(key) : Promise.resolve(client);
}

/**
 * Sends a command about the key `args[1]`; a WRONGTYPE refusal (the key
 * holds a list, a set... where a string or hash was expected) becomes a
 * DecodeError naming the key.
 */
export async function sendKeyCommand(connection: RedisConnection, args: readonly RedisArgument[], options?: { readonly typeMapping?: TypeMapping }): Promise<unknown> {
  try {
    return await connection.sendCommand(args, options);
  } catch (error) {
    if (error instanceof Error && error.message.startsWith("WRONGTYPE")) {
      throw new DecodeError("malformed", `Redis key ${String(args[1])}: ${String(args[0])} refused, the key holds another Redis type (${error.message})`);
    }
    throw error;
  }
}

/** A key command whose blob-string replies arrive as bytes (copied, so typed-array views are aligned). */
export async function sendBinary(connection: RedisConnection, args: readonly RedisArgument[]): Promise<unknown> {
  return toBytes(await sendKeyCommand(connection, args, BINARY));
}

function toBytes(reply: unknown): unknown {
  if (reply instanceof Uint8Array) return new Uint8Array(reply);
  if (Array.isArray(reply)) return reply.map(toBytes);
  return reply;
}

// One transaction at a time per connection: WATCH state is per connection,
// and an EXEC (ours or another caller's) clears every WATCH on it.
const queues = new WeakMap<object, Promise<unknown>>();

/** Runs `task` after every earlier task queued on `connection` has settled. */
export function exclusive<T>(connection: RedisConnection, task: () => Promise<T>): Promise<T> {
  const previous = queues.get(connection) ?? Promise.resolve();
  const run = previous.then(task, task);
  queues.set(
    connection,
    run.then(
      () => undefined,
      () => undefined,
    ),
  );
  return run;
}

/** node-redis's `WatchError` (EXEC answered nil: a watched key changed), recognised without importing the package. */
export function isWatchError(error: unknown): boolean {
  return error instanceof Error && error.constructor.name === "WatchError";
}

/** The server error messages inside node-redis's `MultiErrorReply` (or the error's own message). */
export function execErrorMessages(error: unknown): string[] {
  if (error !== null && typeof error === "object" && "replies" in error && "errorIndexes" in error) {
    const { replies, errorIndexes } = error as { replies: unknown[]; errorIndexes: number[] };
    return errorIndexes.map((index) => String((replies[index] as Error | undefined)?.message ?? replies[index]));
  }
  return [error instanceof Error ? error.message : String(error)];
}
