/**
 * The audit log as the HTTP API serves it: appends (durable when the store
 * is a file), records, RFC 6962 proofs as base64, the latest checkpoint
 * signed as a C2SP signed note, and re-verification of a range.
 *
 * @module
 */
import type { AuditLog } from "../compliance/audit-log.js";
import { verifyAuditLines } from "../compliance/audit-verifier.js";
import type { JsonValue } from "../compliance/canonical-json.js";
import { signLogCheckpoint } from "../compliance/node/signed-checkpoint.js";
import type { NoteSigner } from "../compliance/node/signed-note.js";
import { InvalidArgumentError } from "../errors.js";
import type { AuditBackend } from "./backend.js";

/**
 * Options of {@link createAuditBackend}.
 *
 * @example
 * ```ts
 * import type { AuditBackendOptions } from "papertrail/server";
 * const signersOf = (options: AuditBackendOptions) => options.signers.length;
 * typeof signersOf; // => "function"
 * ```
 */
export interface AuditBackendOptions {
  readonly log: AuditLog;
  /** Who signs checkpoints (at least one). */
  readonly signers: readonly NoteSigner[];
}

const base64 = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");

/**
 * Serves an `AuditLog` through the {@link AuditBackend} interface.
 *
 * @example
 * ```ts
 * import { AuditLog } from "papertrail/compliance";
 * import { generateNoteKey, NoteSigner } from "papertrail/compliance/node";
 * import { createAuditBackend } from "papertrail/server";
 * const log = new AuditLog({ origin: "example.com/audit" });
 * const audit = createAuditBackend({ log, signers: [NoteSigner.fromKey(generateNoteKey("example.com/audit").signerKey)] });
 * (await audit.append([{ action: "login", user: "alice" }])).size; // => 1
 * (await audit.checkpoint()).note.startsWith("example.com/audit\n1\n"); // => true
 * (await audit.verify(0, 1)).ok; // => true
 * ```
 */
export function createAuditBackend(options: AuditBackendOptions): AuditBackend {
  const { log, signers } = options;
  if (signers.length === 0) throw new InvalidArgumentError("createAuditBackend needs at least one checkpoint signer");
  const checkIndex = (index: number, size: number, what: string): void => {
    if (!Number.isSafeInteger(index) || index < 0 || index >= size) throw new InvalidArgumentError(`${what} must be an index below the tree size ${size}, got ${index}`);
    if (index < log.firstIndex) throw new InvalidArgumentError(`${what} ${index} was pruned (the log keeps records from ${log.firstIndex})`);
  };
  const checkSize = (size: number, what: string): void => {
    if (!Number.isSafeInteger(size) || size < 1 || size > log.size) throw new InvalidArgumentError(`${what} must be a tree size from 1 to ${log.size}, got ${size}`);
  };
  return {
    async append(records) {
      const first = log.size;
      for (const record of records) log.append(record as JsonValue);
      log.flush();
      return { first, size: log.size };
    },
    size: () => log.size,
    record(index) {
      if (!Number.isSafeInteger(index) || index < log.firstIndex || index >= log.size) return undefined;
      return log.record(index);
    },
    inclusionProof(index, treeSize = log.size) {
      checkSize(treeSize, "size");
      checkIndex(index, treeSize, "index");
      return { index, treeSize, leaf: base64(log.leaf(index)), proof: log.inclusionProof(index, treeSize).map(base64), root: base64(log.root(treeSize)) };
    },
    consistencyProof(oldSize, newSize = log.size) {
      checkSize(newSize, "new");
      if (!Number.isSafeInteger(oldSize) || oldSize < 1 || oldSize > newSize) throw new InvalidArgumentError(`old must be a tree size from 1 to ${newSize}, got ${oldSize}`);
      return { oldSize, newSize, proof: log.consistencyProof(oldSize, newSize).map(base64), oldRoot: base64(log.root(oldSize)), newRoot: base64(log.root(newSize)) };
    },
    async checkpoint() {
      const signed = signLogCheckpoint(log, ...signers);
      return { origin: signed.origin, size: signed.size, root: base64(signed.root), note: signed.note };
    },
    async verify(from, to) {
      if (!Number.isSafeInteger(from) || !Number.isSafeInteger(to) || from < 0 || to > log.size || from > to) {
        throw new InvalidArgumentError(`verify needs 0 <= from <= to <= ${log.size}, got from=${from} to=${to}`);
      }
      if (log.firstIndex > 0) throw new InvalidArgumentError(`records before ${log.firstIndex} were pruned; verify an export instead (docs/audit.md)`);
      // The chain is checked from the first record, so that record `from`'s link is checked too.
      const lines = function* (): Generator<string> {
        for (let i = 0; i < to; i++) yield log.line(i);
      };
      const result = verifyAuditLines(lines(), { checkpoint: to === 0 ? undefined : { size: to, root: log.root(to) } });
      const failure = result.failure;
      return failure === undefined ? { ok: result.ok, checked: to - from } : { ok: false, checked: to - from, firstBad: { index: failure.index, kind: failure.kind, reason: failure.reason } };
    },
  };
}
