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
import { median } from "./stats.mjs";

const N = Number(process.argv[2] ?? 1_000_000);
const APPENDS = 300_000;
const RUNS = 3;
const gc = globalThis.gc ?? (() => {});
const dir = mkdtempSync(join(tmpdir(), "papertrail-audit-bench-"));
// Wall time, and this process's CPU time (user + system): on a shared
// machine the CPU time leaves out the waits for a core that wall time counts.
const cpuMs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};
const time = (fn) => {
  const start = process.hrtime.bigint();
  const cpu = cpuMs();
  const result = fn();
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, cpu: cpuMs() - cpu, result };
};
const timeAsync = async (fn) => {
  const start = process.hrtime.bigint();
  const cpu = cpuMs();
  const result = await fn();
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, cpu: cpuMs() - cpu, result };
};
const USERS = Array.from({ length: 1000 }, (_, i) => `user-${i}`);
const ACTIONS = ["login", "logout", "read", "export", "delete"];
/** A typical record: about 150 bytes per line. */
const data = (i) => ({ action: ACTIONS[i % 5], ip: `10.0.${(i >> 8) & 255}.${i & 255}`, ok: i % 7 !== 0, user: USERS[i % 1000] });
const hashers = { "TypeScript SHA-256": () => undefined, "node:crypto (NodeTreeHasher)": () => new NodeTreeHasher() };

