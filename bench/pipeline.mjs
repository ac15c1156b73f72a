// CompliancePipeline ingest benchmark: raw records of five of the six
// shipped shapes, all but the bare log line (examples/streams/synthetic.mjs:
// logins in the compliance API shape with attacks inside, application logs,
// service metrics, transactions, CloudTrail-like events, duplicate ids) through extraction, dedup, the
// monitor with its default metrics, the twelve ready rules and the
// allow-list: what `POST /api/v1/events` runs per record.
//
// Rows, each a fresh pipeline per run, the records in time order:
// - batches of 5,000 records per `ingest` call, pseudonymized top lists and a
//   dedup table (the example server's: a million ids an hour), then the same with plain identities
//   and no dedup;
// - one record per `ingest` call (single-event POSTs), pseudonymized with dedup.
// Reported: CPU time per record (user + system, process.cpuUsage) and records
// per CPU second, median of RUNS runs after a warm-up, rows alternating within
// each run (the machine may be shared: compare rows of one run only).
//
// With --ab <distA> <distB>, runs the first row in child processes alternating
// the two builds (bench/ab.mjs) and prints each build's figures and the ratios.
//
//   npm run build && node bench/pipeline.mjs [--ab distA distB]
import os from "node:os";
import { pathToFileURL } from "node:url";
import { generateStream } from "../examples/streams/synthetic.mjs";
import { alternateBuilds, printAlternation } from "./ab.mjs";
import { median } from "./stats.mjs";

const RUNS = 5;
const BATCH = 5_000;
const START = Date.UTC(2026, 0, 5, 9);
const MINUTES = 600;
const KEY = "bench deployment key, 32 bytes..";
// The example server's dedup table (examples/server/start.mjs): a million ids an hour.
const DEDUP = { key: new Uint8Array(16).fill(7), capacity: 1_000_000, ttl: 3_600_000 };

function records() {
  return generateStream({ seed: 11, start: START, minutes: MINUTES, loginsPerMinute: 400 }).records;
}

const ROWS = [
  { label: `batches of ${BATCH.toLocaleString("en")}, pseudonymized, dedup`, batch: BATCH, options: () => ({ monitor: { pseudonymKey: KEY }, dedup: DEDUP }) },
  { label: `batches of ${BATCH.toLocaleString("en")}, plain identities, no dedup`, batch: BATCH, options: () => ({ monitor: { identities: "plain" } }) },
  { label: "one record per call, pseudonymized, dedup", batch: 1, options: () => ({ monitor: { pseudonymKey: KEY }, dedup: DEDUP }) },
];

/** CPU ns per record of one run of `row` over `list` with the pipeline class of `compliance`. */
function run(compliance, row, list) {
  const pipeline = new compliance.CompliancePipeline({ ...row.options(), now: () => START + (MINUTES + 1) * 60_000 });
  let accepted = 0;
  const c0 = process.cpuUsage();
  if (row.batch === 1) for (let i = 0; i < list.length; i++) accepted += pipeline.ingest([list[i]]).accepted;
  else for (let i = 0; i < list.length; i += row.batch) accepted += pipeline.ingest(list.slice(i, i + row.batch)).accepted;
  const c = process.cpuUsage(c0);
  if (accepted === 0) throw new Error("nothing accepted");
  return ((c.user + c.system) * 1000) / list.length;
}

const args = process.argv.slice(2);
if (args[0] === "--child") {
  const compliance = await import(pathToFileURL(`${args[1]}/compliance/index.js`).href);
  const list = records();
  run(compliance, ROWS[0], list); // warm-up
  console.log(JSON.stringify({ [ROWS[0].label]: run(compliance, ROWS[0], list) }));
} else if (args[0] === "--ab") {
  const dists = args.slice(1, 3);
  console.log(`CPU ns per record, ${RUNS * 2} rounds alternating ${dists.join(" and ")}`);
  printAlternation(alternateBuilds(import.meta.url, dists, RUNS * 2), dists, (ns) => ns.toFixed(0));
} else {
  const compliance = await import("../dist/compliance/index.js");
  const list = records();
  console.log(`node ${process.version}, ${os.cpus()[0]?.model ?? "cpu"}, ${os.cpus().length} cores (shared machine); ${list.length.toLocaleString("en")} records per run`);
  for (const row of ROWS) run(compliance, row, list); // warm-up
  const figures = ROWS.map(() => []);
  for (let r = 0; r < RUNS; r++) ROWS.forEach((row, i) => figures[i].push(run(compliance, row, list)));
  ROWS.forEach((row, i) => {
    const ns = median(figures[i]);
    console.log(`${row.label.padEnd(52)} ${ns.toFixed(0).padStart(6)} CPU ns per record (${(1e3 / ns).toFixed(3)} M records per CPU second), best ${Math.min(...figures[i]).toFixed(0)}`);
  });
}
