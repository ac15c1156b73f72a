import { InvalidArgumentError } from "../errors.js";
import { SipHasher, type SipHashVariant } from "../hashing/siphash.js";
import type { Hash64Out } from "../hashing/murmur64a.js";
import { checkOptionKeys } from "../sketches/sketch.js";
import {
  EPOCHS_PER_TTL,
  EPOCH_BITS,
  FOUND,
  FULL,
  MAX_CAPACITY,
  MAX_FALSE_POSITIVE_RATE,
  MIN_FALSE_POSITIVE_RATE,
  SLOTS_PER_BUCKET,
  FingerprintTable,
  SWEEP_INTERVAL,
  alternateBucket,
  DESIGN_LOAD,
  tableGeometry,
  tableWords,
  type TableGeometry,
} from "./dedup-table.js";
import { readDeduplicatorImage, writeDeduplicatorImage, type DeduplicatorImage } from "./dedup-image.js";
import { createDedupKernel, type DedupKernel, HOMELESS, KERNEL_MIN_TABLE_BYTES, MAX_CHECKS, MESSAGE_CHARS } from "./dedup-kernel.js";

const OPTION_KEYS = ["ttl", "capacity", "falsePositiveRate", "key", "sipHash", "exact"] as const;
const DEFAULT_TTL = 3_600_000;
const DEFAULT_FALSE_POSITIVE_RATE = 1e-6;

/** The index of the first time that is not a finite number, or -1. */
function badTimeIndex(times: ArrayLike<unknown>): number {
  for (let i = 0; i < times.length; i++) {
    const time = times[i];
    if (typeof time !== "number" || time - time !== 0) return i;
  }
  return -1;
}

/**
 * Options of {@link Deduplicator}.
 *
 * - `ttl`: how long an id is remembered, in milliseconds of the clock the
 *   caller passes to `check` (default one hour); an integer of at least 12.
 *   Ids are remembered for at least `ttl` and at most `ttl + ttl / 12`.
 * - `capacity`: distinct ids expected within one `ttl` (required unless
 *   `exact`); the table is sized for it. More are still recorded, never
 *   forgotten early, in overflow tables that `stats` reports.
 * - `falsePositiveRate`: bound on the chance that a fresh id is taken for a
 *   duplicate (and dropped), default 1e-6, between 3e-8 and 0.5.
 * - `key`: the per-deployment secret, 16 random bytes, that ids are hashed
 *   under. Required unless `exact`; there is no default key.
 * - `sipHash`: the SipHash variant ids are hashed with, `"1-3"` (default:
 *   the hash-flooding defence of Rust's and Linux's hash tables, about 1.2
 *   times as fast on UUID-sized ids) or `"2-4"` (the authors' conservative PRF). Images are
 *   authenticated with SipHash-2-4 either way.
 * - `exact`: remember the ids themselves in a `Map` (no false positives, no
 *   key, memory grows with the ids): for tests and small volumes.
 *
 * @example
 * ```ts
 * import { type DeduplicatorOptions, Deduplicator } from "papertrail/compliance";
 * const options: DeduplicatorOptions = { ttl: 3_600_000, capacity: 1_000_000, key: new Uint8Array(16).fill(7) };
 * new Deduplicator(options).falsePositiveRate; // => 0.000001
 * ```
 */
export interface DeduplicatorOptions {
  readonly ttl?: number;
  readonly capacity?: number;
  readonly falsePositiveRate?: number;
  readonly key?: Uint8Array;
  readonly sipHash?: SipHashVariant;
  readonly exact?: boolean;
}

/**
 * Counters of a {@link Deduplicator}, for monitoring and compliance reports.
 *
 * - `checked`: ids checked (a call to `check`, or an item of `checkMany`).
 *   `duplicates`: of them, answered as duplicates (the events a caller
 *   drops). `recorded`: ids remembered.
 * - `expired`: ids forgotten because their TTL passed. `stored`: ids
 *   remembered now.
 * - `late`: checks whose time fell in an epoch before the clock's (treated
 *   as the clock's time, see {@link Deduplicator}).
 * - `overflowTables`: tables added beyond the sized one because more ids
 *   than `capacity` were live; `overflowed`: entries placed in them. Both 0
 *   while the capacity holds, and always in exact mode.
 * - `falsePositiveBound`: the bound on the false-positive rate of the next
 *   check of a fresh id at the present fill (`8 x load / (2^f - 1)` summed
 *   over the tables); 0 in exact mode.
 *
 * @example
 * ```ts
 * import { type DeduplicatorStats, Deduplicator } from "papertrail/compliance";
 * const dedup = new Deduplicator({ exact: true });
 * dedup.check("login", "evt-1", 0);
 * dedup.check("login", "evt-1", 1);
 * const stats: DeduplicatorStats = dedup.stats;
 * [stats.checked, stats.duplicates, stats.recorded]; // => [2, 1, 1]
 * ```
 */
