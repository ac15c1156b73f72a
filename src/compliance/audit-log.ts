/**
 * The tamper-evident audit log: append-only JSON records chained by hash and
 * covered by an RFC 6962 Merkle tree kept incrementally. Record format:
 * audit-record.ts; tree: incremental-merkle-tree.ts; guide: docs/audit.md.
 *
 * @module
 */
import { DecodeError, InvalidArgumentError } from "../errors.js";
import { checkOptionKeys } from "../sketches/sketch.js";
import { type AuditExport, AUDIT_EXPORT_FORMAT } from "./audit-export.js";
import { type AuditRecord, GENESIS_PREV, HEX_PAIRS, hexEquals, parseAuditRecordLine, scanRecordLine, toHex } from "./audit-record.js";
import { type AuditPrunedState, type AuditStore, MemoryAuditStore, type StoredCheckpoint, decodeNodes } from "./audit-store.js";
import { toBase64 } from "./base64.js";
import { type JsonValue, canonicalJson, putDigits, writeCanonicalJson } from "./canonical-json.js";
import { type Checkpoint, type SignedCheckpoint, isValidOrigin } from "./checkpoint.js";
import { IncrementalMerkleTree } from "./incremental-merkle-tree.js";
import { Sha256TreeHasher, type TreeHasher } from "./tree-hasher.js";

/**
 * Options of {@link AuditLog}: `origin` (required) names the log in its
 * checkpoints (a unique name such as `example.com/audit`); `store` keeps the
 * records (a new {@link MemoryAuditStore} by default; pass a store that
 * already holds records to reopen a log); `now` is the clock stamped on each
 * record (default `Date.now`; must return a non-negative integer of ms).
 *
 * @example
 * ```ts
 * import { AuditLog, type AuditLogOptions } from "papertrail/compliance";
 * const options: AuditLogOptions = { origin: "example.com/audit", now: () => 1 };
 * new AuditLog(options).append("x").time; // => 1
 * ```
 */
export interface AuditLogOptions {
  readonly origin: string;
  readonly store?: AuditStore;
  readonly now?: () => number;
  /** Leaf and node hashing (the Node-only file log passes a `node:crypto` one). */
  readonly hasher?: TreeHasher;
}

/**
 * Options of {@link AuditLog.export}: the signed checkpoint the records'
 * inclusion proofs are made against (by default the latest signed one the
 * store holds that covers the range), and the verifier key text(s) of its
 * signer, copied into the bundle for the auditor.
 *
 * @example
 * ```ts
 * import type { AuditExportOptions } from "papertrail/compliance";
 * const options: AuditExportOptions = { verifierKeys: ["example.com/audit+12345678+AQ=="] };
 * options.verifierKeys.length; // => 1
 * ```
 */
export interface AuditExportOptions {
  readonly checkpoint?: SignedCheckpoint;
  readonly verifierKeys: readonly string[];
}

const ascii = (text: string): Uint8Array => Uint8Array.from(text, (c) => c.charCodeAt(0));
const DATA_KEY = ascii('{"data":');
const PREV_KEY = ascii(',"prev":"');
const SEQ_KEY = ascii('","seq":');
const TIME_KEY = ascii(',"time":');
/** Where a line starts in the append buffer: one byte in, so that the leaf hash reads its 0x00 prefix slot in place. */
const LINE_AT = 1;
/** Where the data's JSON starts in the append buffer, after `{"data":` (written once, when the buffer is made). */
const DATA_AT = LINE_AT + DATA_KEY.length;
/** Room the line needs after its data: the prev, seq and time members (9 + 64 + 8 + 16 + 8 + 16 bytes) and the closing brace. */
const LINE_TAIL = 128;
const hexDecoder = new TextDecoder();

/** An append buffer of `length` bytes with `{"data":` in place at LINE_AT. */
function newLineBuffer(length: number): Uint8Array {
  const buffer = new Uint8Array(length);
  put(buffer, LINE_AT, DATA_KEY);
  return buffer;
}

/** Writes `bytes` at `out[at]` and returns the offset after them. */
function put(out: Uint8Array, at: number, bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length; i++) out[at + i] = bytes[i];
  return at + bytes.length;
}

/**
 * Writes the decimal digits of a non-negative safe integer at `out[at]` and
 * returns the offset after them. A time in ms (~1.7e12) is above 2^31, where
 * `%` and `/` are float operations (`%` a call into C): it is split into
 * two parts below 10^8 and each written with int32 arithmetic.
 */
