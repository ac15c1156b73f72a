/**
 * The Deduplicator's checks in WebAssembly, a run of up to 256 per call:
 * SipHash of each (kind, id) pair, its fingerprint and two buckets, the
 * probe of both buckets and the write of a fresh id, all on the sized table,
 * whose packed words live in the kernel's memory; when both buckets are
 * full, the cuckoo moves (the module's `insert`, called from the run); and
 * the clearing pass of a sweep (`sweep`). JavaScript keeps everything else
 * on the same words through a `Uint32Array` view: the per-epoch counts,
 * which epochs a sweep expires, overflow tables, images.
 * The kernel computes exactly what `Deduplicator.checkHashed`,
 * `FingerprintTable.probePair` / `writeAt` and `kickInsert` compute (the
 * buckets with the same IEEE double arithmetic, the moves from the same
 * random sequence), so a table gives the same answers and the same image
 * with or without it (test/dedup-kernel.test.ts compares them).
 *
 * Why: in JavaScript, probing two buckets of bit-packed slots took about
 * 44 ns on a table that fits the caches, close to the 65 ns of the hash
 * (2026-12-06); here 64-bit loads unpack a slot in a few instructions. On a
 * table of 1,000,000 ids the cache misses of the buckets dominate: a run
 * loads the buckets of all its checks before it probes the first, so the
 * misses overlap (with that pass, runs of `checkMany` measured 1.23 times
 * as fast in the first hour and 1.17 times in the steady state as without
 * it, alternating in-process rounds, 2026-12-06). `Deduplicator.check` is a
 * run of one.
 *
 * Memory: one page of scratch (the moves' random state and what a failed
 * insertion leaves at bytes 0..11, the hash at 16..23, the parameters at
 * 24..63, the SipHash kernel's pair from its MESSAGE_AT, the run's checks
 * from {@link CHECKS_AT}, their messages from {@link MESSAGES_AT}), then the
 * table's words from {@link TABLE_AT}. Where WebAssembly cannot be used,
 * {@link createDedupKernel} returns undefined and the Deduplicator checks in
 * JavaScript.
 *
 * @internal
 * @module
 */
import { type SipHashVariant, sipKeyWords, sipRounds } from "../hashing/siphash.js";
import { MESSAGE_END, SIP_FUNCTION, SipKernel, webAssemblyUsable } from "../hashing/siphash-wasm.js";
import { I32, I64, Op, emitFunctions, f64Bytes, get, i32, i64, set, tee, uleb } from "../hashing/wasm-emitter.js";
import { EPOCH_BITS, EPOCHS_PER_TTL, FOUND, FULL, MAX_KICKS, SLOTS_PER_BUCKET, type TableGeometry, tableWords } from "./dedup-table.js";

/** Byte where the table's words start: the second 64 KiB page. */
export const TABLE_AT = 65536;
/**
 * Smallest table (bytes of packed words) that gets a kernel: a WebAssembly
 * memory comes in 64 KiB pages and also holds a scratch page, so a kernel
 * adds at least 64 KiB; from this size on that is at most an eighth more
 * (about 115,000 ids an hour at 1e-6). Smaller tables check in JavaScript,
 * whose table fits the caches anyway.
 */
export const KERNEL_MIN_TABLE_BYTES = 8 * 65536;
/** {@link DedupKernel.insert}: the moves gave up; the entry left without a place is {@link DedupKernel.homeless}. */
export const HOMELESS = -4;

// Memory (bytes): the cuckoo moves' random state and what a failed insertion
// leaves (0..11), the hash (16..23, the sip function's), SipHash rounds and key
// words, then the geometry.
const RANDOM_AT = 0;
const HOMELESS_AT = 4;
const HOMELESS_BUCKET_AT = 8;
const SINK_AT = 12;
const C_AT = 24;
const D_AT = 28;
const KEY_AT = 32; // k0 low, k0 high, k1 low, k1 high
const BUCKETS_AT = 48;
const SHIFT_AT = 52; // 32 - fingerprint bits
const SLOT_BITS_AT = 56;
const MASK_AT = 60;
/**
 * Where the checks of a run are laid out, 16 bytes each, after the first
 * string of the SipHash kernel's pair (`placePairFirst`: at most 256 UTF-16
 * units from MESSAGE_AT), and their messages after them, up to MESSAGE_END.
 */
export const CHECKS_AT = 1024;
/** Checks per run at most: 256 checks' buckets are 32 KiB of cache lines, and their descriptors 4 KiB. */
export const MAX_CHECKS = 256;
export const MESSAGES_AT = CHECKS_AT + 16 * MAX_CHECKS;
/** UTF-16 units of kinds and ids, plus one per check, that {@link DedupKernel.layMany} takes at most. */
export const MESSAGE_CHARS = MESSAGE_END - MESSAGES_AT;
/** `insert` is the module's second function (after `sip`). */
const INSERT_FUNCTION = 1;

