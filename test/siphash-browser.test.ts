// The SipHash WebAssembly module in headless Chromium (Debian's, driven by
// playwright-core): a browser compiles it synchronously on the main thread
// (Chromium refuses that above 4 KB; the module is about 600 bytes) and it
// gives the reference vectors there too, so SipHasher in a browser takes the
// same fast path as in Node.
import { readFileSync } from "node:fs";
import { expect, it } from "vitest";
import { MESSAGE_AT, sipHashModuleBytes } from "../src/hashing/siphash-wasm.js";
import { describeInChromium } from "./support/chromium.js";

const vectors = JSON.parse(readFileSync(new URL("./fixtures/siphash-vectors.json", import.meta.url), "utf8")) as { sip64: string[]; sip13_64: string[] };

describeInChromium("SipHash WebAssembly in headless Chromium", (browser) => {
  it("compiles on the main thread and reproduces the 2-4 and 1-3 vectors", async () => {
    const page = await browser().newPage();
    const hex = await page.evaluate(
      ({ module, at }) => {
        const instance = new WebAssembly.Instance(new WebAssembly.Module(new Uint8Array(module)));
        const memory = instance.exports["memory"] as WebAssembly.Memory;
        type Sip = (start: number, length: number, c: number, d: number, k0l: number, k0h: number, k1l: number, k1h: number) => number;
        const sip = instance.exports["sip"] as Sip;
        const bytes = new Uint8Array(memory.buffer);
        const out: Record<string, string[]> = { sip64: [], sip13_64: [] };
        for (const [name, c, d] of [["sip64", 2, 4], ["sip13_64", 1, 3]] as const) {
          for (let length = 0; length < 64; length++) {
            for (let i = 0; i < length; i++) bytes[at + i] = i;
            sip(at, length, c, d, 0x03020100, 0x07060504, 0x0b0a0908, 0x0f0e0d0c); // the vectors' key 00..0f as little-endian words
            out[name]!.push(Array.from(bytes.subarray(16, 24), (b) => b.toString(16).padStart(2, "0")).join(""));
          }
        }
        return out;
      },
      { module: Array.from(sipHashModuleBytes()), at: MESSAGE_AT },
    );
    expect(hex.sip64).toEqual(vectors.sip64);
    expect(hex.sip13_64).toEqual(vectors.sip13_64);
    await page.close();
  }, 60_000);
});
