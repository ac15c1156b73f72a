import { InvalidArgumentError } from "../errors.js";
import { Sha256, sha256Midstate, sha256ResumedInto } from "./sha256.js";
import { Utf8Buffer } from "./utf8.js";

const BLOCK = 64;
const encoder = new TextEncoder();

function bytesOf(value: Uint8Array | string, what: string): Uint8Array {
  if (typeof value === "string") return encoder.encode(value);
  if (value instanceof Uint8Array) return value;
  throw new InvalidArgumentError(`HMAC-SHA256 ${what} must be a Uint8Array or a string (UTF-8), got ${typeof value}`);
}

/**
 * HMAC-SHA256 (RFC 2104 with SHA-256, the construction RFC 4231 gives
 * vectors for) with its key fixed. Both SHA-256 passes start with a padded
 * key block (key XOR ipad, key XOR opad), the same for every message, so the
 * state after each is computed once, at construction, and restored per
 * message: a message under 56 bytes costs two compressions instead of four
 * (RFC 2104 §4 suggests this precomputation), and no allocation besides the
 * digest (none with {@link HmacSha256.digestInto}; strings are encoded
 * into a buffer the instance reuses). Synchronous and
 * browser-safe (no Web Crypto, which is asynchronous); a key longer than
 * 64 bytes is hashed first, as the RFC says.
 *
 * @example
 * ```ts
 * import { HmacSha256 } from "papertrail/hashing";
 * const hex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
 * const mac = new HmacSha256("key");
 * hex(mac.digest("The quick brown fox jumps over the lazy dog")); // => "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"
 * ```
 */
export class HmacSha256 {
  /** The SHA-256 state after the key block XOR ipad (0x36), and after the key block XOR opad (0x5c) below. */
  private readonly inner: Int32Array;
  private readonly outer: Int32Array;
  private readonly innerDigest = new Uint8Array(32);
  /** String messages are encoded here, not into a new array per message (made at the first one). */
  private utf8: Utf8Buffer | undefined;

  /** @param key - the secret key: bytes, or a string taken as its UTF-8 bytes. Any length (empty too, as RFC 2104 allows). */
  constructor(key: Uint8Array | string) {
    let k = bytesOf(key, "key");
    if (k.length > BLOCK) k = new Sha256().update(k).digest();
    const innerKey = new Uint8Array(BLOCK);
    const outerKey = new Uint8Array(BLOCK);
    for (let i = 0; i < BLOCK; i++) {
      const byte = i < k.length ? (k[i] as number) : 0;
      innerKey[i] = byte ^ 0x36;
      outerKey[i] = byte ^ 0x5c;
    }
    this.inner = sha256Midstate(innerKey);
    this.outer = sha256Midstate(outerKey);
  }

  /** Writes HMAC(key, message) (32 bytes) at `out[offset]`. */
  digestInto(message: Uint8Array | string, out: Uint8Array, offset = 0): void {
    let bytes: Uint8Array;
    let length: number;
    if (typeof message === "string") {
      const utf8 = (this.utf8 ??= new Utf8Buffer());
      length = utf8.encode(message);
      bytes = utf8.bytes;
    } else {
      bytes = bytesOf(message, "message");
      length = bytes.length;
    }
    sha256ResumedInto(this.inner, bytes, 0, length, this.innerDigest, 0);
    sha256ResumedInto(this.outer, this.innerDigest, 0, 32, out, offset);
  }

  /** HMAC(key, message) as a new 32-byte array. */
  digest(message: Uint8Array | string): Uint8Array<ArrayBuffer> {
    const out = new Uint8Array(32);
    this.digestInto(message, out, 0);
    return out;
  }
}

/**
 * HMAC-SHA256 of `message` under `key` (RFC 2104; test vectors of RFC 4231),
 * as a new 32-byte array. Strings are taken as their UTF-8 bytes.
 * Synchronous and browser-safe. For many messages under one key, a
 * {@link HmacSha256} hashes the key's pads once.
 *
 * @example
 * ```ts
 * import { hmacSha256 } from "papertrail/hashing";
 * const hex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
 * // RFC 4231, test case 2
 * hex(hmacSha256("Jefe", "what do ya want for nothing?")); // => "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
 * ```
 */
export function hmacSha256(key: Uint8Array | string, message: Uint8Array | string): Uint8Array<ArrayBuffer> {
  return new HmacSha256(key).digest(message);
}
