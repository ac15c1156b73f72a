// One worker process of bench/streams.mjs: runs a StreamsWorker from dist/
// until SIGTERM, timing every checkpoint (from the `checkpoint` point to
// `checkpointed`), and prints its totals and checkpoint times as JSON.
import { pathToFileURL } from "node:url";
import { createClient } from "redis";

// PT_STREAMS_DIST: the build to run (bench/streams.mjs --ab runs two alternately); default ../dist.
const dist = process.env.PT_STREAMS_DIST === undefined ? new URL("../dist/", import.meta.url) : pathToFileURL(`${process.env.PT_STREAMS_DIST}/`);
const { RedisSketchStore } = await import(new URL("redis/index.js", dist).href);
const { StreamsWorker } = await import(new URL("workers/index.js", dist).href);

const [url, stream, group, consumer, batch, checkpoint = "0"] = process.argv.slice(2);
const client = createClient({ url });
const storeClient = client.duplicate();
await client.connect();
await storeClient.connect();
const checkpoints = [];
let started = 0;
// Wall time between consecutive points: what each stage of a batch costs.
const stages = {};
let last = 0;
let lastPoint = "";
const worker = new StreamsWorker({
  client,
  store: new RedisSketchStore(storeClient),
  stream,
  group,
  consumer,
  batchSize: Number(batch),
  ...(Number(checkpoint) > 0 ? { checkpointEntries: Number(checkpoint) } : {}),
  blockMs: 100,
  onPoint: (point) => {
    const now = performance.now();
    if (last > 0) stages[`${lastPoint}→${point}`] = (stages[`${lastPoint}→${point}`] ?? 0) + (now - last);
    last = now;
    lastPoint = point;
    if (point === "checkpoint") started = performance.now();
    else if (point === "checkpointed") checkpoints.push(performance.now() - started);
  },
});
process.on("SIGTERM", () => worker.stop());
// The bench that forked this worker is gone (it failed or was killed): stop too.
process.on("disconnect", () => worker.stop());
process.send?.({ ready: true });
const cpu0 = process.cpuUsage();
await worker.run();
const cpu = process.cpuUsage(cpu0);
process.send?.({ totals: worker.totals, checkpoints, stages, cpuMs: (cpu.user + cpu.system) / 1000 });
client.destroy();
storeClient.destroy();
process.exit(0);
