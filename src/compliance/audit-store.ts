/**
 * Where an {@link AuditLog}'s records live: the store interface and the
 * browser-safe in-memory store. The Node-only JSON-lines file store is in
 * papertrail/compliance/node.
 *
 * @module
 */
import { DecodeError, InvalidArgumentError } from "../errors.js";
import { fromHex } from "./audit-record.js";
import type { KeptNode } from "./incremental-merkle-tree.js";

/**
 * What is kept of a pruned prefix: `size` records were pruned, and `nodes`
 * are the tree hashes kept for them as `[level, index, hex hash]` (node
 * (h, j) is the root of records [j·2^h, (j+1)·2^h)): the compact range of
 * [0, size), the leaf hash of record size − 1 (the next record's `prev`), and
 * for each earlier checkpoint size m the compact ranges of [0, m) and
 * [m, size). See docs/audit.md, "Retention".
 *
 * @example
 * ```ts
 * import { AuditLog, type AuditPrunedState } from "papertrail/compliance";
 * const log = new AuditLog({ origin: "example.com/audit" });
 * for (let i = 0; i < 6; i++) log.append({ i });
 * const state: AuditPrunedState = log.prune(5);
 * state.size; // => 5
 * state.nodes.map(([level, index]) => `${level}/${index}`); // => ["0/4", "2/0"]
 * ```
 */
export interface AuditPrunedState {
  readonly size: number;
  readonly nodes: readonly (readonly [level: number, index: number, hash: string])[];
}

/**
 * A checkpoint as a store keeps it: tree size, root (base64) and, when it
 * was signed, the signed note.
 *
 * @example
 * ```ts
 * import type { StoredCheckpoint } from "papertrail/compliance";
 * const entry: StoredCheckpoint = { size: 0, root: "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=" };
 * entry.size; // => 0
 * ```
 */
export interface StoredCheckpoint {
  readonly size: number;
  readonly root: string;
  readonly note?: string;
}

/**
 * Storage for an {@link AuditLog}: record lines in order (each the exact
 * leaf bytes, without a newline), the pruned-prefix state and the
 * checkpoints taken. Records `firstIndex` to `endIndex − 1` are stored.
 *
 * @example
 * ```ts
 * import { AuditLog, MemoryAuditStore, type AuditStore } from "papertrail/compliance";
 * const store: AuditStore = new MemoryAuditStore();
 * new AuditLog({ origin: "example.com/audit", store }).append({ hello: "world" });
 * store.endIndex; // => 1
 * ```
 */
export interface AuditStore {
  /** Index of the first stored record: records before it were pruned. */
  readonly firstIndex: number;
  /** Index after the last stored record. */
  readonly endIndex: number;
  /** The pruned prefix's state, if the log was pruned. */
  readonly pruned: AuditPrunedState | undefined;
  /** Checkpoints taken, oldest first. */
  readonly checkpoints: readonly StoredCheckpoint[];
  /** Appends one record line, given as its UTF-8 bytes (without the newline), valid only during the call. */
  append(bytes: Uint8Array): void;
  /** The line of record `index` (firstIndex ≤ index < endIndex). */
  line(index: number): string;
  /** Calls `visit` with the UTF-8 bytes of each stored line in order (`bytes[start, end)`, valid only during the call). */
  scan(visit: (bytes: Uint8Array, start: number, end: number) => void): void;
  /** Makes every appended record durable (what that means is the store's policy). */
  flush(): void;
  /** Drops the records before `state.size` and keeps `state`. */
  prune(state: AuditPrunedState): void;
  /** Keeps a checkpoint (after flushing the records it covers). */
  addCheckpoint(checkpoint: StoredCheckpoint): void;
  /** Flushes and releases resources. */
  close(): void;
}

/** Bytes per chunk of {@link MemoryAuditStore}'s line storage (a longer line gets a chunk of its own). */
const CHUNK = 1 << 20;

/**
 * An {@link AuditStore} in memory: browser-safe, gone with the process.
 *
 * @example
 * ```ts
 * import { AuditLog, MemoryAuditStore } from "papertrail/compliance";
 * const store = new MemoryAuditStore();
 * const log = new AuditLog({ origin: "example.com/audit", store, now: () => 0 });
 * log.append("hello");
 * store.line(0); // => `{"data":"hello","prev":"${"0".repeat(64)}","seq":0,"time":0}`
 * ```
 */
