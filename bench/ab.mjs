// The runner shared by the A/B harnesses (bench/sketches-ab.mjs,
// bench/top-k-ab.mjs): runs `script --child <dist>` once per build and
// round, alternating the builds within each round so machine noise hits
// every build alike. Each child prints one JSON object of row -> figure.
import { execFileSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

/**
 * Runs the children and returns, per build (in `dists` order), each row's
 * figures in round order.
 */
export function alternateBuilds(scriptUrl, dists, rounds) {
  const self = fileURLToPath(scriptUrl);
  const results = new Map(dists.map((dist) => [dist, {}]));
  for (let r = 0; r < rounds; r++) {
    for (const dist of dists) {
      const rows = JSON.parse(execFileSync(process.execPath, [self, "--child", path.resolve(dist)], { encoding: "utf8" }));
      const entry = results.get(dist);
      for (const [row, value] of Object.entries(rows)) (entry[row] ??= []).push(value);
    }
  }
  return results;
}
