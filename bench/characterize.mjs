// Published accuracy: seeded sweeps of every estimating sketch against exact
// answers, written as hand-made SVG plots into docs/plots/ (shown by
// docs/accuracy.md). Run with `npm run characterize` (builds dist first);
// not part of CI. Takes about 10-15 minutes on a 2-core machine.
//
//   node bench/characterize.mjs [--only hll,bloom,cms,topk,tdigest] [--scale 0.1]
//
// --scale multiplies every trial count (for a quick look; the committed plots
// use 1). Every random choice comes from mulberry32 with the seeds printed
// below, so a run reproduces the plots exactly (wall-clock time aside).
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { HashedKey } from "../dist/hashing/index.js";
import { BloomFilter, CountMinSketch, HyperLogLog, TDigest, TopK } from "../dist/sketches/index.js";
import { mulberry32, zipfSampler } from "./workloads.mjs";

// ---------------------------------------------------------------------------
// The sketch API, in one place. These are the only lines that call the
// sketches' estimating verbs.
// ---------------------------------------------------------------------------
const api = {
  /** HyperLogLog cardinality, rounded as PFCOUNT rounds it. */
  hllCardinality: (hll) => hll.cardinality(),
  /** HyperLogLog unrounded estimate. */
  hllEstimate: (hll) => hll.estimate().estimate,
  /** Count-Min point estimate of a pre-hashed key. */
  cmsFrequencyHashed: (cms, key) => cms.frequencyHashed(key),
  /** Count-Min total weight N. */
  cmsTotalWeight: (cms) => cms.totalWeight,
  /** TDigest total weight. */
  tdigestTotalWeight: (digest) => digest.totalWeight,
};

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const at = args.indexOf(name);
  return at < 0 ? fallback : args[at + 1];
};
const scale = Number(option("--scale", "1"));
const only = new Set(option("--only", "hll,bloom,cms,topk,tdigest").split(","));
const trials = (n) => Math.max(2, Math.round(n * scale));
const outDir = fileURLToPath(new URL("../docs/plots/", import.meta.url));
mkdirSync(outDir, { recursive: true });

const started = performance.now();
const log = (line) => console.log(`[${((performance.now() - started) / 1000).toFixed(0).padStart(4)} s] ${line}`);

// ---------------------------------------------------------------------------
// Distinct 64-bit keys, seeded. The low half is a bijection of the index
// (MurmurHash3's fmix32 is invertible, and so are xor and add), so keys
// 0..2^32-1 of one stream are distinct; the high half mixes the low one.
// ---------------------------------------------------------------------------
function fmix32(h) {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 0;
}

/** Fills `key` (a HashedKey) with key number `i` of the stream with salts `a`, `b`. */
function setKey(key, i, a, b) {
  const lo = fmix32(fmix32((i + a) | 0) ^ b);
  key.lo = lo;
  key.hi = fmix32((lo ^ a) + b);
  return key;
}

function quantileOf(sorted, q) {
  // Nearest rank on a sorted array.
  const at = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[at];
}

const results = {};
const PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf"];

// ---------------------------------------------------------------------------
// (a) HyperLogLog: relative error along n, p = 10, 12, 14, 16.
// ---------------------------------------------------------------------------
const HLL_PRECISIONS = [10, 12, 14, 16];
const HLL_MAX = 10_000_000;
const HLL_SEED = 0x5eed0001;
// Trials per tier: short streams are cheap, so the left of the plot is averaged over more trials.
const HLL_TIERS = [
  { upTo: 10_000, trials: trials(20_000) },
  { upTo: 1_000_000, trials: trials(1000) },
  { upTo: HLL_MAX, trials: trials(400) },
];

function hllCheckpoints() {
  const points = new Set();
  for (let e = 0; e <= 7 * 16; e++) points.add(Math.round(10 ** (e / 16)));
  return [...points].sort((a, b) => a - b);
}