// Locals of both functions: three parameters (the last the epoch's low 4 bits), then i32 scratch, then one i64.
const EPOCH_LOW = 2;
const LO = 3;
const HI = 4;
const FP = 5;
const FIRST = 6;
const SECOND = 7;
const BUCKETS = 8;
const SLOT_BITS = 9;
const MASK = 10;
const BIT = 11;
const VALUE = 12;
const FREE_1 = 13;
const FREES_1 = 14;
const FREE_2 = 15;
const FREES_2 = 16;
const H = 17;
const SHIFT = 18;
const OLD = 19;
const WORD = 20;
// `insert` only.
const CURRENT = 21;
const CARRIED = 22;
const KICK = 23;
const RANDOM = 24;
// `checks` only: its first parameter is the number of checks laid out; the i64 last.
const COUNT = 0;
const ITEM = 21;
const AT = 22;
const CODE = 23;
const SINK = 25;
/** Locals after the three parameters, the same in both functions. */
const LOCALS: readonly (readonly [number, number])[] = [
  [17, I32],
  [1, I64],
  [4, I32],
  [1, I64],
];

/** `i32.load` of the parameter at byte `at` (aligned). */
const param = (at: number): number[] => [...i32(at), Op.i32Load, 2, 0];
/** `i64.load` / `i64.store` at `TABLE_AT` + the address on the stack, no alignment assumed. */
const tableLoad = [Op.i64Load, 0, ...uleb(TABLE_AT)];
const tableStore = [Op.i64Store, 0, ...uleb(TABLE_AT)];
const TWO_POW_32 = [Op.f64Const, ...f64Bytes(4294967296)];

/** `floor(x * buckets / 2^32)` for the u32 in local `x`, in doubles as `Deduplicator` computes it (bit-identical). */
const scaled = (x: number): number[] => [...get(x), Op.f64ConvertI32U, ...get(BUCKETS), Op.f64ConvertI32U, Op.f64Mul, ...TWO_POW_32, Op.f64Div, Op.i32TruncF64U];

/** `h ^= h >>> bits` on local H. */
const xorShift = (bits: number): number[] => [...get(H), ...get(H), ...i32(bits), Op.i32ShrU, Op.i32Xor, ...set(H)];

/** Pushes the value (i32) of the slot at the bit offset in local `bit`: the 8 bytes from byte `bit >> 3`, shifted by `bit & 7`, masked (a slot is at most 32 bits, so 39 bits suffice). */
const readSlot = (bit: number): number[] => [
  ...get(bit), ...i32(3), Op.i32ShrU, ...tableLoad,
  ...get(bit), ...i32(7), Op.i32And, Op.i64ExtendI32U, Op.i64ShrU, Op.i32WrapI64, ...get(MASK), Op.i32And,
];

/** Pushes whether the slot value in local `value` is free: empty, or older than EPOCHS_PER_TTL epochs. */
const isFree = (value: number): number[] => [
  ...get(value), Op.i32Eqz,
  ...get(EPOCH_LOW), ...get(value), Op.i32Sub, ...i32(15), Op.i32And, ...i32(EPOCHS_PER_TTL), Op.i32GtU,
  Op.i32Or,
];

/** Writes the i32 that `value` pushes into the slot at bit offset BIT; the slot's old value goes to OLD. */
const swapSlot = (value: readonly number[]): number[] => [
  ...get(BIT), ...i32(7), Op.i32And, ...set(SHIFT),
  ...get(BIT), ...i32(3), Op.i32ShrU, ...tableLoad, ...set(WORD),
  ...get(WORD), ...get(SHIFT), Op.i64ExtendI32U, Op.i64ShrU, Op.i32WrapI64, ...get(MASK), Op.i32And, ...set(OLD),
  ...get(BIT), ...i32(3), Op.i32ShrU,
  ...get(WORD), ...get(MASK), Op.i64ExtendI32U, ...get(SHIFT), Op.i64ExtendI32U, Op.i64Shl, ...i64(-1n), Op.i64Xor, Op.i64And,
  ...value, Op.i64ExtendI32U, ...get(SHIFT), Op.i64ExtendI32U, Op.i64Shl, Op.i64Or,
  ...tableStore,
];

/** Pushes what a write over OLD reports: 16 for an empty slot, else the old entry's epoch bits. */
const oldCode = [...i32(16), ...get(OLD), ...i32(15), Op.i32And, ...get(OLD), Op.i32Eqz, Op.select];

