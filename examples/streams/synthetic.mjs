// A seeded synthetic stream in the shapes of the systems PaperTrail learns
// from: logins in the compliance API shape (with a brute-force attack and a
// password spray inside), application logs (with an error spike), service
// metrics (with a CPU and latency incident), transactions (with a large one
// and a burst), CloudTrail-like events, and duplicates (the same event id
// sent twice). Records come out sorted by time, as raw JSON objects ready to
// POST to /api/v1/events or to produce to a log.
//
// The same seed gives the same records. `scenario` lists what was planted
// where, for tests that check the rules fire.

/** A small, fast PRNG (mulberry32). */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const SYSTEMS = ["prod_db", "billing", "vpn", "hr", "crm"];
export const SERVICES = ["api", "payments", "search"];
export const ATTACKER_BRUTE_FORCE = "203.0.113.66";
export const ATTACKER_SPRAY = "198.51.100.23";

/**
 * @param {{ seed?: number, start?: number, minutes?: number, loginsPerMinute?: number, users?: number, duplicateRate?: number }} [options]
 */
export function generateStream(options = {}) {
  const seed = options.seed ?? 1;
  const minutes = options.minutes ?? 60;
  const start = options.start ?? Math.floor((Date.now() - minutes * 60_000) / 60_000) * 60_000;
  const loginsPerMinute = options.loginsPerMinute ?? 300;
  const userCount = options.users ?? 2000;
  const duplicateRate = options.duplicateRate ?? 0.01;
  const random = prng(seed);
  const pick = (list) => list[Math.floor(random() * list.length)];
  // Zipf-like activity: user i with weight 1/(i+1).
  const zipfUser = () => `user${Math.floor(Math.exp(random() * Math.log(userCount + 1))) - 1}`;
  const homeIp = (user) => {
    const n = Number(user.slice(4));
    return `10.${(n >> 8) & 255}.${n & 255}.${(n * 7) % 250 + 1}`;
  };
  const iso = (t) => new Date(t).toISOString();
  const records = [];
  let nextId = 1;
  const id = () => `evt-${seed}-${nextId++}`;
  const at = (minute) => start + Math.floor(minute * 60_000);
  const mid = Math.max(1, Math.floor(minutes / 2));
  const incidentMinute = mid + 8;

  // Logins, file access and queries by ordinary users.
  for (let m = 0; m < minutes; m++) {
    for (let i = 0; i < loginsPerMinute; i++) {
      const user = zipfUser();
      const kind = random() < 0.6 ? "login" : pick(["file_access", "query", "logout"]);
      const failed = kind === "login" && random() < 0.01;
      records.push({
        event_type: kind,
        event_id: id(),
        user_id: user,
        system: pick(SYSTEMS),
        timestamp: iso(at(m + random())),
        metadata: { ip: homeIp(user), status: failed ? "failed" : "success", session_id: `s-${user}-${m >> 4}` },
      });
    }
  }
  // Application logs, metrics every 10 s per service, transactions.
  for (let m = 0; m < minutes; m++) {
    for (let i = 0; i < 20; i++) {
      const level = random() < 0.9 ? "INFO" : "WARN";
      records.push({ level, message: level === "INFO" ? "request served" : "slow response", user: zipfUser(), service: pick(SERVICES), timestamp: iso(at(m + random())) });
    }
    for (const service of SERVICES) {
      // During the incident, the api's samples are the incident's (below).
      if (service === "api" && m >= incidentMinute && m < incidentMinute + 2) continue;
      for (let s = 0; s < 6; s++) {
        records.push({ service, cpu: Math.round((30 + random() * 30) * 10) / 10, latency_ms: Math.round(50 + random() * 150), timestamp: at(m + s / 6) });
      }
    }
    for (let i = 0; i < 5; i++) {
      records.push({ user: zipfUser(), amount: Math.round(Math.exp(3 + random() * 3) * 100) / 100, timestamp: iso(at(m + random())) });
    }
    if (m % 2 === 0) {
      records.push({ EventType: pick(["ConsoleLogin", "AssumeRole", "GetObject", "PutObject"]), EventId: id(), RoleId: `role-${Math.floor(random() * 20)}`, TimestampUTC: iso(at(m + random())), AffectedAssets: [pick(SYSTEMS)] });
    }
  }

  // The attacks, in the middle of the stream.
  const scenario = {};
  // Brute force: 12 failed logins on vpn from one IP within 2 minutes.
  scenario.bruteForce = { ip: ATTACKER_BRUTE_FORCE, from: at(mid), failures: 12 };
  for (let i = 0; i < 12; i++) {
    records.push({ event_type: "login", event_id: id(), user_id: "admin", system: "vpn", timestamp: iso(at(mid + i / 6)), metadata: { ip: ATTACKER_BRUTE_FORCE, status: "failed" } });
  }
  // Password spray: one IP fails against 25 distinct users on prod_db within 8 minutes.
  scenario.passwordSpray = { ip: ATTACKER_SPRAY, from: at(mid + 2), users: 25 };
  for (let i = 0; i < 25; i++) {
    records.push({ event_type: "login", event_id: id(), user_id: `user${i * 37}`, system: "prod_db", timestamp: iso(at(mid + 2 + (i * 8) / 25)), metadata: { ip: ATTACKER_SPRAY, status: "failed" } });
  }
  // Error spike: 30 ERROR logs on payments within 2 minutes.
  scenario.errorSpike = { service: "payments", from: at(mid + 5), errors: 30 };
  for (let i = 0; i < 30; i++) {
    records.push({ level: "ERROR", message: "payment failed: unauthorized", user: "svc-payments", service: "payments", timestamp: iso(at(mid + 5 + i / 15)) });
  }
  // Incident: CPU >= 85 % and latency > 1000 ms on api for 2 minutes.
  scenario.incident = { service: "api", from: at(incidentMinute) };
  for (let s = 0; s < 12; s++) {
    records.push({ service: "api", cpu: 85 + (s % 10), latency_ms: 1200 + s * 50, timestamp: at(incidentMinute + s / 6) });
  }
  // A large transaction, and a user making 15 transactions in 4 minutes.
  scenario.largeTransaction = { user: "user7", amount: 25_000 };
  records.push({ user: "user7", amount: 25_000, timestamp: iso(at(mid + 3)) });
  scenario.transactionBurst = { user: "user11", count: 15 };
  for (let i = 0; i < 15; i++) records.push({ user: "user11", amount: 49.99, timestamp: iso(at(mid + 10 + (i * 4) / 15)) });

  // Duplicates: the same event id sent again a little later.
  const withIds = records.filter((r) => r.event_id !== undefined);
  const duplicates = Math.floor(withIds.length * duplicateRate);
  scenario.duplicates = duplicates;
  for (let i = 0; i < duplicates; i++) {
    const original = withIds[Math.floor(random() * withIds.length)];
    records.push({ ...original, timestamp: original.timestamp });
  }

  const timeOf = (r) => (typeof r.timestamp === "number" ? r.timestamp : Date.parse(r.timestamp ?? r.TimestampUTC));
  records.sort((a, b) => timeOf(a) - timeOf(b));
  return { records, scenario, start, end: at(minutes) };
}
