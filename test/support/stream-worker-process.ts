// A worker process for the Redis Streams tests (bundled with esbuild and
// forked by test/streams-workers.test.ts). Configured by environment:
//   REDIS_URL, STREAM, GROUP, CONSUMER, ROLE ("metrics" | "rules"),
//   BATCH (entries per read), CLAIM_IDLE_MS, LEASE_MS,
//   CRASH_SEED, CRASH_P: at each worker point, with probability CRASH_P
//   (a PRNG seeded by CRASH_SEED), the process SIGKILLs itself there.
//   SLOW_MS: a pause at each point (so batches take time; for SIGTERM tests).
// On SIGTERM it stops after the batch in hand and exits 0, printing its
// totals as one JSON line.
import { createClient } from "redis";
import { readyRules } from "../../src/compliance/ready-rules.js";
import { RedisSketchStore } from "../../src/redis/index.js";
import { StreamsRulesWorker, StreamsWorker, type WorkerPoint } from "../../src/workers/index.js";
import { uniform } from "./random.js";

const env = (name: string, fallback?: string): string => {
  const value = process.env[name] ?? fallback;
  if (value === undefined) throw new Error(`missing ${name}`);
  return value;
};

const crashP = Number(env("CRASH_P", "0"));
const random = uniform(Number(env("CRASH_SEED", "1")));
const slowMs = Number(env("SLOW_MS", "0"));
const onPoint = async (point: WorkerPoint): Promise<void> => {
  if (crashP > 0 && random() < crashP) {
    process.stdout.write(`${JSON.stringify({ crash: point })}\n`);
    process.kill(process.pid, "SIGKILL");
    await new Promise(() => undefined);
  }
  if (slowMs > 0) await new Promise((resolve) => setTimeout(resolve, slowMs));
};

// SIGTERM before the worker exists: nothing in hand, exit cleanly.
let stopRequested = false;
let stopWorker = (): void => void (stopRequested = true);
process.on("SIGTERM", () => stopWorker());

const client = createClient({ url: env("REDIS_URL"), socket: { reconnectStrategy: false } });
const storeClient = client.duplicate();
client.on("error", () => undefined);
storeClient.on("error", () => undefined);
await client.connect();
await storeClient.connect();

const batchSize = Number(env("BATCH", "200"));
const worker =
  env("ROLE", "metrics") === "rules"
    ? new StreamsRulesWorker({
        client,
        stream: env("STREAM"),
        group: env("GROUP", "rules"),
        prefix: env("PREFIX", "pt"),
        consumer: env("CONSUMER"),
        rules: readyRules(),
        batchSize,
        blockMs: 200,
        leaseMs: Number(env("LEASE_MS", "1500")),
        onPoint,
      })
    : new StreamsWorker({
        client,
        store: new RedisSketchStore(storeClient, { prefix: env("PREFIX", "pt") }),
        stream: env("STREAM"),
        group: env("GROUP"),
        consumer: env("CONSUMER"),
        batchSize,
        blockMs: 200,
        claimIdleMs: Number(env("CLAIM_IDLE_MS", "1500")),
        claimEveryMs: 300,
        onPoint,
      });

stopWorker = () => worker.stop();
if (stopRequested) process.exit(0);
process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
await worker.run();
process.stdout.write(`${JSON.stringify({ totals: worker.totals })}\n`);
client.destroy();
storeClient.destroy();
process.exit(0);
