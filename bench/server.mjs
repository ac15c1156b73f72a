// The compliance server over loopback: bulk NDJSON ingest, single-event
// POSTs, the latency from a POST to its SSE message (p50, p99), and each
// query endpoint's latency while ingest runs. The server runs in a child
// process of its own (as it would in production); this process is the
// client. Both share the machine's cores; the figures include both. The
// bulk line also gives the server process's CPU time per event, which moves
// far less than the rate when other work shares the machine.
//
//   npm run build && node bench/server.mjs [--events 400000] [--batch 5000]
import { fork } from "node:child_process";
import net from "node:net";
import { fileURLToPath } from "node:url";
import { generateStream } from "../examples/streams/synthetic.mjs";

if (process.argv.includes("--serve")) {
  // The child: the server on embedded defaults, its URL sent to the parent.
  const { createComplianceApp, createComplianceBackend } = await import("../dist/server/index.js");
  const app = await createComplianceApp({ backend: createComplianceBackend({ monitor: { identities: "plain" }, dedup: { key: new Uint8Array(16).fill(7), capacity: 1_000_000 } }), rateLimit: false, dashboard: false, sse: { heartbeatMs: 0 } });
  const { url } = await app.listen(0);
  process.send({ url });
  process.on("message", async (message) => {
    if (message === "cpu") {
      // The server's own CPU time (user + system, µs): under a shared machine's
      // load it moves far less than the wall-clock rate does.
      const { user, system } = process.cpuUsage();
      process.send({ cpu: user + system });
    }
    if (message === "stop") {
      await app.close();
      process.exit(0);
    }
  });
  await new Promise(() => undefined);
}

const args = Object.fromEntries(process.argv.slice(2).reduce((pairs, arg, i, all) => (arg.startsWith("--") ? [...pairs, [arg.slice(2), all[i + 1]]] : pairs), []));
const EVENTS = Number(args.events ?? 400_000);
const BATCH = Number(args.batch ?? 5000);

const percentile = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
};
const ms = (value) => `${value.toFixed(2)} ms`;

// A stream of the right size, as NDJSON batches of UTF-8 bytes (generated before timing).
const minutes = Math.max(10, Math.ceil(EVENTS / 420));
const { records } = generateStream({ seed: 3, minutes, start: Date.now() - minutes * 60_000 });
const chosen = records.slice(0, EVENTS);
const batches = [];
for (let i = 0; i < chosen.length; i += BATCH) batches.push(Buffer.from(chosen.slice(i, i + BATCH).map((r) => JSON.stringify(r)).join("\n")));

const server = fork(fileURLToPath(import.meta.url), ["--serve"], { stdio: "inherit", execArgv: process.env.SERVER_PROF ? ["--cpu-prof", `--cpu-prof-dir=${process.env.SERVER_PROF}`] : [] });
const { url } = await new Promise((resolve) => server.once("message", resolve));
const post = (body, type) => fetch(`${url}/api/v1/events`, { method: "POST", headers: { "content-type": type }, body });
// Bulk bodies go out pipelined on one kept-alive connection (HTTP/1.1), as
// bytes encoded before timing. Pipelining keeps the server's next body
// arriving while it ingests the current one, and keeps the bodies in the
// order sent, which a time-ordered stream needs: on two connections the two
// bodies in flight finished arriving in either order, and a batch overtaken
// by the next had up to 10 % of its events refused as late. The client's CPU
// matters on a 2-core machine: fetch (undici) cost it about 3.1 µs per event
// of a 5000-line body, raw node:http 0.5 µs (alternating runs, one session).
function pipelinedClient() {
  const target = new URL(url);
  const socket = net.connect(Number(target.port), target.hostname);
  socket.setNoDelay(true);
  const waiting = [];
  let pending = Buffer.alloc(0);
  socket.on("data", (chunk) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    for (;;) {
      const headEnd = pending.indexOf("\r\n\r\n");
      if (headEnd < 0) return;
      const head = pending.toString("latin1", 0, headEnd);
      const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? Number.NaN);
      if (Number.isNaN(length)) throw new Error(`response without a content-length: ${head}`);
      if (pending.length < headEnd + 4 + length) return;
      const body = pending.toString("utf8", headEnd + 4, headEnd + 4 + length);
      pending = pending.subarray(headEnd + 4 + length);
      const { resolve, reject } = waiting.shift();
      if (head.startsWith("HTTP/1.1 200")) resolve(JSON.parse(body));
      else reject(new Error(`${head.split("\r\n")[0]}: ${body}`));
    }
  });
  const fail = (error) => {
    for (const { reject } of waiting.splice(0)) reject(error);
  };
  socket.on("error", fail);
  // The server closes a connection idle for its keep-alive timeout (5 s).
  socket.on("close", () => fail(new Error("the server closed the connection")));
  const header = (length) => `POST /api/v1/events HTTP/1.1\r\nHost: ${target.host}\r\nContent-Type: application/x-ndjson\r\nContent-Length: ${length}\r\n\r\n`;
  return {
    post: (bytes) =>
      new Promise((resolve, reject) => {
        waiting.push({ resolve, reject });
        socket.write(header(bytes.length));
        socket.write(bytes);
      }),
    close: () => socket.end(),
  };
}
let bulkClient = pipelinedClient();

