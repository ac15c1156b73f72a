/**
 * Allow-lists of IPv4/IPv6 addresses and CIDR ranges: what suppresses rules
 * for trusted sources, changed at run time while events are ingested.
 *
 * @module
 */
import { brand } from "../brand.js";
import { ByteReader } from "../codec/byte-reader.js";
import { ByteWriter } from "../codec/byte-writer.js";
import type { ImageCodec } from "../codec/image-codec.js";
import { Family, readPreamble, writePreamble } from "../codec/preamble.js";
import { InvalidArgumentError } from "../errors.js";
import { formatIp, parseCidr, parseIpInto } from "./ip.js";
import { PrefixTrie } from "./prefix-trie.js";

const IMAGE_VERSION = 1;

// Scratch for has(): filled by parseIpInto on every call, read only within it.
const scratch = new Uint32Array(4);

/**
 * A set of IPv4 and IPv6 addresses and CIDR ranges with a fast membership
 * test for one address.
 *
 * - `add` and `remove` take an address (`192.0.2.1`, `2001:db8::1`, stored
 *   as a /32 or /128) or a range (`10.0.0.0/8`); host bits below the prefix
 *   are masked off (`10.1.2.3/8` is stored as `10.0.0.0/8`). Invalid text is
 *   refused with {@link InvalidArgumentError} (`10.0.0.256`, `01.2.3.4`, a
 *   prefix over 32 or 128). `remove` removes exactly the entry named, not the
 *   addresses it covers.
 * - `has(ip)` answers whether the address lies in any entry; text that is
 *   not an address answers `false`. IPv4-mapped IPv6 (`::ffff:192.0.2.1`)
 *   is IPv6 and is not inside an IPv4 range (as in `parseIpInto`).
 * - Changes take effect on the next call: the list may be changed between
 *   any two events.
 *
 * Lookup cost: a walk down a binary trie per IP version, one step per
 * address bit shared with a stored prefix (at most 32 or 128 steps), so it
 * does not grow with the number of entries; nothing is allocated.
 * bench/allow-list.mjs measures it on 10,000 entries.
 *
 * @example
 * ```ts
 * import { AllowList } from "papertrail/compliance";
 * const allow = new AllowList(["10.0.0.0/8", "2001:db8::/32"]);
 * allow.has("10.20.30.40"); // => true
 * allow.has("2001:db8::1"); // => true
 * allow.has("192.0.2.1"); // => false
 * allow.has("10.0.0.256"); // => false
 * allow.add("192.0.2.1"); // => true
 * allow.has("192.0.2.1"); // => true
 * allow.remove("10.0.0.0/8"); // => true
 * allow.has("10.20.30.40"); // => false
 * allow.entries(); // => ["2001:db8::/32", "192.0.2.1/32"]
 * ```
 */
export class AllowList {
  private readonly v4 = new PrefixTrie(1);
  private readonly v6 = new PrefixTrie(4);
  /** Canonical text of every entry, in insertion order. */
  private readonly texts = new Set<string>();

  /** Builds a list from addresses and ranges; throws on the first invalid one. */
  constructor(entries: Iterable<string> = []) {
    if (entries === null || typeof (entries as Iterable<string>)[Symbol.iterator] !== "function" || typeof entries === "string") {
      throw new InvalidArgumentError("AllowList: entries must be an iterable of address or CIDR strings");
    }
    for (const entry of entries) this.add(entry);
  }

  /** Number of entries (addresses and ranges). */
  get size(): number {
    return this.texts.size;
  }

  /**
   * Adds an address or a range. Returns `false` when the same entry (after
   * masking) was already present. Throws {@link InvalidArgumentError} for
   * text that is not an address or range.
   */
  add(text: string): boolean {
    const range = parseCidr(text);
    const added = (range.version === 4 ? this.v4 : this.v6).add(range.prefix, range.words);
    if (added) this.texts.add(range.text);
    return added;
  }

  /**
   * Removes the entry `text` names (after masking). Returns `false` when it
   * was not present. Throws {@link InvalidArgumentError} for invalid text.
   */
  remove(text: string): boolean {
    const range = parseCidr(text);
    const removed = (range.version === 4 ? this.v4 : this.v6).remove(range.prefix, range.words);
    if (removed) this.texts.delete(range.text);
    return removed;
  }

  /** Removes every entry. */
  clear(): void {
    this.v4.clear();
    this.v6.clear();
    this.texts.clear();
  }

  /** Whether `ip` lies in an entry; `false` for text that is not an address. */
  has(ip: string): boolean {
    const version = parseIpInto(ip, scratch);
    if (version === 4) return this.v4.contains(scratch);
    if (version === 6) return this.v6.contains(scratch);
    return false;
  }