if (only.has("hll")) {
  const checkpoints = hllCheckpoints();
  // errors[p][checkpoint] = relative errors of the unrounded estimate, every trial reaching it;
  // rounded[p][checkpoint] = sum of the relative errors of the rounded cardinality.
  const errors = new Map(HLL_PRECISIONS.map((p) => [p, checkpoints.map(() => [])]));
  const rounded = new Map(HLL_PRECISIONS.map((p) => [p, checkpoints.map(() => 0)]));
  const key = new HashedKey();
  const salts = mulberry32(HLL_SEED);
  // Trial t runs to the end of the last tier that still has trials left at t.
  for (let t = 0; t < HLL_TIERS[0].trials; t++) {
    const upTo = Math.max(...HLL_TIERS.filter((tier) => t < tier.trials).map((tier) => tier.upTo));
    const a = salts() | 0;
    const b = salts() | 0;
    const sketches = HLL_PRECISIONS.map((precision) => new HyperLogLog({ precision }));
    let n = 0;
    checkpoints.forEach((checkpoint, i) => {
      if (checkpoint > upTo) return;
      for (; n < checkpoint; n++) {
        setKey(key, n, a, b);
        for (let s = 0; s < sketches.length; s++) sketches[s].addHashed(key);
      }
      for (let s = 0; s < sketches.length; s++) {
        errors.get(HLL_PRECISIONS[s])[i].push(api.hllEstimate(sketches[s]) / checkpoint - 1);
        rounded.get(HLL_PRECISIONS[s])[i] += api.hllCardinality(sketches[s]) / checkpoint - 1;
      }
    });
    if (HLL_TIERS.some((tier) => tier.trials === t + 1)) log(`hll: ${t + 1} trials done`);
  }
  const summary = new Map();
  for (const p of HLL_PRECISIONS) {
    const rows = [];
    errors.get(p).forEach((list, i) => {
      if (list.length === 0) return;
      const sorted = Float64Array.from(list).sort();
      const mean = list.reduce((s, x) => s + x, 0) / list.length;
      const rms = Math.sqrt(list.reduce((s, x) => s + x * x, 0) / list.length);
      const roundedMean = rounded.get(p)[i] / list.length;
      rows.push({ n: checkpoints[i], trials: list.length, mean, roundedMean, rms, p01: quantileOf(sorted, 0.01), p99: quantileOf(sorted, 0.99) });
    });
    summary.set(p, rows);
  }
  results.hll = Object.fromEntries([...summary].map(([p, rows]) => [p, rows]));
  for (const p of HLL_PRECISIONS) {
    const rows = summary.get(p);
    const theory = 1.04 / Math.sqrt(2 ** p);
    writePlot(`hll-p${p}.svg`, {
      title: `HyperLogLog p = ${p} (m = ${2 ** p}): relative error vs n`,
      xLabel: "true distinct count n",
      yLabel: "estimate / n − 1",
      x: { kind: "log", min: 1, max: HLL_MAX },
      y: { kind: "linear", min: -4 * theory, max: 4 * theory, percent: true },
      series: [
        { name: "99th percentile", color: "#1f77b4", dash: "5,3", points: rows.map((r) => [r.n, r.p99]) },
        { name: "mean (bias)", color: "#d62728", width: 2, points: rows.map((r) => [r.n, r.mean]) },
        { name: "1st percentile", color: "#1f77b4", dash: "5,3", points: rows.map((r) => [r.n, r.p01]) },
        { name: "mean of the rounded cardinality (PFCOUNT)", color: "#ff7f0e", dash: "1,2", width: 1.6, points: rows.map((r) => [r.n, r.roundedMean]) },
        { name: "±RMS", color: "#2ca02c", points: rows.map((r) => [r.n, r.rms]) },
        { name: "", color: "#2ca02c", points: rows.map((r) => [r.n, -r.rms]) },
        { name: `theory ±1.04/√m = ±${(100 * theory).toFixed(2)} %`, color: "#555", dash: "2,3", points: [[1, theory], [HLL_MAX, theory]] },
        { name: "", color: "#555", dash: "2,3", points: [[1, -theory], [HLL_MAX, -theory]] },
      ],
      notes: ["estimate().estimate (unrounded) except the dotted line", `trials: ${HLL_TIERS.map((t) => `${t.trials} to n = ${t.upTo.toExponential(0)}`).join(", ")}; seed 0x${HLL_SEED.toString(16)}`],
    });
  }
  writePlot("hll-rms.svg", {
    title: "HyperLogLog: RMS relative error vs n, by precision",
    xLabel: "true distinct count n",
    yLabel: "RMS of estimate / n − 1",
    x: { kind: "log", min: 1, max: HLL_MAX },
    y: { kind: "log", min: 1e-5, max: 0.1, percent: true },
    series: [
      ...HLL_PRECISIONS.map((p, i) => ({ name: `p = ${p}`, color: PALETTE[i], width: 2, points: summary.get(p).filter((r) => r.rms > 0).map((r) => [r.n, r.rms]) })),
      ...HLL_PRECISIONS.map((p, i) => {
        const theory = 1.04 / Math.sqrt(2 ** p);
        return { name: i === 0 ? "theory 1.04/√m, per precision" : "", color: PALETTE[i], dash: "2,3", points: [[1, theory], [HLL_MAX, theory]] };
      }),
    ],
    notes: ["unrounded estimates, estimate().estimate"],
  });
  log("hll: plots written");
}

