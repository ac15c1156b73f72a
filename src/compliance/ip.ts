/**
 * IPv4 and IPv6 addresses and CIDR ranges, parsed strictly into 32-bit
 * words without allocating (the allow-list and Sigma's `cidr` modifier test
 * one per event).
 *
 * Accepted text:
 * - IPv4: four decimal parts 0–255 without leading zeros (`010.0.0.1` is
 *   refused: some parsers read it as octal, so it names two addresses).
 * - IPv6 (RFC 4291 §2.2): eight groups of 1–4 hex digits, at most one `::`,
 *   optionally ending in a dotted IPv4 (`::ffff:192.0.2.1`); no zone
 *   (`%eth0`). IPv4-mapped IPv6 addresses stay IPv6: `::ffff:192.0.2.1`
 *   is not inside `192.0.2.0/24`.
 *
 * @module
 */
import { InvalidArgumentError } from "../errors.js";

/**
 * Parses `text` into `out` (four 32-bit words, most significant first; an
 * IPv4 address fills `out[0]` only) and returns its version, or 0 when the
 * text is not an address. Never throws and never allocates.
 *
 * @example
 * ```ts
 * import { parseIpInto } from "papertrail/compliance";
 * const words = new Uint32Array(4);
 * parseIpInto("192.0.2.1", words); // => 4
 * words[0] === 0xc0000201; // => true
 * parseIpInto("2001:db8::1", words); // => 6
 * words[0] === 0x20010db8 && words[3] === 1; // => true
 * parseIpInto("10.0.0.256", words); // => 0
 * ```
 */
export function parseIpInto(text: string, out: Uint32Array): 0 | 4 | 6 {
  if (typeof text !== "string" || text.length === 0 || text.length > 45) return 0;
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) === 0x3a /* : */) return parseIpv6(text, out) ? 6 : 0;
  }
  const v4 = parseIpv4(text, 0, text.length);
  if (v4 < 0) return 0;
  out[0] = v4;
  return 4;
}

/** The dotted IPv4 in text[start, end) as an unsigned 32-bit number, or -1. */
function parseIpv4(text: string, start: number, end: number): number {
  let value = 0;
  let parts = 0;
  let i = start;
  while (parts < 4) {
    const partStart = i;
    let part = 0;
    while (i < end) {
      const c = text.charCodeAt(i);
      if (c < 0x30 || c > 0x39) break;
      part = part * 10 + (c - 0x30);
      i++;
      if (i - partStart > 3) return -1;
    }
    const digits = i - partStart;
    if (digits === 0 || part > 255 || (digits > 1 && text.charCodeAt(partStart) === 0x30)) return -1;
    value = value * 256 + part;
    parts++;
    if (parts < 4) {
      if (i >= end || text.charCodeAt(i) !== 0x2e /* . */) return -1;
      i++;
    }
  }
  return i === end ? value : -1;
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  return -1;
}

// Scratch for the 16-bit groups; module-private and reset on every call, so
// nothing passes between calls through it.
const groups = new Uint16Array(8);

function parseIpv6(text: string, out: Uint32Array): boolean {
  const end = text.length;
  let count = 0; // groups written
  let gap = -1; // group index where "::" stands
  let i = 0;
  if (text.charCodeAt(0) === 0x3a) {
    if (text.charCodeAt(1) !== 0x3a) return false;
    gap = 0;
    i = 2;
    if (i === end) return fillIpv6(out, count, gap);
  }
  for (;;) {
    // One group, or a trailing dotted IPv4 taking two groups.
    const groupStart = i;
    let value = 0;
    while (i < end && i - groupStart < 5) {
      const h = hexValue(text.charCodeAt(i));
      if (h < 0) break;
      value = (value << 4) | h;
      i++;
    }
    const digits = i - groupStart;
    if (i < end && text.charCodeAt(i) === 0x2e /* . */) {
      if (count > 6) return false;
      const v4 = parseIpv4(text, groupStart, end);
      if (v4 < 0) return false;
      groups[count++] = v4 >>> 16;
      groups[count++] = v4 & 0xffff;
      return fillIpv6(out, count, gap);
    }
    if (digits === 0 || digits > 4 || count === 8) return false;
    groups[count++] = value;
    if (i === end) return fillIpv6(out, count, gap);
    if (text.charCodeAt(i) !== 0x3a) return false;
    i++;
    if (i < end && text.charCodeAt(i) === 0x3a) {
      if (gap >= 0) return false;
      gap = count;
      i++;
      if (i === end) return fillIpv6(out, count, gap);
    } else if (i === end) {
      return false; // a trailing single colon
    }
  }
}

function fillIpv6(out: Uint32Array, count: number, gap: number): boolean {
  if (gap < 0 ? count !== 8 : count > 7) return false;
  const missing = 8 - count;
  let w = 0;
  for (let g = 0; g < 8; g++) {
    let value: number;
    if (gap < 0 || g < gap) value = groups[g]!;
    else if (g < gap + missing) value = 0;
    else value = groups[g - missing]!;
    if ((g & 1) === 0) w = value << 16;
    else out[g >> 1] = (w | value) >>> 0;
  }
  return true;
}

