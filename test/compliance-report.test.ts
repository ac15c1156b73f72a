// Compliance reports as JSON and CSV: the report's content against a
// hand-built snapshot and alert list (counts by rule and severity checked
// exactly), input validation naming the field, and the CSV read back with a
// small strict RFC 4180 parser written here (round trip under fast-check,
// with fields full of commas, quotes and line breaks).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type ComplianceSnapshot,
  InvalidArgumentError,
  buildComplianceReport,
  complianceReportToCsv,
} from "../src/compliance/index.js";
import { type CsvCell, REPORT_CSV_COLUMNS, complianceReportRows } from "../src/compliance/report-csv.js";
import { FROM, HOUR, TO, alert, alerts, checkpoint, period, rootBase64, snapshot } from "./support/compliance-report-fixture.js";

function build(extra: Partial<Parameters<typeof buildComplianceReport>[0]> = {}) {
  return buildComplianceReport({ period, snapshot, alerts, dedup: { checked: 2_000_000, duplicates: 1234, falsePositiveRate: 1e-6 }, checkpoint, generatedAt: TO + 60_000, ...extra });
}

describe("buildComplianceReport", () => {
  it("carries the period, times and the snapshot's systems, sorted and normalized", () => {
    const report = build();
    expect(report.format).toBe("papertrail-compliance-report");
    expect(report.version).toBe(1);
    expect(report.title).toBe("Compliance report");
    expect(report.period).toEqual(period);
    expect(report.generatedAt).toBe(TO + 60_000);
    expect(report.snapshotGeneratedAt).toBe(TO + 5);
    expect(report.pseudonymized).toBe(true);
    expect(report.systems.map((s) => s.system)).toEqual(["auth", "vpn"]);
    const auth = report.systems[0];
    expect(auth?.events).toBe(5000);
    expect(auth?.covered).toEqual({ from: FROM - HOUR, to: TO });
    expect(auth?.distinct).toEqual([
      { metric: "ips", estimate: 40, lower: 39, upper: 41, confidence: 0.95 },
      { metric: "users", estimate: 1000, lower: 975, upper: 1025, confidence: 0.95 },
    ]);
    expect(auth?.top).toEqual([{ metric: "ips", entries: [{ item: "203.0.113.7", count: 412, error: 3 }, { item: "198.51.100.2", count: 100, error: 3 }] }]);
    expect(auth?.stats).toEqual([{ metric: "latency", count: 3, mean: 20, stddev: 10, min: 10, max: 30, quantiles: [{ q: "0.5", value: 20 }, { q: "0.99", value: 30 }] }]);
    const vpn = report.systems[1];
    // Most frequent first, ties by value; numeric-looking values keep that order (an array, not an object).
    expect(vpn?.frequencies).toEqual([{ metric: "status", values: [{ value: "200", count: 9 }, { value: "404", count: 2 }, { value: "500", count: 2 }] }]);
    // Non-finite statistics of an empty metric become null, as JSON would write them.
    expect(vpn?.stats).toEqual([{ metric: "bytes", count: 0, mean: null, stddev: null, min: null, max: null, quantiles: [] }]);
  });

  it("counts alerts by rule and severity exactly, leaving out those outside the period", () => {
    const report = build();
    const a = report.alerts;
    expect(a.outsidePeriod).toBe(2);
    expect(a.total).toEqual({ alerts: 6, summaries: 1, suppressed: 4312, firstTime: FROM - HOUR, lastTime: FROM + 7 * HOUR });
    expect(a.bySeverity).toEqual([
      { severity: "critical", alerts: 1, summaries: 0, suppressed: 0, firstTime: FROM + 5 * HOUR, lastTime: FROM + 5 * HOUR },
      { severity: "high", alerts: 2, summaries: 1, suppressed: 4312, firstTime: FROM + HOUR, lastTime: FROM + 4 * HOUR },
      { severity: "medium", alerts: 1, summaries: 0, suppressed: 0, firstTime: FROM + 7 * HOUR, lastTime: FROM + 7 * HOUR },
      { severity: "low", alerts: 1, summaries: 0, suppressed: 0, firstTime: FROM + 6 * HOUR, lastTime: FROM + 6 * HOUR },
      { severity: "informational", alerts: 1, summaries: 0, suppressed: 0, firstTime: FROM - HOUR, lastTime: FROM },
    ]);
    expect(a.byRule).toEqual([
      { ruleId: "root-login", title: "ROOT-LOGIN", severity: "critical", alerts: 1, summaries: 0, suppressed: 0, firstTime: FROM + 5 * HOUR, lastTime: FROM + 5 * HOUR },
      { ruleId: "brute-force", title: "Brute force (renamed)", severity: "high", alerts: 2, summaries: 1, suppressed: 4312, firstTime: FROM + HOUR, lastTime: FROM + 4 * HOUR },
      { ruleId: "off-hours", title: "OFF-HOURS", severity: "medium", alerts: 2, summaries: 0, suppressed: 0, firstTime: FROM + 6 * HOUR, lastTime: FROM + 7 * HOUR },
      { ruleId: "slow-scan", title: "SLOW-SCAN", severity: "informational", alerts: 1, summaries: 0, suppressed: 0, firstTime: FROM - HOUR, lastTime: FROM },
    ]);
    expect(a.list.map((x) => x.ruleId)).toEqual(["slow-scan", "brute-force", "brute-force", "brute-force", "root-login", "off-hours", "off-hours"]);
    expect(a.omitted).toBe(0);
    expect(a.list[0]).toEqual({
      id: `slow-scan::${FROM - HOUR}`, type: "alert", ruleId: "slow-scan", title: "SLOW-SCAN", severity: "informational", groupKey: "",
      system: null, user: null, firstTime: FROM - HOUR, lastTime: FROM, count: 1, value: null, suppressed: 0, message: "slow-scan fired",
    });
    expect(a.list.find((x) => x.ruleId === "root-login")?.user).toBe("root");
    expect(a.list.find((x) => x.ruleId === "off-hours")?.value).toBe(3.5);
  });

  it("lists at most maxAlerts: the most severe, then the earliest, in chronological order", () => {
    const report = build({ maxAlerts: 3 });
    expect(report.alerts.list.map((x) => `${x.severity}@${(x.firstTime - FROM) / HOUR}`)).toEqual(["high@1", "high@2", "critical@5"]);
    expect(report.alerts.omitted).toBe(4);
    expect(report.alerts.total.alerts + report.alerts.total.summaries).toBe(7);
    expect(build({ maxAlerts: 0 }).alerts.list).toEqual([]);
  });

  it("carries the dedup counters with the false-drop bound, and the checkpoint with its note verbatim", () => {
    const report = build();
    expect(report.dedup).toEqual({ checked: 2_000_000, duplicates: 1234, falsePositiveRate: 1e-6, falseDropsExpectedAtMost: 2 });
    expect(report.checkpoint).toEqual({ origin: "audit.example.com/log", size: 42, root: rootBase64, note: checkpoint.note });
    // Structural inputs: extra fields of the producers' objects are ignored.
    const withExtras = build({ dedup: { checked: 1, duplicates: 0, falsePositiveRate: 0, bytes: 5 } as never, checkpoint: { ...checkpoint, signatures: [] } as never });
    expect(withExtras.dedup?.checked).toBe(1);
    expect(build({ dedup: undefined, checkpoint: undefined }).dedup).toBeNull();
  });

  it("is JSON-safe: a JSON round trip gives the same report", () => {
    const report = build();
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
  });

  it("refuses bad input with InvalidArgumentError naming the field", () => {
    const refuses = (extra: Record<string, unknown>, field: string): void => {
      expect(() => build(extra as never)).toThrow(InvalidArgumentError);
      expect(() => build(extra as never)).toThrow(field);
    };
    refuses({ period: { from: TO, to: FROM } }, "period.from");
    refuses({ period: { from: FROM, to: FROM } }, "period.from must be before period.to");
    refuses({ period: { from: FROM + 0.5, to: TO } }, "period.from");
    refuses({ period: { from: FROM, to: Number.NaN } }, "period.to");
    refuses({ period: { from: FROM, to: TO + HOUR } }, "snapshot.period");
    refuses({ generatedAt: "now" }, "generatedAt");
    refuses({ maxAlerts: -1 }, "maxAlerts");
    refuses({ title: "" }, "title");
    refuses({ colour: "red" }, '"colour"');
    refuses({ alerts: [{ ...alerts[0], severity: "severe" }] }, "alerts[0].severity");
    refuses({ alerts: [alerts[0], { ...alerts[1], lastTime: Number.POSITIVE_INFINITY }] }, "alerts[1].lastTime");
    refuses({ alerts: [{ ...alerts[0], firstTime: TO, lastTime: FROM }] }, "alerts[0].firstTime");
    refuses({ dedup: { checked: 1, duplicates: 2, falsePositiveRate: 0 } }, "dedup.duplicates");
    refuses({ dedup: { checked: 1, duplicates: 0, falsePositiveRate: 1 } }, "dedup.falsePositiveRate");
    refuses({ checkpoint: { ...checkpoint, root: new Uint8Array(31) } }, "checkpoint.root");
    refuses({ checkpoint: { ...checkpoint, size: 41 } }, "checkpoint.note");
    refuses({ checkpoint: { ...checkpoint, note: checkpoint.note.replace(/\n\n.*\n$/s, "\n") } }, "checkpoint.note must hold at least one signature");
    refuses({ checkpoint: { ...checkpoint, origin: "a\nb" } }, "checkpoint.origin");
    const system = snapshot.systems[1];
    const withSystem = (patch: Record<string, unknown>) => ({ snapshot: { ...snapshot, systems: [{ ...system, ...patch }] } });
    refuses(withSystem({ distinct: { users: { estimate: Number.NaN, lower: 0, upper: 0, confidence: 1 } } }), "snapshot.systems[0].distinct.users.estimate");
    refuses(withSystem({ distinct: { users: { estimate: 1, lower: 0, upper: 2, confidence: 2 } } }), "snapshot.systems[0].distinct.users.confidence");
    refuses(withSystem({ top: { ips: [{ item: 7, count: 1, error: 0 }] } }), "snapshot.systems[0].top.ips[0].item");
    refuses(withSystem({ stats: { x: { count: 1, mean: 1, stddev: 0, min: 1, max: 1, quantiles: { half: 1 } } } }), "snapshot.systems[0].stats.x.quantiles");
    refuses({ snapshot: { ...snapshot, systems: [system, system] } }, 'system "auth" twice');
  });
});

