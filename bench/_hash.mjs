import { HashedKey } from "papertrail/hashing";
const USERS = 50000;
const names = JSON.parse(JSON.stringify(Array.from({ length: USERS }, (_, i) => `user-${i}@corp.example`)));
let seed = 1; const rnd = () => ((seed = Math.imul(seed, 1103515245) + 12345 >>> 0) / 2 ** 32);
const ids = new Uint32Array(1e6); for (let i = 0; i < 1e6; i++) ids[i] = Math.floor(rnd() ** 2 * USERS);
const seq = new Uint32Array(1e6); for (let i = 0; i < 1e6; i++) seq[i] = i % 64;
const key = new HashedKey();
function run(idx) { const s = performance.now(); let x = 0; for (let i = 0; i < 1e6; i++) x ^= key.set(names[idx[i]]).lo; return [performance.now() - s, x]; }
for (const [n, idx] of [["random", ids], ["64 hot", seq], ["random", ids], ["64 hot", seq]]) { const r = []; for (let i = 0; i < 7; i++) r.push(run(idx)[0]); r.sort((a, b) => a - b); console.log(n, r[3].toFixed(0), "ns/hash"); }
