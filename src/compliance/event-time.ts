/**
 * Event timestamps: strict ISO-8601 / RFC 3339 text, epoch numbers in a
 * stated unit, and the syslog `Mmm dd hh:mm:ss` form with a stated year.
 * Parsing reads characters in place: no regular expression, no allocation.
 *
 * @module
 */

/**
 * The unit of an epoch number: seconds, milliseconds, or `"auto"`:
 * a magnitude below 10^11 is seconds, otherwise milliseconds (10^11 seconds
 * is in the year 5138; 10^11 milliseconds is 1973-03-03, so neither unit
 * is plausible on the other side of the line).
 *
 * @example
 * ```ts
 * import { type EpochUnit, epochToMillis } from "papertrail/compliance";
 * const unit: EpochUnit = "auto";
 * epochToMillis(1767603600, unit); // => 1767603600000
 * epochToMillis(1767603600000, unit); // => 1767603600000
 * ```
 */
export type EpochUnit = "s" | "ms" | "auto";

/** Largest |time| a JavaScript Date can hold, in ms (ECMA-262 §21.4.1.1). */
const MAX_TIME = 8.64e15;

/**
 * An epoch number in `unit` as epoch milliseconds, rounded to the nearest
 * millisecond; `NaN` when it is not finite or outside the range a `Date`
 * can hold (±8.64e15 ms).
 *
 * @example
 * ```ts
 * import { epochToMillis } from "papertrail/compliance";
 * epochToMillis(1767603600.5, "s"); // => 1767603600500
 * epochToMillis(1767603600000, "ms"); // => 1767603600000
 * Number.isNaN(epochToMillis(Infinity, "ms")); // => true
 * ```
 */
export function epochToMillis(value: number, unit: EpochUnit): number {
  if (typeof value !== "number" || !Number.isFinite(value)) return Number.NaN;
  const seconds = unit === "s" || (unit === "auto" && Math.abs(value) < 1e11);
  const ms = Math.round(seconds ? value * 1000 : value);
  return Math.abs(ms) <= MAX_TIME ? ms : Number.NaN;
}

/**
 * Days from 1970-01-01 to the proleptic Gregorian date (H. Hinnant,
 * "chrono-Compatible Low-Level Date Algorithms", days_from_civil). Unlike
 * `Date.UTC`, it does not map years 0–99 to 1900–1999.
 */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** `count` decimal digits at text[at...] as a number, or -1. */
function digits(text: string, at: number, count: number): number {
  if (at + count > text.length) return -1;
  let value = 0;
  for (let i = at; i < at + count; i++) {
    const c = text.charCodeAt(i) - 0x30;
    if (c < 0 || c > 9) return -1;
    value = value * 10 + c;
  }
  return value;
}

/** Where the last {@link scanIsoTime} stopped, and whether it lacked a zone. */
let scanEnd = 0;
let scanMissingZone = false;

/**
 * Reads an ISO-8601 / RFC 3339 date-time starting at `start`:
 * `YYYY-MM-DD`, `T` (or `t` or one space), `hh:mm`, optional `:ss`, optional
 * fraction (`.` or `,`, any number of digits, truncated to milliseconds),
 * then the zone: `Z`, `z`, `±hh:mm`, `±hhmm` or `±hh`. Without a zone the
 * time is read as UTC when `zonelessUtc`, otherwise refused (`NaN`, with
 * {@link lastScanMissedZone} true). Fields out of range (month 13, Feb 30,
 * hour 24, second 60, offset hour over 23) are refused. Returns epoch ms or
 * `NaN`; {@link lastScanEnd} tells where the text ended.
 *
 * @internal
 */
