/**
 * Sigma correlation `timespan` (correlation rules specification v2.0.0,
 * "Time Selection"): a positive integer and one lower-case unit, `s`, `m`,
 * `h` or `d`.
 *
 * @module
 */

const UNIT_MS: Readonly<Record<string, number>> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** The timespan in milliseconds, or `undefined` when `text` is not one. */
export function parseTimespan(text: unknown): number | undefined {
  if (typeof text !== "string") return undefined;
  const match = /^([1-9][0-9]{0,9})([smhd])$/.exec(text);
  if (match === null) return undefined;
  const ms = Number(match[1]) * UNIT_MS[match[2]!]!;
  return Number.isSafeInteger(ms) ? ms : undefined;
}
