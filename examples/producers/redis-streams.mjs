// Produces the seeded synthetic stream (examples/streams/synthetic.mjs) to a
// Redis stream with XADD, one JSON record per entry in the field `event`
// (what papertrail/workers' StreamsWorker reads).
//
//   node examples/producers/redis-streams.mjs [--url redis://127.0.0.1:6379] [--stream events] [--minutes 60] [--seed 1]
import { createClient } from "redis";
import { generateStream } from "../streams/synthetic.mjs";

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? fallback : process.argv[i + 1];
};
const url = arg("url", "redis://127.0.0.1:6379");
const stream = arg("stream", "events");
const { records, scenario } = generateStream({ seed: Number(arg("seed", "1")), minutes: Number(arg("minutes", "60")) });

const client = createClient({ url });
await client.connect();
const started = performance.now();
for (let i = 0; i < records.length; i += 1000) {
  // node-redis pipelines concurrent commands on one connection.
  await Promise.all(records.slice(i, i + 1000).map((record) => client.sendCommand(["XADD", stream, "*", "event", JSON.stringify(record)])));
}
const seconds = (performance.now() - started) / 1000;
console.log(JSON.stringify({ stream, records: records.length, seconds: Number(seconds.toFixed(2)), scenario }));
client.destroy();
