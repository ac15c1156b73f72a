// Merkle functions of papertrail/compliance and the SHA-256 under them,
// against node:crypto measured in the same run. Figures are measured, never
// asserted; the machine may be shared, so compare rows of one run only.
//
// - merkleRoot of 1,000,000 32-byte leaves (seeded mulberry32 bytes), beside
//   the same RFC 6962 root built with node:crypto's createHash per hash;
// - inclusionProof per call (trees of 1,000 and 1,000,000 leaves: a proof
//   rehashes every leaf, as the functions keep no tree between calls);
// - verifyInclusion and verifyConsistency per call on the 1,000,000-leaf tree;
// - SHA-256 throughput in MB/s on 1 MiB messages and on 64-byte messages,
//   papertrail's sha256 and createHash("sha256") alternating.
//
// Run: npx tsup && node bench/merkle.mjs

import { createHash } from "node:crypto";
import { consistencyProof, inclusionProof, merkleRoot, verifyConsistency, verifyInclusion } from "../dist/compliance/index.js";
import { sha256 } from "../dist/hashing/index.js";
import { mulberry32 } from "./workloads.mjs";
import { median } from "./stats.mjs";

const RUNS = 3;
const hex = (bytes) => Buffer.from(bytes).toString("hex");

function leavesOf(count, seed) {
  const random = mulberry32(seed);
  const leaves = [];
  for (let i = 0; i < count; i++) {
    const leaf = new Uint8Array(32);
    for (let j = 0; j < 32; j += 4) new DataView(leaf.buffer).setUint32(j, Math.floor(random() * 2 ** 32));
    leaves.push(leaf);
  }
  return leaves;
}

/** RFC 6962 root, bottom-up, with node:crypto: the peer for merkleRoot. */
function nodeRoot(leaves) {
  if (leaves.length === 0) return createHash("sha256").digest();
  let level = leaves.map((leaf) => createHash("sha256").update(Uint8Array.of(0)).update(leaf).digest());
  const one = Uint8Array.of(1);
  while (level.length > 1) {
    const next = [];
    for (let i = 0; i + 1 < level.length; i += 2) next.push(createHash("sha256").update(one).update(level[i]).update(level[i + 1]).digest());
    if (level.length % 2 === 1) next.push(level[level.length - 1]);
    level = next;
  }
  return level[0];
}

function time(fn) {
  const start = process.hrtime.bigint();
  const result = fn();
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, result };
}

const N = 1_000_000;
const leaves = leavesOf(N, 42);

// merkleRoot vs node:crypto, alternating.
const ours = [];
const peer = [];
let rootHex = "";
for (let run = 0; run < RUNS; run++) {
  const a = time(() => merkleRoot(leaves));
  const b = time(() => nodeRoot(leaves));
  if (hex(a.result) !== hex(b.result)) throw new Error("roots differ");
  rootHex = hex(a.result);
  ours.push(a.ms);
  peer.push(b.ms);
}
console.log(`merkleRoot, ${N.toLocaleString("en")} leaves of 32 bytes: ${median(ours).toFixed(0)} ms (node:crypto createHash tree: ${median(peer).toFixed(0)} ms); root ${rootHex.slice(0, 16)}…`);

// inclusionProof per call.
for (const size of [1_000, N]) {
  const subset = leaves.slice(0, size);
  const calls = size === N ? 3 : 300;
  const times = [];
  for (let c = 0; c < calls; c++) times.push(time(() => inclusionProof(subset, (c * 7919) % size)).ms);
  console.log(`inclusionProof, tree of ${size.toLocaleString("en")}: ${median(times).toFixed(3)} ms per call (median of ${calls})`);
}

// Verification per call on the 1M tree.
const root = merkleRoot(leaves);
const indexes = [0, 1, 123_456, 524_287, 524_288, 999_999];
const proofs = indexes.map((i) => inclusionProof(leaves, i));
const VERIFY_CALLS = 200_000;
for (let run = 0; run < RUNS; run++) {
  let ok = 0;
  const t = time(() => {
    for (let c = 0; c < VERIFY_CALLS; c++) {
      const k = c % indexes.length;
      if (verifyInclusion(leaves[indexes[k]], indexes[k], N, proofs[k], root)) ok++;
    }
  });
  if (ok !== VERIFY_CALLS) throw new Error("a proof failed");
  if (run === RUNS - 1) console.log(`verifyInclusion, tree of ${N.toLocaleString("en")} (${proofs[0].length} hashes): ${((t.ms * 1000) / VERIFY_CALLS).toFixed(2)} µs per call`);
}
const oldSize = 700_001;
const oldRoot = merkleRoot(leaves.slice(0, oldSize));
const cproof = consistencyProof(leaves, oldSize);
for (let run = 0; run < RUNS; run++) {
  let ok = 0;
  const t = time(() => {
    for (let c = 0; c < VERIFY_CALLS; c++) if (verifyConsistency(oldSize, N, oldRoot, root, cproof)) ok++;
  });
  if (ok !== VERIFY_CALLS) throw new Error("a consistency proof failed");
  if (run === RUNS - 1) console.log(`verifyConsistency ${oldSize.toLocaleString("en")} → ${N.toLocaleString("en")} (${cproof.length} hashes): ${((t.ms * 1000) / VERIFY_CALLS).toFixed(2)} µs per call`);
}

// SHA-256 throughput, alternating with node:crypto.
const big = leavesOf(32_768, 7).reduce((all, leaf, i) => (all.set(leaf, i * 32), all), new Uint8Array(1 << 20));
const small = big.subarray(0, 64);
const shaOurs = { big: [], small: [] };
const shaNode = { big: [], small: [] };
const SMALL_CALLS = 200_000;
for (let run = 0; run < RUNS + 2; run++) {
  shaOurs.big.push(time(() => { for (let i = 0; i < 32; i++) sha256(big); }).ms);
  shaNode.big.push(time(() => { for (let i = 0; i < 32; i++) createHash("sha256").update(big).digest(); }).ms);
  shaOurs.small.push(time(() => { for (let i = 0; i < SMALL_CALLS; i++) sha256(small); }).ms);
  shaNode.small.push(time(() => { for (let i = 0; i < SMALL_CALLS; i++) createHash("sha256").update(small).digest(); }).ms);
}
const mbps = (bytes, ms) => (bytes / 1e6 / (ms / 1000)).toFixed(0);
console.log(`SHA-256, 1 MiB messages: papertrail ${mbps(32 * big.length, median(shaOurs.big))} MB/s, node:crypto createHash ${mbps(32 * big.length, median(shaNode.big))} MB/s`);
console.log(`SHA-256, 64-byte messages: papertrail ${mbps(64 * SMALL_CALLS, median(shaOurs.small))} MB/s (${((SMALL_CALLS / median(shaOurs.small)) / 1000).toFixed(2)} M/s), node:crypto createHash ${mbps(64 * SMALL_CALLS, median(shaNode.small))} MB/s (${((SMALL_CALLS / median(shaNode.small)) / 1000).toFixed(2)} M/s)`);