// 0. Calibration. A fixed workload that no library change touches: the
// SHA-256 compression as papertrail wrote it until 2026-12-05 (a loop over
// the rounds, schedule and K in typed arrays), 3,000,000 blocks, which is
// what merkleRoot of 1,000,000 leaves compressed then (1 block per leaf hash,
// 2 per node hash). Its CPU time on the shared machine was 0.99-1.03 s in
// four runs (wall 1.5-2.8 s), so a quiet machine runs it in about 1.0 s or
// less; wall time over 1.0 s says roughly how loaded the machine is now.
// (In interleaved runs it took 0.70-1.18 of that merkleRoot's wall time,
// whose quiet figure was 1.74-1.86 s, bench/merkle.mjs: too noisy to pin.)
{
  const K = new Int32Array([
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
  ]);
  const compress = (state, w, src, offset) => {
    for (let t = 0; t < 16; t++, offset += 4) w[t] = (src[offset] << 24) | (src[offset + 1] << 16) | (src[offset + 2] << 8) | src[offset + 3];
    for (let t = 16; t < 64; t++) {
      const x = w[t - 15];
      const y = w[t - 2];
      w[t] = (w[t - 16] + (((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3)) + w[t - 7] + (((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10))) | 0;
    }
    let a = state[0], b = state[1], c = state[2], d = state[3], e = state[4], f = state[5], g = state[6], h = state[7];
    for (let t = 0; t < 64; t++) {
      const t1 = (h + (((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7))) + ((e & f) ^ (~e & g)) + K[t] + w[t]) | 0;
      const t2 = ((((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10))) + ((a & b) ^ (a & c) ^ (b & c))) | 0;
      h = g; g = f; f = e; e = (d + t1) | 0; d = c; c = b; b = a; a = (t1 + t2) | 0;
    }
    state[0] = (state[0] + a) | 0; state[1] = (state[1] + b) | 0; state[2] = (state[2] + c) | 0; state[3] = (state[3] + d) | 0;
    state[4] = (state[4] + e) | 0; state[5] = (state[5] + f) | 0; state[6] = (state[6] + g) | 0; state[7] = (state[7] + h) | 0;
  };
  const state = new Int32Array(8);
  const w = new Int32Array(64);
  const blocks = new Uint8Array(64 * 1024).map((_, i) => i * 31);
  const { ms, cpu } = time(() => { for (let i = 0; i < 3_000_000; i++) compress(state, w, blocks, (i & 1023) * 64); });
  const leaves = Array.from({ length: 1_000_000 }, (_, i) => new Uint8Array(32).fill(i & 255));
  const root = time(() => merkleRoot(leaves));
  console.log(`calibration: 3,000,000 blocks of the fixed SHA-256 ${(ms / 1000).toFixed(2)} s (~1.0 s on a quiet machine: load factor ~${(ms / 1000).toFixed(1)}; CPU ${(cpu / 1000).toFixed(2)} s); merkleRoot of 1,000,000 leaves with the library's SHA-256 now ${(root.ms / 1000).toFixed(2)} s`);
}

// 1. Appends with the tree, in memory, alternating hashers.
const appendMs = Object.fromEntries(Object.keys(hashers).map((name) => [name, []]));
const appendCpu = Object.fromEntries(Object.keys(hashers).map((name) => [name, []]));
let lineBytes = 0;
for (let run = 0; run < RUNS; run++) {
  for (const [name, make] of Object.entries(hashers)) {
    gc();
    const hasher = make();
    const log = new AuditLog({ origin: "example.com/audit", ...(hasher ? { hasher } : {}) });
    const { ms, cpu } = time(() => { for (let i = 0; i < APPENDS; i++) log.append(data(i)); });
    appendMs[name].push(ms);
    appendCpu[name].push(cpu);
    lineBytes = log.line(12345).length;
  }
}
for (const [name, ms] of Object.entries(appendMs)) console.log(`append (in memory), ${name}: ${((APPENDS / median(ms)) * 1000).toFixed(0)} records/s (median of ${RUNS} × ${APPENDS.toLocaleString("en")}; lines of ~${lineBytes} bytes; ${((APPENDS / median(appendCpu[name])) * 1000).toFixed(0)} per CPU second)`);

// 2. Appends to the JSON-lines file, batch fsync policy (1000 records / 100 ms).
{
  const ms = [];
  const cpu = [];
  for (let run = 0; run < RUNS; run++) {
    const path = join(dir, `append-${run}.jsonl`);
    const log = openFileAuditLog(path, { origin: "example.com/audit", fsync: "batch" });
    const took = time(() => { for (let i = 0; i < APPENDS; i++) log.append(data(i)); log.flush(); });
    ms.push(took.ms);
    cpu.push(took.cpu);
    log.close();
  }
  console.log(`append (file, fsync "batch" every 1000 records, TypeScript SHA-256): ${((APPENDS / median(ms)) * 1000).toFixed(0)} records/s (${((APPENDS / median(cpu)) * 1000).toFixed(0)} per CPU second)`);
}

// 3. Streaming verification of an N-record file against its checkpoint.
const path = join(dir, "big.jsonl");
const writer = openFileAuditLog(path, { origin: "example.com/audit", fsync: "manual" });
const build = time(() => { for (let i = 0; i < N; i++) writer.append(data(i)); });
const checkpoint = writer.checkpoint();
writer.close();
console.log(`(wrote ${N.toLocaleString("en")} records, ${(statSync(path).size / 1e6).toFixed(0)} MB, in ${(build.ms / 1000).toFixed(2)} s)`);
const verifyMs = Object.fromEntries(Object.keys(hashers).map((name) => [name, []]));
const verifyCpu = Object.fromEntries(Object.keys(hashers).map((name) => [name, []]));
for (let run = 0; run < RUNS; run++) {
  for (const [name, make] of Object.entries(hashers)) {
    gc();
    const hasher = make();
    const { ms, cpu, result } = await timeAsync(() => verifyAuditFile(path, { checkpoint, ...(hasher ? { hasher } : {}) }));
    if (!result.ok || result.size !== N) throw new Error(`verification failed: ${JSON.stringify(result.failure)}`);
    verifyMs[name].push(ms);
    verifyCpu[name].push(cpu);
  }
}
for (const [name, ms] of Object.entries(verifyMs)) console.log(`verifyAuditFile, ${N.toLocaleString("en")} records, ${name}: ${(median(ms) / 1000).toFixed(2)} s (runs: ${ms.map((x) => (x / 1000).toFixed(2)).join(", ")}; CPU ${verifyCpu[name].map((x) => (x / 1000).toFixed(2)).join(", ")} s)`);

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
