/**
 * Optional API-key authentication, compared in constant time: both the
 * presented key and every configured key are hashed with SHA-256 and the
 * digests compared with `timingSafeEqual`, so neither the key's content nor
 * its length shows in the response time.
 *
 * @module
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { InvalidArgumentError } from "../errors.js";

/**
 * Checks presented API keys against a configured set.
 *
 * @example
 * ```ts
 * import { ApiKeys } from "papertrail/server";
 * const keys = new ApiKeys(["s3cret-key-of-at-least-16"]);
 * keys.accepts("s3cret-key-of-at-least-16"); // => true
 * keys.accepts("guess"); // => false
 * keys.accepts(undefined); // => false
 * ```
 */
export class ApiKeys {
  private readonly digests: readonly Buffer[];

  /** Keys shorter than 16 characters are refused: they can be guessed. */
  constructor(keys: readonly string[]) {
    if (keys.length === 0) throw new InvalidArgumentError("ApiKeys needs at least one key (leave authentication off instead)");
    for (const key of keys) {
      if (typeof key !== "string" || key.length < 16) throw new InvalidArgumentError("every API key must be a string of at least 16 characters");
    }
    this.digests = keys.map(digest);
  }

  /** Whether `presented` is one of the keys. Every configured key is compared, always. */
  accepts(presented: string | undefined): boolean {
    const candidate = digest(presented ?? "");
    let ok = false;
    for (const key of this.digests) ok = timingSafeEqual(candidate, key) || ok;
    return ok && presented !== undefined;
  }

  /**
   * The key a request presents: `Authorization: Bearer <key>` or
   * `X-API-Key: <key>`.
   */
  static fromHeaders(headers: Readonly<Record<string, string | string[] | undefined>>): string | undefined {
    const authorization = headers.authorization;
    if (typeof authorization === "string" && authorization.startsWith("Bearer ")) return authorization.slice(7).trim();
    const header = headers["x-api-key"];
    return typeof header === "string" ? header : undefined;
  }
}

function digest(text: string): Buffer {
  return createHash("sha256").update(text, "utf8").digest();
}
