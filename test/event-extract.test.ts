import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  APP_LOG_SHAPE,
  CLOUDTRAIL_SHAPE,
  COMPLIANCE_API_SHAPE,
  type ComplianceEvent,
  createLogLineShape,
  DEFAULT_OUTCOMES,
  defineEventShape,
  detectShape,
  epochToMillis,
  type EventShape,
  findIpInText,
  findLevelInText,
  formatIp,
  InvalidArgumentError,
  InvalidEventError,
  LOG_LINE_SHAPE,
  METRIC_SHAPE,
  normalizeEvent,
  normalizeEventOrThrow,
  outcomeOf,
  parseIsoTime,
  TRANSACTION_SHAPE,
} from "../src/compliance/index.js";

const FIELDS = ["kind", "time", "user", "system", "ip", "session", "status", "outcome", "level", "message", "value", "metrics", "id", "raw"];
const T = Date.UTC(2026, 0, 5, 9); // 2026-01-05T09:00:00Z = 1767603600000

function ok(record: unknown, shape: EventShape): ComplianceEvent {
  const result = normalizeEvent(record, shape);
  if (!result.ok) throw new Error(`rejected: ${JSON.stringify(result.error)}`);
  // Every field present, in the same order: one hidden class for all events.
  expect(Object.keys(result.event)).toEqual(FIELDS);
  expect(result.event.raw).toBe(record);
  return result.event;
}

function rejected(record: unknown, shape: EventShape): { field: string; expected: string; got: string; source: string } {
  const result = normalizeEvent(record, shape);
  if (result.ok) throw new Error(`accepted: ${JSON.stringify(result.event)}`);
  expect(() => normalizeEventOrThrow(record, shape)).toThrow(InvalidEventError);
  return result.error;
}

