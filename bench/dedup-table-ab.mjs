// Issue 13, fewer cache lines per fresh check: the Deduplicator's table
// (bit-packed buckets of 4 slots; a fresh id reads two buckets) against
// layouts that read one 64-byte line for most fresh ids, at 1,000,000 ids
// an hour and FPR 1e-6, fresh and repeated ids, in one process with the
// rows alternating (the machine is shared: only rows of one run compare).
// Result: NOT INTEGRATED. The best layout checked fresh ids 9-15 % faster
// than the table on a table's first hour and 0.86-1.02 times as fast in the
// steady state, for 20 % more memory (the bar was 15 %); the figures follow.
//
// Rows: this build's Deduplicator, an --other build's (the integrated line
// table is commit 836c5b5 on branch dedup4: check it out elsewhere, build it
// with tsup, and copy its dist to .ab/lines/dist so it resolves this
// checkout's node_modules; then --other .ab/lines/dist), and the prototypes,
// written here to be measured, not shipped.
//
// Prototype "blocks of W words" (BlockTable): aligned blocks of W 32-bit
// words (W = 16: one 64-byte cache line) holding S bit-packed slots of
// `f + 5` bits (fingerprint, displaced bit, 4 epoch bits) and, in the spare
// bits, an overflow tracking array (OTA, after Breslow & Jayasena, "Morton
// Filters", VLDB 2018). Inserts fill the primary block first; a lookup
// reads the secondary only when the primary's OTA bit for the id is set;
// sweeps rebuild the OTA. FPR bound: 2S slots compared,
// f = ceil(log2(2S / rate + 1)). WordBlockTable: 15 slots of one whole word
// each (f = 27, bound 30 / (2^27 - 1) = 2.24e-7) and the OTA in word 15,
// load 0.95: 76,024 lines, 4.87 MB (the table: 4.06 MB). Commit 836c5b5
// made it the Deduplicator's layout for rates 2.24e-7 .. 3.8e-6 (image
// version 3, tests for both layouts) and added a two-pass probe, OTA bits
// set in batches at sweeps, and room made in a full primary by moving its
// oldest entry.
//
// Measured on 2026-12-05 (2 cores shared with other benchmarks, load
// average 3-7, rates about half a quiet machine's). Rows alternate their
// order each round, and the row that ran first in a round was often 30-50 %
// faster than when it ran second (it had also run last in the round
// before), so per-round ratios come in two modes. Ratios below: fresh
// checks, line layout over the table, wall clock, the geometric mean over
// whole pairs of rounds (which cancels the order; the medians of ratios
// printed by earlier versions of this script, also in the commit messages
// of branch dedup4, leaned to one mode and overstated the gain):
//   the integrated line table, a fresh table's first hour (as bench/dedup.mjs):
//     1.12 (16 rounds), 1.15 (16), 1.15 (24), 1.10 (20, 836c5b5), 1.15 (20, 836c5b5),
//     1.09 (20, 836c5b5, load 1-3: CPU time 1.08; duplicates 0.89, CPU 0.89;
//     M checks/s, medians, wall: fresh 2.94 -> 3.07, duplicates 4.81 -> 4.19)
//     table half alone (TABLE_ONLY=1): 1.05 (12), 1.36 (16)
//   the same in the steady state (STEADY=1: two untimed hours first), 836c5b5:
//     0.86 (16 rounds), 0.98 (20), 1.02 (20, load 1-3: CPU time 1.03; duplicates
//     1.05, CPU 1.06; fresh 2.36 -> 2.25 M/s, duplicates 4.61 -> 4.65); table half alone 0.99 (12)
// Earlier single runs, medians of ratios (biased as said; wall / CPU):
//   packed 16 slots per line (W = 16, 30-bit slots):  1.03-1.08 / 1.06-1.09; duplicates 0.92-0.95
//   same, two-pass probe:                             0.97-1.05 / 0.92-1.03
//   W = 8 and W = 4 packed blocks: no better than W = 16
//   a WebAssembly.Memory buffer (page-aligned lines): slower than an ordinary Uint32Array
//   word slots, 15 per line (WordBlockTable):         1.12-1.59 / 1.23-1.40 (first hour)
//   the age computed per slot from the epoch bits, or an Int32Array view: 0.8-0.9 of that
//   line table, steady state, with displaced entries moved home at sweeps: 0.94-0.96 (dropped)
//   duplicates, line table over the table: 0.9-1.1 in every run
// Memory: 4.87 MB against 4.06 MB.
// Why: a dependent random read of a 4.8 MB array took about 125 ns here,
// two independent ones per loop iteration about as long as one, so the
// second bucket's miss mostly overlapped the first's already. Unpacking
// bit-packed slots cost about what the second line saved; whole-word slots
// did not, but they need 32 bits a slot, so within 5 MB the load reaches
// 0.95 just before each epoch ends. Then most primary lines fill up: in the
// steady state a third of the entries were displaced and up to a sixth of
// the OTA bits set (a second, dependent line read for that share of fresh
// checks and for displaced duplicates), and each sweep's OTA rebuild cost
// one random read-modify-write per displaced entry (35-110 ms an hour
// against the table's 20-30 ms of sweeps). Morton filters avoid this with
// many more, compressed, fingerprints per line; 64 bytes of 32-bit slots
// leave too little slack.
//
// Run: npx tsup && node --expose-gc bench/dedup-table-ab.mjs [rounds] [--other <dist>]
//   ONLY=0,1 picks rows by index; TABLE_ONLY=1 times the table half alone;
//   STEADY=1 runs two untimed hours of other ids before the timed ones.