/** Sets local `out` to the other bucket of the fingerprint that `fp` pushes, from the bucket in local `bucket` (Deduplicator's alternateBucket). */
const alternate = (bucket: number, fp: readonly number[], out: number): number[] => [
  ...fp, ...set(H),
  ...xorShift(16), ...get(H), ...i32(0x85ebca6b | 0), Op.i32Mul, ...set(H),
  ...xorShift(13), ...get(H), ...i32(0xc2b2ae35 | 0), Op.i32Mul, ...set(H),
  ...xorShift(16),
  ...scaled(H), ...get(bucket), Op.i32Sub, ...tee(out),
  ...i32(0), Op.i32LtS, Op.if, Op.void, ...get(out), ...get(BUCKETS), Op.i32Add, ...set(out), Op.end,
];

/** The geometry into locals, and from the hash in LO / HI the fingerprint (FP) and the two buckets (FIRST, SECOND). */
const HASHED_ID = [
  ...param(BUCKETS_AT), ...set(BUCKETS),
  ...param(SLOT_BITS_AT), ...set(SLOT_BITS),
  ...param(MASK_AT), ...set(MASK),
  // fp = (lo >>> shift) || 1
  ...get(LO), ...param(SHIFT_AT), Op.i32ShrU, ...tee(FP), ...get(FP), Op.i32Eqz, Op.i32Or, ...set(FP),
  // first from the high word; second = alternateBucket(first, fp).
  ...scaled(HI), ...set(FIRST),
  ...alternate(FIRST, get(FP), SECOND),
];

/** xorshift32 (Marsaglia 2003) on local RANDOM, as Deduplicator's `random`. */
const nextRandom = [
  ...get(RANDOM), ...get(RANDOM), ...i32(13), Op.i32Shl, Op.i32Xor, ...set(RANDOM),
  ...get(RANDOM), ...get(RANDOM), ...i32(17), Op.i32ShrU, Op.i32Xor, ...set(RANDOM),
  ...get(RANDOM), ...get(RANDOM), ...i32(5), Op.i32Shl, Op.i32Xor, ...set(RANDOM),
];

/**
 * One slot of a bucket's probe, at bit offset BIT (then advanced by a slot):
 * an empty or expired slot is noted (the first in `free`, counted in
 * `frees`); a live slot holding the fingerprint returns FOUND.
 */
function probeSlot(free: number, frees: number, found: readonly number[]): number[] {
  return [
    ...readSlot(BIT), ...set(VALUE),
    ...isFree(VALUE),
    Op.if, Op.void,
    ...get(free), ...i32(FULL), Op.i32Eq, Op.if, Op.void, ...get(BIT), ...set(free), Op.end,
    ...get(frees), ...i32(1), Op.i32Add, ...set(frees),
    Op.else,
    ...get(VALUE), ...i32(EPOCH_BITS), Op.i32ShrU, ...get(FP), Op.i32Eq, Op.if, Op.void, ...found, Op.end,
    Op.end,
    ...get(BIT), ...get(SLOT_BITS), Op.i32Add, ...set(BIT),
  ];
}

/** The probe of the bucket in local `bucket`: `found` runs (two levels inside the probe's block) on a live match, else `free` and `frees` are set. */
function probeBucket(bucket: number, free: number, frees: number, found: readonly number[]): number[] {
  const slots: number[] = [];
  for (let slot = 0; slot < SLOTS_PER_BUCKET; slot++) slots.push(...probeSlot(free, frees, found));
  return [
    ...get(bucket), ...get(SLOT_BITS), ...i32(2), Op.i32Shl, Op.i32Mul, ...set(BIT), // bucket * 4 slots * slotBits
    ...i32(FULL), ...set(free), ...i32(0), ...set(frees),
    ...slots,
  ];
}

/** The new entry: `(fp << 4) | epochLow`. */
const ENTRY_OF_FP = [...get(FP), ...i32(EPOCH_BITS), Op.i32Shl, ...get(EPOCH_LOW), Op.i32Or];

/** `i32.load` / `i32.store` of word `word` of the check at local AT (its 16 bytes: message start and length, then lo, hi, first bucket, second bucket; the code last). */
const itemLoad = (word: number): number[] => [...get(AT), Op.i32Load, 2, ...uleb(word * 4)];
const itemStore = (word: number, value: readonly number[]): number[] => [...get(AT), ...value, Op.i32Store, 2, ...uleb(word * 4)];

/**
 * Pushes the xor of the 8 bytes at the start of the bucket in local `bucket`
 * and the 8 bytes of its last slot (a touch: the loads bring in its cache
 * lines; a bucket of 4 slots of up to 36 bits may straddle two).
 */
const touchBucket = (bucket: number): number[] => [
  ...get(bucket), ...get(SLOT_BITS), ...i32(2), Op.i32Shl, Op.i32Mul, ...tee(BIT), ...i32(3), Op.i32ShrU, ...tableLoad,
  ...get(BIT), ...get(SLOT_BITS), ...i32(3), Op.i32Mul, Op.i32Add, ...i32(3), Op.i32ShrU, ...tableLoad,
  Op.i64Xor,
];

