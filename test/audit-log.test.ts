// AuditLog (src/compliance/audit-log.ts and its parts): the record format,
// the incremental tree against the standalone RFC 6962 functions (themselves
// tested with the transparency-dev vectors in merkle.test.ts), tamper
// detection with index and kind, retention.
import { createHash } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  AuditLog,
  AuditVerifier,
  DecodeError,
  InvalidArgumentError,
  MemoryAuditStore,
  auditRecordLine,
  canonicalJson,
  consistencyProof,
  inclusionProof,
  merkleRoot,
  parseAuditRecordLine,
  verifyAuditLines,
  verifyConsistency,
  verifyInclusion,
  type AuditFailureKind,
} from "../src/compliance/index.js";
import { hexEquals, scanRecordLine } from "../src/compliance/audit-record.js";
import { writeCanonicalJson } from "../src/compliance/canonical-json.js";

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString("hex");
const leafHash = (line: string): string => createHash("sha256").update(Uint8Array.of(0)).update(line).digest("hex");

function makeLog(n: number, origin = "example.com/audit"): AuditLog {
  let clock = 1_700_000_000_000;
  const log = new AuditLog({ origin, now: () => clock++ });
  for (let i = 0; i < n; i++) log.append({ i, user: `user-${i % 7}`, action: i % 3 === 0 ? "login" : "read", ok: i % 5 !== 0 });
  return log;
}

describe("canonical JSON (RFC 8785 rules)", () => {
  it("sorts members by UTF-16 code units, writes numbers as JSON.stringify does", () => {
    // RFC 8785 §3.2.3 sorts by UTF-16 code units: "\u20ac" (U+20AC) before "\ud83d\ude00" (U+1F600, surrogates D83D DE00), after "\u00e9".
    expect(canonicalJson({ "\ud83d\ude00": 1, "\u20ac": 2, "\u00e9": 3, a: 4 })).toBe('{"a":4,"é":3,"€":2,"😀":1}');
    expect(canonicalJson([1e21, 1e-7, -0, 0.1, 333333333.3333333])).toBe("[1e+21,1e-7,0,0.1,333333333.3333333]");
    expect(canonicalJson("\u2028\n\"")).toBe('"\u2028\\n\\""');
    // A lone surrogate stays an ASCII escape (RFC 8785 would refuse it) and parses back to itself.
    expect(canonicalJson({ s: "\ud800x" })).toBe('{"s":"\\ud800x"}');
    expect(JSON.parse(canonicalJson("\udc00"))).toBe("\udc00");
  });

  it("is a fixed point: re-serializing parsed canonical JSON gives the same text", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = canonicalJson(value);
        expect(canonicalJson(JSON.parse(text))).toBe(text);
      }),
    );
  });

  it("writes the same bytes straight into a buffer (writeCanonicalJson), or declines with -1", () => {
    const encoder = new TextEncoder();
    // Values on the direct path: plain objects with keys in order, strings without escapes or surrogates.
    const plainString = fc.string({ unit: fc.oneof(fc.integer({ min: 0x20, max: 0x7e }), fc.integer({ min: 0x80, max: 0xd7ff }), fc.integer({ min: 0xe000, max: 0xffff })).filter((c) => c !== 0x22 && c !== 0x5c).map((c) => String.fromCharCode(c)) });
    const direct = fc.letrec((tie) => ({
      value: fc.oneof({ depthSize: "small" }, fc.constant(null), fc.boolean(), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constantFrom(-0, 2 ** 31, -(2 ** 31), 2 ** 53, 1e21), plainString, fc.array(tie("value"), { maxLength: 4 }), tie("object")),
      // Integer-like keys iterate first, in numeric order (not UTF-16 order): those take the text path, tested below.
      object: fc.dictionary(plainString.filter((k) => !/^(0|[1-9]\d*)$/.test(k)), tie("value"), { maxKeys: 5 }).map((o) => Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))),
    })).value;
    fc.assert(
      fc.property(direct, fc.nat(8), (value, at) => {
        const out = new Uint8Array(at + 8192).fill(0xee);
        const end = writeCanonicalJson(value, out, at);
        expect(end).toBeGreaterThanOrEqual(at);
        const expected = encoder.encode(canonicalJson(value));
        expect(Array.from(out.subarray(at, end))).toEqual(Array.from(expected));
        expect(out.subarray(0, at).every((b) => b === 0xee)).toBe(true);
      }),
    );
    // Anything else: the same bytes or -1, never different bytes.
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), fc.anything()), (value) => {
        const out = new Uint8Array(8192);
        const end = writeCanonicalJson(value, out, 3);
        if (end >= 0) expect(Array.from(out.subarray(3, end))).toEqual(Array.from(encoder.encode(canonicalJson(value))));
      }),
    );
    // The direct path is taken for records like the benchmark's, and declines what needs the text path.
    const record = { action: "login", ip: "10.0.1.2", n: -12, ok: true, user: "élodie€", x: [1.5, null] };
    const out = new Uint8Array(256);
    expect(new TextDecoder().decode(out.subarray(0, writeCanonicalJson(record, out, 0)))).toBe(canonicalJson(record));
    for (const text of [{ b: 1, a: 2 }, "a\"b", "tab\t", "\ud83d\ude00", { "10": 1, "9": 2 }, [undefined], Number.NaN, new Date(0), 10n]) expect(writeCanonicalJson(text, out, 0)).toBe(-1);
    // Too long for the buffer: declined, not cut.
    expect(writeCanonicalJson({ s: "x".repeat(300) }, out, 0)).toBe(-1);
    expect(writeCanonicalJson(Array.from({ length: 200 }, () => 7), out, 0)).toBe(-1);
  });

  it("refuses what is not JSON, naming the member", () => {
    const refuse = (value: unknown, message: RegExp) => expect(() => canonicalJson(value)).toThrow(message);
    refuse({ a: [1, undefined] }, /data\.a\[1\]: undefined is not a JSON value/);
    refuse({ n: Number.NaN }, /data\.n: numbers must be finite/);
    refuse({ d: new Date(0) }, /data\.d: only plain objects/);
    refuse(10n, /bigint is not a JSON value/);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    refuse(cyclic, /deeper than 64 levels \(or a cycle/);
    let deep: unknown = 1;
    for (let i = 0; i < 70; i++) deep = [deep];
    refuse(deep, /deeper than 64/);
  });
});