import path from "node:path";
import { pathToFileURL } from "node:url";
import { Deduplicator } from "../dist/compliance/index.js";
import { SipHasher } from "../dist/hashing/index.js";

// --other <dist>: another build's Deduplicator measured in the same process,
// rows alternating with this build's.
const otherAt = process.argv.indexOf("--other");
const OtherDeduplicator =
  otherAt > 0 ? (await import(pathToFileURL(path.resolve(process.argv[otherAt + 1], "compliance/index.js")).href)).Deduplicator : undefined;
import { uuids } from "./workloads.mjs";
import { median } from "./stats.mjs";

const N = 1_000_000;
const TTL = 3_600_000;
const RATE = 1e-6;
const T0 = Date.UTC(2026, 0, 5, 9);
const KEY = Uint8Array.from({ length: 16 }, (_, i) => (i * 73 + 5) & 0xff);
const ROUNDS = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 6);
const gc = globalThis.gc ?? (() => {});

const ids = uuids(N, 0x5eed);
const times = Float64Array.from({ length: N }, (_, i) => T0 + Math.floor((i * TTL) / N));

const EPOCHS_PER_TTL = 12;
const SWEEP_INTERVAL = 4;
const MAX_KICKS = 500;
const FOUND = -1;
const FULL = -2;
const mod16 = (e) => ((e % 16) + 16) % 16;

function alternate(block, fingerprint, blocks) {
  let h = fingerprint;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  const other = ((((h >>> 0) * blocks) / 4294967296) | 0) - block;
  return other < 0 ? other + blocks : other;
}

/** Geometry of blocks of `blockWords` words at `rate` for `capacity` ids per TTL at `load`. */
function blockGeometry(capacity, rate, blockWords, load) {
  const bits = blockWords * 32;
  // Most slots per block such that the fingerprint for 2S compared slots fits, leaving >= 8 OTA bits.
  for (let slots = Math.floor(bits / 6); slots >= 1; slots--) {
    const fingerprintBits = Math.ceil(Math.log2((2 * slots) / rate + 1));
    const slotBits = fingerprintBits + 5;
    if (slotBits > 32) continue;
    const otaBits = bits - slots * slotBits;
    if (otaBits < 8) continue;
    const blocks = Math.ceil((capacity * 13) / 12 / load / slots);
    return { blocks, blockWords, slots, fingerprintBits, slotBits, otaStart: slots * slotBits, otaBits: Math.min(otaBits, 32) };
  }
  throw new Error("no geometry");
}

