/**
 * Streaming verification of an audit log's lines: one pass, constant memory
 * (the tree's frontier, two hashes of the chain and, once something is
 * wrong, a short look-ahead), reporting the first bad record and why.
 *
 * How each kind of damage shows (record i is the one at position i):
 * - modified: record i's bytes changed, so record i + 1's `prev` no longer
 *   matches. The last record (pinned by no successor) is caught by the
 *   checkpoint's root instead.
 * - deleted: record i has a seq above i, and no record with seq i follows
 *   in the look-ahead.
 * - reordered: record i has a seq above i, and the record with seq i
 *   follows within the look-ahead.
 * - inserted: a record whose seq was already used (a copy), or two records
 *   claiming the same seq and predecessor (a forgery; the look-ahead tells
 *   which one the next record chains to), or a line that is no record
 *   followed by the record it displaced.
 * - truncated: the input ends inside a record (no final newline: a crash
 *   mid-append), or before the trusted checkpoint's size.
 * - checkpoint: the chain is intact but the root of the first `size`
 *   records is not the checkpoint's (the records before it were rewritten
 *   with a consistent chain, or the pruned state was altered).
 *
 * @module
 */
import { DecodeError } from "../errors.js";
import { fromHex, hexEquals, scanRecordLine } from "./audit-record.js";
import { type AuditPrunedState, decodeNodes } from "./audit-store.js";
import { MerkleFrontier } from "./merkle-frontier.js";
import { Sha256TreeHasher, type TreeHasher, compactRange } from "./tree-hasher.js";

/**
 * Why a log failed verification; see {@link AuditVerifier} for how each kind
 * is recognised.
 *
 * @example
 * ```ts
 * import type { AuditFailureKind } from "papertrail/compliance";
 * const kinds: AuditFailureKind[] = ["modified", "deleted", "inserted", "reordered", "truncated", "checkpoint"];
 * kinds.length; // => 6
 * ```
 */
export type AuditFailureKind = "modified" | "deleted" | "inserted" | "reordered" | "truncated" | "checkpoint";

/**
 * The first bad record: its `index` (position in the log), the `kind` of
 * damage and a sentence saying what was seen.
 *
 * @example
 * ```ts
 * import type { AuditFailure } from "papertrail/compliance";
 * const failure: AuditFailure = { index: 4, kind: "deleted", reason: "record 4 has seq 5" };
 * failure.kind; // => "deleted"
 * ```
 */
export interface AuditFailure {
  readonly index: number;
  readonly kind: AuditFailureKind;
  readonly reason: string;
}

/**
 * The verdict on a log: `ok` when every line verified (and matched the
 * trusted checkpoint if one was given); `size`, the number of records (from
 * record 0, pruned ones included) that verified; `root`, the RFC 6962 root
 * of those records; `failure`, the first bad record when not ok.
 *
 * @example
 * ```ts
 * import { AuditLog, verifyAuditLines } from "papertrail/compliance";
 * const log = new AuditLog({ origin: "example.com/audit" });
 * log.append(1);
 * const result = verifyAuditLines([log.line(0)]);
 * result.ok; // => true
 * result.size; // => 1
 * ```
 */
export interface AuditVerification {
  readonly ok: boolean;
  readonly size: number;
  readonly root: Uint8Array;
  readonly failure?: AuditFailure;
}

/**
 * Options of {@link AuditVerifier}: a trusted `checkpoint` (size and root,
 * e.g. a {@link SignedCheckpoint} whose note was verified) the records must
 * match; the `pruned` state when the log's first records were pruned (the
 * input then starts at record `pruned.size`).
 *
 * @example
 * ```ts
 * import { AuditLog, type AuditVerifierOptions } from "papertrail/compliance";
 * const log = new AuditLog({ origin: "example.com/audit" });
 * log.append("a");
 * const options: AuditVerifierOptions = { checkpoint: log.checkpoint() };
 * options.checkpoint?.size; // => 1
 * ```
 */
