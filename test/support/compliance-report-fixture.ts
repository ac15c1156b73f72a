// The hand-built inputs of the compliance report tests: a snapshot of two
// systems, alerts of every severity around a one-day period (two outside
// it), and a checkpoint whose note carries a signature line.
import type { Alert, ComplianceSnapshot, ReportCheckpoint, Severity } from "../../src/compliance/index.js";

export const HOUR = 3_600_000;
export const FROM = Date.UTC(2026, 0, 5);
export const TO = FROM + 24 * HOUR;
export const period = { from: FROM, to: TO };

export function alert(fields: Partial<Alert> & { ruleId: string; severity: Severity; firstTime: number }): Alert {
  return {
    id: `${fields.ruleId}:${fields.groupKey ?? ""}:${fields.firstTime}`,
    type: "alert",
    title: fields.ruleId.toUpperCase(),
    groupKey: "",
    group: {},
    system: undefined,
    user: undefined,
    window: { from: fields.firstTime, to: fields.firstTime + HOUR },
    count: 1,
    value: undefined,
    lastTime: fields.firstTime,
    suppressed: 0,
    message: `${fields.ruleId} fired`,
    evidence: [],
    tags: [],
    ...fields,
  };
}

export const snapshot: ComplianceSnapshot = {
  period,
  generatedAt: TO + 5,
  pseudonymized: true,
  systems: [
    {
      system: "vpn",
      covered: { from: FROM, to: TO },
      events: 12,
      distinct: { users: { estimate: 3, lower: 3, upper: 3, confidence: 1 } },
      top: {},
      frequencies: { status: { "404": 2, "200": 9, "500": 2 } },
      stats: { bytes: { count: 0, mean: Number.NaN, stddev: Number.NaN, min: Number.POSITIVE_INFINITY, max: Number.NEGATIVE_INFINITY, quantiles: {} } },
    },
    {
      system: "auth",
      covered: { from: FROM - HOUR, to: TO },
      events: 5000,
      distinct: {
        users: { estimate: 1000, lower: 975, upper: 1025, confidence: 0.95 },
        ips: { estimate: 40, lower: 39, upper: 41, confidence: 0.95 },
      },
      top: { ips: [{ item: "203.0.113.7", count: 412, error: 3 }, { item: "198.51.100.2", count: 100, error: 3 }] },
      frequencies: {},
      stats: { latency: { count: 3, mean: 20, stddev: 10, min: 10, max: 30, quantiles: { "0.99": 30, "0.5": 20 } } },
    },
  ],
};

export const alerts: Alert[] = [
  alert({ ruleId: "brute-force", severity: "high", firstTime: FROM + HOUR, lastTime: FROM + HOUR + 60_000, groupKey: "203.0.113.7", system: "auth", count: 5 }),
  alert({ ruleId: "brute-force", severity: "high", firstTime: FROM + 2 * HOUR, groupKey: "198.51.100.2", system: "auth" }),
  alert({ ruleId: "brute-force", severity: "high", type: "summary", firstTime: FROM + 3 * HOUR, lastTime: FROM + 4 * HOUR, suppressed: 4312, title: "Brute force (renamed)" }),
  alert({ ruleId: "root-login", severity: "critical", firstTime: FROM + 5 * HOUR, user: "root", system: "db" }),
  alert({ ruleId: "off-hours", severity: "low", firstTime: FROM + 6 * HOUR, value: 3.5 }),
  alert({ ruleId: "off-hours", severity: "medium", firstTime: FROM + 7 * HOUR }),
  // Fired before the period (lastTime < from) and at its end (lastTime = to: half-open): both left out.
  alert({ ruleId: "root-login", severity: "critical", firstTime: FROM - 2 * HOUR, lastTime: FROM - 1 }),
  alert({ ruleId: "stale", severity: "informational", firstTime: TO - 10, lastTime: TO }),
  // Started before the period, fired inside: in.
  alert({ ruleId: "slow-scan", severity: "informational", firstTime: FROM - HOUR, lastTime: FROM }),
];

export const root = new Uint8Array(32).map((_, i) => i * 7);
export const rootBase64 = btoa(String.fromCharCode(...root));
export const checkpoint: ReportCheckpoint = {
  origin: "audit.example.com/log",
  size: 42,
  root,
  note: `audit.example.com/log\n42\n${rootBase64}\n\n\u2014 audit.example.com/log Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n`,
};
