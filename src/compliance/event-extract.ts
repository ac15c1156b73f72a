/**
 * Normalization: a record of some shape, through its {@link EventShape},
 * into a {@link ComplianceEvent} — or a rejection naming the field.
 *
 * @module
 */
import { brand } from "../brand.js";
import { InvalidArgumentError } from "../errors.js";
import { checkOptionKeys } from "../sketches/sketch.js";
import type { ComplianceEvent, EventOutcome } from "./event.js";
import { DEFAULT_OUTCOMES, outcomeOf } from "./event-outcome.js";
import type { EventShape, FieldConfig, FieldSource, TimeSpec } from "./event-shape.js";
import { epochToMillis, lastScanMissedZone, parseIsoTime } from "./event-time.js";
import { parseIpInto } from "./ip.js";

/**
 * Why a record was rejected: the event field, where the shape reads it
 * from, what was expected, and a short description of what was found.
 *
 * @example
 * ```ts
 * import { normalizeEvent, COMPLIANCE_API_SHAPE } from "papertrail/compliance";
 * const result = normalizeEvent({ event_type: "login", timestamp: "2026-01-05T09:00:00Z", metadata: { ip: "10.0.0.256" } }, COMPLIANCE_API_SHAPE);
 * result.ok ? undefined : result.error; // => { shape: "compliance-api", field: "ip", source: "metadata.ip", expected: "an IPv4 or IPv6 address", got: '"10.0.0.256"' }
 * ```
 */
export interface EventFieldError {
  readonly shape: string;
  /** The event field (`time`, `ip`, `metrics.cpu`), or `record` when the record itself is unusable. */
  readonly field: string;
  /** The path read, `constant`, or `function`. */
  readonly source: string;
  readonly expected: string;
  readonly got: string;
}

/**
 * What {@link normalizeEvent} returns: the event, or why there is none.
 *
 * @example
 * ```ts
 * import { type NormalizeResult, normalizeEvent, TRANSACTION_SHAPE } from "papertrail/compliance";
 * const result: NormalizeResult = normalizeEvent({ user: "ann", amount: 12000, timestamp: 1767603600 }, TRANSACTION_SHAPE);
 * result.ok && result.event.value; // => 12000
 * ```
 */
export type NormalizeResult = { readonly ok: true; readonly event: ComplianceEvent } | { readonly ok: false; readonly error: EventFieldError };

/**
 * Thrown by {@link normalizeEventOrThrow} for a rejected record; carries the
 * {@link EventFieldError}'s fields.
 *
 * @example
 * ```ts
 * import { InvalidEventError, InvalidArgumentError, normalizeEventOrThrow, METRIC_SHAPE } from "papertrail/compliance";
 * let caught: unknown;
 * try { normalizeEventOrThrow({ service: "api", cpu: "high", latency_ms: 5, timestamp: 1767603600 }, METRIC_SHAPE); } catch (e) { caught = e; }
 * caught instanceof InvalidEventError && caught instanceof InvalidArgumentError; // => true
 * (caught as InvalidEventError).field; // => "metrics.cpu"
 * ```
 */
export class InvalidEventError extends InvalidArgumentError {
  override readonly name: string = "InvalidEventError";
  readonly shape: string;
  readonly field: string;
  readonly source: string;
  readonly expected: string;
  readonly got: string;

  constructor(error: EventFieldError) {
    super(`${error.shape} event: ${error.field} (from ${error.source}) expected ${error.expected}, got ${error.got}`);
    this.shape = error.shape;
    this.field = error.field;
    this.source = error.source;
    this.expected = error.expected;
    this.got = error.got;
  }
}

brand(InvalidEventError, "InvalidEventError");

/** A field's value as read, `undefined` when absent. */
type Reader = (record: unknown) => unknown;

interface CompiledField {
  readonly field: string;
  readonly source: string;
  readonly read: Reader;
  readonly required: boolean;
  readonly expected: string | undefined;
}

interface CompiledShape {
  readonly name: string;
  readonly text: boolean;
  readonly kind: CompiledField;
  readonly time: CompiledField;
  readonly epoch: "s" | "ms" | "auto" | undefined;
  readonly zonelessUtc: boolean;
  readonly user: CompiledField | undefined;
  readonly system: CompiledField | undefined;
  readonly ip: CompiledField | undefined;
  readonly session: CompiledField | undefined;
  readonly status: CompiledField | undefined;
  readonly level: CompiledField | undefined;
  readonly message: CompiledField | undefined;
  readonly id: CompiledField | undefined;
  readonly value: CompiledField | undefined;
  readonly metrics: readonly CompiledField[];
  readonly metricNames: readonly string[];
  readonly outcome: (status: string) => EventOutcome | undefined;
}

