// Runs examples/worker-threads against the built package: the merged images
// of the worker threads must equal a single thread's byte for byte.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));

describe("examples/worker-threads", () => {
  it("merges worker images into the single thread's images, byte for byte", () => {
    if (!existsSync(`${root}/dist/sketches/index.js`)) {
      const build = spawnSync("npm", ["run", "build"], { cwd: root, encoding: "utf8" });
      expect(build.status, build.stderr).toBe(0);
    }
    for (const threads of [2, 3]) {
      const run = spawnSync(process.execPath, ["examples/worker-threads/index.mjs", "--events", "120000", "--threads", String(threads), "--seed", String(threads)], { cwd: root, encoding: "utf8", timeout: 120_000 });
      expect(run.status, run.stderr + run.stdout).toBe(0);
      const summary = JSON.parse(run.stdout.trim().split("\n").pop()!) as { lines: number; threads: number; equal: Record<string, boolean> };
      expect(summary.lines).toBe(120_000);
      expect(summary.threads).toBe(threads);
      expect(summary.equal).toEqual({ users: true, access: true, kinds: true });
    }
  }, 180_000);
});
