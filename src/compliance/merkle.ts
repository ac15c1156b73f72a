/**
 * Merkle trees over leaf data as defined by RFC 6962 §2.1 (Certificate
 * Transparency) and RFC 9162 §2.1: tree roots, inclusion proofs and
 * consistency proofs, and their verification.
 *
 * - Leaf hash: SHA-256(0x00 ‖ leaf). Node hash: SHA-256(0x01 ‖ left ‖ right).
 *   The distinct prefixes keep a leaf from passing for an inner node.
 * - The root of no leaves is SHA-256 of the empty string. A list of n > 1
 *   leaves splits at k, the largest power of two smaller than n: the root is
 *   the node hash of the roots of the first k leaves and of the rest.
 * - Proof elements are 32-byte hashes, ordered from the leaf end upward, as
 *   RFC 6962's PATH and PROOF produce them.
 *
 * Verification follows RFC 9162 §2.1.3.2 and §2.1.4.2 and answers `false`,
 * never throwing, on any input it cannot accept.
 *
 * @module
 */
import { InvalidArgumentError } from "../errors.js";
import { Sha256, sha256NodeInto, sha256PrefixedInto } from "../hashing/sha256.js";
import { consistencyPath, inclusionPath } from "./merkle-paths.js";

const HASH_BYTES = 32;
// Tree sizes are safe integers (< 2^53), so no valid proof for them holds
// more than 2 · 53 hashes; longer arrays are refused before any hashing.
const MAX_PROOF_LENGTH = 106;

const EMPTY_ROOT = new Sha256().digest();

/** Writes SHA-256(0x00 ‖ leaf) at `out[offset]`. */
function hashLeafInto(leaf: Uint8Array, out: Uint8Array, offset: number): void {
  sha256PrefixedInto(0x00, leaf, 0, leaf.length, out, offset);
}

/**
 * Writes SHA-256(0x01 ‖ left ‖ right) at `out[outOffset]`, reading the two
 * 32-byte hashes at their offsets. The output may overlap either input: both
 * are consumed before the digest is written.
 */
function hashNodeInto(left: Uint8Array, leftOffset: number, right: Uint8Array, rightOffset: number, out: Uint8Array, outOffset: number): void {
  sha256NodeInto(left, leftOffset, right, rightOffset, out, outOffset);
}

/**
 * The root of `leaves[start, end)`, a tree of its own. Hashes the leaves into
 * one buffer, then pairs neighbours level by level in place; an odd last node
 * moves up unchanged. That bottom-up pairing builds exactly the tree of
 * RFC 6962's largest-power-of-two split (the left subtree of every node is
 * complete), with one buffer and no recursion.
 */
function rangeRoot(leaves: readonly Uint8Array[], start: number, end: number, caller: string): Uint8Array<ArrayBuffer> {
  const n = end - start;
  if (n === 0) return EMPTY_ROOT.slice();
  const level = new Uint8Array(n * HASH_BYTES);
  for (let i = 0; i < n; i++) {
    const leaf = leaves[start + i];
    if (!(leaf instanceof Uint8Array)) {
      throw new InvalidArgumentError(`${caller}: leaf ${start + i} must be a Uint8Array, got ${describe(leaf)}`);
    }
    hashLeafInto(leaf, level, i * HASH_BYTES);
  }
  for (let m = n; m > 1; ) {
    const pairs = Math.floor(m / 2);
    for (let i = 0; i < pairs; i++) hashNodeInto(level, 2 * i * HASH_BYTES, level, (2 * i + 1) * HASH_BYTES, level, i * HASH_BYTES);
    if (m % 2 === 1) level.copyWithin(pairs * HASH_BYTES, (m - 1) * HASH_BYTES, m * HASH_BYTES);
    m = pairs + (m % 2);
  }
  return level.slice(0, HASH_BYTES);
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (typeof value === "object") return (value.constructor as { name?: string } | undefined)?.name ?? "an object";
  return typeof value === "number" ? String(value) : typeof value;
}

