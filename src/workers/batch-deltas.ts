/**
 * Delta sketches built event by event: one fresh sketch per (metric,
 * system, bucket), so that a checkpoint writes what these events add and
 * nothing else.
 *
 * @module
 */
import type { ComplianceEvent } from "../compliance/event.js";
import type { SketchDelta } from "../redis/redis-sketch-store.js";
import type { StoredSketch } from "../redis/stored-sketch.js";
import type { WorkerMetric } from "./worker-metrics.js";

/** What the builder needs of a pipeline. */
interface DeltaShape {
  readonly metrics: readonly WorkerMetric[];
  readonly granularity: string;
  readonly bucketMs: number;
  systemOf(event: ComplianceEvent): string;
}

/** One (system, bucket): a slot per metric, filled when its first event arrives. */
interface Cell {
  readonly bucket: number;
  readonly sketches: Array<StoredSketch | undefined>;
}

/**
 * Delta sketches of the events added so far, per system. A worker folds
 * each read into one as it arrives, so that the events of a held batch are
 * garbage before its checkpoint; {@link BatchPipeline.deltas} builds one
 * for a list.
 *
 * @example
 * ```ts
 * import { BatchPipeline, parseRecord } from "papertrail/workers";
 * const deltas = new BatchPipeline().deltaBuilder();
 * deltas.add(parseRecord({ event_type: "login", user_id: "alice", system: "vpn", timestamp: "2026-01-01T00:10:00Z" }));
 * deltas.add(parseRecord({ event_type: "login", user_id: "bob", system: "db", timestamp: "2026-01-01T00:20:00Z" }));
 * deltas.systems(); // => ["db", "vpn"]
 * deltas.of("vpn")[0]?.metric; // => "events-by-kind"
 * ```
 */
export class BatchDeltas {
  private readonly shape: DeltaShape;
  private readonly cells = new Map<string, Map<number, Cell>>();
  /** The cell the previous event went to: events of one system and hour come in runs. */
  private lastSystem = "";
  private lastBucket = Number.NaN;
  private lastCell: Cell | undefined;
  private added = 0;

  constructor(shape: DeltaShape) {
    this.shape = shape;
  }

  /** Adds an event to the sketches of its (metric, system, bucket) cells. */
  add(event: ComplianceEvent): void {
    const shape = this.shape;
    const system = shape.systemOf(event);
    const bucket = Math.floor(event.time / shape.bucketMs) * shape.bucketMs;
    let cell = this.lastCell;
    if (cell === undefined || bucket !== this.lastBucket || system !== this.lastSystem) {
      let buckets = this.cells.get(system);
      if (buckets === undefined) this.cells.set(system, (buckets = new Map()));
      cell = buckets.get(bucket);
      if (cell === undefined) buckets.set(bucket, (cell = { bucket, sketches: new Array<StoredSketch | undefined>(shape.metrics.length).fill(undefined) }));
      this.lastCell = cell;
      this.lastSystem = system;
      this.lastBucket = bucket;
    }
    const metrics = shape.metrics;
    const sketches = cell.sketches;
    for (let m = 0; m < metrics.length; m++) {
      const metric = metrics[m] as WorkerMetric;
      if (metric.where !== undefined && !metric.where(event)) continue;
      let sketch = sketches[m];
      if (sketch === undefined) sketches[m] = sketch = metric.create();
      metric.add(sketch, event);
    }
    this.added++;
  }

  /** Events added. */
  get count(): number {
    return this.added;
  }

  /** Systems with at least one event, sorted. */
  systems(): string[] {
    return [...this.cells.keys()].sort();
  }

  /** One system's deltas, ordered by metric (as configured), then bucket. */
  of(system: string): SketchDelta[] {
    const buckets = this.cells.get(system);
    if (buckets === undefined) return [];
    const { metrics, granularity } = this.shape;
    const cells = [...buckets.values()].sort((a, b) => a.bucket - b.bucket);
    const out: SketchDelta[] = [];
    for (let m = 0; m < metrics.length; m++) {
      for (const cell of cells) {
        const sketch = cell.sketches[m];
        if (sketch !== undefined) out.push({ metric: (metrics[m] as WorkerMetric).name, system, granularity, bucket: cell.bucket, sketch });
      }
    }
    return out;
  }

  /** Every system's deltas, ordered by system, metric, bucket. */
  all(): SketchDelta[] {
    return this.systems().flatMap((system) => this.of(system));
  }
}
