/**
 * Canonical JSON: one byte string per JSON value, so that a hash of a record
 * means the same thing to every writer and verifier. The rules are those of
 * RFC 8785 (JSON Canonicalization Scheme) for the values accepted here:
 * object members sorted by key in UTF-16 code unit order, no whitespace,
 * strings and numbers written as ECMAScript's `JSON.stringify` writes them
 * (so `-0` is `0`, `1e21` stays `1e+21`).
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

/** Nesting deeper than this is refused (it would be a stack risk, not data). */
const MAX_DEPTH = 64;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return (value.constructor as { name?: string } | undefined)?.name ?? "an object";
  if (typeof value === "number") return String(value);
  return typeof value;
}

function write(value: unknown, path: string, depth: number, seen: Set<object>): string {
  switch (typeof value) {
    case "string":
      if (LONE_SURROGATE.test(value)) throw new InvalidArgumentError(`${path}: a string with a lone surrogate has no canonical UTF-8 form`);
      return JSON.stringify(value);
    case "number":
      if (!Number.isFinite(value)) throw new InvalidArgumentError(`${path}: numbers must be finite, got ${value}`);
      return JSON.stringify(value);
    case "boolean":
      return value ? "true" : "false";
    case "object": {
      if (value === null) return "null";
      if (depth >= MAX_DEPTH) throw new InvalidArgumentError(`${path}: nested deeper than ${MAX_DEPTH} levels`);
      if (seen.has(value)) throw new InvalidArgumentError(`${path}: a cycle (the value contains itself)`);
      seen.add(value);
      let out: string;
      if (Array.isArray(value)) {
        const parts: string[] = [];
        for (let i = 0; i < value.length; i++) parts.push(write(value[i], `${path}[${i}]`, depth + 1, seen));
        out = `[${parts.join(",")}]`;
      } else {
        const proto: unknown = Object.getPrototypeOf(value);
        if (proto !== Object.prototype && proto !== null) throw new InvalidArgumentError(`${path}: only plain objects are JSON, got ${describe(value)}`);
        // Default sort compares UTF-16 code units: RFC 8785 §3.2.3.
        const keys = Object.keys(value).sort();
        const parts: string[] = [];
        for (const key of keys) {
          if (LONE_SURROGATE.test(key)) throw new InvalidArgumentError(`${path}: key ${JSON.stringify(key)} has a lone surrogate`);
          parts.push(`${JSON.stringify(key)}:${write((value as Record<string, unknown>)[key], `${path}.${key}`, depth + 1, seen)}`);
        }
        out = `{${parts.join(",")}}`;
      }
      seen.delete(value);
      return out;
    }
    default:
      throw new InvalidArgumentError(`${path}: ${describe(value)} is not a JSON value`);
  }
}

/**
 * The canonical JSON text of `value` (RFC 8785 rules, see the module
 * comment). Throws {@link InvalidArgumentError}, naming the path of the
 * offending member, for anything that is not a {@link JsonValue}: `undefined`,
 * functions, symbols, bigints, non-finite numbers, class instances (a `Date`
 * included: store `date.getTime()` or an ISO string), cycles, strings with a
 * lone surrogate, nesting deeper than 64.
 *
 * @example
 * ```ts
 * import { canonicalJson } from "papertrail/compliance";
 * canonicalJson({ b: [1, 2.5, -0], a: "é", c: { z: null, y: true } }); // => '{"a":"é","b":[1,2.5,0],"c":{"y":true,"z":null}}'
 * canonicalJson(1e21); // => "1e+21"
 * ```
 */
export function canonicalJson(value: unknown): string {
  return write(value, "data", 0, new Set());
}