function requireLeaves(leaves: unknown, caller: string): asserts leaves is readonly Uint8Array[] {
  if (!Array.isArray(leaves)) throw new InvalidArgumentError(`${caller}: leaves must be an array of Uint8Array, got ${describe(leaves)}`);
}

/**
 * The RFC 6962 Merkle tree hash (MTH) of `leaves`: a 32-byte root. The empty
 * list's root is SHA-256(""); one leaf's root is its leaf hash.
 *
 * Throws {@link InvalidArgumentError} when `leaves` is not an array of
 * `Uint8Array`.
 *
 * @example
 * ```ts
 * import { merkleRoot } from "papertrail/compliance";
 * const hex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
 * hex(merkleRoot([])); // => "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
 * // RFC 6962 test data (transparency-dev/merkle): the root of the leaves "" and 0x00.
 * hex(merkleRoot([new Uint8Array([]), new Uint8Array([0x00])])); // => "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"
 * ```
 */
export function merkleRoot(leaves: readonly Uint8Array[]): Uint8Array<ArrayBuffer> {
  requireLeaves(leaves, "merkleRoot");
  return rangeRoot(leaves, 0, leaves.length, "merkleRoot");
}

/**
 * The RFC 6962 audit path (PATH, §2.1.1) of `leaves[index]`: the hashes that,
 * with that leaf, rebuild the root of `leaves`. Ordered from the leaf's
 * sibling up to the root's child; empty for a one-leaf tree. Check it with
 * {@link verifyInclusion}.
 *
 * Throws {@link InvalidArgumentError} unless `index` is an integer with
 * 0 ≤ index < leaves.length, or when `leaves` is not an array of `Uint8Array`.
 *
 * @example
 * ```ts
 * import { inclusionProof, merkleRoot, verifyInclusion } from "papertrail/compliance";
 * const leaves = ["a", "b", "c", "d", "e"].map((s) => new TextEncoder().encode(s));
 * const proof = inclusionProof(leaves, 2);
 * proof.length; // => 3
 * verifyInclusion(leaves[2]!, 2, 5, proof, merkleRoot(leaves)); // => true
 * ```
 */
export function inclusionProof(leaves: readonly Uint8Array[], index: number): Uint8Array<ArrayBuffer>[] {
  requireLeaves(leaves, "inclusionProof");
  const size = leaves.length;
  if (!Number.isInteger(index) || index < 0 || index >= size) {
    throw new InvalidArgumentError(`inclusionProof: index must be an integer from 0 to ${size - 1} (the tree has ${size} leaves), got ${describe(index)}`);
  }
  const proof = inclusionPath(index, size, (from, to) => rangeRoot(leaves, from, to, "inclusionProof"));
  // The proven leaf is in no sibling subtree; it must be a Uint8Array too.
  const leaf: unknown = leaves[index];
  if (!(leaf instanceof Uint8Array)) throw new InvalidArgumentError(`inclusionProof: leaf ${index} must be a Uint8Array, got ${describe(leaf)}`);
  return proof;
}

/**
 * The RFC 6962 consistency proof (PROOF, §2.1.2) between the tree of the
 * first `oldSize` leaves and the tree of all `leaves`: the hashes that show
 * the newer tree extends the older one unchanged. Empty when `oldSize` is 0
 * or `leaves.length`. Check it with {@link verifyConsistency}.
 *
 * Throws {@link InvalidArgumentError} unless `oldSize` is an integer with
 * 0 ≤ oldSize ≤ leaves.length, or when `leaves` is not an array of `Uint8Array`.
 *
 * @example
 * ```ts
 * import { consistencyProof, merkleRoot, verifyConsistency } from "papertrail/compliance";
 * const leaves = ["a", "b", "c", "d", "e", "f", "g"].map((s) => new TextEncoder().encode(s));
 * const oldRoot = merkleRoot(leaves.slice(0, 3));
 * const proof = consistencyProof(leaves, 3);
 * proof.length; // => 4
 * verifyConsistency(3, 7, oldRoot, merkleRoot(leaves), proof); // => true
 * ```
 */