export interface DeduplicatorStats {
  readonly checked: number;
  readonly duplicates: number;
  readonly recorded: number;
  readonly expired: number;
  readonly stored: number;
  readonly late: number;
  readonly overflowTables: number;
  readonly overflowed: number;
  readonly falsePositiveBound: number;
}

/**
 * Options of {@link Deduplicator.fromBytes}: the key the image was written
 * under (required for images of the keyed, approximate mode).
 *
 * @example
 * ```ts
 * import { type DeduplicatorRestoreOptions, Deduplicator } from "papertrail/compliance";
 * const key = new Uint8Array(16).fill(9);
 * const options: DeduplicatorRestoreOptions = { key };
 * const image = new Deduplicator({ capacity: 100, key }).toBytes();
 * Deduplicator.fromBytes(image, options).capacity; // => 100
 * ```
 */
export interface DeduplicatorRestoreOptions {
  readonly key?: Uint8Array;
}

/** The WebAssembly check for a table of `geometry`, if the table is large enough and WebAssembly runs here. */
function kernelFor(geometry: TableGeometry, key: Uint8Array, variant: SipHashVariant): DedupKernel | undefined {
  return tableWords(geometry) * 4 >= KERNEL_MIN_TABLE_BYTES ? createDedupKernel(geometry, key, variant) : undefined;
}

/** The kernel's sweep, for the table whose words live in its memory (undefined without a kernel). */
function kernelSweep(kernel: DedupKernel | undefined): ((slots: number, expiring: number) => void) | undefined {
  return kernel === undefined ? undefined : (slots, expiring) => kernel.sweep(slots, expiring);
}

// One scratch hash for every check: no allocation per call.
const scratch: Hash64Out = { hi: 0, lo: 0 };

const mod16 = (epoch: number): number => ((epoch % 16) + 16) % 16;

/**
 * "Have I seen (event kind, event id) within the TTL?" for deduplicating
 * redelivered events: `check(kind, id, time)` answers `true` for a duplicate
 * (drop the event) and otherwise records the id and answers `false`.
 *
 * Guarantees:
 * - No false negatives: an id checked again less than `ttl` after it was
 *   recorded is always reported as a duplicate, whatever else arrived
 *   (beyond `capacity`, the table grows rather than forget).
 * - Forgetting: an id is forgotten `ttl` to `ttl + ttl / 12` after it was
 *   recorded (the clock advances in epochs of `ttl / 12`, 5 minutes for an
 *   hour; an id recorded in epoch `e` is remembered through epoch `e + 12`).
 *   A duplicate does not extend the TTL (like Redis `SET key 1 EX ttl NX`).
 * - False positives (a fresh id reported as a duplicate, so a real event
 *   dropped) happen with probability at most `falsePositiveRate` per check
 *   while the capacity holds; `stats.falsePositiveBound` tracks the bound.
 *   None in exact mode.
 *
 * Time: the clock is the largest `time` passed so far (milliseconds, any
 * finite number, usually `Date.now()` at receipt). A `time` in an earlier
 * epoch is treated as the clock's time (counted in `stats.late`): the id is
 * compared with everything remembered and recorded at the clock's epoch, so
 * out-of-order times never shorten what is remembered. Pass a clock you
 * trust: a time far ahead moves the clock and forgets everything older.
 * Ids are forgotten as soon as their epoch passes the TTL; the check that
 * opens every fourth epoch also sweeps their slots from the table, a pause of
 * a few milliseconds per million stored ids (bench/dedup.mjs measures it).
 *
 * Keying: ids are hashed with SipHash (1-3 by default, 2-4 on request) under
 * a secret 16-byte key, so someone who chooses event ids cannot aim them at
 * the fingerprints or buckets of other ids to get real events dropped. Store: a cuckoo table of
 * 23-bit fingerprints (at 1e-6) with 4 bits of epoch each, bit-packed; about
 * 4.98 MB for 1,000,000 ids per hour (docs/dedup.md has the arithmetic), in
 * the memory of a WebAssembly check where WebAssembly runs.
 *
 * @example
 * ```ts
 * import { Deduplicator } from "papertrail/compliance";
 * const key = Uint8Array.from({ length: 16 }, (_, i) => i * 17); // use 16 secret random bytes
 * const dedup = new Deduplicator({ ttl: 3_600_000, capacity: 1_000_000, key });
 * const t0 = Date.UTC(2026, 0, 5, 9);
 * dedup.check("login", "evt-1", t0); // => false
 * dedup.check("login", "evt-1", t0 + 59 * 60_000); // => true
 * dedup.check("logout", "evt-1", t0); // => false
 * dedup.check("login", "evt-1", t0 + 66 * 60_000); // => false
 * dedup.stats.duplicates; // => 1
 * // The table's 4,875,016 bytes and a scratch page, in 76 pages of 64 KiB:
 * dedup.sizeInBytes; // => 4980736
 * ```
 */