describe("shipped shapes", () => {
  it("compliance API: every field, and the errors name the field", () => {
    const record = {
      event_type: "login",
      user_id: "alice",
      system: "billing",
      timestamp: "2026-01-05T09:00:00Z",
      event_id: "e-1",
      metadata: { ip: "203.0.113.7", status: "failed", session_id: "s-9", country: "NL" },
    };
    expect(ok(record, COMPLIANCE_API_SHAPE)).toEqual({
      kind: "login", time: T, user: "alice", system: "billing", ip: "203.0.113.7", session: "s-9", status: "failed",
      outcome: "failure", level: undefined, message: undefined, value: undefined, metrics: undefined, id: "e-1", raw: record,
    });
    const minimal = ok({ event_type: "logout", timestamp: T }, COMPLIANCE_API_SHAPE);
    expect([minimal.time, minimal.user, minimal.ip, minimal.outcome]).toEqual([T, undefined, undefined, undefined]);
    expect(ok({ event_type: "login", user_id: 42, timestamp: T, metadata: { status: 401 } }, COMPLIANCE_API_SHAPE)).toMatchObject({ user: "42", status: "401", outcome: "failure" });

    expect(rejected({ timestamp: T }, COMPLIANCE_API_SHAPE)).toMatchObject({ field: "kind", source: "event_type", expected: "a non-empty string", got: "nothing" });
    expect(rejected({ event_type: "login" }, COMPLIANCE_API_SHAPE)).toMatchObject({ field: "time", source: "timestamp" });
    expect(rejected({ event_type: "login", timestamp: T, metadata: { ip: "10.0.0.256" } }, COMPLIANCE_API_SHAPE)).toMatchObject({ field: "ip", source: "metadata.ip", got: '"10.0.0.256"' });
    expect(rejected({ event_type: "login", timestamp: T, user_id: { name: "x" } }, COMPLIANCE_API_SHAPE)).toMatchObject({ field: "user", expected: "a string", got: "a object" });
    expect(rejected({ event_type: ["login"], timestamp: T }, COMPLIANCE_API_SHAPE)).toMatchObject({ field: "kind", got: "an array" });
    // The first unusable field is the one reported.
    expect(rejected({ event_type: "x", timestamp: "soon", metadata: { ip: "nope" } }, COMPLIANCE_API_SHAPE).field).toBe("time");
  });

  it("CloudTrail-like: first affected asset, UTC without a zone, status and IP fallbacks", () => {
    const record = { EventType: "GetObject", EventId: "ev-7", RoleId: "role/reader", TimestampUTC: "2026-01-05T09:00:00", AffectedAssets: ["bucket-a", "bucket-b"], Status: "Success", SourceIPAddress: "2001:db8::5" };
    expect(ok(record, CLOUDTRAIL_SHAPE)).toMatchObject({ kind: "GetObject", id: "ev-7", user: "role/reader", time: T, system: "bucket-a", status: "Success", outcome: "success", ip: "2001:db8::5" });
    expect(ok({ EventType: "x", TimestampUTC: T, AffectedAssets: "only" }, CLOUDTRAIL_SHAPE).system).toBe("only");
    expect(ok({ EventType: "x", TimestampUTC: T / 1000, AffectedAssets: [] }, CLOUDTRAIL_SHAPE)).toMatchObject({ system: undefined, time: T });
    expect(ok({ EventType: "x", TimestampUTC: T, sourceIPAddress: "ec2.amazonaws.com", errorCode: "AccessDenied" }, CLOUDTRAIL_SHAPE)).toMatchObject({ ip: undefined, outcome: "failure" });
    expect(rejected({ EventType: "x", TimestampUTC: T, AffectedAssets: [{ arn: "a" }] }, CLOUDTRAIL_SHAPE)).toMatchObject({ field: "system", source: "function" });
    expect(rejected({ EventType: "x", TimestampUTC: "2026-01-05" }, CLOUDTRAIL_SHAPE).field).toBe("time");
    expect(rejected({ EventId: "e" }, CLOUDTRAIL_SHAPE).field).toBe("kind");
  });

  it("application logs: kind log, level upper-cased and required", () => {
    const event = ok({ level: "error", message: "payment failed", user: "svc", service: "pay", timestamp: "2026-01-05T10:30:00+01:30" }, APP_LOG_SHAPE);
    expect(event).toMatchObject({ kind: "log", level: "ERROR", message: "payment failed", user: "svc", system: "pay", time: T });
    expect(rejected({ message: "x", timestamp: T }, APP_LOG_SHAPE)).toMatchObject({ field: "level", source: "level" });
    expect(rejected({ level: 3.5e400, timestamp: T }, APP_LOG_SHAPE).field).toBe("level"); // Infinity
  });

  it("metrics: both numbers required, value = latency", () => {
    const event = ok({ service: "api", cpu: "85.5", latency_ms: 1200, timestamp: T }, METRIC_SHAPE);
    expect(event).toMatchObject({ kind: "metric", system: "api", value: 1200, metrics: { cpu: 85.5, latency_ms: 1200 } });
    expect(rejected({ service: "api", latency_ms: 5, timestamp: T }, METRIC_SHAPE)).toMatchObject({ field: "metrics.cpu", expected: "a finite number" });
    expect(rejected({ service: "api", cpu: 1, latency_ms: "fast", timestamp: T }, METRIC_SHAPE)).toMatchObject({ field: "value", got: '"fast"' });
    expect(rejected({ service: "api", cpu: Number.NaN, latency_ms: 1, timestamp: T }, METRIC_SHAPE).field).toBe("metrics.cpu");
  });

  it("transactions: value = amount, user required", () => {
    expect(ok({ user: "ann", amount: 12000, timestamp: T }, TRANSACTION_SHAPE)).toMatchObject({ kind: "transaction", user: "ann", value: 12000, metrics: { amount: 12000 } });
    expect(rejected({ amount: 1, timestamp: T }, TRANSACTION_SHAPE)).toMatchObject({ field: "user" });
    expect(rejected({ user: "ann", amount: "1,000", timestamp: T }, TRANSACTION_SHAPE)).toMatchObject({ field: "value", got: '"1,000"' });
    expect(rejected({ user: "ann", amount: true, timestamp: T }, TRANSACTION_SHAPE)).toMatchObject({ field: "value", got: "boolean true" });
  });

  it("bare log lines: a string or { message }; ip, level and time read from the text", () => {
    const line = "2026-01-05T09:00:00.125Z sshd[42]: WARN Failed password for root from 203.0.113.9 port 22";
    expect(ok(line, LOG_LINE_SHAPE)).toMatchObject({ kind: "log", time: T + 125, ip: "203.0.113.9", level: "WARN", message: line });
    expect(ok({ message: "[2001:db8::1]:443 closed at 2026-01-05T10:00:00+01:00" }, LOG_LINE_SHAPE)).toMatchObject({ ip: "2001:db8::1", time: T, level: undefined });
    expect(rejected({ message: "no time here from 203.0.113.9" }, LOG_LINE_SHAPE)).toMatchObject({ field: "time", got: "nothing" });
    expect(rejected("2026-01-05T09:00:00 zoneless", LOG_LINE_SHAPE).field).toBe("time");
    expect(ok("2026-01-05T09:00:00 zoneless", createLogLineShape({ zoneless: "utc" })).time).toBe(T);
    expect(rejected({ msg: "x" }, LOG_LINE_SHAPE)).toMatchObject({ field: "time" }); // fields are checked kind, time, then the rest
    expect(rejected(42, LOG_LINE_SHAPE)).toMatchObject({ field: "record", expected: "an object or a string" });
  });

  it("syslog times need a stated year, and are UTC in it", () => {
    const line = "Feb 29 23:59:59 host sshd: Accepted publickey for bob from 198.51.100.2";
    expect(rejected(line, LOG_LINE_SHAPE).field).toBe("time");
    expect(ok(line, createLogLineShape({ syslogYear: 2028 })).time).toBe(Date.UTC(2028, 1, 29, 23, 59, 59));
    expect(rejected(line, createLogLineShape({ syslogYear: 2026 })).field).toBe("time"); // no Feb 29 in 2026
    expect(ok("Jan  5 09:00:00 h x", createLogLineShape({ syslogYear: 2026 })).time).toBe(T);
    expect(ok("Jan 05 09:00:00 h x", createLogLineShape({ syslogYear: 2026 })).time).toBe(T);
    expect(() => createLogLineShape({ syslogYear: 2026.5 })).toThrow(InvalidArgumentError);
    expect(() => createLogLineShape({ year: 2026 } as never)).toThrow(/no option "year"/);
  });

  it("non-object records are rejected as the record", () => {
    for (const record of [null, undefined, 5, "text", [1, 2]]) {
      expect(rejected(record, COMPLIANCE_API_SHAPE)).toMatchObject({ field: "record", expected: "an object" });
    }
  });

  it("reads own properties only", () => {
    const record = Object.create({ event_type: "inherited", timestamp: T }) as object;
    expect(rejected(record, COMPLIANCE_API_SHAPE).field).toBe("kind");
    // An inherited method is not a value: the path finds nothing.
    expect(ok({ event_type: "x", timestamp: T, metadata: { ip: "1.2.3.4" } }, { ...COMPLIANCE_API_SHAPE, name: "c", message: "metadata.toString" }).message).toBeUndefined();
  });
});