/** `for (ITEM = 0; ITEM < COUNT; ITEM++)` with AT at the item's 16 bytes, around `body` (which is two levels inside). */
const eachCheck = (body: readonly number[]): number[] => [
  ...i32(0), ...set(ITEM),
  Op.block, Op.void, Op.loop, Op.void,
  ...get(ITEM), ...get(COUNT), Op.i32GeU, Op.brIf, 1,
  ...get(ITEM), ...i32(4), Op.i32Shl, ...i32(CHECKS_AT), Op.i32Add, ...set(AT),
  ...body,
  ...get(ITEM), ...i32(1), Op.i32Add, ...set(ITEM),
  Op.br, 0,
  Op.end, Op.end,
];

/**
 * `checks(count, _, epochLow) -> i32`: the checks laid out at CHECKS_AT (16
 * bytes each: the start and length of the message `UTF-8(kind) ‖ 0xff ‖
 * UTF-8(id)`), in order, at the epoch whose low 4 bits are `epochLow`.
 *
 * In three passes, so that the buckets' cache misses overlap: the first
 * hashes every message and keeps its hash and buckets in the check's bytes;
 * the second loads both buckets of every check, a tight loop of independent
 * loads (the same loads issued from the hashing loop measured no faster
 * than single checks in one alternating run, 2026-12-06: probably the
 * hashing fills the processor's window behind the first miss);
 * the third probes and writes, in order, so a repeat later in the
 * same run finds the earlier one. Each check's code goes to its last word:
 * FOUND (-1) when the fingerprint is live in either bucket; else the id was
 * written into the first free slot of the bucket with more free slots (the
 * first on a tie), and the code says what the slot held: 16 when it was
 * empty, else the old entry's 4 epoch bits; when both buckets were full,
 * `insert` made the cuckoo moves and the code is its result. Returns
 * `count`, or, when `insert` gave up (HOMELESS, the entry left without a
 * place at byte 4), the number of checks run up to and including that one.
 */
const CHECKS_BODY = [
  ...eachCheck([
    // lo = sip(start, length, c, d, k0l, k0h, k1l, k1h); hi from bytes 20..23.
    ...itemLoad(0), ...itemLoad(1), ...param(C_AT), ...param(D_AT),
    ...param(KEY_AT), ...param(KEY_AT + 4), ...param(KEY_AT + 8), ...param(KEY_AT + 12),
    Op.call, 0, ...set(LO),
    ...param(20), ...set(HI),
    ...HASHED_ID,
    ...itemStore(0, get(LO)), ...itemStore(1, get(HI)), ...itemStore(2, get(FIRST)), ...itemStore(3, get(SECOND)),
  ]),
  ...eachCheck([
    ...itemLoad(2), ...set(FIRST), ...itemLoad(3), ...set(SECOND),
    ...get(SINK), ...touchBucket(FIRST), Op.i64Xor, ...touchBucket(SECOND), Op.i64Xor, ...set(SINK),
  ]),
  // The touches' sum goes to memory, so no engine can drop the loads.
  ...i32(SINK_AT), ...get(SINK), Op.i32WrapI64, Op.i32Store, 2, 0,
  ...eachCheck([
    ...itemLoad(0), ...tee(LO), ...param(SHIFT_AT), Op.i32ShrU, ...tee(FP), ...get(FP), Op.i32Eqz, Op.i32Or, ...set(FP),
    ...itemLoad(1), ...set(HI),
    ...itemLoad(2), ...set(FIRST),
    ...itemLoad(3), ...set(SECOND),
    Op.block, Op.void,
    ...probeBucket(FIRST, FREE_1, FREES_1, [...i32(FOUND), ...set(CODE), Op.br, 2]),
    ...probeBucket(SECOND, FREE_2, FREES_2, [...i32(FOUND), ...set(CODE), Op.br, 2]),
    // The emptier bucket's first free slot (the first bucket on a tie).
    ...get(FREE_2), ...get(FREE_1), ...get(FREES_2), ...get(FREES_1), Op.i32GtS, Op.select, ...tee(BIT),
    ...i32(FULL), Op.i32Eq,
    Op.if, Op.void,
    // Both full: the cuckoo moves, from the hash at bytes 16..23.
    ...i32(16), ...get(LO), Op.i32Store, 2, 0,
    ...i32(20), ...get(HI), Op.i32Store, 2, 0,
    ...i32(0), ...i32(0), ...get(EPOCH_LOW), Op.call, INSERT_FUNCTION, ...tee(CODE),
    ...i32(HOMELESS), Op.i32Eq,
    Op.if, Op.void, ...itemStore(3, get(CODE)), ...get(ITEM), ...i32(1), Op.i32Add, Op.return, Op.end,
    Op.else,
    ...swapSlot(ENTRY_OF_FP),
    ...oldCode, ...set(CODE),
    Op.end,
    Op.end,
    ...itemStore(3, get(CODE)),
  ]),
  ...get(COUNT),
];

