/// <reference types="node" />
/**
 * C2SP signed notes (c2sp.org/signed-note) with Ed25519 keys, compatible with
 * Go's golang.org/x/mod/sumdb/note: the same key texts, key IDs and note
 * layout, so notes signed here open with Go's `note.Open` and Go's notes open
 * here.
 *
 * - A note is text ending in a newline, a blank line, then signature lines
 *   `— <key name> <base64(4-byte key ID ‖ 64-byte signature)>` (U+2014).
 * - Key ID: the first 4 bytes of SHA-256(name ‖ "\n" ‖ 0x01 ‖ public key),
 *   written as 8 hex digits in key texts.
 * - Verifier key text: `<name>+<key ID>+<base64(0x01 ‖ public key)>`; signer
 *   key text: `PRIVATE+KEY+<name>+<key ID>+<base64(0x01 ‖ 32-byte seed)>`.
 *
 * Ed25519 via node:crypto (RFC 8032; deterministic: the same key and text
 * always give the same signature).
 *
 * @module
 */
import { type KeyObject, createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify } from "node:crypto";
import { DecodeError, InvalidArgumentError } from "../../errors.js";
import { fromBase64, toBase64 } from "../base64.js";

const ED25519 = 0x01;
// DER prefixes of an Ed25519 private key (PKCS #8) and public key (SPKI), RFC 8410.
const PKCS8_PREFIX = Buffer.from("302e020100300506032b657004220420", "hex");
const SPKI_PREFIX = Buffer.from("302a300506032b6570032100", "hex");
/** Go's note.Open refuses notes with more signatures than this. */
const MAX_SIGNATURES = 100;
const SIGNATURE_PREFIX = "— ";
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** A key name: non-empty, no Unicode white space, no "+" (Go's isValidName). */
function isValidName(name: string): boolean {
  return name.length > 0 && !/[\s+\u0085]/u.test(name) && !LONE_SURROGATE.test(name);
}

/** Key ID: the first 4 bytes of SHA-256(name ‖ "\n" ‖ 0x01 ‖ public key), big-endian. */
function keyId(name: string, publicKey: Uint8Array): number {
  const digest = createHash("sha256").update(name).update("\n").update(Uint8Array.of(ED25519)).update(publicKey).digest();
  return digest.readUInt32BE(0);
}

const hex8 = (id: number): string => id.toString(16).padStart(8, "0");

function rawPublicKey(key: KeyObject): Uint8Array {
  const der = key.export({ format: "der", type: "spki" });
  return new Uint8Array(der.subarray(der.length - 32));
}

/** Splits `<name>+<hash>+<base64>`. */
function splitKey(text: string, what: string): { name: string; id: number; data: Uint8Array } {
  if (typeof text !== "string") throw new DecodeError("malformed", `${what}: expected a key text`);
  // Split at the first two "+" (a name has none; base64 key data may).
  const first = text.indexOf("+");
  const second = first < 0 ? -1 : text.indexOf("+", first + 1);
  if (second < 0) throw new DecodeError("malformed", `${what}: expected <name>+<key ID>+<key data>`);
  const name = text.slice(0, first);
  const hash = text.slice(first + 1, second);
  const base64 = text.slice(second + 1);
  if (!isValidName(name)) throw new DecodeError("malformed", `${what}: the key name must be non-empty, without spaces or "+"`);
  if (!/^[0-9a-f]{8}$/.test(hash)) throw new DecodeError("malformed", `${what}: the key ID must be 8 lower-case hex digits`);
  const data = fromBase64(base64);
  if (data === undefined || data.length !== 33 || data[0] !== ED25519) throw new DecodeError("malformed", `${what}: the key data must be base64 of 0x01 and a 32-byte Ed25519 key`);
  return { name, id: parseInt(hash, 16), data: data.subarray(1) };
}

/**
 * A signer of notes: an Ed25519 private key with its name. Build it from a
 * signer key text (`PRIVATE+KEY+name+hash+base64`, as Go's `note.NewSigner`
 * takes) or make a new key with {@link generateNoteKey}.
 *
 * @example
 * ```ts
 * import { NoteSigner } from "papertrail/compliance/node";
 * // The example signer key of Go's golang.org/x/mod/sumdb/note documentation.
 * const signer = NoteSigner.fromKey("PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz");
 * signer.verifierKey; // => "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
 * ```
 */
export class NoteSigner {
  /** The key's name (the log's origin, usually). */
  readonly name: string;
  /** The 32-bit key ID. */
  readonly keyId: number;
  /** The matching verifier key text, to publish. */
  readonly verifierKey: string;
  private readonly key: KeyObject;

  private constructor(name: string, key: KeyObject) {
    const publicKey = rawPublicKey(createPublicKey(key));
    this.name = name;
    this.key = key;
    this.keyId = keyId(name, publicKey);
    this.verifierKey = `${name}+${hex8(this.keyId)}+${toBase64(Uint8Array.of(ED25519, ...publicKey))}`;
  }

  /** Reads a signer key text; throws {@link DecodeError} (code `malformed`) when it is not one or its key ID does not match its key. */
  static fromKey(text: string): NoteSigner {
    if (typeof text !== "string" || !text.startsWith("PRIVATE+KEY+")) throw new DecodeError("malformed", "signer key: expected PRIVATE+KEY+<name>+<key ID>+<key data>");
    const { name, id, data } = splitKey(text.slice("PRIVATE+KEY+".length), "signer key");
    const signer = new NoteSigner(name, createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, data]), format: "der", type: "pkcs8" }));
    if (signer.keyId !== id) throw new DecodeError("malformed", `signer key: the key ID ${hex8(id)} does not match the key (${hex8(signer.keyId)})`);
    return signer;
  }

  /** @internal */
  static fromKeyObject(name: string, key: KeyObject): NoteSigner {
    return new NoteSigner(name, key);
  }

  /** The Ed25519 signature of `message` (64 bytes). */
  sign(message: Uint8Array): Uint8Array {
    return new Uint8Array(sign(null, message, this.key));
  }
}

