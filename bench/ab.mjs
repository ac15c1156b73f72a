// The runner shared by the A/B harnesses (bench/sketches-ab.mjs,
// bench/top-k-ab.mjs, bench/rules-ab.mjs): runs `script --child <dist>` once per build and
// round, alternating the builds within each round so machine noise hits
// every build alike, in reverse order every other round (A B, B A, A B, …):
// with the same order each round, a machine that drifts within a round
// favoured one build (bench/rules-ab.mjs once measured two builds with the
// same monitor code 8 % apart on its monitor row). Each child prints one
// JSON object of row -> figure.
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
    for (const dist of r % 2 === 0 ? dists : [...dists].reverse()) {
      const rows = JSON.parse(execFileSync(process.execPath, [self, "--child", path.resolve(dist)], { encoding: "utf8" }));
      const entry = results.get(dist);
      for (const [row, value] of Object.entries(rows)) (entry[row] ??= []).push(value);
    }
  }
  return results;
}

/**
 * Prints each row's figures per build, sorted, and for every build after the
 * first its ratios to the first build's figure of the same round, sorted.
 * `format` writes one figure.
 */
export function printAlternation(results, dists, format) {
  for (const row of Object.keys(results.get(dists[0]))) {
    console.log(row);
    const first = results.get(dists[0])[row];
    for (const [dist, entry] of results) {
      const values = entry[row];
      const ratios = dist === dists[0] ? "" : `   ratio ${values.map((v, r) => v / first[r]).sort((a, b) => a - b).map((v) => v.toFixed(2)).join(" ")}`;
      console.log(`  ${dist}: ${[...values].sort((a, b) => a - b).map(format).join(" ")}${ratios}`);
    }
  }
}