/**
 * `insert(_, _, epochLow) -> i32`: called by `checks` when both buckets of
 * the id whose hash is at bytes 16..23 are full, the cuckoo insertion of
 * that id, as `FingerprintTable.kickInsert` does it: the
 * random state at byte 0 picks the bucket to start from and the slot to
 * evict at each move; an evicted entry goes to its other bucket, into its
 * first free slot, or evicts again, up to MAX_KICKS moves. Returns the code
 * of a write (16, or the epoch bits of the expired entry
 * the last move overwrote; the entries moved on the way stay counted as they
 * were), or HOMELESS (-4) when the moves gave up: the entry left without a
 * place at byte 4, its bucket at byte 8. The random state goes back to
 * byte 0 either way.
 */
const INSERT_BODY = [
  ...param(16), ...set(LO),
  ...param(20), ...set(HI),
  ...HASHED_ID,
  ...param(RANDOM_AT), ...set(RANDOM),
  ...nextRandom,
  ...get(FIRST), ...get(SECOND), ...get(RANDOM), ...i32(1), Op.i32And, Op.select, ...set(CURRENT),
  ...ENTRY_OF_FP, ...set(CARRIED),
  ...i32(0), ...set(KICK),
  Op.block, Op.void, Op.loop, Op.void,
  ...get(KICK), ...i32(MAX_KICKS), Op.i32GeU, Op.brIf, 1,
  // Evict a random slot of CURRENT for CARRIED; the evicted entry is carried to its other bucket.
  ...nextRandom,
  ...get(CURRENT), ...get(SLOT_BITS), ...i32(2), Op.i32Shl, Op.i32Mul,
  ...get(RANDOM), ...i32(SLOTS_PER_BUCKET - 1), Op.i32And, ...get(SLOT_BITS), Op.i32Mul, Op.i32Add, ...set(BIT),
  ...swapSlot(get(CARRIED)),
  ...get(OLD), ...set(CARRIED),
  ...alternate(CURRENT, [...get(CARRIED), ...i32(EPOCH_BITS), Op.i32ShrU], CURRENT),
  // Its first free slot there, if any.
  ...get(CURRENT), ...get(SLOT_BITS), ...i32(2), Op.i32Shl, Op.i32Mul, ...set(BIT),
  ...placeSlots(),
  ...get(KICK), ...i32(1), Op.i32Add, ...set(KICK),
  Op.br, 0,
  Op.end, Op.end,
  ...i32(RANDOM_AT), ...get(RANDOM), Op.i32Store, 2, 0,
  ...i32(HOMELESS_AT), ...get(CARRIED), Op.i32Store, 2, 0,
  ...i32(HOMELESS_BUCKET_AT), ...get(CURRENT), Op.i32Store, 2, 0,
  ...i32(HOMELESS),
];

/** The four slots from BIT: the first free one takes CARRIED, and `insert` returns. */
function placeSlots(): number[] {
  const out: number[] = [];
  for (let slot = 0; slot < SLOTS_PER_BUCKET; slot++) {
    out.push(
      ...readSlot(BIT), ...set(VALUE),
      ...isFree(VALUE),
      Op.if, Op.void,
      ...swapSlot(get(CARRIED)),
      ...i32(RANDOM_AT), ...get(RANDOM), Op.i32Store, 2, 0,
      ...oldCode, Op.return,
      Op.end,
      ...get(BIT), ...get(SLOT_BITS), Op.i32Add, ...set(BIT),
    );
  }
  return out;
}

// `sweep`'s locals: its parameters (the slot count, unused, the expiring set), then these.
const SWEEP_SLOT = 3;
const SWEEP_SHIFT = 4;
const SWEEP_AT = 5;
const SWEEP_WIDTH = 6;
const SWEEP_CUR = 7;
const SWEEP_NEXT = 8;
const SWEEP_KEEP_CUR = 9;
const SWEEP_KEEP_NEXT = 10;
const SWEEP_CLEAR = 11;
const SWEEP_MASK = 12;
const SWEEP_LOCALS: readonly (readonly [number, number])[] = [
  [4, I32],
  [6, I64],
];
const SWEEP_EXPIRING = 2;
/** `i64.extend_i32_u` of local `local`, a shift count. */
const shiftOf = (local: number): number[] => [...get(local), Op.i64ExtendI32U];
/** `63 - local` as an i64 shift count. */
const rest63 = [...i32(63), ...get(SWEEP_SHIFT), Op.i32Sub, Op.i64ExtendI32U];

