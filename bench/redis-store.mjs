// papertrail/redis against a private redis-server (started here on a free
// loopback port, stopped at the end). Figures are measured, never asserted;
// the machine may be shared (and Redis runs on the same cores), so compare
// rows of one run only.
//
// - merge-on-write cost per sketch family: store.merge() of one delta into
//   an existing bucket, µs per merge seen by the client (sequential awaited
//   calls, loopback round trips included), and the server's own time per
//   merge from INFO commandstats (CONFIG RESETSTAT before each row): the
//   longest single command is what blocks every other client.
// - Count-Min merge, WATCH/MULTI (what the store does: GET, merge here, SET in
//   MULTI/EXEC) against a Lua script that merges inside Redis (EVALSHA:
//   struct.unpack/pack of every counter), one writer and 4 concurrent
//   writers; both must leave the same bytes.
// - checkpoint latency: deltas of 4 families for one system plus offsets,
//   and the replay of the same batch (skipped).
// - hashing speed with the node-redis client loaded: child processes
//   alternate plain / after `import("redis")`, HashedKey.set and
//   HyperLogLog add on 1,000,000 string keys.
//
// Run: npx tsup && node bench/redis-store.mjs

import { runInChild } from "./child-process.mjs";
import { startRedisServer } from "./redis-server.mjs";
import os from "node:os";
import { makeKeys } from "./workloads.mjs";
import { median } from "./stats.mjs";

const MERGES = 300;
const CHECKPOINTS = 300;
const HASH_KEYS = 1_000_000;
const HASH_ROUNDS = 3;
const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))];


async function main() {
  console.log(`node ${process.version}, ${os.cpus()[0]?.model ?? "unknown CPU"}, ${os.cpus().length} logical CPUs, load average ${os.loadavg().map((l) => l.toFixed(2)).join(", ")}`);
  await hashing();
  const server = await startRedisServer();
  if (server === undefined) {
    console.log("redis-server not found on PATH: Redis rows skipped");
    return;
  }
  try {
    await redisRows(server.port);
  } finally {
    await server.stop();
  }
  // The stores' connections are still open; the server is gone, so end here.
  process.exit(0);
}

// ---------------------------------------------------------------------------
// Hashing with and without node-redis loaded (alternating child processes).

async function hashing() {
  console.log(`\n## hashing speed, ${HASH_KEYS.toLocaleString("en-US")} string keys, child processes alternating ${HASH_ROUNDS} times\n`);
  const results = { plain: [], redis: [] };
  for (let round = 0; round < HASH_ROUNDS; round++) {
    for (const mode of ["plain", "redis"]) results[mode].push(await runInChild(import.meta.url, ["--hash-child", mode], ["--allow-natives-syntax"]));
  }
  console.log("| row | plain M/s (median, min-max) | node-redis loaded M/s | loaded / plain |");
  console.log("|---|---:|---:|---:|");
  for (const row of Object.keys(results.plain[0].rows)) {
    const plain = results.plain.map((r) => r.rows[row]);
    const loaded = results.redis.map((r) => r.rows[row]);
    const range = (xs) => `${median(xs).toFixed(2)} (${Math.min(...xs).toFixed(2)}-${Math.max(...xs).toFixed(2)})`;
    console.log(`| ${row} | ${range(plain)} | ${range(loaded)} | ${(median(loaded) / median(plain)).toFixed(2)}x |`);
  }
  console.log(`\nString.prototype fast properties: plain ${results.plain[0].fast}, node-redis loaded ${results.redis[0].fast}`);
}


async function hashChild(mode) {
  if (mode === "redis") await import("redis"); // defines a String subclass, then repairs String.prototype (>= 6.3)
  else if (mode !== "plain") await import(mode); // another client, for a one-off comparison
  const { HashedKey } = await import("../dist/hashing/index.js");
  const { HyperLogLog } = await import("../dist/sketches/index.js");
  const fast = new Function("o", "return %HasFastProperties(o)")(String.prototype);
  const { keys } = makeKeys(HASH_KEYS, 0, 0x5eed);
  const rows = {};
  const time = (name, fn) => {
    fn(); // warm-up
    const rates = [];
    for (let r = 0; r < 3; r++) {
      const start = performance.now();
      fn();
      rates.push(keys.length / (performance.now() - start) / 1000);
    }
    rows[name] = median(rates);
  };
  const key = new HashedKey();
  let sink = 0;
  time("HashedKey.set(string)", () => {
    for (let i = 0; i < keys.length; i++) {
      key.set(keys[i]);
      sink = (sink + key.lo) | 0;
    }
  });
  time("HyperLogLog add(string)", () => {
    const hll = new HyperLogLog();
    for (let i = 0; i < keys.length; i++) hll.add(keys[i]);
    sink = (sink + hll.cardinality()) | 0;
  });
  process.send({ rows, fast, sink });
}

