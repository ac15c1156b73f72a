// The audit log of papertrail/compliance: appends with the Merkle tree,
// streaming verification of a 1,000,000-record file, proofs per call,
// signed checkpoints per call. Each hashing path (the TypeScript SHA-256,
// and node:crypto through NodeTreeHasher) is measured in the same run,
// alternating. Figures are measured, never asserted; the machine may be
// shared, so compare rows of one run only.
//
// Run: npx tsup && node --expose-gc bench/audit.mjs [records=1000000]

import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AuditLog, merkleRoot, verifyConsistency, verifyInclusion } from "../dist/compliance/index.js";
import { NodeTreeHasher, NoteSigner, NoteVerifier, openCheckpoint, openFileAuditLog, signCheckpoint, verifyAuditFile } from "../dist/compliance/node/index.js";

const N = Number(process.argv[2] ?? 1_000_000);
const APPENDS = 300_000;
const RUNS = 3;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const gc = globalThis.gc ?? (() => {});
const dir = mkdtempSync(join(tmpdir(), "papertrail-audit-bench-"));
const time = (fn) => {
  const start = process.hrtime.bigint();
  const result = fn();
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, result };
};
const timeAsync = async (fn) => {
  const start = process.hrtime.bigint();
  const result = await fn();
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, result };
};
const USERS = Array.from({ length: 1000 }, (_, i) => `user-${i}`);
const ACTIONS = ["login", "logout", "read", "export", "delete"];
/** A typical record: about 150 bytes per line. */
const data = (i) => ({ action: ACTIONS[i % 5], ip: `10.0.${(i >> 8) & 255}.${i & 255}`, ok: i % 7 !== 0, user: USERS[i % 1000] });
const hashers = { "TypeScript SHA-256": () => undefined, "node:crypto (NodeTreeHasher)": () => new NodeTreeHasher() };

// 0. Calibration: merkleRoot of 1,000,000 32-byte leaves took 1.74-1.86 s on
// this machine when it was quiet (bench/merkle.mjs); the ratio to it now says
// how loaded the machine is during this run.
{
  const leaves = Array.from({ length: 1_000_000 }, (_, i) => new Uint8Array(32).fill(i & 255));
  const { ms } = time(() => merkleRoot(leaves));
  console.log(`calibration: merkleRoot of 1,000,000 leaves ${(ms / 1000).toFixed(2)} s (1.74-1.86 s on a quiet machine: load factor ~${(ms / 1800).toFixed(1)})`);
}

// 1. Appends with the tree, in memory, alternating hashers.
const appendMs = Object.fromEntries(Object.keys(hashers).map((name) => [name, []]));
let lineBytes = 0;
for (let run = 0; run < RUNS; run++) {
  for (const [name, make] of Object.entries(hashers)) {
    gc();
    const hasher = make();
    const log = new AuditLog({ origin: "example.com/audit", ...(hasher ? { hasher } : {}) });
    appendMs[name].push(time(() => { for (let i = 0; i < APPENDS; i++) log.append(data(i)); }).ms);
    lineBytes = log.line(12345).length;
  }
}
for (const [name, ms] of Object.entries(appendMs)) console.log(`append (in memory), ${name}: ${((APPENDS / median(ms)) * 1000).toFixed(0)} records/s (median of ${RUNS} × ${APPENDS.toLocaleString("en")}; lines of ~${lineBytes} bytes)`);

// 2. Appends to the JSON-lines file, batch fsync policy (1000 records / 100 ms).
{
  const ms = [];
  for (let run = 0; run < RUNS; run++) {
    const path = join(dir, `append-${run}.jsonl`);
    const log = openFileAuditLog(path, { origin: "example.com/audit", fsync: "batch" });
    ms.push(time(() => { for (let i = 0; i < APPENDS; i++) log.append(data(i)); log.flush(); }).ms);
    log.close();
  }
  console.log(`append (file, fsync "batch" every 1000 records, TypeScript SHA-256): ${((APPENDS / median(ms)) * 1000).toFixed(0)} records/s`);
}

