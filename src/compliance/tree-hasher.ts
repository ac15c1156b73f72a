/**
 * The two RFC 6962 hashes over byte ranges, writing into a caller's buffer:
 * leaf = SHA-256(0x00 ‖ data), node = SHA-256(0x01 ‖ left ‖ right). The audit
 * log's tree and verifier hash millions of them, so nothing is allocated per
 * call; the interface lets the Node-only path plug in `node:crypto`.
 *
 * @module
 */
import { sha256NodeInto, sha256PrefixedInto } from "../hashing/sha256.js";

/**
 * RFC 6962 leaf and node hashing into caller-owned buffers: what
 * `AuditLog` and `AuditVerifier` hash with (their `hasher`
 * option). The default is papertrail's TypeScript SHA-256;
 * papertrail/compliance/node has `NodeTreeHasher` on node:crypto.
 *
 * @example
 * ```ts
 * import { AuditLog, type TreeHasher } from "papertrail/compliance";
 * const calls = { leaf: 0 };
 * const counting: TreeHasher = {
 *   leaf(bytes, start, end, out, offset) { calls.leaf++; out.fill(start + end, offset, offset + 32); },
 *   node(left, l, right, r, out, offset) { for (let i = 0; i < 32; i++) out[offset + i] = left[l + i]! ^ right[r + i]!; },
 * };
 * const log = new AuditLog({ origin: "x", hasher: counting });
 * log.append(1); log.append(2);
 * calls.leaf; // => 2
 * ```
 */
export interface TreeHasher {
  /** Writes SHA-256(0x00 ‖ bytes[start, end)) at out[outOffset]. */
  leaf(bytes: Uint8Array, start: number, end: number, out: Uint8Array, outOffset: number): void;
  /** Writes SHA-256(0x01 ‖ left ‖ right) (32-byte hashes at their offsets) at out[outOffset]; out may overlap the inputs. */
  node(left: Uint8Array, leftOffset: number, right: Uint8Array, rightOffset: number, out: Uint8Array, outOffset: number): void;
}

/** The browser-safe {@link TreeHasher}: papertrail's synchronous SHA-256. */
export class Sha256TreeHasher implements TreeHasher {
  leaf(bytes: Uint8Array, start: number, end: number, out: Uint8Array, outOffset: number): void {
    sha256PrefixedInto(0x00, bytes, start, end, out, outOffset);
  }

  node(left: Uint8Array, leftOffset: number, right: Uint8Array, rightOffset: number, out: Uint8Array, outOffset: number): void {
    sha256NodeInto(left, leftOffset, right, rightOffset, out, outOffset);
  }
}

/**
 * The maximal aligned blocks that tile [start, end), left to right, as
 * [level, index] pairs (block = leaves [index·2^level, (index+1)·2^level)).
 * For [0, n) these are the roots of the perfect subtrees whose sizes are the
 * binary digits of n: the "compact range" or frontier of the tree of n
 * leaves, from which its root and every later root follow.
 */
export function compactRange(start: number, end: number): [number, number][] {
  const blocks: [number, number][] = [];
  let a = start;
  while (a < end) {
    let level = 0;
    let width = 1;
    while (a % (width * 2) === 0 && a + width * 2 <= end) {
      width *= 2;
      level++;
    }
    blocks.push([level, a / width]);
    a += width;
  }
  return blocks;
}
