/**
 * The embedded backend of the server: a {@link CompliancePipeline} (extract,
 * dedup, monitor, rules, allow-list) seen through the
 * {@link ComplianceBackend} interface, plus a per-minute count of accepted
 * events for the dashboard's chart.
 *
 * @module
 */
import { CompliancePipeline, type CompliancePipelineOptions } from "../compliance/pipeline.js";
import type { ComplianceSnapshot, StatsSummary, TimeRange, TopEntry } from "../compliance/snapshot.js";
import { InvalidArgumentError } from "../errors.js";
import type { WindowRange } from "../windows/time-windows.js";
import type { ComplianceBackend, CountAnswer, IngestReport, MetricNames, QueryWindow } from "./backend.js";

/**
 * Options of {@link createComplianceBackend}: the pipeline's, or a pipeline
 * built elsewhere (restored from an image, say).
 *
 * @example
 * ```ts
 * import type { ComplianceBackendOptions } from "papertrail/server";
 * const options: ComplianceBackendOptions = { monitor: { identities: "plain" }, allowList: ["10.0.0.0/8"] };
 * options.allowList; // => ["10.0.0.0/8"]
 * ```
 */
export type ComplianceBackendOptions = CompliancePipelineOptions | { readonly pipeline: CompliancePipeline };

/**
 * The embedded compliance backend and its pipeline.
 *
 * @example
 * ```ts
 * import type { EmbeddedComplianceBackend } from "papertrail/server";
 * const accepted = (backend: EmbeddedComplianceBackend): number => backend.pipeline.totals.accepted;
 * typeof accepted; // => "function"
 * ```
 */
export interface EmbeddedComplianceBackend extends ComplianceBackend {
  readonly pipeline: CompliancePipeline;
  // The embedded backend answers at once: its methods return plain values.
  ingest(records: readonly unknown[], shape?: string): IngestReport;
  systems(): readonly string[];
  distinct(metric: string, system: string, window: QueryWindow): CountAnswer;
  activity(user: string, system: string, window: QueryWindow): { readonly accessed: boolean; readonly probability: number; readonly covered: TimeRange };
  top(metric: string, system: string, k: number, window: QueryWindow): { readonly items: readonly TopEntry[]; readonly covered: TimeRange };
  frequency(metric: string, system: string, value: string, window: QueryWindow): CountAnswer;
  stats(metric: string, system: string, window: QueryWindow): StatsSummary & { readonly covered: TimeRange };
  eventTimeline(from: number, to: number): readonly { readonly time: number; readonly count: number }[];
  snapshot(period: TimeRange): ComplianceSnapshot;
  counters(): Readonly<Record<string, number>>;
}

const MINUTE = 60_000;
/** Minutes of per-minute counts kept (one day). */
const MINUTES_KEPT = 1440;

/**
 * Creates the embedded backend.
 *
 * @example
 * ```ts
 * import { createComplianceBackend } from "papertrail/server";
 * const now = Date.UTC(2026, 0, 5, 12);
 * const backend = createComplianceBackend({ monitor: { identities: "plain" }, now: () => now });
 * const record = { event_type: "login", user_id: "alice", system: "vpn", timestamp: new Date(now - 1000).toISOString(), metadata: { ip: "10.0.0.7", status: "success" } };
 * backend.ingest([record]).accepted; // => 1
 * Math.round(backend.distinct("users", "vpn", "1h").count); // => 1
 * backend.activity("alice", "vpn", "1h").accessed; // => true
 * ```
 */
