import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createEnvelope } from "../src/codec/index.js";
import { AllowList, DecodeError, formatIp, InvalidArgumentError } from "../src/compliance/index.js";

// Brute-force reference: entries as (version, network bigint, prefix), a
// linear scan per lookup, arithmetic in bigint (independent of the words).
interface RefEntry {
  readonly version: 4 | 6;
  readonly network: bigint;
  readonly prefix: number;
}
const bitsOf = (version: 4 | 6): number => (version === 4 ? 32 : 128);
const maskOf = (version: 4 | 6, prefix: number): bigint => {
  const bits = BigInt(bitsOf(version));
  return ((1n << bits) - 1n) ^ ((1n << (bits - BigInt(prefix))) - 1n);
};
const textOf = (version: 4 | 6, value: bigint): string => {
  const words = new Uint32Array(4);
  if (version === 4) words[0] = Number(value);
  else for (let w = 0; w < 4; w++) words[w] = Number((value >> BigInt(96 - 32 * w)) & 0xffffffffn);
  return formatIp(version, words);
};
function refHas(entries: readonly RefEntry[], version: 4 | 6, address: bigint): boolean {
  return entries.some((e) => e.version === version && (address & maskOf(version, e.prefix)) === e.network);
}

// Addresses near a few bases, so that ranges and lookups overlap often.
const v4Bases = [0x0a000000n, 0xc0000200n, 0xffffff00n, 0n];
const v6Bases = [0x20010db8n << 96n, 0xfe80n << 112n, 0n, ((1n << 128n) - 1n) ^ 0xffffn];
const address = fc
  .tuple(fc.boolean(), fc.nat(3), fc.bigInt({ min: 0n, max: (1n << 20n) - 1n }), fc.nat(24))
  .map(([six, base, low, shift]) => {
    const version: 4 | 6 = six ? 6 : 4;
    const bits = BigInt(bitsOf(version));
    const value = ((six ? v6Bases[base]! : v4Bases[base]!) ^ (low << BigInt(six ? shift * 4 : shift % 12))) & ((1n << bits) - 1n);
    return { version, value };
  });
const range = fc.tuple(address, fc.nat(128)).map(([a, p]) => {
  const prefix = a.version === 4 ? p % 33 : p;
  return { version: a.version, network: a.value & maskOf(a.version, prefix), prefix, text: `${textOf(a.version, a.value)}/${prefix}` };
});
interface RangeOp { readonly version: 4 | 6; readonly network: bigint; readonly prefix: number; readonly text: string }
type Op = (RangeOp & { op: "add" }) | (RangeOp & { op: "remove" }) | { op: "has"; version: 4 | 6; value: bigint };
const op: fc.Arbitrary<Op> = fc.oneof(
  range.map((r) => ({ op: "add" as const, ...r })),
  range.map((r) => ({ op: "remove" as const, ...r })),
  address.map((a) => ({ op: "has" as const, ...a })),
  address.map((a) => ({ op: "has" as const, ...a })),
);

