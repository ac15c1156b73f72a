/**
 * Standard base64 (RFC 4648 §4, with padding), strict: decoding refuses
 * anything but the one canonical encoding of some bytes (no whitespace, no
 * missing or extra padding, no non-zero bits in the padding), so a signature
 * or root has exactly one text form.
 *
 * @module
 */
const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < 64; i++) VALUE[ALPHABET.charCodeAt(i)] = i;

/** Base64 of `bytes`. */
export function toBase64(bytes: Uint8Array): string {
  let out = "";
  let i = 0;
  for (; i + 3 <= bytes.length; i += 3) {
    const n = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    out += ALPHABET[n >> 18] + ALPHABET[(n >> 12) & 63] + ALPHABET[(n >> 6) & 63] + ALPHABET[n & 63];
  }
  if (bytes.length - i === 1) {
    const n = bytes[i] << 16;
    out += `${ALPHABET[n >> 18]}${ALPHABET[(n >> 12) & 63]}==`;
  } else if (bytes.length - i === 2) {
    const n = (bytes[i] << 16) | (bytes[i + 1] << 8);
    out += `${ALPHABET[n >> 18]}${ALPHABET[(n >> 12) & 63]}${ALPHABET[(n >> 6) & 63]}=`;
  }
  return out;
}

/** The bytes of canonical base64 `text`, or undefined. */
export function fromBase64(text: string): Uint8Array<ArrayBuffer> | undefined {
  if (typeof text !== "string" || text.length % 4 !== 0) return undefined;
  const pad = text.endsWith("==") ? 2 : text.endsWith("=") ? 1 : 0;
  const out = new Uint8Array((text.length / 4) * 3 - pad);
  let o = 0;
  for (let i = 0; i < text.length; i += 4) {
    const last = i + 4 === text.length;
    let n = 0;
    for (let j = 0; j < 4; j++) {
      const code = text.charCodeAt(i + j);
      let v: number;
      if (last && j >= 4 - pad) v = code === 0x3d ? 0 : -1;
      else v = code < 128 ? (VALUE[code] as number) : -1;
      if (v < 0) return undefined;
      n = (n << 6) | v;
    }
    const take = last ? 3 - pad : 3;
    out[o++] = n >> 16;
    if (take > 1) out[o++] = (n >> 8) & 255;
    if (take > 2) out[o++] = n & 255;
    // The bits under the padding must be zero: one encoding per byte string.
    if (last && ((pad === 1 && (n & 0xff) !== 0) || (pad === 2 && (n & 0xffff) !== 0))) return undefined;
  }
  return o === out.length ? out : undefined;
}
