// What the main thread and the workers share: the sketches' parameters, the
// wire format of the stream, and the one loop that feeds a chunk of it into
// the sketches. The single-threaded reference runs the same loop, so any
// difference in the merged images would be the merge's fault.
import { HashedKey } from "papertrail/hashing";
import { BloomFilter, CountMinSketch, HyperLogLog } from "papertrail/sketches";

export const OPTIONS = {
  users: {},
  access: { capacity: 1_000_000, falsePositiveRate: 0.001 },
  kinds: { width: 2048, depth: 5 },
};

export function emptySketches() {
  return {
    users: new HyperLogLog(OPTIONS.users),
    access: new BloomFilter(OPTIONS.access),
    kinds: new CountMinSketch(OPTIONS.kinds),
  };
}

/**
 * Feeds one chunk of the stream: lines of `user \t system \t kind \n` in
 * UTF-8. Each field is hashed once from its bytes (a view, no string), and
 * the (user, system) pair from the bytes spanning both fields with the tab
 * between them, so "alice\tbilling" names one pair.
 */
export function feed(bytes, sketches) {
  const key = new HashedKey();
  const { users, access, kinds } = sketches;
  let start = 0;
  let lines = 0;
  while (start < bytes.length) {
    const tab1 = bytes.indexOf(9, start);
    const tab2 = bytes.indexOf(9, tab1 + 1);
    const end = bytes.indexOf(10, tab2 + 1);
    users.addHashed(key.set(bytes.subarray(start, tab1)));
    access.addHashed(key.set(bytes.subarray(start, tab2)));
    kinds.addHashed(key.set(bytes.subarray(tab2 + 1, end)));
    start = end + 1;
    lines++;
  }
  return lines;
}