/**
 * A verifier of notes: an Ed25519 public key with its name, from a verifier
 * key text (`name+hash+base64`, as Go's `note.NewVerifier` takes).
 *
 * @example
 * ```ts
 * import { NoteVerifier } from "papertrail/compliance/node";
 * const verifier = NoteVerifier.fromKey("PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW");
 * verifier.name; // => "PeterNeumann"
 * verifier.keyId.toString(16); // => "c74f20a3"
 * ```
 */
export class NoteVerifier {
  readonly name: string;
  readonly keyId: number;
  private readonly key: KeyObject;

  private constructor(name: string, id: number, key: KeyObject) {
    this.name = name;
    this.keyId = id;
    this.key = key;
  }

  /** Reads a verifier key text; throws {@link DecodeError} (code `malformed`) when it is not one or its key ID does not match its key. */
  static fromKey(text: string): NoteVerifier {
    const { name, id, data } = splitKey(text, "verifier key");
    if (keyId(name, data) !== id) throw new DecodeError("malformed", `verifier key: the key ID ${hex8(id)} does not match the key (${hex8(keyId(name, data))})`);
    return new NoteVerifier(name, id, createPublicKey({ key: Buffer.concat([SPKI_PREFIX, data]), format: "der", type: "spki" }));
  }

  /** Whether `signature` is this key's Ed25519 signature of `message`. */
  verify(message: Uint8Array, signature: Uint8Array): boolean {
    try {
      return signature.length === 64 && verify(null, message, this.key, signature);
    } catch {
      return false;
    }
  }
}

/**
 * A new Ed25519 note key named `name`: its signer key text (keep it secret)
 * and verifier key text (publish it), in Go's formats.
 *
 * @example
 * ```ts
 * import { NoteSigner, generateNoteKey } from "papertrail/compliance/node";
 * const { signerKey, verifierKey } = generateNoteKey("example.com/audit");
 * signerKey.startsWith("PRIVATE+KEY+example.com/audit+"); // => true
 * NoteSigner.fromKey(signerKey).verifierKey === verifierKey; // => true
 * ```
 */
export function generateNoteKey(name: string): { signerKey: string; verifierKey: string } {
  if (typeof name !== "string" || !isValidName(name)) throw new InvalidArgumentError(`generateNoteKey: name must be non-empty, without spaces or "+", got ${JSON.stringify(name)}`);
  const { privateKey } = generateKeyPairSync("ed25519");
  const der = privateKey.export({ format: "der", type: "pkcs8" });
  const seed = new Uint8Array(der.subarray(der.length - 32));
  const signer = NoteSigner.fromKeyObject(name, privateKey);
  return { signerKey: `PRIVATE+KEY+${name}+${hex8(signer.keyId)}+${toBase64(Uint8Array.of(ED25519, ...seed))}`, verifierKey: signer.verifierKey };
}

/** Text a note may carry: ends in a newline, valid UTF-8 (well-formed), no control characters but newline. */
function checkText(text: string, what: string): void {
  // eslint-disable-next-line no-control-regex
  if (typeof text !== "string" || LONE_SURROGATE.test(text) || /[\u0000-\u0009\u000b-\u001f]/.test(text)) {
    throw new DecodeError("malformed", `${what}: the text must be well-formed Unicode without control characters other than newline`);
  }
}

/**
 * Signs `text` (which must end in a newline and hold no control characters
 * but newlines) with each signer and returns the note. Throws
 * {@link InvalidArgumentError} for text a note cannot carry.
 *
 * @example
 * ```ts
 * import { NoteSigner, signNote } from "papertrail/compliance/node";
 * const signer = NoteSigner.fromKey("PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz");
 * const text = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
 * signNote(text, signer).split("\n").at(-2); // => "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM="
 * ```
 */
