/**
 * PaperTrail: Algebird-style monoids and probabilistic sketches for
 * real-time security and compliance monitoring.
 *
 * The root re-exports the algebra, hashing, codec and sketch modules. The
 * law kit lives at `papertrail/laws` (it needs the `fast-check` peer
 * dependency); aggregators and time windows at `papertrail/aggregators` and
 * `papertrail/windows`.
 *
 * @packageDocumentation
 */
export * from "./algebra/index.js";
export * from "./hashing/index.js";
export * from "./codec/index.js";
export * from "./sketches/index.js";
export { PaperTrailError, ParameterMismatchError, DecodeError, InvalidArgumentError } from "./errors.js";
export type { DecodeErrorCode } from "./errors.js";