function putDecimal(out: Uint8Array, at: number, value: number): number {
  if (value < 0x80000000) return putDigits(out, at, value);
  const high = Math.floor(value / 1e8);
  const low = (value - high * 1e8) | 0;
  at = putDigits(out, at, high);
  for (let i = at + 7, v = low; i >= at; i--, v = (v / 10) | 0) out[i] = 0x30 + (v % 10);
  return at + 8;
}

/**
 * An append-only, tamper-evident audit log. Each record is one canonical
 * JSON line `{"data":…,"prev":…,"seq":…,"time":…}` whose `prev` is the
 * RFC 6962 leaf hash of the record before it; the lines are the leaves of a
 * Merkle tree kept incrementally (every complete subtree hash cached, so
 * roots and proofs take O(log² n) cached hashes, no rebuild). Checkpoints of
 * the tree are signed as C2SP signed notes by papertrail/compliance/node
 * (`signCheckpoint`), which also has the durable JSON-lines file store.
 *
 * Opening a log on a store that already holds records replays them (one
 * pass, checking sequence numbers, the chain and the stored checkpoints) and
 * throws {@link DecodeError} if they do not verify: a tampered or damaged log
 * is inspected with the verifier, not appended to.
 *
 * @example
 * ```ts
 * import { AuditLog, verifyInclusion } from "papertrail/compliance";
 * const log = new AuditLog({ origin: "example.com/audit" });
 * log.append({ action: "login", user: "alice" });
 * log.append({ action: "export", user: "bob", rows: 1200 });
 * log.size; // => 2
 * const proof = log.inclusionProof(1);
 * verifyInclusion(log.leaf(1), 1, log.size, proof, log.root()); // => true
 * log.record(1).data; // => { action: "export", rows: 1200, user: "bob" }
 * ```
 */
export class AuditLog<T extends JsonValue = JsonValue> {
  /** The log's name, the first line of its checkpoints. */
  readonly origin: string;
  /** Where the records live. */
  readonly store: AuditStore;
  private readonly now: () => number;
  private readonly tree: IncrementalMerkleTree;
  private readonly lastLeaf = new Uint8Array(32);
  private prevHex: string;
  /** `prevHex` as ASCII bytes, copied into each line. */
  private readonly prevBytes = new Uint8Array(64);
  private readonly prevView = new DataView(this.prevBytes.buffer);
  private readonly encoder = new TextEncoder();
  /** The line being appended, at LINE_AT (grown for a longer one). */
  private buffer = newLineBuffer(4096);

  constructor(options: AuditLogOptions) {
    checkOptionKeys("AuditLog", options, ["origin", "store", "now", "hasher"]);
    const { origin, store = new MemoryAuditStore(), now = Date.now, hasher = new Sha256TreeHasher() } = options;
    if (!isValidOrigin(origin)) throw new InvalidArgumentError(`AuditLog: origin must be a non-empty line without control characters or surrounding spaces, got ${JSON.stringify(origin)}`);
    if (typeof now !== "function") throw new InvalidArgumentError("AuditLog: now must be a function returning milliseconds");
    this.origin = origin;
    this.store = store;
    this.now = now;
    const pruned = store.pruned;
    if (pruned === undefined) {
      if (store.firstIndex !== 0) throw new DecodeError("malformed", `AuditLog ${origin}: the store starts at record ${store.firstIndex} but keeps no pruned state`);
      this.tree = new IncrementalMerkleTree(hasher);
      this.prevHex = GENESIS_PREV;
    } else {
      if (pruned.size !== store.firstIndex) throw new DecodeError("malformed", `AuditLog ${origin}: the pruned state covers ${pruned.size} records but the store starts at ${store.firstIndex}`);
      this.tree = IncrementalMerkleTree.fromPruned(hasher, pruned.size, decodeNodes(pruned));
      if (pruned.size > 0) this.tree.leafHashInto(pruned.size - 1, this.lastLeaf, 0);
      this.prevHex = pruned.size > 0 ? toHex(this.lastLeaf) : GENESIS_PREV;
    }
    this.replay();
    for (let i = 0; i < 64; i++) this.prevBytes[i] = this.prevHex.charCodeAt(i);
  }

