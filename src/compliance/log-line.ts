/**
 * What can be read out of a bare log line: the first IP address, the first
 * timestamp, the log level. Used by the log-line event shape.
 *
 * @module
 */
import { parseIpInto } from "./ip.js";
import { lastScanEnd, lastScanMissedZone, scanIsoTime, scanSyslogTime } from "./event-time.js";

// Scratch for parseIpInto; only whether it parses matters here.
const words = new Uint32Array(4);

function isHexOrSeparator(c: number): boolean {
  return (c >= 0x30 && c <= 0x3a) /* 0-9 : */ || c === 0x2e || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);
}

function isWordChar(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x5f;
}

/**
 * The first IPv4 or IPv6 address in `text`, as written, or `undefined`.
 *
 * Candidates are maximal runs of hex digits, `.` and `:` standing as a word
 * of their own (not glued to letters, digits or `_` on either side), after
 * trimming one leading `:` (`ip:192.0.2.1`), trailing `.` (end of a
 * sentence) and one trailing `:`; an IPv4 address followed by `:port` counts
 * without the port. Each candidate is checked with the strict `parseIpInto`
 * (`10.0.0.256` and `01.2.3.4` are not addresses). IPv6 in brackets
 * (`[2001:db8::1]:443`) is found, the brackets being separators. A dotted
 * version number (`v1.2.3.4` is glued to a letter and skipped, but a bare
 * `1.2.3.4` is an address) cannot be told from an IPv4 address.
 *
 * @example
 * ```ts
 * import { findIpInText } from "papertrail/compliance";
 * findIpInText("Failed password for root from 203.0.113.9 port 22 ssh2"); // => "203.0.113.9"
 * findIpInText("conn [2001:db8::7]:443 reset"); // => "2001:db8::7"
 * findIpInText("peer=198.51.100.4:5060."); // => "198.51.100.4"
 * findIpInText("at 09:15:00 version 10.0.0.256"); // => undefined
 * ```
 */
export function findIpInText(text: string): string | undefined {
  const n = text.length;
  let i = 0;
  while (i < n) {
    if (!isHexOrSeparator(text.charCodeAt(i))) {
      i++;
      continue;
    }
    const runStart = i;
    let separators = 0;
    while (i < n && isHexOrSeparator(text.charCodeAt(i))) {
      const c = text.charCodeAt(i);
      if (c === 0x2e || c === 0x3a) separators++;
      i++;
    }
    if (separators === 0) continue;
    let s = runStart;
    let e = i;
    if (text.charCodeAt(s) === 0x3a && text.charCodeAt(s + 1) !== 0x3a) s++;
    while (e > s && text.charCodeAt(e - 1) === 0x2e) e--;
    if (e - s > 1 && text.charCodeAt(e - 1) === 0x3a && text.charCodeAt(e - 2) !== 0x3a) e--;
    if (e - s < 2 || e - s > 51) continue;
    if ((s > 0 && isWordChar(text.charCodeAt(s - 1))) || (e < n && isWordChar(text.charCodeAt(e)))) continue;
    const candidate = text.slice(s, e);
    if (parseIpInto(candidate, words) !== 0) return candidate;
    // IPv4 with a port: one colon, dots before it.
    const colon = candidate.indexOf(":");
    if (colon > 0 && candidate.indexOf(":", colon + 1) < 0) {
      const host = candidate.slice(0, colon);
      if (parseIpInto(host, words) === 4 && /^[0-9]{1,5}$/.test(candidate.slice(colon + 1))) return host;
    }
  }
  return undefined;
}

/**
 * What {@link findTimeInText} found: epoch ms, or `NaN` with
 * `missingZone` true when the only ISO-8601 time had no zone (and zoneless
 * times are refused).
 *
 * @internal
 */
export interface FoundTime {
  time: number;
  missingZone: boolean;
}

/**
 * The first timestamp in `text`: an ISO-8601 date-time (with a zone, or
 * zoneless read as UTC when `zonelessUtc`) starting at a word boundary, or,
 * when `syslogYear` is given, a syslog `Mmm dd hh:mm:ss` in that year, UTC.
 * Writes into `out`; returns `out.time` (`NaN` when none).
 *
 * @internal
 */
export function findTimeInText(text: string, zonelessUtc: boolean, syslogYear: number | undefined, out: FoundTime): number {
  out.time = Number.NaN;
  out.missingZone = false;
  const n = text.length;
  for (let i = 0; i + 16 <= n; i++) {
    if (i > 0 && isWordChar(text.charCodeAt(i - 1))) continue;
    const c = text.charCodeAt(i);
    if (c >= 0x30 && c <= 0x39 && text.charCodeAt(i + 4) === 0x2d) {
      const time = scanIsoTime(text, i, zonelessUtc);
      if (!Number.isNaN(time) && !(lastScanEnd() < n && isWordChar(text.charCodeAt(lastScanEnd())))) {
        out.time = time;
        return time;
      }
      if (lastScanMissedZone()) out.missingZone = true;
    } else if (syslogYear !== undefined && c >= 0x41 && c <= 0x53 /* A..S */) {
      const time = scanSyslogTime(text, i, syslogYear);
      if (!Number.isNaN(time) && !(lastScanEnd() < n && isWordChar(text.charCodeAt(lastScanEnd())))) {
        out.time = time;
        return time;
      }
    }
  }
  return out.time;
}

const LEVELS = new Set(["TRACE", "DEBUG", "INFO", "NOTICE", "WARN", "WARNING", "ERROR", "ERR", "CRIT", "CRITICAL", "ALERT", "EMERG", "FATAL"]);

/**
 * The first log level written in capitals as a word of its own (`ERROR`,
 * `[WARN]`, `level=INFO`): one of TRACE, DEBUG, INFO, NOTICE, WARN, WARNING,
 * ERROR, ERR, CRIT, CRITICAL, ALERT, EMERG, FATAL. Lower-case words are
 * not levels (`failed with error` has none).
 *
 * @example
 * ```ts
 * import { findLevelInText } from "papertrail/compliance";
 * findLevelInText("2026-01-05T09:00:00Z [ERROR] db: connection refused"); // => "ERROR"
 * findLevelInText("job failed with error 3"); // => undefined
 * ```
 */
export function findLevelInText(text: string): string | undefined {
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (!isWordChar(c)) {
      i++;
      continue;
    }
    const start = i;
    let upper = true;
    while (i < n && isWordChar(text.charCodeAt(i))) {
      const d = text.charCodeAt(i);
      if (d < 0x41 || d > 0x5a) upper = false;
      i++;
    }
    if (upper && i - start >= 3 && i - start <= 8) {
      const word = text.slice(start, i);
      if (LEVELS.has(word)) return word;
    }
  }
  return undefined;
}
