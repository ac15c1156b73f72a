/**
 * Keyed pseudonyms of identities (users, IPs) for the monitor's top-K
 * lists, and the resolver that maps them back for holders of the key.
 *
 * @module
 */
import { InvalidArgumentError } from "../errors.js";
import { HmacSha256 } from "../hashing/hmac.js";
import { describeValue } from "../sketches/sketch.js";

/** Shortest deployment key accepted, bytes (RFC 2104 §3 advises against keys shorter than the hash output; 16 bytes is the floor here). */
export const MIN_KEY_BYTES = 16;
/** Bytes of the HMAC kept in a pseudonym: 128 bits, written as 32 hex digits. */
const PSEUDONYM_BYTES = 16;
const HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, "0"));
const encoder = new TextEncoder();

function keyBytes(key: unknown, where: string): Uint8Array {
  const bytes = typeof key === "string" ? encoder.encode(key) : key instanceof Uint8Array ? key : undefined;
  if (bytes === undefined) throw new InvalidArgumentError(`${where} must be a Uint8Array or a string, got ${describeValue(key)}`);
  if (bytes.length < MIN_KEY_BYTES) throw new InvalidArgumentError(`${where} must be at least ${MIN_KEY_BYTES} bytes, got ${bytes.length}`);
  return bytes;
}

/**
 * Computes keyed pseudonyms: the first 128 bits of HMAC-SHA256(key,
 * identity as UTF-8), as 32 lowercase hex digits. The same identity under
 * the same key always gives the same pseudonym; without the key a
 * pseudonym can neither be computed nor reversed.
 *
 * Recent identities are cached (identity → pseudonym) in two generations
 * of at most `cacheSize` entries each: a lookup tries the young generation,
 * then the old one (promoting a hit); when the young one is full it becomes
 * the old one and the previous old one is dropped. So the cache holds at
 * most `2 × cacheSize` identities in memory (plain text, in the process
 * only, never in an image), and a stream whose active identities fit in it
 * computes each HMAC about once.
 *
 * @example
 * ```ts
 * import { Pseudonymizer } from "papertrail/compliance";
 * const pseudonyms = new Pseudonymizer("a deployment key of 32+ bytes....");
 * const alice = pseudonyms.of("alice");
 * [alice.length, alice === pseudonyms.of("alice"), alice === pseudonyms.of("bob")]; // => [32, true, false]
 * ```
 */
export class Pseudonymizer {
  private readonly mac: HmacSha256;
  private readonly digest = new Uint8Array(32);
  private readonly cacheSize: number;
  private young = new Map<string, string>();
  private old = new Map<string, string>();
  /** A check value of the key (see {@link Pseudonymizer.keyCheck}). */
  readonly keyCheck: string;

  /**
   * @param key - the deployment key, at least 16 bytes (a string counts as its UTF-8 bytes)
   * @param cacheSize - entries per cache generation, 0 to 2^24; default 65536
   */
  constructor(key: Uint8Array | string, cacheSize = 65_536) {
    this.mac = new HmacSha256(keyBytes(key, "pseudonymKey"));
    if (!Number.isInteger(cacheSize) || cacheSize < 0 || cacheSize > 1 << 24) {
      throw new InvalidArgumentError(`pseudonymCacheSize must be an integer from 0 to ${1 << 24}, got ${describeValue(cacheSize)}`);
    }
    this.cacheSize = cacheSize;
    this.keyCheck = this.compute("papertrail.pseudonym-key-check").slice(0, 16);
  }

  /** The pseudonym of `identity`. */
  of(identity: string): string {
    let pseudonym = this.young.get(identity);
    if (pseudonym !== undefined) return pseudonym;
    pseudonym = this.old.get(identity);
    if (pseudonym === undefined) pseudonym = this.compute(identity);
    if (this.young.size >= this.cacheSize) {
      this.old = this.young;
      this.young = new Map();
    }
    if (this.cacheSize > 0) this.young.set(identity, pseudonym);
    return pseudonym;
  }

  private compute(identity: string): string {
    const digest = this.digest;
    this.mac.digestInto(identity, digest, 0);
    let out = "";
    for (let i = 0; i < PSEUDONYM_BYTES; i++) out += HEX[digest[i] as number];
    return out;
  }
}

/**
 * The pseudonym of one identity under `key` (see {@link Pseudonymizer}).
 *
 * @example
 * ```ts
 * import { pseudonymOf } from "papertrail/compliance";
 * pseudonymOf("a deployment key of 32+ bytes....", "alice").length; // => 32
 * ```
 */
export function pseudonymOf(key: Uint8Array | string, identity: string): string {
  return new Pseudonymizer(key, 0).of(identity);
}

/**
 * Maps pseudonyms back to identities, for holders of the key. HMAC is
 * one-way: a pseudonym cannot be decrypted, even with the key. What the key
 * allows is recomputing pseudonyms, so the resolver is built from the key
 * and a directory of candidate identities (the user directory, the IPs in
 * the logs): it computes each candidate's pseudonym and answers by lookup.
 * A pseudonym of an identity outside the directory stays unresolved
 * (`undefined`); a resolver built with another key resolves nothing.
 *
 * @example
 * ```ts
 * import { PseudonymResolver, pseudonymOf } from "papertrail/compliance";
 * const key = "a deployment key of 32+ bytes....";
 * const resolver = new PseudonymResolver(key, ["alice", "bob"]);
 * resolver.resolve(pseudonymOf(key, "bob")); // => "bob"
 * resolver.resolve(pseudonymOf(key, "mallory")); // => undefined
 * new PseudonymResolver("another key, also 32+ bytes long", ["bob"]).resolve(pseudonymOf(key, "bob")); // => undefined
 * ```
 */
export class PseudonymResolver {
  private readonly pseudonyms: Pseudonymizer;
  private readonly directory = new Map<string, string>();

  /**
   * @param key - the deployment key the pseudonyms were made with
   * @param candidates - identities to recognise (more can be added with {@link PseudonymResolver.add})
   */
  constructor(key: Uint8Array | string, candidates: Iterable<string> = []) {
    this.pseudonyms = new Pseudonymizer(key, 0);
    for (const identity of candidates) this.add(identity);
  }

  /** Adds a candidate identity; returns this. */
  add(identity: string): this {
    if (typeof identity !== "string") throw new InvalidArgumentError(`PseudonymResolver candidates must be strings, got ${describeValue(identity)}`);
    this.directory.set(this.pseudonyms.of(identity), identity);
    return this;
  }

  /** The identity behind `pseudonym`, or `undefined` when no candidate has it. */
  resolve(pseudonym: string): string | undefined {
    return this.directory.get(pseudonym);
  }

  /** Number of candidates known. */
  get size(): number {
    return this.directory.size;
  }
}
