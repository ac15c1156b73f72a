/**
 * Deterministic hashing: MurmurHash3 (x86_32, x64_128), MurmurHash64A with
 * Redis's seed, canonical item bytes, and the {@link HashedKey} handle for
 * hashing once and feeding many sketches. These hashes are frozen: golden
 * tests guard them, because a changed hash silently breaks stored sketches.
 * Also SHA-256 ({@link sha256}, incremental {@link Sha256}), synchronous and
 * browser-safe, for the Merkle trees of `papertrail/compliance`, and
 * SipHash-2-4 and -1-3 ({@link SipHasher}, {@link sipHash24}), keyed hashes for
 * inputs an attacker may choose (the compliance Deduplicator's event ids).
 * HMAC-SHA256 ({@link hmacSha256}, {@link HmacSha256}) for its keyed pseudonyms.
 *
 * @module hashing
 */
export { murmurHash3x86_32 } from "./murmur3-x86-32.js";
export { murmurHash3x64_128 } from "./murmur3-x64-128.js";
export { murmurHash64A, REDIS_HLL_SEED } from "./murmur64a.js";
export type { Hash64Out } from "./murmur64a.js";
export { HashedKey, hash64 } from "./hashed-key.js";
export type { Hashable } from "./hashed-key.js";
export { sha256, Sha256 } from "./sha256.js";
// SipHash (keyed hashing for attacker-chosen inputs, used by the compliance Deduplicator)
export { SipHasher, sipHash24, type SipHashVariant } from "./siphash.js";
export { hmacSha256, HmacSha256 } from "./hmac.js";
// The error classes, as every subpath exports them: callers catch what this
// module's functions throw without importing another entry point.
export { PaperTrailError, ParameterMismatchError, DecodeError, InvalidArgumentError } from "../errors.js";
export type { DecodeErrorCode } from "../errors.js";