export function createComplianceBackend(options: ComplianceBackendOptions = {}): EmbeddedComplianceBackend {
  const pipeline = "pipeline" in options ? options.pipeline : new CompliancePipeline(options);
  const monitor = pipeline.monitor;
  // Accepted events per minute of event time, in a ring: slot m % 1440 holds minute m.
  const minuteOf = new Float64Array(MINUTES_KEPT).fill(-1);
  const perMinute = new Uint32Array(MINUTES_KEPT);
  const countMinute = (time: number): void => {
    const minute = Math.floor(time / MINUTE);
    const slot = ((minute % MINUTES_KEPT) + MINUTES_KEPT) % MINUTES_KEPT;
    if (minuteOf[slot] !== minute) {
      if (minute < minuteOf[slot]!) return; // older than the ring
      minuteOf[slot] = minute;
      perMinute[slot] = 0;
    }
    perMinute[slot]!++;
  };
  // The API validates window strings (`<n>m|h|d|w`); the monitor checks them again.
  const window = (w: QueryWindow): WindowRange => w as WindowRange;
  const count = (answer: { estimate: number; lower: number; upper: number; confidence: number; covered: TimeRange }): CountAnswer => ({
    count: answer.estimate,
    lower: answer.lower,
    upper: answer.upper,
    confidence: answer.confidence,
    covered: answer.covered,
  });

  return {
    pipeline,
    ingest(records, shape): IngestReport {
      const report = pipeline.ingest(records, shape);
      for (const event of report.events) countMinute(event.time);
      return {
        accepted: report.accepted,
        duplicates: report.duplicates,
        rejected: report.rejected.map((r) => ({ index: r.index, field: r.field, reason: r.reason })),
        alerts: report.alerts,
        events: report.events,
      };
    },
    shapes: () => pipeline.shapeNames(),
    systems: () => monitor.systems().sort(),
    metrics(): MetricNames {
      const names: { distinct: string[]; top: string[]; frequency: string[]; stats: string[] } = { distinct: [], top: [], frequency: [], stats: [] };
      for (const metric of monitor.metrics) {
        if (metric.kind === "distinct" || metric.kind === "top" || metric.kind === "frequency" || metric.kind === "stats") names[metric.kind].push(metric.name);
      }
      return names;
    },
    distinct: (metric, system, w) => count(monitor.distinct(metric, system, window(w))),
    activity(user, system, w) {
      const answer = monitor.activity(user, system, window(w));
      return { accessed: answer.accessed, probability: answer.falsePositiveProbability, covered: answer.covered };
    },
    top(metric, system, k, w) {
      const answer = monitor.top(metric, system, k, window(w));
      return { items: answer.entries, covered: answer.covered };
    },
    frequency: (metric, system, value, w) => count(monitor.frequency(metric, system, value, window(w))),
    stats(metric, system, w) {
      const { exact: _exact, ...stats } = monitor.stats(metric, system, window(w));
      return stats;
    },
    eventTimeline(from, to) {
      if (!(from < to) || (to - from) / MINUTE > MINUTES_KEPT) throw new InvalidArgumentError(`eventTimeline needs from < to, at most ${MINUTES_KEPT} minutes apart`);
      const points: { time: number; count: number }[] = [];
      for (let t = Math.floor(from / MINUTE) * MINUTE; t < to; t += MINUTE) {
        const minute = t / MINUTE;
        const slot = ((minute % MINUTES_KEPT) + MINUTES_KEPT) % MINUTES_KEPT;
        points.push({ time: t, count: minuteOf[slot] === minute ? perMinute[slot]! : 0 });
      }
      return points;
    },
    snapshot: (period) => monitor.snapshot(period),
    allowList: {
      entries: () => pipeline.allowList.entries(),
      add: (entry) => pipeline.allowList.add(entry),
      remove: (entry) => pipeline.allowList.remove(entry),
    },
    counters() {
      const totals = pipeline.totals;
      const refused = monitor.refused;
      return {
        records: totals.records,
        accepted: totals.accepted,
        duplicates: totals.duplicates,
        rejected: totals.rejected,
        alerts: totals.alerts,
        refusedLate: refused.late,
        refusedFuture: refused.future,
        systems: monitor.systems().length,
      };
    },
  };
}
