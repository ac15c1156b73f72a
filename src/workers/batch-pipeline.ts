/**
 * The pure part of a worker: a batch of log messages parsed into events
 * (the malformed ones into dead letters with the reason), and events turned
 * into per-batch delta sketches per (metric, system, bucket).
 *
 * @module
 */
import type { ComplianceEvent } from "../compliance/event.js";
import { normalizeEvent } from "../compliance/event-extract.js";
import { detectShape } from "../compliance/event-shapes.js";
import { InvalidArgumentError } from "../errors.js";
import type { SketchDelta } from "../redis/redis-sketch-store.js";
import { checkOptionKeys } from "../sketches/sketch.js";
import { BatchDeltas } from "./batch-deltas.js";
import { defaultWorkerMetrics, type WorkerMetric } from "./worker-metrics.js";

/**
 * One message of a log: its offset (a Redis Streams id or a Kafka offset as
 * text) and its payload, JSON text or UTF-8 bytes.
 *
 * @example
 * ```ts
 * import { type WorkerMessage } from "papertrail/workers";
 * const message: WorkerMessage = { offset: "1767258000000-0", value: '{"event_type":"login"}' };
 * message.offset; // => "1767258000000-0"
 * ```
 */
export interface WorkerMessage {
  readonly offset: string;
  readonly value: string | Uint8Array | null | undefined;
  /**
   * A packed message: `value` holds several events as NDJSON (one JSON
   * event per line, `\n` between lines; empty lines are skipped). Each
   * event keeps the message's offset and gets its 0-based line number as
   * `position`.
   */
  readonly packed?: boolean;
}

/**
 * A message the worker could not use, with why; it goes to the dead-letter
 * stream or topic instead of crashing the worker.
 *
 * @example
 * ```ts
 * import { type DeadLetter } from "papertrail/workers";
 * const letter: DeadLetter = { offset: "7", reason: "invalid JSON: Unexpected token", value: "{oops" };
 * letter.reason.startsWith("invalid JSON"); // => true
 * ```
 */
export interface DeadLetter {
  readonly offset: string;
  readonly reason: string;
  /** The payload as text (bytes decoded as UTF-8, invalid sequences replaced); of a packed message, the event's line only. */
  readonly value: string;
  /** Of a packed message: the event's 0-based line number in it (its siblings are parsed as usual). */
  readonly position?: number;
}

/**
 * An event with the offset of the message it came from.
 *
 * @example
 * ```ts
 * import { type ParsedMessage, parseRecord } from "papertrail/workers";
 * const parsed: ParsedMessage = { offset: "3", event: parseRecord({ service: "api", cpu: 50, latency_ms: 9, timestamp: 0 }) };
 * parsed.event.kind; // => "metric"
 * ```
 */
export interface ParsedMessage {
  readonly offset: string;
  readonly event: ComplianceEvent;
  /** Of a packed message: the event's 0-based line number in it (see {@link WorkerMessage.packed}). */
  readonly position?: number;
}

/**
 * Options of {@link BatchPipeline}.
 *
 * @example
 * ```ts
 * import { type BatchPipelineOptions, distinctMetric } from "papertrail/workers";
 * const options: BatchPipelineOptions = { metrics: [distinctMetric("users", (e) => e.user)], granularity: "hour", bucketMs: 3_600_000 };
 * options.metrics?.length; // => 1
 * ```
 */
export interface BatchPipelineOptions {
  /** What to measure (default {@link defaultWorkerMetrics}). */
  readonly metrics?: readonly WorkerMetric[];
  /** Record → event; throw to dead-letter the message (the error's message is the reason). Default {@link parseRecord}. */
  readonly parse?: (record: unknown) => ComplianceEvent;
  /** Store granularity the deltas are written at (default `"hour"`). */
  readonly granularity?: string;
  /** Its bucket width in ms; must equal the store's (default 3,600,000). */
  readonly bucketMs?: number;
  /** System of events that name none (default `"unassigned"`). */
  readonly defaultSystem?: string;
}

/**
 * The default parser: finds the record's shape ({@link detectShape}) and
 * normalizes it; throws an `InvalidArgumentError` naming the field when it
 * cannot.
 *
 * @example
 * ```ts
 * import { parseRecord } from "papertrail/workers";
 * parseRecord({ event_type: "login", user_id: "alice", system: "vpn", timestamp: "2026-01-01T00:00:00Z" }).user; // => "alice"
 * let reason = "";
 * try { parseRecord({ hello: "world" }); } catch (e) { reason = (e as Error).message; }
 * reason; // => "record matches no known event shape"
 * ```
 */
export function parseRecord(record: unknown): ComplianceEvent {
  const shape = detectShape(record);
  if (shape === undefined) throw new InvalidArgumentError("record matches no known event shape");
  const result = normalizeEvent(record, shape);
  if (!result.ok) {
    const { error } = result;
    throw new InvalidArgumentError(`${error.shape}: ${error.field} (from ${error.source}) must be ${error.expected}, got ${error.got}`);
  }
  return result.event;
}

const OPTION_KEYS = ["metrics", "parse", "granularity", "bucketMs", "defaultSystem"];

function letter(offset: string, reason: string, value: string, position: number | undefined): DeadLetter {
  return position === undefined ? { offset, reason, value } : { offset, reason, value, position };
}
const decoder = new TextDecoder();

