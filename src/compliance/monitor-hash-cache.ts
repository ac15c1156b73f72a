/**
 * A bounded cache of the item hashes of a few recurring strings: the
 * `ComplianceMonitor` keeps its systems' hashes in one, and those of each
 * hashed field of few values (kind, status, outcome, level).
 *
 * @module
 */
import type { HashedKey } from "../hashing/hashed-key.js";
import { murmurHash64AStringInto, REDIS_HLL_SEED } from "../hashing/murmur64a.js";

/**
 * Strings → their MurmurHash64A item hash (default seed, what
 * `HashedKey.set` gives), for a field of few values read on every event.
 * The monitor's events name their system in turn (the bench's stream: a
 * new one on most events), and a `Map` lookup of one of a few strings finds
 * the hash V8 keeps in the string's header, several times cheaper than
 * hashing the name again. Holds at most `capacity` strings: when full it is
 * emptied and refilled from the next lookups. (Not for identities: with
 * tens of thousands of users or sessions, the lookups in a large `Map` cost
 * as much CPU time as the hash; measured on the bench's stream, 2026-12-05.)
 *
 * @internal
 */
export class HashCache {
  readonly capacity: number;
  private readonly index = new Map<string, number>();
  private readonly hi: Int32Array;
  private readonly lo: Int32Array;

  constructor(capacity: number) {
    this.capacity = capacity;
    this.hi = new Int32Array(capacity);
    this.lo = new Int32Array(capacity);
  }

  /** Writes the hash of `text` into `out`, hashing it only when it is not held. */
  hashInto(text: string, out: HashedKey): void {
    const index = this.index;
    let entry = index.get(text);
    if (entry === undefined) {
      if (index.size >= this.capacity) index.clear();
      entry = index.size;
      index.set(text, entry);
      murmurHash64AStringInto(text, REDIS_HLL_SEED, out);
      this.hi[entry] = out.hi;
      this.lo[entry] = out.lo;
      return;
    }
    out.hi = this.hi[entry] as number;
    out.lo = this.lo[entry] as number;
  }
}
