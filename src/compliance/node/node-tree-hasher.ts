/// <reference types="node" />
/**
 * RFC 6962 leaf and node hashing with node:crypto's one-shot `crypto.hash`
 * (Node ≥ 20.12 / 21.7; `createHash` before that), for the Node-only file
 * log and verifier. Whether it beats the TypeScript SHA-256 depends on the
 * message size and the machine: bench/audit.mjs measures both.
 *
 * @module
 */
import * as crypto from "node:crypto";
import type { TreeHasher } from "../tree-hasher.js";

type OneShot = (algorithm: string, data: Uint8Array, encoding: "buffer") => Buffer;
const oneShot: OneShot | undefined = (crypto as unknown as { hash?: OneShot }).hash;
const digest: OneShot = oneShot ?? ((algorithm, data) => crypto.createHash(algorithm).update(data).digest());

/**
 * A {@link TreeHasher} on node:crypto SHA-256: the prefix byte and the data
 * are copied into one scratch buffer and hashed in one call.
 *
 * @example
 * ```ts
 * import { AuditLog } from "papertrail/compliance";
 * import { NodeTreeHasher } from "papertrail/compliance/node";
 * const a = new AuditLog({ origin: "example.com/audit", hasher: new NodeTreeHasher(), now: () => 0 });
 * const b = new AuditLog({ origin: "example.com/audit", now: () => 0 });
 * a.append("x"); b.append("x");
 * Buffer.from(a.root()).equals(b.root()); // => true
 * ```
 */
export class NodeTreeHasher implements TreeHasher {
  private scratch = Buffer.alloc(4096);
  private readonly pair = Buffer.alloc(65);

  leaf(bytes: Uint8Array, start: number, end: number, out: Uint8Array, outOffset: number): void {
    const length = end - start + 1;
    if (this.scratch.length < length) this.scratch = Buffer.alloc(length * 2);
    this.scratch[0] = 0x00;
    this.scratch.set(bytes.subarray(start, end), 1);
    out.set(digest("sha256", this.scratch.subarray(0, length), "buffer"), outOffset);
  }

  node(left: Uint8Array, leftOffset: number, right: Uint8Array, rightOffset: number, out: Uint8Array, outOffset: number): void {
    const pair = this.pair;
    pair[0] = 0x01;
    for (let i = 0; i < 32; i++) pair[1 + i] = left[leftOffset + i];
    for (let i = 0; i < 32; i++) pair[33 + i] = right[rightOffset + i];
    out.set(digest("sha256", pair, "buffer"), outOffset);
  }
}