describe("timestamps", () => {
  it.each([
    ["2026-01-05T09:00:00Z", T],
    ["2026-01-05t09:00:00z", T],
    ["2026-01-05 09:00:00Z", T],
    ["2026-01-05T09:00Z", T],
    ["2026-01-05T14:30:00+05:30", T],
    ["2026-01-05T14:30:00+0530", T],
    ["2026-01-05T14:00:00+05", T],
    ["2026-01-05T01:00:00-08:00", T],
    ["2026-01-05T09:00:00.123456Z", T + 123],
    ["2026-01-05T09:00:00,5Z", T + 500],
    ["2024-02-29T00:00:00Z", Date.UTC(2024, 1, 29)],
    ["2000-02-29T00:00:00Z", Date.UTC(2000, 1, 29)],
    ["0050-06-01T00:00:00Z", new Date("0050-06-01T00:00:00Z").getTime()],
    ["1969-12-31T23:59:59.999Z", -1],
  ])("reads %s", (text, expected) => {
    expect(parseIsoTime(text)).toBe(expected);
  });

  it.each([
    "2026-01-05T09:00:00",
    "2026-01-05",
    "2026-13-05T09:00:00Z",
    "2026-02-29T09:00:00Z",
    "1900-02-29T09:00:00Z",
    "2026-01-05T24:00:00Z",
    "2026-01-05T09:60:00Z",
    "2026-01-05T09:00:60Z",
    "2026-01-05T09:00:00+24:00",
    "2026-01-05T09:00:00+05:60",
    "2026-01-05T09:00:00.Z",
    "2026-01-05T09:00:00Zjunk",
    "20260105T090000Z",
    "2026-1-5T09:00:00Z",
    " 2026-01-05T09:00:00Z",
    "",
  ])("refuses %j", (text) => {
    expect(parseIsoTime(text)).toBeNaN();
  });

  it("agrees with Date on every instant Date.toISOString writes, and on random offsets", () => {
    fc.assert(
      fc.property(fc.integer({ min: -62_135_596_800_000, max: 253_402_300_799_999 }), fc.integer({ min: -23 * 60 - 59, max: 23 * 60 + 59 }), (ms, offset) => {
        const iso = new Date(ms).toISOString();
        expect(parseIsoTime(iso)).toBe(ms);
        // The same instant written in local time at `offset` minutes from UTC.
        const local = new Date(ms + offset * 60_000).toISOString().slice(0, 23);
        const sign = offset < 0 ? "-" : "+";
        const abs = Math.abs(offset);
        const zone = `${sign}${String(Math.floor(abs / 60)).padStart(2, "0")}:${String(abs % 60).padStart(2, "0")}`;
        if (!local.startsWith("-") && !local.startsWith("+")) expect(parseIsoTime(`${local}${zone}`)).toBe(ms);
      }),
      { numRuns: 500 },
    );
  });

  it("reads zoneless times as UTC only when the shape says so", () => {
    const shape = defineEventShape({ name: "z", kind: { const: "k" }, time: { from: "t", zoneless: "utc" } });
    expect(ok({ t: "2026-01-05T09:00:00" }, shape).time).toBe(T);
    const refusing = defineEventShape({ name: "r", kind: { const: "k" }, time: { from: "t" } });
    expect(rejected({ t: "2026-01-05T09:00:00" }, refusing).expected).toMatch(/with a zone/);
  });

  it("reads epoch numbers in the stated unit only", () => {
    const seconds = defineEventShape({ name: "s", kind: { const: "k" }, time: { from: "t", epoch: "s" } });
    const millis = defineEventShape({ name: "ms", kind: { const: "k" }, time: { from: "t", epoch: "ms" } });
    const auto = defineEventShape({ name: "auto", kind: { const: "k" }, time: { from: "t", epoch: "auto" } });
    const none = defineEventShape({ name: "none", kind: { const: "k" }, time: { from: "t" } });
    expect(ok({ t: 1767603600 }, seconds).time).toBe(T);
    expect(ok({ t: 1767603600.25 }, seconds).time).toBe(T + 250);
    expect(ok({ t: "1767603600" }, seconds).time).toBe(T);
    expect(ok({ t: 1767603600 }, millis).time).toBe(1767603600); // January 1970, as stated
    expect(ok({ t: T }, millis).time).toBe(T);
    expect(ok({ t: 1767603600 }, auto).time).toBe(T);
    expect(ok({ t: T }, auto).time).toBe(T);
    expect(ok({ t: 99_999_999_999 }, auto).time).toBe(99_999_999_999_000); // below 1e11: seconds
    expect(ok({ t: 100_000_000_000 }, auto).time).toBe(100_000_000_000); // from 1e11: milliseconds
    expect(ok({ t: new Date(T) }, none).time).toBe(T);
    expect(rejected({ t: T }, none)).toMatchObject({ field: "time", expected: "an ISO-8601 date-time string (this shape states no epoch unit)" });
    expect(rejected({ t: Number.POSITIVE_INFINITY }, millis).field).toBe("time");
    expect(rejected({ t: 1e300 }, seconds).field).toBe("time");
    expect(rejected({ t: new Date(Number.NaN) }, millis).got).toBe("an invalid Date");
    expect(rejected({ t: "12e5" }, millis).field).toBe("time");
  });

  it("epochToMillis rounds to the millisecond and refuses what a Date cannot hold", () => {
    expect(epochToMillis(1.0005, "s")).toBe(1001);
    expect(epochToMillis(8.64e15, "ms")).toBe(8.64e15);
    expect(epochToMillis(8.64e15 + 1, "ms")).toBeNaN();
    expect(epochToMillis(Number.NaN, "auto")).toBeNaN();
  });
});