describe("record lines", () => {
  it("has the documented layout (golden)", () => {
    const line = auditRecordLine({ seq: 7, time: 1700000000123, prev: "ab".repeat(32), data: { user: "alice", action: "login" } });
    expect(line).toBe(`{"data":{"action":"login","user":"alice"},"prev":"${"ab".repeat(32)}","seq":7,"time":1700000000123}`);
    expect(parseAuditRecordLine(line)).toEqual({ seq: 7, time: 1700000000123, prev: "ab".repeat(32), data: { action: "login", user: "alice" } });
  });

  it("parses only canonical lines", () => {
    const line = auditRecordLine({ seq: 0, time: 0, prev: "0".repeat(64), data: { a: 1 } });
    expect(parseAuditRecordLine(line.replace('{"a":1}', '{ "a":1}'))).toBeUndefined();
    expect(parseAuditRecordLine(line.replace('"seq":0', '"seq":00'))).toBeUndefined();
    expect(parseAuditRecordLine(`${line.slice(0, -1)},"zz":1}`)).toBeUndefined();
    expect(parseAuditRecordLine("not json")).toBeUndefined();
  });

  it("scans seq, time and prev from a line's bytes, refusing a prev that is not lower-case hex", () => {
    const encoder = new TextEncoder();
    const prev = "0123456789abcdef".repeat(4);
    const line = auditRecordLine({ seq: 42, time: 1700000000123, prev, data: { a: "x" } });
    const fields = { seq: 0, time: 0, prevAt: 0 };
    const bytes = encoder.encode(`##${line}##`);
    expect(scanRecordLine(bytes, 2, bytes.length - 2, fields)).toBe(true);
    expect(fields).toEqual({ seq: 42, time: 1700000000123, prevAt: 2 + line.indexOf(prev) });
    const hash = Uint8Array.from({ length: 32 }, (_, i) => parseInt(prev.slice(2 * i, 2 * i + 2), 16));
    expect(hexEquals(bytes, fields.prevAt, hash, 0)).toBe(true);
    for (let k = 0; k < 64; k += 9) {
      // Every neighbour of the digit ranges, at several positions of prev.
      for (const bad of ["/", ":", "`", "g", "A", "F", " ", "\u00ff"]) {
        const tampered = Uint8Array.from(line.replace(prev, prev.slice(0, k) + bad + prev.slice(k + 1)), (c) => c.charCodeAt(0));
        expect(scanRecordLine(tampered, 0, tampered.length, fields)).toBe(false);
      }
      const flipped = hash.slice();
      flipped[k >> 1] ^= k & 1 ? 0x01 : 0x10;
      expect(hexEquals(bytes, 2 + line.indexOf(prev), flipped, 0)).toBe(false);
    }
  });

  it("chains each record to the leaf hash of the one before", () => {
    const log = makeLog(20);
    expect(log.record(0).prev).toBe("0".repeat(64));
    for (let i = 1; i < 20; i++) expect(log.record(i).prev).toBe(leafHash(log.line(i - 1)));
    expect(log.record(3).seq).toBe(3);
  });

  it("writes each appended line as the canonical line of the record it returns, for any JSON data (non-ASCII and long values too)", () => {
    fc.assert(
      fc.property(fc.array(fc.jsonValue({ maxDepth: 3 }), { minLength: 1, maxLength: 8 }), fc.array(fc.nat(2 ** 40), { minLength: 8, maxLength: 8 }), (values, times) => {
        let k = 0;
        const log = new AuditLog({ origin: "example.com/audit", now: () => times[k++ % 8] as number });
        const lines: string[] = [];
        values.forEach((value, i) => {
          const record = log.append(value as never);
          const line = auditRecordLine(record);
          lines.push(line);
          expect(log.line(i)).toBe(line);
          expect(record.prev).toBe(i === 0 ? "0".repeat(64) : leafHash(lines[i - 1] as string));
        });
        expect(hex(log.root())).toBe(hex(merkleRoot(lines.map((line) => new TextEncoder().encode(line)))));
      }),
      { numRuns: 150 },
    );
    const edges = [0, 9, 10, 2 ** 31 - 1, 2 ** 31, 1e8, 100_000_000_000_005, 1_700_000_000_000, Number.MAX_SAFE_INTEGER];
    let e = 0;
    const clocked = new AuditLog({ origin: "example.com/audit", now: () => edges[e++] as number });
    for (const t of edges) expect(clocked.line(clocked.append(t).seq)).toContain(`"time":${t}}`);
    const log = new AuditLog({ origin: "example.com/audit", now: () => 12 });
    const long = { note: "é€😀".repeat(3000), n: -0 };
    expect(log.line(log.append(long).seq)).toBe(auditRecordLine({ seq: 0, time: 12, prev: "0".repeat(64), data: long }));
  });
});

