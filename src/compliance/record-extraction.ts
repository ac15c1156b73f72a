/**
 * Step 1 of ingest, shared by the embedded pipeline and the server's Redis
 * backend so both reject the same records with the same field and reason:
 * a record becomes an event with the shape named by the caller (or the one
 * `detectShape` picks), or a rejection.
 *
 * @module
 */
import type { ComplianceEvent } from "./event.js";
import { normalizeEvent } from "./event-extract.js";
import type { EventShape } from "./event-shape.js";
import { detectShape } from "./event-shapes.js";

/** An event, or the field at fault (`record` when no shape fits) and why. */
export type RecordExtraction = { readonly event: ComplianceEvent } | { readonly field: string; readonly reason: string };

/** Normalizes `record` with `fixed`, or with the shape detected when `fixed` is undefined; `shapeNames` goes into the no-shape reason. */
export function extractRecord(record: unknown, fixed: EventShape | undefined, shapeNames: readonly string[]): RecordExtraction {
  const chosen = fixed ?? detectShape(record);
  if (chosen === undefined) return { field: "record", reason: `no shape fits this record (expected one of: ${shapeNames.join(", ")})` };
  const result = normalizeEvent(record, chosen);
  if (result.ok) return { event: result.event };
  const error = result.error;
  return { field: error.field, reason: `${error.shape}: ${error.field}: expected ${error.expected}, got ${error.got}` };
}
