// Pseudonym throughput (papertrail/compliance's Pseudonymizer: HMAC-SHA256
// under the deployment key, the first 12 bytes as 16 base64url characters),
// against node:crypto's createHmac making the same pseudonyms.
//
// Workload: 100,000 identities like "user-123456@corp.example" (19-25
// characters), built before any timing, hashed 5 times each after a warm-up
// pass; the median run in millions of pseudonyms per second of CPU time
// (process.cpuUsage) and per wall second. Rows:
//   - Pseudonymizer, cache off (cacheSize 0): every call computes an HMAC,
//     what a pseudonym-cache miss of the monitor costs;
//   - Pseudonymizer, default cache of 65,536: 100,000 identities in turn, so
//     the cache mostly misses too (the monitor's Zipf users hit it instead);
//   - node:crypto createHmac("sha256", key).update(identity).digest(), the
//     first 12 bytes as base64url: the same pseudonyms (checked below).
// The bench fails if the two make different pseudonyms for any identity.
//
// Run: npx tsup && node bench/pseudonyms.mjs
import { createHmac } from "node:crypto";
import os from "node:os";
import { Pseudonymizer } from "../dist/compliance/index.js";
import { median } from "./stats.mjs";

const KEY = "bench deployment key, 32 bytes..";
const COUNT = 100_000;
const RUNS = 5;
const identities = Array.from({ length: COUNT }, (_, i) => `user-${(i * 7919) % 1_000_003}@corp.example`);

const nodePseudonym = (identity) => createHmac("sha256", KEY).update(identity).digest().subarray(0, 12).toString("base64url");

const candidates = [
  ["Pseudonymizer, cache off (an HMAC per call)", () => new Pseudonymizer(KEY, 0)],
  ["Pseudonymizer, default cache (65,536)", () => new Pseudonymizer(KEY)],
  ["node:crypto createHmac + base64url", () => ({ of: nodePseudonym })],
];

const uncached = new Pseudonymizer(KEY, 0);
for (const identity of identities) {
  if (uncached.of(identity) !== nodePseudonym(identity)) throw new Error(`pseudonyms differ for ${identity}`);
}

console.log(`node ${process.version}, ${os.cpus()[0]?.model ?? "cpu"} (shared machine); ${COUNT.toLocaleString("en")} identities, ${RUNS} runs`);
for (const [label, make] of candidates) {
  const pseudonyms = make();
  let check = 0;
  for (const identity of identities) check += pseudonyms.of(identity).charCodeAt(3);
  const cpu = [];
  const wall = [];
  for (let r = 0; r < RUNS; r++) {
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < COUNT; i++) check += pseudonyms.of(identities[i]).charCodeAt(3);
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const c = process.cpuUsage(c0);
    wall.push(COUNT / seconds);
    cpu.push(COUNT / ((c.user + c.system) / 1e6));
  }
  console.log(`${label.padEnd(46)} CPU: ${(median(cpu) / 1e6).toFixed(2)} M/s | wall: ${(median(wall) / 1e6).toFixed(2)} M/s (checksum ${check})`);
}