/**
 * `sweep(slots, _, expiring)`: clears every one of the table's first
 * `slots` slots whose 4 epoch bits `e` have bit `e` set in `expiring`, as
 * `FingerprintTable.sweepSlots` does over the whole table, on 64-bit words:
 * the word at hand and the next stay in locals with a mask each of the
 * bits to keep, and go back to memory once, when the pass moves past them
 * (a slot is at most 32 bits, so it spans at most those two words; reading
 * the next slot never waits for a clear). The clear is a mask from the
 * slot's epoch bits, not a branch. Reads and writes up to 16 bytes past the
 * last slot's word, inside the memory's slack.
 */
const SWEEP_BODY = [
  ...param(SLOT_BITS_AT), ...set(SWEEP_WIDTH),
  ...param(MASK_AT), Op.i64ExtendI32U, ...set(SWEEP_MASK),
  ...i32(0), Op.i64Load, 3, ...uleb(TABLE_AT), ...set(SWEEP_CUR),
  ...i32(0), Op.i64Load, 3, ...uleb(TABLE_AT + 8), ...set(SWEEP_NEXT),
  ...i64(-1n), ...set(SWEEP_KEEP_CUR),
  ...i64(-1n), ...set(SWEEP_KEEP_NEXT),
  Op.block, Op.void, Op.loop, Op.void,
  ...get(SWEEP_SLOT), ...get(COUNT), Op.i32GeU, Op.brIf, 1,
  // clear = mask when the slot's epoch bits (its lowest 4, from the word pair) expire, else 0.
  ...get(SWEEP_MASK),
  ...i64(0n),
  ...get(SWEEP_EXPIRING),
  ...get(SWEEP_CUR), ...shiftOf(SWEEP_SHIFT), Op.i64ShrU,
  ...get(SWEEP_NEXT), ...i64(1n), Op.i64Shl, ...rest63, Op.i64Shl,
  Op.i64Or, Op.i32WrapI64, ...i32(15), Op.i32And,
  Op.i32ShrU, ...i32(1), Op.i32And, Op.i64ExtendI32U,
  Op.i64Sub, Op.i64And, ...set(SWEEP_CLEAR),
  // keepCur &= ~(clear << shift); keepNext &= ~((clear >> 1) >> (63 - shift)): the part in the next word, none when shift is 0.
  ...get(SWEEP_KEEP_CUR), ...get(SWEEP_CLEAR), ...shiftOf(SWEEP_SHIFT), Op.i64Shl, ...i64(-1n), Op.i64Xor, Op.i64And, ...set(SWEEP_KEEP_CUR),
  ...get(SWEEP_KEEP_NEXT), ...get(SWEEP_CLEAR), ...i64(1n), Op.i64ShrU, ...rest63, Op.i64ShrU, ...i64(-1n), Op.i64Xor, Op.i64And, ...set(SWEEP_KEEP_NEXT),
  ...get(SWEEP_SHIFT), ...get(SWEEP_WIDTH), Op.i32Add, ...tee(SWEEP_SHIFT),
  ...i32(64), Op.i32GeU,
  Op.if, Op.void,
  // The next slot starts in the next word: write this one back and move on.
  ...get(SWEEP_AT), ...get(SWEEP_CUR), ...get(SWEEP_KEEP_CUR), Op.i64And, Op.i64Store, 3, ...uleb(TABLE_AT),
  ...get(SWEEP_AT), ...i32(8), Op.i32Add, ...set(SWEEP_AT),
  ...get(SWEEP_SHIFT), ...i32(64), Op.i32Sub, ...set(SWEEP_SHIFT),
  ...get(SWEEP_NEXT), ...set(SWEEP_CUR),
  ...get(SWEEP_KEEP_NEXT), ...set(SWEEP_KEEP_CUR),
  ...i64(-1n), ...set(SWEEP_KEEP_NEXT),
  ...get(SWEEP_AT), Op.i64Load, 3, ...uleb(TABLE_AT + 8), ...set(SWEEP_NEXT),
  Op.end,
  ...get(SWEEP_SLOT), ...i32(1), Op.i32Add, ...set(SWEEP_SLOT),
  Op.br, 0,
  Op.end, Op.end,
  ...get(SWEEP_AT), ...get(SWEEP_CUR), ...get(SWEEP_KEEP_CUR), Op.i64And, Op.i64Store, 3, ...uleb(TABLE_AT),
  ...get(SWEEP_AT), ...get(SWEEP_NEXT), ...get(SWEEP_KEEP_NEXT), Op.i64And, Op.i64Store, 3, ...uleb(TABLE_AT + 8),
  ...i32(0),
];

