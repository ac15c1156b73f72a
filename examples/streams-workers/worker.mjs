// Runs one papertrail/workers consumer against Redis: a metrics worker of
// the "monitor" group (scale it out: start several), or the rules consumer
// (start two: one active, one standby). SIGTERM finishes the batch in hand.
//
//   node examples/streams-workers/worker.mjs metrics [--url redis://127.0.0.1:6379] [--stream events] [--name w1]
//   node examples/streams-workers/worker.mjs rules   [--url ...] [--stream events] [--name r1]
//   node examples/streams-workers/worker.mjs query   [--url ...] [--system vpn]
import { randomUUID } from "node:crypto";
import { createClient } from "redis";
import { readyRules } from "../../dist/compliance/index.js";
import { RedisSketchStore } from "../../dist/redis/index.js";
import { StreamsRulesWorker, StreamsWorker } from "../../dist/workers/index.js";

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? fallback : process.argv[i + 1];
};
const role = process.argv[2] ?? "metrics";
const url = arg("url", "redis://127.0.0.1:6379");
const stream = arg("stream", "events");
// A new consumer name per process start (docs/scaling.md: who replays a batch).
const name = arg("name", `${role}-${randomUUID().slice(0, 8)}`);

const client = createClient({ url });
const storeClient = client.duplicate();
await client.connect();
await storeClient.connect();
const store = new RedisSketchStore(storeClient);

if (role === "query") {
  const system = arg("system", "vpn");
  const now = Date.now();
  // The last 24 hours of hourly buckets, merged through each family's monoid.
  const range = { system, granularity: "hour", from: now - 86_400_000, to: now + 3_600_000 };
  const users = await store.readRange({ ...range, metric: "distinct-users" });
  const top = await store.readRange({ ...range, metric: "top-users" });
  const alerts = await new StreamsRulesWorker({ client, stream, consumer: "query", rules: [] }).alerts();
  console.log(JSON.stringify({
    system,
    distinctUsers: users?.estimate().estimate,
    topUsers: top?.top(5).map((e) => [e.item, e.count]),
    alerts: [...alerts.values()].map((a) => `${a.ruleId} ${a.groupKey}`),
  }, null, 2));
} else {
  const worker =
    role === "rules"
      ? new StreamsRulesWorker({ client, stream, consumer: name, rules: readyRules(), onAlerts: (alerts) => alerts.forEach((a) => console.log(`ALERT ${a.id} ${a.title}`)) })
      : new StreamsWorker({ client, store, stream, group: "monitor", consumer: name });
  process.on("SIGTERM", () => worker.stop());
  process.on("SIGINT", () => worker.stop());
  console.log(`${role} worker ${name} on ${stream}; Ctrl-C to stop after the batch in hand`);
  await worker.run();
  console.log(JSON.stringify({ name, totals: worker.totals }));
}
client.destroy();
storeClient.destroy();