// ---------------------------------------------------------------------------
// (b) Bloom filter: false-positive rate against fill.
// ---------------------------------------------------------------------------
const BLOOM_CAPACITY = 100_000;
const BLOOM_RATES = [0.01, 0.001];
const BLOOM_TRIALS = trials(8);
const BLOOM_PROBES = 500_000;
const BLOOM_SEED = 0x5eed0002;

if (only.has("bloom")) {
  const fills = [];
  for (let f = 0.05; f <= 2.0001; f += 0.05) fills.push(Math.round(f * 100) / 100);
  const series = [];
  results.bloom = {};
  BLOOM_RATES.forEach((rate, r) => {
    const measured = fills.map(() => []);
    const ownEstimate = fills.map(() => []);
    let shape;
    const salts = mulberry32(BLOOM_SEED + r);
    const key = new HashedKey();
    for (let t = 0; t < BLOOM_TRIALS; t++) {
      const a = salts() | 0;
      const b = salts() | 0;
      const filter = new BloomFilter({ capacity: BLOOM_CAPACITY, falsePositiveRate: rate });
      shape = { bits: filter.bits, hashes: filter.hashes };
      let n = 0;
      fills.forEach((fill, i) => {
        const target = Math.round(fill * BLOOM_CAPACITY);
        for (; n < target; n++) filter.addHashed(setKey(key, n, a, b));
        // Probes are keys 2^31.. of the same stream: never inserted.
        let positives = 0;
        const base = 0x80000000 + i * BLOOM_PROBES;
        for (let q = 0; q < BLOOM_PROBES; q++) if (filter.hasHashed(setKey(key, base + q, a, b))) positives++;
        measured[i].push(positives / BLOOM_PROBES);
        ownEstimate[i].push(filter.estimatedFalsePositiveRate());
      });
    }
    const { bits, hashes } = shape;
    const theory = (n) => (1 - Math.exp((-hashes * n) / bits)) ** hashes;
    const mean = (list) => list.reduce((s, x) => s + x, 0) / list.length;
    const color = PALETTE[r];
    series.push(
      { name: `p = ${rate}: measured (${bits} bits, k = ${hashes})`, color, width: 2, marker: true, points: fills.map((f, i) => [f, mean(measured[i])]) },
      { name: `p = ${rate}: theory (1 − e^(−kn/m))^k`, color: "#555", dash: "4,3", points: fills.map((f) => [f, theory(f * BLOOM_CAPACITY)]) },
      { name: `p = ${rate}: estimatedFalsePositiveRate()`, color, dash: "1,3", points: fills.map((f, i) => [f, mean(ownEstimate[i])]) },
    );
    results.bloom[rate] = { bits, hashes, rows: fills.map((f, i) => ({ fill: f, measured: mean(measured[i]), theory: theory(f * BLOOM_CAPACITY), own: mean(ownEstimate[i]), min: Math.min(...measured[i]), max: Math.max(...measured[i]) })) };
    log(`bloom: p = ${rate} done`);
  });
  writePlot("bloom-fpr.svg", {
    title: `Bloom filter: false-positive rate vs fill (capacity ${BLOOM_CAPACITY.toLocaleString("en")})`,
    xLabel: "items added / capacity",
    yLabel: "false-positive rate",
    x: { kind: "linear", min: 0, max: 2 },
    y: { kind: "log", min: 1e-8, max: 1, percent: true },
    series,
    guides: [{ x: 1, label: "capacity" }, { y: 1 / (BLOOM_TRIALS * BLOOM_PROBES), label: "resolution: one false positive in all probes" }],
    notes: [`${BLOOM_TRIALS} trials per rate, ${BLOOM_PROBES.toLocaleString("en")} absent keys per point; seed 0x${BLOOM_SEED.toString(16)}`],
  });
  log("bloom: plot written");
}