/** The module's bytes: `sip` (function 0), `insert`, `checks` and `sweep`, on an imported memory. */
export function dedupKernelModuleBytes(): Uint8Array<ArrayBuffer> {
  return emitFunctions(
    [
      SIP_FUNCTION,
      { params: [I32, I32, I32], results: [I32], locals: LOCALS, body: INSERT_BODY, exportName: "insert" },
      { params: [I32, I32, I32], results: [I32], locals: LOCALS, body: CHECKS_BODY, exportName: "checks" },
      { params: [I32, I32, I32], results: [I32], locals: SWEEP_LOCALS, body: SWEEP_BODY, exportName: "sweep" },
    ],
    { module: "env", field: "memory" },
  );
}

/**
 * Compiled once per process, on first use (null: WebAssembly refused it).
 * Synchronously: the module is about 3.2 KB, and Chromium compiles modules
 * of up to 4 KB synchronously on a page's main thread (larger ones would
 * fall back to JavaScript there; test/dedup-kernel.test.ts checks the size).
 */
let compiled: WebAssembly.Module | null | undefined;

/**
 * The kernel of one Deduplicator's sized table. Not reentrant (nothing in it
 * calls back into JavaScript).
 *
 * @internal
 */
export class DedupKernel {
  /** The table's packed words plus one padding word, as `FingerprintTable` keeps them. */
  readonly words: Uint32Array;
  /** Bytes of the kernel's memory (the scratch page, the table, rounding to pages). */
  readonly byteLength: number;
  private readonly text: SipKernel;
  private readonly checks: (count: number, unused: number, epochLow: number) => number;
  private readonly sweepExport: (slots: number, unused: number, expiring: number) => number;
  /** Checks laid out for the next {@link DedupKernel.run}. */
  private laid = 0;
  /** Where the next check's message goes (4-aligned). */
  private cursor = MESSAGES_AT;

  constructor(memory: WebAssembly.Memory, instance: WebAssembly.Instance, words: number) {
    this.text = new SipKernel(memory, instance.exports["sip"] as ConstructorParameters<typeof SipKernel>[1]);
    this.checks = instance.exports["checks"] as DedupKernel["checks"];
    this.sweepExport = instance.exports["sweep"] as DedupKernel["sweepExport"];
    this.words = new Uint32Array(memory.buffer, TABLE_AT, words);
    this.byteLength = memory.buffer.byteLength;
    this.messages = new Uint8Array(memory.buffer, MESSAGES_AT, MESSAGE_END - MESSAGES_AT);
  }

  /** Encodes a run of ASCII checks in one call (see {@link DedupKernel.layMany}). */
  private readonly encoder = new TextEncoder();
  private readonly messages: Uint8Array;

  /**
   * Lays out the checks of `(kinds[k] or kinds, ids[k])` for `k` from `from`
   * to `to - 1` (nothing else laid out, at most {@link MAX_CHECKS}, at most
   * {@link MESSAGE_CHARS} UTF-16 units of kinds and ids plus one per check)
   * with one `TextEncoder.encodeInto` of them all, concatenated in a loop: on
   * UUID-sized ids about 31 ns a check against 57 for the character loop of
   * {@link DedupKernel.lay}, and 47 for a join of the parts (2026-12-06). The `\0` after each kind becomes
   * the pair's 0xff. False, with nothing laid out, when a kind or an id is
   * not ASCII (its UTF-8 is longer: lay them one by one).
   */
  layMany(kinds: string | readonly string[], ids: readonly string[], from: number, to: number): boolean {
    let text = "";
    let kind = typeof kinds === "string" ? kinds : undefined;
    let joint = kind === undefined ? "" : `${kind}\0`;
    for (let k = from; k < to; k++) {
      if (typeof kinds !== "string" && kinds[k] !== kind) {
        kind = kinds[k] as string;
        joint = `${kind}\0`;
      }
      text += joint;
      text += ids[k] as string;
    }
    const { read, written } = this.encoder.encodeInto(text, this.messages);
    if (read !== text.length || written !== text.length) return false;
    const words = this.text.words;
    const bytes = this.text.bytes;
    let at = MESSAGES_AT;
    for (let k = from, item = CHECKS_AT >> 2; k < to; k++, item += 4) {
      const kindLength = (typeof kinds === "string" ? kinds : (kinds[k] as string)).length;
      const length = kindLength + 1 + (ids[k] as string).length;
      bytes[at + kindLength] = 0xff;
      words[item] = at;
      words[item + 1] = length;
      at += length;
    }
    this.laid = to - from;
    return true;
  }

