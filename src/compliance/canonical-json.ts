/**
 * Canonical JSON: one byte string per JSON value, so that a hash of a record
 * means the same thing to every writer and verifier. The rules are those of
 * RFC 8785 (JSON Canonicalization Scheme) for the values accepted here:
 * object members sorted by key in UTF-16 code unit order, no whitespace,
 * strings and numbers written as ECMAScript's `JSON.stringify` writes them
 * (so `-0` is `0`, `1e21` stays `1e+21`). One difference: RFC 8785 refuses
 * lone surrogates; here they stay as `JSON.stringify`'s `\uXXXX` escapes.
 *
 * @module
 */
import { InvalidArgumentError } from "../errors.js";

/**
 * A JSON value: what an audit record's `data` may hold. Numbers must be
 * finite; objects must be plain (`{}` or `Object.create(null)`), without
 * `undefined` members.
 *
 * @example
 * ```ts
 * import type { JsonValue } from "papertrail/compliance";
 * const data: JsonValue = { user: "alice", roles: ["admin"], mfa: true, attempts: 2, note: null };
 * Object.keys(data).length; // => 5
 * ```
 */
export type JsonValue = null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/** Nesting deeper than this is refused (a stack risk, not data; a cycle ends here too). */
const MAX_DEPTH = 64;

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return (value.constructor as { name?: string } | undefined)?.name ?? "an object";
  if (typeof value === "number") return String(value);
  return typeof value;
}

/** A refusal on its way up; each level adds its step of the path. */
class Refusal {
  readonly steps: string[] = [];
  constructor(readonly what: string) {}
}

function child(value: unknown, depth: number, step: string | number): string {
  try {
    return write(value, depth);
  } catch (error) {
    if (error instanceof Refusal) error.steps.push(typeof step === "number" ? `[${step}]` : `.${step}`);
    throw error;
  }
}

// Strings are concatenated directly (no part arrays, no per-member path
// strings until something is refused) and members sorted only when out of
// order: this runs once per audit record.
function write(value: unknown, depth: number): string {
  switch (typeof value) {
    case "string":
      return JSON.stringify(value);
    case "number":
      if (!Number.isFinite(value)) throw new Refusal(`numbers must be finite, got ${value}`);
      return JSON.stringify(value);
    case "boolean":
      return value ? "true" : "false";
    case "object": {
      if (value === null) return "null";
      if (depth >= MAX_DEPTH) throw new Refusal(`nested deeper than ${MAX_DEPTH} levels (or a cycle: the value contains itself)`);
      if (Array.isArray(value)) {
        let out = "[";
        for (let i = 0; i < value.length; i++) out += (i === 0 ? "" : ",") + child(value[i], depth + 1, i);
        return `${out}]`;
      }
      const proto: unknown = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) throw new Refusal(`only plain objects are JSON, got ${describe(value)}`);
      const keys = Object.keys(value);
      // Default sort compares UTF-16 code units: RFC 8785 §3.2.3.
      for (let i = 1; i < keys.length; i++) {
        if ((keys[i - 1] as string) > (keys[i] as string)) {
          keys.sort();
          break;
        }
      }
      let out = "{";
      for (let i = 0; i < keys.length; i++) {
        const key = keys[i] as string;
        out += `${i === 0 ? "" : ","}${JSON.stringify(key)}:${child((value as Record<string, unknown>)[key], depth + 1, key)}`;
      }
      return `${out}}`;
    }
    default:
      throw new Refusal(`${describe(value)} is not a JSON value`);
  }
}

/** Whether JSON.stringify(value) is already canonical (see canonicalJson). */
function isCanonicalAsIs(value: unknown, depth: number): boolean {
  switch (typeof value) {
    case "string":
    case "boolean":
      return true;
    case "number":
      return Number.isFinite(value);
    case "object": {
      if (value === null) return true;
      if (depth >= MAX_DEPTH) return false;
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) if (!isCanonicalAsIs(value[i], depth + 1)) return false;
        return true;
      }
      const proto: unknown = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) return false;
      let previous: string | undefined;
      for (const key in value) {
        if (!Object.prototype.hasOwnProperty.call(value, key)) return false;
        if (previous !== undefined && previous >= key) return false;
        if (!isCanonicalAsIs((value as Record<string, unknown>)[key], depth + 1)) return false;
        previous = key;
      }
      return true;
    }
    default:
      return false;
  }
}

/**
 * Writes the canonical JSON of `value` as UTF-8 bytes at `out[at]` and
 * returns the offset after them, for the common case only: every object
 * plain with its keys already in order, every string free of characters
 * JSON escapes (`"`, `\\`, controls) and of surrogates, every number finite.
 * Anything else, or a text that would not fit in `out`, returns -1, and the
 * caller encodes {@link canonicalJson}'s text instead: the bytes written here
 * are exactly that text's UTF-8 (a property test holds them equal). An
 * audit append writes its record this way, one pass over the value instead
 * of a check, `JSON.stringify` and a `TextEncoder` pass.
 */
export function writeCanonicalJson(value: unknown, out: Uint8Array, at: number): number {
  const end = writeValue(value, out, at, 0);
  return end <= out.length ? end : -1;
}

