// A private redis-server for a bench: found on PATH, started on a free
// loopback port with nothing saved to disk, and stopped when the bench ends,
// however it ends: also when the bench dies of an error (a stdout piped to
// `head` fails the next write with EPIPE) or is sent SIGTERM or SIGHUP, which
// used to leave the server running.
import { spawn, spawnSync } from "node:child_process";
import { connect } from "node:net";
import { freePort } from "./free-port.mjs";

/** The redis-server on PATH, or undefined. */
export function redisServerBinary() {
  const found = spawnSync("sh", ["-c", "command -v redis-server"], { encoding: "utf8" });
  const binary = found.status === 0 ? found.stdout.trim() : "";
  return binary === "" ? undefined : binary;
}

/** Whether something accepts TCP connections on 127.0.0.1:port. */
function accepts(port) {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

/**
 * Starts redis-server and waits until it accepts connections (10 s at most).
 * Returns undefined when redis-server is not on PATH; otherwise `{ port, url,
 * child, stop }`, where `stop()` ends the server and waits for it.
 */
export async function startRedisServer() {
  const binary = redisServerBinary();
  if (binary === undefined) return undefined;
  const port = await freePort();
  const child = spawn(binary, ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (chunk) => (stderr += chunk));
  const exited = new Promise((resolve) => child.once("exit", resolve));
  const kill = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
  };
  // 'exit' runs on a normal end, process.exit() and an uncaught error alike; a signal that
  // would end the bench ends the server first.
  const onSignal = (signal) => {
    kill();
    process.exit(128 + (signal === "SIGHUP" ? 1 : 15));
  };
  process.once("exit", kill);
  process.once("SIGTERM", onSignal);
  process.once("SIGHUP", onSignal);
  const deadline = Date.now() + 10_000;
  while (!(await accepts(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      kill();
      throw new Error(`redis-server did not start on 127.0.0.1:${port}: ${stderr.trim() || `exit code ${child.exitCode}`}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    child,
    async stop() {
      process.removeListener("exit", kill);
      process.removeListener("SIGTERM", onSignal);
      process.removeListener("SIGHUP", onSignal);
      kill();
      await exited;
    },
  };
}