// ---------------------------------------------------------------------------
// (c) Count-Min: distribution of the overestimate against the ε·N bound.
// ---------------------------------------------------------------------------
const CMS_OPTIONS = { epsilon: 0.001, delta: 0.01 };
const CMS_EVENTS = 1_000_000;
const CMS_UNIVERSE = 100_000;
const CMS_TRIALS = trials(10);
const CMS_SEED = 0x5eed0003;

if (only.has("cms")) {
  const streams = [
    { name: "Zipf s = 1.1", s: 1.1 },
    { name: "uniform", s: 0 },
  ];
  const modes = [
    { name: "standard", conservative: false },
    { name: "conservative", conservative: true },
  ];
  const xs = [];
  for (let x = 0; x <= 1.5001; x += 0.025) xs.push(Math.round(x * 1000) / 1000);
  const series = [];
  results.cms = {};
  let index = 0;
  for (const stream of streams) {
    const sample = zipfSampler(CMS_UNIVERSE, stream.s);
    // ratios[mode] = overestimate / (ε N) of every item of the universe, over all trials.
    const ratios = modes.map(() => []);
    const random = mulberry32(CMS_SEED + index);
    for (let t = 0; t < CMS_TRIALS; t++) {
      const a = random() | 0;
      const b = random() | 0;
      const keys = Array.from({ length: CMS_UNIVERSE }, (_, i) => setKey(new HashedKey(), i, a, b));
      const exact = new Float64Array(CMS_UNIVERSE);
      const sketches = modes.map((mode) => new CountMinSketch({ ...CMS_OPTIONS, conservative: mode.conservative }));
      for (let e = 0; e < CMS_EVENTS; e++) {
        const item = sample(random);
        exact[item]++;
        for (const sketch of sketches) sketch.addHashed(keys[item]);
      }
      sketches.forEach((sketch, m) => {
        const bound = CMS_OPTIONS.epsilon * api.cmsTotalWeight(sketch);
        for (let i = 0; i < CMS_UNIVERSE; i++) ratios[m].push((api.cmsFrequencyHashed(sketch, keys[i]) - exact[i]) / bound);
      });
    }
    modes.forEach((mode, m) => {
      const list = Float64Array.from(ratios[m]).sort();
      const above = (x) => {
        // Fraction of items whose overestimate exceeds x·εN.
        let lo = 0;
        let hi = list.length;
        while (lo < hi) {
          const mid = (lo + hi) >>> 1;
          if (list[mid] <= x) lo = mid + 1;
          else hi = mid;
        }
        return (list.length - lo) / list.length;
      };
      const label = `${stream.name}, ${mode.name}`;
      results.cms[label] = { items: list.length, exact: above(0) === 0 ? 1 : 1 - above(0), median: quantileOf(list, 0.5), p99: quantileOf(list, 0.99), max: list[list.length - 1], overBound: above(1) };
      series.push({ name: label, color: PALETTE[index * 2 + m], width: 2, dash: m === 1 ? "6,3" : undefined, points: xs.map((x) => [x, above(x)]).filter(([, y]) => y > 0) });
    });
    log(`cms: ${stream.name} done`);
    index++;
  }
  writePlot("cms-overestimate.svg", {
    title: `Count-Min (ε = ${CMS_OPTIONS.epsilon}, δ = ${CMS_OPTIONS.delta}; 2719 × 5): overestimate distribution`,
    xLabel: "overestimate / (ε·N)",
    yLabel: "fraction of items above",
    x: { kind: "linear", min: 0, max: 1.5 },
    y: { kind: "log", min: 1e-6, max: 1, percent: true },
    series,
    guides: [{ x: 1, label: "ε·N bound" }, { y: CMS_OPTIONS.delta, label: "δ" }],
    notes: [`${CMS_TRIALS} trials × ${CMS_UNIVERSE.toLocaleString("en")} items, N = ${CMS_EVENTS.toLocaleString("en")} per trial; seed 0x${CMS_SEED.toString(16)}`],
  });
  log("cms: plot written");
}