export class Deduplicator {
  /** How long ids are remembered, in milliseconds (at least this, at most `ttl + granularity`). */
  readonly ttl: number;
  /** The epoch length, `ttl / 12`: the TTL's granularity. */
  readonly granularity: number;
  /** Distinct ids per TTL the table is sized for (`Infinity` in exact mode). */
  readonly capacity: number;
  /** The configured false-positive rate (0 in exact mode). */
  readonly falsePositiveRate: number;
  /** Whether ids are stored exactly (no hashing, no false positives). */
  readonly exact: boolean;
  /** The SipHash variant ids are hashed with (`"1-3"` in exact mode, which hashes nothing). */
  readonly sipHash: SipHashVariant;

  /** Hashes ids (the `sipHash` variant under the key). */
  private readonly itemHasher: SipHasher | undefined;
  /** Authenticates images (SipHash-2-4 under the key). */
  private readonly tagHasher: SipHasher | undefined;
  /** The tables' shape (set from the image by fromBytes: an older image's load is kept). */
  private geometry: TableGeometry;
  private readonly tables: FingerprintTable[] = [];
  /**
   * The WebAssembly check of the sized table (`tables[0]`, whose words live
   * in the kernel's memory), used while it is the only table; undefined
   * for tables under KERNEL_MIN_TABLE_BYTES, in exact mode, and where
   * WebAssembly cannot be used.
   */
  private kernel: DedupKernel | undefined = undefined;
  private readonly ids = new Map<string, number>();
  /** `check`'s answer from a kernel run of one. */
  private readonly answer = new Uint8Array(1);
  private readonly fingerprintShift: number;
  private started = false;
  private epoch = 0;
  private epochLow = 0;
  /** The epoch of the last sweep: no entry is older than 12 epochs then, so none is older than 15 before the next (see dedup-table.ts). */
  private sweptAt = 0;
  private randomState = 0x9e3779b9 | 0;
  private readonly random = (): number => {
    // xorshift32 (Marsaglia 2003): which entry a cuckoo kick evicts.
    let x = this.randomState;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.randomState = x;
    return x >>> 0;
  };
  private checkedCount = 0;
  private duplicateCount = 0;
  private recordedCount = 0;
  private expiredCount = 0;
  private lateCount = 0;
  private overflowedCount = 0;

