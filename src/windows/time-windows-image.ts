import type { SomeImageCodec } from "../codec/image-codec.js";
import { createEnvelope } from "../codec/envelope.js";
import { DecodeError, PaperTrailError } from "../errors.js";
import { readImageRecord } from "./image-record.js";
import { isGranularity } from "./granularity.js";
import { floorTo, validateLevels, type Level, type WindowLevel } from "./levels.js";
import { levelBounds } from "./query-plan.js";

const IMAGE_FORMAT = "papertrail.windows";
const IMAGE_VERSION = 1;

/**
 * Counts of dropped events as an image stores them:
 * `[late, keyLimit, invalidTime, future]`.
 *
 * @internal
 */
export type DroppedImage = readonly [late: number, keyLimit: number, invalidTime: number, future: number];

/**
 * One key of a {@link TimeWindowsImage}: per level, its buckets as
 * `[start, state]` pairs in increasing start order.
 *
 * @internal
 */
export interface KeyImage {
  readonly key: unknown;
  readonly dropped: number;
  readonly levels: readonly (readonly (readonly [start: number, state: unknown])[])[];
}

/**
 * Everything a `TimeWindows` image holds (docs/format.md, "Windows").
 *
 * @internal
 */
export interface TimeWindowsImage {
  readonly levels: readonly WindowLevel[];
  readonly allowedLateness: number;
  /** `Infinity` without a key limit. */
  readonly maxKeys: number;
  /** `-Infinity` before any event. */
  readonly watermark: number;
  readonly dropped: DroppedImage;
  readonly keys: readonly KeyImage[];
}

/**
 * Writes a `TimeWindows` image: a `createEnvelope` envelope holding one map.
 *
 * @internal
 */
export function writeTimeWindowsImage(image: TimeWindowsImage, codecs: readonly SomeImageCodec[]): Uint8Array<ArrayBuffer> {
  return createEnvelope({ codecs }).encode({
    format: IMAGE_FORMAT,
    version: IMAGE_VERSION,
    levels: image.levels.map((level) => [level.granularity, level.retention]),
    allowedLateness: image.allowedLateness,
    maxKeys: image.maxKeys === Number.POSITIVE_INFINITY ? null : image.maxKeys,
    watermark: image.watermark === Number.NEGATIVE_INFINITY ? null : image.watermark,
    dropped: image.dropped,
    keys: image.keys.map((entry) => [
      entry.key === undefined ? [] : [entry.key],
      entry.dropped,
      entry.levels.map((buckets) => buckets.flat()),
    ]),
  });
}

const isCount = (value: unknown): value is number => typeof value === "number" && Number.isSafeInteger(value) && value >= 0;

/**
 * Reads and checks a `TimeWindows` image: every field, every bucket (on a
 * boundary of its level, retained, closed for the coarser levels, not after
 * the watermark, no duplicates) and every state (`checkState` returns why a
 * state is unusable, or `undefined`). Throws `DecodeError` for any fault.
 *
 * @internal
 */
