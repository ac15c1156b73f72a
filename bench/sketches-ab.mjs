// A/B harness (runner: bench/ab.mjs) for the pre-hashed sketch paths (the "each update >= 30 M/s"
// rows of bench/sketches.mjs) against two or more builds of the library,
// alternating child processes so machine noise hits every build alike.
// Copy a build aside first, e.g.
//   npx tsup && cp -r dist .ab/before   (then change, rebuild, cp -r dist .ab/after)
//   node bench/sketches-ab.mjs .ab/before .ab/after [--rounds 4]
// Rows, each the median of 5 timed runs after a warm-up, in M updates/s, on
// bench/sketches.mjs's workloads and sketch sizes:
//   bloom.array / bloom.has / bloom.reused - Bloom (n = 1e6, p = 0.001)
//     addHashed from an array of 1M HashedKey objects, hasHashed of present
//     keys from it, and addHashed through one reused key refilled from typed
//     arrays of the halves (Int32Array: the halves as HashedKey holds them);
//   cms.array / cms.reused - Count-Min (ε = 0.001, δ = 0.01) on the Zipf
//     stream, from 1M references into 100k HashedKey objects, and reused;
//   hll.array - HyperLogLog p = 14 addHashed from the 1M-object array;
//   hash.set / hll.add - HashedKey.set(string) alone and HyperLogLog p = 14
//     add(string), over the 1M string keys;
//   hll.add/hash.set % - add(string)'s rate as a percentage of the hash's,
//     from runs of the two taken in turn (median of 5 pairs after a warm-up
//     pair): the "add(string) >= 90 % of its own hash".
// Prints, per row and build, the per-process medians, sorted. `.ab/` is
// git-ignored. Builds from before a rename still load: the child calls
// whichever of the old and new names a build has (cardinality / count,
// frequencyHashed / countHashed).
import path from "node:path";
import { pathToFileURL } from "node:url";
import { alternateBuilds } from "./ab.mjs";
import { makeKeys, makeZipfRanks } from "./workloads.mjs";

const args = process.argv.slice(2);
const roundsAt = args.indexOf("--rounds");
const rounds = roundsAt < 0 ? 4 : Number(args.splice(roundsAt, 2)[1]);

if (args[0] === "--child") {
  await child(args[1]);
} else {
  if (args.length === 0) {
    console.error("usage: node bench/sketches-ab.mjs <dist-a> <dist-b> ... [--rounds 4]");
    process.exit(2);
  }
  const results = alternateBuilds(import.meta.url, args, rounds);
  console.log(`pre-hashed sketch paths A/B, ${rounds} rounds per build (M updates/s, per-process medians)`);
  for (const row of Object.keys(results.get(args[0]))) {
    console.log(row);
    for (const [dist, entry] of results) {
      console.log(`  ${dist}: ${entry[row].sort((a, b) => a - b).map((v) => v.toFixed(1)).join(" ")}`);
    }
  }
}

