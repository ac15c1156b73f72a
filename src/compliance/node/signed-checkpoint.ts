/// <reference types="node" />
/**
 * Signed checkpoints: a C2SP tlog-checkpoint body (checkpoint.ts) signed as a
 * C2SP signed note (signed-note.ts) with Ed25519.
 *
 * @module
 */
import { DecodeError, InvalidArgumentError } from "../../errors.js";
import type { AuditLog } from "../audit-log.js";
import { type SignedCheckpoint, checkpointBody, parseCheckpoint } from "../checkpoint.js";
import { NoteSigner, NoteVerifier, openNote, signNote } from "./signed-note.js";

/**
 * Signs the checkpoint `{ origin, size, root }` with each signer and returns
 * it with its note.
 *
 * @example
 * ```ts
 * import { merkleRoot } from "papertrail/compliance";
 * import { NoteSigner, signCheckpoint } from "papertrail/compliance/node";
 * const signer = NoteSigner.fromKey("PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz");
 * const signed = signCheckpoint({ origin: "example.com/audit", size: 0, root: merkleRoot([]) }, signer);
 * signed.note.split("\n").slice(0, 4); // => ["example.com/audit", "0", "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=", ""]
 * ```
 */
export function signCheckpoint(checkpoint: { readonly origin: string; readonly size: number; readonly root: Uint8Array }, ...signers: readonly NoteSigner[]): SignedCheckpoint {
  const { origin, size, root } = checkpoint;
  const note = signNote(checkpointBody(origin, size, root), ...signers);
  return { origin, size, root: root.slice(), note };
}

/**
 * Takes a checkpoint of `log` (flushing its store first, so every record it
 * covers is durable), signs it, keeps it in the log's store and returns it.
 *
 * @example
 * ```ts
 * import { AuditLog } from "papertrail/compliance";
 * import { NoteSigner, signLogCheckpoint } from "papertrail/compliance/node";
 * const log = new AuditLog({ origin: "example.com/audit" });
 * log.append({ action: "login" });
 * const signer = NoteSigner.fromKey("PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz");
 * const checkpoint = signLogCheckpoint(log, signer);
 * checkpoint.size; // => 1
 * log.checkpoints.length; // => 1
 * ```
 */
export function signLogCheckpoint(log: AuditLog, ...signers: readonly NoteSigner[]): SignedCheckpoint {
  const signed = signCheckpoint(log.checkpoint(), ...signers);
  log.keepCheckpoint(signed);
  return signed;
}

/**
 * Opens a signed checkpoint note with the verifier keys the caller trusts
 * (key texts `name+hash+base64` or {@link NoteVerifier}s): signatures from
 * other keys are ignored, at least one trusted signature must verify, and the
 * body must be a well-formed checkpoint (of `origin`, when given). Returns
 * the checkpoint with the names of the keys that signed it. Throws
 * {@link DecodeError}: `malformed` for a malformed note, key or body;
 * `invalid-field` for a bad or missing trusted signature or another origin.
 *
 * @example
 * ```ts
 * import { merkleRoot } from "papertrail/compliance";
 * import { NoteSigner, openCheckpoint, signCheckpoint } from "papertrail/compliance/node";
 * const signer = NoteSigner.fromKey("PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz");
 * const { note } = signCheckpoint({ origin: "example.com/audit", size: 0, root: merkleRoot([]) }, signer);
 * const opened = openCheckpoint(note, [signer.verifierKey]);
 * opened.size; // => 0
 * opened.signers; // => ["PeterNeumann"]
 * ```
 */
export function openCheckpoint(note: string, verifierKeys: readonly (string | NoteVerifier)[], options: { readonly origin?: string } = {}): SignedCheckpoint & { readonly signers: readonly string[] } {
  if (!Array.isArray(verifierKeys)) throw new InvalidArgumentError("openCheckpoint: verifierKeys must be an array of verifier key texts or NoteVerifiers");
  const verifiers = verifierKeys.map((key) => (key instanceof NoteVerifier ? key : NoteVerifier.fromKey(key)));
  const opened = openNote(note, verifiers);
  const checkpoint = parseCheckpoint(opened.text);
  if (options.origin !== undefined && checkpoint.origin !== options.origin) {
    throw new DecodeError("invalid-field", `checkpoint: origin ${JSON.stringify(checkpoint.origin)} is not the expected ${JSON.stringify(options.origin)}`);
  }
  return { origin: checkpoint.origin, size: checkpoint.size, root: checkpoint.root, note, signers: opened.verified.map((signer) => signer.name) };
}