/**
 * A CIDR range (or one address, as a /32 or /128).
 *
 * @example
 * ```ts
 * import { parseCidr } from "papertrail/compliance";
 * const range = parseCidr("10.0.0.0/8");
 * [range.version, range.prefix, range.text]; // => [4, 8, "10.0.0.0/8"]
 * ```
 */
export interface CidrRange {
  readonly version: 4 | 6;
  /** The network address, masked to the prefix (four words, IPv4 in `words[0]`). */
  readonly words: Uint32Array;
  readonly prefix: number;
  /** Canonical text: the masked network and the prefix. */
  readonly text: string;
}

/**
 * Parses an address (`192.0.2.1`, `2001:db8::1`) or a CIDR range
 * (`10.0.0.0/8`, `2001:db8::/32`). Host bits below the prefix are masked
 * off (`10.1.2.3/8` is `10.0.0.0/8`). Throws {@link InvalidArgumentError}
 * naming the text and what was expected.
 *
 * @example
 * ```ts
 * import { parseCidr } from "papertrail/compliance";
 * parseCidr("10.1.2.3/8").text; // => "10.0.0.0/8"
 * parseCidr("2001:db8::1").prefix; // => 128
 * ```
 */
export function parseCidr(text: string): CidrRange {
  if (typeof text !== "string") throw new InvalidArgumentError(`expected an IP address or CIDR range as a string, got ${typeof text}`);
  const slash = text.indexOf("/");
  const address = slash < 0 ? text : text.slice(0, slash);
  const words = new Uint32Array(4);
  const version = parseIpInto(address, words);
  if (version === 0) throw new InvalidArgumentError(`"${text}" is not an IPv4 or IPv6 address${slash < 0 ? "" : " with a prefix"} (expected e.g. 192.0.2.1, 10.0.0.0/8 or 2001:db8::/32)`);
  const bits = version === 4 ? 32 : 128;
  let prefix = bits;
  if (slash >= 0) {
    const digits = text.slice(slash + 1);
    if (!/^(0|[1-9][0-9]{0,2})$/.test(digits) || Number(digits) > bits) {
      throw new InvalidArgumentError(`"${text}": the prefix length must be an integer from 0 to ${bits}`);
    }
    prefix = Number(digits);
  }
  for (let w = 0; w < bits / 32; w++) words[w] = (words[w]! & wordMask(prefix - 32 * w)) >>> 0;
  return { version, words, prefix, text: `${formatIp(version, words)}/${prefix}` };
}

/** Mask for one 32-bit word of which `bits` leading bits are network bits. */
function wordMask(bits: number): number {
  if (bits <= 0) return 0;
  if (bits >= 32) return 0xffffffff;
  return (0xffffffff << (32 - bits)) >>> 0;
}

/**
 * Whether the parsed address (`version`, `words` as filled by
 * {@link parseIpInto}) lies inside `range`.
 *
 * @example
 * ```ts
 * import { cidrContains, parseCidr, parseIpInto } from "papertrail/compliance";
 * const words = new Uint32Array(4);
 * const version = parseIpInto("10.20.30.40", words);
 * cidrContains(parseCidr("10.0.0.0/8"), version, words); // => true
 * ```
 */
export function cidrContains(range: CidrRange, version: 0 | 4 | 6, words: Uint32Array): boolean {
  if (version !== range.version) return false;
  const count = version === 4 ? 1 : 4;
  for (let w = 0; w < count; w++) {
    const mask = wordMask(range.prefix - 32 * w);
    if (mask === 0) return true;
    if (((words[w]! & mask) >>> 0) !== range.words[w]) return false;
  }
  return true;
}

/**
 * The canonical text of a parsed address: dotted IPv4, or RFC 5952 IPv6
 * (lower case, the longest run of two or more zero groups as `::`).
 *
 * @example
 * ```ts
 * import { formatIp, parseIpInto } from "papertrail/compliance";
 * const words = new Uint32Array(4);
 * formatIp(parseIpInto("2001:DB8:0:0:0:0:0:1", words), words); // => "2001:db8::1"
 * ```
 */
export function formatIp(version: 0 | 4 | 6, words: Uint32Array): string {
  if (version === 4) {
    const v = words[0]!;
    return `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
  }
  if (version !== 6) throw new InvalidArgumentError("formatIp needs a parsed address (version 4 or 6)");
  const parts: number[] = [];
  for (let w = 0; w < 4; w++) parts.push(words[w]! >>> 16, words[w]! & 0xffff);
  let bestStart = -1;
  let bestLength = 1;
  for (let g = 0; g < 8; ) {
    if (parts[g] !== 0) {
      g++;
      continue;
    }
    let end = g;
    while (end < 8 && parts[end] === 0) end++;
    if (end - g > bestLength) {
      bestStart = g;
      bestLength = end - g;
    }
    g = end;
  }
  const hex = (from: number, to: number): string => parts.slice(from, to).map((p) => p.toString(16)).join(":");
  if (bestStart < 0) return hex(0, 8);
  return `${hex(0, bestStart)}::${hex(bestStart + bestLength, 8)}`;
}
