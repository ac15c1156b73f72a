/// <reference types="node" />
/**
 * Streaming verification of a JSON-lines audit file: read in 1 MiB chunks,
 * never held whole, each line fed to an {@link AuditVerifier}.
 *
 * @module
 */
import { existsSync, readFileSync } from "node:fs";
import { open } from "node:fs/promises";
import { DecodeError, InvalidArgumentError } from "../../errors.js";
import { checkOptionKeys } from "../../sketches/sketch.js";
import type { AuditPrunedState } from "../audit-store.js";
import { type AuditVerification, AuditVerifier } from "../audit-verifier.js";
import type { TreeHasher } from "../tree-hasher.js";

const CHUNK = 1 << 20;

/**
 * Options of {@link verifyAuditFile}: a trusted `checkpoint` (size and root,
 * e.g. from `openCheckpoint`) the file must match; the `pruned` state if the
 * file's first records were pruned (by default read from
 * `<path>.state.json` when that file exists); a `hasher`.
 *
 * @example
 * ```ts
 * import type { VerifyAuditFileOptions } from "papertrail/compliance/node";
 * const options: VerifyAuditFileOptions = {};
 * Object.keys(options).length; // => 0
 * ```
 */
export interface VerifyAuditFileOptions {
  readonly checkpoint?: { readonly size: number; readonly root: Uint8Array };
  readonly pruned?: AuditPrunedState;
  readonly hasher?: TreeHasher;
}

/**
 * Verifies the audit log file at `path` as a stream (constant memory): every
 * record's seq and chain, the tree root against `options.checkpoint`, and a
 * torn last line (reported as `truncated`, with the records before it
 * verified). Resolves to the verdict; rejects only when the file cannot be
 * read or its state file is malformed (`DecodeError`).
 *
 * @example
 * ```ts
 * import { mkdtempSync, truncateSync, statSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { openFileAuditLog, verifyAuditFile } from "papertrail/compliance/node";
 * const path = join(mkdtempSync(join(tmpdir(), "audit-")), "audit.jsonl");
 * const log = openFileAuditLog(path, { origin: "example.com/audit" });
 * for (let i = 0; i < 3; i++) log.append({ i });
 * log.close();
 * (await verifyAuditFile(path)).ok; // => true
 * truncateSync(path, statSync(path).size - 5); // a crash in the middle of the last append
 * const result = await verifyAuditFile(path);
 * result.size; // => 2
 * result.failure?.kind; // => "truncated"
 * ```
 */
export async function verifyAuditFile(path: string, options: VerifyAuditFileOptions = {}): Promise<AuditVerification> {
  checkOptionKeys("verifyAuditFile", options, ["checkpoint", "pruned", "hasher"]);
  if (typeof path !== "string" || path === "") throw new InvalidArgumentError("verifyAuditFile: path must be a non-empty string");
  let pruned = options.pruned;
  if (pruned === undefined && existsSync(`${path}.state.json`)) {
    let state: { pruned?: AuditPrunedState | null } | null;
    try {
      state = JSON.parse(readFileSync(`${path}.state.json`, "utf8")) as { pruned?: AuditPrunedState | null } | null;
    } catch {
      throw new DecodeError("malformed", `verifyAuditFile: ${path}.state.json is not JSON`);
    }
    pruned = state?.pruned ?? undefined;
  }
  const verifier = new AuditVerifier({
    ...(options.checkpoint === undefined ? {} : { checkpoint: options.checkpoint }),
    ...(pruned === undefined ? {} : { pruned }),
    ...(options.hasher === undefined ? {} : { hasher: options.hasher }),
  });
  const handle = await open(path, "r");
  try {
    let buffer = Buffer.alloc(CHUNK);
    let carried = 0;
    let position = 0;
    for (;;) {
      if (carried === buffer.length) {
        const grown = Buffer.alloc(buffer.length * 2);
        buffer.copy(grown, 0, 0, carried);
        buffer = grown;
      }
      const { bytesRead } = await handle.read(buffer, carried, buffer.length - carried, position + carried);
      if (bytesRead === 0) return verifier.finish(carried > 0 ? { offset: position, length: carried } : undefined);
      const filled = carried + bytesRead;
      let start = 0;
      for (let i = buffer.indexOf(0x0a, carried); i >= 0 && i < filled; i = buffer.indexOf(0x0a, i + 1)) {
        if (!verifier.push(buffer, start, i)) return verifier.finish();
        start = i + 1;
      }
      buffer.copy(buffer, 0, start, filled);
      carried = filled - start;
      position += start;
    }
  } finally {
    await handle.close();
  }
}
