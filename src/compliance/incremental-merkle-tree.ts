/**
 * An RFC 6962 Merkle tree grown one leaf at a time that keeps every complete
 * subtree's hash ("level cache"): level 0 holds the leaf hashes, level h the
 * roots of the aligned blocks of 2^h leaves. Appending costs one leaf hash
 * and on average one node hash; any root, inclusion proof or consistency
 * proof for a size up to the current one then takes O(log² n) cached hashes
 * and O(log n) new ones, never a rebuild. Memory: about 64 bytes per leaf
 * (32 for the leaf hash, 32 for all the levels above it together).
 *
 * Pruning drops the hashes of a prefix [0, p) except a few kept nodes: the
 * compact range of [0, p) (enough for every root, inclusion proof and
 * consistency proof that starts at a size ≥ p) and, for each older size m
 * that must stay provable (an earlier checkpoint), the compact ranges of
 * [0, m) and [m, p): every node a consistency proof from m to a later size
 * needs that lies inside [0, p) is one of those or is built from them.
 *
 * @module
 */
import { InvalidArgumentError } from "../errors.js";
import { consistencyPath, inclusionPath } from "./merkle-paths.js";
import { type TreeHasher, compactRange } from "./tree-hasher.js";

const HASH = 32;

/** Hashes per chunk of a level: 32,768, 1 MiB. */
const CHUNK_NODES = 1 << 15;

/**
 * One level's hashes for node indexes [base, count), in chunks: chunk k
 * holds nodes [(firstChunk + k) · CHUNK_NODES, …). Only the last chunk grows
 * (by doubling, from 64 hashes, so a small level stays small); a full one is
 * never copied. One buffer grown by doubling copied each hash about once
 * more and touched twice as much fresh memory (6 % of an append's time in a
 * profile of 600,000 appends).
 */
class HashLevel {
  chunks: Uint8Array[] = [];
  firstChunk: number;
  /** Byte offset set by reserve(). */
  at = 0;
  constructor(
    public base: number,
    public count: number,
  ) {
    this.firstChunk = Math.floor(base / CHUNK_NODES);
  }

  /** Makes room for node `count` and returns its chunk; its byte offset is left in `at`. */
  reserve(): Uint8Array {
    const j = this.count;
    const k = Math.floor(j / CHUNK_NODES) - this.firstChunk;
    const offset = (j % CHUNK_NODES) * HASH;
    let chunk = this.chunks[k];
    if (chunk === undefined) {
      let size = HASH * 64;
      while (size < offset + HASH) size *= 2;
      chunk = new Uint8Array(size);
      this.chunks.push(chunk);
    } else if (offset + HASH > chunk.length) {
      const grown = new Uint8Array(chunk.length * 2);
      grown.set(chunk);
      chunk = grown;
      this.chunks[k] = chunk;
    }
    this.count++;
    this.at = offset;
    return chunk;
  }

  /** The chunk holding node j (base ≤ j < count). */
  chunkOf(j: number): Uint8Array {
    return this.chunks[Math.floor(j / CHUNK_NODES) - this.firstChunk] as Uint8Array;
  }

  /** Drops the hashes before node `base` (whole chunks only). */
  dropBefore(base: number): void {
    const first = Math.floor(base / CHUNK_NODES);
    this.chunks = this.chunks.slice(first - this.firstChunk);
    this.firstChunk = first;
    this.base = base;
  }
}

/** The hash of the empty tree, SHA-256(""). */
const EMPTY_ROOT = Uint8Array.from([
  0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4, 0xc8, 0x99, 0x6f, 0xb9, 0x24, 0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b, 0x93, 0x4c, 0xa4, 0x95,
  0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55,
]);

/** Key of node (level, index) in the map of kept nodes: level < 64, index < 2^47. */
const key = (level: number, index: number): number => index * 64 + level;

/** A kept node: level, index, hash. */
export type KeptNode = readonly [level: number, index: number, hash: Uint8Array];