// ---------------------------------------------------------------------------
// (d) TopK: recall and order of the top 10 against exact counts, Zipf streams.
// ---------------------------------------------------------------------------
const TOPK_CAPACITIES = [10, 20, 50, 100, 200, 500, 1000];
const TOPK_SKEWS = [0.8, 1.0, 1.2];
const TOPK_EVENTS = 1_000_000;
const TOPK_UNIVERSE = 1_000_000;
const TOPK_TRIALS = trials(10);
const TOPK_N = 10;
const TOPK_SEED = 0x5eed0004;

if (only.has("topk")) {
  const recallSeries = [];
  const orderSeries = [];
  results.topk = {};
  TOPK_SKEWS.forEach((s, index) => {
    const sample = zipfSampler(TOPK_UNIVERSE, s);
    const random = mulberry32(TOPK_SEED + index);
    const recall = TOPK_CAPACITIES.map(() => 0);
    const order = TOPK_CAPACITIES.map(() => 0);
    const stream = new Int32Array(TOPK_EVENTS);
    for (let t = 0; t < TOPK_TRIALS; t++) {
      // Items are ids shuffled away from their Zipf rank (so the order of first arrival says nothing).
      const offset = random();
      const exact = new Float64Array(TOPK_UNIVERSE);
      for (let e = 0; e < TOPK_EVENTS; e++) {
        const rank = sample(random);
        exact[rank]++;
        stream[e] = (fmix32(rank ^ offset) >>> 0) % 2 ** 31;
      }
      const ranked = Array.from(exact.keys()).sort((x, y) => exact[y] - exact[x]);
      const trueTop = ranked.slice(0, TOPK_N).map((rank) => (fmix32(rank ^ offset) >>> 0) % 2 ** 31);
      // Items tied with the n-th count count as hits too.
      const cut = exact[ranked[TOPK_N - 1]];
      const eligible = new Set(ranked.filter((rank) => exact[rank] >= cut).map((rank) => (fmix32(rank ^ offset) >>> 0) % 2 ** 31));
      TOPK_CAPACITIES.forEach((capacity, c) => {
        const sketch = new TopK({ capacity });
        for (let e = 0; e < TOPK_EVENTS; e++) sketch.add(stream[e]);
        const reported = sketch.top(TOPK_N).map((entry) => entry.item);
        recall[c] += reported.filter((item) => eligible.has(item)).length / TOPK_N;
        order[c] += reported.filter((item, i) => item === trueTop[i]).length / TOPK_N;
      });
    }
    const color = PALETTE[index];
    recallSeries.push({ name: `Zipf s = ${s}`, color, width: 2, marker: true, points: TOPK_CAPACITIES.map((k, c) => [k, recall[c] / TOPK_TRIALS]) });
    orderSeries.push({ name: `Zipf s = ${s}`, color, width: 2, marker: true, points: TOPK_CAPACITIES.map((k, c) => [k, order[c] / TOPK_TRIALS]) });
    results.topk[s] = TOPK_CAPACITIES.map((k, c) => ({ capacity: k, recall: recall[c] / TOPK_TRIALS, order: order[c] / TOPK_TRIALS }));
    log(`topk: s = ${s} done`);
  });
  const common = {
    xLabel: "capacity (counters kept)",
    x: { kind: "log", min: 10, max: 1000 },
    y: { kind: "linear", min: 0, max: 1, percent: true },
    notes: [`${TOPK_TRIALS} trials per skew, N = ${TOPK_EVENTS.toLocaleString("en")} over ${TOPK_UNIVERSE.toLocaleString("en")} items; seed 0x${TOPK_SEED.toString(16)}`],
  };
  writePlot("topk-recall.svg", { ...common, title: `TopK: recall of the true top ${TOPK_N} in top(${TOPK_N})`, yLabel: `share of the true top ${TOPK_N} reported`, series: recallSeries });
  writePlot("topk-order.svg", { ...common, title: `TopK: rank agreement of top(${TOPK_N}) with exact counts`, yLabel: "share of positions holding the true item", series: orderSeries });
  log("topk: plots written");
}

