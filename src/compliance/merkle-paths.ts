/**
 * The shape of RFC 6962 proofs, apart from how a subtree's root is found:
 * which subtrees an inclusion path (PATH, §2.1.1) and a consistency proof
 * (PROOF / SUBPROOF, §2.1.2) list. merkle.ts hashes the subtrees from the
 * leaves; the audit log's incremental tree reads them from its cache.
 *
 * @module
 */

/** The root of the subtree over leaves [from, to). */
export type SubtreeRoot = (from: number, to: number) => Uint8Array<ArrayBuffer>;

/** The largest power of two smaller than `n` (n ≥ 2): where RFC 6962 splits a tree of n leaves. */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/**
 * PATH(index, D[size]): walk from the root down to the leaf, taking the
 * sibling subtree at each split; RFC 6962 lists them leaf-first, hence the
 * reverse. Needs 0 ≤ index < size.
 */
export function inclusionPath(index: number, size: number, subtree: SubtreeRoot): Uint8Array<ArrayBuffer>[] {
  const proof: Uint8Array<ArrayBuffer>[] = [];
  let m = index;
  let start = 0;
  let n = size;
  while (n > 1) {
    const k = splitPoint(n);
    if (m < k) {
      proof.push(subtree(start + k, start + n));
      n = k;
    } else {
      proof.push(subtree(start, start + k));
      m -= k;
      start += k;
      n -= k;
    }
  }
  return proof.reverse();
}

/**
 * PROOF(oldSize, D[size]) as SUBPROOF(m, D[n], b) unrolled from the top: at
 * each split keep the subtree the old tree does not decide, and descend into
 * the other. `complete` (b) turns false once the old tree's root is no
 * longer a node of the descent's left spine, so the verifier needs that node
 * too. Needs 0 < oldSize < size.
 */
export function consistencyPath(oldSize: number, size: number, subtree: SubtreeRoot): Uint8Array<ArrayBuffer>[] {
  const proof: Uint8Array<ArrayBuffer>[] = [];
  let m = oldSize;
  let start = 0;
  let n = size;
  let complete = true;
  while (m !== n) {
    const k = splitPoint(n);
    if (m <= k) {
      proof.push(subtree(start + k, start + n));
      n = k;
    } else {
      proof.push(subtree(start, start + k));
      m -= k;
      start += k;
      n -= k;
      complete = false;
    }
  }
  if (!complete) proof.push(subtree(start, start + n));
  return proof.reverse();
}