  constructor(options: DeduplicatorOptions) {
    checkOptionKeys("Deduplicator", options, OPTION_KEYS);
    const exact = options.exact ?? false;
    if (typeof exact !== "boolean") throw new InvalidArgumentError(`Deduplicator: exact must be a boolean, got ${typeof exact}`);
    const ttl = options.ttl ?? DEFAULT_TTL;
    if (!Number.isSafeInteger(ttl) || ttl < EPOCHS_PER_TTL) {
      throw new InvalidArgumentError(`Deduplicator: ttl must be an integer number of milliseconds >= ${EPOCHS_PER_TTL}, got ${String(ttl)}`);
    }
    this.ttl = ttl;
    this.granularity = ttl / EPOCHS_PER_TTL;
    this.exact = exact;
    if (exact) {
      if (options.capacity !== undefined || options.falsePositiveRate !== undefined || options.sipHash !== undefined) {
        throw new InvalidArgumentError("Deduplicator: exact mode takes no capacity, falsePositiveRate or sipHash (it stores the ids themselves)");
      }
      if (options.key !== undefined) new SipHasher(options.key); // a malformed key is still an error
      this.capacity = Number.POSITIVE_INFINITY;
      this.falsePositiveRate = 0;
      this.sipHash = "1-3";
      this.itemHasher = undefined;
      this.tagHasher = undefined;
      this.geometry = { buckets: 0, fingerprintBits: 0, designLoad: DESIGN_LOAD };
      this.fingerprintShift = 0;
      return;
    }
    const capacity = options.capacity;
    if (capacity === undefined) {
      throw new InvalidArgumentError("Deduplicator: capacity is required (distinct ids expected within one ttl), or pass exact: true");
    }
    if (!Number.isSafeInteger(capacity) || capacity < 1 || capacity > MAX_CAPACITY) {
      throw new InvalidArgumentError(`Deduplicator: capacity must be an integer from 1 to ${MAX_CAPACITY}, got ${String(capacity)}`);
    }
    const rate = options.falsePositiveRate ?? DEFAULT_FALSE_POSITIVE_RATE;
    if (typeof rate !== "number" || !(rate >= MIN_FALSE_POSITIVE_RATE && rate <= MAX_FALSE_POSITIVE_RATE)) {
      throw new InvalidArgumentError(
        `Deduplicator: falsePositiveRate must be a number from ${MIN_FALSE_POSITIVE_RATE} to ${MAX_FALSE_POSITIVE_RATE}, got ${String(rate)}`,
      );
    }
    if (options.key === undefined) {
      throw new InvalidArgumentError(
        "Deduplicator: key is required: 16 secret random bytes per deployment (crypto.getRandomValues(new Uint8Array(16))), kept with the deployment's secrets; there is no default key. Tests can use exact: true instead",
      );
    }
    const sipHash = options.sipHash ?? "1-3";
    if (sipHash !== "1-3" && sipHash !== "2-4") {
      throw new InvalidArgumentError(`Deduplicator: sipHash must be "1-3" or "2-4", got ${JSON.stringify(sipHash) ?? typeof sipHash}`);
    }
    this.sipHash = sipHash;
    this.itemHasher = new SipHasher(options.key, sipHash);
    this.tagHasher = new SipHasher(options.key, "2-4");
    this.capacity = capacity;
    this.falsePositiveRate = rate;
    this.geometry = tableGeometry(capacity, rate);
    this.fingerprintShift = 32 - this.geometry.fingerprintBits;
    this.kernel = kernelFor(this.geometry, options.key, sipHash);
    this.tables.push(new FingerprintTable(this.geometry, this.kernel?.words, kernelSweep(this.kernel)));
  }

  /**
   * Whether `(kind, id)` was recorded within the TTL before `time`: `true`
   * for a duplicate (counted in `stats.duplicates`); otherwise records it
   * and answers `false`. `time` is in milliseconds of the caller's clock.
   */
  check(kind: string, id: string, time: number): boolean {
    if (typeof kind !== "string" || typeof id !== "string") {
      throw new InvalidArgumentError(`Deduplicator.check: kind and id must be strings, got ${typeof kind} and ${typeof id}`);
    }
    if (typeof time !== "number" || time - time !== 0) {
      throw new InvalidArgumentError(`Deduplicator.check: time must be a finite number of milliseconds, got ${String(time)}`);
    }
    this.tick(time);
    const kernel = this.kernel;
    if (kernel !== undefined && this.tables.length === 1 && kernel.lay(kind, id)) {
      kernel.run(this.epochLow, this.randomState);
      this.randomState = kernel.random;
      this.ranInKernel(kernel, 1, this.answer, 0);
      return this.answer[0] === 1;
    }
    return this.checkAfterTick(kind, id);
  }