  /** Rebuilds the tree from the stored lines, checking seq and chain, then the stored checkpoints. */
  private replay(): void {
    const fields = { seq: 0, time: 0, prevAt: 0 };
    let expectedPrev: Uint8Array | undefined = this.tree.size > 0 ? this.lastLeaf : undefined;
    this.store.scan((bytes, start, end) => {
      const index = this.tree.size;
      if (!scanRecordLine(bytes, start, end, fields)) throw this.corrupt(index, "is not a canonical record line");
      if (fields.seq !== index) throw this.corrupt(index, `has seq ${fields.seq}`);
      const chained = expectedPrev === undefined ? isZeros(bytes, fields.prevAt) : hexEquals(bytes, fields.prevAt, expectedPrev, 0);
      if (!chained) throw this.corrupt(index, "does not carry the hash of the record before it");
      this.tree.append(bytes, start, end);
      this.tree.leafHashInto(index, this.lastLeaf, 0);
      expectedPrev = this.lastLeaf;
    });
    if (this.tree.size > 0) this.prevHex = toHex(this.lastLeaf);
    for (const checkpoint of this.store.checkpoints) {
      if (checkpoint.size < this.tree.firstLeaf && checkpoint.size > 0) continue;
      if (checkpoint.size > this.tree.size) throw new DecodeError("malformed", `AuditLog ${this.origin}: a stored checkpoint covers ${checkpoint.size} records but the store holds ${this.tree.size} (truncated)`);
      if (toBase64(this.tree.root(checkpoint.size)) !== checkpoint.root) throw new DecodeError("malformed", `AuditLog ${this.origin}: the records do not match the stored checkpoint of size ${checkpoint.size}`);
    }
  }

  private corrupt(index: number, what: string): DecodeError {
    return new DecodeError("malformed", `AuditLog ${this.origin}: stored record ${index} ${what}; verify the store to see what changed`);
  }

  /** Records appended so far (pruned ones included). */
  get size(): number {
    return this.tree.size;
  }

  /** Index of the first record still stored (records before it were pruned). */
  get firstIndex(): number {
    return this.tree.firstLeaf;
  }

  /**
   * Appends a record with the next sequence number, the clock's time and the
   * previous record's hash, and returns it. Throws
   * {@link InvalidArgumentError} (naming the member) when `data` is not a
   * {@link JsonValue}, or when the clock returns something other than a
   * non-negative safe integer.
   */
  append(data: T): AuditRecord<T> {
    const seq = this.tree.size;
    const time = this.now();
    if (!Number.isSafeInteger(time) || time < 0) throw new InvalidArgumentError(`AuditLog: now() must return non-negative integer milliseconds, got ${String(time)}`);
    const prev = this.prevHex;
    // The line's bytes are written part by part into one buffer: the data's
    // canonical JSON straight as UTF-8 (writeCanonicalJson; the text and a
    // TextEncoder pass only for values off its path), the fixed keys, hex
    // and digits as ASCII. Building the line as a string and encoding it
    // cost about as much as its SHA-256 (bench/audit.mjs).
    let buffer = this.buffer;
    let at = writeCanonicalJson(data, buffer, DATA_AT);
    if (at < 0 || at + LINE_TAIL > buffer.length) {
      at = this.encodeSlowly(data);
      buffer = this.buffer;
    }
    at = put(buffer, at, PREV_KEY);
    buffer.set(this.prevBytes, at);
    at = put(buffer, at + 64, SEQ_KEY);
    at = putDecimal(buffer, at, seq);
    at = put(buffer, at, TIME_KEY);
    at = putDecimal(buffer, at, time);
    buffer[at++] = 0x7d; // }
    this.tree.append(buffer, LINE_AT, at);
    this.store.append(buffer.subarray(LINE_AT, at));
    this.tree.leafHashInto(seq, this.lastLeaf, 0);
    const leaf = this.lastLeaf;
    const hex = this.prevView;
    for (let i = 0; i < 32; i++) hex.setUint16(2 * i, HEX_PAIRS[leaf[i]] as number);
    this.prevHex = hexDecoder.decode(this.prevBytes);
    const record: AuditRecord<T> = { seq, time, prev, data };
    return record;
  }

  /**
   * Writes `data`'s canonical JSON at the data offset through its text (the
   * path for escapes, surrogates, unsorted keys, or a value too long for the
   * buffer, which then grows) and returns the offset after it. Throws
   * {@link InvalidArgumentError}, naming the member, for a non-JSON value.
   */
  private encodeSlowly(data: T): number {
    const json = canonicalJson(data);
    if (this.buffer.length < DATA_AT + 3 * json.length + LINE_TAIL) {
      this.buffer = newLineBuffer(DATA_AT + 3 * json.length + LINE_TAIL);
    }
    return DATA_AT + this.encoder.encodeInto(json, this.buffer.subarray(DATA_AT)).written;
  }

