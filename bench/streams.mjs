// End-to-end events per second through Redis Streams with one and with two
// worker processes (papertrail/workers StreamsWorker: XREADGROUP, parse and
// normalize, shared dedup marks, 7 metrics' per-batch delta sketches,
// checkpoint of state and offsets per system, XACK), Redis on the same
// machine; and checkpoint latency (all systems of one batch) p50/p99.
//
// The stream is examples/streams/synthetic.mjs (logins, logs, metrics,
// transactions, CloudTrail-like events, 1 % duplicates), XADDed before the
// workers start; the clock runs from the workers' start to the group having
// acknowledged every entry. A private redis-server is started on a free
// loopback port and stopped at the end. Figures are measured, never asserted:
// the machine may be shared, so compare rows of one run only.
//
// The workers hold reads until checkpointEntries (--checkpoint, default the
// worker's) or checkpointMs; "batches" counts checkpoints.
//
// --ab DIR: each row runs twice, workers from the build in DIR (e.g. a copy of
// an earlier dist/ in .ab/) and from dist/, alternately, so that the noise of a
// shared machine hits both alike; compare their CPU per event.
//
// --pack N: each row also runs on the same events packed N to an entry (the
// worker's packed entries: NDJSON in the field "events"), alternately with
// one event per entry; reads and checkpoints are of the same number of events
// (--batch / N entries per read, checkpoints of --checkpoint / N entries).
//
// The stream: 1,000,000 events asked for by default (the generator's 2,778
// minutes hold 962,660), about ten seconds a row, so a row measures workers
// past their start. On 200,000 (two seconds a row) a fresh process's warm-up
// (the first pass over the events cost a worker about twice the CPU of
// later passes) and the last checkpoint, which waits for an empty read,
// weigh several times more.
//
// Reads of 500 events by default: what a read, its read-ahead and the read
// whose marks are on their way hold is live at each scavenge, and with reads
// of 2,000 a few MB of it was copied and promoted every time (worker CPU per
// event 11.4-11.5 µs at reads of 500 against 13.2-14.9 µs at 2,000 in runs
// of one configuration after another at load 3-7, 2026-12-05 evening).
//
// Run: npx tsup && node bench/streams.mjs [--events 1000000] [--batch 500] [--checkpoint N] [--rounds 2] [--stats] [--ab .ab/base/dist] [--pack 10]
import { fork } from "node:child_process";
import { startRedisServer } from "./redis-server.mjs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createClient } from "redis";
import { generateStream } from "../examples/streams/synthetic.mjs";

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? fallback : Number(process.argv[i + 1]);
};
const EVENTS = arg("events", 1_000_000);
const BATCH = arg("batch", 500);
const ROUNDS = arg("rounds", 2);
// --checkpoint N: the workers' checkpointEntries (default: theirs, 50,000); --checkpoint <batch> checkpoints every read.
const CHECKPOINT = arg("checkpoint", 0);
// --pack N: every row also runs with packed entries of N events each (NDJSON in the field "events").
const PACK = arg("pack", 0);
// --stats: after each run, the server's per-command CPU (INFO commandstats, reset at the clock's start).
const STATS = process.argv.includes("--stats");
// PT_WORKER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof": node options of the worker processes (profiling).
const AB = process.argv.includes("--ab") ? path.resolve(process.argv[process.argv.indexOf("--ab") + 1]) : undefined;
// PT_WORKER_NODE_ARGS_A: those of build A only (with --ab, e.g. the same dist/ under other GC settings).
const nodeArgs = (text) => (text ?? "").split(" ").filter((a) => a.length > 0);
const WORKER_ARGS = nodeArgs(process.env.PT_WORKER_NODE_ARGS);
const WORKER_ARGS_A = process.env.PT_WORKER_NODE_ARGS_A === undefined ? WORKER_ARGS : nodeArgs(process.env.PT_WORKER_NODE_ARGS_A);
const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const stat = (text, key) => Number(new RegExp(`${key}:([0-9.]+)`).exec(String(text))[1]);

