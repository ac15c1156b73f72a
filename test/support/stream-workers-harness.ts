// Harness for the Redis Streams worker tests: bundles the worker process,
// forks and kills workers, produces a seeded stream, waits until groups
// drain, and computes the exact single-process oracle.
import { fork, type ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import type { Alert } from "../../src/compliance/alert.js";
import { readyRules } from "../../src/compliance/ready-rules.js";
import { RuleEngine } from "../../src/compliance/rule-engine.js";
import type { RedisSketchStore, SketchDelta, StoredSketch } from "../../src/redis/index.js";
import { TopK } from "../../src/sketches/top-k.js";
import { BatchPipeline } from "../../src/workers/index.js";
import type { TestRedisClient } from "./redis-server.js";

const root = fileURLToPath(new URL("../..", import.meta.url));

/** Bundles test/support/stream-worker-process.ts, node-redis included, into one .mjs in a temporary directory. */
export async function bundleWorker(): Promise<string> {
  const dir = mkdtempSync(path.join(tmpdir(), "papertrail-stream-worker-"));
  const outfile = path.join(dir, "worker.mjs");
  await build({
    entryPoints: [path.join(root, "test/support/stream-worker-process.ts")],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    outfile,
    // node-redis's CommonJS parts call require(): give the ESM bundle one.
    banner: { js: 'import { createRequire as __createRequire } from "node:module"; const require = __createRequire(import.meta.url);' },
    logLevel: "silent",
  });
  return outfile;
}

export interface WorkerHandle {
  readonly name: string;
  readonly child: ChildProcess;
  readonly exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly lines: unknown[];
}

export function startWorker(script: string, env: Record<string, string>): WorkerHandle {
  const child = fork(script, [], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe", "ipc"], cwd: root });
  const lines: unknown[] = [];
  let out = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    out += chunk.toString();
    let i: number;
    while ((i = out.indexOf("\n")) >= 0) {
      const line = out.slice(0, i);
      out = out.slice(i + 1);
      try {
        lines.push(JSON.parse(line));
      } catch {
        lines.push(line);
      }
    }
  });
  let err = "";
  child.stderr?.on("data", (chunk: Buffer) => (err += chunk.toString()));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => {
      if (code !== 0 && signal === null && err !== "") lines.push({ stderr: err });
      resolve({ code, signal });
    }),
  );
  return { name: env.CONSUMER ?? "?", child, exit, lines };
}

/** XADDs records as JSON in field `event`, pipelined; returns the ids. */
export async function produce(client: TestRedisClient, stream: string, payloads: readonly string[]): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < payloads.length; i += 500) {
    const chunk = payloads.slice(i, i + 500);
    ids.push(...((await Promise.all(chunk.map((p) => client.sendCommand(["XADD", stream, "*", "event", p])))) as unknown as string[]));
  }
  return ids;
}

/**
 * XADDs the payloads as packed entries of 1 to 8 events (NDJSON in the field
 * `events`), a fifth of the single ones as plain entries (field `event`);
 * returns each entry's id and its payloads.
 */
export async function producePacked(client: TestRedisClient, stream: string, payloads: readonly string[], random: () => number): Promise<Array<{ id: string; payloads: string[] }>> {
  const out: Array<{ id: string; payloads: string[] }> = [];
  for (let i = 0; i < payloads.length; ) {
    const group = payloads.slice(i, i + 1 + Math.floor(random() * 8));
    i += group.length;
    const [field, value] = group.length === 1 && random() < 0.2 ? ["event", group[0] as string] : ["events", group.join("\n")];
    out.push({ id: String(await client.sendCommand(["XADD", stream, "*", field, value])), payloads: group });
  }
  return out;
}

/** Whether every group has read to the stream's last id and has nothing pending. */
export async function drained(client: TestRedisClient, stream: string, groups: readonly string[]): Promise<boolean> {
  const info = (await client.sendCommand(["XINFO", "STREAM", stream])) as Record<string, unknown>;
  const lastId = String(info["last-generated-id"]);
  const rows = (await client.sendCommand(["XINFO", "GROUPS", stream])) as Record<string, unknown>[];
  for (const group of groups) {
    const row = rows.find((r) => r.name === group);
    if (row === undefined || Number(row.pending) !== 0 || String(row["last-delivered-id"]) !== lastId) return false;
  }
  return true;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The exact single-process answer: every payload parsed in order, first copy of each (kind, id) kept, one delta set, and the alerts of one RuleEngine. */
export function oracle(payloads: readonly string[]): { deltas: SketchDelta[]; alerts: Map<string, Alert>; events: number; deadLetters: number } {
  const pipeline = new BatchPipeline();
  const { events, deadLetters } = pipeline.parse(payloads.map((value, i) => ({ offset: String(i), value })));
  const seen = new Set<string>();
  const kept = events.filter(({ event }) => {
    if (event.id === undefined || event.id === "") return true;
    const key = `${event.kind}\u0000${event.id}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  const alerts = new Map<string, Alert>();
  const engine = new RuleEngine({ rules: readyRules(), onAlert: (alert) => void alerts.set(alert.id, JSON.parse(JSON.stringify(alert)) as Alert) });
  for (const { event } of kept) engine.evaluate(event);
  return { deltas: pipeline.deltas(kept.map((m) => m.event)), alerts, events: kept.length, deadLetters: deadLetters.length };
}

/** A comparable form of a sketch: its image, or for TopK its top list (its image depends on merge order). */
export function comparable(sketch: StoredSketch | undefined): unknown {
  if (sketch === undefined) return undefined;
  if (sketch instanceof TopK) return sketch.top().map((e) => [e.item, e.count, e.error]).sort((a, b) => (b[1] as number) - (a[1] as number) || String(a[0]).localeCompare(String(b[0])));
  return Buffer.from(sketch.toBytes()).toString("base64");
}

/** Every oracle delta against the store: the differing addresses (empty when equal). */
export async function differences(store: RedisSketchStore, deltas: readonly SketchDelta[]): Promise<string[]> {
  const out: string[] = [];
  for (const delta of deltas) {
    const stored = await store.read(delta);
    if (JSON.stringify(comparable(stored)) !== JSON.stringify(comparable(delta.sketch))) out.push(`${delta.metric}/${delta.system}/${delta.bucket}`);
  }
  return out;
}

/** Sketch keys under a prefix (offsets and marks excluded). */
export async function sketchKeys(client: TestRedisClient, prefix: string): Promise<string[]> {
  const keys = (await client.sendCommand(["KEYS", `${prefix}:*`])) as unknown as string[];
  return keys.filter((k) => k.includes("{") && !k.includes(":offsets:") && !k.includes(":marks:") && !k.includes(":rules:")).sort();
}