describe("log-line extraction", () => {
  it.each([
    ["from 192.0.2.1 port 22", "192.0.2.1"],
    ["ip:192.0.2.1,", "192.0.2.1"],
    ["client=198.51.100.7:51234 ok", "198.51.100.7"],
    ["seen 203.0.113.5.", "203.0.113.5"],
    ["::1 local", "::1"],
    ["peer fe80::1%eth0 up", "fe80::1"],
    ["addr ::ffff:192.0.2.128 mapped", "::ffff:192.0.2.128"],
    ["bad 10.0.0.256 then good 10.0.0.255", "10.0.0.255"],
    ["v1.2.3.4 and x1.2.3.4 are glued, 01.2.3.4 is refused", undefined],
    ["mac 00:1a:2b:3c:4d:5e at 12:30:45", undefined],
    ["deadbeef cafe 2026-01-05", undefined],
    ["", undefined],
  ])("findIpInText(%j)", (text, expected) => {
    expect(findIpInText(text)).toBe(expected);
  });

  it("finds any valid address between separators", () => {
    const v4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((o) => o.join("."));
    const v6 = fc.array(fc.nat(0xffff), { minLength: 8, maxLength: 8 }).map((g) => {
      const words = Uint32Array.from([0, 2, 4, 6].map((i) => ((g[i]! << 16) | g[i + 1]!) >>> 0));
      return formatIp(6, words);
    });
    const words = fc.array(fc.stringMatching(/^[g-z ]{0,8}$/), { maxLength: 4 }).map((w) => w.join(" "));
    fc.assert(
      fc.property(words, fc.oneof(v4, v6), fc.constantFrom(" ", "=", "[", "(", '"', ": "), fc.constantFrom(" ", "]", ")", '"', ".", ", "), words, (before, ip, open, close, after) => {
        expect(findIpInText(`${before}${open}${ip}${close}${after}`)).toBe(ip);
      }),
      { numRuns: 500 },
    );
  });

  it("findLevelInText takes capitalized level words only", () => {
    expect(findLevelInText("x [FATAL] y")).toBe("FATAL");
    expect(findLevelInText("level=WARNING msg")).toBe("WARNING");
    expect(findLevelInText("an error, an Error, ERRORS")).toBeUndefined();
  });
});

