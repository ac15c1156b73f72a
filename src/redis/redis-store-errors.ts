/**
 * The errors only the Redis store throws. Both are PaperTrail errors; the
 * store also throws `ParameterMismatchError` (a delta that does not fit what
 * a key holds), `DecodeError` (a key holding bytes that are no stored
 * sketch) and `InvalidArgumentError` (bad addresses, offsets or options).
 *
 * @module
 */
import { brand } from "../brand.js";
import { PaperTrailError } from "../errors.js";

/**
 * Thrown when an optimistic transaction (WATCH, read, MULTI/EXEC) kept
 * finding its watched keys changed by other writers, `attempts` times in a
 * row. Nothing of that transaction was written; retrying later is safe.
 *
 * @example
 * ```ts
 * import { ContentionError, PaperTrailError } from "papertrail/redis";
 * const error = new ContentionError("pt:{vault}:logins:hour:0", 16);
 * error instanceof PaperTrailError; // => true
 * error.message; // => "gave up after 16 attempts: other writers kept changing pt:{vault}:logins:hour:0; nothing was written"
 * ```
 */
export class ContentionError extends PaperTrailError {
  override readonly name: string = "ContentionError";
  /** A key of the transaction (the first watched one). */
  readonly key: string;
  /** How many times the transaction ran. */
  readonly attempts: number;

  constructor(key: string, attempts: number) {
    super(`gave up after ${attempts} attempts: other writers kept changing ${key}; nothing was written`);
    this.key = key;
    this.attempts = attempts;
  }
}

/**
 * Thrown by a checkpoint whose batch overlaps what a system has already
 * applied without being a replay of it: for some source the stored offset
 * is at or past the batch's first offset but before its last. Applying it
 * would count events twice, so nothing is written; the caller drops the
 * events at or below {@link RedisSketchStore.readOffsets} and checkpoints
 * the rest.
 *
 * @example
 * ```ts
 * import { OffsetOverlapError } from "papertrail/redis";
 * const error = new OffsetOverlapError("vault", "monitor", "orders:0", "150", { first: "100", last: "199" });
 * error.stored; // => "150"
 * error.message; // => "checkpoint of group monitor overlaps what system vault has applied: source orders:0 is at 150, the batch spans 100..199"
 * ```
 */
export class OffsetOverlapError extends PaperTrailError {
  override readonly name: string = "OffsetOverlapError";
  readonly system: string;
  readonly group: string;
  readonly source: string;
  /** The offset stored for `source`. */
  readonly stored: string;
  /** The batch's range for `source`, canonical text. */
  readonly batch: { readonly first: string; readonly last: string };

  constructor(system: string, group: string, source: string, stored: string, batch: { readonly first: string; readonly last: string }) {
    super(`checkpoint of group ${group} overlaps what system ${system} has applied: source ${source} is at ${stored}, the batch spans ${batch.first}..${batch.last}`);
    this.system = system;
    this.group = group;
    this.source = source;
    this.stored = stored;
    this.batch = batch;
  }
}

brand(ContentionError, "ContentionError");
brand(OffsetOverlapError, "OffsetOverlapError");
