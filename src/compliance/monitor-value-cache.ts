/**
 * The `ComplianceMonitor`'s caches of recent text values of a field (users,
 * IPs, sessions, kinds, systems...): each value's 64-bit item hash, and the pseudonym of
 * the identities that top lists store pseudonymized.
 *
 * @module
 */
import { HashedKey } from "../hashing/hashed-key.js";

/**
 * Recent text values → entry number; per entry the value's MurmurHash64A
 * item hash (default seed, exactly what `HashedKey.set` gives) and its
 * pseudonym once a top list asked for it (`""` until then).
 *
 * A `Map` finds a value by the hash V8 keeps in the string's header
 * (computed once per string object), which costs about half of hashing a
 * 20-character value with MurmurHash64A again (measured on the bench's
 * stream: 28 against 47 ns for users, 6 against 27 ns for kinds). The cache
 * holds at most `capacity` values; when it is full it is emptied and refilled
 * from the next events (no per-event bookkeeping for recency), and
 * `onEmpty` is called, so that memos of entry numbers made before can be
 * dropped. Values are held in clear, in memory only
 * (docs/privacy.md, "The value cache").
 *
 * @internal
 */
export class ValueCache {
  /** Values held at most; 0 turns the cache off (`entryOf` is not called then). */
  readonly capacity: number;
  /** entry → high half of the value's hash. */
  readonly hi: Int32Array;
  /** entry → low half of the value's hash. */
  readonly lo: Int32Array;
  /** entry → pseudonym of the value, `""` until computed. */
  readonly pseudonyms: string[];
  private readonly index = new Map<string, number>();
  private readonly scratch = new HashedKey();

  private readonly onEmpty: () => void;

  /** @param onEmpty - called when a full cache is emptied: entry numbers handed out before now name other values */
  constructor(capacity: number, onEmpty: () => void) {
    this.capacity = capacity;
    this.onEmpty = onEmpty;
    this.hi = new Int32Array(capacity);
    this.lo = new Int32Array(capacity);
    // Filled so that the array stays packed (holes would make every read check for one).
    this.pseudonyms = new Array<string>(capacity).fill("");
  }

  /** The entry of `text`, hashing it (and emptying a full cache first) when it is not held. */
  entryOf(text: string): number {
    const index = this.index;
    const held = index.get(text);
    if (held !== undefined) return held;
    if (index.size >= this.capacity) {
      index.clear();
      this.onEmpty();
    }
    const entry = index.size;
    index.set(text, entry);
    const key = this.scratch.set(text);
    this.hi[entry] = key.hi;
    this.lo[entry] = key.lo;
    this.pseudonyms[entry] = "";
    return entry;
  }
}