// ---------------------------------------------------------------------------
// (e) TDigest: rank error and value error per quantile.
// ---------------------------------------------------------------------------
const TDIGEST_COMPRESSIONS = [100, 200];
const TDIGEST_VALUES = 1_000_000;
const TDIGEST_TRIALS = trials(10);
const TDIGEST_SEED = 0x5eed0005;
const TDIGEST_QS = [1e-4, 1e-3, 0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 0.9999];

if (only.has("tdigest")) {
  const distributions = [
    // On [1, 2), so that the relative value error is meaningful at every quantile.
    { name: "uniform [1, 2)", draw: (u) => 1 + u() },
    {
      name: "log-normal",
      // Box–Muller; exp(N(0, 1)), a latency-like right tail.
      draw: (u) => Math.exp(Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u())),
    },
  ];
  const rankSeries = [];
  const valueSeries = [];
  results.tdigest = {};
  let index = 0;
  for (const distribution of distributions) {
    const random = mulberry32(TDIGEST_SEED + index);
    const u = () => (random() + 0.5) / 4294967296;
    const rank = TDIGEST_COMPRESSIONS.map(() => TDIGEST_QS.map(() => []));
    const value = TDIGEST_COMPRESSIONS.map(() => TDIGEST_QS.map(() => []));
    for (let t = 0; t < TDIGEST_TRIALS; t++) {
      const data = new Float64Array(TDIGEST_VALUES);
      for (let i = 0; i < data.length; i++) data[i] = distribution.draw(u);
      const digests = TDIGEST_COMPRESSIONS.map((compression) => new TDigest({ compression }));
      for (let i = 0; i < data.length; i++) for (const digest of digests) digest.add(data[i]);
      const sorted = data.slice().sort();
      // Mid-rank of x in the data: (#{< x} + #{<= x}) / 2N.
      const rankOf = (x) => {
        let lo = 0;
        let hi = sorted.length;
        while (lo < hi) {
          const mid = (lo + hi) >>> 1;
          if (sorted[mid] < x) lo = mid + 1;
          else hi = mid;
        }
        let end = lo;
        while (end < sorted.length && sorted[end] === x) end++;
        return (lo + end) / 2 / sorted.length;
      };
      digests.forEach((digest, d) => {
        if (api.tdigestTotalWeight(digest) !== TDIGEST_VALUES) throw new Error("TDigest lost weight");
        TDIGEST_QS.forEach((q, j) => {
          const estimate = digest.quantile(q);
          const truth = quantileOf(sorted, q);
          rank[d][j].push(Math.abs(rankOf(estimate) - q));
          value[d][j].push(Math.abs(estimate - truth) / Math.abs(truth));
        });
      });
    }
    const mean = (list) => list.reduce((s, x) => s + x, 0) / list.length;
    results.tdigest[distribution.name] = {};
    TDIGEST_COMPRESSIONS.forEach((compression, d) => {
      const color = PALETTE[index * 2 + d];
      const dash = index === 1 ? "6,3" : undefined;
      const label = `${distribution.name}, δ = ${compression}`;
      rankSeries.push({ name: `${label}: mean`, color, width: 2, dash, marker: true, points: TDIGEST_QS.map((q, j) => [q, Math.max(1e-8, mean(rank[d][j]))]) });
      valueSeries.push({ name: `${label}: mean`, color, width: 2, dash, marker: true, points: TDIGEST_QS.map((q, j) => [q, Math.max(1e-8, mean(value[d][j]))]) });
      results.tdigest[distribution.name][compression] = TDIGEST_QS.map((q, j) => ({ q, rank: mean(rank[d][j]), rankMax: Math.max(...rank[d][j]), value: mean(value[d][j]), valueMax: Math.max(...value[d][j]) }));
    });
    log(`tdigest: ${distribution.name} done`);
    index++;
  }
  const common = {
    xLabel: "quantile q (logit scale)",
    x: { kind: "logit", ticks: TDIGEST_QS },
    notes: [`${TDIGEST_TRIALS} trials × ${TDIGEST_VALUES.toLocaleString("en")} values; seed 0x${TDIGEST_SEED.toString(16)}`],
  };
  writePlot("tdigest-rank-error.svg", { ...common, title: "TDigest: rank error |F(quantile(q)) − q|", yLabel: "absolute rank error", y: { kind: "log", min: 1e-7, max: 1e-2 }, series: rankSeries });
  writePlot("tdigest-value-error.svg", { ...common, title: "TDigest: value error |quantile(q) − x_q| / |x_q|", yLabel: "relative value error", y: { kind: "log", min: 1e-7, max: 1e-1, percent: true }, series: valueSeries });
  log("tdigest: plots written");
}

