// Chain-of-custody export (AuditLog.export) and its offline verification:
// verifyAuditExport and the papertrail-verify command (bin/papertrail-verify.mjs,
// run against dist/ as a user runs it).
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuditLog, type AuditExport, InvalidArgumentError } from "../src/compliance/index.js";
import { NoteSigner, generateNoteKey, runVerifyCli, signLogCheckpoint, verifyAuditExport } from "../src/compliance/node/index.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "papertrail-export-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const signer = NoteSigner.fromKey("PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz");
const KEY = signer.verifierKey;
const log = new AuditLog({ origin: "example.com/audit", now: () => 1_700_000_000_000 });
for (let i = 0; i < 100; i++) log.append({ i, user: `u${i % 3}` });
signLogCheckpoint(log, signer);
for (let i = 100; i < 120; i++) log.append({ i, user: "later" });
const bundle = log.export(40, 60, { verifierKeys: [KEY] });
const copy = (): { -readonly [K in keyof AuditExport]: AuditExport[K] } & { records: { index: number; line: string; proof: string[] }[] } => JSON.parse(JSON.stringify(bundle));

describe("AuditLog.export", () => {
  it("carries the records, their proofs against the kept signed checkpoint, and the key", () => {
    expect(bundle.records.map((r) => r.index)).toEqual(Array.from({ length: 20 }, (_, k) => 40 + k));
    expect(bundle.records[0]?.line).toBe(log.line(40));
    expect(bundle.checkpoint.split("\n").slice(0, 2)).toEqual(["example.com/audit", "100"]);
    expect(bundle.verifierKeys).toEqual([KEY]);
  });

  it("refuses ranges the checkpoint does not cover and missing checkpoints", () => {
    expect(() => log.export(90, 101, { verifierKeys: [KEY] })).toThrow(/no signed checkpoint covers record 100/);
    expect(() => log.export(5, 5, { verifierKeys: [KEY] })).toThrow(InvalidArgumentError);
    expect(() => log.export(0, 5, { verifierKeys: [] })).toThrow(/verifierKeys/);
    expect(() => new AuditLog({ origin: "x" }).export(0, 1, { verifierKeys: [KEY] })).toThrow(InvalidArgumentError);
  });
});

describe("verifyAuditExport", () => {
  it("accepts the bundle with the pinned key, and says when the bundle's own key was used", () => {
    expect(verifyAuditExport(bundle, { verifierKeys: [KEY] })).toEqual({ ok: true, origin: "example.com/audit", size: 100, from: 40, to: 60, signers: ["PeterNeumann"], keysFromBundle: false });
    expect(verifyAuditExport(JSON.stringify(bundle)).keysFromBundle).toBe(true);
  });

  it("names each tamper", () => {
    const check = (edit: (b: ReturnType<typeof copy>) => void, keys: string[] = [KEY]) => {
      const b = copy();
      edit(b);
      return verifyAuditExport(b, { verifierKeys: keys }).failure;
    };
    expect(check((b) => (b.records[5]!.line = b.records[5]!.line.replace('"u0"', '"u1"')))).toMatchObject({ index: 45, kind: "modified" });
    expect(check((b) => b.records[7]!.proof.reverse())).toMatchObject({ index: 47, kind: "modified" });
    expect(check((b) => b.records.splice(3, 1))).toMatchObject({ index: 43, kind: "deleted" });
    expect(check((b) => ([b.records[3], b.records[4]] = [b.records[4]!, b.records[3]!]))).toMatchObject({ index: 43, kind: "reordered" });
    expect(check((b) => b.records.splice(4, 0, b.records[3]!))).toMatchObject({ index: 44, kind: "inserted" });
    expect(check((b) => (b.checkpoint = b.checkpoint.replace("\n100\n", "\n101\n")))).toMatchObject({ kind: "signature" });
    expect(check(() => undefined, [generateNoteKey("example.com/audit").verifierKey])).toMatchObject({ kind: "signature", reason: expect.stringMatching(/no signature from a known key/) });
    expect(check((b) => (b.origin = "other.example/audit"))).toMatchObject({ kind: "signature", reason: expect.stringMatching(/origin/) });
    expect(verifyAuditExport("{not json").failure?.kind).toBe("malformed");
    expect(verifyAuditExport({ ...copy(), extra: 1 }).failure?.reason).toMatch(/unknown field "extra"/);
  });
});

describe("runVerifyCli", () => {
  const file = join(dir, "export.json");
  writeFileSync(file, JSON.stringify(bundle));
  const run = (args: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const status = runVerifyCli(args, (line) => out.push(line), (line) => err.push(line));
    return { status, out, err };
  };

  it("exit 0 with a summary, 1 with the reason, 2 for usage", () => {
    expect(run([file, "--key", KEY])).toEqual({ status: 0, out: ["OK: records 40 to 59 of example.com/audit are in its checkpoint of 100 records, signed by PeterNeumann"], err: [] });
    expect(run([file]).out[1]).toMatch(/key was taken from the bundle/);
    expect(run([file, "--json", `--key=${KEY}`]).out[0]).toBe(JSON.stringify(verifyAuditExport(bundle, { verifierKeys: [KEY] })));
    expect(run([join(dir, "missing.json")]).status).toBe(2);
    expect(run(["--bogus"]).status).toBe(2);
  });
});

describe("bin/papertrail-verify.mjs, as a user runs it (against dist/)", () => {
  const script = join(root, "bin", "papertrail-verify.mjs");
  const built = join(root, "dist", "compliance", "node", "index.js");

  /** Newest modification time under src/. */
  function newestSource(path: string): number {
    return Math.max(...readdirSync(path, { withFileTypes: true }).map((entry) => (entry.isDirectory() ? newestSource(join(path, entry.name)) : statSync(join(path, entry.name)).mtimeMs)));
  }

  beforeAll(() => {
    if (!existsSync(built) || statSync(built).mtimeMs < newestSource(join(root, "src"))) {
      const build = spawnSync("npx", ["tsup", "--silent"], { cwd: root, encoding: "utf8", timeout: 240_000 });
      if (build.status !== 0) throw new Error(`build failed: ${build.stderr}`);
    }
  }, 240_000);

  const cli = (args: string[]) => spawnSync(process.execPath, [script, ...args], { cwd: root, encoding: "utf8", timeout: 60_000 });

  it("exits 0 on a good export", () => {
    const good = join(dir, "good.json");
    writeFileSync(good, JSON.stringify(bundle, null, 2));
    const result = cli([good, "--key", KEY]);
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^OK: records 40 to 59/);
  });

  it("exits 1 with the reason on a tampered one", () => {
    const bad = copy();
    bad.records[10]!.line = bad.records[10]!.line.replace('"i":50', '"i":51');
    const path = join(dir, "bad.json");
    writeFileSync(path, JSON.stringify(bad));
    const result = cli([path, "--key", KEY]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^FAILED: modified at record 50: record 50 is not in the checkpoint's tree/);
  });
});
