/// <reference types="node" />
/**
 * The append-only JSON-lines file store of an audit log: one record line
 * and a newline per record, appended with O_APPEND, made durable with fsync
 * according to a stated policy, and a small state file beside it for the
 * pruned prefix and the checkpoints taken.
 *
 * Files: `<path>` (the records) and `<path>.state.json` (`{"pruned":…,
 * "checkpoints":[…]}`, replaced atomically: written to a temporary file,
 * fsynced, renamed, directory fsynced). A crash mid-append leaves a last line
 * without its newline; opening the store finds it, copies those bytes to
 * `<path>.torn` and truncates them (or refuses, if asked), and says so in
 * {@link FileAuditStore.recoveredTail}.
 *
 * @module
 */
import { closeSync, existsSync, fsync, fsyncSync, ftruncateSync, openSync, readFileSync, readSync, renameSync, appendFileSync, writeSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { DecodeError, InvalidArgumentError } from "../../errors.js";
import { checkOptionKeys } from "../../sketches/sketch.js";
import { scanRecordLine } from "../audit-record.js";
import { type AuditPrunedState, type AuditStore, type StoredCheckpoint, decodeNodes } from "../audit-store.js";

/**
 * When the file store makes appended records durable (written and fsynced):
 * - `"every-append"`: before `append` returns. A power loss loses no
 *   appended record; the slowest (one disk flush per record).
 * - `"batch"` (default): when `batchRecords` records are pending the batch
 *   is written and its fsync runs in the background (on libuv's thread pool)
 *   while the next batch is hashed and written; `batchMs` ms after the first
 *   pending record, and on flush, checkpoint, prune and close, everything
 *   is written and fsynced before the call returns. A crash loses at most
 *   the pending batch and the one whose background fsync had not finished.
 * - `"manual"`: on flush, checkpoint, prune and close only (and the bytes
 *   are written, not fsynced, whenever 8 MiB are pending). A crash loses
 *   everything since the last flush.
 * A checkpoint always flushes first: records it covers are durable.
 *
 * @example
 * ```ts
 * import type { FsyncPolicy } from "papertrail/compliance/node";
 * const policy: FsyncPolicy = "batch";
 * policy; // => "batch"
 * ```
 */
export type FsyncPolicy = "every-append" | "batch" | "manual";

/**
 * Options of {@link FileAuditStore.open}: `fsync` policy (default
 * `"batch"`), `batchRecords` (default 1000) and `batchMs` (default 100) for
 * the batch policy, and `onIncompleteTail`: `"truncate"` (default: keep the
 * torn bytes in `<path>.torn` and cut them off) or `"refuse"` (throw
 * {@link DecodeError} with code `truncated`).
 *
 * @example
 * ```ts
 * import type { FileAuditStoreOptions } from "papertrail/compliance/node";
 * const options: FileAuditStoreOptions = { fsync: "batch", batchRecords: 500, batchMs: 20 };
 * options.batchRecords; // => 500
 * ```
 */
export interface FileAuditStoreOptions {
  readonly fsync?: FsyncPolicy;
  readonly batchRecords?: number;
  readonly batchMs?: number;
  readonly onIncompleteTail?: "truncate" | "refuse";
}

/** Pending bytes that trigger a write (no fsync) under the manual policy. */
const MANUAL_WRITE_BYTES = 8 << 20;
const CHUNK = 1 << 20;
const NEWLINE = 0x0a;

interface StateFile {
  pruned: AuditPrunedState | null;
  checkpoints: StoredCheckpoint[];
}

function readState(path: string): StateFile {
  if (!existsSync(path)) return { pruned: null, checkpoints: [] };
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, "utf8"));
  } catch {
    throw new DecodeError("malformed", `audit store: ${path} is not JSON`);
  }
  const state = parsed as Partial<StateFile> | null;
  if (state === null || typeof state !== "object" || !Array.isArray(state.checkpoints) || (state.pruned !== null && typeof state.pruned !== "object")) {
    throw new DecodeError("malformed", `audit store: ${path} is not a state file ({"pruned":…,"checkpoints":[…]})`);
  }
  if (state.pruned) decodeNodes(state.pruned);
  for (const checkpoint of state.checkpoints) {
    if (checkpoint === null || typeof checkpoint !== "object" || !Number.isSafeInteger(checkpoint.size) || typeof checkpoint.root !== "string" || (checkpoint.note !== undefined && typeof checkpoint.note !== "string")) {
      throw new DecodeError("malformed", `audit store: ${path} holds a malformed checkpoint`);
    }
  }
  return { pruned: state.pruned ?? null, checkpoints: state.checkpoints };
}

