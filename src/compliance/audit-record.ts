/**
 * The audit record and its one serialization, the line that is hashed.
 *
 * A record is the JSON object `{"data":…,"prev":"<64 hex>","seq":N,"time":T}`
 * written canonically (RFC 8785 rules, see canonical-json.ts: members in key
 * order, no whitespace). Its UTF-8 bytes, without the newline that ends it
 * in a JSON-lines file, are the record's RFC 6962 leaf. `prev` is the leaf
 * hash SHA-256(0x00 ‖ line) of the record before it, in lower-case hex (64
 * zeros for record 0), so every record pins the exact bytes of its
 * predecessor, and the Merkle tree and the chain share one hash per record.
 *
 * @module
 */
import { InvalidArgumentError } from "../errors.js";
import { type JsonValue, canonicalJson } from "./canonical-json.js";

/**
 * One audit record: its position `seq` (0, 1, 2, … with no gaps), the time
 * it was appended (`time`, integer milliseconds since the Unix epoch, the
 * writer's clock), `prev` (the RFC 6962 leaf hash of record `seq − 1` as 64
 * lower-case hex digits, all zeros for record 0) and the caller's `data`.
 *
 * @example
 * ```ts
 * import { AuditLog, type AuditRecord } from "papertrail/compliance";
 * const log = new AuditLog({ origin: "example.com/audit", now: () => 1700000000000 });
 * const record: AuditRecord = log.append({ action: "login", user: "alice" });
 * record.seq; // => 0
 * record.prev; // => "0".repeat(64)
 * ```
 */
export interface AuditRecord<T extends JsonValue = JsonValue> {
  readonly seq: number;
  readonly time: number;
  readonly prev: string;
  readonly data: T;
}

/** `prev` of record 0. */
export const GENESIS_PREV = "0".repeat(64);

const HEX = "0123456789abcdef";

/**
 * The two lower-case hex digits of each byte value as one 16-bit word of
 * ASCII (first digit in the high byte): hex is written and compared a byte
 * of the hash at a time, with one table load instead of two.
 */
export const HEX_PAIRS = Uint16Array.from({ length: 256 }, (_, b) => (HEX.charCodeAt(b >> 4) << 8) | HEX.charCodeAt(b & 15));

/** 1 for every byte that is not a lower-case hex digit, so a run of digits is checked without a branch per byte. */
const NOT_HEX = Uint8Array.from({ length: 256 }, (_, c) => ((c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66) ? 0 : 1));

/** Lower-case hex of `bytes[start, start + length)`. */
export function toHex(bytes: Uint8Array, start = 0, length = bytes.length - start): string {
  let out = "";
  for (let i = start; i < start + length; i++) out += HEX[bytes[i] >> 4] + HEX[bytes[i] & 15];
  return out;
}