describe("AllowList", () => {
  it("answers as a brute-force scan after any sequence of adds, removes and lookups", () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 300 }), (ops) => {
        const list = new AllowList();
        let reference: RefEntry[] = [];
        for (const o of ops) {
          if (o.op === "add") {
            const fresh = !reference.some((e) => e.version === o.version && e.network === o.network && e.prefix === o.prefix);
            expect(list.add(o.text)).toBe(fresh);
            if (fresh) reference.push(o);
          } else if (o.op === "remove") {
            const before = reference.length;
            reference = reference.filter((e) => !(e.version === o.version && e.network === o.network && e.prefix === o.prefix));
            expect(list.remove(o.text)).toBe(reference.length < before);
          } else {
            expect(list.has(textOf(o.version, o.value)), textOf(o.version, o.value)).toBe(refHas(reference, o.version, o.value));
          }
          expect(list.size).toBe(reference.length);
        }
        // Every entry's own network and last address are inside; the list's text is canonical.
        for (const e of reference) {
          expect(list.has(textOf(e.version, e.network))).toBe(true);
          expect(list.has(textOf(e.version, e.network | (maskOf(e.version, e.prefix) ^ ((1n << BigInt(bitsOf(e.version))) - 1n))))).toBe(true);
        }
        expect(new Set(list.entries())).toEqual(new Set(reference.map((e) => `${textOf(e.version, e.network)}/${e.prefix}`)));
      }),
      { numRuns: 200 },
    );
  });

  it("answers as a brute-force scan on a tiny universe (nested and sibling ranges added and removed over and over)", () => {
    // Four leading bit patterns x 16 low values x all prefix lengths: the
    // same trie paths are pruned and rebuilt many times in one run.
    const tiny = fc.tuple(fc.nat(3), fc.nat(15)).map(([top, low]) => BigInt(((top << 30) | low) >>> 0));
    const tinyOp = fc.oneof(
      fc.tuple(fc.constantFrom("add" as const, "remove" as const), tiny, fc.nat(32)),
      fc.tuple(fc.constant("has" as const), tiny, fc.constant(0)),
    );
    fc.assert(
      fc.property(fc.array(tinyOp, { maxLength: 400 }), (ops) => {
        const list = new AllowList();
        let reference: RefEntry[] = [];
        for (const [kind, value, prefix] of ops) {
          const network = value & maskOf(4, prefix);
          const text = `${textOf(4, value)}/${prefix}`;
          if (kind === "add") {
            if (list.add(text)) reference.push({ version: 4, network, prefix });
          } else if (kind === "remove") {
            if (list.remove(text)) reference = reference.filter((e) => !(e.network === network && e.prefix === prefix));
          }
          for (const probe of [value, value ^ 0x80000000n, value ^ 0x40000000n, value ^ 1n]) {
            expect(list.has(textOf(4, probe))).toBe(refHas(reference, 4, probe));
          }
        }
        expect(list.size).toBe(reference.length);
        // The image is written by walking the tries: it holds exactly the entries.
        const image = AllowList.fromBytes(list.toBytes()).entries();
        expect(image.sort()).toEqual(reference.map((e) => `${textOf(4, e.network)}/${e.prefix}`).sort());
      }),
      { numRuns: 200 },
    );
  });

  it("keeps answering after growth and many removals (10,000 entries)", () => {
    const list = new AllowList();
    for (let i = 0; i < 10_000; i++) list.add(`10.${(i >> 8) & 255}.${i & 255}.0/24`);
    expect(list.size).toBe(10_000);
    expect(list.has("10.39.15.200")).toBe(true);
    for (let i = 0; i < 10_000; i += 2) list.remove(`10.${(i >> 8) & 255}.${i & 255}.0/24`);
    expect(list.size).toBe(5_000);
    for (let i = 0; i < 10_000; i++) expect(list.has(`10.${(i >> 8) & 255}.${i & 255}.7`)).toBe(i % 2 === 1);
  });

  it("reuses pruned trie nodes without leaving stale paths (remove, then add a sibling path)", () => {
    // 64.0.2.0/24 and 192.0.2.0/24 differ in the first bit only: nodes freed
    // by removing the first are reused for the second, and a stale link from
    // the root would make 64.0.2.x look inside.
    const list = new AllowList(["64.0.2.0/24", "2001:db8::/48"]);
    list.remove("64.0.2.0/24");
    list.remove("2001:db8::/48");
    list.add("192.0.2.0/24");
    list.add("a001:db8::/48");
    expect(list.has("64.0.2.5")).toBe(false);
    expect(list.has("192.0.2.5")).toBe(true);
    expect(list.has("2001:db8::5")).toBe(false);
    expect(list.has("a001:db8::5")).toBe(true);
    expect(list.entries()).toEqual(["192.0.2.0/24", "a001:db8::/48"]);
  });

  it("masks host bits, treats an address as /32 or /128, and removes exactly the entry named", () => {
    const list = new AllowList(["10.1.2.3/8", "2001:DB8::1"]);
    expect(list.entries()).toEqual(["10.0.0.0/8", "2001:db8::1/128"]);
    expect(list.add("10.0.0.0/8")).toBe(false);
    expect(list.remove("10.1.1.1")).toBe(false); // covered, but not an entry
    expect(list.has("10.1.1.1")).toBe(true);
    expect(list.remove("10.9.9.9/8")).toBe(true); // the same entry after masking
    expect(list.has("10.1.1.1")).toBe(false);
    expect(list.has("2001:db8:0:0::1")).toBe(true);
  });

  it("keeps IPv4-mapped IPv6 apart from IPv4, and /0 covers its whole version only", () => {
    const list = new AllowList(["192.0.2.0/24"]);
    expect(list.has("::ffff:192.0.2.1")).toBe(false);
    list.add("0.0.0.0/0");
    expect(list.has("255.255.255.255")).toBe(true);
    expect(list.has("::1")).toBe(false);
    list.add("::/0");
    expect(list.has("::1")).toBe(true);
  });

  it.each(["10.0.0.256", "01.2.3.4", "10.0.0.0/33", "2001:db8::/129", "10.0.0.0/", "10.0.0.0/08", "", "fe80::1%eth0", "1.2.3.4 "])(
    "refuses %j in add and remove, and answers false for it in has",
    (text) => {
      const list = new AllowList(["0.0.0.0/0", "::/0"]);
      expect(() => list.add(text)).toThrow(InvalidArgumentError);
      expect(() => list.remove(text)).toThrow(InvalidArgumentError);
      expect(list.has(text)).toBe(false);
    },
  );

  it("refuses a non-iterable or a string as its entries", () => {
    expect(() => new AllowList("10.0.0.0/8" as unknown as string[])).toThrow(InvalidArgumentError);
    expect(() => new AllowList(null as unknown as string[])).toThrow(InvalidArgumentError);
  });
});