export class IncrementalMerkleTree {
  private readonly levels: HashLevel[] = [];
  private kept = new Map<number, Uint8Array>();
  /** Leaves [0, prunedSize) have been pruned. */
  private prunedSize = 0;
  private leafCount = 0;
  /** Byte offset set by locate(). */
  private at = 0;

  constructor(private readonly hasher: TreeHasher) {}

  /** A tree of `size` leaves whose prefix was pruned, rebuilt from the nodes kept then. */
  static fromPruned(hasher: TreeHasher, size: number, nodes: readonly KeptNode[]): IncrementalMerkleTree {
    const tree = new IncrementalMerkleTree(hasher);
    tree.prunedSize = size;
    tree.leafCount = size;
    for (const [level, index, hash] of nodes) tree.kept.set(key(level, index), hash.slice(0, HASH));
    for (const [level, index] of compactRange(0, size)) {
      if (!tree.kept.has(key(level, index))) throw new InvalidArgumentError(`pruned tree state: node (level ${level}, index ${index}) of the compact range of ${size} leaves is missing`);
    }
    return tree;
  }

  get size(): number {
    return this.leafCount;
  }

  /** Leaves before this index were pruned. */
  get firstLeaf(): number {
    return this.prunedSize;
  }

  private level(h: number): HashLevel {
    let level = this.levels[h];
    if (level === undefined) {
      for (let i = this.levels.length; i <= h; i++) {
        const count = Math.floor(this.prunedSize / 2 ** i);
        this.levels.push(new HashLevel(count, count));
      }
      level = this.levels[h] as HashLevel;
    }
    return level;
  }

  /** The buffer holding node (h, j); its offset is left in `this.at`. */
  private locate(h: number, j: number): Uint8Array {
    const level = this.levels[h];
    if (level !== undefined && j >= level.base && j < level.count) {
      this.at = (j % CHUNK_NODES) * HASH;
      return level.chunkOf(j);
    }
    const kept = this.kept.get(key(h, j));
    if (kept !== undefined) {
      this.at = 0;
      return kept;
    }
    if (h === 0) throw new InvalidArgumentError(`the hash of leaf ${j} was pruned (the tree keeps leaves from ${this.prunedSize})`);
    const left = this.locate(h - 1, 2 * j).slice(this.at, this.at + HASH);
    const right = this.locate(h - 1, 2 * j + 1);
    const out = new Uint8Array(HASH);
    this.hasher.node(left, 0, right, this.at, out, 0);
    this.at = 0;
    return out;
  }

  /** Appends the leaf bytes[start, end). */
  append(bytes: Uint8Array, start: number, end: number): void {
    const leaves = this.level(0);
    const chunk = leaves.reserve();
    this.hasher.leaf(bytes, start, end, chunk, leaves.at);
    // A node with an odd index completes its parent: carry upward.
    let j = this.leafCount;
    let h = 0;
    while (j % 2 === 1) {
      const parent = this.level(h + 1);
      const out = parent.reserve();
      const left = this.locate(h, j - 1);
      const leftAt = this.at;
      const right = this.locate(h, j);
      this.hasher.node(left, leftAt, right, this.at, out, parent.at);
      j = (j - 1) / 2;
      h++;
    }
    this.leafCount++;
  }

  /** The leaf hash of leaf `index` (copied into `out` at `offset`). */
  leafHashInto(index: number, out: Uint8Array, offset: number): void {
    const buf = this.locate(0, index);
    out.set(buf.subarray(this.at, this.at + HASH), offset);
  }

  /** The root of the RFC 6962 subtree of leaves [start, end) (start a multiple of a power of two ≥ end − start). */
  private rangeRoot(start: number, end: number): Uint8Array<ArrayBuffer> {
    if (end === start) return EMPTY_ROOT.slice();
    const blocks = compactRange(start, end);
    const last = blocks[blocks.length - 1] as [number, number];
    const out = this.locate(last[0], last[1]).slice(this.at, this.at + HASH);
    for (let i = blocks.length - 2; i >= 0; i--) {
      const [h, j] = blocks[i] as [number, number];
      this.hasher.node(this.locate(h, j), this.at, out, 0, out, 0);
    }
    return out;
  }