describe("outcomes", () => {
  it("default table, case-insensitive", () => {
    const outcome = outcomeOf(DEFAULT_OUTCOMES);
    for (const s of ["failed", "Failure", "DENIED", "error", "401", "403", "AccessDenied", "accessdenied"]) expect(outcome(s), s).toBe("failure");
    for (const s of ["success", "OK", "200"]) expect(outcome(s), s).toBe("success");
    for (const s of ["pending", "302", ""]) expect(outcome(s), s).toBeUndefined();
  });

  it("a shape's own table or function replaces the default", () => {
    const table = defineEventShape({ ...COMPLIANCE_API_SHAPE, name: "t", outcomes: { failure: ["locked"], success: [] } });
    expect(ok({ event_type: "login", timestamp: T, metadata: { status: "LOCKED" } }, table).outcome).toBe("failure");
    expect(ok({ event_type: "login", timestamp: T, metadata: { status: "failed" } }, table).outcome).toBeUndefined();
    const fn = defineEventShape({ ...COMPLIANCE_API_SHAPE, name: "f", outcomes: (s) => (s.startsWith("5") ? "failure" : undefined) });
    expect(ok({ event_type: "http", timestamp: T, metadata: { status: 503 } }, fn).outcome).toBe("failure");
    expect(() => outcomeOf({ failure: ["x"], success: ["X"] })).toThrow(/both failure and success/);
  });
});

