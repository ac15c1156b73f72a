/**
 * The bulk body of `POST /api/v1/events`: a JSON array, or NDJSON (one JSON
 * value per line; blank lines ignored; a line that is not JSON is rejected
 * by itself, with its line number, and the other lines still count).
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

/**
 * Splits NDJSON text into records.
 *
 * @example
 * ```ts
 * import { parseNdjson } from "papertrail/server";
 * const items = parseNdjson('{"a":1}\n\nnot json\n{"a":2}\n');
 * items.map((item) => ("record" in item ? item.record : item.error)); // => [{ a: 1 }, "line 3: not valid JSON", { a: 2 }]
 * ```
 */
export function parseNdjson(text: string): BulkItem[] {
  const items: BulkItem[] = [];
  let lineNumber = 0;
  let start = 0;
  while (start <= text.length) {
    let end = text.indexOf("\n", start);
    if (end < 0) end = text.length;
    lineNumber++;
    const line = text.slice(start, end).trim();
    if (line !== "") {
      try {
        items.push({ index: items.length, record: JSON.parse(line) as unknown });
      } catch {
        items.push({ index: items.length, error: `line ${lineNumber}: not valid JSON` });
      }
    }
    start = end + 1;
  }
  return items;
}