/** The bytes of a lower-case hex string, or undefined if it is not one. */
export function fromHex(hex: string): Uint8Array<ArrayBuffer> | undefined {
  if (typeof hex !== "string" || hex.length % 2 !== 0 || !/^[0-9a-f]*$/.test(hex)) return undefined;
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/**
 * The canonical line of a record (no trailing newline). `data` must be a
 * {@link JsonValue}; `seq` and `time` non-negative safe integers; `prev` 64
 * lower-case hex digits. Throws {@link InvalidArgumentError} otherwise.
 *
 * @example
 * ```ts
 * import { auditRecordLine } from "papertrail/compliance";
 * auditRecordLine({ seq: 0, time: 5, prev: "0".repeat(64), data: { b: 1, a: 2 } }); // => `{"data":{"a":2,"b":1},"prev":"${"0".repeat(64)}","seq":0,"time":5}`
 * ```
 */
export function auditRecordLine(record: AuditRecord): string {
  const { seq, time, prev } = record;
  if (!Number.isSafeInteger(seq) || seq < 0) throw new InvalidArgumentError(`audit record: seq must be a non-negative safe integer, got ${String(seq)}`);
  if (!Number.isSafeInteger(time) || time < 0) throw new InvalidArgumentError(`audit record: time must be a non-negative safe integer (ms since the epoch), got ${String(time)}`);
  if (typeof prev !== "string" || !/^[0-9a-f]{64}$/.test(prev)) throw new InvalidArgumentError(`audit record: prev must be 64 lower-case hex digits`);
  return recordLine(seq, time, prev, record.data);
}

/** The line, for fields already known to be valid (the log's own append path). */
export function recordLine(seq: number, time: number, prev: string, data: unknown): string {
  return `{"data":${canonicalJson(data)},"prev":"${prev}","seq":${seq},"time":${time}}`;
}

/** Where the fixed-layout fields of a record line sit; see {@link scanRecordLine}. */
export interface RecordLineFields {
  seq: number;
  time: number;
  /** Offset of the 64 hex digits of `prev` in the scanned bytes. */
  prevAt: number;
}

const DATA_OPEN = [0x7b, 0x22, 0x64, 0x61, 0x74, 0x61, 0x22, 0x3a]; // {"data":
const PREV_OPEN = [0x2c, 0x22, 0x70, 0x72, 0x65, 0x76, 0x22, 0x3a, 0x22]; // ,"prev":"
const SEQ_OPEN = [0x22, 0x2c, 0x22, 0x73, 0x65, 0x71, 0x22, 0x3a]; // ","seq":
const TIME_OPEN = [0x2c, 0x22, 0x74, 0x69, 0x6d, 0x65, 0x22, 0x3a]; // ,"time":

function matches(bytes: Uint8Array, at: number, pattern: readonly number[]): boolean {
  if (at < 0) return false;
  for (let i = 0; i < pattern.length; i++) if (bytes[at + i] !== pattern[i]) return false;
  return true;
}

/**
 * Reads the decimal integer that ends just before `end` (canonical: no
 * leading zero, at most 16 digits, a safe integer). Returns its first
 * digit's offset, or -1; the value is left in `scanned.value`.
 */
function digitsBefore(bytes: Uint8Array, start: number, end: number, scanned: { value: number }): number {
  let i = end;
  while (i > start && bytes[i - 1] >= 0x30 && bytes[i - 1] <= 0x39 && end - i < 17) i--;
  const length = end - i;
  if (length === 0 || length > 16 || (length > 1 && bytes[i] === 0x30)) return -1;
  let value = 0;
  for (let j = i; j < end; j++) value = value * 10 + (bytes[j] - 0x30);
  if (!Number.isSafeInteger(value)) return -1;
  scanned.value = value;
  return i;
}

const scratch = { value: 0 };

/**
 * Reads seq, time and where prev sits from a record line's bytes
 * `bytes[start, end)` without decoding or parsing the JSON: the canonical
 * layout puts them last, in fixed order, so they are read from the end.
 * Returns false when the bytes do not have that layout. The `data` member is
 * not parsed: its bytes are authenticated by the hashes, not by this scan.
 */
export function scanRecordLine(bytes: Uint8Array, start: number, end: number, out: RecordLineFields): boolean {
  if (end - start < DATA_OPEN.length + 1 + PREV_OPEN.length + 64 + SEQ_OPEN.length + 1 + TIME_OPEN.length + 2) return false;
  if (!matches(bytes, start, DATA_OPEN) || bytes[end - 1] !== 0x7d) return false;
  const timeAt = digitsBefore(bytes, start, end - 1, scratch);
  if (timeAt < 0 || !matches(bytes, timeAt - TIME_OPEN.length, TIME_OPEN)) return false;
  out.time = scratch.value;
  const seqEnd = timeAt - TIME_OPEN.length;
  const seqAt = digitsBefore(bytes, start, seqEnd, scratch);
  if (seqAt < 0 || !matches(bytes, seqAt - SEQ_OPEN.length, SEQ_OPEN)) return false;
  out.seq = scratch.value;
  const prevAt = seqAt - SEQ_OPEN.length - 64;
  if (prevAt < start + DATA_OPEN.length + 1 || !matches(bytes, prevAt - PREV_OPEN.length, PREV_OPEN)) return false;
  let notHex = 0;
  for (let i = prevAt; i < prevAt + 64; i++) notHex |= NOT_HEX[bytes[i] as number] as number;
  if (notHex !== 0) return false;
  out.prevAt = prevAt;
  return true;
}

/** Whether the 64 hex digits at `bytes[at]` spell the 32-byte hash at `hash[offset]`. */
export function hexEquals(bytes: Uint8Array, at: number, hash: Uint8Array, offset: number): boolean {
  let differ = 0;
  for (let i = 0; i < 32; i++) {
    const pair = HEX_PAIRS[hash[offset + i] as number] as number;
    differ |= (bytes[at + 2 * i] as number) ^ (pair >> 8);
    differ |= (bytes[at + 2 * i + 1] as number) ^ (pair & 0xff);
  }
  return differ === 0;
}

/**
 * Parses a record line into its record, checking that the line is exactly
 * the canonical serialization of what it parses to (so a record read back
 * means what its hashed bytes say). Returns undefined for any other text.
 *
 * @example
 * ```ts
 * import { auditRecordLine, parseAuditRecordLine } from "papertrail/compliance";
 * const line = auditRecordLine({ seq: 3, time: 9, prev: "ab".repeat(32), data: ["x"] });
 * parseAuditRecordLine(line)?.data; // => ["x"]
 * parseAuditRecordLine(line.replace('"seq"', ' "seq"')); // => undefined
 * ```
 */
export function parseAuditRecordLine(line: string): AuditRecord | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) return undefined;
  const { seq, time, prev, data } = parsed as Record<string, unknown>;
  if (Object.keys(parsed).length !== 4 || !("data" in parsed)) return undefined;
  const record = { seq, time, prev, data } as AuditRecord;
  try {
    return auditRecordLine(record) === line ? record : undefined;
  } catch {
    return undefined;
  }
}
