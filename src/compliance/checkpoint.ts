/**
 * Checkpoints in the C2SP `tlog-checkpoint` format (c2sp.org/tlog-checkpoint):
 * the body a log signs to commit to its tree.
 *
 * ```text
 * example.com/audit                                  origin: the log's unique name
 * 1234                                               tree size, decimal, no leading zeros
 * 47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=       RFC 6962 root, standard base64
 * ```
 *
 * Every line ends in a newline; optional extension lines may follow the
 * root. Signing it (a C2SP signed note) is Node-only: papertrail/compliance/node.
 *
 * @module
 */
import { DecodeError, InvalidArgumentError } from "../errors.js";
import { fromBase64, toBase64 } from "./base64.js";

/**
 * A checkpoint and the signed note that carries it: the log's `origin`, the
 * tree `size`, its RFC 6962 `root` (32 bytes) and `note`, the full C2SP
 * signed note text (checkpoint body, blank line, signature lines).
 *
 * @example
 * ```ts
 * import type { SignedCheckpoint } from "papertrail/compliance";
 * const describe = (c: SignedCheckpoint) => `${c.origin} @ ${c.size}`;
 * describe({ origin: "example.com/audit", size: 3, root: new Uint8Array(32), note: "" }); // => "example.com/audit @ 3"
 * ```
 */
export interface SignedCheckpoint {
  readonly origin: string;
  readonly size: number;
  readonly root: Uint8Array;
  readonly note: string;
}

/**
 * A parsed checkpoint body: origin, size, root, and any extension lines
 * (without their newlines).
 *
 * @example
 * ```ts
 * import { parseCheckpoint, type Checkpoint } from "papertrail/compliance";
 * const checkpoint: Checkpoint = parseCheckpoint("log\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n");
 * checkpoint.size; // => 0
 * ```
 */
export interface Checkpoint {
  readonly origin: string;
  readonly size: number;
  readonly root: Uint8Array;
  readonly extensions: readonly string[];
}

/** Whether `origin` can be a checkpoint's first line: non-empty, no control characters. */
export function isValidOrigin(origin: unknown): origin is string {
  // eslint-disable-next-line no-control-regex
  return typeof origin === "string" && origin.length > 0 && !/[\u0000-\u001f\u007f]/.test(origin) && origin.trim() === origin;
}

/**
 * The checkpoint body for `origin`, tree `size` and `root` (plus optional
 * extension lines), ready to be signed as a note. Throws
 * {@link InvalidArgumentError} for an empty origin or one with control
 * characters or surrounding spaces, a size that is not a non-negative safe
 * integer, a root that is not 32 bytes, or an extension line that is empty or
 * holds a newline.
 *
 * @example
 * ```ts
 * import { checkpointBody, merkleRoot } from "papertrail/compliance";
 * checkpointBody("example.com/audit", 0, merkleRoot([])); // => "example.com/audit\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n"
 * ```
 */
export function checkpointBody(origin: string, size: number, root: Uint8Array, extensions: readonly string[] = []): string {
  if (!isValidOrigin(origin)) throw new InvalidArgumentError(`checkpoint: origin must be a non-empty line without control characters or surrounding spaces, got ${JSON.stringify(origin)}`);
  if (!Number.isSafeInteger(size) || size < 0) throw new InvalidArgumentError(`checkpoint: size must be a non-negative safe integer, got ${String(size)}`);
  if (!(root instanceof Uint8Array) || root.length !== 32) throw new InvalidArgumentError("checkpoint: root must be a 32-byte Uint8Array");
  for (const line of extensions) {
    if (typeof line !== "string" || line.length === 0 || line.includes("\n")) throw new InvalidArgumentError("checkpoint: extension lines must be non-empty strings without newlines");
  }
  return `${origin}\n${size}\n${toBase64(root)}\n${extensions.map((line) => `${line}\n`).join("")}`;
}

/**
 * Parses a checkpoint body (the text of a signed note, signatures removed).
 * Throws {@link DecodeError} (code `malformed`) when the text is not one:
 * fewer than three lines, no final newline, an empty origin, a size with a
 * leading zero or sign or above 2^53 − 1, a root that is not the canonical
 * base64 of 32 bytes, an empty extension line.
 *
 * @example
 * ```ts
 * import { parseCheckpoint } from "papertrail/compliance";
 * const body = "example.com/audit\n2\nqvU2HHsIxuXOxYIrbbA8Nr8VTh3Q9SW1PvRoD6oh8p8=\nextra\n";
 * parseCheckpoint(body).extensions; // => ["extra"]
 * let code = "";
 * try { parseCheckpoint("example.com/audit\n02\nqvU2HHsIxuXOxYIrbbA8Nr8VTh3Q9SW1PvRoD6oh8p8=\n"); } catch (e) { code = (e as { code: string }).code; }
 * code; // => "malformed"
 * ```
 */
export function parseCheckpoint(text: string): Checkpoint {
  if (typeof text !== "string" || !text.endsWith("\n")) throw new DecodeError("malformed", "checkpoint: the text must end with a newline");
  const lines = text.slice(0, -1).split("\n");
  if (lines.length < 3) throw new DecodeError("malformed", "checkpoint: expected origin, size and root lines");
  const [origin, sizeText, rootText, ...extensions] = lines as [string, string, string, ...string[]];
  if (!isValidOrigin(origin)) throw new DecodeError("malformed", "checkpoint: the origin line is empty or has control characters");
  if (!/^(0|[1-9][0-9]{0,15})$/.test(sizeText) || !Number.isSafeInteger(Number(sizeText))) throw new DecodeError("malformed", `checkpoint: the size line is not a canonical decimal: ${JSON.stringify(sizeText.slice(0, 40))}`);
  const root = fromBase64(rootText);
  if (root === undefined || root.length !== 32) throw new DecodeError("malformed", "checkpoint: the root line is not the base64 of 32 bytes");
  if (extensions.some((line) => line.length === 0)) throw new DecodeError("malformed", "checkpoint: an empty extension line (the body must not contain a blank line)");
  return { origin, size: Number(sizeText), root, extensions };
}