class BlockTable {
  constructor(g, wasmMemory) {
    Object.assign(this, g);
    this.mask = 0xffffffff >>> (32 - g.slotBits);
    const wordsNeeded = g.blocks * g.blockWords + 1;
    if (wasmMemory) {
      // WebAssembly memory starts on a page boundary: blocks of 16 words are whole cache lines.
      const memory = new WebAssembly.Memory({ initial: Math.ceil((wordsNeeded * 4) / 65536) });
      this.words = new Uint32Array(memory.buffer, 0, wordsNeeded);
    } else {
      this.words = new Uint32Array(wordsNeeded);
    }
    this.words.fill(0);
    this.perEpoch = new Int32Array(16);
    this.stored = 0;
    this.homelessBlock = 0;
  }
  /** FOUND, or the bit offset of the first empty/expired slot, or FULL. `key` = fingerprint << 1 | displaced. */
  probe(block, key, epochLow) {
    const words = this.words;
    const width = this.slotBits;
    const mask = this.mask;
    const slots = this.slots;
    let free = FULL;
    let at = block * this.blockWords;
    let shift = 0;
    for (let slot = 0; slot < slots; slot++) {
      let value = ((words[at] >>> shift) | ((words[at + 1] << 1) << (31 - shift))) & mask;
      if (value >>> 4 === key) {
        if (((epochLow - value) & 15) <= EPOCHS_PER_TTL) return FOUND;
        if (free === FULL) free = (at << 5) + shift;
      } else if (free === FULL && (value === 0 || ((epochLow - value) & 15) > EPOCHS_PER_TTL)) {
        free = (at << 5) + shift;
      }
      shift += width;
      at += shift >>> 5;
      shift &= 31;
    }
    return free;
  }
  otaIndex(fingerprint) {
    return ((Math.imul(fingerprint, 0x9e3779b1) >>> 0) * this.otaBits / 4294967296) | 0;
  }
  otaSet(block, j) {
    const bit = block * this.blockWords * 32 + this.otaStart + j;
    return (this.words[bit >>> 5] >>> (bit & 31)) & 1;
  }
  setOta(block, j) {
    const bit = block * this.blockWords * 32 + this.otaStart + j;
    this.words[bit >>> 5] |= 1 << (bit & 31);
  }
  readAt(bit) {
    const at = bit >>> 5;
    const shift = bit & 31;
    return (((this.words[at] >>> shift) | ((this.words[at + 1] << 1) << (31 - shift))) & this.mask) >>> 0;
  }
  writeBits(bit, value) {
    const at = bit >>> 5;
    const shift = bit & 31;
    const mask = this.mask;
    const words = this.words;
    words[at] = (words[at] & ~(mask << shift)) | (value << shift);
    if (shift + this.slotBits > 32) {
      const rest = 32 - shift;
      words[at + 1] = (words[at + 1] & ~(mask >>> rest)) | (value >>> rest);
    }
  }
  counted(old, value) {
    if (old !== 0) this.perEpoch[old & 15]--;
    else this.stored++;
    if (value !== 0) this.perEpoch[value & 15]++;
    else this.stored--;
  }
  writeAt(bit, value) {
    const old = this.readAt(bit);
    this.writeBits(bit, value);
    this.counted(old, value);
  }
  slotBit(block, slot) {
    return block * this.blockWords * 32 + slot * this.slotBits;
  }
  place(block, value, epochLow) {
    for (let slot = 0; slot < this.slots; slot++) {
      const bit = this.slotBit(block, slot);
      const old = this.readAt(bit);
      if (old === 0 || ((epochLow - old) & 15) > EPOCHS_PER_TTL) {
        this.writeBits(bit, value);
        this.counted(old, value);
        return true;
      }
    }
    return false;
  }
  /** `value` goes into `block` (full of live entries), evicting; entries move to their other block. */
  kickInsert(block, value, epochLow, random) {
    let current = block;
    let carried = value;
    for (let kick = 0; kick < MAX_KICKS; kick++) {
      const slot = random() % this.slots;
      const bit = this.slotBit(current, slot);
      const evicted = this.readAt(bit);
      this.writeBits(bit, carried);
      this.counted(evicted, carried);
      const fingerprint = evicted >>> 5;
      const displaced = (evicted >>> 4) & 1;
      // Leaving its primary: the primary's OTA must send lookups to the secondary.
      if (displaced === 0) this.setOta(current, this.otaIndex(fingerprint));
      current = alternate(current, fingerprint, this.blocks);
      carried = (evicted ^ 16) >>> 0;
      if (this.place(current, carried, epochLow)) return 0;
    }
    this.homelessBlock = current;
    return carried;
  }
  /** Clears entries expired after a move of `jump` epochs and rebuilds the OTA from the displaced entries. */
  sweep(epochLow, jump) {
    const words = this.words;
    const W = this.blockWords;
    const otaStart = this.otaStart;
    const otaWord = otaStart >>> 5;
    const otaShift = otaStart & 31;
    const otaMask = (this.otaBits === 32 ? 0xffffffff : ((1 << this.otaBits) - 1)) << otaShift;
    for (let b = 0; b < this.blocks; b++) words[b * W + otaWord] &= ~otaMask;
    // (OTA assumed within one word for the prototype: otaShift + otaBits <= 32.)
    const width = this.slotBits;
    const mask = this.mask;
    const slots = this.slots;
    let removed = 0;
    for (let b = 0; b < this.blocks; b++) {
      let at = b * W;
      let shift = 0;
      for (let slot = 0; slot < slots; slot++) {
        let value = ((words[at] >>> shift) | ((words[at + 1] << 1) << (31 - shift))) & mask;
        if (value !== 0) {
          if (((epochLow - value) & 15) + jump > EPOCHS_PER_TTL) {
            words[at] &= ~(mask << shift);
            if (shift + width > 32) words[at + 1] &= ~(mask >>> (32 - shift));
            this.perEpoch[value & 15]--;
            removed++;
          } else if (value & 16) {
            const fingerprint = value >>> 5;
            this.setOta(alternate(b, fingerprint, this.blocks), this.otaIndex(fingerprint));
          }
        }
        shift += width;
        at += shift >>> 5;
        shift &= 31;
      }
    }
    this.stored -= removed;
    return removed;
  }
  storedIn(low) {
    return this.perEpoch[low & 15];
  }
  live(epochLow) {
    let live = 0;
    for (let age = 0; age <= EPOCHS_PER_TTL; age++) live += this.perEpoch[(epochLow - age) & 15];
    return live;
  }
  clear() {
    this.words.fill(0);
    this.perEpoch.fill(0);
    this.stored = 0;
  }
  get byteLength() {
    return this.blocks * this.blockWords * 4 + 4;
  }
}

