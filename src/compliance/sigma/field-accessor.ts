/**
 * Reads an {@link EventField} of an event through a closure built once per
 * field: a property load for the top-level fields, `metrics[name]` for
 * `metrics.<name>`, and a walk of precomputed keys for `raw.<a.b.c>`.
 *
 * Private to the Sigma loader until the canonical `readField`
 * (src/compliance/event-field.ts) is merged; it then replaces this file.
 *
 * @module
 */
import type { ComplianceEvent, EventField } from "../event.js";

/** Reads one field of an event; `undefined` when absent. */
export type FieldReader = (event: ComplianceEvent) => unknown;

const TOP_LEVEL: Readonly<Record<string, FieldReader>> = {
  kind: (e) => e.kind,
  time: (e) => e.time,
  user: (e) => e.user,
  system: (e) => e.system,
  ip: (e) => e.ip,
  session: (e) => e.session,
  status: (e) => e.status,
  outcome: (e) => e.outcome,
  level: (e) => e.level,
  message: (e) => e.message,
  value: (e) => e.value,
  id: (e) => e.id,
};

/** Whether `field` names a field of {@link ComplianceEvent} (`metrics.x` and `raw.a.b` included). */
export function isEventField(field: string): field is EventField {
  return Object.prototype.hasOwnProperty.call(TOP_LEVEL, field) || (/^(metrics|raw)\.[^.]/.test(field) && !field.endsWith(".") && !field.includes(".."));
}

/** The reader for `field` (which must satisfy {@link isEventField}). */
export function fieldReader(field: EventField): FieldReader {
  if (Object.prototype.hasOwnProperty.call(TOP_LEVEL, field)) return TOP_LEVEL[field]!;
  if (field.startsWith("metrics.")) {
    const name = field.slice("metrics.".length);
    return (e) => {
      const metrics = e.metrics;
      return metrics === undefined || !Object.prototype.hasOwnProperty.call(metrics, name) ? undefined : metrics[name];
    };
  }
  const keys = field.slice("raw.".length).split(".");
  if (keys.length === 1) {
    const key = keys[0]!;
    return (e) => ownProperty(e.raw, key);
  }
  return (e) => {
    let value: unknown = e.raw;
    for (let i = 0; i < keys.length && value !== undefined; i++) value = ownProperty(value, keys[i]!);
    return value;
  };
}

/** `value[key]` when `value` is a plain object or array holding `key` itself (never an inherited property such as `constructor`). */
function ownProperty(value: unknown, key: string): unknown {
  if (value === null || typeof value !== "object" || !Object.prototype.hasOwnProperty.call(value, key)) return undefined;
  return (value as Record<string, unknown>)[key];
}
