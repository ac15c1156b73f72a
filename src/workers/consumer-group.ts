/**
 * Consumer-group set-up shared by the Redis Streams workers.
 *
 * @internal
 * @module
 */
import type { RedisConnection } from "../redis/redis-connection.js";

/**
 * Creates the consumer group `group` on `stream`, reading from the stream's
 * start and creating the stream if it is missing; a group that already exists
 * (Redis answers BUSYGROUP) is left as it is.
 */
export async function createGroupIfMissing(client: RedisConnection, stream: string, group: string): Promise<void> {
  try {
    await client.sendCommand(["XGROUP", "CREATE", stream, group, "0", "MKSTREAM"]);
  } catch (error) {
    if (!String((error as Error).message).includes("BUSYGROUP")) throw error;
  }
}