export function consistencyProof(leaves: readonly Uint8Array[], oldSize: number): Uint8Array<ArrayBuffer>[] {
  requireLeaves(leaves, "consistencyProof");
  const size = leaves.length;
  if (!Number.isInteger(oldSize) || oldSize < 0 || oldSize > size) {
    throw new InvalidArgumentError(`consistencyProof: oldSize must be an integer from 0 to ${size} (the tree has ${size} leaves), got ${describe(oldSize)}`);
  }
  if (oldSize === 0 || oldSize === size) {
    rangeRoot(leaves, 0, size, "consistencyProof"); // type-checks every leaf
    return [];
  }
  return consistencyPath(oldSize, size, (from, to) => rangeRoot(leaves, from, to, "consistencyProof"));
}

/** A tree size or index the verifier can count with exactly. */
function isCount(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0;
}

function isHash(value: unknown): value is Uint8Array {
  return value instanceof Uint8Array && value.length === HASH_BYTES;
}

/** A proof array of 32-byte hashes, no longer than any valid proof can be. */
function isProof(value: unknown): value is readonly Uint8Array[] {
  if (!Array.isArray(value) || value.length > MAX_PROOF_LENGTH) return false;
  for (let i = 0; i < value.length; i++) if (!isHash(value[i])) return false;
  return true;
}