  /**
   * Lays out the check of `(kind, id)` for the next {@link DedupKernel.run};
   * false when it does not fit (the run is full: run it first; or, with
   * nothing laid out, the pair is too long for the kernel: check it in
   * JavaScript).
   */
  lay(kind: string, id: string): boolean {
    const text = this.text;
    if (kind !== text.pairFirst && !text.placePairFirst(kind)) return false;
    // The kind's bytes end at the 4-aligned pairSecondAt: copy its words, so the id starts aligned too.
    const start = text.pairStart;
    const from = start & ~3;
    const prefix = text.pairSecondAt - from;
    const at = this.cursor;
    const idAt = at + prefix;
    if (this.laid === MAX_CHECKS || idAt + id.length * 3 > MESSAGE_END) return false;
    const words = text.words;
    for (let w = 0; w < prefix; w += 4) words[(at + w) >> 2] = words[(from + w) >> 2] as number;
    const length = text.writeText(id, idAt);
    const item = (CHECKS_AT >> 2) + 4 * this.laid;
    words[item] = at + start - from;
    words[item + 1] = text.pairSecondAt - start + length;
    this.cursor = (idAt + length + 3) & ~3;
    this.laid++;
    return true;
  }

  /**
   * Runs the checks laid out, in order, at the epoch whose low 4 bits are
   * `epochLow`, the cuckoo moves drawing from xorshift32 state `random` (the
   * Deduplicator's; read it back with {@link DedupKernel.random}). Returns
   * how many ran: all of them, or up to and including one whose moves gave
   * up ({@link HOMELESS}); the rest are dropped (lay them out again, or check
   * them in JavaScript). Their codes: {@link DedupKernel.code}.
   */
  run(epochLow: number, random: number): number {
    const words = this.text.words;
    words[RANDOM_AT >> 2] = random;
    const ran = this.checks(this.laid, 0, epochLow);
    this.laid = 0;
    this.cursor = MESSAGES_AT;
    return ran;
  }

  /**
   * Clears the table's first `slots` slots whose 4 epoch bits `e` have bit
   * `e` set in `expiring` (the module's `sweep`; what
   * `FingerprintTable.sweep` does in JavaScript).
   */
  sweep(slots: number, expiring: number): void {
    this.sweepExport(slots, 0, expiring);
  }

  /**
   * The code of check `index` of the last run: FOUND; the old slot's code
   * when the id was written (16 for an empty slot, else the epoch bits of
   * the expired entry it replaced); or HOMELESS.
   */
  code(index: number): number {
    return this.text.words[(CHECKS_AT >> 2) + 4 * index + 3] as number;
  }

  /** The random state after the last {@link DedupKernel.run}. */
  get random(): number {
    return this.text.words[RANDOM_AT >> 2] as number;
  }

  /** After {@link HOMELESS}: the entry left without a place (unsigned). */
  get homeless(): number {
    return (this.text.words[HOMELESS_AT >> 2] as number) >>> 0;
  }

  /** After {@link HOMELESS}: the bucket the entry left without a place belongs to (its last). */
  get homelessBucket(): number {
    return this.text.words[HOMELESS_BUCKET_AT >> 2] as number;
  }
}

/**
 * A kernel for a table of `geometry` hashed with SipHash-`variant` under
 * `key`, its words zeroed (and their pages touched), or undefined where
 * WebAssembly cannot be used (missing, refused by a Content Security Policy,
 * or a big-endian host) or the memory cannot be had.
 */
export function createDedupKernel(geometry: Pick<TableGeometry, "buckets" | "fingerprintBits">, key: Uint8Array, variant: SipHashVariant): DedupKernel | undefined {
  if (!webAssemblyUsable()) return undefined;
  try {
    compiled ??= new WebAssembly.Module(dedupKernelModuleBytes());
  } catch {
    compiled = null; // e.g. a Content Security Policy without 'wasm-unsafe-eval'
  }
  if (compiled === null) return undefined;
  const words = tableWords(geometry) + 1;
  // The last slot's 8-byte load may reach 7 bytes past the padding word, and
  // the sweep's last two words up to 16 bytes past the last slot's word.
  const pages = Math.ceil((TABLE_AT + words * 4 + 16) / 65536);
  let memory: WebAssembly.Memory;
  let instance: WebAssembly.Instance;
  try {
    memory = new WebAssembly.Memory({ initial: pages });
    instance = new WebAssembly.Instance(compiled, { env: { memory } });
  } catch {
    return undefined; // no address space for another memory: JavaScript it is
  }
  const kernel = new DedupKernel(memory, instance, words);
  const params = new Int32Array(memory.buffer, 0, 16);
  [params[C_AT >> 2], params[D_AT >> 2]] = sipRounds(variant);
  params.set(sipKeyWords(key), KEY_AT >> 2);
  params[BUCKETS_AT >> 2] = geometry.buckets;
  params[SHIFT_AT >> 2] = 32 - geometry.fingerprintBits;
  params[SLOT_BITS_AT >> 2] = geometry.fingerprintBits + EPOCH_BITS;
  params[MASK_AT >> 2] = 0xffffffff >>> (32 - geometry.fingerprintBits - EPOCH_BITS);
  // Touch every page now (see FingerprintTable's constructor).
  kernel.words.fill(0);
  return kernel;
}