writeFileSync(path.join(outDir, "characterize.json"), JSON.stringify({ scale, only: [...only], seconds: Math.round((performance.now() - started) / 1000), results }, null, 1) + "\n");
log("done");

// ---------------------------------------------------------------------------
// SVG line charts, written by hand (no dependency).
// ---------------------------------------------------------------------------
function writePlot(file, spec) {
  writeFileSync(path.join(outDir, file), lineChart(spec));
}

function lineChart({ title, xLabel, yLabel, x, y, series, guides = [], notes = [] }) {
  const width = 760;
  const plotH = 360;
  const left = 78;
  const right = 20;
  const top = 44;
  const legendRows = Math.ceil(series.filter((s) => s.name).length / 2);
  const height = top + plotH + 62 + legendRows * 16 + notes.length * 14 + 8;
  const plotW = width - left - right;
  const fx = axis(x, left, left + plotW);
  const fy = axis(y, top + plotH, top);
  const esc = (s) => String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  const out = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="12">`);
  out.push(`<rect width="${width}" height="${height}" fill="#fff"/>`);
  out.push(`<text x="${width / 2}" y="24" text-anchor="middle" font-size="15" font-weight="bold">${esc(title)}</text>`);
  // Grid and ticks.
  for (const tick of fx.ticks) {
    const px = fx.map(tick.value).toFixed(1);
    out.push(`<line x1="${px}" y1="${top}" x2="${px}" y2="${top + plotH}" stroke="${tick.minor ? "#f2f2f2" : "#ddd"}"/>`);
    if (!tick.minor) out.push(`<text x="${px}" y="${top + plotH + 16}" text-anchor="middle">${esc(tick.label)}</text>`);
  }
  for (const tick of fy.ticks) {
    const py = fy.map(tick.value).toFixed(1);
    out.push(`<line x1="${left}" y1="${py}" x2="${left + plotW}" y2="${py}" stroke="${tick.minor ? "#f2f2f2" : "#ddd"}"/>`);
    if (!tick.minor) out.push(`<text x="${left - 6}" y="${(Number(py) + 4).toFixed(1)}" text-anchor="end">${esc(y.percent ? percentLabel(tick.value) : tick.label)}</text>`);
  }
  if (y.kind === "linear" && y.min < 0 && y.max > 0) {
    out.push(`<line x1="${left}" y1="${fy.map(0).toFixed(1)}" x2="${left + plotW}" y2="${fy.map(0).toFixed(1)}" stroke="#999"/>`);
  }
  for (const guide of guides) {
    if (guide.x !== undefined) {
      const px = fx.map(guide.x).toFixed(1);
      out.push(`<line x1="${px}" y1="${top}" x2="${px}" y2="${top + plotH}" stroke="#000" stroke-dasharray="3,3"/>`);
      out.push(`<text x="${Number(px) + 4}" y="${top + 12}">${esc(guide.label)}</text>`);
    } else {
      const py = fy.map(guide.y).toFixed(1);
      out.push(`<line x1="${left}" y1="${py}" x2="${left + plotW}" y2="${py}" stroke="#000" stroke-dasharray="3,3"/>`);
      out.push(`<text x="${left + plotW - 4}" y="${Number(py) - 4}" text-anchor="end">${esc(guide.label)}</text>`);
    }
  }
  out.push(`<rect x="${left}" y="${top}" width="${plotW}" height="${plotH}" fill="none" stroke="#333"/>`);
  // Series, clipped to the plot area.
  out.push(`<clipPath id="plot"><rect x="${left}" y="${top}" width="${plotW}" height="${plotH}"/></clipPath>`);
  out.push(`<g clip-path="url(#plot)" fill="none">`);
  for (const s of series) {
    const points = s.points.filter(([px, py]) => Number.isFinite(fx.map(px)) && Number.isFinite(fy.map(py)));
    if (points.length === 0) continue;
    const d = points.map(([px, py], i) => `${i === 0 ? "M" : "L"}${fx.map(px).toFixed(1)},${fy.map(py).toFixed(1)}`).join("");
    out.push(`<path d="${d}" stroke="${s.color}" stroke-width="${s.width ?? 1.3}"${s.dash ? ` stroke-dasharray="${s.dash}"` : ""}/>`);
    if (s.marker) for (const [px, py] of points) out.push(`<circle cx="${fx.map(px).toFixed(1)}" cy="${fy.map(py).toFixed(1)}" r="2.5" fill="${s.color}"/>`);
  }
  out.push(`</g>`);
  // Legend, in two columns under the plot.
  const named = series.filter((s) => s.name);
  named.forEach((s, i) => {
    const lx = left + (i % 2) * (plotW / 2);
    const ly = top + plotH + 62 + Math.floor(i / 2) * 16;
    out.push(`<line x1="${lx}" y1="${ly - 4}" x2="${lx + 26}" y2="${ly - 4}" stroke="${s.color}" stroke-width="${s.width ?? 1.3}"${s.dash ? ` stroke-dasharray="${s.dash}"` : ""}/>`);
    if (s.marker) out.push(`<circle cx="${lx + 13}" cy="${ly - 4}" r="2.5" fill="${s.color}"/>`);
    out.push(`<text x="${lx + 32}" y="${ly}">${esc(s.name)}</text>`);
  });
  const legendH = Math.ceil(named.length / 2) * 16;
  // Axis labels and notes.
  out.push(`<text x="${left + plotW / 2}" y="${top + plotH + 38}" text-anchor="middle" font-size="13">${esc(xLabel)}</text>`);
  out.push(`<text transform="translate(18 ${top + plotH / 2}) rotate(-90)" text-anchor="middle" font-size="13">${esc(yLabel)}</text>`);
  notes.forEach((note, i) => out.push(`<text x="${left}" y="${top + plotH + 66 + legendH + i * 14}" fill="#555" font-size="11">${esc(note)}</text>`));
  out.push(`</svg>`);
  return out.join("\n") + "\n";
}

