/**
 * Redis: sketch images stored and merged in Redis with node-redis (`redis`
 * ≥ 6.3, an optional peer dependency: this module only uses the client
 * object you pass it, and loads without the package).
 *
 * @module redis
 */
// The error classes, as every subpath exports them: callers catch what this
// module's functions throw without importing another entry point.
export { PaperTrailError, ParameterMismatchError, DecodeError, InvalidArgumentError } from "../errors.js";
export type { DecodeErrorCode } from "../errors.js";
