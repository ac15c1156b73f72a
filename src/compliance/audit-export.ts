/**
 * The chain-of-custody bundle of an audit log range (AuditLog.export) and
 * the checks on its records that need no signature key. The signature on
 * its checkpoint is checked by papertrail/compliance/node (verifyAuditExport,
 * and the `papertrail-verify` command).
 *
 * @module
 */
import { DecodeError } from "../errors.js";
import { fromHex, parseAuditRecordLine } from "./audit-record.js";
import type { AuditFailure } from "./audit-verifier.js";
import { fromBase64 } from "./base64.js";
import type { Checkpoint } from "./checkpoint.js";
import { verifyInclusion } from "./merkle.js";
import { Sha256TreeHasher } from "./tree-hasher.js";

/**
 * The `format` value of an export bundle.
 *
 * @example
 * ```ts
 * import { AUDIT_EXPORT_FORMAT } from "papertrail/compliance";
 * AUDIT_EXPORT_FORMAT; // => "papertrail-audit-export/1"
 * ```
 */
export const AUDIT_EXPORT_FORMAT = "papertrail-audit-export/1";

/**
 * An exported range of an audit log, as JSON: `format` (always
 * `"papertrail-audit-export/1"`), the log's `origin`, `checkpoint` (the
 * signed note of the checkpoint the proofs lead to), `verifierKeys` (the
 * signer's verifier key texts, for reference: an auditor should pin the key
 * obtained from the log's operator), and `records`: each record's `index`,
 * exact `line` (its leaf bytes as text) and `proof` (its RFC 6962 inclusion
 * proof in the checkpoint's tree, base64 hashes, leaf end first).
 *
 * @example
 * ```ts
 * import { AUDIT_EXPORT_FORMAT, type AuditExport } from "papertrail/compliance";
 * const empty: AuditExport = { format: AUDIT_EXPORT_FORMAT, origin: "example.com/audit", checkpoint: "", verifierKeys: [], records: [] };
 * empty.format; // => "papertrail-audit-export/1"
 * ```
 */
export interface AuditExport {
  readonly format: typeof AUDIT_EXPORT_FORMAT;
  readonly origin: string;
  readonly checkpoint: string;
  readonly verifierKeys: readonly string[];
  readonly records: readonly { readonly index: number; readonly line: string; readonly proof: readonly string[] }[];
}

/** Caps that keep a hostile bundle from making the checker allocate without bound (per record: 64 proof hashes). */
const MAX_PROOF = 64;

/**
 * Checks the shape of a parsed export bundle (unknown keys refused) and
 * returns it typed. Throws {@link DecodeError} (code `malformed`) naming
 * the first field that is wrong.
 *
 * @example
 * ```ts
 * import { parseAuditExport } from "papertrail/compliance";
 * let code = "";
 * try { parseAuditExport({ format: "other" }); } catch (e) { code = (e as { code: string }).code; }
 * code; // => "malformed"
 * ```
 */
export function parseAuditExport(value: unknown): AuditExport {
  const fail = (what: string): never => {
    throw new DecodeError("malformed", `audit export: ${what}`);
  };
  if (value === null || typeof value !== "object" || Array.isArray(value)) return fail("not a JSON object");
  const bundle = value as Record<string, unknown>;
  for (const key of Object.keys(bundle)) if (!["format", "origin", "checkpoint", "verifierKeys", "records"].includes(key)) fail(`unknown field "${key}"`);
  if (bundle.format !== AUDIT_EXPORT_FORMAT) fail(`format must be "${AUDIT_EXPORT_FORMAT}"`);
  if (typeof bundle.origin !== "string") fail("origin must be a string");
  if (typeof bundle.checkpoint !== "string") fail("checkpoint must be the signed note text");
  if (!Array.isArray(bundle.verifierKeys) || bundle.verifierKeys.some((key) => typeof key !== "string")) fail("verifierKeys must be an array of strings");
  if (!Array.isArray(bundle.records)) fail("records must be an array");
  (bundle.records as unknown[]).forEach((record, k) => {
    if (record === null || typeof record !== "object" || Array.isArray(record)) return fail(`records[${k}] is not an object`);
    const { index, line, proof } = record as Record<string, unknown>;
    if (Object.keys(record).some((key) => !["index", "line", "proof"].includes(key))) fail(`records[${k}] has an unknown field`);
    if (!Number.isSafeInteger(index) || (index as number) < 0) fail(`records[${k}].index must be a non-negative integer`);
    if (typeof line !== "string") fail(`records[${k}].line must be a string`);
    if (!Array.isArray(proof) || proof.length > MAX_PROOF || proof.some((hash) => typeof hash !== "string")) fail(`records[${k}].proof must be an array of at most ${MAX_PROOF} base64 hashes`);
  });
  return bundle as unknown as AuditExport;
}

