// Starts a private Redis Cluster for tests: `masters` redis-server processes
// with --cluster-enabled on free loopback ports (no replicas), joined with
// `redis-cli --cluster create ... --cluster-yes`, and waits until every node
// reports cluster_state:ok. `stop` ends those processes by pid and removes
// their working directory. Callers skip visibly when redis-server or
// redis-cli is missing (and fail when CI=true), as with redis-server.ts.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createCluster } from "redis";
import { freePort } from "./free-port.js";
import { binaryPath, connectClient, stopProcess, waitForRedis, type TestRedisClient } from "./redis-server.js";

function makeCluster(ports: readonly number[]) {
  return createCluster({
    rootNodes: ports.map((port) => ({ url: `redis://127.0.0.1:${port}` })),
    defaults: { socket: { reconnectStrategy: false } },
  });
}

export type TestRedisCluster = ReturnType<typeof makeCluster>;

export interface RedisClusterHandle {
  readonly ports: readonly number[];
  /** A connected cluster client (closed by `stop`). */
  readonly cluster: TestRedisCluster;
  /** Plain (non-cluster) clients, one per node, for checks such as CLUSTER KEYSLOT. */
  readonly nodes: readonly TestRedisClient[];
  /** Another connected cluster client (closed by `stop`). */
  connect(): Promise<TestRedisCluster>;
  /** Milliseconds from spawning the servers to cluster_state:ok. */
  readonly startMs: number;
  stop(): Promise<void>;
}

/** redis-server and redis-cli, or undefined when either is missing. */
export function clusterBinaries(): { server: string; cli: string } | undefined {
  const server = binaryPath("redis-server");
  const cli = binaryPath("redis-cli");
  return server === undefined || cli === undefined ? undefined : { server, cli };
}

export async function startRedisCluster(binaries: { server: string; cli: string }, masters = 3): Promise<RedisClusterHandle> {
  const started = performance.now();
  const dir = mkdtempSync(join(tmpdir(), "papertrail-cluster-"));
  const ports: number[] = [];
  const children: ChildProcess[] = [];
  const nodes: TestRedisClient[] = [];
  const clusters: TestRedisCluster[] = [];
  const stop = async () => {
    for (const cluster of clusters) await cluster.close().catch(() => undefined);
    for (const node of nodes) if (node.isOpen) node.destroy();
    await Promise.all(children.map(stopProcess));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < masters; i++) {
      const port = await freePort();
      ports.push(port);
      const child = spawn(
        binaries.server,
        [
          "--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
          "--cluster-enabled", "yes", "--cluster-config-file", join(dir, `nodes-${port}.conf`), "--dir", dir,
          "--cluster-node-timeout", "5000",
        ],
        { stdio: ["ignore", "ignore", "pipe"] },
      );
      let stderr = "";
      child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
      children.push(child);
      nodes.push(await waitForRedis(`redis://127.0.0.1:${port}`, child, () => stderr));
    }
    const create = spawnSync(
      binaries.cli,
      ["--cluster", "create", ...ports.map((p) => `127.0.0.1:${p}`), "--cluster-replicas", "0", "--cluster-yes"],
      { encoding: "utf8", timeout: 30_000 },
    );
    if (create.status !== 0) throw new Error(`redis-cli --cluster create failed (${create.status}): ${create.stdout} ${create.stderr}`);
    const deadline = Date.now() + 20_000;
    for (;;) {
      const infos = await Promise.all(nodes.map((node) => node.clusterInfo()));
      if (infos.every((info) => /cluster_state:ok/.test(String(info)))) break;
      if (Date.now() > deadline) throw new Error(`cluster did not reach cluster_state:ok: ${infos.join(" | ")}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const connect = async () => {
      const cluster = makeCluster(ports);
      cluster.on("error", () => undefined);
      clusters.push(cluster);
      await cluster.connect();
      return cluster;
    };
    const cluster = await connect();
    return { ports, cluster, nodes, connect, startMs: performance.now() - started, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

export { connectClient };