function percentLabel(v) {
  if (v === 0) return "0";
  const p = v * 100;
  const abs = Math.abs(p);
  const digits = abs >= 1 ? (Number.isInteger(p) ? 0 : 1) : Math.min(6, Math.ceil(-Math.log10(abs)) + 1);
  return `${p.toFixed(digits).replace(/(\.\d*?)0+$/, "$1").replace(/\.$/, "")} %`;
}

/** An axis: value -> pixel, and its ticks. */
function axis(spec, from, to) {
  if (spec.kind === "log") {
    const lo = Math.log10(spec.min);
    const hi = Math.log10(spec.max);
    const map = (v) => (v > 0 ? from + ((Math.log10(v) - lo) / (hi - lo)) * (to - from) : NaN);
    const ticks = [];
    for (let e = Math.floor(lo); e <= Math.ceil(hi); e++) {
      for (let k = 1; k < 10; k++) {
        const value = k * 10 ** e;
        if (value < spec.min * 0.999 || value > spec.max * 1.001) continue;
        ticks.push({ value, minor: k !== 1, label: e >= 0 && e <= 4 ? String(10 ** e) : `1e${e}` });
      }
    }
    return { map, ticks };
  }
  if (spec.kind === "logit") {
    const logit = (q) => Math.log10(q / (1 - q));
    const lo = logit(spec.ticks[0]);
    const hi = logit(spec.ticks[spec.ticks.length - 1]);
    const pad = (hi - lo) * 0.03;
    const map = (q) => from + ((logit(q) - lo + pad) / (hi - lo + 2 * pad)) * (to - from);
    return { map, ticks: spec.ticks.map((value) => ({ value, label: String(value) })) };
  }
  const span = spec.max - spec.min;
  const map = (v) => from + ((v - spec.min) / span) * (to - from);
  const raw = span / 8;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((f) => f * magnitude).find((s) => s >= raw);
  const ticks = [];
  for (let v = Math.ceil(spec.min / step) * step; v <= spec.max + step * 1e-9; v += step) {
    const value = Math.abs(v) < step * 1e-9 ? 0 : v;
    ticks.push({ value, label: String(Number(value.toPrecision(6))) });
  }
  return { map, ticks };
}