  /** The stored line of record `index`: exactly its leaf bytes as text. */
  line(index: number): string {
    this.checkStored(index);
    return this.store.line(index);
  }

  /** The leaf bytes of record `index` (UTF-8 of its line), for {@link verifyInclusion}. */
  leaf(index: number): Uint8Array<ArrayBuffer> {
    return this.encoder.encode(this.line(index));
  }

  /** Record `index`, parsed from its line. */
  record(index: number): AuditRecord<T> {
    const record = parseAuditRecordLine(this.line(index));
    if (record === undefined) throw new DecodeError("malformed", `AuditLog ${this.origin}: stored record ${index} is not a canonical record line`);
    return record as AuditRecord<T>;
  }

  private checkStored(index: number): void {
    if (!Number.isSafeInteger(index) || index < this.tree.firstLeaf || index >= this.tree.size) {
      const why = Number.isSafeInteger(index) && index >= 0 && index < this.tree.firstLeaf ? " (it was pruned)" : "";
      throw new InvalidArgumentError(`AuditLog: index must be an integer from ${this.tree.firstLeaf} to ${this.tree.size - 1}, got ${String(index)}${why}`);
    }
  }

  /** The RFC 6962 root of the first `size` records (all by default). */
  root(size: number = this.tree.size): Uint8Array<ArrayBuffer> {
    return this.tree.root(size);
  }

  /** The inclusion proof of record `index` in the tree of the first `size` records (all by default); check it with {@link verifyInclusion}. */
  inclusionProof(index: number, size: number = this.tree.size): Uint8Array<ArrayBuffer>[] {
    return this.tree.inclusionProof(index, size);
  }

  /** The consistency proof from the tree of `oldSize` records to that of `newSize` (all by default); check it with {@link verifyConsistency}. */
  consistencyProof(oldSize: number, newSize: number = this.tree.size): Uint8Array<ArrayBuffer>[] {
    return this.tree.consistencyProof(oldSize, newSize);
  }

  /** Makes the records appended so far durable (the store's flush). */
  flush(): void {
    this.store.flush();
  }

  /**
   * The checkpoint of the log as it is now (origin, size, root), after
   * flushing the store so that every record it covers is durable. Sign it
   * with `signCheckpoint` (papertrail/compliance/node).
   */
  checkpoint(): Checkpoint {
    this.store.flush();
    return { origin: this.origin, size: this.tree.size, root: this.tree.root(), extensions: [] };
  }

  /**
   * Keeps a checkpoint in the store (with its signed note if it has one):
   * its size stays provable (consistency proofs from it) after pruning, and
   * {@link export} can use it. Throws {@link InvalidArgumentError} when its
   * origin, size or root do not match this log.
   */
  keepCheckpoint(checkpoint: { readonly origin: string; readonly size: number; readonly root: Uint8Array; readonly note?: string }): void {
    const { origin, size, root, note } = checkpoint;
    if (origin !== this.origin) throw new InvalidArgumentError(`AuditLog.keepCheckpoint: the checkpoint's origin ${JSON.stringify(origin)} is not this log's (${JSON.stringify(this.origin)})`);
    if (!Number.isSafeInteger(size) || size < this.tree.firstLeaf || size > this.tree.size) throw new InvalidArgumentError(`AuditLog.keepCheckpoint: size must be from ${this.tree.firstLeaf} to ${this.tree.size}, got ${String(size)}`);
    const expected = toBase64(this.tree.root(size));
    if (!(root instanceof Uint8Array) || toBase64(root) !== expected) throw new InvalidArgumentError(`AuditLog.keepCheckpoint: the root does not match this log's root at size ${size}`);
    const entry: StoredCheckpoint = note === undefined ? { size, root: expected } : { size, root: expected, note };
    this.store.addCheckpoint(entry);
  }

  /** The checkpoints kept so far, oldest first. */
  get checkpoints(): readonly StoredCheckpoint[] {
    return this.store.checkpoints;
  }

