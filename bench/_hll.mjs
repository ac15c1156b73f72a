const D = process.env.DIST ?? "/work/main/dist";
const { HashedKey } = await import(D + "/hashing/index.js");
const { HyperLogLog, BloomFilter, CountMinSketch } = await import(D + "/sketches/index.js");
const USERS = 50000; const his = new Uint32Array(USERS), los = new Uint32Array(USERS); const key = new HashedKey();
for (let i = 0; i < USERS; i++) { key.set(`user-${i}@corp.example`); his[i] = key.hi; los[i] = key.lo; }
let seed = 1; const rnd = () => ((seed = Math.imul(seed, 1103515245) + 12345 >>> 0) / 2 ** 32);
const ids = new Uint32Array(1e6); for (let i = 0; i < 1e6; i++) ids[i] = Math.floor(rnd() ** 2 * USERS);
const PER = +process.argv[3] || 140; const kind = process.argv[2] ?? "h";
const make = kind === "h" ? () => new HyperLogLog() : kind === "b" ? () => new BloomFilter({ capacity: 2000, falsePositiveRate: 0.01 }) : () => new CountMinSketch({ width: 272, depth: 3 });
function run() { const s = performance.now(); let keep = new Array(1700); let sk; let n = 0;
  for (let i = 0; i < 1e6; i++) { if (i % PER === 0) { sk = make(); keep[n++ % 1700] = sk; } const u = ids[i]; key.hi = his[u]; key.lo = los[u]; sk.addHashed(key); }
  return performance.now() - s; }
const r = []; for (let i = 0; i < 9; i++) r.push(run()); r.sort((a,b)=>a-b); console.log(kind, "per", PER, "median", r[4].toFixed(0), "ns/event");
