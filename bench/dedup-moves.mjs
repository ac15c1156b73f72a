// How often the Deduplicator's cuckoo table moves entries, by design load: a
// model of its placement policy (src/compliance/dedup-table.ts), not the
// table itself, so it can count what the table does not report. Buckets of
// 4 slots, two candidate buckets per id (the second from a mix of the
// fingerprint, as alternateBucket does), a fresh id into the emptier bucket
// (the first on a tie), an entry older than 12 epochs counting as free, and
// when both buckets are full a random walk of moves (a random slot of a
// random one of the two buckets is evicted to its other bucket, up to 500
// moves). Ids arrive evenly over the hour, 1,000,000 an hour, fresh every
// time; counted in the fourth hour, the steady state of a running table.
//
// Each move reads a bucket chosen by the one before, a cache miss that
// waits for the previous one on a table of megabytes; that is what a lower
// load buys back (bench/dedup.mjs and docs/dedup.md for the times).
//
// Run: node bench/dedup-moves.mjs [ids per hour, default 1000000]
const IDS = Number(process.argv[2] ?? 1_000_000);
const EPOCHS_PER_TTL = 12;
const SLOTS = 4;
const MAX_MOVES = 500;

function model(load) {
  const buckets = Math.ceil((IDS * 13) / 12 / load / SLOTS);
  const fingerprint = new Int32Array(buckets * SLOTS);
  const recorded = new Int32Array(buckets * SLOTS).fill(-1000);
  let seed = 0x2545f491;
  const random = () => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return seed >>> 0;
  };
  const other = (bucket, fp) => {
    let h = Math.imul(fp ^ (fp >>> 16), 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
    h = (h ^ (h >>> 16)) >>> 0;
    const b = Math.floor((h * buckets) / 4294967296) - bucket;
    return b < 0 ? b + buckets : b;
  };
  let epoch = 0;
  const free = (slot) => epoch - recorded[slot] > EPOCHS_PER_TTL;
  const freeIn = (bucket) => {
    let n = 0;
    for (let s = 0; s < SLOTS; s++) if (free(bucket * SLOTS + s)) n++;
    return n;
  };
  const place = (bucket, fp, at) => {
    for (let s = 0; s < SLOTS; s++) {
      const slot = bucket * SLOTS + s;
      if (free(slot)) {
        fingerprint[slot] = fp;
        recorded[slot] = at;
        return true;
      }
    }
    return false;
  };
  let counting = false;
  let bothFull = 0;
  let moves = 0;
  let gaveUp = 0;
  for (let hour = 0; hour < 4; hour++) {
    counting = hour === 3;
    for (let i = 0; i < IDS; i++) {
      epoch = hour * EPOCHS_PER_TTL + Math.floor((i * EPOCHS_PER_TTL) / IDS);
      const fp = random() >>> 9 || 1;
      const first = Math.floor((random() * buckets) / 4294967296);
      const second = other(first, fp);
      const free1 = freeIn(first);
      const free2 = freeIn(second);
      if (free1 + free2 > 0) {
        place(free2 > free1 ? second : first, fp, epoch);
        continue;
      }
      if (counting) bothFull++;
      let bucket = random() & 1 ? second : first;
      let carried = fp;
      let carriedAt = epoch;
      let placed = false;
      for (let m = 0; m < MAX_MOVES && !placed; m++) {
        if (counting) moves++;
        const slot = bucket * SLOTS + (random() & (SLOTS - 1));
        const evicted = fingerprint[slot];
        const evictedAt = recorded[slot];
        fingerprint[slot] = carried;
        recorded[slot] = carriedAt;
        carried = evicted;
        carriedAt = evictedAt;
        bucket = other(bucket, carried);
        placed = place(bucket, carried, carriedAt);
      }
      if (!placed && counting) gaveUp++;
    }
  }
  return { bothFull: bothFull / IDS, movesPerInsert: moves / Math.max(1, bothFull), movesPerId: moves / IDS, gaveUp };
}

console.log(`model of the Deduplicator's table, ${IDS.toLocaleString("en")} fresh ids an hour, fourth hour`);
console.log("design load | ids finding both buckets full | moves per such id | moves per id | gave up");
for (const load of [0.7, 0.75, 0.8, 0.85, 0.9]) {
  const r = model(load);
  console.log(`${load.toFixed(2).padStart(11)} | ${(100 * r.bothFull).toFixed(1).padStart(28)} % | ${r.movesPerInsert.toFixed(2).padStart(17)} | ${r.movesPerId.toFixed(3).padStart(12)} | ${r.gaveUp}`);
}