  /**
   * Whether an address already parsed by `parseIpInto` lies in an entry
   * (for callers that parse each event's address once).
   */
  hasParsed(version: 0 | 4 | 6, words: Uint32Array): boolean {
    if (version === 4) return this.v4.contains(words);
    if (version === 6) return this.v6.contains(words);
    return false;
  }

  /** Canonical text of every entry (`network/prefix`), in insertion order. */
  entries(): string[] {
    return [...this.texts];
  }

  /**
   * The binary image (docs/format.md, "AllowList"): entries sorted, so equal
   * lists give equal bytes whatever order they were built in.
   */
  toBytes(): Uint8Array<ArrayBuffer> {
    const writer = new ByteWriter(16 + 5 * this.v4.size + 17 * this.v6.size);
    writePreamble(writer, Family.AllowList, IMAGE_VERSION, 0);
    writer.u32(this.v4.size).u32(this.v6.size);
    // The tries visit their prefixes in the image's order: (address, prefix length) ascending.
    this.v4.forEach((prefix, words) => writer.u8(prefix).u32(words[0]!));
    this.v6.forEach((prefix, words) => writer.u8(prefix).u32(words[0]!).u32(words[1]!).u32(words[2]!).u32(words[3]!));
    return writer.finish();
  }

  /**
   * Reads an image written by {@link AllowList.toBytes}. Throws
   * `DecodeError` for anything else: wrong preamble, counts the bytes cannot
   * hold, a prefix over 32 or 128, host bits set below the prefix, entries
   * out of order or repeated, trailing bytes.
   */
  static fromBytes(bytes: Uint8Array): AllowList {
    const reader = new ByteReader(bytes, "AllowList image");
    const { flags } = readPreamble(reader, Family.AllowList, [IMAGE_VERSION]);
    if (flags !== 0) reader.invalid(`unknown flags 0x${flags.toString(16)}`);
    const count4 = reader.u32("IPv4 entry count");
    const count6 = reader.u32("IPv6 entry count");
    reader.requireElements(count4, 5, "IPv4 entries");
    const list = new AllowList();
    const words = new Uint32Array(4);
    const previous = new Uint32Array(5);
    for (let i = 0; i < count4; i++) {
      const prefix = reader.u8("prefix");
      words[0] = reader.u32("address");
      checkEntry(reader, 4, prefix, words, previous, i === 0);
      list.v4.add(prefix, words);
      list.texts.add(`${formatIp(4, words)}/${prefix}`);
    }
    reader.requireElements(count6, 17, "IPv6 entries");
    for (let i = 0; i < count6; i++) {
      const prefix = reader.u8("prefix");
      for (let w = 0; w < 4; w++) words[w] = reader.u32("address");
      checkEntry(reader, 6, prefix, words, previous, i === 0);
      list.v6.add(prefix, words);
      list.texts.add(`${formatIp(6, words)}/${prefix}`);
    }
    reader.expectEnd();
    return list;
  }

  /** The image codec, for carrying an allow-list inside an envelope (the monitor's snapshot). */
  static readonly codec: ImageCodec<AllowList> = {
    family: Family.AllowList,
    name: "AllowList",
    is: (value: unknown): value is AllowList => value instanceof AllowList,
    toBytes: (value: AllowList) => value.toBytes(),
    fromBytes: (bytes: Uint8Array) => AllowList.fromBytes(bytes),
  };
}

/** Mask of word `w` (0-based) of an address for a prefix of `prefix` bits. */
function maskOfWord(prefix: number, w: number): number {
  const bits = prefix - 32 * w;
  return bits <= 0 ? 0 : bits >= 32 ? 0xffffffff : (0xffffffff << (32 - bits)) >>> 0;
}

/**
 * Checks one decoded entry: prefix in range, no host bits, strictly after
 * the previous entry (words, then prefix). Updates `previous`.
 */
function checkEntry(reader: ByteReader, version: 4 | 6, prefix: number, words: Uint32Array, previous: Uint32Array, first: boolean): void {
  const count = version === 4 ? 1 : 4;
  const bits = 32 * count;
  if (prefix > bits) reader.invalid(`IPv${version} prefix length ${prefix} exceeds ${bits}`);
  for (let w = 0; w < count; w++) {
    if (((words[w]! & maskOfWord(prefix, w)) >>> 0) !== words[w]) reader.invalid(`IPv${version} entry has host bits set below its /${prefix} prefix`);
  }
  if (!first) {
    let order = 0;
    for (let w = 0; w < count && order === 0; w++) order = words[w]! - previous[w]!;
    if (order === 0) order = prefix - previous[4]!;
    if (order <= 0) reader.invalid(`IPv${version} entries must be sorted and distinct`);
  }
  for (let w = 0; w < count; w++) previous[w] = words[w]!;
  previous[4] = prefix;
}

// `instanceof AllowList` holds for lists made by any copy of PaperTrail 1.x (src/brand.ts).
brand(AllowList, "AllowList");