export interface AuditVerifierOptions {
  readonly checkpoint?: { readonly size: number; readonly root: Uint8Array };
  readonly pruned?: AuditPrunedState;
  /** Leaf and node hashing (the Node-only file verifier passes a `node:crypto` one). */
  readonly hasher?: TreeHasher;
}

/** How many records after the first anomaly are read to tell deletion from reordering and which of two claimants was inserted. */
const LOOKAHEAD = 64;

interface Seen {
  readonly parsed: boolean;
  readonly seq: number;
  readonly prev: Uint8Array | undefined;
  readonly hash: Uint8Array;
}

function equal(a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  if (a === undefined || b === undefined || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

const textDecoder = new TextDecoder();

/**
 * Verifies an audit log given line by line (each line's bytes without its
 * newline), in one pass with constant memory: sequence numbers, the hash
 * chain, and the tree root against a trusted checkpoint. `push` returns
 * false once the verdict is settled (more input cannot change it); `finish`
 * gives the verdict, told whether the input ended inside a line.
 *
 * @example
 * ```ts
 * import { AuditLog, AuditVerifier } from "papertrail/compliance";
 * const log = new AuditLog({ origin: "example.com/audit" });
 * for (let i = 0; i < 5; i++) log.append({ i });
 * const checkpoint = log.checkpoint();
 * const lines = [0, 1, 3, 2, 4].map((i) => new TextEncoder().encode(log.line(i)));
 * const verifier = new AuditVerifier({ checkpoint });
 * for (const line of lines) verifier.push(line);
 * const result = verifier.finish();
 * result.failure?.kind; // => "reordered"
 * result.failure?.index; // => 2
 * result.size; // => 2
 * ```
 */
export class AuditVerifier {
  private readonly hasher: TreeHasher;
  private readonly frontier: MerkleFrontier;
  private readonly first: number;
  private readonly checkpoint: { readonly size: number; readonly root: Uint8Array } | undefined;
  /** Leaf hashes of records i − 1 and i − 2 (i the next index). */
  private prev1 = new Uint8Array(32);
  private prev2: Uint8Array | undefined;
  private readonly fields = { seq: 0, time: 0, prevAt: 0 };
  private anomaly: { index: number; record: Seen; next: Seen[] } | undefined;
  private rootMismatch = false;
  private verdict: AuditVerification | undefined;

  constructor(options: AuditVerifierOptions = {}) {
    this.hasher = options.hasher ?? new Sha256TreeHasher();
    this.checkpoint = options.checkpoint;
    const pruned = options.pruned;
    if (pruned === undefined) {
      this.first = 0;
      this.frontier = new MerkleFrontier(this.hasher);
    } else {
      const nodes = decodeNodes(pruned);
      const find = (level: number, index: number): Uint8Array => {
        const node = nodes.find(([h, j]) => h === level && j === index);
        if (node === undefined) throw new DecodeError("malformed", `pruned state: node (level ${level}, index ${index}) is missing`);
        return node[2];
      };
      this.first = pruned.size;
      this.frontier = new MerkleFrontier(
        this.hasher,
        pruned.size,
        compactRange(0, pruned.size).map(([h, j]) => find(h, j)),
      );
      if (pruned.size > 0) this.prev1 = find(0, pruned.size - 1).slice();
    }
    this.checkRoot();
  }

  /** Compares the root with the checkpoint's when the verified prefix reaches its size. */
  private checkRoot(): void {
    const checkpoint = this.checkpoint;
    if (checkpoint === undefined || checkpoint.size !== this.frontier.size) return;
    if (!equal(this.frontier.root(), checkpoint.root)) this.rootMismatch = true;
  }

  /** Settles the verdict; `behind`: the blame falls on the last record appended, so the verified prefix ends before it. */
  private settle(failure: AuditFailure | undefined, behind = false): false {
    const frontier = this.frontier;
    const size = behind ? frontier.size - 1 : frontier.size;
    const root = behind ? frontier.rootBefore() : frontier.root();
    this.verdict = failure === undefined ? { ok: true, size, root } : { ok: false, size, root, failure };
    return false;
  }

  /** Feeds one line (`bytes[start, end)`, no newline). Returns false once the verdict is settled. */
  push(bytes: Uint8Array, start = 0, end: number = bytes.length): boolean {
    if (this.verdict !== undefined) return false;
    const index = this.frontier.size;
    const fields = this.fields;
    const parsed = scanRecordLine(bytes, start, end, fields);
    if (this.anomaly !== undefined) {
      const hash = new Uint8Array(32);
      this.hasher.leaf(bytes, start, end, hash, 0);
      this.anomaly.next.push(this.seen(parsed, bytes, hash));
      if (this.anomaly.next.length >= LOOKAHEAD) return this.classify();
      return true;
    }
    const chained = parsed && fields.seq === index && this.chains(bytes, fields.prevAt);
    if (this.rootMismatch && chained) {
      // The record after the checkpoint's last one chains to it: the
      // checkpoint's tree differs somewhere the chain does not show.
      const m = this.checkpoint?.size ?? index;
      return this.settle({
        index: m - 1,
        kind: "checkpoint",
        reason: `the chain is intact but the root of the first ${m} records is not the checkpoint's: records before ${m} were rewritten together with their chain, or the pruned state was altered`,
      });
    }
    if (chained) {
      this.frontier.append(bytes, start, end);
      const older = this.prev2 ?? new Uint8Array(32);
      older.set(this.prev1);
      this.prev2 = older;
      this.prev1.set(this.frontier.lastLeaf);
      this.checkRoot();
      return true;
    }
    const hash = new Uint8Array(32);
    this.hasher.leaf(bytes, start, end, hash, 0);
    this.anomaly = { index, record: this.seen(parsed, bytes, hash), next: [] };
    return true;
  }

  private chains(bytes: Uint8Array, at: number): boolean {
    return hexEquals(bytes, at, this.prev1, 0);
  }

  private seen(parsed: boolean, bytes: Uint8Array, hash: Uint8Array): Seen {
    if (!parsed) return { parsed, seq: -1, prev: undefined, hash };
    const at = this.fields.prevAt;
    return { parsed, seq: this.fields.seq, prev: fromHex(textDecoder.decode(bytes.subarray(at, at + 64))), hash };
  }

  /** Names the first anomaly from the record, the chain before it and the look-ahead. */
  private classify(): false {
    const { index: i, record, next } = this.anomaly as { index: number; record: Seen; next: Seen[] };
    const following = next[0];
    const chainsHere = (r: Seen | undefined): boolean => r !== undefined && r.parsed && r.seq === i && equal(r.prev, this.prev1);
    if (!record.parsed) {
      if (chainsHere(following)) return this.settle({ index: i, kind: "inserted", reason: `line ${i} is not an audit record, and the record after it is record ${i}` });
      return this.settle({ index: i, kind: "modified", reason: `record ${i} is no longer a canonical audit record line` });
    }
    const s = record.seq;
    if (s === i) {
      if (following !== undefined && following.parsed && following.seq === i) {
        return this.settle({ index: i, kind: "inserted", reason: `two records claim seq ${i}; the one at position ${i} does not chain to record ${i - 1}` });
      }
      if (i > this.first) {
        return this.settle({ index: i - 1, kind: "modified", reason: `record ${i - 1} no longer hashes to the value record ${i} carries for it (prev)` }, true);
      }
      return this.settle({ index: i, kind: "modified", reason: `record ${i}'s prev is not the hash of the record before it` });
    }
    if (s > i) {
      const found = next.findIndex((r) => r.parsed && r.seq === i);
      if (found >= 0) return this.settle({ index: i, kind: "reordered", reason: `position ${i} holds record ${s}; record ${i} comes ${found + 1} position(s) later` });
      return this.settle({ index: i, kind: "deleted", reason: s === i + 1 ? `record ${i} is missing (the next record has seq ${s})` : `records ${i} to ${s - 1} are missing (the next record has seq ${s})` });
    }
    // s < i: a seq already used.
    if (equal(record.hash, this.prev1)) return this.settle({ index: i, kind: "inserted", reason: `record ${i} is a copy of record ${i - 1}` });
    if (s === i - 1 && equal(record.prev, this.prev2)) {
      // The successor chains to the real one; with no successor, the
      // checkpoint's root (which failed with the earlier one included) decides.
      if ((following !== undefined && equal(following.prev, record.hash)) || (following === undefined && this.rootMismatch)) {
        return this.settle({ index: i - 1, kind: "inserted", reason: `two records claim seq ${i - 1}; the later one is chained to by its successor, so the one at position ${i - 1} was inserted` }, true);
      }
      return this.settle({ index: i, kind: "inserted", reason: `two records claim seq ${i - 1}; the one at position ${i} was inserted` });
    }
    return this.settle({ index: i, kind: "inserted", reason: `position ${i} holds a record with seq ${s}, already used (a replayed or copied record)` });
  }

  /**
   * The verdict. `incompleteTail`: the input ended inside a line (the bytes
   * after the last newline), as a crash mid-append leaves it; the records
   * before it are still verified and the verdict says so.
   */
  finish(incompleteTail?: { readonly offset: number; readonly length: number }): AuditVerification {
    if (this.verdict !== undefined) return this.verdict;
    if (this.anomaly !== undefined) {
      this.classify();
      return this.verdict as unknown as AuditVerification;
    }
    const size = this.frontier.size;
    if (this.rootMismatch) {
      this.settle(
        { index: size - 1, kind: "modified", reason: `the root of the ${size} records is not the checkpoint's; the chain is intact, so record ${size - 1}, which no later record pins, was modified (or the whole chain was rewritten)` },
        true,
      );
      return this.verdict as unknown as AuditVerification;
    }
    if (incompleteTail !== undefined && incompleteTail.length > 0) {
      this.settle({ index: size, kind: "truncated", reason: `the log ends inside record ${size} (${incompleteTail.length} bytes after the last newline, at byte ${incompleteTail.offset}): a crash mid-append; the ${size} records before it verify` });
      return this.verdict as unknown as AuditVerification;
    }
    const checkpoint = this.checkpoint;
    if (checkpoint !== undefined && checkpoint.size > size) {
      this.settle({ index: size, kind: "truncated", reason: `the log ends after ${size} records but the checkpoint covers ${checkpoint.size}` });
    } else if (checkpoint !== undefined && checkpoint.size < this.first) {
      this.settle({ index: checkpoint.size, kind: "checkpoint", reason: `the checkpoint (size ${checkpoint.size}) predates the pruned records (${this.first}); check it with a consistency proof instead` });
    } else {
      this.settle(undefined);
    }
    return this.verdict as unknown as AuditVerification;
  }
}

/**
 * Verifies record lines (strings or UTF-8 bytes, no newlines) with an
 * {@link AuditVerifier}; see there for options and the verdict.
 *
 * @example
 * ```ts
 * import { AuditLog, verifyAuditLines } from "papertrail/compliance";
 * const log = new AuditLog({ origin: "example.com/audit" });
 * for (let i = 0; i < 4; i++) log.append({ i });
 * const lines = [0, 1, 2, 3].map((i) => log.line(i));
 * lines[1] = lines[1]!.replace('"i":1', '"i":7');
 * const result = verifyAuditLines(lines, { checkpoint: log.checkpoint() });
 * result.failure; // => { index: 1, kind: "modified", reason: "record 1 no longer hashes to the value record 2 carries for it (prev)" }
 * ```
 */
export function verifyAuditLines(lines: Iterable<string | Uint8Array>, options: AuditVerifierOptions = {}): AuditVerification {
  const verifier = new AuditVerifier(options);
  const encoder = new TextEncoder();
  for (const line of lines) {
    const bytes = typeof line === "string" ? encoder.encode(line) : line;
    if (!verifier.push(bytes)) break;
  }
  return verifier.finish();
}
