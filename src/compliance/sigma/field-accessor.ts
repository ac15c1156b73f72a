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
  if (keys.every((key) => !(key in Object.prototype)) && keys.length <= 2) {
    // One or two plain keys (`raw.cpu`, `raw.metadata.status`): the loads
    // written out, without a reader call per key (the engine's dispatch may
    // read such a field on every event).
    const [first, second] = keys as [string, string | undefined];
    if (second === undefined) {
      return (e) => {
        const raw = e.raw as unknown;
        return raw !== null && typeof raw === "object" ? (raw as Record<string, unknown>)[first] : undefined;
      };
    }
    return (e) => {
      const raw = e.raw as unknown;
      const outer = raw !== null && typeof raw === "object" ? (raw as Record<string, unknown>)[first] : undefined;
      return outer !== null && typeof outer === "object" ? (outer as Record<string, unknown>)[second] : undefined;
    };
  }
  const steps = keys.map(propertyReader);
  if (steps.length === 1) {
    const step = steps[0]!;
    return (e) => step(e.raw);
  }
  return (e) => {
    let value: unknown = e.raw;
    for (let i = 0; i < steps.length && value !== undefined; i++) value = steps[i]!(value);
    return value;
  };
}

/**
 * A reader of `value[key]` for objects. Keys that `Object.prototype` has
 * (`constructor`, `toString`, `__proto__`...) are read only as the record's
 * own properties, so a rule never sees an inherited method; others are a
 * plain property load.
 */
function propertyReader(key: string): (value: unknown) => unknown {
  if (key in Object.prototype) {
    return (value) => (value !== null && typeof value === "object" && Object.prototype.hasOwnProperty.call(value, key) ? (value as Record<string, unknown>)[key] : undefined);
  }
  return (value) => (value !== null && typeof value === "object" ? (value as Record<string, unknown>)[key] : undefined);
}

/**
 * `(event) => test(value of field)` as one closure per top-level field (a
 * property load and the test, with no reader call between): the hot path of
 * every compiled selection.
 */
export function testField(field: EventField, test: (value: unknown) => boolean): (event: ComplianceEvent) => boolean {
  switch (field) {
    case "kind":
      return (e) => test(e.kind);
    case "time":
      return (e) => test(e.time);
    case "user":
      return (e) => test(e.user);
    case "system":
      return (e) => test(e.system);
    case "ip":
      return (e) => test(e.ip);
    case "session":
      return (e) => test(e.session);
    case "status":
      return (e) => test(e.status);
    case "outcome":
      return (e) => test(e.outcome);
    case "level":
      return (e) => test(e.level);
    case "message":
      return (e) => test(e.message);
    case "value":
      return (e) => test(e.value);
    case "id":
      return (e) => test(e.id);
    default: {
      const read = fieldReader(field);
      return (e) => test(read(e));
    }
  }
}

/**
 * `(event) => field equals folded (or matches otherwise)` in one closure for
 * the top-level string fields: the commonest Sigma test (`EventType: login`)
 * with no call between the property load and the comparison. `same` decides
 * a string that is not identical to `folded`; `other` any non-string value.
 */
export function testFieldEquals(field: EventField, folded: string, same: (text: string) => boolean, other: (value: unknown) => boolean): (event: ComplianceEvent) => boolean {
  switch (field) {
    case "kind":
      return (e) => {
        const v = e.kind;
        return typeof v === "string" ? v === folded || same(v) : other(v);
      };
    case "user":
      return (e) => {
        const v = e.user;
        return typeof v === "string" ? v === folded || same(v) : other(v);
      };
    case "system":
      return (e) => {
        const v = e.system;
        return typeof v === "string" ? v === folded || same(v) : other(v);
      };
    case "status":
      return (e) => {
        const v = e.status;
        return typeof v === "string" ? v === folded || same(v) : other(v);
      };
    case "outcome":
      return (e) => {
        const v = e.outcome;
        return typeof v === "string" ? v === folded || same(v) : other(v);
      };
    case "level":
      return (e) => {
        const v = e.level;
        return typeof v === "string" ? v === folded || same(v) : other(v);
      };
    default:
      return testField(field, (v) => (typeof v === "string" ? v === folded || same(v) : other(v)));
  }
}
