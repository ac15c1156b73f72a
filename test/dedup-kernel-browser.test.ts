// The Deduplicator's WebAssembly kernel in headless Chromium (Debian's,
// driven by playwright-core): a page compiles it synchronously on its main
// thread (Chromium refuses that above 4 KB; the module is about 3.2 KB), and
// the same runs of checks and cuckoo moves there give the same answers and
// leave the same table as in Node, and so does a sweep of one epoch.
import { expect, it } from "vitest";
import { CHECKS_AT, createDedupKernel, dedupKernelModuleBytes, MAX_CHECKS, MESSAGES_AT, TABLE_AT } from "../src/compliance/dedup-kernel.js";
import { tableGeometry } from "../src/compliance/dedup-table.js";
import { describeInChromium } from "./support/chromium.js";

interface Run {
  readonly module: number[];
  readonly params: number[];
  readonly pages: number;
  readonly ids: string[];
  /** Checked at epoch 4 after `ids`, then the sweep clears epoch 3. */
  readonly later: string[];
  readonly slots: number;
  readonly checksAt: number;
  readonly messagesAt: number;
  readonly maxChecks: number;
  readonly tableAt: number;
}

/**
 * Checks every id (kind "login") at epoch 3, then the later ones at epoch 4,
 * with the kernel's raw `checks` export, in runs of up to `maxChecks` laid
 * out by hand: the codes (a run that gave up ends early; the rest go into
 * the next) and a checksum of the memory from the table on; then the raw
 * `sweep` export clears the entries of epoch 3: the checksum after it, and
 * the slots left (words not 0).
 */
function drive({ module, params, pages, ids, later, slots, checksAt, messagesAt, maxChecks, tableAt }: Run): { codes: number[]; checksum: number; swept: number; left: number } {
  const memory = new WebAssembly.Memory({ initial: pages });
  const instance = new WebAssembly.Instance(new WebAssembly.Module(new Uint8Array(module)), { env: { memory } });
  const checks = instance.exports["checks"] as (count: number, unused: number, epochLow: number) => number;
  const sweep = instance.exports["sweep"] as (slots: number, unused: number, expiring: number) => number;
  const bytes = new Uint8Array(memory.buffer);
  const words = new Int32Array(memory.buffer);
  bytes.set(params, 0);
  words[0] = 0x9e3779b9 | 0; // the cuckoo moves' random state
  const prefix = [..."login"].map((c) => c.charCodeAt(0)).concat(0xff);
  const codes: number[] = [];
  const checkAll = (list: string[], epochLow: number) => {
    let next = 0;
    while (next < list.length) {
      const count = Math.min(maxChecks, list.length - next);
      let at = messagesAt;
      for (let k = 0; k < count; k++) {
        const id = list[next + k] as string;
        bytes.set(prefix, at);
        for (let i = 0; i < id.length; i++) bytes[at + prefix.length + i] = id.charCodeAt(i);
        words[(checksAt >> 2) + 4 * k] = at;
        words[(checksAt >> 2) + 4 * k + 1] = prefix.length + id.length;
        at += prefix.length + id.length;
      }
      const ran = checks(count, 0, epochLow);
      for (let k = 0; k < ran; k++) codes.push(words[(checksAt >> 2) + 4 * k + 3] as number);
      next += ran;
    }
  };
  checkAll(ids, 3);
  checkAll(later, 4);
  const table = new Int32Array(memory.buffer, tableAt);
  const sum = () => {
    let checksum = 0;
    for (let i = 0; i < table.length; i++) checksum = (Math.imul(checksum, 31) + (table[i] as number)) | 0;
    return checksum;
  };
  const checksum = sum();
  sweep(slots, 0, 1 << 3);
  return { codes, checksum, swept: sum(), left: table.filter((word) => word !== 0).length };
}

describeInChromium("Deduplicator WebAssembly kernel in headless Chromium", (browser) => {
  it("compiles on the main thread and checks, moves, gives up and sweeps exactly as in Node", async () => {
    const key = Uint8Array.from({ length: 16 }, (_, i) => (i * 41 + 9) & 0xff);
    // Sized for a load of 0.8 (not today's default) so that the 3,000 ids below overfill it.
    const kernel = createDedupKernel(tableGeometry(2_000, 1e-6, 0.8), key, "1-3");
    expect(kernel).toBeDefined();
    const memory = kernel!.words.buffer;
    const run: Run = {
      module: Array.from(dedupKernelModuleBytes()),
      params: Array.from(new Uint8Array(memory, 0, 64)),
      pages: memory.byteLength / 65_536,
      // Half again the capacity at one epoch: the table fills, moves entries, and gives up; every tenth id repeats one before it.
      ids: Array.from({ length: 3_000 }, (_, i) => `id-${i % 10 === 9 ? i - 5 : i}`),
      later: Array.from({ length: 300 }, (_, i) => `later-${i}`),
      slots: tableGeometry(2_000, 1e-6, 0.8).buckets * 4,
      checksAt: CHECKS_AT,
      messagesAt: MESSAGES_AT,
      maxChecks: MAX_CHECKS,
      tableAt: TABLE_AT,
    };
    const inNode = drive(run);
    const page = await browser().newPage();
    const inPage = await page.evaluate(drive, run);
    await page.close();
    const count = (code: number) => inNode.codes.filter((c) => c === code).length;
    expect(inNode.codes.length).toBe(run.ids.length + run.later.length);
    expect(count(-1)).toBeGreaterThanOrEqual(290); // the repeats (and false positives at most a handful)
    expect(count(16)).toBeGreaterThan(1_000); // written into empty slots
    expect(count(-4)).toBeGreaterThan(0); // moves that gave up
    expect(inPage.codes).toEqual(inNode.codes);
    expect(inPage.checksum).toBe(inNode.checksum);
    // The sweep left the later entries (epoch 4) and cleared the rest.
    expect(inNode.left).toBeGreaterThan(0);
    expect(inNode.left).toBeLessThan(600);
    expect(inPage.swept).toBe(inNode.swept);
    expect(inPage.left).toBe(inNode.left);
  }, 60_000);
});
