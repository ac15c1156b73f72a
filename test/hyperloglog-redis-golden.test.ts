// Golden Redis HyperLogLog strings captured from redis-server 7.0.15 with
// test/fixtures/capture-redis-hll.mjs: checks Redis compatibility on machines
// without a Redis server (hyperloglog-redis.test.ts checks it live).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { HyperLogLog } from "../src/sketches/index.js";

interface Fixture {
  readonly items: string[];
  readonly afterPfadd: string;
  readonly afterPfcount: string;
  readonly pfcount: number;
}
const fixtures = JSON.parse(readFileSync(new URL("./fixtures/redis-hll.json", import.meta.url), "utf8")) as {
  redis: string;
  cases: Record<string, Fixture>;
};
const fromHex = (hex: string) => Uint8Array.from(Buffer.from(hex, "hex"));

describe(`Redis ${fixtures.redis} HyperLogLog strings (golden)`, () => {
  for (const [name, fixture] of Object.entries(fixtures.cases)) {
    it(`${name}: registers and PFCOUNT match`, () => {
      const ours = new HyperLogLog();
      for (const item of fixture.items) ours.add(item);
      const afterPfadd = HyperLogLog.fromRedisBytes(fromHex(fixture.afterPfadd));
      const afterPfcount = HyperLogLog.fromRedisBytes(fromHex(fixture.afterPfcount));
      expect(afterPfadd.registers()).toEqual(ours.registers());
      expect(afterPfcount.registers()).toEqual(ours.registers());
      expect(ours.cardinality()).toBe(fixture.pfcount);
    });
    it(`${name}: our HYLL string has Redis's encoding and registers`, () => {
      const ours = new HyperLogLog();
      for (const item of fixture.items) ours.add(item);
      const bytes = ours.toRedisBytes();
      const theirs = fromHex(fixture.afterPfadd);
      expect(bytes[4]).toBe(theirs[4]);
      // Redis writes the same bytes (cache marked invalid, canonical opcodes).
      expect(Buffer.from(bytes).toString("hex")).toBe(fixture.afterPfadd);
    });
  }
});