export function signNote(text: string, ...signers: readonly NoteSigner[]): string {
  if (typeof text !== "string" || !text.endsWith("\n")) throw new InvalidArgumentError("signNote: the text must end with a newline");
  try {
    checkText(text, "signNote");
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
  if (signers.length === 0 || !signers.every((signer) => signer instanceof NoteSigner)) throw new InvalidArgumentError("signNote: give at least one NoteSigner");
  const message = new TextEncoder().encode(text);
  let note = `${text}\n`;
  for (const signer of signers) {
    const id = new Uint8Array(4);
    new DataView(id.buffer).setUint32(0, signer.keyId);
    note += `${SIGNATURE_PREFIX}${signer.name} ${toBase64(Uint8Array.of(...id, ...signer.sign(message)))}\n`;
  }
  return note;
}

/**
 * An opened note: its `text`, the signatures verified by known keys
 * (`verified`, at least one) and those from keys the caller does not know
 * (`unverified`, ignored but listed).
 *
 * @example
 * ```ts
 * import { NoteSigner, NoteVerifier, openNote, signNote, type OpenedNote } from "papertrail/compliance/node";
 * const signer = NoteSigner.fromKey("PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz");
 * const opened: OpenedNote = openNote(signNote("hello\n", signer), [NoteVerifier.fromKey(signer.verifierKey)]);
 * opened.verified; // => [{ name: "PeterNeumann", keyId: 0xc74f20a3 }]
 * ```
 */
export interface OpenedNote {
  readonly text: string;
  readonly verified: readonly { readonly name: string; readonly keyId: number }[];
  readonly unverified: readonly { readonly name: string; readonly keyId: number }[];
}

/**
 * Opens a signed note with the verifiers the caller trusts, as Go's
 * `note.Open` does: signatures from unknown keys are ignored (listed as
 * unverified), several signatures are accepted, and at least one must come
 * from a known key. Throws {@link DecodeError}: code `malformed` for text
 * that is not a note (no blank line before the signatures, a signature line
 * not of the form `— name base64`, control characters, more than 100
 * signatures); code `invalid-field` when a known key's signature does not
 * verify or no known key signed.
 *
 * @example
 * ```ts
 * import { NoteVerifier, openNote } from "papertrail/compliance/node";
 * // The example note and verifier key of Go's golang.org/x/mod/sumdb/note documentation.
 * const note = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n\n— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
 * const verifier = NoteVerifier.fromKey("PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW");
 * openNote(note, [verifier]).text.startsWith("If you think"); // => true
 * ```
 */
export function openNote(note: string, verifiers: readonly NoteVerifier[]): OpenedNote {
  if (typeof note !== "string") throw new DecodeError("malformed", "note: expected text");
  checkText(note, "note");
  const split = note.lastIndexOf("\n\n");
  if (split < 0) throw new DecodeError("malformed", "note: no blank line before the signatures");
  const text = note.slice(0, split + 1);
  let signatures = note.slice(split + 2);
  if (signatures === "" || !signatures.endsWith("\n")) throw new DecodeError("malformed", "note: the signature block must end with a newline");
  const message = new TextEncoder().encode(text);
  const verified: { name: string; keyId: number }[] = [];
  const unverified: { name: string; keyId: number }[] = [];
  const seen = new Set<string>();
  let count = 0;
  while (signatures !== "") {
    const end = signatures.indexOf("\n");
    const line = signatures.slice(0, end);
    signatures = signatures.slice(end + 1);
    if (++count > MAX_SIGNATURES) throw new DecodeError("malformed", `note: more than ${MAX_SIGNATURES} signatures`);
    if (!line.startsWith(SIGNATURE_PREFIX)) throw new DecodeError("malformed", "note: a signature line must start with an em dash and a space");
    const rest = line.slice(SIGNATURE_PREFIX.length);
    const space = rest.indexOf(" ");
    const name = space < 0 ? rest : rest.slice(0, space);
    const encoded = space < 0 ? "" : rest.slice(space + 1);
    const bytes = fromBase64(encoded);
    if (!isValidName(name) || encoded === "" || bytes === undefined || bytes.length < 5) throw new DecodeError("malformed", "note: a signature line is not `— <name> <base64 signature>`");
    const id = new DataView(bytes.buffer, bytes.byteOffset).getUint32(0);
    const verifier = verifiers.find((candidate) => candidate.name === name && candidate.keyId === id);
    const signer = { name, keyId: id };
    const key = `${name}+${id}`;
    if (verifier === undefined) {
      unverified.push(signer);
      continue;
    }
    if (seen.has(key)) continue;
    seen.add(key);
    if (!verifier.verify(message, bytes.subarray(4))) throw new DecodeError("invalid-field", `note: the signature by ${name} (${hex8(id)}) does not verify`);
    verified.push(signer);
  }
  if (verified.length === 0) throw new DecodeError("invalid-field", `note: no signature from a known key (signed by: ${unverified.map((s) => `${s.name}+${hex8(s.keyId)}`).join(", ") || "nobody"})`);
  return { text, verified, unverified };
}