export function readTimeWindowsImage(
  bytes: Uint8Array,
  codecs: readonly SomeImageCodec[],
  checkState: (state: unknown) => string | undefined,
): TimeWindowsImage {
  const { record, bad } = readImageRecord(bytes, codecs, { name: "TimeWindows", format: IMAGE_FORMAT, version: IMAGE_VERSION, what: "windows" });
  const levelList = record.levels;
  if (!Array.isArray(levelList) || levelList.length === 0 || levelList.length > 4) bad("levels must be 1 to 4 entries");
  const levels: WindowLevel[] = (levelList as unknown[]).map((level) => {
    if (!Array.isArray(level) || level.length !== 2 || !isGranularity(level[0]) || !isCount(level[1])) return bad("malformed level");
    return { granularity: level[0], retention: level[1] };
  });
  const lateness = record.allowedLateness;
  if (typeof lateness !== "number" || !Number.isFinite(lateness) || lateness < 0) return bad("allowedLateness must be a finite number >= 0");
  let checked: Level[];
  try {
    checked = validateLevels(levels, lateness);
  } catch (error) {
    if (error instanceof PaperTrailError) throw new DecodeError("invalid-field", `TimeWindows image: ${error.message}`);
    throw error;
  }
  const maxKeys = record.maxKeys;
  if (maxKeys !== null && (!isCount(maxKeys) || maxKeys < 1)) bad("maxKeys must be null or a positive integer");
  const watermark = record.watermark;
  if (watermark !== null && (typeof watermark !== "number" || !Number.isFinite(watermark))) bad("watermark must be null or a finite number");
  const mark = watermark === null ? Number.NEGATIVE_INFINITY : (watermark as number);
  const dropped = record.dropped;
  // Three counts in images written before the future count existed.
  if (!Array.isArray(dropped) || (dropped.length !== 3 && dropped.length !== 4) || !dropped.every(isCount)) bad("dropped must be three or four counts");
  const [late, keyLimit, invalidTime, future = 0] = dropped as number[];
  const keys = record.keys;
  if (!Array.isArray(keys)) return bad("keys must be an array");
  const limit = maxKeys === null ? Number.POSITIVE_INFINITY : (maxKeys as number);
  if (keys.length > limit) bad(`${keys.length} keys exceed maxKeys ${limit}`);
  const { retainedFrom, closedTo } = levelBounds(checked, lateness, mark);
  const seen = new Set<unknown>();
  const keyImages: KeyImage[] = [];
  for (const item of keys as unknown[]) {
    if (!Array.isArray(item) || item.length !== 3) return bad("malformed key entry");
    const [wrapped, droppedForKey, levelBuckets] = item as [unknown, unknown, unknown];
    if (!Array.isArray(wrapped) || wrapped.length > 1) return bad("malformed key");
    const key: unknown = wrapped.length === 0 ? undefined : wrapped[0];
    if (seen.has(key)) bad("duplicate key");
    seen.add(key);
    if (!isCount(droppedForKey)) bad("malformed per-key dropped count");
    if (!Array.isArray(levelBuckets) || levelBuckets.length !== checked.length) return bad("bucket lists do not match the levels");
    let buckets = 0;
    const perLevel = (levelBuckets as unknown[]).map((flat, l) => {
      const level = checked[l] as Level;
      if (!Array.isArray(flat) || flat.length % 2 !== 0 || flat.length / 2 > level.retention) bad(`malformed ${level.granularity} buckets`);
      const list = flat as unknown[];
      const pairs: (readonly [number, unknown])[] = [];
      for (let i = 0; i < list.length; i += 2) {
        const start = list[i];
        const state = list[i + 1];
        if (typeof start !== "number" || !Number.isFinite(start) || floorTo(start, level) !== start) bad(`${level.granularity} bucket start ${String(start)} is not a bucket boundary`);
        const s = start as number;
        if (s < (retainedFrom[l] as number) || (l > 0 && s + level.size > (closedTo[l] as number))) bad(`${level.granularity} bucket at ${s} is outside retention or not yet closed`);
        if (s > mark) bad(`bucket at ${s} is after the watermark`);
        if (i > 0 && s <= (list[i - 2] as number)) bad(`${level.granularity} bucket starts must increase`);
        const reason = checkState(state);
        if (reason !== undefined) bad(`${level.granularity} bucket ${s}: ${reason}`);
        pairs.push([s, state]);
      }
      buckets += pairs.length;
      return pairs;
    });
    if (buckets === 0) bad("key without buckets");
    keyImages.push({ key, dropped: droppedForKey as number, levels: perLevel });
  }
  return {
    levels,
    allowedLateness: lateness,
    maxKeys: limit,
    watermark: mark,
    dropped: [late as number, keyLimit as number, invalidTime as number, future],
    keys: keyImages,
  };
}