describe("shape validation", () => {
  it.each([
    [{ name: "a", kind: "k", time: { from: "t" }, colour: "red" }, /no option "colour"/],
    [{ name: "a", kind: "k", time: { from: "t", epoch: "minutes" } }, /time.epoch/],
    [{ name: "a", kind: "k", time: { from: "t", zoneless: "local" } }, /time.zoneless/],
    [{ name: "a", kind: "k", time: "t" }, /time must be/],
    [{ name: "a", time: { from: "t" } }, /kind is required/],
    [{ name: "", kind: "k", time: { from: "t" } }, /non-empty name/],
    [{ name: "a", kind: "k..x", time: { from: "t" } }, /dot-separated/],
    [{ name: "a", kind: { const: true }, time: { from: "t" } }, /const must be/],
    [{ name: "a", kind: { from: "k", required: "yes" }, time: { from: "t" } }, /required must be a boolean/],
    [{ name: "a", kind: 5, time: { from: "t" } }, /must be a path string/],
  ])("refuses %j", (shape, message) => {
    expect(() => defineEventShape(shape as unknown as EventShape)).toThrow(InvalidArgumentError);
    expect(() => normalizeEvent({}, shape as unknown as EventShape)).toThrow(message);
  });

  it("InvalidEventError names the shape, field, source, expectation and value", () => {
    let caught: unknown;
    try {
      normalizeEventOrThrow({ event_type: "login", timestamp: T, metadata: { ip: "300.1.1.1" } }, COMPLIANCE_API_SHAPE);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InvalidArgumentError);
    expect((caught as Error).message).toBe('compliance-api event: ip (from metadata.ip) expected an IPv4 or IPv6 address, got "300.1.1.1"');
  });
});

describe("detectShape", () => {
  it.each([
    ["a line", "log-line"],
    [{ event_type: "login", EventType: "x", cpu: 1 }, "compliance-api"],
    [{ EventType: "x", amount: 1 }, "cloudtrail"],
    [{ service: "s", latency_ms: 3 }, "metric"],
    [{ cpu: 3, level: "info" }, "metric"],
    [{ user: "u", amount: 3, level: "info" }, "transaction"],
    [{ level: "info", message: "m" }, "app-log"],
    [{ message: "m" }, "log-line"],
    [{ other: 1 }, undefined],
    [null, undefined],
    [[{ message: "m" }], undefined],
  ])("%j → %s", (record, name) => {
    expect(detectShape(record)?.name).toBe(name);
  });

  it("detected records of every shipped shape normalize", () => {
    const records = [
      { event_type: "login", timestamp: T },
      { EventType: "x", TimestampUTC: T },
      { service: "s", cpu: 1, latency_ms: 2, timestamp: T },
      { user: "u", amount: 3, timestamp: T },
      { level: "info", message: "m", timestamp: T },
      { message: "2026-01-05T09:00:00Z m" },
    ];
    for (const record of records) expect(ok(record, detectShape(record)!).time).toBe(T);
  });
});