// 3. Streaming verification of an N-record file against its checkpoint.
const path = join(dir, "big.jsonl");
const writer = openFileAuditLog(path, { origin: "example.com/audit", fsync: "manual" });
const build = time(() => { for (let i = 0; i < N; i++) writer.append(data(i)); });
const checkpoint = writer.checkpoint();
writer.close();
console.log(`(wrote ${N.toLocaleString("en")} records, ${(statSync(path).size / 1e6).toFixed(0)} MB, in ${(build.ms / 1000).toFixed(2)} s)`);
const verifyMs = Object.fromEntries(Object.keys(hashers).map((name) => [name, []]));
for (let run = 0; run < RUNS; run++) {
  for (const [name, make] of Object.entries(hashers)) {
    gc();
    const hasher = make();
    const { ms, result } = await timeAsync(() => verifyAuditFile(path, { checkpoint, ...(hasher ? { hasher } : {}) }));
    if (!result.ok || result.size !== N) throw new Error(`verification failed: ${JSON.stringify(result.failure)}`);
    verifyMs[name].push(ms);
  }
}
for (const [name, ms] of Object.entries(verifyMs)) console.log(`verifyAuditFile, ${N.toLocaleString("en")} records, ${name}: ${(median(ms) / 1000).toFixed(2)} s (runs: ${ms.map((x) => (x / 1000).toFixed(2)).join(", ")})`);

// 4. Reopening the file (index the lines, replay the chain, rebuild the tree).
{
  gc();
  const heapBefore = process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
  const { ms, result: log } = time(() => openFileAuditLog(path, { origin: "example.com/audit" }));
  gc();
  const heapAfter = process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
  console.log(`reopen ${N.toLocaleString("en")} records (index + replay + tree): ${(ms / 1000).toFixed(2)} s; memory held ~${((heapAfter - heapBefore) / N).toFixed(0)} bytes/record`);

  // 5. Proofs per call on the reopened log.
  const root = log.root();
  const leafIndexes = Array.from({ length: 1000 }, (_, k) => (k * 7919) % N);
  const leaves = leafIndexes.map((i) => log.leaf(i));
  const inclusion = time(() => leafIndexes.map((i) => log.inclusionProof(i)));
  const verifyIn = time(() => { let ok = 0; for (let r = 0; r < 20; r++) for (let k = 0; k < 1000; k++) if (verifyInclusion(leaves[k], leafIndexes[k], N, inclusion.result[k], root)) ok++; return ok; });
  if (verifyIn.result !== 20_000) throw new Error("an inclusion proof failed");
  const olds = Array.from({ length: 1000 }, (_, k) => 1 + ((k * 104729) % (N - 1)));
  const oldRoots = olds.map((m) => log.root(m));
  const consistency = time(() => olds.map((m) => log.consistencyProof(m)));
  const verifyCo = time(() => { let ok = 0; for (let k = 0; k < 1000; k++) if (verifyConsistency(olds[k], N, oldRoots[k], root, consistency.result[k])) ok++; return ok; });
  if (verifyCo.result !== 1000) throw new Error("a consistency proof failed");
  const rootOf = time(() => olds.map((m) => log.root(m)));
  console.log(`inclusionProof, tree of ${N.toLocaleString("en")}: ${((inclusion.ms * 1000) / 1000).toFixed(1)} µs per call (${inclusion.result[0].length} hashes); verifyInclusion ${((verifyIn.ms * 1000) / 20_000).toFixed(1)} µs per call`);
  console.log(`consistencyProof: ${((consistency.ms * 1000) / 1000).toFixed(1)} µs per call; verifyConsistency ${((verifyCo.ms * 1000) / 1000).toFixed(1)} µs per call; root(size) ${((rootOf.ms * 1000) / 1000).toFixed(1)} µs per call`);
  log.close();
}

// 6. Signed checkpoints per call.
{
  const signer = NoteSigner.fromKey("PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz");
  const CALLS = 5000;
  const sign = time(() => { let note = ""; for (let i = 0; i < CALLS; i++) note = signCheckpoint({ origin: "example.com/audit", size: N + i, root: checkpoint.root }, signer).note; return note; });
  const keyTexts = [signer.verifierKey];
  const verifiers = [NoteVerifier.fromKey(signer.verifierKey)];
  const openText = time(() => { for (let i = 0; i < CALLS; i++) openCheckpoint(sign.result, keyTexts); });
  const open = time(() => { for (let i = 0; i < CALLS; i++) openCheckpoint(sign.result, verifiers); });
  console.log(`signCheckpoint: ${((sign.ms * 1000) / CALLS).toFixed(1)} µs per call; openCheckpoint with a NoteVerifier: ${((open.ms * 1000) / CALLS).toFixed(1)} µs per call (${((openText.ms * 1000) / CALLS).toFixed(1)} µs when it also parses the key text)`);
}

rmSync(dir, { recursive: true, force: true });