/**
 * Parses batches and builds their delta sketches: one fresh sketch per
 * (metric, system, bucket) of the batch, so that a checkpoint writes what
 * this batch adds and nothing else.
 *
 * @example
 * ```ts
 * import { BatchPipeline } from "papertrail/workers";
 * const pipeline = new BatchPipeline();
 * const { events, deadLetters } = pipeline.parse([
 *   { offset: "1-0", value: '{"event_type":"login","user_id":"alice","system":"vpn","timestamp":"2026-01-01T00:10:00Z"}' },
 *   { offset: "1-1", value: "{not json" },
 * ]);
 * [events.length, deadLetters.length]; // => [1, 1]
 * const deltas = pipeline.deltas(events.map((m) => m.event));
 * deltas.map((d) => `${d.metric}/${d.system}/${d.bucket}`)[0]; // => "events-by-kind/vpn/1767225600000"
 * ```
 */
export class BatchPipeline {
  readonly metrics: readonly WorkerMetric[];
  readonly granularity: string;
  readonly bucketMs: number;
  readonly defaultSystem: string;
  private readonly parseRecord: (record: unknown) => ComplianceEvent;

  constructor(options: BatchPipelineOptions = {}) {
    checkOptionKeys("BatchPipeline", options, OPTION_KEYS);
    this.metrics = options.metrics ?? defaultWorkerMetrics();
    if (!Array.isArray(this.metrics) || this.metrics.length === 0) throw new InvalidArgumentError("BatchPipeline: metrics must be a non-empty array");
    const names = new Set(this.metrics.map((m) => m.name));
    if (names.size !== this.metrics.length) throw new InvalidArgumentError("BatchPipeline: metric names must be unique");
    this.granularity = options.granularity ?? "hour";
    this.bucketMs = options.bucketMs ?? 3_600_000;
    if (!Number.isSafeInteger(this.bucketMs) || this.bucketMs <= 0) throw new InvalidArgumentError(`BatchPipeline: bucketMs must be a positive integer, got ${String(options.bucketMs)}`);
    this.defaultSystem = options.defaultSystem ?? "unassigned";
    if (typeof this.defaultSystem !== "string" || this.defaultSystem.length === 0) throw new InvalidArgumentError("BatchPipeline: defaultSystem must be a non-empty string");
    this.parseRecord = options.parse ?? parseRecord;
    if (typeof this.parseRecord !== "function") throw new InvalidArgumentError("BatchPipeline: parse must be a function");
  }

  /** The system an event's deltas go to. */
  systemOf(event: ComplianceEvent): string {
    return event.system === undefined || event.system === "" ? this.defaultSystem : event.system;
  }

  /**
   * Messages → events in order, and dead letters for the ones that are no
   * JSON or no event. Never throws for a message. A packed message gives
   * one event or dead letter per non-empty line, each with its position.
   */
  parse(messages: readonly WorkerMessage[]): { events: ParsedMessage[]; deadLetters: DeadLetter[] } {
    const events: ParsedMessage[] = [];
    const deadLetters: DeadLetter[] = [];
    for (const message of messages) {
      const raw = message.value;
      if (raw === null || raw === undefined) {
        deadLetters.push({ offset: message.offset, reason: "empty message", value: "" });
        continue;
      }
      const text = typeof raw === "string" ? raw : decoder.decode(raw);
      if (message.packed !== true) {
        this.parseOne(message.offset, text, undefined, events, deadLetters);
        continue;
      }
      let position = 0;
      let lines = 0;
      for (let start = 0; start <= text.length; position++) {
        let end = text.indexOf("\n", start);
        if (end < 0) end = text.length;
        if (end > start) {
          this.parseOne(message.offset, text.slice(start, end), position, events, deadLetters);
          lines++;
        }
        start = end + 1;
      }
      if (lines === 0) deadLetters.push({ offset: message.offset, reason: "empty message", value: text });
    }
    return { events, deadLetters };
  }

  /** One event's JSON text into `events`, or its dead letter into `deadLetters`. */
  private parseOne(offset: string, text: string, position: number | undefined, events: ParsedMessage[], deadLetters: DeadLetter[]): void {
    let record: unknown;
    try {
      record = JSON.parse(text);
    } catch (error) {
      deadLetters.push(letter(offset, `invalid JSON: ${(error as Error).message}`, text, position));
      return;
    }
    try {
      const event = this.parseRecord(record);
      if (!Number.isFinite(event.time)) throw new InvalidArgumentError(`event time must be a finite number, got ${String(event.time)}`);
      events.push(position === undefined ? { offset, event } : { offset, event, position });
    } catch (error) {
      deadLetters.push(letter(offset, error instanceof Error ? error.message : String(error), text, position));
    }
  }

  /** An empty {@link BatchDeltas} of this pipeline's metrics, to fold events into as they are read. */
  deltaBuilder(): BatchDeltas {
    return new BatchDeltas(this);
  }

  /** Fresh sketches per (metric, system, bucket) for these events only, ordered by system, metric, bucket. */
  deltas(events: Iterable<ComplianceEvent>): SketchDelta[] {
    const builder = new BatchDeltas(this);
    for (const event of events) builder.add(event);
    return builder.all();
  }
}