async function drained(client, stream, group) {
  const info = await client.sendCommand(["XINFO", "GROUPS", stream]);
  const row = info.find((r) => r.name === group);
  const last = (await client.sendCommand(["XINFO", "STREAM", stream]))["last-generated-id"];
  return row !== undefined && Number(row.pending) === 0 && row["last-delivered-id"] === last;
}

async function run(client, url, payloads, workers, round, dist, pack, execArgv) {
  await client.sendCommand(["FLUSHALL"]);
  const stream = "events";
  // pack 1: one event per entry (field "event"); pack N: entries of N events as NDJSON (field "events").
  const entries = [];
  if (pack === 1) for (const p of payloads) entries.push(["event", p]);
  else for (let i = 0; i < payloads.length; i += pack) entries.push(["events", payloads.slice(i, i + pack).join("\n")]);
  for (let i = 0; i < entries.length; i += 5000) {
    await Promise.all(entries.slice(i, i + 5000).map(([field, value]) => client.sendCommand(["XADD", stream, "*", field, value])));
  }
  await client.sendCommand(["XGROUP", "CREATE", stream, "monitor", "0"]);
  const script = fileURLToPath(new URL("./streams-worker.mjs", import.meta.url));
  const children = [];
  for (let w = 0; w < workers; w++) {
    const child = fork(script, [url, stream, "monitor", `w${round}-${w}`, String(Math.max(1, Math.round(BATCH / pack))), String(Math.max(1, Math.round((CHECKPOINT > 0 ? CHECKPOINT : 50_000) / pack)))], { execArgv, env: dist === undefined ? process.env : { ...process.env, PT_STREAMS_DIST: dist }, stdio: ["ignore", "inherit", "inherit", "ipc"] });
    const messages = [];
    child.on("message", (m) => messages.push(m));
    children.push({ child, messages, exit: new Promise((r) => child.once("exit", r)) });
  }
  while (!children.every((c) => c.messages.some((m) => m.ready))) await sleep(5);
  if (STATS) await client.sendCommand(["CONFIG", "RESETSTAT"]);
  const info0 = await client.sendCommand(["INFO", "cpu"]);
  const net0 = await client.sendCommand(["INFO", "stats"]);
  const t0 = performance.now();
  while (!(await drained(client, stream, "monitor"))) await sleep(5);
  const seconds = (performance.now() - t0) / 1000;
  const info1 = await client.sendCommand(["INFO", "cpu"]);
  const net1 = await client.sendCommand(["INFO", "stats"]);
  const commandstats = STATS ? String(await client.sendCommand(["INFO", "commandstats"])) : "";
  for (const c of children) c.child.kill("SIGTERM");
  await Promise.all(children.map((c) => c.exit));
  const results = children.map((c) => c.messages.find((m) => m.totals));
  const checkpoints = results.flatMap((r) => r.checkpoints);
  const cpu = (text) => {
    const get = (k) => Number(new RegExp(`${k}:([0-9.]+)`).exec(text)[1]);
    return get("used_cpu_sys") + get("used_cpu_user");
  };
  return {
    workers,
    eventsPerSecond: payloads.length / seconds,
    seconds,
    redisCpuSeconds: cpu(info1) - cpu(info0),
    // Bytes the server received and sent (the bench's own polling included, a few hundred bytes each).
    bytesIn: stat(net1, "total_net_input_bytes") - stat(net0, "total_net_input_bytes"),
    bytesOut: stat(net1, "total_net_output_bytes") - stat(net0, "total_net_output_bytes"),
    workerCpuSeconds: results.reduce((s, r) => s + r.cpuMs / 1000, 0),
    batches: results.reduce((s, r) => s + r.totals.batches, 0),
    duplicates: results.reduce((s, r) => s + r.totals.duplicates, 0),
    stages: results[0].stages,
    p50: pct(checkpoints, 0.5),
    p99: pct(checkpoints, 0.99),
    commandstats,
  };
}

