/**
 * Errors as RFC 9457 problem details (`application/problem+json`): every
 * refusal of the API names what was wrong, and where (`errors[].field` is a
 * dotted path such as `query.window` or `body[3].timestamp`).
 *
 * @module
 */
import { PaperTrailError } from "../errors.js";

/**
 * One field that was wrong.
 *
 * @example
 * ```ts
 * import type { FieldError } from "papertrail/server";
 * const error: FieldError = { field: "query.window", message: "expected a window such as 1h, 24h or 7d" };
 * error.field; // => "query.window"
 * ```
 */
export interface FieldError {
  readonly field: string;
  readonly message: string;
}

/**
 * An RFC 9457 problem details object.
 *
 * @example
 * ```ts
 * import type { ProblemDetails } from "papertrail/server";
 * const problem: ProblemDetails = { type: "about:blank", title: "Not Found", status: 404, detail: "no alert with id \"x\"" };
 * problem.status; // => 404
 * ```
 */
export interface ProblemDetails {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail?: string;
  readonly instance?: string;
  /** The fields that were wrong (validation errors). */
  readonly errors?: readonly FieldError[];
}

const TITLES: Readonly<Record<number, string>> = {
  400: "Bad Request",
  401: "Unauthorized",
  404: "Not Found",
  409: "Conflict",
  413: "Content Too Large",
  415: "Unsupported Media Type",
  429: "Too Many Requests",
  500: "Internal Server Error",
  503: "Service Unavailable",
};

/**
 * An error that the server answers as a problem details response.
 *
 * @example
 * ```ts
 * import { HttpProblem } from "papertrail/server";
 * const problem = new HttpProblem(400, "invalid query", [{ field: "query.k", message: "expected an integer from 1 to 1000" }]);
 * problem.toJSON().errors?.[0]?.field; // => "query.k"
 * ```
 */
export class HttpProblem extends PaperTrailError {
  override readonly name: string = "HttpProblem";
  readonly status: number;
  readonly errors: readonly FieldError[] | undefined;

  constructor(status: number, detail: string, errors?: readonly FieldError[]) {
    super(detail);
    this.status = status;
    this.errors = errors;
  }

  /** The problem details body. */
  toJSON(instance?: string): ProblemDetails {
    return {
      type: "about:blank",
      title: TITLES[this.status] ?? "Error",
      status: this.status,
      detail: this.message,
      ...(instance === undefined ? {} : { instance }),
      ...(this.errors === undefined ? {} : { errors: this.errors }),
    };
  }
}

/**
 * The media type of problem details.
 *
 * @example
 * ```ts
 * import { PROBLEM_JSON } from "papertrail/server";
 * PROBLEM_JSON; // => "application/problem+json"
 * ```
 */
export const PROBLEM_JSON = "application/problem+json";