  /**
   * Prunes the records before `beforeIndex`: their lines leave the store,
   * and of their tree hashes only those listed in {@link AuditPrunedState}
   * stay. Roots and proofs for sizes from `beforeIndex` on, inclusion proofs
   * of the records kept, and consistency proofs from every kept checkpoint
   * still work; the returned state is what the store persists. Throws
   * {@link InvalidArgumentError} for an index outside
   * [{@link firstIndex}, {@link size}].
   */
  prune(beforeIndex: number): AuditPrunedState {
    if (!Number.isSafeInteger(beforeIndex) || beforeIndex < this.tree.firstLeaf || beforeIndex > this.tree.size) {
      throw new InvalidArgumentError(`AuditLog.prune: beforeIndex must be an integer from ${this.tree.firstLeaf} to ${this.tree.size}, got ${String(beforeIndex)}`);
    }
    this.store.flush();
    const nodes = this.tree.prune(
      beforeIndex,
      this.store.checkpoints.map((checkpoint) => checkpoint.size),
    );
    const state: AuditPrunedState = { size: beforeIndex, nodes: nodes.map(([level, index, hash]) => [level, index, toHex(hash)] as const) };
    this.store.prune(state);
    return state;
  }

  /**
   * Prunes the leading records stamped before `cutoff` (ms since the epoch):
   * every record from the first one stamped at or after it is kept, so a
   * clock that stepped back never prunes a newer record. Returns the state
   * kept (see {@link prune}).
   */
  pruneOlderThan(cutoff: number): AuditPrunedState {
    if (typeof cutoff !== "number" || Number.isNaN(cutoff)) throw new InvalidArgumentError(`AuditLog.pruneOlderThan: cutoff must be a time in ms, got ${String(cutoff)}`);
    let index = this.tree.firstLeaf;
    while (index < this.tree.size && this.record(index).time < cutoff) index++;
    return this.prune(index);
  }

  /**
   * A chain-of-custody bundle of records [fromIndex, toIndex): each record's
   * exact line with its inclusion proof against a signed checkpoint, the
   * checkpoint's note and the verifier key(s) to check it. Verify it offline
   * with `papertrail-verify` (papertrail/compliance/node, docs/audit.md).
   * Throws {@link InvalidArgumentError} for a range outside the stored
   * records or not covered by the checkpoint, or when no signed checkpoint is
   * given or kept.
   */
  export(fromIndex: number, toIndex: number, options: AuditExportOptions): AuditExport {
    checkOptionKeys("AuditLog.export", options, ["checkpoint", "verifierKeys"]);
    const { verifierKeys } = options;
    if (!Number.isSafeInteger(fromIndex) || !Number.isSafeInteger(toIndex) || fromIndex < this.tree.firstLeaf || toIndex <= fromIndex || toIndex > this.tree.size) {
      throw new InvalidArgumentError(`AuditLog.export: the range [fromIndex, toIndex) must be non-empty within the stored records [${this.tree.firstLeaf}, ${this.tree.size}), got [${String(fromIndex)}, ${String(toIndex)})`);
    }
    if (!Array.isArray(verifierKeys) || verifierKeys.length === 0 || verifierKeys.some((key) => typeof key !== "string")) {
      throw new InvalidArgumentError("AuditLog.export: verifierKeys must be a non-empty array of verifier key texts");
    }
    let checkpoint: { size: number; note: string } | undefined = options.checkpoint;
    if (checkpoint === undefined) {
      for (const kept of this.store.checkpoints) if (kept.note !== undefined && kept.size >= toIndex) checkpoint = { size: kept.size, note: kept.note };
    }
    if (checkpoint === undefined) throw new InvalidArgumentError(`AuditLog.export: no signed checkpoint covers record ${toIndex - 1}; sign one first (signCheckpoint)`);
    if (checkpoint.size < toIndex || checkpoint.size > this.tree.size) throw new InvalidArgumentError(`AuditLog.export: the checkpoint's size ${checkpoint.size} must be from ${toIndex} to ${this.tree.size}`);
    const records = [];
    for (let index = fromIndex; index < toIndex; index++) {
      records.push({ index, line: this.store.line(index), proof: this.tree.inclusionProof(index, checkpoint.size).map(toBase64) });
    }
    return { format: AUDIT_EXPORT_FORMAT, origin: this.origin, checkpoint: checkpoint.note, verifierKeys: [...verifierKeys], records };
  }

  /** Flushes and closes the store. */
  close(): void {
    this.store.close();
  }
}

function isZeros(bytes: Uint8Array, at: number): boolean {
  for (let i = at; i < at + 64; i++) if (bytes[i] !== 0x30) return false;
  return true;
}
