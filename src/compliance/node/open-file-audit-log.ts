/// <reference types="node" />
/**
 * An {@link AuditLog} on a {@link FileAuditStore}, in one call.
 *
 * @module
 */
import { checkOptionKeys } from "../../sketches/sketch.js";
import { AuditLog } from "../audit-log.js";
import type { JsonValue } from "../canonical-json.js";
import type { TreeHasher } from "../tree-hasher.js";
import { FileAuditStore, type FileAuditStoreOptions } from "./file-audit-store.js";

/**
 * Options of {@link openFileAuditLog}: the log's `origin` and clock (`now`),
 * its `hasher`, and the file store's options.
 *
 * @example
 * ```ts
 * import type { FileAuditLogOptions } from "papertrail/compliance/node";
 * const options: FileAuditLogOptions = { origin: "example.com/audit", fsync: "every-append" };
 * options.fsync; // => "every-append"
 * ```
 */
export interface FileAuditLogOptions extends FileAuditStoreOptions {
  readonly origin: string;
  readonly now?: () => number;
  readonly hasher?: TreeHasher;
}

/**
 * Opens (or creates) the audit log stored at `path`: opens the
 * {@link FileAuditStore} (recovering a torn last line per its options) and
 * replays the file to rebuild the tree, checking every record's seq and
 * chain and the stored checkpoints. Throws `DecodeError` when the file does
 * not verify (inspect it with `verifyAuditFile`).
 *
 * @example
 * ```ts
 * import { mkdtempSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { openFileAuditLog } from "papertrail/compliance/node";
 * const path = join(mkdtempSync(join(tmpdir(), "audit-")), "audit.jsonl");
 * const log = openFileAuditLog(path, { origin: "example.com/audit" });
 * log.append({ action: "login", user: "alice" }).seq; // => 0
 * log.close();
 * ```
 */
export function openFileAuditLog<T extends JsonValue = JsonValue>(path: string, options: FileAuditLogOptions): AuditLog<T> {
  checkOptionKeys("openFileAuditLog", options, ["origin", "now", "hasher", "fsync", "batchRecords", "batchMs", "onIncompleteTail"]);
  const { origin, now, hasher, ...storeOptions } = options;
  const store = FileAuditStore.open(path, storeOptions);
  try {
    return new AuditLog<T>({ origin, store, ...(now === undefined ? {} : { now }), ...(hasher === undefined ? {} : { hasher }) });
  } catch (error) {
    store.close();
    throw error;
  }
}
