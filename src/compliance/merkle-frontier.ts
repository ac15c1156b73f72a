/**
 * The frontier (compact range) of an RFC 6962 tree: the roots of the perfect
 * subtrees whose sizes are the binary digits of the leaf count, at most 53
 * hashes. Enough to append leaves and read the current root without keeping
 * the leaves, which is how a log is verified as a stream.
 *
 * @module
 */
import type { TreeHasher } from "./tree-hasher.js";
import { EMPTY_ROOT } from "./incremental-merkle-tree.js";

const HASH = 32;

export class MerkleFrontier {
  /** Subtree roots, largest (leftmost) first. */
  private readonly stack = new Uint8Array(HASH * 54);
  private depth = 0;
  private count: number;
  /** The leaf hash of the last appended leaf. */
  readonly lastLeaf = new Uint8Array(HASH);
  /** The entries the last append merged away (its undo record), and how many. */
  private readonly undo = new Uint8Array(HASH * 54);
  private undone = 0;

  /** A frontier of `size` leaves from its compact range (left to right), or an empty one. */
  constructor(
    private readonly hasher: TreeHasher,
    size = 0,
    range: readonly Uint8Array[] = [],
  ) {
    this.count = size;
    for (const hash of range) this.stack.set(hash.subarray(0, HASH), HASH * this.depth++);
  }

  get size(): number {
    return this.count;
  }

  /** Appends leaf bytes[start, end); its leaf hash is then in {@link lastLeaf}. */
  append(bytes: Uint8Array, start: number, end: number): void {
    const { stack, hasher, undo } = this;
    hasher.leaf(bytes, start, end, this.lastLeaf, 0);
    // Each trailing 1 bit of the old count is a subtree the new leaf
    // completes. The entries merged away are saved first (one on average),
    // so that the frontier before this append can be rebuilt (rootBefore).
    let merges = 0;
    for (let c = this.count; c % 2 === 1; c = (c - 1) / 2) merges++;
    const from = HASH * (this.depth - merges);
    for (let i = 0; i < HASH * merges; i++) undo[i] = stack[from + i];
    this.undone = merges;
    stack.set(this.lastLeaf, HASH * this.depth++);
    for (let m = 0; m < merges; m++) {
      this.depth--;
      hasher.node(stack, HASH * (this.depth - 1), stack, HASH * this.depth, stack, HASH * (this.depth - 1));
    }
    this.count++;
  }

  /** The root before the last append (of `size − 1` leaves); only meaningful after an append. */
  rootBefore(): Uint8Array<ArrayBuffer> {
    const depth = this.depth - 1 + this.undone;
    if (depth === 0) return EMPTY_ROOT.slice();
    const entries = new Uint8Array(HASH * depth);
    entries.set(this.stack.subarray(0, HASH * (this.depth - 1)));
    entries.set(this.undo.subarray(0, HASH * this.undone), HASH * (this.depth - 1));
    const out = entries.slice(HASH * (depth - 1), HASH * depth);
    for (let i = depth - 2; i >= 0; i--) this.hasher.node(entries, HASH * i, out, 0, out, 0);
    return out;
  }

  /** The root of the leaves appended so far (a new array). */
  root(): Uint8Array<ArrayBuffer> {
    if (this.depth === 0) return EMPTY_ROOT.slice();
    const out = this.stack.slice(HASH * (this.depth - 1), HASH * this.depth);
    for (let i = this.depth - 2; i >= 0; i--) this.hasher.node(this.stack, HASH * i, out, 0, out, 0);
    return out;
  }
}
