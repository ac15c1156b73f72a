// The JSON-lines file store and streaming file verification
// (src/compliance/node/file-audit-store.ts, verify-audit-file.ts): reopening
// rebuilds the tree, fsync policies, a crash mid-append cut at every byte of
// the last record, pruning on disk, tamper found in a file.
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { AuditLog, DecodeError, InvalidArgumentError } from "../src/compliance/index.js";
import { FileAuditStore, NodeTreeHasher, NoteSigner, openCheckpoint, openFileAuditLog, signLogCheckpoint, verifyAuditFile } from "../src/compliance/node/index.js";

const dir = mkdtempSync(join(tmpdir(), "papertrail-audit-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let counter = 0;
const freshPath = (): string => join(dir, `audit-${counter++}.jsonl`);
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString("hex");
const ORIGIN = "example.com/audit";
const signer = NoteSigner.fromKey("PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz");

function writeLog(path: string, n: number, options: Parameters<typeof openFileAuditLog>[1] = { origin: ORIGIN }): AuditLog {
  let clock = 1_700_000_000_000;
  const log = openFileAuditLog(path, { now: () => clock++, ...options });
  for (let i = 0; i < n; i++) log.append({ i, user: `u${i % 5}`, text: "é ✓ \u2028" });
  return log;
}

describe("FileAuditStore", () => {
  it("writes one canonical line per record and reopens to the same tree", () => {
    const path = freshPath();
    const log = writeLog(path, 500);
    const root = hex(log.root());
    const line3 = log.line(3);
    log.close();
    expect(() => log.line(3)).toThrow(/closed/);
    const lines = readFileSync(path, "utf8").split("\n");
    expect(lines.length).toBe(501);
    expect(lines[500]).toBe("");
    expect(lines[3]).toBe(line3);
    const again = openFileAuditLog(path, { origin: ORIGIN });
    expect(again.size).toBe(500);
    expect(hex(again.root())).toBe(root);
    expect(again.record(499).data).toEqual({ i: 499, text: "é ✓ \u2028", user: "u4" });
    again.append({ i: 500 });
    again.close();
    const third = openFileAuditLog(path, { origin: ORIGIN, hasher: new NodeTreeHasher() });
    expect(third.size).toBe(501);
    third.close();
  });

  it("fsync policies: every-append writes at once, batch after batchRecords, manual on flush", () => {
    const every = freshPath();
    const a = writeLog(every, 3, { origin: ORIGIN, fsync: "every-append" });
    expect(readFileSync(every, "utf8").split("\n").length).toBe(4);
    a.close();
    const batch = freshPath();
    const b = writeLog(batch, 4, { origin: ORIGIN, fsync: "batch", batchRecords: 5, batchMs: 60_000 });
    expect(statSync(batch).size).toBe(0);
    b.append({ i: 4 });
    expect(readFileSync(batch, "utf8").split("\n").length).toBe(6);
    b.close();
    const manual = freshPath();
    const c = writeLog(manual, 50, { origin: ORIGIN, fsync: "manual" });
    expect(statSync(manual).size).toBe(0);
    expect(c.line(10)).toContain('"i":10'); // pending records are readable
    c.flush();
    expect(readFileSync(manual, "utf8").split("\n").length).toBe(51);
    c.close();
  });

  it("batch fsyncs run in the background; prune, flush and close while one runs keep the file whole", async () => {
    const path = freshPath();
    const log = writeLog(path, 103, { origin: ORIGIN, fsync: "batch", batchRecords: 5 });
    // Written at once (only the fsync is deferred): 100 records in 20 batches.
    expect(readFileSync(path, "utf8").split("\n").length).toBe(101);
    log.prune(50); // closes and replaces the file's descriptor while a background fsync may still use it
    for (let i = 0; i < 37; i++) log.append({ after: i });
    log.flush();
    for (let i = 0; i < 12; i++) log.append({ late: i });
    const root = hex(log.root());
    log.close();
    await new Promise((resolve) => setTimeout(resolve, 50)); // let the background fsyncs end
    const result = await verifyAuditFile(path);
    expect(result.ok).toBe(true);
    expect(result.size).toBe(152);
    expect(hex(result.root)).toBe(root);
    const again = openFileAuditLog(path, { origin: ORIGIN });
    expect(again.size).toBe(152);
    again.close();
  });

  it("a batch is flushed by its timer", async () => {
    const path = freshPath();
    const log = writeLog(path, 2, { origin: ORIGIN, fsync: "batch", batchRecords: 1000, batchMs: 5 });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(readFileSync(path, "utf8").split("\n").length).toBe(3);
    log.close();
  });

  it("refuses unknown or bad options", () => {
    expect(() => FileAuditStore.open(freshPath(), { fsync: "sometimes" as never })).toThrow(/fsync must be/);
    expect(() => FileAuditStore.open(freshPath(), { batchRecords: 0 })).toThrow(/batchRecords/);
    expect(() => openFileAuditLog(freshPath(), { origin: ORIGIN, fsynk: "batch" } as never)).toThrow(/no option "fsynk"/);
  });

  it("a checkpoint makes the records durable and is kept in the state file", () => {
    const path = freshPath();
    const log = writeLog(path, 10, { origin: ORIGIN, fsync: "manual" });
    const checkpoint = signLogCheckpoint(log, signer);
    expect(readFileSync(path, "utf8").split("\n").length).toBe(11);
    const state = JSON.parse(readFileSync(`${path}.state.json`, "utf8")) as { checkpoints: { size: number; note: string }[] };
    expect(state.checkpoints).toEqual([{ size: 10, root: Buffer.from(checkpoint.root).toString("base64"), note: checkpoint.note }]);
    log.close();
    // The reopened log checks its records against the kept checkpoint.
    const lines = readFileSync(path, "utf8").split("\n");
    lines[9] = (lines[9] as string).replace('"i":9', '"i":90');
    writeFileSync(path, lines.join("\n"));
    expect(() => openFileAuditLog(path, { origin: ORIGIN })).toThrow(/do not match the stored checkpoint of size 10/);
  });
});

describe("a crash mid-append (the last line cut at every byte)", () => {
  const N = 6;
  const source = freshPath();
  const log = writeLog(source, N);
  log.close();
  const full = readFileSync(source);
  const lastStart = full.lastIndexOf(0x0a, full.length - 2) + 1;
  const rootBefore = hex(log.root(N - 1));

  it("verifies the complete records and says the last one is torn", async () => {
    for (let cut = lastStart; cut <= full.length; cut++) {
      const path = freshPath();
      writeFileSync(path, full.subarray(0, cut));
      const result = await verifyAuditFile(path);
      if (cut === lastStart) {
        expect(result).toMatchObject({ ok: true, size: N - 1 });
      } else if (cut === full.length) {
        expect(result).toMatchObject({ ok: true, size: N });
      } else {
        expect(result.ok, `cut at ${cut}`).toBe(false);
        expect(result.size).toBe(N - 1);
        expect(result.failure).toMatchObject({ index: N - 1, kind: "truncated" });
        expect(result.failure?.reason).toContain(`${cut - lastStart} bytes after the last newline, at byte ${lastStart}`);
        expect(hex(result.root)).toBe(rootBefore);
      }
    }
  });

  it("reopening cuts the torn bytes off (kept in <path>.torn) and the log continues", () => {
    for (let cut = lastStart + 1; cut < full.length; cut += 7) {
      const path = freshPath();
      writeFileSync(path, full.subarray(0, cut));
      const store = FileAuditStore.open(path);
      expect(store.recoveredTail).toEqual({ offset: lastStart, length: cut - lastStart });
      expect(readFileSync(`${path}.torn`).equals(full.subarray(lastStart, cut))).toBe(true);
      const reopened = new AuditLog({ origin: ORIGIN, store });
      expect(reopened.size).toBe(N - 1);
      reopened.append({ again: true });
      reopened.close();
    }
  });

  it("refuses instead when asked", () => {
    const path = freshPath();
    writeFileSync(path, full.subarray(0, full.length - 3));
    expect(() => FileAuditStore.open(path, { onIncompleteTail: "refuse" })).toThrow(DecodeError);
    expect(existsSync(`${path}.torn`)).toBe(false);
  });
});

describe("verifyAuditFile", () => {
  it("finds a tampered record in a file, against a signed checkpoint", async () => {
    const path = freshPath();
    const log = writeLog(path, 3000, { origin: ORIGIN });
    const { note } = signLogCheckpoint(log, signer);
    log.close();
    const checkpoint = openCheckpoint(note, [signer.verifierKey]);
    expect((await verifyAuditFile(path, { checkpoint })).ok).toBe(true);
    const lines = readFileSync(path, "utf8").split("\n");
    lines[1234] = (lines[1234] as string).replace('"u4"', '"u5"');
    writeFileSync(path, lines.join("\n"));
    const result = await verifyAuditFile(path, { checkpoint, hasher: new NodeTreeHasher() });
    expect(result.failure).toMatchObject({ index: 1234, kind: "modified" });
    lines.splice(2000, 1);
    writeFileSync(path, lines.join("\n"));
    expect((await verifyAuditFile(path, { checkpoint })).failure).toMatchObject({ index: 1234, kind: "modified" });
  });

  it("streams lines longer than its 1 MiB chunk", async () => {
    const path = freshPath();
    const log = openFileAuditLog(path, { origin: ORIGIN });
    log.append({ big: "x".repeat(3 << 20) });
    log.append({ small: 1 });
    const checkpoint = log.checkpoint();
    log.close();
    expect(await verifyAuditFile(path, { checkpoint })).toMatchObject({ ok: true, size: 2 });
  });

  it("refuses unknown options", async () => {
    await expect(verifyAuditFile(freshPath(), { chekpoint: 1 } as never)).rejects.toThrow(InvalidArgumentError);
  });
});

describe("retention on disk", () => {
  it("prunes the file, keeps the state, and verifies and reopens from it", async () => {
    const path = freshPath();
    const log = writeLog(path, 1000);
    const early = signLogCheckpoint(log, signer);
    for (let i = 0; i < 100; i++) log.append({ later: i });
    const state = log.prune(700);
    expect(readFileSync(path, "utf8").split("\n")[0]).toContain('"seq":700,');
    const latest = signLogCheckpoint(log, signer);
    log.close();
    expect(JSON.parse(readFileSync(`${path}.state.json`, "utf8")).pruned).toEqual(JSON.parse(JSON.stringify(state)));
    expect(await verifyAuditFile(path, { checkpoint: latest })).toMatchObject({ ok: true, size: 1100 });
    const again = openFileAuditLog(path, { origin: ORIGIN });
    expect(again.firstIndex).toBe(700);
    expect(hex(again.root())).toBe(hex(latest.root));
    // The earlier checkpoint still verifies: a consistency proof to the latest.
    const { verifyConsistency } = await import("../src/compliance/index.js");
    expect(verifyConsistency(early.size, again.size, early.root, again.root(), again.consistencyProof(early.size))).toBe(true);
    again.close();
  });

  it("finishes a prune interrupted after its state was written", () => {
    const path = freshPath();
    const log = writeLog(path, 50);
    log.flush();
    const full = readFileSync(path);
    log.prune(20);
    log.close();
    writeFileSync(path, full); // as if the rewrite never happened
    const again = openFileAuditLog(path, { origin: ORIGIN });
    expect(again.firstIndex).toBe(20);
    expect(again.size).toBe(50);
    again.close();
  });
});
