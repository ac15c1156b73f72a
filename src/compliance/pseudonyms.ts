/**
 * Keyed pseudonyms of identities (users, IPs) for the monitor's top-K
 * lists, and the resolver that maps them back for holders of the key.
 *
 * @module
 */
import { InvalidArgumentError } from "../errors.js";
import { HashedKey } from "../hashing/hashed-key.js";
import { HmacSha256 } from "../hashing/hmac.js";
import { describeValue } from "../sketches/sketch.js";
import { topKFieldHash } from "../sketches/top-k.js";

/** Shortest deployment key accepted, bytes (RFC 2104 §3 advises against keys shorter than the hash output; 16 bytes is the floor here). */
export const MIN_KEY_BYTES = 16;
const BASE64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const encoder = new TextEncoder();

function keyBytes(key: unknown, where: string): Uint8Array {
  const bytes = typeof key === "string" ? encoder.encode(key) : key instanceof Uint8Array ? key : undefined;
  if (bytes === undefined) throw new InvalidArgumentError(`${where} must be a Uint8Array or a string, got ${describeValue(key)}`);
  if (bytes.length < MIN_KEY_BYTES) throw new InvalidArgumentError(`${where} must be at least ${MIN_KEY_BYTES} bytes, got ${bytes.length}`);
  return bytes;
}

/**
 * Computes keyed pseudonyms: the first 96 bits of HMAC-SHA256(key,
 * identity as UTF-8), as 16 characters of base64url. The same identity
 * under the same key always gives the same pseudonym; without the key a
 * pseudonym can neither be computed nor reversed. (96 bits: two of a
 * billion identities share a pseudonym with probability about 6e-12.)
 *
 * Recent identities are cached (identity → pseudonym) in a table of
 * `cacheSize` entries (rounded up to a power of two, at least 4) indexed by a hash of
 * the identity, four candidate entries per identity (8 adjacent array
 * elements: one or two cache lines); a new identity replaces the four's
 * entries in turn. So the cache holds at most `cacheSize` identities in
 * memory (plain text, in the process only, never in an image), an identity
 * costs one HMAC when it is first seen and again only after being pushed
 * out. Each entry keeps the identity's hash beside it as a tag, so a lookup
 * costs an index, up to four tag compares and a string compare only where a
 * tag matches: a lookup that misses reads no other identity's string unless
 * its tag matches (such a string lies anywhere in the heap; with identities
 * that all differ, as in an attack from many addresses, four such reads per
 * miss made the cache slower than none: docs/performance.md, "fifth
 * round"). (With
 * two candidates, the 25,000 identities of the monitor's bench stream still
 * missed about 1 % of lookups at the default 65,536 entries, a thousand HMACs
 * per 100,000 events; with four, far fewer, see docs/performance.md.)
 * `ComplianceMonitor` passes the hash it already computed for the field.
 * Each entry also keeps its pseudonym's TopK table hash, which the
 * monitor's top lists take with the pseudonym, so they never hash one
 * again.
 *
 * @example
 * ```ts
 * import { Pseudonymizer } from "papertrail/compliance";
 * const pseudonyms = new Pseudonymizer("a deployment key of 32+ bytes....");
 * const alice = pseudonyms.of("alice");
 * [alice.length, alice === pseudonyms.of("alice"), alice === pseudonyms.of("bob")]; // => [16, true, false]
 * ```
 */
export class Pseudonymizer {
  private readonly mac: HmacSha256;
  private readonly digest = new Uint8Array(32);
  private readonly mask: number;
  /** Entry e at [2e] (identity) and [2e + 1] (its pseudonym): one cache line holds both. */
  private readonly entries: string[];
  /** Per set of four entries: which one to replace next (round robin). */
  private readonly victim: Uint8Array;
  /** Entry e's identity hash (its tag) at [2e] and its pseudonym's TopK table hash (`topKFieldHash`) at [2e + 1]: the four entries of a set in 32 bytes. */
  private readonly meta: Int32Array;
  /** See {@link Pseudonymizer.tableHash}. */
  private lastTableHash = 0;
  private readonly scratch = new HashedKey();
  private readonly codes = new Uint16Array(16);
  /** A check value of the key: 16 hex digits of HMAC(key, a fixed text), stored in monitor images to recognise the key. */
  readonly keyCheck: string;