/**
 * Blocks of 16 words (one cache line), one slot per word: 15 slots of
 * `fingerprint (27) | displaced (1) | epoch (4)` and the OTA in word 15. No
 * unpacking: a slot is one load and one compare.
 */
class WordBlockTable extends BlockTable {
  probe(block, key, epochLow) {
    const words = this.words;
    const base = block << 4;
    let free = FULL;
    for (let at = base; at < base + 15; at++) {
      const value = words[at];
      if (value >>> 4 === key) {
        if (((epochLow - value) & 15) <= EPOCHS_PER_TTL) return FOUND;
        if (free === FULL) free = at;
      } else if (free === FULL && (value === 0 || ((epochLow - value) & 15) > EPOCHS_PER_TTL)) {
        free = at;
      }
    }
    return free;
  }
  otaSet(block, j) {
    return (this.words[(block << 4) + 15] >>> j) & 1;
  }
  setOta(block, j) {
    this.words[(block << 4) + 15] |= 1 << j;
  }
  readAt(at) {
    return this.words[at];
  }
  writeBits(at, value) {
    this.words[at] = value;
  }
  slotBit(block, slot) {
    return (block << 4) + slot;
  }
  sweep(epochLow, jump) {
    const words = this.words;
    const blocks = this.blocks;
    const perEpoch = this.perEpoch;
    let removed = 0;
    for (let b = 0; b < blocks; b++) words[(b << 4) + 15] = 0;
    for (let b = 0; b < blocks; b++) {
      const base = b << 4;
      for (let at = base; at < base + 15; at++) {
        const value = words[at];
        if (value === 0) continue;
        if (((epochLow - value) & 15) + jump > EPOCHS_PER_TTL) {
          words[at] = 0;
          perEpoch[value & 15]--;
          removed++;
        } else if (value & 16) {
          const fingerprint = value >>> 5;
          this.setOta(alternate(b, fingerprint, blocks), this.otaIndex(fingerprint));
        }
      }
    }
    this.stored -= removed;
    return removed;
  }
}

