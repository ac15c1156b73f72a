// Seeded workloads shared by the benchmarks, so figures compare across runs
// and across benchmark files.

/** mulberry32: a small 32-bit PRNG; returns uint32 values. */
export function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/** `count` + `absentCount` distinct keys, alternating "user-123456" and "192.168.3.7"-style. */
export function makeKeys(count, absentCount, seed) {
  const next = mulberry32(seed);
  const seen = new Set();
  const all = [];
  while (all.length < count + absentCount) {
    const key =
      all.length % 2 === 0
        ? `user-${100000 + (next() % 900000)}`
        : `${next() & 255}.${next() & 255}.${next() & 255}.${next() & 255}`;
    if (seen.has(key)) continue;
    seen.add(key);
    all.push(key);
  }
  // Template literals of 13+ chars can be cons strings; a JSON round trip
  // makes every key a flat one-byte string, as keys read off a socket are.
  const flat = JSON.parse(JSON.stringify(all));
  return { keys: flat.slice(0, count), absent: flat.slice(count) };
}

/**
 * A Zipf(s) sampler over ranks 0..universe-1 (rank r with probability
 * proportional to (r + 1)^-s; s = 0 is uniform), by inverse CDF: call it
 * with a source of 32-bit unsigned random integers.
 */
export function zipfSampler(universe, s) {
  const cdf = new Float64Array(universe);
  let total = 0;
  for (let r = 0; r < universe; r++) cdf[r] = total += s === 0 ? 1 : Math.pow(r + 1, -s);
  return (random) => {
    const u = ((random() + 0.5) / 4294967296) * total;
    let lo = 0;
    let hi = universe - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cdf[mid] < u) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

/** `events` Zipf(s) ranks 0..universe-1 from a seeded generator. */
export function makeZipfRanks(events, universe, s, seed) {
  const sample = zipfSampler(universe, s);
  const next = mulberry32(seed);
  const ranks = new Int32Array(events);
  for (let e = 0; e < events; e++) ranks[e] = sample(next);
  return ranks;
}

/**
 * The windows benchmark's events: 1,000,000 events over 30 days from
 * 2025-01-01 with up to 2 minutes of disorder (within the default 5-minute
 * lateness), skewed over 10 systems and 50,000 users. Returns the event
 * times, system numbers and user numbers as typed arrays.
 */
export function windowsWorkload() {
  const EVENTS = 1_000_000;
  const SYSTEMS = 10;
  const USERS = 50_000;
  const SPAN = 30 * 86_400_000;
  const START = Date.UTC(2025, 0, 1);
  const random = mulberry32(42);
  const times = new Float64Array(EVENTS);
  const systems = new Uint8Array(EVENTS);
  const userIds = new Uint32Array(EVENTS);
  for (let i = 0; i < EVENTS; i++) {
    times[i] = START + Math.floor((i / EVENTS) * SPAN) - (random() % 120_000);
    systems[i] = Math.floor(((random() / 2 ** 32) ** 1.3) * SYSTEMS);
    userIds[i] = Math.floor(((random() / 2 ** 32) ** 2) * USERS);
  }
  return { events: EVENTS, systems: SYSTEMS, users: USERS, times, systemOf: systems, userOf: userIds };
}

/** `count` UUID-shaped ids (36 characters) from mulberry32(`seed`), made flat strings as if read off a socket. */
export function uuids(count, seed) {
  const next = mulberry32(seed);
  const hex = (bits) => next().toString(16).padStart(8, "0").slice(0, bits / 4);
  const ids = [];
  for (let i = 0; i < count; i++) ids.push(`${hex(32)}-${hex(16)}-4${hex(12)}-a${hex(12)}-${hex(32)}${hex(16)}`);
  return JSON.parse(JSON.stringify(ids));
}