/**
 * Checks an export's records against a checkpoint whose signature was
 * verified already: the origin matches, indexes run consecutively, each
 * line is a canonical record whose seq is its index, each record's `prev` is
 * the leaf hash of the record before it in the range, and each inclusion
 * proof leads from the line to the checkpoint's root. Returns the first
 * failure, or undefined when all records verify.
 *
 * @example
 * ```ts
 * import { AuditLog, checkAuditExportRecords, parseCheckpoint } from "papertrail/compliance";
 * const log = new AuditLog({ origin: "example.com/audit" });
 * for (let i = 0; i < 3; i++) log.append({ i });
 * const checkpoint = log.checkpoint();
 * const note = "(signature not needed for this check)";
 * const bundle = log.export(0, 3, { checkpoint: { ...checkpoint, note }, verifierKeys: ["-"] });
 * checkAuditExportRecords(bundle, checkpoint); // => undefined
 * parseCheckpoint("example.com/audit\n3\n" + "A".repeat(43) + "=\n").size; // => 3
 * ```
 */
export function checkAuditExportRecords(bundle: AuditExport, checkpoint: Checkpoint): AuditFailure | undefined {
  const records = bundle.records;
  if (bundle.origin !== checkpoint.origin) return { index: records[0]?.index ?? 0, kind: "checkpoint", reason: `the bundle's origin ${JSON.stringify(bundle.origin)} is not the checkpoint's (${JSON.stringify(checkpoint.origin)})` };
  if (records.length === 0) return { index: 0, kind: "deleted", reason: "the bundle holds no records" };
  const encoder = new TextEncoder();
  const hasher = new Sha256TreeHasher();
  let previousHash: Uint8Array | undefined;
  let expected = (records[0] as { index: number }).index;
  for (let position = records[0]?.index ?? 0, k = 0; k < records.length; k++, position++) {
    const { index, line, proof } = records[k] as AuditExport["records"][number];
    if (index > expected) {
      const later = records.some((r) => r.index === expected);
      return later
        ? { index: expected, kind: "reordered", reason: `record ${index} comes where record ${expected} belongs; record ${expected} comes later` }
        : { index: expected, kind: "deleted", reason: `record ${expected} is missing from the range (the next one is ${index})` };
    }
    if (index < expected) return { index: position, kind: "inserted", reason: `record ${index} appears again after record ${expected - 1}` };
    const record = parseAuditRecordLine(line);
    if (record === undefined) return { index, kind: "modified", reason: `record ${index} is not a canonical audit record line` };
    if (record.seq !== index) return { index, kind: "modified", reason: `record at index ${index} says seq ${record.seq}` };
    if (index >= checkpoint.size) return { index, kind: "checkpoint", reason: `record ${index} is beyond the checkpoint's ${checkpoint.size} records` };
    const leaf = encoder.encode(line);
    const hashes = proof.map((text) => fromBase64(text));
    if (hashes.some((hash) => hash === undefined || hash.length !== 32)) return { index, kind: "modified", reason: `record ${index}'s proof holds a value that is not a base64 32-byte hash` };
    if (!verifyInclusion(leaf, index, checkpoint.size, hashes as Uint8Array[], checkpoint.root)) {
      return { index, kind: "modified", reason: `record ${index} is not in the checkpoint's tree (its inclusion proof fails): the line or its proof was altered` };
    }
    const leafHash = new Uint8Array(32);
    hasher.leaf(leaf, 0, leaf.length, leafHash, 0);
    if (previousHash !== undefined) {
      const prev = fromHex(record.prev);
      if (prev === undefined || prev.some((byte, i) => byte !== (previousHash as Uint8Array)[i])) return { index, kind: "modified", reason: `record ${index}'s prev is not the hash of record ${index - 1}` };
    }
    previousHash = leafHash;
    expected = index + 1;
  }
  return undefined;
}