/** WordBlockTable probing in two passes: the fingerprint compares alone, then (only when absent) the first free slot. */
class WordTwoPassTable extends WordBlockTable {
  probe(block, key, epochLow) {
    const words = this.words;
    const base = block << 4;
    for (let at = base; at < base + 15; at++) {
      const value = words[at];
      if (value >>> 4 === key && ((epochLow - value) & 15) <= EPOCHS_PER_TTL) return FOUND;
    }
    for (let at = base; at < base + 15; at++) {
      const value = words[at];
      if (value === 0 || ((epochLow - value) & 15) > EPOCHS_PER_TTL) return at;
    }
    return FULL;
  }
}

function wordGeometry(capacity, load) {
  const blocks = Math.ceil((capacity * 13) / 12 / load / 15);
  return { blocks, blockWords: 16, slots: 15, fingerprintBits: 27, slotBits: 32, otaStart: 480, otaBits: 32 };
}

/** The packed blocks with a two-phase probe: fingerprints first (offsets computed per slot, no loop-carried chain), the free slot only when absent. */
class PackedFastTable extends BlockTable {
  probe(block, key, epochLow) {
    const words = this.words;
    const width = this.slotBits;
    const mask = this.mask;
    const slots = this.slots;
    const base = block * this.blockWords;
    for (let slot = 0, bit = 0; slot < slots; slot++, bit += width) {
      const at = base + (bit >>> 5);
      const shift = bit & 31;
      const value = ((words[at] >>> shift) | ((words[at + 1] << 1) << (31 - shift))) & mask;
      if (value >>> 4 === key && ((epochLow - value) & 15) <= EPOCHS_PER_TTL) return FOUND;
    }
    for (let slot = 0, bit = 0; slot < slots; slot++, bit += width) {
      const at = base + (bit >>> 5);
      const shift = bit & 31;
      const value = ((words[at] >>> shift) | ((words[at + 1] << 1) << (31 - shift))) & mask;
      if (value === 0 || ((epochLow - value) & 15) > EPOCHS_PER_TTL) return (at << 5) + shift;
    }
    return FULL;
  }
}

const scratch = { hi: 0, lo: 0 };