/** Writes a file durably and atomically: temporary file, fsync, rename, fsync of the directory. */
function replaceFile(path: string, data: string | Uint8Array): void {
  const temporary = `${path}.tmp`;
  const fd = openSync(temporary, "w");
  try {
    writeFileSync(fd, data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, path);
  syncDirectory(path);
}

function syncDirectory(path: string): void {
  const fd = openSync(dirname(path), "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Calls `visit` for each complete line of the file from `offset`; returns the offset and length of bytes after the last newline. */
function scanLines(fd: number, offset: number, visit: (bytes: Uint8Array, start: number, end: number, fileOffset: number) => void): { tailOffset: number; tailLength: number } {
  let buffer: Buffer = Buffer.alloc(CHUNK);
  let carried = 0; // bytes of an unfinished line at the buffer's start
  let position = offset; // file offset of buffer[0]
  for (;;) {
    if (carried === buffer.length) {
      const grown = Buffer.alloc(buffer.length * 2);
      buffer.copy(grown, 0, 0, carried);
      buffer = grown;
    }
    const read = readSync(fd, buffer, carried, buffer.length - carried, position + carried);
    if (read === 0) return { tailOffset: position, tailLength: carried };
    const filled = carried + read;
    let start = 0;
    for (let i = buffer.indexOf(NEWLINE, carried); i >= 0 && i < filled; i = buffer.indexOf(NEWLINE, i + 1)) {
      visit(buffer, start, i, position + start);
      start = i + 1;
    }
    buffer.copy(buffer, 0, start, filled);
    carried = filled - start;
    position += start;
  }
}

/**
 * An {@link AuditStore} on an append-only JSON-lines file (Node-only). Open
 * it with {@link FileAuditStore.open}; pass it to `new AuditLog({ origin,
 * store })`, which replays the file to rebuild the tree (one streaming
 * pass), or use {@link openFileAuditLog}.
 *
 * @example
 * ```ts
 * import { mkdtempSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { AuditLog } from "papertrail/compliance";
 * import { FileAuditStore } from "papertrail/compliance/node";
 * const path = join(mkdtempSync(join(tmpdir(), "audit-")), "audit.jsonl");
 * const log = new AuditLog({ origin: "example.com/audit", store: FileAuditStore.open(path, { fsync: "every-append" }) });
 * log.append({ action: "login" });
 * log.close();
 * const reopened = new AuditLog({ origin: "example.com/audit", store: FileAuditStore.open(path) });
 * reopened.size; // => 1
 * reopened.close();
 * ```
 */
export class FileAuditStore implements AuditStore {
  /** The records file. */
  readonly path: string;
  /** The policy in force. */
  readonly fsync: FsyncPolicy;
  /** What was cut off the file's end when it was opened (a torn last line), if anything. */
  readonly recoveredTail: { readonly offset: number; readonly length: number } | undefined;
  private readonly batchRecords: number;
  private readonly batchMs: number;
  private fd: number;
  private state: StateFile;
  /** offsets[k]: file offset of stored record firstIndex + k; one more entry for the end. */
  private offsets = new Float64Array(1024);
  private stored = 0;
  private first: number;
  /** Bytes written to the file so far (pending ones excluded). */
  private written: number;
  private pending = new Uint8Array(1 << 16);
  private pendingBytes = 0;
  private pendingRecords = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private timerError: unknown;
  private closed = false;
  /** Bytes were written without an fsync since the last flush. */
  private unsynced = false;
  /** A background fsync is running; `syncAgain`: batches were written after it started. */
  private syncing = false;
  private syncAgain = false;
  /** Descriptors closed while their background fsync ran: closed when it ends. */
  private readonly closeAfterSync: number[] = [];

  private constructor(path: string, options: FileAuditStoreOptions) {
    checkOptionKeys("FileAuditStore", options, ["fsync", "batchRecords", "batchMs", "onIncompleteTail"]);
    const { fsync = "batch", batchRecords = 1000, batchMs = 100, onIncompleteTail = "truncate" } = options;
    if (!["every-append", "batch", "manual"].includes(fsync)) throw new InvalidArgumentError(`FileAuditStore: fsync must be "every-append", "batch" or "manual", got ${JSON.stringify(fsync)}`);
    if (!Number.isSafeInteger(batchRecords) || batchRecords < 1) throw new InvalidArgumentError(`FileAuditStore: batchRecords must be a positive integer, got ${String(batchRecords)}`);
    if (typeof batchMs !== "number" || !(batchMs >= 0) || !Number.isFinite(batchMs)) throw new InvalidArgumentError(`FileAuditStore: batchMs must be a non-negative number of ms, got ${String(batchMs)}`);
    if (onIncompleteTail !== "truncate" && onIncompleteTail !== "refuse") throw new InvalidArgumentError(`FileAuditStore: onIncompleteTail must be "truncate" or "refuse", got ${JSON.stringify(onIncompleteTail)}`);
    this.path = path;
    this.fsync = fsync;
    this.batchRecords = batchRecords;
    this.batchMs = batchMs;
    this.state = readState(`${path}.state.json`);
    this.first = this.state.pruned?.size ?? 0;
    this.fd = openSync(path, "a+");
    // Index the lines; records before the pruned size are left over from a
    // prune interrupted before its rewrite and are skipped.
    const fields = { seq: 0, time: 0, prevAt: 0 };
    const tail = scanLines(this.fd, 0, (bytes, start, end, offset) => {
      if (this.stored === 0 && this.first > 0 && scanRecordLine(bytes, start, end, fields) && fields.seq < this.first) return;
      this.pushOffset(offset);
    });
    this.written = tail.tailOffset;
    if (tail.tailLength > 0) {
      if (onIncompleteTail === "refuse") {
        closeSync(this.fd);
        throw new DecodeError("truncated", `audit store: ${path} ends inside a record (${tail.tailLength} bytes after the last newline, at byte ${tail.tailOffset}): a crash mid-append`, tail.tailOffset);
      }
      const torn = Buffer.alloc(tail.tailLength);
      readSync(this.fd, torn, 0, tail.tailLength, tail.tailOffset);
      appendFileSync(`${path}.torn`, torn);
      ftruncateSync(this.fd, tail.tailOffset);
      fsyncSync(this.fd);
      this.recoveredTail = { offset: tail.tailOffset, length: tail.tailLength };
    } else {
      this.recoveredTail = undefined;
    }
    this.offsets[this.stored] = this.written;
  }

  /** Opens (creating if needed) the store at `path`. Throws {@link DecodeError} for a malformed state file, or a torn last line under `onIncompleteTail: "refuse"`. */
  static open(path: string, options: FileAuditStoreOptions = {}): FileAuditStore {
    if (typeof path !== "string" || path === "") throw new InvalidArgumentError("FileAuditStore.open: path must be a non-empty string");
    return new FileAuditStore(path, options);
  }

  private growOffsets(): void {
    const grown = new Float64Array(this.offsets.length * 2);
    grown.set(this.offsets);
    this.offsets = grown;
  }

  private pushOffset(offset: number): void {
    if (this.stored + 2 > this.offsets.length) this.growOffsets();
    this.offsets[this.stored++] = offset;
  }

  get firstIndex(): number {
    return this.first;
  }

  get endIndex(): number {
    return this.first + this.stored;
  }

  get pruned(): AuditPrunedState | undefined {
    return this.state.pruned ?? undefined;
  }

  get checkpoints(): readonly StoredCheckpoint[] {
    return this.state.checkpoints;
  }

  private checkOpen(): void {
    if (this.closed) throw new InvalidArgumentError(`FileAuditStore ${this.path} is closed`);
    if (this.timerError !== undefined) {
      const error = this.timerError;
      this.timerError = undefined;
      throw error;
    }
  }

  append(bytes: Uint8Array): void {
    this.checkOpen();
    const need = this.pendingBytes + bytes.length + 1;
    if (need > this.pending.length) {
      const grown = new Uint8Array(Math.max(need, this.pending.length * 2));
      grown.set(this.pending.subarray(0, this.pendingBytes));
      this.pending = grown;
    }
    this.pending.set(bytes, this.pendingBytes);
    this.pending[this.pendingBytes + bytes.length] = NEWLINE;
    this.pendingBytes += bytes.length + 1;
    this.pendingRecords++;
    // offsets[stored] already holds this record's start; add its end.
    if (this.stored + 2 > this.offsets.length) this.growOffsets();
    this.stored++;
    this.offsets[this.stored] = this.written + this.pendingBytes;
    if (this.fsync === "every-append") this.flush();
    else if (this.fsync === "batch") {
      if (this.pendingRecords >= this.batchRecords) {
        // An fsync costs ~3 ms here (about 3 µs a record for a batch of
        // 1000): it overlaps the next batch's hashing instead of blocking it.
        this.write();
        this.syncInBackground();
      } else if (this.timer === undefined) {
        this.timer = setTimeout(() => {
          this.timer = undefined;
          try {
            this.flush();
          } catch (error) {
            this.timerError = error;
          }
        }, this.batchMs);
        this.timer.unref?.();
      }
    } else if (this.pendingBytes >= MANUAL_WRITE_BYTES) this.write();
  }

  /** Writes the pending bytes (no fsync). */
  private write(): void {
    let done = 0;
    while (done < this.pendingBytes) done += writeSync(this.fd, this.pending, done, this.pendingBytes - done);
    this.written += this.pendingBytes;
    this.pendingBytes = 0;
    this.pendingRecords = 0;
    this.unsynced = true;
  }

  /** Starts an fsync of what was written on the thread pool (or asks for one more after the running one). */
  private syncInBackground(): void {
    if (this.syncing) {
      this.syncAgain = true;
      return;
    }
    this.syncing = true;
    this.unsynced = false;
    fsync(this.fd, (error) => {
      this.syncing = false;
      if (error !== null && this.timerError === undefined && !this.closed) this.timerError = error;
      for (const fd of this.closeAfterSync.splice(0)) closeSync(fd);
      if (this.syncAgain) {
        this.syncAgain = false;
        if (!this.closed) this.syncInBackground();
      }
    });
  }

  /** Closes a descriptor now, or when the background fsync using it ends. */
  private release(fd: number): void {
    if (this.syncing) this.closeAfterSync.push(fd);
    else closeSync(fd);
  }

  /** Writes and fsyncs every pending record. */
  flush(): void {
    if (this.closed) return;
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.pendingBytes > 0) this.write();
    // A background fsync may still be running: this one covers its bytes too.
    if (this.unsynced || this.syncing) fsyncSync(this.fd);
    this.unsynced = false;
    this.syncAgain = false;
  }

  line(index: number): string {
    this.checkOpen();
    const k = index - this.first;
    if (!Number.isInteger(index) || k < 0 || k >= this.stored) throw new InvalidArgumentError(`audit store: index must be an integer from ${this.first} to ${this.endIndex - 1}, got ${String(index)}`);
    const start = this.offsets[k] as number;
    const end = (this.offsets[k + 1] as number) - 1;
    if (start >= this.written) return Buffer.from(this.pending.buffer, this.pending.byteOffset + start - this.written, end - start).toString("utf8");
    const bytes = Buffer.alloc(end - start);
    readSync(this.fd, bytes, 0, bytes.length, start);
    return bytes.toString("utf8");
  }

  scan(visit: (bytes: Uint8Array, start: number, end: number) => void): void {
    this.checkOpen();
    if (this.pendingBytes > 0) this.write();
    if (this.stored === 0) return;
    scanLines(this.fd, this.offsets[0] as number, (bytes, start, end) => visit(bytes, start, end));
  }

  prune(state: AuditPrunedState): void {
    this.checkOpen();
    this.flush();
    const k = state.size - this.first;
    if (k < 0 || k > this.stored) throw new InvalidArgumentError(`FileAuditStore.prune: size ${state.size} is outside the stored records [${this.first}, ${this.endIndex}]`);
    // The state first: if the rewrite below is interrupted, reopening skips
    // the records the state says were pruned.
    this.state = { ...this.state, pruned: state };
    replaceFile(`${this.path}.state.json`, JSON.stringify(this.state));
    const from = this.offsets[k] as number;
    const length = this.written - from;
    const temporary = `${this.path}.tmp`;
    const out = openSync(temporary, "w");
    try {
      const buffer = Buffer.alloc(CHUNK);
      for (let done = 0; done < length; ) {
        const read = readSync(this.fd, buffer, 0, Math.min(CHUNK, length - done), from + done);
        let written = 0;
        while (written < read) written += writeSync(out, buffer, written, read - written);
        done += read;
      }
      fsyncSync(out);
    } finally {
      closeSync(out);
    }
    this.release(this.fd);
    renameSync(temporary, this.path);
    syncDirectory(this.path);
    this.fd = openSync(this.path, "a+");
    const offsets = new Float64Array(Math.max(1024, (this.stored - k) * 2 + 2));
    for (let i = k; i <= this.stored; i++) offsets[i - k] = (this.offsets[i] as number) - from;
    this.offsets = offsets;
    this.stored -= k;
    this.first = state.size;
    this.written = length;
  }

  addCheckpoint(checkpoint: StoredCheckpoint): void {
    this.checkOpen();
    this.flush();
    this.state = { ...this.state, checkpoints: [...this.state.checkpoints, checkpoint] };
    replaceFile(`${this.path}.state.json`, JSON.stringify(this.state));
  }

  close(): void {
    if (this.closed) return;
    this.flush();
    this.release(this.fd);
    this.closed = true;
  }
}