export class MemoryAuditStore implements AuditStore {
  // The lines' UTF-8 bytes one after another in 1 MiB chunks, and where each
  // is: no object per record for the garbage collector to trace and copy,
  // and no copying when the store grows. Kept as strings, the lines cost
  // about 1 µs per append in GC; in one array grown by doubling, about as
  // much in copying and first-touching fresh memory (bench/audit.mjs,
  // docs/performance.md). Lines are decoded back to text only when asked for.
  private chunks: Uint8Array[] = [new Uint8Array(CHUNK)];
  /** Bytes used in the last chunk. */
  private used = 0;
  /** For line first + i: its chunk at [3i], its start at [3i + 1] and end at [3i + 2] in that chunk. */
  private where = new Int32Array(3 * 1024);
  private count = 0;
  private first = 0;
  private prunedState: AuditPrunedState | undefined;
  private readonly taken: StoredCheckpoint[] = [];
  private readonly decoder = new TextDecoder();

  get firstIndex(): number {
    return this.first;
  }

  get endIndex(): number {
    return this.first + this.count;
  }

  get pruned(): AuditPrunedState | undefined {
    return this.prunedState;
  }

  get checkpoints(): readonly StoredCheckpoint[] {
    return this.taken;
  }

  append(bytes: Uint8Array): void {
    let chunk = this.chunks[this.chunks.length - 1] as Uint8Array;
    if (this.used + bytes.length > chunk.length) {
      chunk = new Uint8Array(Math.max(CHUNK, bytes.length));
      this.chunks.push(chunk);
      this.used = 0;
    }
    if (3 * this.count === this.where.length) {
      const grown = new Int32Array(this.where.length * 2);
      grown.set(this.where);
      this.where = grown;
    }
    chunk.set(bytes, this.used);
    const at = 3 * this.count++;
    this.where[at] = this.chunks.length - 1;
    this.where[at + 1] = this.used;
    this.used += bytes.length;
    this.where[at + 2] = this.used;
  }

  line(index: number): string {
    const i = index - this.first;
    if (!Number.isInteger(index) || i < 0 || i >= this.count) {
      throw new InvalidArgumentError(`audit store: index must be an integer from ${this.first} to ${this.endIndex - 1}, got ${String(index)}`);
    }
    const where = this.where;
    return this.decoder.decode((this.chunks[where[3 * i]] as Uint8Array).subarray(where[3 * i + 1], where[3 * i + 2]));
  }

  scan(visit: (bytes: Uint8Array, start: number, end: number) => void): void {
    // Visits the lines stored when the scan starts.
    const { chunks, where, count } = this;
    for (let i = 0; i < count; i++) visit(chunks[where[3 * i]] as Uint8Array, where[3 * i + 1], where[3 * i + 2]);
  }

  flush(): void {}

  prune(state: AuditPrunedState): void {
    const drop = state.size - this.first;
    // Chunks before the first kept line's are released.
    const firstChunk = drop < this.count ? this.where[3 * drop] : this.chunks.length - 1;
    this.chunks = this.chunks.slice(firstChunk);
    const where = new Int32Array(3 * Math.max(1024, this.count - drop));
    for (let i = drop; i < this.count; i++) {
      where[3 * (i - drop)] = this.where[3 * i] - firstChunk;
      where[3 * (i - drop) + 1] = this.where[3 * i + 1];
      where[3 * (i - drop) + 2] = this.where[3 * i + 2];
    }
    this.where = where;
    this.count -= drop;
    this.first = state.size;
    this.prunedState = state;
  }

  addCheckpoint(checkpoint: StoredCheckpoint): void {
    this.taken.push(checkpoint);
  }

  close(): void {}
}

/** The kept nodes of a pruned state, decoded; throws DecodeError for malformed entries. */
export function decodeNodes(state: AuditPrunedState): KeptNode[] {
  if (!Number.isSafeInteger(state.size) || state.size < 0 || !Array.isArray(state.nodes)) throw new DecodeError("malformed", "pruned state: size or nodes malformed");
  return state.nodes.map((entry) => {
    const [level, index, hex] = Array.isArray(entry) ? entry : [];
    const hash = typeof hex === "string" ? fromHex(hex) : undefined;
    if (!Number.isInteger(level) || level < 0 || level > 53 || !Number.isSafeInteger(index) || index < 0 || hash === undefined || hash.length !== 32) {
      throw new DecodeError("malformed", "pruned state: a node entry is not [level, index, 64 hex digits]");
    }
    return [level as number, index as number, hash] as const;
  });
}
