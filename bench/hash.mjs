// String-key hash throughput: papertrail's hashes (and HyperLogLog add, the hash plus a
// register update) against murmurhash3js-revisited,
// xxhash-wasm and a hand-written inline MurmurHash3, in two process states.
//
// Workload: 1,000,000 short ASCII keys from a seeded PRNG (mulberry32), half
// like "user-123456" and half dotted IPv4 like "192.168.3.7", built before any
// timing. Each candidate hashes all keys once to warm up, then 5 timed times;
// the table shows the median in millions of keys per second (M/s). Every
// candidate folds its hashes into a checksum that is printed, so V8 cannot
// drop the work; the four MurmurHash3 x86_32 candidates must print the same one.
//
// Why two processes: once any String subclass exists (Redis clients define
// `class VerbatimString extends String` when they load), String.prototype
// goes to dictionary mode and V8 was reported to run charCodeAt-heavy code
// about 4x slower. node-redis >= 6.3 (and ioredis >= 6.1) repair
// String.prototype afterwards; ioredis 6.0.0 did not. The script forks itself
// twice, once plain and once after `await import("redis")` (node-redis, the
// client papertrail/redis is written for), and prints both tables and a
// side-by-side summary. Children run with --allow-natives-syntax only to
// report %HasFastProperties(String.prototype).
//
// Run: npm run bench   (= npm run build && node bench/hash.mjs)
//  or: npx tsup && node bench/hash.mjs
// One child alone: node --allow-natives-syntax bench/hash.mjs --child plain|redis

import { runInChild } from "./child-process.mjs";
import os from "node:os";
import { mulberry32 } from "./workloads.mjs";

const KEY_COUNT = 1_000_000;
const RUNS = 5;
const SEED = 0x5eed;
const MODES = [
  ["plain", "plain process"],
  ["redis", "node-redis loaded"],
];

if (process.argv[2] === "--child") {
  await runChild(process.argv[3]);
} else {
  await runParent();
}

async function runParent() {
  console.log(`node ${process.version}, ${os.cpus()[0]?.model ?? "unknown CPU"}`);
  console.log(`${KEY_COUNT.toLocaleString("en-US")} keys, median of ${RUNS} runs after 1 warm-up run\n`);
  const results = {};
  for (const [mode, heading] of MODES) {
    console.log(`## ${heading}\n`);
    results[mode] = await runInChild(import.meta.url, ["--child", mode], [...process.execArgv, "--allow-natives-syntax"]);
    console.log("");
  }
  console.log("## summary (median M/s)\n");
  console.log("| candidate | plain M/s | with node-redis M/s | node-redis / plain |");
  console.log("|---|---:|---:|---:|");
  for (const { name, mps } of results.plain) {
    const withRedis = results.redis.find((r) => r.name === name).mps;
    console.log(`| ${name} | ${mps.toFixed(2)} | ${withRedis.toFixed(2)} | ${(withRedis / mps).toFixed(2)}x |`);
  }
}


