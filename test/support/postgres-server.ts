// Starts a private PostgreSQL for tests: `initdb` into a temporary directory
// and the server on a free loopback port, both as the `postgres` user when the
// tests run as root (both refuse to run as root). Stopped by its process id.
// When the binaries are missing the caller skips with a visible message; CI
// installs the Debian package, so there a missing binary is an error.
import { spawnSync } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { freePort } from "./free-port.js";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface PostgresHandle {
  /** `postgres://postgres@127.0.0.1:<port>/postgres` */
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  stop(): Promise<void>;
}

/** The directory holding initdb and pg_ctl, or undefined. */
export function postgresBinDir(): string | undefined {
  const onPath = spawnSync("sh", ["-c", "command -v initdb"], { encoding: "utf8" });
  const candidates: string[] = [];
  if (onPath.status === 0 && onPath.stdout.trim() !== "") candidates.push(join(onPath.stdout.trim(), ".."));
  if (existsSync("/usr/lib/postgresql")) {
    for (const version of readdirSync("/usr/lib/postgresql").sort().reverse()) candidates.push(`/usr/lib/postgresql/${version}/bin`);
  }
  return candidates.find((dir) => existsSync(join(dir, "initdb")) && existsSync(join(dir, "pg_ctl")));
}

function idOf(user: string): { uid: number; gid: number } | undefined {
  const uid = spawnSync("id", ["-u", user], { encoding: "utf8" });
  const gid = spawnSync("id", ["-g", user], { encoding: "utf8" });
  if (uid.status !== 0 || gid.status !== 0) return undefined;
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

export async function startPostgres(binDir: string): Promise<PostgresHandle> {
  const asRoot = process.getuid?.() === 0;
  const owner = asRoot ? idOf("postgres") : undefined;
  if (asRoot && owner === undefined) throw new Error("running as root, but there is no postgres user to run PostgreSQL as");
  const dir = mkdtempSync(join(tmpdir(), "papertrail-pg-"));
  const data = join(dir, "data");
  if (owner !== undefined) chownSync(dir, owner.uid, owner.gid);
  const run = (args: string[]): void => {
    const command = owner === undefined ? args : ["runuser", "-u", "postgres", "--", ...args];
    const result = spawnSync(command[0]!, command.slice(1), { encoding: "utf8", timeout: 60_000 });
    if (result.status !== 0) throw new Error(`${args.join(" ")} failed (${result.status}): ${result.stderr}${result.stdout}`);
  };
  const port = await freePort();
  try {
    run([join(binDir, "initdb"), "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-locale"]);
    run([
      join(binDir, "pg_ctl"),
      "-D",
      data,
      "-l",
      join(dir, "server.log"),
      "-o",
      `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off`,
      "-w",
      "-t",
      "60",
      "start",
    ]);
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const pid = Number(readFileSync(join(data, "postmaster.pid"), "utf8").split("\n")[0]);
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    pid,
    stop: async () => {
      // SIGINT is PostgreSQL's "fast" shutdown; wait until the process is gone.
      try {
        process.kill(pid, "SIGINT");
      } catch {
        // already gone
      }
      const deadline = Date.now() + 20_000;
      while (Date.now() < deadline) {
        try {
          process.kill(pid, 0);
        } catch {
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // stopped
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
