// AllowList.has on 10,000 entries (IPv4 and IPv6 CIDR ranges of many prefix
// lengths), beside node:net's BlockList.check on the same entries and the
// same addresses, measured in the same run, alternating. Figures are
// measured, never asserted; the machine may be shared, so compare rows of one
// run only.
//
// Entries: 7,000 IPv4 ranges (prefix /8 to /32, seeded mulberry32) and 3,000
// IPv6 ranges (/16 to /128). Lookups: 200,000 addresses, half drawn inside a
// random entry, half uniform (mostly outside), IPv4:IPv6 = 7:3.
//
// Run: npx tsup && node bench/allow-list.mjs

import { BlockList } from "node:net";
import { AllowList, formatIp, parseIpInto } from "../dist/compliance/index.js";
import { mulberry32 } from "./workloads.mjs";
import { median } from "./stats.mjs";

const next = mulberry32(7);
const u32 = () => next();
const random = () => next() / 2 ** 32;
const mask = (bits) => (bits <= 0 ? 0 : bits >= 32 ? 0xffffffff : (0xffffffff << (32 - bits)) >>> 0);

const entries = [];
for (let i = 0; i < 7_000; i++) {
  const prefix = 8 + Math.floor(random() * 25);
  const words = Uint32Array.of(u32() & mask(prefix), 0, 0, 0);
  entries.push({ version: 4, words, prefix, text: `${formatIp(4, words)}/${prefix}` });
}
for (let i = 0; i < 3_000; i++) {
  const prefix = 16 + Math.floor(random() * 113);
  const words = new Uint32Array(4);
  for (let w = 0; w < 4; w++) words[w] = u32() & mask(prefix - 32 * w);
  entries.push({ version: 6, words, prefix, text: `${formatIp(6, words)}/${prefix}` });
}

const allow = new AllowList(entries.map((e) => e.text));
const blocks = new BlockList();
for (const e of entries) blocks.addSubnet(formatIp(e.version, e.words), e.prefix, e.version === 4 ? "ipv4" : "ipv6");

const addresses = [];
for (let i = 0; i < 200_000; i++) {
  const v6 = random() < 0.3;
  const words = new Uint32Array(4);
  if (random() < 0.5) {
    const candidates = entries.filter((e) => (e.version === 6) === v6);
    const e = candidates[Math.floor(random() * candidates.length)];
    for (let w = 0; w < (v6 ? 4 : 1); w++) words[w] = (e.words[w] | (u32() & ~mask(e.prefix - 32 * w))) >>> 0;
  } else {
    for (let w = 0; w < (v6 ? 4 : 1); w++) words[w] = u32();
  }
  addresses.push({ text: formatIp(v6 ? 6 : 4, words), family: v6 ? "ipv6" : "ipv4" });
}
const texts = addresses.map((a) => a.text);

// Sanity: both answer the same for every address.
let hits = 0;
for (const a of addresses) {
  const ours = allow.has(a.text);
  if (ours !== blocks.check(a.text, a.family)) throw new Error(`answers differ for ${a.text}`);
  if (ours) hits++;
}

function nsPerCall(fn, items) {
  const start = process.hrtime.bigint();
  let found = 0;
  for (let i = 0; i < items.length; i++) if (fn(items[i])) found++;
  const ns = Number(process.hrtime.bigint() - start) / items.length;
  if (found !== hits) throw new Error("count changed");
  return ns;
}

const words = new Uint32Array(4);
const peerSample = addresses.slice(0, 2_000);
let peerHits = 0;
for (const a of peerSample) if (blocks.check(a.text, a.family)) peerHits++;
const ours = [];
const parsed = [];
const parseOnly = [];
const peer = [];
for (let run = 0; run < 5; run++) {
  ours.push(nsPerCall((t) => allow.has(t), texts));
  parsed.push(nsPerCall((t) => allow.hasParsed(parseIpInto(t, words), words), texts));
  {
    const start = process.hrtime.bigint();
    let v = 0;
    for (let i = 0; i < texts.length; i++) v += parseIpInto(texts[i], words);
    parseOnly.push(Number(process.hrtime.bigint() - start) / texts.length + (v < 0 ? 1 : 0));
  }
  {
    // BlockList scans its rules linearly: time it on a 2,000-address sample.
    const start = process.hrtime.bigint();
    let found = 0;
    for (const a of peerSample) if (blocks.check(a.text, a.family)) found++;
    if (found !== peerHits) throw new Error("peer count changed");
    peer.push(Number(process.hrtime.bigint() - start) / peerSample.length);
  }
}

console.log(`AllowList vs node:net BlockList, ${entries.length} entries (7,000 IPv4 /8-/32, 3,000 IPv6 /16-/128), ${texts.length} lookups, ${hits} inside`);
console.log(`  prefix lengths present: IPv4 ${new Set(entries.filter((e) => e.version === 4).map((e) => e.prefix)).size}, IPv6 ${new Set(entries.filter((e) => e.version === 6).map((e) => e.prefix)).size}`);
console.log(`  AllowList.has(text)          ${median(ours).toFixed(0)} ns/lookup (median of 5)`);
console.log(`  of which parseIpInto         ${median(parseOnly).toFixed(0)} ns`);
console.log(`  AllowList.hasParsed          ${median(parsed).toFixed(0)} ns/lookup incl. parse`);
console.log(`  BlockList.check (peer)       ${median(peer).toFixed(0)} ns/lookup`);
