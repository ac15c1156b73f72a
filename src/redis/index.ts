/**
 * Redis: sketch images stored and merged in Redis with node-redis (`redis`
 * ≥ 6.3, an optional peer dependency: this module only uses the client
 * object you pass it, and loads without the package).
 *
 * @module redis
 */
// Redis sketch store (RedisSketchStore, checkpoints, key layout; docs/redis.md).
export { RedisSketchStore } from "./redis-sketch-store.js";
export type { RedisSketchStoreOptions, SketchDelta, CheckpointBatch, CheckpointResult } from "./redis-sketch-store.js";
export { DEFAULT_GRANULARITIES } from "./sketch-key.js";
export type { SketchAddress, Granularity } from "./sketch-key.js";
export type { StoredSketch } from "./stored-sketch.js";
export type { Offset, OffsetRange } from "./consumer-offsets.js";
export type { RedisConnection, RedisTransaction, RedisClusterConnection, RedisStoreClient } from "./redis-connection.js";
export { ContentionError, OffsetOverlapError } from "./redis-store-errors.js";
// The error classes, as every subpath exports them: callers catch what this
// module's functions throw without importing another entry point.
export { PaperTrailError, ParameterMismatchError, DecodeError, InvalidArgumentError } from "../errors.js";
export type { DecodeErrorCode } from "../errors.js";