const SHAPE_KEYS = ["name", "kind", "time", "user", "system", "ip", "session", "status", "level", "message", "id", "value", "metrics", "outcomes", "text"];
const STRING_FIELDS = ["user", "system", "ip", "session", "status", "level", "message", "id", "value"] as const;

function compileSource(source: FieldSource, field: string, shape: string): { read: Reader; source: string } {
  if (typeof source === "function") return { read: source as Reader, source: "function" };
  if (typeof source === "string") {
    if (source.length === 0 || source.split(".").some((part) => part.length === 0)) {
      throw new InvalidArgumentError(`event shape "${shape}": ${field} path "${source}" must be dot-separated non-empty names`);
    }
    const parts = source.split(".");
    if (parts.length === 1) {
      const key = source;
      return { read: (r) => (r !== null && typeof r === "object" && Object.hasOwn(r, key) ? (r as Record<string, unknown>)[key] : undefined), source };
    }
    return {
      source,
      read: (r) => {
        let current: unknown = r;
        for (let i = 0; i < parts.length; i++) {
          if (current === null || typeof current !== "object" || !Object.hasOwn(current, parts[i]!)) return undefined;
          current = (current as Record<string, unknown>)[parts[i]!];
        }
        return current;
      },
    };
  }
  if (source !== null && typeof source === "object" && "const" in source) {
    checkOptionKeys(`event shape "${shape}": ${field}`, source, ["const"]);
    const value = source.const;
    if (typeof value !== "string" && typeof value !== "number") throw new InvalidArgumentError(`event shape "${shape}": ${field}.const must be a string or a number`);
    return { read: () => value, source: "constant" };
  }
  throw new InvalidArgumentError(`event shape "${shape}": ${field} must be a path string, { const }, a function or { from, required?, expected? }`);
}

function compileField(config: FieldConfig | undefined, field: string, shape: string, alwaysRequired = false): CompiledField | undefined {
  if (config === undefined) {
    if (alwaysRequired) throw new InvalidArgumentError(`event shape "${shape}": ${field} is required`);
    return undefined;
  }
  let required = alwaysRequired;
  let expected: string | undefined;
  let source: FieldSource;
  if (config !== null && typeof config === "object" && "from" in config) {
    checkOptionKeys(`event shape "${shape}": ${field}`, config, ["from", "required", "expected"]);
    if (config.required !== undefined && typeof config.required !== "boolean") throw new InvalidArgumentError(`event shape "${shape}": ${field}.required must be a boolean`);
    if (config.expected !== undefined && typeof config.expected !== "string") throw new InvalidArgumentError(`event shape "${shape}": ${field}.expected must be a string`);
    required ||= config.required === true;
    expected = config.expected;
    source = config.from;
  } else {
    source = config as FieldSource;
  }
  const compiled = compileSource(source, field, shape);
  return { field, source: compiled.source, read: compiled.read, required, expected };
}

function compileShape(shape: EventShape): CompiledShape {
  if (shape === null || typeof shape !== "object") throw new InvalidArgumentError("an event shape must be an object");
  if (typeof shape.name !== "string" || shape.name.length === 0) throw new InvalidArgumentError("an event shape needs a non-empty name");
  checkOptionKeys(`event shape "${shape.name}"`, shape, SHAPE_KEYS);
  const name = shape.name;
  const time: TimeSpec = shape.time;
  if (time === null || typeof time !== "object" || !("from" in time)) throw new InvalidArgumentError(`event shape "${name}": time must be { from, epoch?, zoneless?, expected? }`);
  checkOptionKeys(`event shape "${name}": time`, time, ["from", "epoch", "zoneless", "expected"]);
  if (time.epoch !== undefined && time.epoch !== "s" && time.epoch !== "ms" && time.epoch !== "auto") {
    throw new InvalidArgumentError(`event shape "${name}": time.epoch must be "s", "ms" or "auto", got ${JSON.stringify(time.epoch)}`);
  }
  if (time.zoneless !== undefined && time.zoneless !== "refuse" && time.zoneless !== "utc") {
    throw new InvalidArgumentError(`event shape "${name}": time.zoneless must be "refuse" or "utc", got ${JSON.stringify(time.zoneless)}`);
  }
  const metrics = shape.metrics ?? {};
  if (metrics === null || typeof metrics !== "object") throw new InvalidArgumentError(`event shape "${name}": metrics must be an object of field configs`);
  const metricNames = Object.keys(metrics);
  if (shape.text !== undefined && typeof shape.text !== "boolean") throw new InvalidArgumentError(`event shape "${name}": text must be a boolean`);
  const fields = {} as Record<(typeof STRING_FIELDS)[number], CompiledField | undefined>;
  for (const field of STRING_FIELDS) fields[field] = compileField(shape[field], field, name);
  return {
    name,
    text: shape.text === true,
    kind: compileField(shape.kind, "kind", name, true)!,
    time: compileField({ from: time.from, required: true, ...(time.expected === undefined ? {} : { expected: time.expected }) }, "time", name, true)!,
    epoch: time.epoch,
    zonelessUtc: time.zoneless === "utc",
    ...fields,
    metrics: metricNames.map((metric) => compileField(metrics[metric], `metrics.${metric}`, name)!),
    metricNames,
    outcome: outcomeOf(shape.outcomes ?? DEFAULT_OUTCOMES),
  };
}