class BlockDedup {
  constructor(capacity, rate, key, blockWords, load, wasmMemory, Table = BlockTable) {
    this.hasher = new SipHasher(key, "1-3");
    this.Table = Table;
    this.geometry = Table === WordBlockTable || Table === WordTwoPassTable ? wordGeometry(capacity, load) : blockGeometry(capacity, rate, blockWords, load);
    this.wasmMemory = wasmMemory;
    this.tables = [new Table(this.geometry, wasmMemory)];
    this.fingerprintShift = 32 - this.geometry.fingerprintBits;
    this.ttl = TTL;
    this.started = false;
    this.epoch = 0;
    this.epochLow = 0;
    this.sweptAt = 0;
    this.randomState = 0x9e3779b9 | 0;
    this.random = () => {
      let x = this.randomState;
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      this.randomState = x;
      return x >>> 0;
    };
    this.checked = 0;
    this.duplicates = 0;
    this.recorded = 0;
    this.expired = 0;
    this.secondaryReads = 0;
    this.overflowed = 0;
  }
  tick(time) {
    const epoch = Math.floor((time * EPOCHS_PER_TTL) / this.ttl);
    if (epoch !== this.epoch || !this.started) {
      if (epoch > this.epoch || !this.started) this.advance(epoch);
    }
  }
  check(kind, id, time) {
    this.tick(time);
    this.checked++;
    this.hasher.hashPairInto(kind, id, scratch);
    const duplicate = this.checkHashed(scratch.hi, scratch.lo);
    if (duplicate) this.duplicates++;
    else this.recorded++;
    return duplicate;
  }
  checkHashed(hi, lo) {
    const blocks = this.geometry.blocks;
    const fingerprint = lo >>> this.fingerprintShift || 1;
    const primary = (((hi >>> 0) * blocks) / 4294967296) | 0;
    const tables = this.tables;
    const epochLow = this.epochLow;
    const home = fingerprint << 1;
    const t0 = tables[0];
    const j = t0.otaIndex(fingerprint);
    let firstFree = FULL;
    for (let t = 0; t < tables.length; t++) {
      const table = tables[t];
      const free = table.probe(primary, home, epochLow);
      if (free === FOUND) return true;
      if (t === 0) firstFree = free;
      if (table.otaSet(primary, j)) {
        this.secondaryReads++;
        if (table.probe(alternate(primary, fingerprint, blocks), home | 1, epochLow) === FOUND) return true;
      }
    }
    const value = ((fingerprint << 5) | epochLow) >>> 0;
    if (firstFree !== FULL) {
      t0.writeAt(firstFree, value);
      return false;
    }
    this.insertSlow(primary, fingerprint, j, value);
    return false;
  }
  /** Table 0's primary is full: each table's primary, then secondary; then cuckoo kicks in the newest table. */
  insertSlow(primary, fingerprint, j, value) {
    const blocks = this.geometry.blocks;
    const epochLow = this.epochLow;
    const tables = this.tables;
    const secondary = alternate(primary, fingerprint, blocks);
    for (let t = 0; t < tables.length; t++) {
      const table = tables[t];
      const free = table.probe(primary, -1, epochLow); // key -1 matches nothing: just the free slot
      if (free !== FULL) {
        table.writeAt(free, value);
        if (t > 0) this.overflowed++;
        return;
      }
      const there = table.probe(secondary, -1, epochLow);
      if (there !== FULL) {
        table.setOta(primary, j);
        table.writeAt(there, value | 16);
        if (t > 0) this.overflowed++;
        return;
      }
    }
    const last = tables[tables.length - 1];
    let homeless;
    if (this.random() & 1) {
      homeless = last.kickInsert(primary, value, epochLow, this.random);
    } else {
      last.setOta(primary, j);
      homeless = last.kickInsert(secondary, value | 16, epochLow, this.random);
    }
    if (tables.length > 1 || homeless !== 0) this.overflowed++;
    if (homeless !== 0) {
      const overflow = new this.Table(this.geometry, this.wasmMemory);
      const fp = homeless >>> 5;
      if (homeless & 16) overflow.setOta(alternate(last.homelessBlock, fp, blocks), overflow.otaIndex(fp));
      overflow.place(last.homelessBlock, homeless, epochLow);
      tables.push(overflow);
      this.overflowed++;
    }
  }
  advance(epoch) {
    if (this.started) {
      const jump = epoch - this.epoch;
      if (jump > EPOCHS_PER_TTL) {
        for (const table of this.tables) this.expired += table.live(this.epochLow);
        this.tables.length = 1;
        this.tables[0].clear();
        this.sweptAt = epoch;
      } else {
        for (let passed = this.epoch - EPOCHS_PER_TTL; passed <= epoch - EPOCHS_PER_TTL - 1; passed++) {
          for (const table of this.tables) this.expired += table.storedIn(mod16(passed));
        }
        if (epoch - this.sweptAt >= SWEEP_INTERVAL) {
          for (const table of this.tables) table.sweep(this.epochLow, jump);
          for (let t = this.tables.length - 1; t >= 1; t--) if (this.tables[t].stored === 0) this.tables.splice(t, 1);
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
  get sizeInBytes() {
    return this.tables.reduce((sum, t) => sum + t.byteLength, 0);
  }
}

function timed(body) {
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  const found = body();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const used = process.cpuUsage(cpu);
  return { rate: N / seconds / 1e6, cpuRate: N / ((used.user + used.system) / 1e6) / 1e6, found };
}
// TABLE_ONLY=1: the ids' hashes are computed once up front and each check is
// the clock tick plus the table half (both classes' checkHashed), isolating
// the table's cost from the hashing's.
const TABLE_ONLY = process.env.TABLE_ONLY === "1";
const his = new Int32Array(N);
const los = new Int32Array(N);
{
  const h = new SipHasher(KEY, "1-3");
  const out = { hi: 0, lo: 0 };
  for (let i = 0; i < N; i++) {
    h.hashPairInto("login", ids[i], out);
    his[i] = out.hi;
    los[i] = out.lo;
  }
}
// STEADY=1: before the timed passes, two untimed hours of other ids (the
// hours before T0), so the timed hour meets a table in its steady state:
// 13/12 of the capacity live before each epoch ends, expired entries not
// yet swept, entries displaced by earlier hours.
const STEADY = process.env.STEADY === "1";
const warmIds = STEADY ? uuids(2 * N, 0xbeef) : [];
function warm(dedup) {
  for (let i = 0; i < 2 * N; i++) dedup.check("login", warmIds[i], T0 - 2 * TTL + Math.floor((i * TTL) / N));
}
function fresh(dedup) {
  if (TABLE_ONLY)
    return timed(() => {
      let found = 0;
      for (let i = 0; i < N; i++) {
        dedup.tick(times[i]);
        if (dedup.geometry?.layout === "lines" ? dedup.checkLines(his[i], los[i]) : dedup.checkHashed(his[i], los[i])) found++;
      }
      return found;
    });
  return timed(() => {
    let found = 0;
    for (let i = 0; i < N; i++) if (dedup.check("login", ids[i], times[i])) found++;
    return found;
  });
}
function repeat(dedup) {
  const end = T0 + TTL - 1;
  if (TABLE_ONLY)
    return timed(() => {
      let found = 0;
      for (let i = 0; i < N; i++) {
        dedup.tick(end);
        if (dedup.geometry?.layout === "lines" ? dedup.checkLines(his[i], los[i]) : dedup.checkHashed(his[i], los[i])) found++;
      }
      return found;
    });
  return timed(() => {
    let found = 0;
    for (let i = 0; i < N; i++) if (dedup.check("login", ids[i], end)) found++;
    return found;
  });
}

const candidates = [
  ["Deduplicator, this build", () => new Deduplicator({ ttl: TTL, capacity: N, falsePositiveRate: RATE, key: KEY })],
  ...(OtherDeduplicator ? [["Deduplicator, --other build", () => new OtherDeduplicator({ ttl: TTL, capacity: N, falsePositiveRate: RATE, key: KEY })]] : []),
  ["blocks W=16 (64 B), wasm mem", () => new BlockDedup(N, RATE, KEY, 16, 0.9, true)],
  ["blocks W=16 (64 B), heap", () => new BlockDedup(N, RATE, KEY, 16, 0.9, false)],
  ["blocks W=8 (32 B), wasm mem", () => new BlockDedup(N, RATE, KEY, 8, 0.9, true)],
  ["blocks W=4 (16 B), wasm mem", () => new BlockDedup(N, RATE, KEY, 4, 0.9, true)],
  ["word slots 15/line, load .95, wasm", () => new BlockDedup(N, RATE, KEY, 16, 0.95, true, WordBlockTable)],
  ["packed 16/line two-phase, heap", () => new BlockDedup(N, RATE, KEY, 16, 0.9, false, PackedFastTable)],
  ["word slots 15/line, load .95, heap", () => new BlockDedup(N, RATE, KEY, 16, 0.95, false, WordBlockTable)],
  ["word slots, two-pass probe", () => new BlockDedup(N, RATE, KEY, 16, 0.95, false, WordTwoPassTable)],
];
const only = process.env.ONLY?.split(",").map(Number);
const chosen = only ? candidates.filter((_, i) => only.includes(i)) : candidates;
const rows = new Map(chosen.map(([name]) => [name, { fresh: [], repeat: [], freshCpu: [], repeatCpu: [] }]));
for (let round = -2; round < ROUNDS; round++) {
  for (const [name, make] of round % 2 === 0 ? chosen : [...chosen].reverse()) {
    gc();
    const dedup = make();
    if (STEADY) warm(dedup);
    const a = fresh(dedup);
    const b = repeat(dedup);
    if (round < 0) continue;
    const row = rows.get(name);
    row.fresh.push(a.rate);
    row.freshCpu.push(a.cpuRate);
    row.repeat.push(b.rate);
    row.repeatCpu.push(b.cpuRate);
    row.falsePositives = a.found;
    row.missed = N - b.found;
    row.bytes = dedup.sizeInBytes;
    row.stats = dedup.stats;
    row.extra = dedup instanceof BlockDedup ? `2nd-block reads ${(dedup.secondaryReads / (2 * N)).toFixed(3)}/check, geometry ${JSON.stringify(dedup.geometry)}` : "";
  }
}
console.log(`${N} ids/hour at FPR ${RATE}; median of ${ROUNDS} alternating rounds after 2 untimed (M checks/s, wall and cpu)`);
for (const [name, r] of rows) {
  console.log(
    `${name.padEnd(30)} fresh ${median(r.fresh).toFixed(2)} (cpu ${median(r.freshCpu).toFixed(2)})  repeat ${median(r.repeat).toFixed(2)} (cpu ${median(r.repeatCpu).toFixed(2)})  ${(r.bytes / 1e6).toFixed(3)} MB  fp ${r.falsePositives} missed ${r.missed}  ${r.extra}`,
  );
  console.log(`   fresh runs: ${r.fresh.map((x) => x.toFixed(2)).join(" ")}`);
}
// Paired per round (the two ran back to back): candidate / first row.
const [baseName, base] = [...rows][0];
for (const [name, r] of rows) {
  if (name === baseName) continue;
  // The geometric mean over whole pairs of rounds: the order alternates, and
  // the row that ran first in a round was often much faster (it is the row
  // that ran last in the round before), so single ratios are bimodal and
  // their median leans to whichever mode has the middle round.
  const ratio = (key) => {
    const pairs = r[key].length - (r[key].length % 2);
    let sum = 0;
    for (let i = 0; i < pairs; i++) sum += Math.log(r[key][i] / base[key][i]);
    return Math.exp(sum / pairs).toFixed(3);
  };
  console.log(`${name.padEnd(30)} / ${baseName}: fresh x${ratio("fresh")} (cpu x${ratio("freshCpu")}), repeat x${ratio("repeat")} (cpu x${ratio("repeatCpu")}) (geometric mean of per-round ratios)`);
}