  /**
   * {@link Deduplicator.check} for many events at once, in order: item `i`
   * is `(kinds[i], ids[i], times[i])` (or the one `kind` / `time` given for
   * all), and `duplicates[i]` becomes 1 for a duplicate, 0 for a recorded id.
   * The answers, counters and state are exactly those of calling `check`
   * for each in turn (a repeat inside the batch is a duplicate too); the
   * batch is faster: the WebAssembly check runs up to 256 ids per call, and
   * loads the buckets of all of them before it probes the first.
   * Everything is validated before anything is checked: an invalid item
   * throws `InvalidArgumentError` naming its index and changes nothing.
   * Returns `duplicates` (a new array of `ids.length` when not given).
   *
   * @example
   * ```ts
   * import { Deduplicator } from "papertrail/compliance";
   * const dedup = new Deduplicator({ capacity: 1_000, key: new Uint8Array(16).fill(7) });
   * const t0 = Date.UTC(2026, 0, 5, 9);
   * Array.from(dedup.checkMany("login", ["a", "b", "a"], t0)); // => [0, 0, 1]
   * Array.from(dedup.checkMany(["login", "logout"], ["b", "b"], [t0 + 1, t0 + 2])); // => [1, 0]
   * dedup.stats.duplicates; // => 2
   * ```
   */
  checkMany(kinds: string | readonly string[], ids: readonly string[], times: number | ArrayLike<number>, duplicates?: Uint8Array): Uint8Array {
    if (!Array.isArray(ids)) throw new InvalidArgumentError("Deduplicator.checkMany: ids must be an array of strings");
    const n = ids.length;
    const kindList = typeof kinds === "string" ? undefined : kinds;
    const timeList = typeof times === "number" ? undefined : times;
    if (kindList !== undefined && (!Array.isArray(kindList) || kindList.length !== n)) {
      throw new InvalidArgumentError(`Deduplicator.checkMany: kinds must be a string or an array of ${n} strings (one per id)`);
    }
    if (timeList !== undefined && (timeList === null || typeof timeList !== "object" || timeList.length !== n)) {
      throw new InvalidArgumentError(`Deduplicator.checkMany: times must be a number or an array of ${n} numbers (one per id)`);
    }
    if (duplicates !== undefined && (!(duplicates instanceof Uint8Array) || duplicates.length < n)) {
      throw new InvalidArgumentError(`Deduplicator.checkMany: duplicates must be a Uint8Array of at least ${n} entries`);
    }
    // One loop per argument: each stays monomorphic (a plain array of strings, a Float64Array).
    for (let i = 0; i < n; i++) {
      const kind = kindList === undefined ? kinds : kindList[i];
      if (typeof kind !== "string" || typeof ids[i] !== "string") {
        throw new InvalidArgumentError(`Deduplicator.checkMany: item ${i}: kind and id must be strings, got ${typeof kind} and ${typeof ids[i]}`);
      }
    }
    const firstBadTime = badTimeIndex(timeList ?? [times as number]);
    if (firstBadTime >= 0) {
      const i = timeList === undefined ? 0 : firstBadTime;
      throw new InvalidArgumentError(`Deduplicator.checkMany: item ${i}: time must be a finite number of milliseconds, got ${String(timeList === undefined ? times : timeList[i])}`);
    }
    const out = duplicates ?? new Uint8Array(n);
    let i = 0;
    while (i < n) {
      const kind = (kindList === undefined ? kinds : kindList[i]) as string;
      const time = (timeList === undefined ? times : timeList[i]) as number;
      this.tick(time);
      const kernel = this.kernel;
      if (kernel === undefined || this.tables.length !== 1) {
        out[i] = this.checkAfterTick(kind, ids[i] as string) ? 1 : 0;
        i++;
        continue;
      }
      // One run of the kernel: the checks from i on that fit and stay in this
      // epoch; those after the first from an earlier epoch are late, as in `check`
      // (the first's tick counted it).
      const epoch = this.epoch;
      let end = i;
      let chars = 0;
      let late = 0;
      while (end < n && end - i < MAX_CHECKS) {
        let isLate = false;
        if (end > i) {
          const at = this.epochOf((timeList === undefined ? times : timeList[end]) as number);
          if (at > epoch) break;
          isLate = at < epoch;
        }
        chars += ((kindList === undefined ? kinds : kindList[end]) as string).length + (ids[end] as string).length + 1;
        if (chars > MESSAGE_CHARS) break;
        if (isLate) late++;
        end++;
      }
      if (end === i || !kernel.layMany(kinds, ids, i, end)) {
        // Not ASCII, or one pair longer than the message area: one by one.
        end = i;
        while (end < n && (end === i || timeList === undefined || this.epochOf(timeList[end] as number) <= epoch)) {
          if (!kernel.lay((kindList === undefined ? kinds : kindList[end]) as string, ids[end] as string)) break;
          end++;
        }
        late = -1;
      }
      if (end === i) {
        out[i] = this.checkAfterTick(kind, ids[i] as string) ? 1 : 0; // too long for the kernel's message area
        i++;
        continue;
      }
      const ran = kernel.run(this.epochLow, this.randomState);
      this.randomState = kernel.random;
      this.ranInKernel(kernel, ran, out, i);
      if (late < 0 || ran < end - i) {
        // Laid one by one, or the run stopped early (its moves gave up): count the checks that ran.
        late = 0;
        for (let k = i + 1; k < i + ran; k++) {
          if (this.epochOf((timeList === undefined ? times : timeList[k]) as number) < epoch) late++;
        }
      }
      this.lateCount += late;
      i += ran;
    }
    return out;
  }

