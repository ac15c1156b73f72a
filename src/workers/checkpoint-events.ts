/**
 * One batch's events into the store, system by system, with the batch's
 * offsets: what a replay of the same batch skips, and what a regrouped
 * replay (other batch bounds) trims to the events not applied yet.
 *
 * @module
 */
import type { RedisSketchStore } from "../redis/redis-sketch-store.js";
import { OffsetOverlapError } from "../redis/redis-store-errors.js";
import { compareOffsets, parseOffset } from "../redis/consumer-offsets.js";
import type { BatchPipeline, ParsedMessage } from "./batch-pipeline.js";
import { BatchDeltas } from "./batch-deltas.js";

/**
 * A named point in a worker's batch, for tests that crash the worker there
 * and for tracing: `read` (messages in hand), `deduped`, `checkpoint`
 * (before the first system's transaction), `between-systems` (after each
 * system's transaction), `checkpointed` (state written, not yet
 * acknowledged), `acknowledged`.
 *
 * @example
 * ```ts
 * import { type WorkerPoint } from "papertrail/workers";
 * const point: WorkerPoint = "checkpointed";
 * point; // => "checkpointed"
 * ```
 */
export type WorkerPoint = "read" | "deduped" | "checkpoint" | "between-systems" | "checkpointed" | "acknowledged";

/**
 * What a checkpoint of one batch did.
 *
 * @example
 * ```ts
 * import { type BatchOutcome } from "papertrail/workers";
 * const outcome: BatchOutcome = { events: 10, duplicates: 1, deadLetters: 0, applied: ["vpn"], skipped: [], trimmed: [] };
 * outcome.applied; // => ["vpn"]
 * ```
 */
export interface BatchOutcome {
  /** Events parsed (duplicates included). */
  readonly events: number;
  /** Events dropped as duplicates. */
  readonly duplicates: number;
  readonly deadLetters: number;
  /** Systems whose deltas this batch wrote. */
  readonly applied: readonly string[];
  /** Systems that had this batch already (a replay). */
  readonly skipped: readonly string[];
  /** Systems that had part of it: only the events after their stored offset were written. */
  readonly trimmed: readonly string[];
}

/**
 * @internal
 *
 * `events` are grouped by system here; `deltas` were built as the events
 * were read (the events are gone). A system that holds part of the batch
 * already (an OffsetOverlapError: a regrouped replay) is trimmed to the
 * events after its stored offset when `events` are given; with `deltas`
 * the error is thrown, and the caller replays the batch from its messages.
 */
export async function checkpointEvents(args: {
  readonly store: RedisSketchStore;
  readonly pipeline: BatchPipeline;
  readonly group: string;
  readonly source: string;
  /** First and last offset of the batch as read (dead letters and duplicates included). */
  readonly first: string;
  readonly last: string;
  /** Kept events, in offset order; or their deltas. */
  readonly events: readonly ParsedMessage[] | BatchDeltas;
  readonly at: (point: WorkerPoint) => void | Promise<void>;
}): Promise<{ applied: string[]; skipped: string[]; trimmed: string[] }> {
  const { store, pipeline, group, source } = args;
  // Events are kept by system as well, for the trim below.
  let deltas = args.events instanceof BatchDeltas ? args.events : undefined;
  const bySystem = new Map<string, ParsedMessage[]>();
  if (deltas === undefined) {
    deltas = pipeline.deltaBuilder();
    for (const message of args.events as readonly ParsedMessage[]) {
      deltas.add(message.event);
      const system = pipeline.systemOf(message.event);
      let list = bySystem.get(system);
      if (list === undefined) bySystem.set(system, (list = []));
      list.push(message);
    }
  }
  const applied: string[] = [];
  const skipped: string[] = [];
  const trimmed: string[] = [];
  await args.at("checkpoint");
  for (const system of deltas.systems()) {
    const messages = bySystem.get(system);
    try {
      const result = await store.checkpoint({ group, offsets: { [source]: { first: args.first, last: args.last } }, deltas: deltas.of(system) });
      (result.applied.length > 0 ? applied : skipped).push(system);
    } catch (error) {
      if (!(error instanceof OffsetOverlapError) || messages === undefined) throw error;
      // The system applied a batch that ended inside this one: write only the events after it.
      const stored = (await store.readOffsets(group, system))[source];
      const at = parseOffset("stored offset", stored);
      const rest = messages.filter((m) => compareOffsets(parseOffset("offset", m.offset), at) > 0);
      if (rest.length === 0) skipped.push(system);
      else {
        await store.checkpoint({ group, offsets: { [source]: { first: (rest[0] as ParsedMessage).offset, last: args.last } }, deltas: pipeline.deltas(rest.map((m) => m.event)) });
        trimmed.push(system);
      }
    }
    await args.at("between-systems");
  }
  return { applied, skipped, trimmed };
}
