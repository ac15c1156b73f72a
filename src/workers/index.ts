/**
 * Workers: consumer-group workers over Redis Streams and Kafka that keep
 * merged sketch state in a `RedisSketchStore` with exactly-once effect
 * (docs/scaling.md). Node only; the Redis and Kafka clients are passed in
 * (optional peer dependencies: this module loads without them).
 *
 * @module workers
 */
// Consumer-group workers (pipeline, Redis Streams, Kafka, rules consumer; docs/scaling.md).
export { BatchPipeline, parseRecord } from "./batch-pipeline.js";
export type { BatchPipelineOptions, WorkerMessage, DeadLetter, ParsedMessage } from "./batch-pipeline.js";
export { BatchDeltas } from "./batch-deltas.js";
export { countMetric, distinctMetric, topMetric, defaultWorkerMetrics, activityMetric, statsMetrics, complianceWorkerMetrics } from "./worker-metrics.js";
export type { WorkerMetric, EventKey, EventValue } from "./worker-metrics.js";
export { RedisEventMarks } from "./event-marks.js";
export type { RedisEventMarksOptions } from "./event-marks.js";
export type { WorkerPoint, BatchOutcome } from "./checkpoint-events.js";
export { StreamsWorker } from "./streams-worker.js";
export type { StreamsWorkerOptions } from "./streams-worker.js";
export { StreamsRulesWorker } from "./rules-worker.js";
export type { StreamsRulesWorkerOptions } from "./rules-worker.js";
export { KafkaWorker } from "./kafka-worker.js";
export type { KafkaWorkerOptions } from "./kafka-worker.js";
export type { KafkaEachBatchPayload, KafkaBatchLike, KafkaMessageLike } from "./kafka-client.js";
export { runPlatformaticConsumer } from "./platformatic-kafka.js";
export type { PlatformaticMessageLike, PlatformaticRunOptions } from "./platformatic-kafka.js";
// The error classes, as every subpath exports them: callers catch what this
// module's functions throw without importing another entry point.
export { PaperTrailError, ParameterMismatchError, DecodeError, InvalidArgumentError } from "../errors.js";
export type { DecodeErrorCode } from "../errors.js";