  /** The rest of a check after `tick`, in JavaScript: exact mode, overflow tables, no kernel, or an id too long for it. */
  private checkAfterTick(kind: string, id: string): boolean {
    this.checkedCount++;
    let duplicate: boolean;
    if (this.exact) {
      duplicate = this.checkExact(kind, id);
    } else {
      (this.itemHasher as SipHasher).hashPairInto(kind, id, scratch);
      duplicate = this.checkHashed(scratch.hi, scratch.lo);
    }
    if (duplicate) this.duplicateCount++;
    else this.recordedCount++;
    return duplicate;
  }

  /**
   * The bookkeeping of the `ran` checks of a kernel run, their answers (1 for
   * a duplicate) into `out` from `at`: the counters, and the per-epoch counts
   * of what each write replaced. A run that stopped at a check whose moves
   * gave up leaves that check's entry in the table and the one left without
   * a place to an overflow table.
   */
  private ranInKernel(kernel: DedupKernel, ran: number, out: Uint8Array, at: number): void {
    const table = this.tables[0] as FingerprintTable;
    const epochLow = this.epochLow;
    let duplicates = 0;
    for (let k = 0; k < ran; k++) {
      const code = kernel.code(k);
      if (code === FOUND) {
        out[at + k] = 1;
        duplicates++;
      } else {
        out[at + k] = 0;
        if (code !== HOMELESS) table.wroteOver(code, epochLow);
      }
    }
    this.checkedCount += ran;
    this.duplicateCount += duplicates;
    this.recordedCount += ran - duplicates;
    if (kernel.code(ran - 1) === HOMELESS) {
      const homeless = kernel.homeless;
      table.wroteOver(homeless & 15, epochLow);
      this.overflowedCount++;
      this.shelter(kernel.homelessBucket, homeless);
    }
  }

  /** Moves the clock for a check at `time`: a later epoch advances it, an earlier one is counted as late. */
  private tick(time: number): void {
    const epoch = this.epochOf(time);
    if (epoch !== this.epoch || !this.started) {
      if (epoch > this.epoch || !this.started) this.advance(epoch);
      else this.lateCount++;
    }
  }

  /** The epoch of `time`: floor(12 t / ttl), exact for integer times below 2^53 / 12 (year 25,000 in epoch milliseconds). */
  private epochOf(time: number): number {
    return Math.floor((time * EPOCHS_PER_TTL) / this.ttl);
  }

  /** The table half of a check, for an id whose keyed hash is `(hi, lo)`. */
  private checkHashed(hi: number, lo: number): boolean {
    const buckets = this.geometry.buckets;
    // The fingerprint from the top bits of the low word, the first bucket
    // from the high word: independent bits of the keyed hash (in doubles;
    // dedup-kernel.ts computes both the same way).
    const fingerprint = lo >>> this.fingerprintShift || 1;
    const first = (((hi >>> 0) * buckets) / 4294967296) | 0;
    const second = alternateBucket(first, fingerprint, buckets);
    const tables = this.tables;
    const epochLow = this.epochLow;
    // Look in both buckets of every table, noting where the id goes if it is
    // fresh: the first table with a free slot, in the emptier of its two buckets.
    let emptyTable = -1;
    let emptyBit = 0;
    for (let t = 0; t < tables.length; t++) {
      const free = (tables[t] as FingerprintTable).probePair(first, second, fingerprint, epochLow);
      if (free === FOUND) return true;
      if (emptyTable < 0 && free !== FULL) {
        emptyTable = t;
        emptyBit = free;
      }
    }
    const value = ((fingerprint << EPOCH_BITS) | epochLow) >>> 0;
    if (emptyTable >= 0) {
      (tables[emptyTable] as FingerprintTable).writeAt(emptyBit, value);
      if (emptyTable > 0) this.overflowedCount++;
      return false;
    }
    this.kick(first, second, value);
    return false;
  }

