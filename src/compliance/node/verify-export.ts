/// <reference types="node" />
/**
 * Offline verification of an exported audit range (AuditLog.export): the
 * checkpoint's signature, then every record against it. Also the
 * `papertrail-verify` command's logic (bin/papertrail-verify.mjs).
 *
 * @module
 */
import { readFileSync } from "node:fs";
import { DecodeError, InvalidArgumentError } from "../../errors.js";
import { checkOptionKeys } from "../../sketches/sketch.js";
import { type AuditExport, checkAuditExportRecords, parseAuditExport } from "../audit-export.js";
import type { AuditFailure, AuditFailureKind } from "../audit-verifier.js";
import { openCheckpoint } from "./signed-checkpoint.js";

/**
 * The verdict on an export: `ok` when the checkpoint carries a valid
 * signature from a trusted key and every record is in its tree at its index,
 * in order, chained; `origin`, `size` (the checkpoint's tree size), `from` and
 * `to` (the range [from, to) of records), `signers` (names of the keys whose
 * signatures verified), `keysFromBundle` (true when no key was given and the
 * bundle's own keys were used: then the bundle only proves it is
 * self-consistent, not who signed it), and `failure` (the first problem:
 * kind `signature` for the checkpoint, `malformed` for an unreadable bundle,
 * otherwise a record's kind and index).
 *
 * @example
 * ```ts
 * import type { ExportVerification } from "papertrail/compliance/node";
 * const verdict: ExportVerification = { ok: false, origin: "", size: 0, from: 0, to: 0, signers: [], keysFromBundle: false, failure: { index: 0, kind: "signature", reason: "no trusted signature" } };
 * verdict.failure?.kind; // => "signature"
 * ```
 */
export interface ExportVerification {
  readonly ok: boolean;
  readonly origin: string;
  readonly size: number;
  readonly from: number;
  readonly to: number;
  readonly signers: readonly string[];
  readonly keysFromBundle: boolean;
  readonly failure?: { readonly index: number; readonly kind: AuditFailureKind | "signature" | "malformed"; readonly reason: string };
}

/**
 * Verifies an export bundle (the object, or its JSON text) offline. With
 * `verifierKeys` (key texts `name+hash+base64`, the keys the auditor trusts,
 * obtained from the log's operator) only their signatures count; without,
 * the bundle's own `verifierKeys` are used and `keysFromBundle` says so.
 * Never throws on a bad bundle: the verdict says what is wrong.
 *
 * @example
 * ```ts
 * import { AuditLog } from "papertrail/compliance";
 * import { NoteSigner, signLogCheckpoint, verifyAuditExport } from "papertrail/compliance/node";
 * const signer = NoteSigner.fromKey("PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz");
 * const log = new AuditLog({ origin: "example.com/audit" });
 * for (let i = 0; i < 10; i++) log.append({ i });
 * signLogCheckpoint(log, signer);
 * const bundle = log.export(2, 5, { verifierKeys: [signer.verifierKey] });
 * verifyAuditExport(bundle, { verifierKeys: [signer.verifierKey] }).ok; // => true
 * const forged = JSON.stringify(bundle).replace('{\\"i\\":3}', '{\\"i\\":33}');
 * verifyAuditExport(forged, { verifierKeys: [signer.verifierKey] }).failure?.kind; // => "modified"
 * ```
 */
export function verifyAuditExport(bundle: AuditExport | string | unknown, options: { readonly verifierKeys?: readonly string[] } = {}): ExportVerification {
  checkOptionKeys("verifyAuditExport", options, ["verifierKeys"]);
  let parsed: AuditExport;
  const empty = { origin: "", size: 0, from: 0, to: 0, signers: [], keysFromBundle: false };
  try {
    parsed = parseAuditExport(typeof bundle === "string" ? JSON.parse(bundle) : bundle);
  } catch (error) {
    return { ok: false, ...empty, failure: { index: 0, kind: "malformed", reason: error instanceof Error ? error.message : String(error) } };
  }
  const from = parsed.records[0]?.index ?? 0;
  const to = (parsed.records[parsed.records.length - 1]?.index ?? -1) + 1;
  const keysFromBundle = options.verifierKeys === undefined;
  const keys = options.verifierKeys ?? parsed.verifierKeys;
  const base = { origin: parsed.origin, size: 0, from, to, signers: [] as string[], keysFromBundle };
  let checkpoint;
  try {
    checkpoint = openCheckpoint(parsed.checkpoint, keys, { origin: parsed.origin });
  } catch (error) {
    const reason = error instanceof DecodeError || error instanceof InvalidArgumentError ? error.message : String(error);
    return { ok: false, ...base, failure: { index: from, kind: "signature", reason: `the checkpoint does not verify: ${reason}` } };
  }
  const result = { ...base, size: checkpoint.size, signers: checkpoint.signers };
  const failure: AuditFailure | undefined = checkAuditExportRecords(parsed, { ...checkpoint, extensions: [] });
  return failure === undefined ? { ok: true, ...result } : { ok: false, ...result, failure };
}

const USAGE = `usage: papertrail-verify <export.json> [--key <verifier key>]... [--json]

Verifies an audit log export offline: the signed checkpoint (with the given
verifier keys, or the bundle's own when none is given) and every record's
inclusion proof and chain. Exit status 0 when it verifies, 1 when it does not,
2 for a usage error or an unreadable file.`;

/**
 * The `papertrail-verify` command: `args` are its arguments (without
 * `node` and the script), `out` and `err` receive lines. Resolves to the exit
 * status: 0 verified, 1 not verified (the reason is printed), 2 usage error or
 * unreadable file.
 *
 * @example
 * ```ts
 * import { runVerifyCli } from "papertrail/compliance/node";
 * const lines: string[] = [];
 * runVerifyCli([], (line) => lines.push(line), (line) => lines.push(line)); // => 2
 * lines[0]?.startsWith("usage: papertrail-verify"); // => true
 * ```
 */
export function runVerifyCli(args: readonly string[], out: (line: string) => void, err: (line: string) => void): number {
  const keys: string[] = [];
  let file: string | undefined;
  let json = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === "--key" && i + 1 < args.length) keys.push(args[++i] as string);
    else if (arg.startsWith("--key=")) keys.push(arg.slice(6));
    else if (arg === "--json") json = true;
    else if (arg === "--help" || arg === "-h") {
      out(USAGE);
      return 0;
    } else if (!arg.startsWith("-") && file === undefined) file = arg;
    else {
      err(USAGE);
      return 2;
    }
  }
  if (file === undefined) {
    err(USAGE);
    return 2;
  }
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    err(`papertrail-verify: cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`);
    return 2;
  }
  const verdict = verifyAuditExport(text, keys.length === 0 ? {} : { verifierKeys: keys });
  if (json) out(JSON.stringify(verdict));
  else if (verdict.ok) {
    out(`OK: records ${verdict.from} to ${verdict.to - 1} of ${verdict.origin} are in its checkpoint of ${verdict.size} records, signed by ${verdict.signers.join(", ")}`);
    if (verdict.keysFromBundle) out("note: no --key given; the key was taken from the bundle itself. Compare it with the key the log's operator publishes.");
  } else {
    const failure = verdict.failure as NonNullable<ExportVerification["failure"]>;
    err(`FAILED: ${failure.kind} at record ${failure.index}: ${failure.reason}`);
  }
  return verdict.ok ? 0 : 1;
}