const compiledShapes = new WeakMap<EventShape, CompiledShape>();

function compiled(shape: EventShape): CompiledShape {
  let found = compiledShapes.get(shape);
  if (found === undefined) {
    found = compileShape(shape);
    compiledShapes.set(shape, found);
  }
  return found;
}

/**
 * Checks a shape (unknown keys, source forms, epoch unit, outcome table)
 * and returns it; {@link normalizeEvent} checks on first use too, so this
 * only moves the error to where the shape is written. Throws
 * {@link InvalidArgumentError} naming the shape and the key.
 *
 * @example
 * ```ts
 * import { defineEventShape, InvalidArgumentError } from "papertrail/compliance";
 * const shape = defineEventShape({ name: "badge", kind: { const: "badge" }, time: { from: "t", epoch: "ms" }, user: "holder" });
 * shape.name; // => "badge"
 * let caught: unknown;
 * try { defineEventShape({ name: "bad", kind: "k", time: { from: "t", epoch: "minutes" as "s" } }); } catch (e) { caught = e; }
 * caught instanceof InvalidArgumentError; // => true
 * ```
 */
export function defineEventShape<S extends EventShape>(shape: S): S {
  compiled(shape);
  return shape;
}

function describeGot(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (typeof value === "string") return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") return `${typeof value} ${String(value)}`;
  if (Array.isArray(value)) return "an array";
  if (value instanceof Date) return "an invalid Date";
  return `a ${typeof value}`;
}

/** Mutable cell for the one error a failed read reports. */
let failure: EventFieldError | undefined;

/** Records why a field is unusable; the first such field of a record is the one reported. */
function fail(shape: CompiledShape, field: CompiledField, expected: string, got: unknown): undefined {
  failure ??= { shape: shape.name, field: field.field, source: field.source, expected: field.expected ?? expected, got: describeGot(got) };
  return undefined;
}

/** A text field: strings as given (empty = absent), finite numbers as decimal text. */
function readText(shape: CompiledShape, field: CompiledField | undefined, record: unknown): string | undefined {
  if (field === undefined) return undefined;
  const value = field.read(record);
  if (typeof value === "string" && value.length > 0) return value;
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  if (value === undefined || value === null || value === "") {
    return field.required ? fail(shape, field, "a non-empty string", value) : undefined;
  }
  return fail(shape, field, "a string", value);
}

const DECIMAL = /^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/;

/** A number field: finite numbers, or decimal strings (`"12.50"`). */
function readNumber(shape: CompiledShape, field: CompiledField, record: unknown): number | undefined {
  const value = field.read(record);
  if (typeof value === "number" && Number.isFinite(value)) return value;
  if (typeof value === "string" && DECIMAL.test(value)) {
    const parsed = Number(value);
    if (Number.isFinite(parsed)) return parsed;
  }
  if (value === undefined || value === null || value === "") {
    return field.required ? fail(shape, field, "a finite number", value) : undefined;
  }
  return fail(shape, field, "a finite number", value);
}

const words = new Uint32Array(4);
const DIGITS = /^[0-9]+(?:\.[0-9]+)?$/;

function readTime(shape: CompiledShape, record: unknown): number | undefined {
  const field = shape.time;
  const value = field.read(record);
  if (typeof value === "string") {
    if (shape.epoch !== undefined && DIGITS.test(value)) {
      const ms = epochToMillis(Number(value), shape.epoch);
      return Number.isNaN(ms) ? fail(shape, field, `an epoch time in ${unitName(shape.epoch)} within the Date range`, value) : ms;
    }
    const ms = parseIsoTime(value, shape.zonelessUtc ? "utc" : "refuse");
    if (!Number.isNaN(ms)) return ms;
    if (lastScanMissedZone()) return fail(shape, field, "an ISO-8601 time with a zone (Z or ±hh:mm); this shape refuses zoneless times", value);
    return fail(shape, field, shape.epoch === undefined ? "an ISO-8601 date-time with a zone" : `an ISO-8601 date-time with a zone, or an epoch time in ${unitName(shape.epoch)}`, value);
  }
  if (typeof value === "number") {
    if (shape.epoch === undefined) return fail(shape, field, "an ISO-8601 date-time string (this shape states no epoch unit)", value);
    const ms = epochToMillis(value, shape.epoch);
    return Number.isNaN(ms) ? fail(shape, field, `an epoch time in ${unitName(shape.epoch)} within the Date range`, value) : ms;
  }
  if (value instanceof Date && !Number.isNaN(value.getTime())) return value.getTime();
  return fail(shape, field, shape.epoch === undefined ? "an ISO-8601 date-time with a zone" : `an ISO-8601 date-time with a zone, or an epoch time in ${unitName(shape.epoch)}`, value);
}