export function scanIsoTime(text: string, start: number, zonelessUtc: boolean): number {
  scanMissingZone = false;
  const year = digits(text, start, 4);
  if (year < 0 || text.charCodeAt(start + 4) !== 0x2d) return Number.NaN;
  const month = digits(text, start + 5, 2);
  if (month < 1 || month > 12 || text.charCodeAt(start + 7) !== 0x2d) return Number.NaN;
  const day = digits(text, start + 8, 2);
  if (day < 1 || day > daysInMonth(year, month)) return Number.NaN;
  const separator = text.charCodeAt(start + 10);
  if (separator !== 0x54 /* T */ && separator !== 0x74 /* t */ && separator !== 0x20) return Number.NaN;
  const hour = digits(text, start + 11, 2);
  if (hour < 0 || hour > 23 || text.charCodeAt(start + 13) !== 0x3a) return Number.NaN;
  const minute = digits(text, start + 14, 2);
  if (minute < 0 || minute > 59) return Number.NaN;
  let at = start + 16;
  let second = 0;
  let millis = 0;
  if (text.charCodeAt(at) === 0x3a) {
    second = digits(text, at + 1, 2);
    if (second < 0 || second > 59) return Number.NaN;
    at += 3;
    const dot = text.charCodeAt(at);
    if (dot === 0x2e || dot === 0x2c) {
      at++;
      const fractionStart = at;
      let scale = 100;
      for (;;) {
        const c = text.charCodeAt(at) - 0x30;
        if (!(c >= 0 && c <= 9)) break;
        millis += c * scale;
        scale /= 10;
        at++;
      }
      if (at === fractionStart) return Number.NaN;
      millis = Math.floor(millis);
    }
  }
  let offsetMinutes = 0;
  const zone = text.charCodeAt(at);
  if (zone === 0x5a /* Z */ || zone === 0x7a /* z */) {
    at++;
  } else if (zone === 0x2b /* + */ || zone === 0x2d /* - */) {
    const offsetHours = digits(text, at + 1, 2);
    if (offsetHours < 0 || offsetHours > 23) return Number.NaN;
    at += 3;
    let offsetMins = 0;
    if (text.charCodeAt(at) === 0x3a) {
      offsetMins = digits(text, at + 1, 2);
      if (offsetMins < 0) return Number.NaN;
      at += 3;
    } else if (digits(text, at, 2) >= 0) {
      offsetMins = digits(text, at, 2);
      at += 2;
    }
    if (offsetMins > 59) return Number.NaN;
    offsetMinutes = (zone === 0x2d ? -1 : 1) * (offsetHours * 60 + offsetMins);
  } else if (!zonelessUtc) {
    scanMissingZone = true;
    scanEnd = at;
    return Number.NaN;
  }
  scanEnd = at;
  const days = daysFromCivil(year, month, day);
  const ms = ((days * 24 + hour) * 60 + minute - offsetMinutes) * 60_000 + second * 1000 + millis;
  return Math.abs(ms) <= MAX_TIME ? ms : Number.NaN;
}

/** Where the last {@link scanIsoTime} or {@link scanSyslogTime} stopped. @internal */
export function lastScanEnd(): number {
  return scanEnd;
}

/** Whether the last {@link scanIsoTime} failed only for want of a zone. @internal */
export function lastScanMissedZone(): boolean {
  return scanMissingZone;
}

/**
 * Parses a whole string as an ISO-8601 date-time (see the rules of the
 * event guide, docs/events.md#timestamps): epoch ms, or `NaN` when the text
 * is not one, has trailing characters, or has no zone and `zoneless` is
 * `"refuse"` (the default).
 *
 * @example
 * ```ts
 * import { parseIsoTime } from "papertrail/compliance";
 * parseIsoTime("2026-01-05T09:00:00Z"); // => 1767603600000
 * parseIsoTime("2026-01-05T10:00:00.250+01:00"); // => 1767603600250
 * Number.isNaN(parseIsoTime("2026-01-05T09:00:00")); // => true
 * parseIsoTime("2026-01-05T09:00:00", "utc"); // => 1767603600000
 * Number.isNaN(parseIsoTime("2026-02-30T09:00:00Z")); // => true
 * ```
 */
export function parseIsoTime(text: string, zoneless: "refuse" | "utc" = "refuse"): number {
  if (typeof text !== "string") return Number.NaN;
  const ms = scanIsoTime(text, 0, zoneless === "utc");
  return scanEnd === text.length ? ms : Number.NaN;
}

const MONTHS = "JanFebMarAprMayJunJulAugSepOctNovDec";

/**
 * Reads a syslog (RFC 3164) `Mmm dd hh:mm:ss` time at `start` (day
 * space-padded or two digits), in `year`, as UTC. Returns epoch ms or `NaN`.
 *
 * @internal
 */
export function scanSyslogTime(text: string, start: number, year: number): number {
  if (start + 15 > text.length) return Number.NaN;
  let month = -1;
  for (let m = 0; m < 12; m++) {
    if (text.startsWith(MONTHS.slice(m * 3, m * 3 + 3), start)) {
      month = m + 1;
      break;
    }
  }
  if (month < 0 || text.charCodeAt(start + 3) !== 0x20) return Number.NaN;
  const tens = text.charCodeAt(start + 4);
  const day = tens === 0x20 ? digits(text, start + 5, 1) : digits(text, start + 4, 2);
  if (day < 1 || day > daysInMonth(year, month) || text.charCodeAt(start + 6) !== 0x20) return Number.NaN;
  const hour = digits(text, start + 7, 2);
  const minute = digits(text, start + 10, 2);
  const second = digits(text, start + 13, 2);
  if (text.charCodeAt(start + 9) !== 0x3a || text.charCodeAt(start + 12) !== 0x3a) return Number.NaN;
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return Number.NaN;
  scanEnd = start + 15;
  return ((daysFromCivil(year, month, day) * 24 + hour) * 60 + minute) * 60_000 + second * 1000;
}
