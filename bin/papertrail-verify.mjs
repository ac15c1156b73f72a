#!/usr/bin/env node
// papertrail-verify <export.json> [--key <verifier key>]... [--json]
// Verifies an exported audit log range offline; see docs/audit.md.
import { runVerifyCli } from "../dist/compliance/node/index.js";

process.exitCode = runVerifyCli(
  process.argv.slice(2),
  (line) => console.log(line),
  (line) => console.error(line),
);
