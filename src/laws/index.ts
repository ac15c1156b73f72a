/**
 * The law kit: property-based checks (fast-check) for semigroup, monoid,
 * group and commutativity laws, bulk-combine consistency and codec round
 * trips. Use it on your own instances; `fast-check` is a peer dependency.
 *
 * @module laws
 */
export { semigroupLaws, commutativeLaws, monoidLaws, groupLaws, codecLaws, checkLaws } from "./laws.js";
export type { Law, LawOptions, LawParameters, CodecUnderTest } from "./laws.js";
export { exactEquals, approximateEquals } from "./equivalence.js";
export type { Equivalence, Tolerance } from "./equivalence.js";
// The error classes, as every subpath exports them: callers catch what this
// module's functions throw without importing another entry point.
export { PaperTrailError, ParameterMismatchError, DecodeError, InvalidArgumentError } from "../errors.js";
export type { DecodeErrorCode } from "../errors.js";