// Writes past out.length are dropped by the typed array and `at` keeps
// counting, so one check of the final offset (writeCanonicalJson) tells
// whether everything fit; a string is checked before its loop so that a
// huge one is not walked for nothing.
function writeValue(value: unknown, out: Uint8Array, at: number, depth: number): number {
  switch (typeof value) {
    case "string":
      return writeString(value, out, at);
    case "number":
      return writeNumber(value, out, at);
    case "boolean":
      return value ? putAscii(out, at, "true") : putAscii(out, at, "false");
    case "object": {
      if (value === null) return putAscii(out, at, "null");
      if (depth >= MAX_DEPTH) return -1;
      if (Array.isArray(value)) {
        out[at++] = 0x5b; // [
        for (let i = 0; i < value.length; i++) {
          if (i > 0) out[at++] = 0x2c; // ,
          at = writeValue(value[i], out, at, depth + 1);
          if (at < 0) return -1;
        }
        out[at++] = 0x5d; // ]
        return at;
      }
      const proto: unknown = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) return -1;
      out[at++] = 0x7b; // {
      let previous: string | undefined;
      for (const key in value) {
        if (!Object.prototype.hasOwnProperty.call(value, key)) return -1;
        if (previous === undefined) previous = key;
        else {
          if (previous >= key) return -1;
          previous = key;
          out[at++] = 0x2c; // ,
        }
        at = writeString(key, out, at);
        if (at < 0) return -1;
        out[at++] = 0x3a; // :
        at = writeValue((value as Record<string, unknown>)[key], out, at, depth + 1);
        if (at < 0) return -1;
      }
      out[at++] = 0x7d; // }
      return at;
    }
    default:
      return -1;
  }
}

/** A JSON string without escapes: UTF-8 of code units 0x20–0xFFFF, except `"`, `\\` and surrogates. */
function writeString(text: string, out: Uint8Array, at: number): number {
  if (at < 0 || at + 3 * text.length + 2 > out.length) return -1;
  out[at++] = 0x22;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) {
      if (c < 0x20 || c === 0x22 || c === 0x5c) return -1;
      out[at++] = c;
    } else if (c < 0x800) {
      out[at++] = 0xc0 | (c >> 6);
      out[at++] = 0x80 | (c & 63);
    } else {
      if (c >= 0xd800 && c <= 0xdfff) return -1;
      out[at++] = 0xe0 | (c >> 12);
      out[at++] = 0x80 | ((c >> 6) & 63);
      out[at++] = 0x80 | (c & 63);
    }
  }
  out[at++] = 0x22;
  return at;
}

/** A finite number as `JSON.stringify` writes it (`-0` as `0`); int32 values digit by digit, others through `String`. */
function writeNumber(value: number, out: Uint8Array, at: number): number {
  if ((value | 0) === value) {
    let v = value;
    if (v < 0) {
      out[at++] = 0x2d; // -
      if (v === -0x80000000) return putAscii(out, at, "2147483648");
      v = -v;
    }
    return putDigits(out, at, v);
  }
  if (!Number.isFinite(value)) return -1;
  return putAscii(out, at, String(value));
}

/** Writes the decimal digits of an integer from 0 to 2^31 - 1 at `out[at]` (int32 arithmetic) and returns the offset after them. */
export function putDigits(out: Uint8Array, at: number, value: number): number {
  let digits = 1;
  for (let v = value; v >= 10; v = (v / 10) | 0) digits++;
  for (let i = at + digits - 1, v = value; i >= at; i--, v = (v / 10) | 0) out[i] = 0x30 + (v % 10);
  return at + digits;
}

function putAscii(out: Uint8Array, at: number, text: string): number {
  for (let i = 0; i < text.length; i++) out[at + i] = text.charCodeAt(i);
  return at + text.length;
}

/**
 * The canonical JSON text of `value` (RFC 8785 rules, see the module
 * comment). Throws {@link InvalidArgumentError}, naming the path of the
 * offending member, for anything that is not a {@link JsonValue}: `undefined`,
 * functions, symbols, bigints, non-finite numbers, class instances (a `Date`
 * included: store `date.getTime()` or an ISO string), nesting deeper than 64
 * (a cycle included). A lone surrogate in a string is written as a `\uXXXX`
 * escape, as `JSON.stringify` writes it (RFC 8785 would refuse it): the
 * text stays ASCII there and parses back to the same string.
 *
 * @example
 * ```ts
 * import { canonicalJson } from "papertrail/compliance";
 * canonicalJson({ b: [1, 2.5, -0], a: "é", c: { z: null, y: true } }); // => '{"a":"é","b":[1,2.5,0],"c":{"y":true,"z":null}}'
 * canonicalJson(1e21); // => "1e+21"
 * ```
 */
export function canonicalJson(value: unknown): string {
  // Fast path: when every object is plain with its keys already in order and
  // every leaf is a finite number, string, boolean or null, the canonical text
  // is exactly what the native JSON.stringify writes.
  if (isCanonicalAsIs(value, 0)) return JSON.stringify(value);
  try {
    return write(value, 0);
  } catch (error) {
    if (error instanceof Refusal) throw new InvalidArgumentError(`data${error.steps.reverse().join("")}: ${error.what}`);
    throw error;
  }
}