const serverCpu = () =>
  new Promise((resolve) => {
    server.once("message", (message) => resolve(message.cpu));
    server.send("cpu");
  });

// 1. Bulk NDJSON ingest, two requests in flight.
let accepted = 0;
const cpuBefore = await serverCpu();
let started = performance.now();
for (let i = 0; i < batches.length; i += 2) {
  const answers = await Promise.all(batches.slice(i, i + 2).map(bulkClient.post));
  for (const answer of answers) accepted += answer.accepted + answer.duplicates;
}
const bulkSeconds = (performance.now() - started) / 1000;
bulkClient.close();
const bulkCpu = (await serverCpu()) - cpuBefore;
console.log(
  `bulk NDJSON: ${chosen.length.toLocaleString("en-US")} events in ${bulkSeconds.toFixed(2)} s = ${Math.round(chosen.length / bulkSeconds).toLocaleString("en-US")} events/s (batches of ${BATCH}; ${accepted} accepted or duplicate); server CPU ${(bulkCpu / chosen.length).toFixed(2)} µs/event`,
);

// 2. Single-event POSTs, 16 in flight.
const singles = records.slice(0, 5000).map((r) => JSON.stringify({ ...r, event_id: undefined, timestamp: new Date().toISOString() }));
started = performance.now();
for (let i = 0; i < singles.length; i += 16) await Promise.all(singles.slice(i, i + 16).map((body) => post(body, "application/json").then((r) => r.arrayBuffer())));
const singleSeconds = (performance.now() - started) / 1000;
console.log(`single POSTs: ${Math.round(singles.length / singleSeconds).toLocaleString("en-US")} requests/s (16 in flight)`);

// 3. POST → SSE latency.
const stream = await fetch(`${url}/api/v1/stream`);
const reader = stream.body.getReader();
const decoder = new TextDecoder();
const waiting = new Map();
(async () => {
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const marker = /"user":"probe-(\d+)"/.exec(block);
      if (marker) waiting.get(Number(marker[1]))?.(performance.now());
    }
  }
})();
const latencies = [];
for (let i = 0; i < 500; i++) {
  const seen = new Promise((resolve) => waiting.set(i, resolve));
  const sent = performance.now();
  await post(JSON.stringify({ event_type: "login", user_id: `probe-${i}`, system: "vpn", timestamp: new Date().toISOString(), metadata: { ip: "10.9.9.9", status: "success" } }), "application/json");
  latencies.push((await seen) - sent);
}
console.log(`POST → SSE message: p50 ${ms(percentile(latencies, 0.5))}, p99 ${ms(percentile(latencies, 0.99))} (500 events)`);
await reader.cancel();

// 4. Query latency under ingest: one client ingests bulk batches while another times queries.
const queries = {
  distinct: `/api/v1/compliance/distinct/users?system=prod_db&window=24h`,
  activity: `/api/v1/compliance/activity/check?user_id=user3&system=prod_db&window=24h`,
  top: `/api/v1/compliance/top/topUsers?system=prod_db&k=10&window=24h`,
  frequency: `/api/v1/compliance/frequency/kinds?system=prod_db&value=login&window=24h`,
  stats: `/api/v1/compliance/stats/values?system=prod_db&window=24h`,
  alerts: `/api/v1/alerts?limit=50`,
  summary: `/api/v1/alerts/summary`,
};
let ingesting = true;
bulkClient = pipelinedClient();
const background = (async () => {
  for (let i = 0; ingesting; i = (i + 1) % batches.length) await bulkClient.post(batches[i]);
})();
for (const [name, path] of Object.entries(queries)) {
  const times = [];
  for (let i = 0; i < 100; i++) {
    const t = performance.now();
    const response = await fetch(`${url}${path}`);
    await response.arrayBuffer();
    if (!response.ok) throw new Error(`${name}: ${response.status}`);
    times.push(performance.now() - t);
  }
  console.log(`query ${name.padEnd(9)} under ingest: p50 ${ms(percentile(times, 0.5))}, p99 ${ms(percentile(times, 0.99))}`);
}
ingesting = false;
await background;
server.send("stop");
bulkClient.close();
await new Promise((resolve) => server.once("exit", resolve));
