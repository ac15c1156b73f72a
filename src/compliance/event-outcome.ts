/**
 * Status to outcome: which status words mean the action failed or succeeded.
 *
 * @module
 */
import { InvalidArgumentError } from "../errors.js";
import type { EventOutcome } from "./event.js";

/**
 * Status values (matched without regard to case) that mean failure and
 * success; any other status gives no outcome.
 *
 * @example
 * ```ts
 * import type { OutcomeTable } from "papertrail/compliance";
 * const table: OutcomeTable = { failure: ["failed", "locked"], success: ["ok"] };
 * table.failure.length; // => 2
 * ```
 */
export interface OutcomeTable {
  readonly failure: readonly string[];
  readonly success: readonly string[];
}

/**
 * The default table: `failed`, `failure`, `fail`, `denied`, `error`,
 * `unauthorized`, `forbidden`, `401`, `403`, `AccessDenied` mean failure;
 * `success`, `succeeded`, `ok`, `allowed`, `200` mean success.
 *
 * @example
 * ```ts
 * import { DEFAULT_OUTCOMES } from "papertrail/compliance";
 * DEFAULT_OUTCOMES.failure.includes("AccessDenied"); // => true
 * ```
 */
export const DEFAULT_OUTCOMES: OutcomeTable = {
  failure: ["failed", "failure", "fail", "denied", "error", "unauthorized", "forbidden", "401", "403", "AccessDenied"],
  success: ["success", "succeeded", "ok", "allowed", "200"],
};

/**
 * A function from a status to its outcome, built from a table (or taken as
 * given when already a function). Lookups are case-insensitive.
 *
 * @example
 * ```ts
 * import { DEFAULT_OUTCOMES, outcomeOf } from "papertrail/compliance";
 * const outcome = outcomeOf(DEFAULT_OUTCOMES);
 * outcome("FAILED"); // => "failure"
 * outcome("200"); // => "success"
 * outcome("pending"); // => undefined
 * ```
 */
export function outcomeOf(table: OutcomeTable | ((status: string) => EventOutcome | undefined)): (status: string) => EventOutcome | undefined {
  if (typeof table === "function") return table;
  if (table === null || typeof table !== "object" || !Array.isArray(table.failure) || !Array.isArray(table.success)) {
    throw new InvalidArgumentError("outcomes must be a function or { failure: string[], success: string[] }");
  }
  const map = new Map<string, EventOutcome>();
  for (const [list, outcome] of [[table.failure, "failure"], [table.success, "success"]] as const) {
    for (const status of list) {
      if (typeof status !== "string") throw new InvalidArgumentError(`outcomes.${outcome} must hold strings, got ${typeof status}`);
      const key = status.toLowerCase();
      const other = map.get(key);
      if (other !== undefined && other !== outcome) throw new InvalidArgumentError(`outcomes: "${status}" is listed as both failure and success`);
      map.set(key, outcome);
    }
  }
  return (status) => map.get(status) ?? map.get(status.toLowerCase());
}