// ---------------------------------------------------------------------------
// CSV

/**
 * A strict RFC 4180 reader: records end with CRLF, quoted fields may hold
 * commas, CR, LF and doubled quotes; a quote inside an unquoted field, text
 * after a closing quote or a bare CR or LF outside quotes is an error.
 */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let i = 0;
  if (!text.endsWith("\r\n")) throw new Error("CSV must end with CRLF");
  while (i < text.length) {
    let field = "";
    if (text[i] === '"') {
      i++;
      for (;;) {
        if (i >= text.length) throw new Error("unterminated quoted field");
        if (text[i] === '"') {
          if (text[i + 1] === '"') {
            field += '"';
            i += 2;
          } else {
            i++;
            break;
          }
        } else field += text[i++];
      }
    } else {
      while (i < text.length && text[i] !== "," && text[i] !== "\r" && text[i] !== "\n") {
        if (text[i] === '"') throw new Error(`quote inside an unquoted field at ${i}`);
        field += text[i++];
      }
    }
    record.push(field);
    if (text[i] === ",") i++;
    else if (text.startsWith("\r\n", i)) {
      records.push(record);
      record = [];
      i += 2;
    } else throw new Error(`unexpected ${JSON.stringify(text[i])} at ${i}`);
  }
  return records;
}

