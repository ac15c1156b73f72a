/**
 * Reading one {@link EventField} of a {@link ComplianceEvent}: the canonical
 * field access of the compliance module (rules, Sigma field mappings and
 * metrics all read fields through it).
 *
 * @module
 */
import { InvalidArgumentError } from "../errors.js";
import type { ComplianceEvent, EventField } from "./event.js";

/**
 * A compiled reader of one field: {@link fieldReader}'s result.
 *
 * @example
 * ```ts
 * import { type FieldReader, fieldReader } from "papertrail/compliance";
 * const readCpu: FieldReader = fieldReader("metrics.cpu");
 * typeof readCpu; // => "function"
 * ```
 */
export type FieldReader = (event: ComplianceEvent) => unknown;

// One function per field, each with its own property load: a shared
// `(event) => event[name]` would be a megamorphic keyed load on the hot path.
const TOP_LEVEL_READERS: Readonly<Record<string, FieldReader | undefined>> = Object.assign(Object.create(null) as object, {
  kind: (event: ComplianceEvent) => event.kind,
  time: (event: ComplianceEvent) => event.time,
  user: (event: ComplianceEvent) => event.user,
  system: (event: ComplianceEvent) => event.system,
  ip: (event: ComplianceEvent) => event.ip,
  session: (event: ComplianceEvent) => event.session,
  status: (event: ComplianceEvent) => event.status,
  outcome: (event: ComplianceEvent) => event.outcome,
  level: (event: ComplianceEvent) => event.level,
  message: (event: ComplianceEvent) => event.message,
  value: (event: ComplianceEvent) => event.value,
  id: (event: ComplianceEvent) => event.id,
});
const TOP_LEVEL = Object.keys(TOP_LEVEL_READERS);

/**
 * The event's `metrics` object as a whole (not an {@link EventField}: a
 * guard on "some metric is present" reads it), with code 12 of
 * {@link topLevelFieldCode}.
 *
 * @internal
 */
export const readEventMetrics: FieldReader = (event) => event.metrics;

const TOP_LEVEL_FUNCTIONS: readonly (FieldReader | undefined)[] = [...TOP_LEVEL.map((name) => TOP_LEVEL_READERS[name]), readEventMetrics];

/**
 * The position of `reader` among the top-level field readers
 * {@link fieldReader} gives (kind 0, time 1, user 2, system 3, ip 4,
 * session 5, status 6, outcome 7, level 8, message 9, value 10, id 11), 12
 * for {@link readEventMetrics}, or -1 for any other function. With it a hot
 * loop that reads fields of several rules reads them through
 * {@link readTopLevelField} instead of calling each rule's reader (a call
 * site shared by many readers is not inlined).
 *
 * @internal
 */
export function topLevelFieldCode(reader: FieldReader): number {
  return TOP_LEVEL_FUNCTIONS.indexOf(reader);
}

/**
 * The top-level field of code `code` ({@link topLevelFieldCode}). The cases
 * are literals so that V8 compiles a jump table.
 *
 * @internal
 */
export function readTopLevelField(event: ComplianceEvent, code: number): unknown {
  switch (code) {
    case 0:
      return event.kind;
    case 1:
      return event.time;
    case 2:
      return event.user;
    case 3:
      return event.system;
    case 4:
      return event.ip;
    case 5:
      return event.session;
    case 6:
      return event.status;
    case 7:
      return event.outcome;
    case 8:
      return event.level;
    case 9:
      return event.message;
    case 10:
      return event.value;
    case 11:
      return event.id;
    case 12:
      return event.metrics;
    default:
      return undefined;
  }
}

/**
 * What `read` gives for `event`, read through {@link readTopLevelField} when
 * `code`, its {@link topLevelFieldCode}, is one: the hot loops that read the
 * fields of many rules (group keys, distinct values, the dispatch) keep the
 * code beside the reader and read through here.
 *
 * @internal
 */
export function readCoded(event: ComplianceEvent, code: number, read: FieldReader): unknown {
  return code >= 0 ? readTopLevelField(event, code) : read(event);
}

/**
 * Compiles the access to `field` once into a function (no string parsing
 * per event): a top-level field reads the property; `metrics.<name>` reads
 * the named number (`undefined` without metrics or without that name);
 * `raw.<a>.<b>...` walks the original record through plain objects (and
 * arrays, by index), answering `undefined` where a step is missing or not an
 * object. Only own properties are read, so `raw.constructor` is `undefined`.
 * Throws `InvalidArgumentError` for a name that is none of these.
 *
 * @example
 * ```ts
 * import { fieldReader, type ComplianceEvent } from "papertrail/compliance";
 * const event = { kind: "metric", time: 0, user: undefined, system: "api", ip: undefined, session: undefined, status: undefined,
 *   outcome: undefined, level: undefined, message: undefined, value: undefined, metrics: { cpu: 93 }, id: undefined,
 *   raw: { host: { name: "web-1" } } } satisfies ComplianceEvent;
 * fieldReader("metrics.cpu")(event); // => 93
 * fieldReader("raw.host.name")(event); // => "web-1"
 * fieldReader("raw.host.missing.deeper")(event); // => undefined
 * ```
 */
export function fieldReader(field: EventField): FieldReader {
  if (typeof field !== "string") throw new InvalidArgumentError(`event field must be a string, got ${typeof field}`);
  const topLevel = TOP_LEVEL_READERS[field];
  if (topLevel !== undefined) return topLevel;
  if (field.startsWith("metrics.") && field.length > "metrics.".length) {
    const name = field.slice("metrics.".length);
    return (event) => {
      const metrics = event.metrics;
      return metrics !== undefined && Object.hasOwn(metrics, name) ? metrics[name] : undefined;
    };
  }
  if (field.startsWith("raw.") && field.length > "raw.".length) {
    const path = field.slice("raw.".length).split(".");
    if (path.some((step) => step.length === 0)) throw new InvalidArgumentError(`event field "${field}": empty step in the raw path`);
    return (event) => {
      let at: unknown = event.raw;
      for (let i = 0; i < path.length; i++) {
        if (at === null || typeof at !== "object") return undefined;
        const step = path[i] as string;
        if (!Object.hasOwn(at, step)) return undefined;
        at = (at as Record<string, unknown>)[step];
      }
      return at;
    };
  }
  throw new InvalidArgumentError(
    `event field "${field}" is not one of ${TOP_LEVEL.join(", ")}, metrics.<name> or raw.<path>`,
  );
}

/**
 * Reads `field` of `event` (see {@link fieldReader} for the rules; the compiled
 * readers of the last few hundred field names are cached).
 *
 * @example
 * ```ts
 * import { readField, type ComplianceEvent } from "papertrail/compliance";
 * const event = { kind: "login", time: 0, user: "alice", system: "auth", ip: "203.0.113.7", session: undefined, status: "failed",
 *   outcome: "failure", level: undefined, message: undefined, value: undefined, metrics: undefined, id: undefined,
 *   raw: { metadata: { country: "NL" } } } satisfies ComplianceEvent;
 * readField(event, "ip"); // => "203.0.113.7"
 * readField(event, "raw.metadata.country"); // => "NL"
 * readField(event, "metrics.cpu"); // => undefined
 * ```
 */
export function readField(event: ComplianceEvent, field: EventField): unknown {
  let reader = readers.get(field);
  if (reader === undefined) {
    reader = fieldReader(field);
    // Field names come from code and configuration: a small cache covers them.
    if (readers.size >= READER_CACHE) readers.clear();
    readers.set(field, reader);
  }
  return reader(event);
}

const READER_CACHE = 256;
const readers = new Map<string, FieldReader>();