async function runChild(mode) {
  if (mode === "redis") await import("redis"); // defines a String subclass, then repairs String.prototype (>= 6.3)
  // A client other than node-redis, for a one-off comparison: --child <package name>.
  else if (mode !== "plain") await import(mode);
  const { murmurHash3x86_32, murmurHash64A, HashedKey } = await import("papertrail/hashing");
  const { HyperLogLog } = await import("papertrail/sketches");
  const { default: murmurhash3js } = await import("murmurhash3js-revisited");
  const { h32 } = await (await import("xxhash-wasm")).default();
  const hasFastProperties = new Function("object", "return %HasFastProperties(object)");

  const keys = makeKeys(KEY_COUNT, SEED);
  const mm3jsHash32 = murmurhash3js.x86.hash32;
  const encoder = new TextEncoder();
  const reusedBuffer = new Uint8Array(64);
  const hashedKey = new HashedKey();

  console.log(`String.prototype has fast properties: ${hasFastProperties(String.prototype)} (before hashing)`);
  const agree = (hash) => {
    for (let i = 0; i < 1000; i++) if (hash(keys[i]) !== mm3jsHash32(encoder.encode(keys[i]))) return "NO";
    return "yes";
  };
  console.log(
    `x86_32 agrees with murmurhash3js-revisited on the first 1000 keys: ` +
      `papertrail murmurHash3x86_32 ${agree(murmurHash3x86_32)}, inline charCodeAt ${agree(inlineMurmur3x86_32)}\n`,
  );

  const results = [];
  const measure = (name, fn) => {
    fn(keys); // warm-up
    const mps = [];
    let checksum = 0;
    for (let run = 0; run < RUNS; run++) {
      const start = performance.now();
      checksum = fn(keys);
      mps.push(keys.length / (performance.now() - start) / 1000);
    }
    mps.sort((a, b) => a - b);
    results.push({ name, mps: mps[RUNS >> 1] });
    const range = `${mps[0].toFixed(2)}-${mps[RUNS - 1].toFixed(2)}`;
    console.log(`| ${name} | ${mps[RUNS >> 1].toFixed(2)} | ${range} | ${checksum >>> 0} |`);
  };

  console.log("| candidate | median M/s | min-max M/s | checksum |");
  console.log("|---|---:|---:|---:|");

  measure("papertrail murmurHash3x86_32(key)", (keys) => {
    let sink = 0;
    for (let i = 0; i < keys.length; i++) sink = (sink + murmurHash3x86_32(keys[i])) | 0;
    return sink;
  });

  measure("papertrail HashedKey.set(key) (64A)", (keys) => {
    let sink = 0;
    for (let i = 0; i < keys.length; i++) {
      hashedKey.set(keys[i]);
      sink = (sink + (hashedKey.hi ^ hashedKey.lo)) | 0;
    }
    return sink;
  });

  // The same hash plus a register update, as context. The ratio of the two
  // rows is not reported here: rows timed one after the other see different
  // machine loads (one loaded run of this script gave 31 %, where alternated
  // runs gave about 90 %);
  // bench/sketches.mjs reports it from alternated runs.
  measure("papertrail HyperLogLog add(key) (64A + register)", (keys) => {
    const hll = new HyperLogLog();
    for (let i = 0; i < keys.length; i++) hll.add(keys[i]);
    return hll.cardinality();
  });

  measure("papertrail murmurHash64A(key) (bigint)", (keys) => {
    let sink = 0;
    // Number(h) | 0 keeps some of the bits without allocating another bigint.
    for (let i = 0; i < keys.length; i++) sink = (sink + (Number(murmurHash64A(keys[i])) | 0)) | 0;
    return sink;
  });

  measure("mm3js x86.hash32(encoder.encode(key))", (keys) => {
    let sink = 0;
    for (let i = 0; i < keys.length; i++) sink = (sink + mm3jsHash32(encoder.encode(keys[i]))) | 0;
    return sink;
  });

  measure("mm3js x86.hash32(encodeInto + subarray)", (keys) => {
    let sink = 0;
    for (let i = 0; i < keys.length; i++) {
      const { written } = encoder.encodeInto(keys[i], reusedBuffer);
      sink = (sink + mm3jsHash32(reusedBuffer.subarray(0, written))) | 0;
    }
    return sink;
  });

  measure("xxhash-wasm h32(key)", (keys) => {
    let sink = 0;
    for (let i = 0; i < keys.length; i++) sink = (sink + h32(keys[i])) | 0;
    return sink;
  });

  measure("inline charCodeAt MurmurHash3 x86_32", (keys) => {
    let sink = 0;
    for (let i = 0; i < keys.length; i++) sink = (sink + inlineMurmur3x86_32(keys[i])) | 0;
    return sink;
  });

  console.log(`\nString.prototype has fast properties: ${hasFastProperties(String.prototype)} (after hashing)`);
  process.send(results);
}

/** Alternating "user-123456" and "192.168.3.7"-style keys. */
function makeKeys(count, seed) {
  const next = mulberry32(seed);
  const keys = new Array(count);
  for (let i = 0; i < count; i++) {
    keys[i] =
      i % 2 === 0
        ? `user-${100000 + (next() % 900000)}`
        : `${next() & 255}.${next() & 255}.${next() & 255}.${next() & 255}`;
  }
  // Template literals of 13+ chars can be cons strings; a JSON round trip
  // makes every key a flat one-byte string, as keys read off a socket are.
  return JSON.parse(JSON.stringify(keys));
}

/** MurmurHash3 x86_32, seed 0, reading an ASCII string with charCodeAt (no UTF-8 step). */
function inlineMurmur3x86_32(key) {
  const length = key.length;
  const blocks = length & ~3;
  let h = 0;
  let i = 0;
  for (; i < blocks; i += 4) {
    let k = key.charCodeAt(i) | (key.charCodeAt(i + 1) << 8) | (key.charCodeAt(i + 2) << 16) | (key.charCodeAt(i + 3) << 24);
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  let k = 0;
  switch (length & 3) {
    case 3:
      k ^= key.charCodeAt(i + 2) << 16;
    // falls through
    case 2:
      k ^= key.charCodeAt(i + 1) << 8;
    // falls through
    case 1:
      k ^= key.charCodeAt(i);
      k = Math.imul(k, 0xcc9e2d51);
      k = (k << 15) | (k >>> 17);
      k = Math.imul(k, 0x1b873593);
      h ^= k;
  }
  h ^= length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