/** What a cell reads back as without the formula guard. */
function expectedText(cell: CsvCell): string {
  if (cell === null) return "";
  if (typeof cell === "object") return new Date(cell.time).toISOString();
  return String(cell);
}

describe("parseCsv (the test's own reader)", () => {
  it("reads RFC 4180 §2 examples and refuses malformed input", () => {
    expect(parseCsv('aaa,"b""bb",ccc\r\n"x\r\ny",,\r\n')).toEqual([["aaa", 'b"bb', "ccc"], ["x\r\ny", "", ""]]);
    expect(() => parseCsv('a,b"c\r\n')).toThrow("quote inside");
    expect(() => parseCsv('"a"b\r\n')).toThrow("unexpected");
    expect(() => parseCsv('"a\r\n')).toThrow("unterminated");
    expect(() => parseCsv("a\nb\r\n")).toThrow("unexpected");
  });
});

describe("complianceReportToCsv", () => {
  it("writes the documented lines", () => {
    const csv = complianceReportToCsv(build());
    const lines = csv.split("\r\n");
    expect(lines[0]).toBe("section,system,metric,key,value,lower,upper,confidence");
    expect(lines).toContain("report,,period_from,,2026-01-05T00:00:00.000Z,,,");
    expect(lines).toContain("report,,pseudonymized,,true,,,");
    expect(lines).toContain("system,auth,events,,5000,,,");
    expect(lines).toContain("distinct,auth,users,,1000,975,1025,0.95");
    expect(lines).toContain("top,auth,ips,203.0.113.7,412,409,412,");
    expect(lines).toContain("frequency,vpn,status,200,9,,,");
    expect(lines).toContain("stats,auth,latency,quantile_0.99,30,,,");
    expect(lines).toContain("stats,vpn,bytes,mean,,,,");
    expect(lines).toContain("alerts_by_severity,,high,suppressed,4312,,,");
    expect(lines).toContain("alerts_by_rule,,brute-force,title,Brute force (renamed),,,");
    expect(lines).toContain("alerts,,total,outside_period,2,,,");
    expect(lines).toContain("dedup,,false_positive_rate,,0.000001,,,");
    expect(lines).toContain(`checkpoint,,root,,${rootBase64},,,`);
    // The signed note is one quoted field spanning lines.
    expect(csv).toContain(`checkpoint,,note,,"${checkpoint.note}",,,\r\n`);
  });

  it("reads back, field for field, as the rows it was written from", () => {
    const report = build();
    const parsed = parseCsv(complianceReportToCsv(report, { formulaGuard: false }));
    expect(parsed[0]).toEqual([...REPORT_CSV_COLUMNS]);
    expect(parsed.slice(1)).toEqual(complianceReportRows(report).map((row) => row.map(expectedText)));
    expect(parsed.every((row) => row.length === REPORT_CSV_COLUMNS.length)).toBe(true);
  });

  it("round-trips any text in any field (fast-check: commas, quotes, CR, LF, unicode)", () => {
    const tricky = fc.oneof(
      fc.string({ unit: fc.constantFrom(",", '"', "\r", "\n", "a", " ", "é", "—", "=", "-", "\u0416") }),
      fc.string({ unit: "binary" }),
    );
    fc.assert(
      fc.property(tricky, tricky, tricky, tricky, (item, message, title, user) => {
        const report = buildComplianceReport({
          period,
          title: title.trim() === "" ? "t" : title,
          snapshot: { ...snapshot, systems: [{ ...snapshot.systems[1], top: { [item]: [{ item, count: 1, error: 0 }] } } as ComplianceSnapshot["systems"][number]] },
          alerts: [alert({ ruleId: item, severity: "low", firstTime: FROM, message, user })],
          generatedAt: FROM,
        });
        const parsed = parseCsv(complianceReportToCsv(report, { formulaGuard: false }));
        expect(parsed.slice(1)).toEqual(complianceReportRows(report).map((row) => row.map(expectedText)));
        expect(parsed.find((row) => row[0] === "top")?.[3]).toBe(item);
        expect(parsed.find((row) => row[0] === "alert" && row[3] === "message")?.[4]).toBe(message);
      }),
      { numRuns: 300 },
    );
  });

  it("guards text cells that a spreadsheet would run as formulas, and only text cells", () => {
    const report = build({ alerts: [alert({ ruleId: "r", severity: "low", firstTime: FROM, message: '=HYPERLINK("http://evil.example","x")', user: "-2+3", system: "@sys" })] });
    const rows = parseCsv(complianceReportToCsv(report));
    const field = (key: string) => rows.find((row) => row[0] === "alert" && row[3] === key);
    expect(field("message")?.[4]).toBe(`'=HYPERLINK("http://evil.example","x")`);
    expect(field("user")?.[4]).toBe("'-2+3");
    expect(field("message")?.[1]).toBe("'@sys");
    // A negative number is a number, not a formula: written as is.
    const negative = build({ snapshot: { ...snapshot, systems: [{ ...snapshot.systems[1], distinct: { d: { estimate: -1, lower: -2, upper: 0, confidence: 0.5 } } } as ComplianceSnapshot["systems"][number]] } });
    expect(complianceReportToCsv(negative).split("\r\n")).toContain("distinct,auth,d,,-1,-2,0,0.5");
    expect(() => complianceReportToCsv(report, { guard: false } as never)).toThrow('"guard"');
  });
});