  private checkSize(size: number, what: string): void {
    if (!Number.isSafeInteger(size) || size < 0 || size > this.leafCount) {
      throw new InvalidArgumentError(`${what} must be an integer from 0 to ${this.leafCount} (the tree size), got ${String(size)}`);
    }
  }

  /** The root of the tree of the first `size` leaves. */
  root(size: number = this.leafCount): Uint8Array<ArrayBuffer> {
    this.checkSize(size, "size");
    // Below the prune point only the sizes kept at pruning have their compact range.
    return this.rangeRoot(0, size);
  }

  /** RFC 6962 PATH(index, D[size]), leaf end first. */
  inclusionProof(index: number, size: number = this.leafCount): Uint8Array<ArrayBuffer>[] {
    this.checkSize(size, "size");
    if (!Number.isSafeInteger(index) || index < 0 || index >= size) {
      throw new InvalidArgumentError(`index must be an integer from 0 to ${size - 1} (a tree of ${size} leaves), got ${String(index)}`);
    }
    if (index < this.prunedSize) throw new InvalidArgumentError(`record ${index} was pruned (records from ${this.prunedSize} are kept)`);
    return inclusionPath(index, size, (from, to) => this.rangeRoot(from, to));
  }

  /** RFC 6962 PROOF(oldSize, D[size]), as merkle.ts's consistencyProof builds it. */
  consistencyProof(oldSize: number, size: number = this.leafCount): Uint8Array<ArrayBuffer>[] {
    this.checkSize(size, "size");
    if (!Number.isSafeInteger(oldSize) || oldSize < 0 || oldSize > size) {
      throw new InvalidArgumentError(`oldSize must be an integer from 0 to ${size}, got ${String(oldSize)}`);
    }
    if (oldSize === 0 || oldSize === size) return [];
    return consistencyPath(oldSize, size, (from, to) => this.rangeRoot(from, to));
  }

  /**
   * Drops the hashes of leaves [0, before) but the nodes listed in the module
   * comment, keeping `olderSizes` (sizes below `before`) provable. Returns
   * the kept nodes (also what {@link fromPruned} needs to rebuild the tree).
   */
  prune(before: number, olderSizes: readonly number[]): KeptNode[] {
    this.checkSize(before, "prune point");
    if (before < this.prunedSize) throw new InvalidArgumentError(`prune point ${before} is before the records already pruned (${this.prunedSize})`);
    const wanted = new Map<number, [number, number]>();
    const want = (blocks: [number, number][]): void => {
      for (const block of blocks) wanted.set(key(block[0], block[1]), block);
    };
    want(compactRange(0, before));
    if (before > 0) want([[0, before - 1]]); // the last pruned leaf hash: the next record's `prev`
    for (const m of olderSizes) {
      if (m > 0 && m < before) {
        want(compactRange(0, m));
        want(compactRange(m, before));
      }
    }
    const kept = new Map<number, Uint8Array>();
    const nodes: KeptNode[] = [];
    for (const [k, [h, j]] of wanted) {
      const hash = this.locate(h, j).slice(this.at, this.at + HASH);
      kept.set(k, hash);
      nodes.push([h, j, hash]);
    }
    this.kept = kept;
    this.prunedSize = before;
    for (let h = 0; h < this.levels.length; h++) {
      const level = this.levels[h] as HashLevel;
      const base = Math.min(Math.floor(before / 2 ** h), level.count);
      if (base > level.base) level.dropBefore(base);
    }
    nodes.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    return nodes;
  }

  /** The nodes kept for the pruned prefix. */
  keptNodes(): KeptNode[] {
    const nodes: KeptNode[] = [];
    for (const [k, hash] of this.kept) nodes.push([k % 64, Math.floor(k / 64), hash]);
    return nodes.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  }
}

export { EMPTY_ROOT };