describe("AllowList image", () => {
  it("has the documented bytes (docs/format.md)", () => {
    const bytes = new AllowList(["10.0.0.0/8", "::1"]).toBytes();
    expect([...bytes]).toEqual([
      0x50, 0x54, 0x21, 0x01, 0, 0, 0, 0, // preamble
      1, 0, 0, 0, 1, 0, 0, 0, // counts
      8, 0x00, 0x00, 0x00, 0x0a, // 10.0.0.0/8
      128, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, // ::1/128
    ]);
  });

  it("round-trips, and equal lists give equal bytes whatever the insertion order", () => {
    fc.assert(
      fc.property(fc.array(range, { maxLength: 60 }), (ranges) => {
        const list = new AllowList(ranges.map((r) => r.text));
        const bytes = list.toBytes();
        const back = AllowList.fromBytes(bytes);
        expect(new Set(back.entries())).toEqual(new Set(list.entries()));
        expect(new AllowList([...ranges].reverse().map((r) => r.text)).toBytes()).toEqual(bytes);
        for (const r of ranges) expect(back.has(textOf(r.version, r.network))).toBe(true);
      }),
      { numRuns: 100 },
    );
  });

  it("travels inside an envelope with AllowList.codec", () => {
    const envelope = createEnvelope({ codecs: [AllowList.codec] });
    const back = envelope.decode(envelope.encode({ allow: new AllowList(["192.0.2.0/24"]) })) as { allow: AllowList };
    expect(back.allow).toBeInstanceOf(AllowList);
    expect(back.allow.has("192.0.2.9")).toBe(true);
  });

  const sample = new AllowList(["10.0.0.0/8", "192.0.2.1", "2001:db8::/32", "::1"]).toBytes();

  it.each([
    ["unsorted", [0x50, 0x54, 0x21, 1, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 32, 2, 0, 0, 0, 32, 1, 0, 0, 0], "invalid-field"],
    ["repeated", [0x50, 0x54, 0x21, 1, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 32, 1, 0, 0, 0, 32, 1, 0, 0, 0], "invalid-field"],
    ["host bits", [0x50, 0x54, 0x21, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 8, 1, 0, 0, 0x0a], "invalid-field"],
    ["prefix 33", [0x50, 0x54, 0x21, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 33, 0, 0, 0, 0], "invalid-field"],
    ["huge count", [0x50, 0x54, 0x21, 1, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0], "too-large"],
    ["flags", [0x50, 0x54, 0x21, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], "invalid-field"],
    ["version 2", [0x50, 0x54, 0x21, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], "unsupported-version"],
    ["trailing byte", [...sample, 0], "length-mismatch"],
  ])("rejects %s", (_name, bytes, code) => {
    let caught: unknown;
    try {
      AllowList.fromBytes(Uint8Array.from(bytes as number[]));
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(DecodeError);
    expect((caught as DecodeError).code).toBe(code);
  });

  it("rejects every truncation with DecodeError", () => {
    for (let length = 0; length < sample.length; length++) {
      expect(() => AllowList.fromBytes(sample.subarray(0, length)), `length ${length}`).toThrow(DecodeError);
    }
  });

  it("fuzz: random bytes and bit flips either throw DecodeError or decode to a list that re-encodes to the same bytes", () => {
    const check = (bytes: Uint8Array): void => {
      let list: AllowList;
      try {
        list = AllowList.fromBytes(bytes);
      } catch (error) {
        expect(error).toBeInstanceOf(DecodeError);
        return;
      }
      expect(list.toBytes()).toEqual(Uint8Array.from(bytes));
      list.has("10.1.1.1");
    };
    fc.assert(fc.property(fc.uint8Array({ maxLength: 80 }), (bytes) => check(bytes)), { numRuns: 500 });
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (tail) => check(Uint8Array.from([0x50, 0x54, 0x21, 1, 0, 0, 0, 0, ...tail]))),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(fc.nat(sample.length * 8 - 1), (bit) => {
        const flipped = Uint8Array.from(sample);
        flipped[bit >> 3]! ^= 1 << (bit & 7);
        check(flipped);
      }),
      { numRuns: 500 },
    );
  });
});