async function child(dist) {
  const load = (entry) => import(pathToFileURL(path.join(dist, entry, "index.js")).href);
  const { HashedKey } = await load("hashing");
  const { BloomFilter, CountMinSketch, HyperLogLog } = await load("sketches");
  const { keys } = makeKeys(1_000_000, 0, 20261124);
  const ranks = makeZipfRanks(1_000_000, 100_000, 1.1, 7);
  const hashed = keys.map((key) => HashedKey.of(key));
  const zipfKeys = hashed.slice(0, 100_000);
  const zipf = Array.from(ranks, (rank) => zipfKeys[rank]);
  const halves = (list) => {
    const lo = new Int32Array(list.length);
    const hi = new Int32Array(list.length);
    list.forEach((key, i) => {
      lo[i] = key.lo;
      hi[i] = key.hi;
    });
    return { lo, hi };
  };
  const keyHalves = halves(hashed);
  const zipfHalves = halves(zipf);
  const reused = new HashedKey();
  const cardinality = (hll) => (typeof hll.cardinality === "function" ? hll.cardinality() : hll.count());
  const frequencyHashed = (cms, key) => (typeof cms.frequencyHashed === "function" ? cms.frequencyHashed(key) : cms.countHashed(key));
  let sink = 0;
  const rate = (count, make, run) => {
    const runs = [];
    for (let r = 0; r < 6; r++) {
      const sketch = make();
      const start = performance.now();
      sink ^= run(sketch);
      runs.push(count / ((performance.now() - start) * 1000));
    }
    runs.shift(); // the warm-up
    return runs.sort((a, b) => a - b)[2];
  };
  const BLOOM = { capacity: 1_000_000, falsePositiveRate: 0.001 };
  const CMS = { epsilon: 0.001, delta: 0.01 };
  const filled = new BloomFilter(BLOOM);
  for (const key of hashed) filled.addHashed(key);
  const rows = {
    "bloom.array": rate(hashed.length, () => new BloomFilter(BLOOM), (bloom) => {
      for (let i = 0; i < hashed.length; i++) bloom.addHashed(hashed[i]);
      return bloom.bitCount;
    }),
    "bloom.has": rate(hashed.length, () => filled, (bloom) => {
      let hits = 0;
      for (let i = 0; i < hashed.length; i++) if (bloom.hasHashed(hashed[i])) hits++;
      return hits;
    }),
    "bloom.reused": rate(hashed.length, () => new BloomFilter(BLOOM), (bloom) => {
      const { lo, hi } = keyHalves;
      for (let i = 0; i < lo.length; i++) {
        reused.lo = lo[i];
        reused.hi = hi[i];
        bloom.addHashed(reused);
      }
      return bloom.bitCount;
    }),
    "cms.array": rate(zipf.length, () => new CountMinSketch(CMS), (cms) => {
      for (let i = 0; i < zipf.length; i++) cms.addHashed(zipf[i]);
      return frequencyHashed(cms, zipf[0]);
    }),
    "cms.reused": rate(zipf.length, () => new CountMinSketch(CMS), (cms) => {
      const { lo, hi } = zipfHalves;
      for (let i = 0; i < lo.length; i++) {
        reused.lo = lo[i];
        reused.hi = hi[i];
        cms.addHashed(reused);
      }
      return frequencyHashed(cms, zipf[0]);
    }),
    "hll.array": rate(hashed.length, () => new HyperLogLog(), (hll) => {
      for (let i = 0; i < hashed.length; i++) hll.addHashed(hashed[i]);
      return cardinality(hll);
    }),
  };
  const hashKey = new HashedKey();
  const hashAlone = () => {
    let sum = 0;
    for (let i = 0; i < keys.length; i++) {
      hashKey.set(keys[i]);
      sum = (sum + (hashKey.hi ^ hashKey.lo)) | 0;
    }
    return sum;
  };
  const addStrings = (hll) => {
    for (let i = 0; i < keys.length; i++) hll.add(keys[i]);
    return cardinality(hll);
  };
  rows["hash.set"] = rate(keys.length, () => undefined, hashAlone);
  rows["hll.add"] = rate(keys.length, () => new HyperLogLog(), addStrings);
  // Runs of the two in turn: each pair sees the same machine load.
  const ratios = [];
  for (let r = 0; r < 6; r++) {
    let start = performance.now();
    sink ^= addStrings(new HyperLogLog());
    const add = performance.now() - start;
    start = performance.now();
    sink ^= hashAlone();
    const hash = performance.now() - start;
    ratios.push((100 * hash) / add);
  }
  ratios.shift(); // the warm-up pair
  rows["hll.add/hash.set %"] = ratios.sort((a, b) => a - b)[2];
  if (sink === 0.5) console.error(sink); // keeps the results alive
  process.stdout.write(JSON.stringify(rows));
}
