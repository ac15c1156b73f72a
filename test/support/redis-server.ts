// Starts a private redis-server on a free loopback port for tests that use
// real Redis as the oracle. When the binary is missing the caller skips with a
// visible message (CI installs the Debian package, so the tests run there).
// The client is node-redis (`redis`), the peer papertrail/redis is written for.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { freePort } from "./free-port.js";
import { createClient } from "redis";
import { afterAll, beforeAll } from "vitest";

/** An unconnected client on `url` that does not reconnect (a test wants the first error). */
function makeClient(url: string) {
  return createClient({ url, socket: { reconnectStrategy: false } });
}

export type TestRedisClient = ReturnType<typeof makeClient>;

export interface RedisHandle {
  readonly client: TestRedisClient;
  readonly port: number;
  readonly url: string;
  /** Another connected client to the same server (closed by `stop`). */
  connect(): Promise<TestRedisClient>;
  stop(): Promise<void>;
}

export function binaryPath(name: string): string | undefined {
  const found = spawnSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8" });
  const path = found.stdout.trim();
  return found.status === 0 && path !== "" ? path : undefined;
}

export function redisServerPath(): string | undefined {
  return binaryPath("redis-server");
}

/** A connected node-redis client on `url` that does not reconnect. */
export async function connectClient(url: string): Promise<TestRedisClient> {
  const client = makeClient(url);
  client.on("error", () => undefined); // surfaced by the awaited commands instead
  await client.connect();
  return client;
}

/** Polls until `url` answers PING, or throws after 10 s (or when the process exits). */
export async function waitForRedis(url: string, child: ChildProcess, stderr: () => string): Promise<TestRedisClient> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      const client = await connectClient(url);
      await client.ping();
      return client;
    } catch (error) {
      if (Date.now() > deadline || child.exitCode !== null) {
        child.kill("SIGKILL");
        throw new Error(`redis-server did not start at ${url}: ${String(error)} ${stderr()}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

export async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  await exited;
}

export async function startRedis(binary: string, extraArgs: readonly string[] = []): Promise<RedisHandle> {
  const port = await freePort();
  const child: ChildProcess = spawn(
    binary,
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "yes", ...extraArgs],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const url = `redis://127.0.0.1:${port}`;
  const client = await waitForRedis(url, child, () => stderr);
  const others: TestRedisClient[] = [];
  return {
    client,
    port,
    url,
    connect: async () => {
      const other = await connectClient(url);
      others.push(other);
      return other;
    },
    stop: async () => {
      for (const other of [client, ...others]) if (other.isOpen) other.destroy();
      await stopProcess(child);
    },
  };
}

/**
 * Starts a private redis-server before the enclosing suite's tests and stops
 * it after them. Returns the handle object at once; its fields are filled in
 * when the server is up, so tests (and later `beforeAll` hooks) use it as it is.
 */
export function redisForSuite(binary: string, extraArgs: readonly string[] = []): RedisHandle {
  const handle = {} as { -readonly [K in keyof RedisHandle]: RedisHandle[K] };
  let started: RedisHandle | undefined;
  beforeAll(async () => {
    started = await startRedis(binary, extraArgs);
    Object.assign(handle, started);
  }, 30_000);
  afterAll(async () => {
    await started?.stop();
  });
  return handle;
}