function unitName(unit: "s" | "ms" | "auto"): string {
  return unit === "s" ? "seconds" : unit === "ms" ? "milliseconds" : "seconds or milliseconds (below 1e11 is seconds)";
}

/**
 * Normalizes one record through `shape`. Never throws for a bad record: the
 * result is `{ ok: true, event }` or `{ ok: false, error }` naming the first
 * field that could not be read (its source, what was expected, what was
 * there). A rejected record yields no event, so nothing of it can be
 * counted. The event's `raw` is the record itself.
 *
 * Throws {@link InvalidArgumentError} only for an invalid shape.
 *
 * @example
 * ```ts
 * import { normalizeEvent, COMPLIANCE_API_SHAPE } from "papertrail/compliance";
 * const record = {
 *   event_type: "login", user_id: "alice", system: "billing", timestamp: "2026-01-05T10:00:00+01:00",
 *   metadata: { ip: "203.0.113.7", status: "failed", session_id: "s-1" },
 * };
 * const result = normalizeEvent(record, COMPLIANCE_API_SHAPE);
 * result.ok; // => true
 * if (result.ok) {
 *   result.event.time; // => 1767603600000
 *   result.event.outcome; // => "failure"
 *   result.event.raw === record; // => true
 * }
 * normalizeEvent({ event_type: "login" }, COMPLIANCE_API_SHAPE).ok; // => false
 * ```
 */
export function normalizeEvent(record: unknown, shape: EventShape): NormalizeResult {
  const s = compiled(shape);
  if (typeof record === "string" ? !s.text : record === null || typeof record !== "object" || Array.isArray(record)) {
    return {
      ok: false,
      error: { shape: s.name, field: "record", source: "record", expected: s.text ? "an object or a string" : "an object", got: describeGot(record) },
    };
  }
  failure = undefined;
  const kind = readText(s, s.kind, record);
  const time = readTime(s, record);
  const user = readText(s, s.user, record);
  const system = readText(s, s.system, record);
  let ip = readText(s, s.ip, record);
  if (ip !== undefined && parseIpInto(ip, words) === 0) ip = fail(s, s.ip!, "an IPv4 or IPv6 address", ip);
  const session = readText(s, s.session, record);
  const status = readText(s, s.status, record);
  const level = readText(s, s.level, record);
  const message = readText(s, s.message, record);
  const id = readText(s, s.id, record);
  const value = s.value === undefined ? undefined : readNumber(s, s.value, record);
  let metrics: Record<string, number> | undefined;
  for (let i = 0; i < s.metrics.length; i++) {
    const number = readNumber(s, s.metrics[i]!, record);
    if (number !== undefined) (metrics ??= {})[s.metricNames[i]!] = number;
  }
  if (failure !== undefined) {
    const error: EventFieldError = failure;
    failure = undefined;
    return { ok: false, error };
  }
  const event: ComplianceEvent = {
    kind: kind!,
    time: time!,
    user,
    system,
    ip,
    session,
    status,
    outcome: status === undefined ? undefined : s.outcome(status),
    level: level === undefined ? undefined : level.toUpperCase(),
    message,
    value,
    metrics,
    id,
    raw: record,
  };
  return { ok: true, event };
}

/**
 * {@link normalizeEvent}, throwing {@link InvalidEventError} for a rejected
 * record instead of returning the error.
 *
 * @example
 * ```ts
 * import { normalizeEventOrThrow, APP_LOG_SHAPE } from "papertrail/compliance";
 * const event = normalizeEventOrThrow({ level: "error", message: "db down", user: "svc", service: "api", timestamp: "2026-01-05T09:00:00Z" }, APP_LOG_SHAPE);
 * [event.kind, event.level, event.system]; // => ["log", "ERROR", "api"]
 * ```
 */
export function normalizeEventOrThrow(record: unknown, shape: EventShape): ComplianceEvent {
  const result = normalizeEvent(record, shape);
  if (!result.ok) throw new InvalidEventError(result.error);
  return result.event;
}