async function main() {
  console.log(`node ${process.version}, ${os.cpus()[0]?.model ?? "unknown CPU"}, ${os.cpus().length} logical CPUs, load average ${os.loadavg().map((l) => l.toFixed(2)).join(", ")}`);
  const server = await startRedisServer();
  if (server === undefined) throw new Error("bench/streams.mjs needs redis-server on PATH");
  const { url } = server;
  const client = createClient({ url, socket: { reconnectStrategy: false } });
  await client.connect();
  try {
    const minutes = Math.ceil(EVENTS / 360);
    const records = generateStream({ seed: 1, start: Date.UTC(2026, 0, 5, 8), minutes, loginsPerMinute: 300 }).records.slice(0, EVENTS);
    const payloads = records.map((r) => JSON.stringify(r));
    console.log(`${payloads.length} events (synthetic stream, ${minutes} minutes), reads of ${BATCH}, checkpoints of ${CHECKPOINT > 0 ? CHECKPOINT : "the default"} entries; rounds alternate 1 and 2 workers`);
    const packs = PACK > 1 ? [1, PACK] : [1];
    const builds = AB === undefined ? [{ label: "", dist: undefined }] : [{ label: "A ", dist: AB }, { label: "B ", dist: undefined }];
    if (AB !== undefined) console.log(`A: workers from ${AB}; B: from dist/`);
    console.log(`${AB === undefined ? "" : "build | "}workers | events per entry | events/s | wall s | worker CPU s | redis CPU s | worker µs/event | redis µs/event | batches | duplicates dropped | checkpoint p50 ms | p99 ms | bytes to / from Redis per event | load`);
    for (let round = 0; round < ROUNDS; round++) {
      for (const workers of [1, 2]) {
        // An earlier build (A) may not read packed entries: it runs one event per entry only.
        for (const build of builds) for (const pack of build.label === "A " ? [1] : packs) {
          const r = await run(client, url, payloads, workers, `${round}${workers}${build.label.trim()}p${pack}`, build.dist, pack, build.label === "A " ? WORKER_ARGS_A : WORKER_ARGS);
          const perEvent = (s) => ((s * 1e6) / payloads.length).toFixed(2);
          console.log(
            `${AB === undefined ? "" : `${build.label.trim()} | `}${r.workers} | ${pack} | ${Math.round(r.eventsPerSecond).toLocaleString("en-US")} | ${r.seconds.toFixed(2)} | ${r.workerCpuSeconds.toFixed(2)} | ${r.redisCpuSeconds.toFixed(2)} | ${perEvent(r.workerCpuSeconds)} | ${perEvent(r.redisCpuSeconds)} | ${r.batches} | ${r.duplicates} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${Math.round(r.bytesIn / payloads.length)} / ${Math.round(r.bytesOut / payloads.length)} | ${os.loadavg()[0].toFixed(2)}`,
          );
          if (STATS) {
            const rows = [...r.commandstats.matchAll(/cmdstat_([a-z|]+):calls=(\d+),usec=(\d+)/g)].map(([, name, calls, usec]) => ({ name, calls: Number(calls), usec: Number(usec) }));
            rows.sort((a, b) => b.usec - a.usec);
            console.log(`  redis CPU by command: ${rows.slice(0, 10).map((c) => `${c.name} ${(c.usec / 1000).toFixed(0)} ms / ${c.calls} calls`).join(", ")}`);
          }
          if (round === ROUNDS - 1 && AB === undefined) {
            const total = Object.values(r.stages).reduce((a, b) => a + b, 0);
            console.log(`  worker w0 wall time by stage: ${Object.entries(r.stages).map(([k, v]) => `${k} ${((100 * v) / total).toFixed(0)} %`).join(", ")}`);
          }
        }
      }
    }
    console.log(`load average after: ${os.loadavg().map((l) => l.toFixed(2)).join(", ")}`);
  } finally {
    client.destroy();
    await server.stop();
  }
}

await main();
