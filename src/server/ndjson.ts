/**
 * The bulk body of `POST /api/v1/events`: a JSON array, or NDJSON (one JSON
 * value per line; blank lines ignored; a line that is not JSON is rejected
 * by itself, with its line number, and the other lines still count).
 *
 * The server hands the body over as the bytes it received: lines are found
 * in the bytes (a newline byte never occurs inside a multi-byte UTF-8
 * sequence) and each line is decoded and parsed by itself, so the body is
 * never held as one string as well. Measured on 5000-line bodies of the
 * synthetic stream, this was as fast as or faster than decoding the body to
 * one string and slicing it, and faster than one `JSON.parse` of the lines
 * joined into an array (the join copies the body again and one bad line
 * sends every line through a second parse).
 *
 * @module
 */

/**
 * One record of a bulk body, or why its line was not JSON.
 *
 * @example
 * ```ts
 * import type { BulkItem } from "papertrail/server";
 * const item: BulkItem = { index: 0, record: { event_type: "login" } };
 * item.index; // => 0
 * ```
 */
export type BulkItem = { readonly index: number; readonly record: unknown } | { readonly index: number; readonly error: string };

/** A line that was not JSON: its position among the non-blank lines, and why. */
export interface NdjsonLineError {
  readonly index: number;
  readonly error: string;
}

/** The records of an NDJSON body in order, and the lines that were not JSON. */
export interface NdjsonRecords {
  readonly records: unknown[];
  /** Ascending by `index`; empty for a clean body. */
  readonly bad: NdjsonLineError[];
}

const NEWLINE = 0x0a;

/** Parses one line; `undefined` for a blank line; throws for one that is not JSON. */
function parseLine(line: string): unknown {
  // JSON.parse skips the JSON whitespace (space, tab, CR, LF) around a value
  // by itself; only a line it refuses is trimmed of the other white space
  // (a byte-order mark, no-break spaces) and tried again, so the answer is
  // that of `JSON.parse(line.trim())` without trimming every line.
  try {
    return JSON.parse(line) as unknown;
  } catch (error) {
    const trimmed = line.trim();
    if (trimmed === "") return undefined;
    if (trimmed.length === line.length) throw error;
    return JSON.parse(trimmed) as unknown;
  }
}

/**
 * Splits an NDJSON body (text, or UTF-8 bytes) into its records and the
 * lines that were not JSON. `index` counts non-blank lines, as
 * {@link parseNdjson}'s items do.
 */
export function splitNdjson(body: string | Uint8Array): NdjsonRecords {
  const records: unknown[] = [];
  const bad: NdjsonLineError[] = [];
  const bytes = typeof body === "string" ? undefined : Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const length = bytes === undefined ? (body as string).length : bytes.length;
  let lineNumber = 0;
  let start = 0;
  while (start <= length) {
    let end = bytes === undefined ? (body as string).indexOf("\n", start) : bytes.indexOf(NEWLINE, start);
    if (end < 0) end = length;
    lineNumber++;
    if (end > start) {
      const line = bytes === undefined ? (body as string).slice(start, end) : bytes.toString("utf8", start, end);
      let record: unknown;
      let parsed = true;
      try {
        record = parseLine(line);
      } catch {
        parsed = false;
      }
      if (!parsed) bad.push({ index: records.length + bad.length, error: `line ${lineNumber}: not valid JSON` });
      else if (record !== undefined) records.push(record);
    }
    start = end + 1;
  }
  return { records, bad };
}

/**
 * Splits NDJSON (text, or UTF-8 bytes) into records: one item per non-blank
 * line, a record or why the line is not JSON.
 *
 * @example
 * ```ts
 * import { parseNdjson } from "papertrail/server";
 * const items = parseNdjson('{"a":1}\n\nnot json\n{"a":2}\n');
 * items.map((item) => ("record" in item ? item.record : item.error)); // => [{ a: 1 }, "line 3: not valid JSON", { a: 2 }]
 * parseNdjson(new TextEncoder().encode('{"b":"é"}\r\n')); // => [{ index: 0, record: { b: "é" } }]
 * ```
 */
export function parseNdjson(text: string | Uint8Array): BulkItem[] {
  const { records, bad } = splitNdjson(text);
  const items: BulkItem[] = [];
  let r = 0;
  for (const line of bad) {
    while (items.length < line.index) items.push({ index: items.length, record: records[r++] });
    items.push({ index: items.length, error: line.error });
  }
  while (r < records.length) items.push({ index: items.length, record: records[r++] });
  return items;
}
