// The Deduplicator's WebAssembly kernel in headless Chromium (Debian's,
// driven by playwright-core): a page compiles it synchronously on its main
// thread (Chromium refuses that above 4 KB; the module is about 2.6 KB), and
// the same checks and cuckoo moves there give the same answers and leave the
// same table as in Node.
import { expect, it } from "vitest";
import { createDedupKernel, dedupKernelModuleBytes, TABLE_AT } from "../src/compliance/dedup-kernel.js";
import { tableGeometry } from "../src/compliance/dedup-table.js";
import { MESSAGE_AT } from "../src/hashing/siphash-wasm.js";
import { describeInChromium } from "./support/chromium.js";

interface Run {
  readonly module: number[];
  readonly params: number[];
  readonly pages: number;
  readonly ids: string[];
  readonly at: number;
  readonly tableAt: number;
}

/** Checks every id (kind "login") at epoch 3 with the kernel's raw exports: the codes, then a checksum of the memory from the table on. */
function drive({ module, params, pages, ids, at, tableAt }: Run): { codes: number[]; checksum: number } {
  const memory = new WebAssembly.Memory({ initial: pages });
  const instance = new WebAssembly.Instance(new WebAssembly.Module(new Uint8Array(module)), { env: { memory } });
  type Call = (start: number, length: number, epochLow: number) => number;
  const check = instance.exports["check"] as Call;
  const insert = instance.exports["insert"] as Call;
  const bytes = new Uint8Array(memory.buffer);
  bytes.set(params, 0);
  const prefix = [..."login"].map((c) => c.charCodeAt(0)).concat(0xff);
  bytes.set(prefix, at);
  const codes: number[] = [];
  for (const id of ids) {
    for (let i = 0; i < id.length; i++) bytes[at + prefix.length + i] = id.charCodeAt(i);
    const code = check(at, prefix.length + id.length, 3);
    codes.push(code, code === -2 ? insert(0, 0, 3) : 0);
  }
  const words = new Int32Array(memory.buffer, tableAt);
  let checksum = 0;
  for (let i = 0; i < words.length; i++) checksum = (Math.imul(checksum, 31) + (words[i] as number)) | 0;
  return { codes, checksum };
}

describeInChromium("Deduplicator WebAssembly kernel in headless Chromium", (browser) => {
  it("compiles on the main thread and checks, moves and gives up exactly as in Node", async () => {
    const key = Uint8Array.from({ length: 16 }, (_, i) => (i * 41 + 9) & 0xff);
    const kernel = createDedupKernel(tableGeometry(2_000, 1e-6), key, "1-3");
    expect(kernel).toBeDefined();
    const memory = kernel!.words.buffer;
    const run: Run = {
      module: Array.from(dedupKernelModuleBytes()),
      params: Array.from(new Uint8Array(memory, 0, 64)),
      pages: memory.byteLength / 65_536,
      // Half again the capacity at one epoch: the table fills, moves entries, and gives up; every tenth id repeats one before it.
      ids: Array.from({ length: 3_000 }, (_, i) => `id-${i % 10 === 9 ? i - 5 : i}`),
      at: MESSAGE_AT,
      tableAt: TABLE_AT,
    };
    const inNode = drive(run);
    const page = await browser().newPage();
    const inPage = await page.evaluate(drive, run);
    await page.close();
    const count = (code: number) => inNode.codes.filter((c, i) => i % 2 === 0 && c === code).length;
    expect(count(-1)).toBeGreaterThanOrEqual(290); // the repeats (and false positives at most a handful)
    expect(count(-2)).toBeGreaterThan(100); // both buckets full: moves
    expect(inNode.codes.filter((c, i) => i % 2 === 1 && c === -4).length).toBeGreaterThan(0); // moves that gave up
    expect(inPage.codes).toEqual(inNode.codes);
    expect(inPage.checksum).toBe(inNode.checksum);
  }, 60_000);
});