  /**
   * Every candidate bucket is full: cuckoo insertion of `value` in the
   * newest table; if it gives up, its homeless entry starts a new overflow
   * table.
   */
  private kick(first: number, second: number, value: number): void {
    const tables = this.tables;
    const epochLow = this.epochLow;
    const last = tables[tables.length - 1] as FingerprintTable;
    const homeless = last.kickInsert(this.random() & 1 ? first : second, value, epochLow, this.random);
    if (tables.length > 1 || homeless !== 0) this.overflowedCount++;
    if (homeless !== 0) this.shelter(last.homelessBucket, homeless);
  }

  /** Starts an overflow table with the entry the cuckoo moves left without a place (`bucket` is its bucket). */
  private shelter(bucket: number, homeless: number): void {
    const overflow = new FingerprintTable(this.geometry);
    overflow.place(bucket, homeless, this.epochLow);
    this.tables.push(overflow);
    this.overflowedCount++;
  }

  private checkExact(kind: string, id: string): boolean {
    // Length-prefixed, so the pair is recoverable and ("a", "bc") differs from ("ab", "c").
    const key = `${kind.length}:${kind}${id}`;
    if (this.ids.has(key)) return true;
    this.ids.set(key, this.epoch);
    return false;
  }

  /**
   * Moves the clock to `epoch` (later than the current one) and forgets what
   * expired: in the approximate mode, the entries of the epochs that pass
   * the TTL are counted as expired now (each table counts its entries per
   * epoch) and cleared from the table at the next sweep, which runs when the
   * last one is SWEEP_INTERVAL epochs behind; until then lookups and inserts
   * treat them as empty.
   */
  private advance(epoch: number): void {
    if (this.started) {
      const jump = epoch - this.epoch;
      if (this.exact) {
        for (const [key, recorded] of this.ids) {
          if (epoch - recorded > EPOCHS_PER_TTL) {
            this.ids.delete(key);
            this.expiredCount++;
          }
        }
      } else if (jump > EPOCHS_PER_TTL) {
        for (const table of this.tables) this.expiredCount += table.live(this.epochLow);
        this.tables.length = 1;
        (this.tables[0] as FingerprintTable).clear();
        this.sweptAt = epoch;
      } else {
        // Epochs epoch - jump - 12 .. epoch - 13 were live and are expired now.
        for (let passed = this.epoch - EPOCHS_PER_TTL; passed <= epoch - EPOCHS_PER_TTL - 1; passed++) {
          for (const table of this.tables) this.expiredCount += table.storedIn(mod16(passed));
        }
        if (epoch - this.sweptAt >= SWEEP_INTERVAL) {
          for (const table of this.tables) table.sweep(this.epochLow, jump);
          // Overflow tables that emptied are released (the sized table stays).
          for (let t = this.tables.length - 1; t >= 1; t--) if ((this.tables[t] as FingerprintTable).stored === 0) this.tables.splice(t, 1);
          this.sweptAt = epoch;
        }
      }
    } else {
      this.sweptAt = epoch;
    }
    this.started = true;
    this.epoch = epoch;
    this.epochLow = mod16(epoch);
  }

  /** The counters (a fresh object per read). */
  get stats(): DeduplicatorStats {
    let stored = this.ids.size;
    let bound = 0;
    const slots = this.geometry.buckets * SLOTS_PER_BUCKET;
    for (const table of this.tables) {
      const live = table.live(this.epochLow);
      stored += live;
      bound += (2 * SLOTS_PER_BUCKET * (live / slots)) / (2 ** this.geometry.fingerprintBits - 1);
    }
    return {
      checked: this.checkedCount,
      duplicates: this.duplicateCount,
      recorded: this.recordedCount,
      expired: this.expiredCount,
      stored,
      late: this.lateCount,
      overflowTables: Math.max(0, this.tables.length - 1),
      overflowed: this.overflowedCount,
      falsePositiveBound: Math.min(1, bound),
    };
  }

