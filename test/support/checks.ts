// Helpers shared by the test files: registering law kits as vitest tests and
// checking that decoders fail only with DecodeError.
import { describe, it } from "vitest";
import { DecodeError } from "../../src/errors.js";
import type { Law } from "../../src/laws/index.js";

/** Registers each law as a test inside `describe(name)`. */
export function registerLaws(name: string, laws: readonly Law[]): void {
  describe(name, () => {
    for (const law of laws) it(law.name, law.check);
  });
}

/** The DecodeError code `action` throws, or "no error"; any other error propagates. */
export function decodeErrorCode(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    if (error instanceof DecodeError) return error.code;
    throw error;
  }
  return "no error";
}

/** Runs `decode`; "ok" or "rejected" (DecodeError), and fails on any other throw. */
export function decodesOrRejectsCleanly(decode: (bytes: Uint8Array) => unknown, bytes: Uint8Array): "ok" | "rejected" {
  try {
    decode(bytes);
    return "ok";
  } catch (error) {
    if (error instanceof DecodeError) return "rejected";
    throw new Error(`decoder threw ${(error as Error)?.name}: ${(error as Error)?.message} instead of DecodeError`);
  }
}