describe("the incremental tree", () => {
  it("gives the roots and proofs of merkleRoot, inclusionProof and consistencyProof for every size", () => {
    const log = makeLog(70);
    const leaves = Array.from({ length: 70 }, (_, i) => log.leaf(i));
    for (let n = 0; n <= 70; n++) {
      expect(hex(log.root(n))).toBe(hex(merkleRoot(leaves.slice(0, n))));
      for (let i = 0; i < n; i++) expect(log.inclusionProof(i, n).map(hex)).toEqual(inclusionProof(leaves.slice(0, n), i).map(hex));
      for (let m = 0; m <= n; m++) expect(log.consistencyProof(m, n).map(hex)).toEqual(consistencyProof(leaves.slice(0, n), m).map(hex));
    }
  });

  it("proofs verify with the standalone functions (random sizes up to 3000)", () => {
    const log = makeLog(3000);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3000 }), fc.nat(), fc.nat(), (n, a, b) => {
        const i = a % n;
        const m = b % (n + 1);
        expect(verifyInclusion(log.leaf(i), i, n, log.inclusionProof(i, n), log.root(n))).toBe(true);
        expect(verifyConsistency(m, n, log.root(m), log.root(n), log.consistencyProof(m, n))).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it("refuses sizes and indexes outside the tree", () => {
    const log = makeLog(5);
    expect(() => log.inclusionProof(5)).toThrow(InvalidArgumentError);
    expect(() => log.root(6)).toThrow(InvalidArgumentError);
    expect(() => log.consistencyProof(3, 2)).toThrow(InvalidArgumentError);
    expect(() => log.line(-1)).toThrow(InvalidArgumentError);
  });
});

describe("AuditLog options and input", () => {
  it("refuses unknown options, bad origins, bad clocks and non-JSON data", () => {
    expect(() => new AuditLog({ origin: "x", colour: 1 } as never)).toThrow(/AuditLog has no option "colour"/);
    expect(() => new AuditLog({ origin: "" })).toThrow(/origin/);
    expect(() => new AuditLog({ origin: "a\nb" })).toThrow(/origin/);
    expect(() => new AuditLog({ origin: "x", now: () => 1.5 }).append(1)).toThrow(/now\(\)/);
    const log = new AuditLog({ origin: "x" });
    expect(() => log.append({ f: (() => 1) as never })).toThrow(/data\.f/);
    expect(log.size).toBe(0); // a refused record leaves no trace
  });
});

describe("reopening a store", () => {
  it("replays the records and continues the same tree", () => {
    const store = new MemoryAuditStore();
    const first = new AuditLog({ origin: "example.com/audit", store });
    for (let i = 0; i < 33; i++) first.append({ i });
    first.keepCheckpoint(first.checkpoint());
    const again = new AuditLog({ origin: "example.com/audit", store });
    expect(again.size).toBe(33);
    expect(hex(again.root())).toBe(hex(first.root()));
    again.append({ i: 33 });
    expect(verifyAuditLines(Array.from({ length: 34 }, (_, i) => store.line(i))).ok).toBe(true);
  });

  it("a MemoryAuditStore keeps lines across its 1 MiB chunks (and a longer line in a chunk of its own), through pruning and reopening", () => {
    const store = new MemoryAuditStore();
    const log = new AuditLog({ origin: "example.com/audit", store, now: () => 7 });
    const sizes = [10, 700_000, 20, 500_000, 1_500_000, 30, 900_000, 5];
    for (let i = 0; i < 40; i++) log.append({ i, pad: "é".repeat(sizes[i % sizes.length] as number) });
    const lines = Array.from({ length: 40 }, (_, i) => log.line(i));
    lines.forEach((line, i) => expect(parseAuditRecordLine(line)?.seq).toBe(i));
    expect(verifyAuditLines(lines).ok).toBe(true);
    log.keepCheckpoint(log.checkpoint());
    log.prune(13);
    for (let i = 13; i < 40; i++) expect(store.line(i)).toBe(lines[i]);
    const again = new AuditLog({ origin: "example.com/audit", store, now: () => 8 });
    expect(hex(again.root())).toBe(hex(log.root()));
    again.append({ after: true });
    expect(again.record(40).prev).toBe(leafHash(lines[39] as string));
  });

  it("refuses a store whose records do not verify", () => {
    const store = new MemoryAuditStore();
    const log = new AuditLog({ origin: "example.com/audit", store });
    for (let i = 0; i < 5; i++) log.append({ i });
    log.keepCheckpoint(log.checkpoint());
    // The store keeps the lines' bytes in one array (private); rewrite a digit of record `index` in place.
    const raw = store as unknown as { chunks: Uint8Array[]; where: Int32Array };
    const rewrite = (index: number, from: string, to: string): void => {
      const [chunk, start, end] = [raw.where[3 * index], raw.where[3 * index + 1], raw.where[3 * index + 2]] as [number, number, number];
      const bytes = raw.chunks[chunk] as Uint8Array;
      const at = start + new TextDecoder().decode(bytes.subarray(start, end)).indexOf(from);
      expect(at).toBeGreaterThanOrEqual(start);
      bytes.set(new TextEncoder().encode(to), at);
    };
    rewrite(4, '"i":4', '"i":5'); // the last record: only the checkpoint pins it
    expect(store.line(4)).toContain('"i":5');
    expect(() => new AuditLog({ origin: "example.com/audit", store })).toThrow(DecodeError);
    rewrite(4, '"i":5', '"i":4');
    rewrite(2, '"i":2', '"i":9');
    expect(() => new AuditLog({ origin: "example.com/audit", store })).toThrow(/stored record 3 does not carry the hash/);
  });
});

type Tamper = "modify" | "delete" | "insert-forged" | "insert-copy" | "reorder" | "truncate";

/** Applies one tamper at position k; returns the lines and the expected verdict. */
function tamper(log: AuditLog, kind: Tamper, k: number): { lines: string[]; index: number; kind: AuditFailureKind } {
  const n = log.size;
  const lines = Array.from({ length: n }, (_, i) => log.line(i));
  switch (kind) {
    case "modify":
      lines[k] = (lines[k] as string).replace(/"i":\d+/, `"i":${n + 1000}`);
      return { lines, index: k, kind: "modified" };
    case "delete":
      lines.splice(k, 1);
      return { lines, index: k, kind: k === n - 1 ? "truncated" : "deleted" };
    case "insert-forged": {
      // A careful forger: right seq, right prev, so it passes its own checks.
      const prev = k === 0 ? "0".repeat(64) : leafHash(lines[k - 1] as string);
      lines.splice(k, 0, auditRecordLine({ seq: k, time: 1, prev, data: { forged: true } }));
      return { lines, index: k, kind: "inserted" };
    }
    case "insert-copy": {
      // A replayed copy of an earlier record (or of record 0 at the very start).
      const source = k === 0 ? 0 : (k * 7919) % k;
      lines.splice(k === 0 ? 1 : k, 0, lines[source] as string);
      return { lines, index: k === 0 ? 1 : k, kind: "inserted" };
    }
    case "reorder":
      [lines[k], lines[k + 1]] = [lines[k + 1] as string, lines[k] as string];
      return { lines, index: k, kind: "reordered" };
    case "truncate":
      return { lines: lines.slice(0, k), index: k, kind: "truncated" };
  }
}

describe("tamper detection: the first bad record, by index and kind", () => {
  const N = 200;
  const log = makeLog(N);
  const checkpoint = log.checkpoint();

  it("finds every tamper at random positions (property test)", () => {
    fc.assert(
      fc.property(fc.constantFrom<Tamper>("modify", "delete", "insert-forged", "insert-copy", "reorder", "truncate"), fc.nat(N - 1), (kind, position) => {
        const k = kind === "reorder" ? Math.min(position, N - 2) : position;
        const expected = tamper(log, kind, k);
        const result = verifyAuditLines(expected.lines, { checkpoint });
        expect(result.ok).toBe(false);
        expect({ index: result.failure?.index, kind: result.failure?.kind }).toEqual({ index: expected.index, kind: expected.kind });
        // What verified is a true prefix of the log.
        expect(result.size).toBeLessThanOrEqual(expected.index);
        expect(hex(result.root)).toBe(hex(log.root(result.size)));
      }),
      { numRuns: 600 },
    );
  });

  it("covers both ends explicitly", () => {
    for (const kind of ["modify", "delete", "insert-forged", "insert-copy", "truncate"] as const) {
      for (const k of [0, 1, N - 2, N - 1]) {
        const expected = tamper(log, kind, k);
        const failure = verifyAuditLines(expected.lines, { checkpoint }).failure;
        expect({ kind, k, index: failure?.index, failureKind: failure?.kind }).toEqual({ kind, k, index: expected.index, failureKind: expected.kind });
      }
    }
  });

  it("passes the untouched log, and says nothing about a longer log than the checkpoint", () => {
    expect(verifyAuditLines(Array.from({ length: N }, (_, i) => log.line(i)), { checkpoint }).ok).toBe(true);
    expect(verifyAuditLines(Array.from({ length: N }, (_, i) => log.line(i)), { checkpoint: { size: 50, root: log.root(50) } }).ok).toBe(true);
  });

  it("reports a chain rewritten consistently as a checkpoint mismatch", () => {
    // Rewrite records from 10 on with a valid chain: only the root betrays it.
    const forged = new AuditLog({ origin: "example.com/audit", now: () => 5 });
    for (let i = 0; i < 10; i++) forged.append(log.record(i).data);
    const lines = Array.from({ length: 10 }, (_, i) => log.line(i));
    // The first ten lines differ in time from the forger's, so use the forger's whole log.
    for (let i = 0; i < N; i++) if (i >= 10) forged.append({ rewritten: i });
    const result = verifyAuditLines(Array.from({ length: N }, (_, i) => forged.line(i)), { checkpoint: { size: 150, root: log.root(150) } });
    expect(result.failure?.kind).toBe("checkpoint");
    expect(result.failure?.index).toBe(149);
    expect(lines.length).toBe(10);
  });

  it("reports a torn last line as truncated, with the records before it verified", () => {
    const verifier = new AuditVerifier();
    for (let i = 0; i < 5; i++) verifier.push(new TextEncoder().encode(log.line(i)));
    const result = verifier.finish({ offset: 1234, length: 17 });
    expect(result.failure?.kind).toBe("truncated");
    expect(result.failure?.index).toBe(5);
    expect(result.failure?.reason).toMatch(/crash mid-append; the 5 records before it verify/);
    expect(result.size).toBe(5);
    expect(hex(result.root)).toBe(hex(log.root(5)));
  });
});

describe("retention", () => {
  it("keeps roots, retained inclusion proofs and consistency from kept checkpoints after pruning", () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 300 }), fc.array(fc.nat(), { minLength: 1, maxLength: 4 }), fc.nat(), fc.nat(), (n, cuts, p, extra) => {
        const log = makeLog(n);
        const twin = makeLog(n);
        const sizes = [...new Set(cuts.map((c) => c % (n + 1)))].sort((a, b) => a - b);
        for (const size of sizes) log.keepCheckpoint({ origin: log.origin, size, root: log.root(size) });
        const before = p % (n + 1);
        const rootBefore = hex(log.root());
        const state = log.prune(before);
        expect(log.firstIndex).toBe(before);
        expect(hex(log.root())).toBe(rootBefore);
        // Keep growing both.
        for (let i = 0; i < extra % 40; i++) {
          log.append({ later: i });
          twin.append({ later: i });
        }
        expect(hex(log.root())).toBe(hex(twin.root()));
        for (const m of sizes) {
          for (const size of [Math.max(m, before), log.size]) {
            expect(log.consistencyProof(m, size).map(hex)).toEqual(twin.consistencyProof(m, size).map(hex));
          }
        }
        for (let i = before; i < log.size; i += 7) expect(log.inclusionProof(i).map(hex)).toEqual(twin.inclusionProof(i).map(hex));
        if (before > 0) expect(() => log.line(before - 1)).toThrow(/pruned/);
        // The kept lines verify from the pruned state, against the checkpoint.
        const lines = Array.from({ length: log.size - before }, (_, i) => log.line(before + i));
        const result = verifyAuditLines(lines, { pruned: state, checkpoint: log.checkpoint() });
        expect(result.ok).toBe(true);
        // Kept: at most the compact ranges plus one leaf, logarithmic in n.
        expect(state.nodes.length).toBeLessThanOrEqual(1 + 9 * (1 + 2 * sizes.length));
      }),
      { numRuns: 150 },
    );
  });

  it("keeps roots and proofs across the tree's 32,768-hash chunks, pruned twice past chunk boundaries", () => {
    const log = new AuditLog({ origin: "example.com/audit", now: () => 0 });
    const twin = new AuditLog({ origin: "example.com/audit", now: () => 0 });
    const grow = (to: number): void => {
      for (let i = log.size; i < to; i++) {
        log.append(i);
        twin.append(i);
      }
    };
    grow(70_001);
    log.keepCheckpoint(log.checkpoint());
    log.prune(40_000);
    grow(99_000);
    log.prune(66_000);
    grow(100_003);
    expect(hex(log.root())).toBe(hex(twin.root()));
    for (const size of [66_000, 70_001, 99_999, 100_003]) expect(hex(log.root(size))).toBe(hex(twin.root(size)));
    for (const i of [66_000, 66_001, 70_000, 98_303, 98_304, 100_002]) expect(log.inclusionProof(i).map(hex)).toEqual(twin.inclusionProof(i).map(hex));
    expect(log.consistencyProof(70_001).map(hex)).toEqual(twin.consistencyProof(70_001).map(hex));
  });

  it("prunes by age, from the first record stamped at or after the cutoff", () => {
    let clock = 0;
    const log = new AuditLog({ origin: "example.com/audit", now: () => clock });
    for (const t of [10, 20, 30, 25, 40]) {
      clock = t;
      log.append({ t });
    }
    expect(log.pruneOlderThan(30).size).toBe(2);
    expect(log.firstIndex).toBe(2);
    expect(log.record(3).time).toBe(25); // after a newer one: kept
    expect(() => log.prune(1)).toThrow(InvalidArgumentError);
  });

  it("a reopened pruned store continues the same tree", () => {
    const store = new MemoryAuditStore();
    const log = new AuditLog({ origin: "example.com/audit", store });
    for (let i = 0; i < 100; i++) log.append({ i });
    log.keepCheckpoint(log.checkpoint());
    log.prune(61);
    const again = new AuditLog({ origin: "example.com/audit", store });
    expect(again.firstIndex).toBe(61);
    expect(hex(again.root())).toBe(hex(log.root()));
    again.append({ i: 100 });
    expect(again.record(100).prev).toBe(leafHash(again.line(99)));
  });
});