  /**
   * @param key - the deployment key, at least 16 bytes (a string counts as its UTF-8 bytes)
   * @param cacheSize - identities cached, 0 to 2^24 (rounded up to a power of two); default 65536
   */
  constructor(key: Uint8Array | string, cacheSize = 65_536) {
    this.mac = new HmacSha256(keyBytes(key, "pseudonymKey"));
    if (!Number.isInteger(cacheSize) || cacheSize < 0 || cacheSize > 1 << 24) {
      throw new InvalidArgumentError(`pseudonymCacheSize must be an integer from 0 to ${1 << 24}, got ${describeValue(cacheSize)}`);
    }
    const size = cacheSize === 0 ? 0 : Math.max(4, 2 ** Math.ceil(Math.log2(cacheSize)));
    // Sets of four entries: the mask picks a set.
    this.mask = (size >> 2) - 1;
    // Filled with "" (never an identity's entry: "" is checked apart) so the arrays stay packed.
    this.entries = new Array<string>(2 * size).fill("");
    this.victim = new Uint8Array(size >> 2);
    this.meta = new Int32Array(2 * size);
    let check = "";
    this.mac.digestInto("papertrail.pseudonym-key-check", this.digest, 0);
    for (let i = 0; i < 8; i++) check += (this.digest[i] as number).toString(16).padStart(2, "0");
    this.keyCheck = check;
  }

  /** The pseudonym of `identity`. */
  of(identity: string): string {
    return this.ofHashed(identity, this.scratch.set(identity).lo);
  }

  /**
   * The pseudonym of `identity`, whose hash (any well-mixed 32 bits, such
   * as `HashedKey.lo` of the identity) picks its cache entries.
   */
  ofHashed(identity: string, hash: number): string {
    if (this.mask < 0 || identity === "") {
      const pseudonym = this.compute(identity);
      this.lastTableHash = topKFieldHash(pseudonym);
      return pseudonym;
    }
    const entries = this.entries;
    const meta = this.meta;
    const tag = hash | 0;
    const set = tag & this.mask;
    // Entries and meta both have 8 elements per set: way w at at0 + 2w.
    const at0 = 8 * set;
    let way: number;
    if (meta[at0] === tag && entries[at0] === identity) way = 0;
    else if (meta[at0 + 2] === tag && entries[at0 + 2] === identity) way = 1;
    else if (meta[at0 + 4] === tag && entries[at0 + 4] === identity) way = 2;
    else if (meta[at0 + 6] === tag && entries[at0 + 6] === identity) way = 3;
    else {
      const pseudonym = this.compute(identity);
      way = this.victim[set] as number;
      this.victim[set] = (way + 1) & 3;
      entries[at0 + 2 * way] = identity;
      entries[at0 + 2 * way + 1] = pseudonym;
      meta[at0 + 2 * way] = tag;
      meta[at0 + 2 * way + 1] = topKFieldHash(pseudonym);
    }
    this.lastTableHash = meta[at0 + 2 * way + 1] as number;
    return entries[at0 + 2 * way + 1] as string;
  }

  /**
   * The TopK table hash of the pseudonym returned last by
   * {@link Pseudonymizer.ofHashed} or {@link Pseudonymizer.of}: what
   * `TopK.addStringHashed` takes (pseudonyms are ASCII, so it is `>= 0`).
   *
   * @internal
   */
  get tableHash(): number {
    return this.lastTableHash;
  }

  private compute(identity: string): string {
    const d = this.digest;
    this.mac.digestInto(identity, d, 0);
    const codes = this.codes;
    // 12 bytes as 16 base64url characters (RFC 4648 §5), 3 bytes per 4 characters.
    for (let i = 0, j = 0; i < 12; i += 3, j += 4) {
      const n = ((d[i] as number) << 16) | ((d[i + 1] as number) << 8) | (d[i + 2] as number);
      codes[j] = BASE64URL.charCodeAt(n >>> 18);
      codes[j + 1] = BASE64URL.charCodeAt((n >>> 12) & 63);
      codes[j + 2] = BASE64URL.charCodeAt((n >>> 6) & 63);
      codes[j + 3] = BASE64URL.charCodeAt(n & 63);
    }
    // One flat string (built by += it would be a rope, slower for the top-K
    // lists to hash and compare on every event).
    return String.fromCharCode.apply(null, codes as unknown as number[]);
  }
}

/**
 * The pseudonym of one identity under `key` (see {@link Pseudonymizer}).
 *
 * @example
 * ```ts
 * import { pseudonymOf } from "papertrail/compliance";
 * pseudonymOf("a deployment key of 32+ bytes....", "alice").length; // => 16
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