// ---------------------------------------------------------------------------
// Redis rows.

// Count-Min merge inside Redis: check the 20 header bytes (preamble, width,
// depth, seed) and the length, then add the total and every counter
// (docs/format.md: total at byte 20, counters from byte 28, little-endian doubles).
const LUA_CMS_MERGE = `
local cur = redis.call('GET', KEYS[1])
local delta = ARGV[1]
if not cur then
  redis.call('SET', KEYS[1], delta, 'PX', ARGV[2])
  return 1
end
if #cur ~= #delta or string.sub(cur, 1, 20) ~= string.sub(delta, 1, 20) then
  return redis.error_reply('PARAMS Count-Min parameters differ')
end
local parts = { string.sub(cur, 1, 20), struct.pack('<d', struct.unpack('<d', cur, 21) + struct.unpack('<d', delta, 21)) }
for off = 29, #cur, 8 do
  parts[#parts + 1] = struct.pack('<d', struct.unpack('<d', cur, off) + struct.unpack('<d', delta, off))
end
redis.call('SET', KEYS[1], table.concat(parts), 'PX', ARGV[2])
return 1`;

async function redisRows(port) {
  const { createClient, RESP_TYPES } = await import("redis");
  const { RedisSketchStore } = await import("../dist/redis/index.js");
  const { HyperLogLog, BloomFilter, CountMinSketch, TopK, Moments, TDigest } = await import("../dist/sketches/index.js");
  const connect = async () => {
    for (let i = 0; ; i++) {
      const client = createClient({ url: `redis://127.0.0.1:${port}`, socket: { reconnectStrategy: false } });
      client.on("error", () => undefined);
      try {
        return await client.connect();
      } catch (error) {
        if (i > 100) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  };
  const admin = await connect();
  const binary = admin.withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer });
  const info = await admin.info("server");
  console.log(`\nredis-server ${/redis_version:(\S+)/.exec(info)?.[1]} on 127.0.0.1:${port}, node-redis ${(await import("redis/package.json", { with: { type: "json" } })).default.version}`);
  const store = new RedisSketchStore(await connect());
  const commandStats = async () => {
    const text = await admin.info("commandstats");
    const stats = {};
    for (const m of text.matchAll(/cmdstat_(\w+):calls=(\d+),usec=(\d+),usec_per_call=([\d.]+)/g)) stats[m[1]] = { calls: Number(m[2]), usec: Number(m[3]), perCall: Number(m[4]) };
    return stats;
  };
  const serverCell = (stats, merges) => {
    const own = Object.entries(stats).filter(([name]) => !["info", "config"].includes(name));
    const total = own.reduce((sum, [name, s]) => sum + (name === "exec" ? 0 : s.usec), 0) / merges;
    const longest = own.sort((a, b) => b[1].perCall - a[1].perCall)[0];
    return { total, longest: longest ? `${longest[0].toUpperCase()} ${longest[1].perCall.toFixed(1)} µs` : "-" };
  };

  const random = (() => {
    let s = 0x5eed;
    return () => ((s = (s + 0x6d2b79f5) >>> 0), s / 2 ** 32);
  })();
  const families = [
    ["HyperLogLog (p14, dense after merge)", "PFMERGE", () => { const s = new HyperLogLog(); for (let i = 0; i < 200; i++) s.add(`u${Math.floor(random() * 1e6)}`); return s; }],
    // One bucket per merge, each holding 300 users first: sparse keys, merged by the store and SET.
    ["HyperLogLog (p14, sparse: 300 users + 200)", "WATCH, merge here, SET", () => { const s = new HyperLogLog(); for (let i = 0; i < 200; i++) s.add(`u${Math.floor(random() * 1e6)}`); return s; }, 300],
    ["BloomFilter (100k at 1 %, 117 KiB)", "BITOP OR", () => { const s = new BloomFilter({ capacity: 100_000, falsePositiveRate: 0.01 }); for (let i = 0; i < 200; i++) s.add(`ip${Math.floor(random() * 1e6)}`); return s; }],
    ["CountMinSketch (1280 x 4, 40 KiB)", "WATCH/MULTI", () => { const s = new CountMinSketch({ width: 1280, depth: 4 }); for (let i = 0; i < 200; i++) s.add(`u${Math.floor(random() * 1e4)}`); return s; }],
    ["TopK (capacity 100)", "WATCH/MULTI", () => { const s = new TopK({ capacity: 100 }); for (let i = 0; i < 200; i++) s.add(`h${Math.floor(random() * 300)}`); return s; }],
    ["Moments", "WATCH/MULTI", () => { const s = new Moments(); for (let i = 0; i < 200; i++) s.add(random() * 100); return s; }],
    ["TDigest (compression 100)", "WATCH/MULTI", () => { const s = new TDigest({ compression: 100 }); for (let i = 0; i < 200; i++) s.add(random() * 1000); return s; }],
  ];

  console.log(`\n## merge on write, ${MERGES} sequential store.merge() calls into one existing bucket per family\n`);
  console.log("| family | strategy | stored bytes | client µs/merge (median, p99) | server µs/merge (all commands) | longest single command (per call) |");
  console.log("|---|---|---:|---:|---:|---|");
  let bucket = 0;
  for (const [name, strategy, make, firstUsers] of families) {
    const at = { metric: "bench", system: "bench", granularity: "hour", bucket: bucket++ * 3_600_000 };
    const deltas = Array.from({ length: MERGES + 20 }, make);
    // firstUsers: each merge goes to a bucket of its own that holds that many users (a sparse HLL key).
    const target = (i) => (firstUsers === undefined ? at : { ...at, metric: "bench-sparse", bucket: i * 3_600_000 });
    if (firstUsers !== undefined) {
      for (let i = 0; i < MERGES; i++) {
        const first = new HyperLogLog();
        for (let u = 0; u < firstUsers; u++) first.add(`f${i}-${u}`);
        await store.merge({ ...target(i), sketch: first });
      }
    }
    for (const sketch of deltas.slice(0, 20)) await store.merge({ ...at, sketch }); // warm-up, and the key exists
    await admin.configResetStat();
    const us = [];
    for (const [i, sketch] of deltas.slice(20).entries()) {
      const start = performance.now();
      await store.merge({ ...target(i), sketch });
      us.push((performance.now() - start) * 1000);
    }
    const { total, longest } = serverCell(await commandStats(), MERGES);
    const size = await admin.strLen(store.key(target(0)));
    console.log(`| ${name} | ${strategy} | ${size} | ${median(us).toFixed(0)}, ${pct(us, 0.99).toFixed(0)} | ${total.toFixed(1)} | ${longest} |`);
  }

  // ---- Count-Min: WATCH/MULTI against Lua, alternating blocks.
  console.log(`\n## Count-Min 1280 x 4 (40 KiB) merge: WATCH/MULTI (the store) vs Lua EVALSHA, alternating blocks of 100\n`);
  const sha = await admin.scriptLoad(LUA_CMS_MERGE);
  const cmsDelta = () => { const s = new CountMinSketch({ width: 1280, depth: 4 }); for (let i = 0; i < 200; i++) s.add(`u${Math.floor(random() * 1e4)}`, 1 + Math.floor(random() * 3)); return s; };
  const watchAt = { metric: "cms-watch", system: "bench", granularity: "hour", bucket: 0 };
  const luaKey = "pt:{bench}:cms-lua:hour:0";
  const expected = new CountMinSketch({ width: 1280, depth: 4 });
  const times = { watch: [], lua: [] };
  const server = { watch: [], lua: [] };
  const ttl = String(7 * 86_400_000);
  for (let block = 0; block < 6; block++) {
    // Both candidates merge the same deltas, so their keys must end equal.
    const deltas = Array.from({ length: 100 }, cmsDelta);
    for (const d of deltas) expected.merge(d);
    for (const mode of block % 2 === 0 ? ["watch", "lua"] : ["lua", "watch"]) {
      await admin.configResetStat();
      for (const d of deltas) {
        const start = performance.now();
        if (mode === "watch") await store.merge({ ...watchAt, sketch: d });
        else await admin.evalSha(sha, { keys: [luaKey], arguments: [Buffer.from(d.toBytes()), ttl] });
        times[mode].push((performance.now() - start) * 1000);
      }
      server[mode].push(await commandStats());
    }
  }
  const sumStats = (list) => {
    const out = {};
    for (const stats of list) for (const [name, s] of Object.entries(stats)) {
      const o = (out[name] ??= { calls: 0, usec: 0 });
      o.calls += s.calls;
      o.usec += s.usec;
    }
    return out;
  };
  const w = sumStats(server.watch);
  const l = sumStats(server.lua);
  const per = (o, name) => (o[name] ? o[name].usec / o[name].calls : 0);
  console.log("| candidate | client µs/merge (median, p99) | server: longest blocking command, µs per call | server µs per merge, all commands |");
  console.log("|---|---:|---|---:|");
  const watchTotal = (["watch", "get", "multi", "set"].reduce((s, n) => s + (w[n]?.usec ?? 0), 0)) / times.watch.length;
  console.log(`| WATCH/MULTI | ${median(times.watch).toFixed(0)}, ${pct(times.watch, 0.99).toFixed(0)} | GET ${per(w, "get").toFixed(1)}, EXEC (with its SET) ${per(w, "exec").toFixed(1)} | ${watchTotal.toFixed(1)} |`);
  console.log(`| Lua EVALSHA | ${median(times.lua).toFixed(0)}, ${pct(times.lua, 0.99).toFixed(0)} | EVALSHA ${per(l, "evalsha").toFixed(1)} | ${per(l, "evalsha").toFixed(1)} |`);
    const luaBytes = new Uint8Array(await binary.get(luaKey));
  const watchBytes = (await store.read(watchAt)).toBytes();
  console.log(
    `\nboth keys got the same 600 deltas: WATCH key equals the in-process sum: ${Buffer.from(watchBytes).equals(Buffer.from(expected.toBytes()))}; ` +
      `Lua key equals it: ${Buffer.from(luaBytes).equals(Buffer.from(expected.toBytes()))}`,
  );

  // ---- 4 concurrent writers into one key.
  console.log(`\n## Count-Min, 4 concurrent writers x 50 merges into one key\n`);
  console.log("| candidate | merges/s | transactions run (retries included) |");
  console.log("|---|---:|---:|");
  for (const mode of ["watch", "lua", "watch", "lua"]) {
    const writers = await Promise.all([0, 1, 2, 3].map(async () => ({ client: await connect(), deltas: Array.from({ length: 50 }, cmsDelta) })));
    const stores = writers.map((wr) => new RedisSketchStore(wr.client, { maxAttempts: 10_000 }));
    const at = { metric: `cms-conc-${mode}-${random()}`.replace(".", ""), system: "bench", granularity: "hour", bucket: 0 };
    const start = performance.now();
    const attempts = await Promise.all(
      writers.map(async (wr, i) => {
        let n = 0;
        for (const d of wr.deltas) {
          if (mode === "watch") n += await stores[i].merge({ ...at, sketch: d });
          else {
            await wr.client.evalSha(sha, { keys: [store.key(at)], arguments: [Buffer.from(d.toBytes()), ttl] });
            n++;
          }
        }
        return n;
      }),
    );
    const seconds = (performance.now() - start) / 1000;
    console.log(`| ${mode === "watch" ? "WATCH/MULTI" : "Lua EVALSHA"} | ${(200 / seconds).toFixed(0)} | ${attempts.reduce((a, b) => a + b, 0)} |`);
    for (const wr of writers) wr.client.destroy();
  }

  // ---- checkpoint latency.
  console.log(`\n## checkpoint, ${CHECKPOINTS} sequential batches: one system, 4 deltas (HLL, Count-Min 40 KiB, TopK, Moments) + offsets\n`);
  const cpTimes = [];
  const replayTimes = [];
  for (let i = 0; i < CHECKPOINTS + 20; i++) {
    const batch = {
      group: "bench",
      offsets: { "events:0": { first: i * 100, last: i * 100 + 99 } },
      deltas: [families[0], families[2], families[3], families[4]].map(([, , make], j) => ({ metric: `cp${j}`, system: "bench", granularity: "hour", bucket: 0, sketch: make() })),
    };
    let start = performance.now();
    const applied = await store.checkpoint(batch);
    const applyUs = (performance.now() - start) * 1000;
    start = performance.now();
    const replay = await store.checkpoint(batch);
    const replayUs = (performance.now() - start) * 1000;
    if (applied.applied.length !== 1 || replay.skipped.length !== 1) throw new Error("checkpoint did not apply then skip");
    if (i >= 20) {
      cpTimes.push(applyUs);
      replayTimes.push(replayUs);
    }
  }
  console.log("| step | µs median | µs p99 |");
  console.log("|---|---:|---:|");
  console.log(`| checkpoint (applied) | ${median(cpTimes).toFixed(0)} | ${pct(cpTimes, 0.99).toFixed(0)} |`);
  console.log(`| replay of the same batch (skipped) | ${median(replayTimes).toFixed(0)} | ${pct(replayTimes, 0.99).toFixed(0)} |`);
  admin.destroy();
}

// Dispatch last: the constants above must be initialized first.
if (process.argv[2] === "--hash-child") {
  await hashChild(process.argv[3]);
} else {
  await main();
}