function equalHashes(a: Uint8Array, b: Uint8Array): boolean {
  for (let i = 0; i < HASH_BYTES; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Whether `n` (≥ 1) is a power of two; division keeps it exact above 2^32. */
function isPowerOfTwo(n: number): boolean {
  while (n % 2 === 0) n /= 2;
  return n === 1;
}

function checkInclusion(leaf: unknown, index: unknown, treeSize: unknown, proof: unknown, root: unknown): boolean {
  if (!(leaf instanceof Uint8Array) || !isHash(root) || !isCount(index) || !isCount(treeSize) || index >= treeSize || !isProof(proof)) {
    return false;
  }
  // RFC 9162 §2.1.3.2. fn walks the leaf's index up the tree and sn the last
  // index; sn must reach 0 exactly when the proof runs out. Halving with
  // Math.floor rather than >>> keeps sizes above 2^32 exact.
  const r = new Uint8Array(HASH_BYTES);
  hashLeafInto(leaf, r, 0);
  let fn = index;
  let sn = treeSize - 1;
  for (let i = 0; i < proof.length; i++) {
    const p = proof[i] as Uint8Array;
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      hashNodeInto(p, 0, r, 0, r, 0);
      // A right-edge node promoted unchanged: skip the levels it rose through.
      while (fn % 2 === 0 && fn !== 0) {
        fn /= 2;
        sn = Math.floor(sn / 2);
      }
    } else {
      hashNodeInto(r, 0, p, 0, r, 0);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && equalHashes(r, root);
}

/**
 * Whether `proof` shows that `leaf` (the leaf's data, not its hash) is leaf
 * number `index` of the tree of `treeSize` leaves whose root is `root`
 * (RFC 9162 §2.1.3.2). Returns `false`, never throws, on anything else:
 * `index ≥ treeSize` (an index equal to the size is out of the tree), sizes
 * that are not non-negative safe integers, a root or proof element that is
 * not a 32-byte `Uint8Array`, a proof too short or too long, a non-array.
 *
 * @example
 * ```ts
 * import { inclusionProof, merkleRoot, verifyInclusion } from "papertrail/compliance";
 * const leaves = ["a", "b", "c"].map((s) => new TextEncoder().encode(s));
 * const root = merkleRoot(leaves);
 * const proof = inclusionProof(leaves, 1);
 * verifyInclusion(leaves[1]!, 1, 3, proof, root); // => true
 * verifyInclusion(leaves[0]!, 1, 3, proof, root); // => false
 * verifyInclusion(leaves[1]!, 3, 3, proof, root); // => false
 * verifyInclusion(leaves[1]!, 1, 3, proof.slice(1), root); // => false
 * ```
 */
export function verifyInclusion(leaf: Uint8Array, index: number, treeSize: number, proof: readonly Uint8Array[], root: Uint8Array): boolean {
  try {
    return checkInclusion(leaf, index, treeSize, proof, root);
  } catch {
    // Only hostile objects get here (say a typed-array look-alike whose
    // getters throw): refusing them is the answer.
    return false;
  }
}

function checkConsistency(oldSize: unknown, newSize: unknown, oldRoot: unknown, newRoot: unknown, proof: unknown): boolean {
  if (!isCount(oldSize) || !isCount(newSize) || oldSize > newSize || !isHash(oldRoot) || !isHash(newRoot) || !isProof(proof)) {
    return false;
  }
  // Every tree extends the empty one, whose root is fixed.
  if (oldSize === 0) return proof.length === 0 && equalHashes(oldRoot, EMPTY_ROOT);
  if (oldSize === newSize) return proof.length === 0 && equalHashes(oldRoot, newRoot);
  if (proof.length === 0) return false;
  // RFC 9162 §2.1.4.2. Both roots are rebuilt from the same path: fr from
  // the elements that lie inside the old tree, sr from all of them, so every
  // element is bound to the new root and none can be skipped.
  let i = 0;
  let seed: Uint8Array;
  if (isPowerOfTwo(oldSize)) {
    seed = oldRoot; // the old tree is a node of the new one: its root starts the path
  } else {
    seed = proof[0] as Uint8Array;
    i = 1;
  }
  let fn = oldSize - 1;
  let sn = newSize - 1;
  while (fn % 2 === 1) {
    fn = (fn - 1) / 2;
    sn = Math.floor(sn / 2);
  }
  const fr = seed.slice(0, HASH_BYTES);
  const sr = seed.slice(0, HASH_BYTES);
  for (; i < proof.length; i++) {
    const c = proof[i] as Uint8Array;
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      hashNodeInto(c, 0, fr, 0, fr, 0);
      hashNodeInto(c, 0, sr, 0, sr, 0);
      while (fn % 2 === 0 && fn !== 0) {
        fn /= 2;
        sn = Math.floor(sn / 2);
      }
    } else {
      hashNodeInto(sr, 0, c, 0, sr, 0);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && equalHashes(fr, oldRoot) && equalHashes(sr, newRoot);
}

/**
 * Whether `proof` shows that the tree of `newSize` leaves with root `newRoot`
 * extends the tree of `oldSize` leaves with root `oldRoot`, its first
 * `oldSize` leaves unchanged (RFC 9162 §2.1.4.2). Every element of the proof
 * enters the rebuilt new root, so a proof altered anywhere (first, middle or
 * last element) fails. Equal sizes need an empty proof and equal roots; an old
 * size of 0 needs an empty proof and the empty tree's root SHA-256("").
 * Returns `false`, never throws, on anything else: `oldSize > newSize`, sizes
 * that are not non-negative safe integers, roots or elements that are not
 * 32-byte `Uint8Array`s, proofs too short or too long, a non-array.
 *
 * @example
 * ```ts
 * import { consistencyProof, merkleRoot, verifyConsistency } from "papertrail/compliance";
 * const leaves = ["a", "b", "c", "d", "e", "f"].map((s) => new TextEncoder().encode(s));
 * const oldRoot = merkleRoot(leaves.slice(0, 4));
 * const newRoot = merkleRoot(leaves);
 * const proof = consistencyProof(leaves, 4);
 * verifyConsistency(4, 6, oldRoot, newRoot, proof); // => true
 * verifyConsistency(4, 6, newRoot, oldRoot, proof); // => false
 * verifyConsistency(3, 6, oldRoot, newRoot, proof); // => false
 * ```
 */
export function verifyConsistency(oldSize: number, newSize: number, oldRoot: Uint8Array, newRoot: Uint8Array, proof: readonly Uint8Array[]): boolean {
  try {
    return checkConsistency(oldSize, newSize, oldRoot, newRoot, proof);
  } catch {
    return false;
  }
}