  /**
   * Memory held: the packed tables' bytes in the approximate mode, plus,
   * where the WebAssembly check runs, the rest of its memory (a 64 KiB
   * scratch page and the rounding of the sized table to pages). In exact
   * mode an estimate, 64 bytes per id plus 2 per UTF-16 unit of its key (a
   * V8 `Map` entry and its string; measure with a heap snapshot if it matters).
   */
  get sizeInBytes(): number {
    if (this.exact) {
      let bytes = 0;
      for (const key of this.ids.keys()) bytes += 64 + 2 * key.length;
      return bytes;
    }
    let bytes = 0;
    for (const table of this.tables) bytes += table.words.byteLength;
    // The kernel's memory: its scratch page and the table, in whole pages.
    if (this.kernel !== undefined) bytes += this.kernel.byteLength - this.kernel.words.byteLength;
    return bytes;
  }

  /**
   * The state as a versioned binary image (docs/format.md, "Deduplicator"),
   * authenticated with SipHash-2-4 under the key: restoring needs the same
   * key and rejects changed bytes. The key itself is not in the image.
   */
  toBytes(): Uint8Array<ArrayBuffer> {
    const entries: [string, string, number][] = [];
    for (const [key, recorded] of this.ids) {
      const colon = key.indexOf(":");
      const kindLength = Number(key.slice(0, colon));
      entries.push([key.slice(colon + 1, colon + 1 + kindLength), key.slice(colon + 1 + kindLength), this.epoch - recorded]);
    }
    const image: DeduplicatorImage = {
      exact: this.exact,
      ttl: this.ttl,
      started: this.started,
      epoch: this.epoch,
      counts: [this.checkedCount, this.duplicateCount, this.recordedCount, this.expiredCount, this.lateCount, this.overflowedCount],
      randomState: this.randomState >>> 0,
      sipHash: this.sipHash,
      capacity: this.exact ? 0 : this.capacity,
      falsePositiveRate: this.falsePositiveRate,
      geometry: this.geometry,
      tables: this.tables.map((table) => table.liveWords(this.epochLow)),
      entries,
    };
    return writeDeduplicatorImage(image, this.tagHasher);
  }

  /**
   * Restores a Deduplicator from {@link Deduplicator.toBytes}. Images of the
   * approximate mode need `options.key`, the key they were written under:
   * another key, or any changed byte, fails the image's authentication tag
   * with a `DecodeError`. Throws `DecodeError` for malformed bytes.
   */
  static fromBytes(bytes: Uint8Array, options: DeduplicatorRestoreOptions = {}): Deduplicator {
    checkOptionKeys("Deduplicator.fromBytes", options, ["key"]);
    const hasherFor = (exact: boolean): SipHasher | undefined => {
      if (exact) return undefined;
      if (options.key === undefined) {
        throw new InvalidArgumentError("Deduplicator.fromBytes: this image is keyed: pass { key }, the 16-byte key it was written under");
      }
      return new SipHasher(options.key);
    };
    const image = readDeduplicatorImage(bytes, hasherFor);
    const dedup = image.exact
      ? new Deduplicator({ ttl: image.ttl, exact: true })
      : new Deduplicator({
          ttl: image.ttl,
          capacity: image.capacity,
          falsePositiveRate: image.falsePositiveRate,
          key: options.key as Uint8Array,
          sipHash: image.sipHash,
        });
    dedup.started = image.started;
    dedup.epoch = image.epoch;
    dedup.epochLow = mod16(image.epoch);
    dedup.sweptAt = image.epoch; // images hold no expired entries
    dedup.randomState = image.randomState | 0;
    [dedup.checkedCount, dedup.duplicateCount, dedup.recordedCount, dedup.expiredCount, dedup.lateCount, dedup.overflowedCount] = image.counts;
    if (image.exact) {
      for (const [kind, id, age] of image.entries) dedup.ids.set(`${kind.length}:${kind}${id}`, image.epoch - age);
    } else {
      // The sized table goes into a kernel of the image's geometry: the constructor's (still empty), unless an older image's load gave another shape.
      const sameShape = dedup.geometry.buckets === image.geometry.buckets && dedup.geometry.fingerprintBits === image.geometry.fingerprintBits;
      dedup.geometry = image.geometry;
      dedup.tables.length = 0;
      if (!sameShape) dedup.kernel = kernelFor(dedup.geometry, options.key as Uint8Array, dedup.sipHash);
      image.tables.forEach((words, t) => {
        const kernel = t === 0 ? dedup.kernel : undefined;
        kernel?.words.set(words);
        const table = new FingerprintTable(dedup.geometry, kernel?.words ?? words, kernelSweep(kernel));
        table.recount();
        dedup.tables.push(table);
      });
    }
    return dedup;
  }
}
