// A seeded synthetic stream of ComplianceEvent objects (papertrail/compliance)
// for the monitor's benchmark and tests: users, IPs, sessions and systems with
// Zipf-skewed activity, a mix of event kinds (logins with some failures, file
// accesses, API calls, transactions with amounts), events slightly out of
// order, and one attack inside: a burst of failed logins from one IP against
// many users of one system (brute force / password spraying).
//
// Plain JavaScript (bench scripts run under node without a compiler); types
// for the tests are in synthetic-stream.d.mts.

/** mulberry32: a small 32-bit PRNG; returns uint32 values. */
function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/** Zipf(s) over ranks 0..n-1 by inverse CDF (a cumulative table and a binary search). */
function zipf(n, s, random) {
  const cdf = new Float64Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) cdf[i] = sum += 1 / (i + 1) ** s;
  for (let i = 0; i < n; i++) cdf[i] /= sum;
  return () => {
    const u = random() / 4294967296;
    let low = 0;
    let high = n - 1;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (cdf[mid] > u) high = mid;
      else low = mid + 1;
    }
    return low;
  };
}

const SYSTEM_NAMES = ["prod_db", "billing", "hr", "crm", "payments", "wiki", "ci", "vpn", "mail", "warehouse"];
const KINDS = ["file_access", "file_access", "file_access", "api_call", "api_call", "login", "login", "transaction"];

/**
 * Creates a seeded stream. `next(n)` returns the next `n` events (one array,
 * fresh objects, all of one shape); the stream carries on from there.
 *
 * Options (all optional): seed (1), start (epoch ms, 2026-01-05T00:00Z),
 * eventsPerSecond of event time (50), users (20000), ips (5000), systems (10),
 * userSkew / systemSkew (Zipf exponents, 1.1 / 0.8), disorderMs (events up to
 * this much before their slot, 60000), failureRate of logins (0.05), and
 * attack: { at (event index), count (400), ip ("203.0.113.66"), system
 * ("billing"), spreadMs (300000) } or null for a clean stream.
 */
export function createSyntheticStream(options = {}) {
  const seed = options.seed ?? 1;
  const start = options.start ?? Date.UTC(2026, 0, 5);
  const perSecond = options.eventsPerSecond ?? 50;
  const userCount = options.users ?? 20_000;
  const ipCount = options.ips ?? 5_000;
  const systemCount = options.systems ?? 10;
  const disorder = options.disorderMs ?? 60_000;
  const failureRate = options.failureRate ?? 0.05;
  const attack = options.attack === null ? null : { at: 100_000, count: 400, ip: "203.0.113.66", system: "billing", spreadMs: 300_000, ...(options.attack ?? {}) };
  const random = mulberry32(seed);
  const userRank = zipf(userCount, options.userSkew ?? 1.1, random);
  const systemRank = zipf(systemCount, options.systemSkew ?? 0.8, random);
  // A JSON round trip makes every name a flat string, as names read off a socket are.
  const users = JSON.parse(JSON.stringify(Array.from({ length: userCount }, (_, i) => `user-${i}@corp.example`)));
  const ips = JSON.parse(JSON.stringify(Array.from({ length: ipCount }, (_, i) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`)));
  const systems = Array.from({ length: systemCount }, (_, i) => (i < SYSTEM_NAMES.length ? SYSTEM_NAMES[i] : `system-${i}`));
  // Each user works from a home IP most of the time, and has a session per day.
  const homeIp = Uint32Array.from({ length: userCount }, () => random() % ipCount);
  const sessions = new Map();
  const sessionOf = (user, day) => {
    const key = user * 4096 + day;
    let session = sessions.get(key);
    if (session === undefined) {
      if (sessions.size > 200_000) sessions.clear();
      session = `s-${user.toString(36)}-${day}`;
      sessions.set(key, session);
    }
    return session;
  };
  let index = 0;
  let attackLeft = attack === null ? 0 : attack.count;
  let attackUser = 0;
  const attackStride = attack === null ? 1 : Math.max(1, Math.floor((attack.spreadMs * perSecond) / 1000 / attack.count));

  const event = (kind, time, user, system, ip, session, outcome, value, id) => ({
    kind,
    time,
    user,
    system,
    ip,
    session,
    status: outcome === "failure" ? "failed" : outcome === "success" ? "ok" : undefined,
    outcome,
    level: undefined,
    message: undefined,
    value,
    metrics: undefined,
    id,
    raw: undefined,
  });

  function one() {
    const i = index++;
    const slot = start + Math.floor((i * 1000) / perSecond);
    const time = slot - (random() % (disorder + 1));
    const id = `evt-${i}`;
    if (attack !== null && attackLeft > 0 && i >= attack.at && (i - attack.at) % attackStride === 0) {
      // The attack: failed logins from one IP, each against another user,
      // evenly over spreadMs of event time (every attackStride-th event).
      attackLeft--;
      const user = users[attackUser++ % userCount];
      return event("login", time, user, attack.system, attack.ip, undefined, "failure", undefined, id);
    }
    const u = userRank();
    const user = users[u];
    const system = systems[systemRank()];
    const ip = random() % 10 === 0 ? ips[random() % ipCount] : ips[homeIp[u]];
    const kind = KINDS[random() % KINDS.length];
    const session = sessionOf(u, Math.floor(time / 86_400_000));
    if (kind === "login") {
      const outcome = random() / 4294967296 < failureRate ? "failure" : "success";
      return event(kind, time, user, system, ip, outcome === "success" ? session : undefined, outcome, undefined, id);
    }
    if (kind === "transaction") {
      // Log-normal-ish amounts: exp of a sum of uniforms (median about 150).
      const z = (random() + random() + random() - 3 * 2147483648) / 2147483648;
      return event(kind, time, user, system, ip, session, "success", Math.round(150 * Math.exp(1.2 * z) * 100) / 100, id);
    }
    return event(kind, time, user, system, ip, session, "success", undefined, id);
  }

  return {
    /** The next `n` events. */
    next(n) {
      const out = new Array(n);
      for (let k = 0; k < n; k++) out[k] = one();
      return out;
    },
    /** Events produced so far. */
    get produced() {
      return index;
    },
    /** The attack's parameters (null for a clean stream). */
    attack,
  };
}
