// NDJSON bulk bodies: parseNdjson on text and on bytes against a plain
// reference (each line trimmed, then JSON.parse), and POST /api/v1/events with
// NDJSON bodies mixing good, rejected, blank and broken lines: the answer's
// counts and the index, field and reason of every rejection, and what the
// backend received.
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { type ComplianceApp, createComplianceApp } from "../src/server/app.js";
import { parseNdjson } from "../src/server/ndjson.js";
import { fakeBackend } from "./support/fake-backend.js";

/** The reference: split on "\n", skip lines that trim to "", JSON.parse the trimmed line. */
function reference(text: string): ({ index: number; record: unknown } | { index: number; error: string })[] {
  const items: ({ index: number; record: unknown } | { index: number; error: string })[] = [];
  text.split("\n").forEach((raw, i) => {
    const line = raw.trim();
    if (line === "") return;
    try {
      items.push({ index: items.length, record: JSON.parse(line) as unknown });
    } catch {
      items.push({ index: items.length, error: `line ${i + 1}: not valid JSON` });
    }
  });
  return items;
}

// Lines of every kind the parser must tell apart: JSON values (with non-ASCII
// text), blank and white-space-only lines (JSON white space and the other
// kinds trim() removes), padded values, a byte-order mark, CRLF endings and
// lines that are not JSON.
const jsonValue = fc.oneof(
  fc.jsonValue().map((v) => JSON.stringify(v)),
  fc.record({ user: fc.string({ unit: "grapheme" }), n: fc.integer() }).map((v) => JSON.stringify(v)),
);
const padding = fc.constantFrom("", " ", "\t", "\r", "\u00a0", "\ufeff", "\u2028", " \r");
const line = fc.oneof(
  jsonValue,
  fc.tuple(padding, jsonValue, padding).map(([a, v, b]) => a + v + b),
  padding,
  fc.constantFrom("{not json", "nul", "[1,", '{"a":1}{"b":2}', "\u00a0x\u00a0", "'single'"),
  fc.string({ unit: "grapheme", maxLength: 12 }).filter((s) => !s.includes("\n")),
);

describe("parseNdjson", () => {
  it("gives the reference's items for text and for its UTF-8 bytes", () => {
    fc.assert(
      fc.property(fc.array(line, { maxLength: 30 }), fc.boolean(), (lines, trailingNewline) => {
        const text = lines.join("\n") + (trailingNewline ? "\n" : "");
        const expected = reference(text);
        expect(parseNdjson(text)).toEqual(expected);
        expect(parseNdjson(new TextEncoder().encode(text))).toEqual(expected);
        expect(parseNdjson(Buffer.from(text))).toEqual(expected);
      }),
      { numRuns: 500 },
    );
  });

  it("decodes a line's multi-byte characters and a byte-order mark, and reads an empty body as no items", () => {
    expect(parseNdjson(new TextEncoder().encode('\ufeff{"a":"é"}\n{"b":"日本語 🎉"}'))).toEqual([
      { index: 0, record: { a: "é" } },
      { index: 1, record: { b: "日本語 🎉" } },
    ]);
    expect(parseNdjson(new Uint8Array(0))).toEqual([]);
    expect(parseNdjson("\n\n \r\n")).toEqual([]);
  });
});

const NOW = Date.UTC(2026, 0, 5, 12);
const apps: ComplianceApp[] = [];
afterEach(async () => {
  for (const app of apps.splice(0)) await app.close();
});

describe("POST /api/v1/events with NDJSON", () => {
  it("answers exact counts and every rejection by its position among the non-blank lines, and ingests only the good records", async () => {
    const backend = fakeBackend(() => NOW);
    const app = await createComplianceApp({ backend, rateLimit: false, dashboard: false, now: () => NOW, sse: { heartbeatMs: 0 } });
    apps.push(app);
    const { url } = await app.listen(0);
    // good: accepted by the fake backend; rejected: JSON it refuses (user not a string); broken: not JSON; blank.
    const kind = fc.constantFrom("good", "good", "rejected", "broken", "blank");
    await fc.assert(
      fc.asyncProperty(fc.array(kind, { maxLength: 40 }), async (kinds) => {
        const before = backend.rows.length;
        const lines = kinds.map((k, i) =>
          k === "good"
            ? JSON.stringify({ user: `u${i}`, system: "s", ip: "10.0.0.1", kind: "login", time: NOW })
            : k === "rejected"
              ? JSON.stringify({ user: i, system: "s", ip: "10.0.0.1", kind: "login", time: NOW })
              : k === "broken"
                ? `{"user": "u${i}"`
                : " ",
        );
        const response = await fetch(`${url}/api/v1/events`, { method: "POST", headers: { "content-type": "application/x-ndjson" }, body: lines.join("\n") });
        expect(response.status).toBe(200);
        const answer = (await response.json()) as { accepted: number; rejected: number; errors: { index: number; field: string; reason: string }[] };
        const expected: { index: number; field: string; reason?: string }[] = [];
        let item = 0;
        kinds.forEach((k, i) => {
          if (k === "blank") return;
          if (k === "broken") expected.push({ index: item, field: "body", reason: `line ${i + 1}: not valid JSON` });
          if (k === "rejected") expected.push({ index: item, field: "user" });
          item++;
        });
        expect(answer.accepted).toBe(kinds.filter((k) => k === "good").length);
        expect(answer.rejected).toBe(expected.length);
        expect(answer.errors).toMatchObject(expected);
        expect(backend.rows.slice(before).map((row) => row.user)).toEqual(kinds.flatMap((k, i) => (k === "good" ? [`u${i}`] : [])));
      }),
      { numRuns: 60 },
    );
  });

  it("decodes a body in a declared charset, and refuses one it cannot decode with 415", async () => {
    const backend = fakeBackend(() => NOW);
    const app = await createComplianceApp({ backend, rateLimit: false, dashboard: false, now: () => NOW, sse: { heartbeatMs: 0 } });
    apps.push(app);
    const { url } = await app.listen(0);
    const record = { user: "jürgen", system: "s", ip: "10.0.0.1", kind: "login", time: NOW };
    const latin1 = Buffer.from(`${JSON.stringify(record)}\n`, "latin1");
    const ok = await fetch(`${url}/api/v1/events`, { method: "POST", headers: { "content-type": "application/x-ndjson; charset=ISO-8859-1" }, body: latin1 });
    expect(await ok.json()).toMatchObject({ accepted: 1, rejected: 0 });
    expect(backend.rows.at(-1)?.user).toBe("jürgen");
    const utf8 = await fetch(`${url}/api/v1/events`, { method: "POST", headers: { "content-type": "application/x-ndjson; charset=utf-8" }, body: JSON.stringify({ ...record, user: "zoë" }) });
    expect(await utf8.json()).toMatchObject({ accepted: 1 });
    expect(backend.rows.at(-1)?.user).toBe("zoë");
    const unknown = await fetch(`${url}/api/v1/events`, { method: "POST", headers: { "content-type": "application/x-ndjson; charset=x-no-such" }, body: "{}" });
    expect(unknown.status).toBe(415);
    expect(backend.rows.length).toBe(2);
  });
});
