// Packaging test: proves that the tarball `npm pack` produces works for users.
//
// It packs the repository (which runs `prepack` -> `npm run build` -> tsup),
// installs the tarball into fresh temporary projects, and then:
//   - checks the tarball's file list (built entry points present, no src/test),
//   - checks every path named by package.json's main/module/types/exports exists,
//   - checks every relative link of README.md and the shipped docs resolves
//     inside the tarball,
//   - imports every subpath from an ESM script and requires it from a CommonJS
//     script, uses something real from each, and compares the two outputs,
//   - loads both copies in one process: sketches of one merge into the other's,
//     instanceof holds across them for sketches and errors, class names are
//     kept, and every subpath exports the error classes,
//   - type checks consumer .ts and .cts files against the installed types with
//     module/moduleResolution nodenext (the "import" and "require" conditions),
//   - checks the root, algebra, hashing and codec entries load without the
//     optional `fast-check` peer dependency.
//
// Slow (packing and installing take several seconds): excluded from
// `npm run test:unit`.
import { spawnSync, type SpawnSyncOptions } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { murmurHash64AReference } from "./reference/murmur64a-bigint.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const tscPath = path.resolve(repoRoot, "node_modules/typescript/bin/tsc");
const isWindows = process.platform === "win32";

const SETUP_TIMEOUT = 180_000;
const STEP_TIMEOUT = 60_000;

/** Runs a command; returns its stdout, or throws with its full output when it fails. */
function run(command: string, args: readonly string[], options: SpawnSyncOptions & { cwd: string }): string {
  const result = spawnSync(command, args, {
    encoding: "utf8",
    timeout: 150_000,
    maxBuffer: 64 * 1024 * 1024,
    shell: isWindows && command === "npm",
    ...options,
    env: {
      ...process.env,
      npm_config_fund: "false",
      npm_config_audit: "false",
      npm_config_update_notifier: "false",
      ...options.env,
    },
  });
  if (result.error !== undefined || result.status !== 0) {
    throw new Error(
      [
        `command failed: ${command} ${args.join(" ")} (in ${options.cwd})`,
        `status: ${result.status}, signal: ${result.signal}, error: ${result.error?.message ?? "none"}`,
        `--- stdout ---\n${String(result.stdout)}`,
        `--- stderr ---\n${String(result.stderr)}`,
      ].join("\n"),
    );
  }
  return String(result.stdout);
}

function writeJson(file: string, value: unknown): void {
  writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
}

/** Markdown without fenced code blocks and inline code spans (links there are not links). */
function withoutCode(markdown: string): string {
  return markdown.replace(/^ {0,3}(```+|~~~+)[^\n]*\n[\s\S]*?^ {0,3}\1[^\n]*$/gm, "").replace(/`[^`\n]*`/g, "");
}

/** Targets of a Markdown page's links and images that are not URLs: `[..](x)`, `[id]: x`, `<a href>`, `<img src>`. */
function relativeLinks(markdown: string): string[] {
  const text = withoutCode(markdown);
  const targets = [
    ...[...text.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((match) => match[1] as string),
    ...[...text.matchAll(/^ {0,3}\[[^\]]+\]:\s*<?([^\s>]+)>?/gm)].map((match) => match[1] as string),
    ...[...text.matchAll(/<(?:a|img)\b[^>]*?\s(?:href|src)\s*=\s*["']([^"']+)["']/gi)].map((match) => match[1] as string),
  ];
  return targets.filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target) && !target.startsWith("//"));
}

/** The anchors a Markdown page's headings get on GitHub (lower case, punctuation dropped, spaces to "-", "-1" on repeats). */
function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  const text = markdown.replace(/^ {0,3}(```+|~~~+)[^\n]*\n[\s\S]*?^ {0,3}\1[^\n]*$/gm, "");
  for (const match of text.matchAll(/^ {0,3}#{1,6}[ \t]+(.+?)[ \t#]*$/gm)) {
    const slug = (match[1] as string)
      .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1")
      .replace(/<[^>]+>/g, "")
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, "")
      .replace(/\s/g, "-");
    const repeats = seen.get(slug) ?? 0;
    seen.set(slug, repeats + 1);
    anchors.add(repeats === 0 ? slug : `${slug}-${repeats}`);
  }
  for (const match of text.matchAll(/<a\s[^>]*?(?:id|name)\s*=\s*["']([^"']+)["']/gi)) anchors.add(match[1] as string);
  return anchors;
}

/** The fast-check version the repository tests against (already in the npm cache). */
function repoFastCheckVersion(): string {
  const manifest = JSON.parse(readFileSync(path.join(repoRoot, "node_modules/fast-check/package.json"), "utf8")) as {
    version: string;
  };
  return manifest.version;
}

// ---------------------------------------------------------------------------
// Consumer scripts: one body, two module headers. The body prints JSON.
// ---------------------------------------------------------------------------

const CHECK_BODY = String.raw`
const imported = {
  combineAll, MonoidSum, MonoidMax, struct, makeSemigroup,
  murmurHash3x86_32, hash64, murmurHash64A, HashedKey,
  encodeCompensatedSum, decodeCompensatedSum, createEnvelope, DecodeError,
  checkLaws, monoidLaws, semigroupLaws,
  HyperLogLog, BloomFilter, CountMinSketch, TopK, Moments, TDigest, RootHyperLogLog,
  RootMonoidSum, RootDecodeError, RootHash64, PaperTrailError, fc,
};
const out = {};
out.missingExports = Object.keys(imported).filter((name) => imported[name] === undefined);

// papertrail/algebra
out.combineAll = combineAll(MonoidSum, [1, 2, 3]);
out.struct = struct({ count: MonoidSum, max: MonoidMax }).combine({ count: 1, max: 5 }, { count: 2, max: 3 });

// papertrail/hashing
out.murmurHash3x86_32 = murmurHash3x86_32("hello");
out.hash64 = hash64("alice").toString();
out.hash64MatchesMurmurHash64A = hash64("alice") === murmurHash64A("alice");
out.hashedKeyHex = new HashedKey().set("user-1").toBigInt().toString(16);

// papertrail/sketches
const hll = new HyperLogLog().add("alice").add("bob").add("alice");
const bloom = new BloomFilter({ capacity: 1000, falsePositiveRate: 0.01 }).add("alice");
const frequencies = new CountMinSketch({ epsilon: 0.01, delta: 0.01 }).add("alice", 3);
out.sketches = {
  hllCount: Math.round(hll.estimate().estimate),
  hllRoundTrip: HyperLogLog.fromBytes(hll.toBytes()).equals(hll),
  hllRedisRoundTrip: Math.round(HyperLogLog.fromRedisBytes(hll.toRedisBytes()).estimate().estimate),
  bloomHas: [bloom.has("alice"), BloomFilter.fromBytes(bloom.toBytes()).has("alice")],
  countMin: CountMinSketch.fromBytes(frequencies.toBytes()).frequency("alice"),
  sameClassFromRoot: RootHyperLogLog === HyperLogLog,
  topK: TopK.fromBytes(new TopK({ capacity: 2 }).add("a").add("b").add("a").toBytes()).top(1).map((e) => [e.item, e.count]),
  moments: Moments.fromBytes(new Moments().addAll([1, 2, 3, 4]).toBytes()).mean,
  tDigestMedian: TDigest.fromBytes(new TDigest().add(1).add(2).add(3).toBytes()).quantile(0.5),
};
const summary = aggregate(join({ events: count(), users: distinctCount() }), ["alice", "bob", "alice"]);
out.aggregators = { events: summary.events, users: Math.round(summary.users.estimate) };
out.windows = { weekStart: new Date(bucketStart(Date.UTC(2026, 0, 1, 12), "week")).toISOString() };

// papertrail/codec (the envelope needs the @msgpack/msgpack dependency)
out.compensatedSum = decodeCompensatedSum(encodeCompensatedSum({ sum: 1, compensation: 0 }));
const envelope = createEnvelope();
const decoded = createEnvelope().decode(envelope.encode(new Map([["a", 1n]])));
out.envelope = {
  isMap: decoded instanceof Map,
  entries: decoded instanceof Map ? [...decoded].map(([key, value]) => [key, typeof value, String(value)]) : null,
};
let caught;
try {
  decodeCompensatedSum(new Uint8Array([1, 2, 3]));
} catch (error) {
  caught = error;
}
out.decodeError = {
  threw: caught !== undefined,
  instanceOfCodecDecodeError: caught instanceof DecodeError,
  instanceOfRootDecodeError: caught instanceof RootDecodeError,
  instanceOfPaperTrailError: caught instanceof PaperTrailError,
  instanceOfError: caught instanceof Error,
  name: caught === undefined ? null : caught.name,
  code: caught === undefined ? null : caught.code,
};

// root entry: re-exports share one instance with the subpaths (no duplicated chunks)
out.sameInstancesAcrossEntries = {
  MonoidSum: RootMonoidSum === MonoidSum,
  DecodeError: RootDecodeError === DecodeError,
  hash64: RootHash64 === hash64,
};

// papertrail/laws with the fast-check peer dependency
let lawsError = null;
try {
  checkLaws(monoidLaws(MonoidSum, fc.integer({ min: -1000, max: 1000 })));
} catch (error) {
  lawsError = String(error && error.message);
}
out.monoidLaws = { names: monoidLaws(MonoidSum, fc.integer()).map((law) => law.name), error: lawsError };
const minus = makeSemigroup({ combine: (a, b) => a - b, commutative: false });
let brokenLawMessage = null;
try {
  checkLaws(semigroupLaws(minus, fc.integer()));
} catch (error) {
  brokenLawMessage = String(error && error.message);
}
out.brokenSemigroupDetected = brokenLawMessage !== null && brokenLawMessage.startsWith("law 'associativity' failed");

console.log(JSON.stringify({ format: FORMAT, resolved: RESOLVED, results: out }));
`;

const CHECK_MJS = `import { fileURLToPath } from "node:url";
import { MonoidSum as RootMonoidSum, DecodeError as RootDecodeError, hash64 as RootHash64, PaperTrailError, HyperLogLog as RootHyperLogLog } from "papertrail";
import { HyperLogLog, BloomFilter, CountMinSketch, TopK, Moments, TDigest } from "papertrail/sketches";
import { aggregate, join, count, distinctCount } from "papertrail/aggregators";
import { bucketStart } from "papertrail/windows";
import { combineAll, MonoidSum, MonoidMax, struct, makeSemigroup } from "papertrail/algebra";
import { murmurHash3x86_32, hash64, murmurHash64A, HashedKey } from "papertrail/hashing";
import { encodeCompensatedSum, decodeCompensatedSum, createEnvelope, DecodeError } from "papertrail/codec";
import { checkLaws, monoidLaws, semigroupLaws } from "papertrail/laws";
import fc from "fast-check";

const FORMAT = "esm";
const RESOLVED = Object.fromEntries(
  ["papertrail", "papertrail/algebra", "papertrail/hashing", "papertrail/codec", "papertrail/sketches", "papertrail/aggregators", "papertrail/windows", "papertrail/compliance", "papertrail/compliance/node", "papertrail/redis", "papertrail/workers", "papertrail/server", "papertrail/laws"].map((id) => [
    id,
    fileURLToPath(import.meta.resolve(id)),
  ]),
);
${CHECK_BODY}`;

const CHECK_CJS = `"use strict";
const { MonoidSum: RootMonoidSum, DecodeError: RootDecodeError, hash64: RootHash64, PaperTrailError, HyperLogLog: RootHyperLogLog } = require("papertrail");
const { HyperLogLog, BloomFilter, CountMinSketch, TopK, Moments, TDigest } = require("papertrail/sketches");
const { aggregate, join, count, distinctCount } = require("papertrail/aggregators");
const { bucketStart } = require("papertrail/windows");
const { combineAll, MonoidSum, MonoidMax, struct, makeSemigroup } = require("papertrail/algebra");
const { murmurHash3x86_32, hash64, murmurHash64A, HashedKey } = require("papertrail/hashing");
const { encodeCompensatedSum, decodeCompensatedSum, createEnvelope, DecodeError } = require("papertrail/codec");
const { checkLaws, monoidLaws, semigroupLaws } = require("papertrail/laws");
const fc = require("fast-check");

const FORMAT = "cjs";
const RESOLVED = Object.fromEntries(
  ["papertrail", "papertrail/algebra", "papertrail/hashing", "papertrail/codec", "papertrail/sketches", "papertrail/aggregators", "papertrail/windows", "papertrail/compliance", "papertrail/compliance/node", "papertrail/redis", "papertrail/workers", "papertrail/server", "papertrail/laws"].map((id) => [
    id,
    require.resolve(id),
  ]),
);
${CHECK_BODY}`;

// Both copies in one process: a program that imports PaperTrail and also gets
// it through a CommonJS dependency holds two copies of every class. The
// brands of src/brand.ts make instanceof and merges work across them.
const SKETCH_NAMES = ["HyperLogLog", "BloomFilter", "CountMinSketch", "TopK", "Moments", "TDigest"] as const;
const ERROR_NAMES = ["PaperTrailError", "ParameterMismatchError", "DecodeError", "InvalidArgumentError"] as const;
const SUBPATHS = ["papertrail", "papertrail/algebra", "papertrail/hashing", "papertrail/codec", "papertrail/sketches", "papertrail/aggregators", "papertrail/windows", "papertrail/compliance", "papertrail/compliance/node", "papertrail/redis", "papertrail/workers", "papertrail/server", "papertrail/laws"] as const;
/** The subpaths that may use Node (node:*, client libraries): checked by the Node consumer, not the browser-style one. */
const NODE_SUBPATHS = ["papertrail/compliance/node", "papertrail/redis", "papertrail/workers", "papertrail/server"] as const;
const BROWSER_SUBPATHS = SUBPATHS.filter((id) => !(NODE_SUBPATHS as readonly string[]).includes(id));

const INTEROP_MJS = String.raw`import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
const SKETCH_NAMES = ${JSON.stringify(SKETCH_NAMES)};
const ERROR_NAMES = ${JSON.stringify(ERROR_NAMES)};
const SUBPATHS = ${JSON.stringify(SUBPATHS)};
const copies = { esm: {}, cjs: {} };
for (const id of SUBPATHS) {
  copies.esm[id] = await import(id);
  copies.cjs[id] = require(id);
}
const sketches = { esm: copies.esm["papertrail/sketches"], cjs: copies.cjs["papertrail/sketches"] };
const root = { esm: copies.esm.papertrail, cjs: copies.cjs.papertrail };
const other = { esm: "cjs", cjs: "esm" };
const out = {};

out.files = {
  esm: fileURLToPath(import.meta.resolve("papertrail/sketches")),
  cjs: require.resolve("papertrail/sketches"),
};
out.twoCopies = SKETCH_NAMES.concat(ERROR_NAMES).filter((name) => copies.esm.papertrail[name] === copies.cjs.papertrail[name]);

// Each family filled with items [from, to); two overlapping halves and their union.
const build = {
  HyperLogLog: (m, from, to) => fill(new m.HyperLogLog(), from, to, (i) => "user-" + i),
  BloomFilter: (m, from, to) => fill(new m.BloomFilter({ capacity: 10000, falsePositiveRate: 0.01 }), from, to, (i) => "user-" + i),
  CountMinSketch: (m, from, to) => fill(new m.CountMinSketch({ epsilon: 0.001, delta: 0.01 }), from, to, (i) => "user-" + (i % 101)),
  TopK: (m, from, to) => fill(new m.TopK({ capacity: 16 }), from, to, (i) => "ip-" + ((i * i) % 37)),
  Moments: (m, from, to) => fill(new m.Moments(), from, to, (i) => (i % 1000) / 7),
  TDigest: (m, from, to) => fill(new m.TDigest(), from, to, (i) => (i * 7919) % 10007),
};
function fill(sketch, from, to, item) {
  for (let i = from; i < to; i++) sketch.add(item(i));
  return sketch;
}
const hex = (bytes) => Buffer.from(bytes).toString("hex");

out.sketches = {};
for (const name of SKETCH_NAMES) {
  const result = {};
  for (const into of ["esm", "cjs"]) {
    const from = other[into];
    const foreign = build[name](sketches[from], 3000, 9000);
    result["instanceof " + into + " class, built by " + from] = foreign instanceof sketches[into][name];
    const single = build[name](sketches[into], 0, 6000).merge(build[name](sketches[into], 3000, 9000));
    let merged;
    try {
      merged = build[name](sketches[into], 0, 6000).merge(foreign);
    } catch (error) {
      result[from + " merged into " + into] = "threw " + String(error && error.message);
      continue;
    }
    result[from + " merged into " + into] = {
      sameBytesAsOneCopyMerge: hex(merged.toBytes()) === hex(single.toBytes()),
      equalsOneCopyMerge: merged.equals(single),
      mergedIsReceiver: merged instanceof sketches[into][name] && Object.getPrototypeOf(merged) === sketches[into][name].prototype,
    };
  }
  out.sketches[name] = result;
}
const hllSingle = build.HyperLogLog(sketches.esm, 0, 6000).merge(build.HyperLogLog(sketches.esm, 3000, 9000));
const hllCross = build.HyperLogLog(sketches.esm, 0, 6000).merge(build.HyperLogLog(sketches.cjs, 3000, 9000));
out.hyperLogLogEstimates = { single: hllSingle.estimate().estimate, cross: hllCross.estimate().estimate };

// Errors thrown by one copy, caught with the other copy's classes.
const provoke = {
  DecodeError: (m) => m["papertrail/sketches"].HyperLogLog.fromBytes(new Uint8Array([1, 2, 3])),
  ParameterMismatchError: (m) =>
    new m["papertrail/sketches"].BloomFilter({ capacity: 100, falsePositiveRate: 0.01 }).merge(
      new m["papertrail/sketches"].BloomFilter({ capacity: 1000, falsePositiveRate: 0.01 }),
    ),
  InvalidArgumentError: (m) => new m["papertrail/sketches"].HyperLogLog({ precision: 99 }),
  PaperTrailError: (m) => {
    throw new m.papertrail.PaperTrailError("refused");
  },
};
out.errors = {};
for (const thrown of ERROR_NAMES) {
  for (const by of ["esm", "cjs"]) {
    let caught;
    try {
      provoke[thrown](copies[by]);
    } catch (error) {
      caught = error;
    }
    const againstOther = Object.fromEntries(ERROR_NAMES.map((name) => [name, caught instanceof root[other[by]][name]]));
    out.errors[thrown + " thrown by " + by] = { name: caught?.name, instanceOfError: caught instanceof Error, ...againstOther };
  }
}

// Class names survive the bundle in both builds.
out.classNames = {};
for (const format of ["esm", "cjs"]) {
  const wrong = [];
  for (const id of SUBPATHS) {
    for (const [exported, value] of Object.entries(copies[format][id])) {
      if (typeof value === "function" && /^class\b/.test(Function.prototype.toString.call(value)) && value.name !== exported) {
        wrong.push(id + ": " + exported + ".name is " + JSON.stringify(value.name));
      }
    }
  }
  let message = null;
  try {
    new sketches[format].BloomFilter({ capacity: 100, falsePositiveRate: 0.01 }).merge(new sketches[format].HyperLogLog());
  } catch (error) {
    message = String(error && error.message);
  }
  out.classNames[format] = { HyperLogLog: sketches[format].HyperLogLog.name, wrong, mismatchMessage: message };
}

// Each entry point exports the error classes (the same objects as the root's).
out.errorExports = {};
for (const format of ["esm", "cjs"]) {
  for (const id of SUBPATHS) {
    out.errorExports[format + " " + id] = ERROR_NAMES.filter((name) => copies[format][id][name] === root[format][name]);
  }
}

console.log(JSON.stringify(out));
`;

// Consumer TypeScript: type-level checks against the installed declarations.
// The @ts-expect-error lines fail compilation if the types degrade to `any`.
const CONSUMER_TS = `import {
  combineAll,
  MonoidSum,
  MonoidMax,
  struct,
  hash64,
  HashedKey,
  murmurHash3x86_32,
  createEnvelope,
  encodeCompensatedSum,
  decodeCompensatedSum,
  DecodeError,
  PaperTrailError,
  type CompensatedSum,
  type DecodeErrorCode,
  type Monoid,
} from "papertrail";
import { MonoidSum as AlgebraMonoidSum } from "papertrail/algebra";
import { murmurHash64A } from "papertrail/hashing";
import { createEnvelope as codecCreateEnvelope, type Envelope } from "papertrail/codec";
import { checkLaws, monoidLaws, type Law } from "papertrail/laws";
import { ParameterMismatchError, vectorSum } from "papertrail/algebra";
import { HyperLogLog, BloomFilter, CountMinSketch, TopK, Moments, TDigest } from "papertrail/sketches";
import fc from "fast-check";
${BROWSER_SUBPATHS.map((id, i) => `import * as entry${i} from "${id}";`).join("\n")}

export const total: number = combineAll(MonoidSum, [1, 2, 3]);
export const merged: { readonly count: number; readonly max: number } = struct({ count: MonoidSum, max: MonoidMax }).combine(
  { count: 1, max: 5 },
  { count: 2, max: 3 },
);
export const sameHash: boolean = hash64("alice") === murmurHash64A("alice");
export const hex: string = new HashedKey().set("user-1").toBigInt().toString(16);
export const m32: number = murmurHash3x86_32("hello");
export const roundTrip: CompensatedSum = decodeCompensatedSum(encodeCompensatedSum({ sum: 1, compensation: 0 }));
const envelope: Envelope = codecCreateEnvelope();
export const decoded: unknown = createEnvelope().decode(envelope.encode(new Map([["a", 1n]])));
export let code: DecodeErrorCode | undefined;
try {
  decodeCompensatedSum(new Uint8Array([1, 2, 3]));
} catch (error) {
  if (error instanceof DecodeError) code = error.code;
}
export const laws: Law[] = monoidLaws(MonoidSum, fc.integer({ min: -1000, max: 1000 }));
checkLaws(laws);
export const sameMonoid: Monoid<number> = AlgebraMonoidSum;

// Every entry point exports the error classes its functions throw.
export const errorClasses: readonly (abstract new (...args: never[]) => PaperTrailError)[] = [
  ${BROWSER_SUBPATHS.flatMap((_, i) => ERROR_NAMES.map((name) => `entry${i}.${name}`)).join(", ")},
];
export let mismatchSides: [string, string] | undefined;
try {
  vectorSum(3).combine(new Float64Array(3), new Float64Array(4));
} catch (error) {
  if (error instanceof ParameterMismatchError) mismatchSides = [error.left, error.right];
}

// An image transfers to a worker without a cast: toBytes() returns a
// Uint8Array<ArrayBuffer>, whose buffer is an ArrayBuffer (a SharedArrayBuffer
// cannot be transferred). The DOM's Transferable accepts any object, so the
// worker-style API below names ArrayBuffer as worker_threads does.
declare function postToWorker(message: Uint8Array, transfer: readonly ArrayBuffer[]): void;
const image = new HyperLogLog().add("alice").toBytes();
export const transferred: Uint8Array<ArrayBuffer> = structuredClone(image, { transfer: [image.buffer] });
for (const bytes of [
  image,
  new BloomFilter({ capacity: 10, falsePositiveRate: 0.01 }).toBytes(),
  new CountMinSketch({ epsilon: 0.01, delta: 0.01 }).toBytes(),
  new TopK({ capacity: 2 }).toBytes(),
  new Moments().toBytes(),
  new TDigest().toBytes(),
]) {
  postToWorker(bytes, [bytes.buffer]);
}

// @ts-expect-error a Monoid<number> cannot combine strings
combineAll(MonoidSum, ["a"]);
// @ts-expect-error monoidLaws needs an Arbitrary of the monoid's element type
monoidLaws(MonoidSum, fc.string());
// @ts-expect-error "nope" is not a DecodeErrorCode
export const badCode: DecodeErrorCode = "nope";
`;

interface CheckOutput {
  format: string;
  resolved: Record<string, string>;
  results: Record<string, unknown>;
}

describe("packaging: the packed tarball works for ESM, CommonJS and TypeScript users", () => {
  const tempDirs: string[] = [];
  let tarball = "";
  let tarballFiles: string[] = [];
  let project = "";
  let projectWithoutPeer = "";

  function makeTempDir(prefix: string): string {
    const dir = mkdtempSync(path.join(tmpdir(), prefix));
    tempDirs.push(dir);
    return dir;
  }

  beforeAll(() => {
    // 1. npm pack (prepack runs the tsup build).
    const packDir = makeTempDir("papertrail-pack-");
    run("npm", ["pack", "--pack-destination", packDir], { cwd: repoRoot });
    const tarballs = readdirSync(packDir).filter((name) => name.endsWith(".tgz"));
    if (tarballs.length !== 1) throw new Error(`expected one tarball in ${packDir}, found: ${JSON.stringify(tarballs)}`);
    tarball = path.join(packDir, tarballs[0] as string);
    tarballFiles = run("tar", ["-tzf", tarball], { cwd: packDir })
      .split("\n")
      .map((line) => line.trim())
      .filter((line) => line !== "")
      .map((line) => line.replace(/^package\//, ""));

    // 2. A fresh consumer project with the tarball and the fast-check peer.
    project = makeTempDir("papertrail-consumer-");
    writeJson(path.join(project, "package.json"), {
      name: "papertrail-packaging-consumer",
      version: "0.0.0",
      private: true,
      type: "module",
    });
    run(
      "npm",
      ["install", tarball, `fast-check@${repoFastCheckVersion()}`, "--no-audit", "--no-fund", "--prefer-offline"],
      { cwd: project },
    );
    writeFileSync(path.join(project, "check.mjs"), CHECK_MJS);
    writeFileSync(path.join(project, "check.cjs"), CHECK_CJS);

    // 3. A second project without the optional fast-check peer.
    projectWithoutPeer = makeTempDir("papertrail-no-peer-");
    writeJson(path.join(projectWithoutPeer, "package.json"), {
      name: "papertrail-packaging-no-peer",
      version: "0.0.0",
      private: true,
      type: "module",
    });
    run("npm", ["install", tarball, "--no-audit", "--no-fund", "--prefer-offline"], { cwd: projectWithoutPeer });
  }, SETUP_TIMEOUT);

  afterAll(() => {
    for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  });

  it("tarball contains the built entry points and no sources or tests", () => {
    for (const file of ["package.json", "README.md", "LICENSE", "docs/format.md", "docs/performance.md", "dist/index.js", "dist/index.cjs", "dist/index.d.ts", "dist/index.d.cts", "dist/laws/index.d.cts"]) {
      expect(tarballFiles, `tarball should contain ${file}; it has:\n${tarballFiles.join("\n")}`).toContain(file);
    }
    const forbidden = tarballFiles.filter(
      (file) => /^(src|test|bench|examples|node_modules)\//.test(file) || /^tsconfig.*\.json$/.test(file) || file === "tsup.config.ts",
    );
    expect(forbidden, "tarball should not contain src/, test/, node_modules/ or build configuration").toEqual([]);
  });

  it("the built string hasher keeps its String.prototype probe (see src/hashing/utf8.ts)", () => {
    const dist = path.join(project, "node_modules", "papertrail", "dist");
    for (const extension of [".js", ".cjs"]) {
      const chunks = readdirSync(dist).filter((name) => name.endsWith(extension));
      const withProbe = chunks.filter((name) =>
        readFileSync(path.join(dist, name), "utf8").includes("String.prototype.charCodeAt"),
      );
      expect(withProbe.length, `a ${extension} chunk should read String.prototype.charCodeAt`).toBeGreaterThan(0);
    }
  });

  it("the declarations leave out what the sources mark @internal (tsconfig stripInternal), such as TopK.addStringHashed", () => {
    const dist = path.join(project, "node_modules", "papertrail", "dist");
    const declarations = tarballFiles.filter((file) => /\.d\.c?ts$/.test(file));
    expect(declarations.length).toBeGreaterThan(10);
    const leaking = declarations.filter((file) => readFileSync(path.join(dist, "..", file), "utf8").includes("@internal"));
    expect(leaking, "declaration files with @internal members").toEqual([]);
    const topK = declarations.map((file) => readFileSync(path.join(dist, "..", file), "utf8")).find((text) => text.includes("declare class TopK"));
    expect(topK, "a declaration file declares TopK").toBeDefined();
    expect(topK).toContain("add(item: TopKItem, count?: number): this;");
    expect(topK).not.toContain("addStringHashed");
    const all = declarations.map((file) => readFileSync(path.join(dist, "..", file), "utf8")).join("\n");
    for (const member of ["addStringHashed", "get tableHash", "fromKeyObject"]) expect(all, `declarations should not name ${member}`).not.toContain(member);
  });

  it("every file named by main, module, types and the exports map is in the tarball", () => {
    const manifest = JSON.parse(readFileSync(path.join(project, "node_modules/papertrail/package.json"), "utf8")) as {
      main: string;
      module: string;
      types: string;
      exports: Record<string, unknown>;
    };
    const targets = new Set<string>([manifest.main, manifest.module, manifest.types]);
    const collect = (value: unknown): void => {
      if (typeof value === "string") targets.add(value);
      else if (value !== null && typeof value === "object") for (const inner of Object.values(value)) collect(inner);
    };
    collect(manifest.exports);
    expect(Object.keys(manifest.exports).sort(), "exports map subpaths").toEqual(
      [".", "./aggregators", "./algebra", "./codec", "./compliance", "./compliance/node", "./hashing", "./redis", "./workers", "./server", "./laws", "./package.json", "./sketches", "./windows"].sort(),
    );
    const missing = [...targets].map((target) => target.replace(/^\.\//, "")).filter((target) => !tarballFiles.includes(target));
    expect(missing, "paths referenced by package.json but absent from the tarball").toEqual([]);
  });

  it("every relative link in README.md and the shipped docs names a file in the tarball (and a heading there)", () => {
    const installed = path.join(project, "node_modules", "papertrail");
    const pages = tarballFiles.filter((file) => file === "README.md" || /^docs\/.*\.md$/.test(file));
    const broken: string[] = [];
    let checked = 0;
    for (const page of pages) {
      for (const link of relativeLinks(readFileSync(path.join(installed, page), "utf8"))) {
        checked += 1;
        const [target = "", fragment] = decodeURI(link).split("#", 2);
        const file = target === "" ? page : path.posix.normalize(path.posix.join(path.posix.dirname(page), target));
        if (!tarballFiles.includes(file)) {
          broken.push(`${page}: ${link} (${file} is not in the tarball)`);
        } else if (fragment !== undefined && fragment !== "" && file.endsWith(".md")) {
          if (!headingAnchors(readFileSync(path.join(installed, file), "utf8")).has(fragment)) {
            broken.push(`${page}: ${link} (${file} has no heading #${fragment})`);
          }
        }
      }
    }
    expect(broken, "links from the shipped pages to files or headings missing in the tarball").toEqual([]);
    expect(pages, "README.md and docs/*.md are shipped").toEqual(expect.arrayContaining(["README.md", "docs/performance.md"]));
    expect(checked, "README.md links its guides").toBeGreaterThan(5);
  });

  describe("runtime", () => {
    let esm: CheckOutput;
    let cjs: CheckOutput;

    beforeAll(() => {
      esm = JSON.parse(run(process.execPath, ["check.mjs"], { cwd: project })) as CheckOutput;
      cjs = JSON.parse(run(process.execPath, ["check.cjs"], { cwd: project })) as CheckOutput;
    }, STEP_TIMEOUT);

    it("ESM imports resolve to the .js builds and require() to the .cjs builds", () => {
      const installed = path.join(project, "node_modules", "papertrail", "dist");
      const expected: Record<string, string> = {
        papertrail: "index",
        "papertrail/algebra": "algebra/index",
        "papertrail/hashing": "hashing/index",
        "papertrail/codec": "codec/index",
        "papertrail/sketches": "sketches/index",
        "papertrail/aggregators": "aggregators/index",
        "papertrail/windows": "windows/index",
        "papertrail/compliance": "compliance/index",
        "papertrail/compliance/node": "compliance/node/index",
        "papertrail/redis": "redis/index",
        "papertrail/workers": "workers/index",
        "papertrail/server": "server/index",
        "papertrail/laws": "laws/index",
      };
      for (const [id, file] of Object.entries(expected)) {
        expect(esm.resolved[id], `import "${id}" should resolve to dist/${file}.js`).toBe(path.join(installed, `${file}.js`));
        expect(cjs.resolved[id], `require("${id}") should resolve to dist/${file}.cjs`).toBe(path.join(installed, `${file}.cjs`));
      }
    });

    it.each(["esm", "cjs"] as const)("%s consumer gets the right values from every subpath", (format) => {
      const { results } = format === "esm" ? esm : cjs;
      expect(results.missingExports, `${format}: named exports that came back undefined`).toEqual([]);
      expect(results.combineAll, `${format}: combineAll(MonoidSum, [1, 2, 3])`).toBe(6);
      expect(results.struct, `${format}: struct({count: MonoidSum, max: MonoidMax}).combine(...)`).toEqual({ count: 3, max: 5 });
      expect(results.murmurHash3x86_32, `${format}: murmurHash3x86_32("hello")`).toBe(613153351);
      expect(results.hash64MatchesMurmurHash64A, `${format}: hash64("alice") === murmurHash64A("alice")`).toBe(true);
      const seed = 0xadc83b19;
      expect(results.hash64, `${format}: hash64("alice") against the BigInt reference MurmurHash64A`).toBe(
        murmurHash64AReference(new TextEncoder().encode("alice"), seed).toString(),
      );
      expect(results.hashedKeyHex, `${format}: HashedKey.set("user-1") against the BigInt reference MurmurHash64A`).toBe(
        murmurHash64AReference(new TextEncoder().encode("user-1"), seed).toString(16),
      );
      expect(results.sketches, `${format}: papertrail/sketches HyperLogLog, BloomFilter, CountMinSketch`).toEqual({
        hllCount: 2,
        hllRoundTrip: true,
        hllRedisRoundTrip: 2,
        bloomHas: [true, true],
        countMin: 3,
        sameClassFromRoot: true,
        topK: [["a", 2]],
        moments: 2.5,
        tDigestMedian: 2,
      });
      expect(results.aggregators, `${format}: papertrail/aggregators join of count and distinctCount`).toEqual({ events: 3, users: 2 });
      expect(results.windows, `${format}: papertrail/windows ISO week of 2026-01-01`).toEqual({ weekStart: "2025-12-29T00:00:00.000Z" });
      expect(results.compensatedSum, `${format}: compensated sum codec round trip`).toEqual({ sum: 1, compensation: 0 });
      expect(results.envelope, `${format}: envelope round trip of Map([["a", 1n]]) (uses @msgpack/msgpack)`).toEqual({
        isMap: true,
        entries: [["a", "bigint", "1"]],
      });
      expect(results.decodeError, `${format}: decoding garbage throws a DecodeError shared by papertrail and papertrail/codec`).toEqual({
        threw: true,
        instanceOfCodecDecodeError: true,
        instanceOfRootDecodeError: true,
        instanceOfPaperTrailError: true,
        instanceOfError: true,
        name: "DecodeError",
        code: "truncated",
      });
      expect(results.sameInstancesAcrossEntries, `${format}: root re-exports are the same objects as the subpath exports`).toEqual({
        MonoidSum: true,
        DecodeError: true,
        hash64: true,
      });
      const monoidLaws = results.monoidLaws as { names: string[]; error: string | null };
      expect(monoidLaws.error, `${format}: checkLaws(monoidLaws(MonoidSum, fc.integer(...))) should pass`).toBeNull();
      expect(monoidLaws.names, `${format}: monoidLaws should include associativity`).toContain("associativity");
      expect(results.brokenSemigroupDetected, `${format}: checkLaws should reject subtraction as a semigroup`).toBe(true);
    });

    it("ESM and CommonJS consumers print identical results", () => {
      expect(cjs.results, "check.cjs output should equal check.mjs output").toEqual(esm.results);
    });
  });

  describe("one process holding the ESM and the CommonJS copy", () => {
    interface InteropOutput {
      files: { esm: string; cjs: string };
      twoCopies: string[];
      sketches: Record<string, Record<string, unknown>>;
      hyperLogLogEstimates: { single: number; cross: number };
      errors: Record<string, Record<string, unknown>>;
      classNames: Record<string, { HyperLogLog: string; wrong: string[]; mismatchMessage: string | null }>;
      errorExports: Record<string, string[]>;
    }
    let interop: InteropOutput;

    beforeAll(() => {
      writeFileSync(path.join(project, "interop.mjs"), INTEROP_MJS);
      interop = JSON.parse(run(process.execPath, ["interop.mjs"], { cwd: project })) as InteropOutput;
    }, STEP_TIMEOUT);

    it("import and require load two copies (the .js and the .cjs build) with distinct classes", () => {
      const dist = path.join(project, "node_modules", "papertrail", "dist");
      expect(interop.files).toEqual({ esm: path.join(dist, "sketches/index.js"), cjs: path.join(dist, "sketches/index.cjs") });
      expect(interop.twoCopies, "classes that are the same object in both copies (expected none)").toEqual([]);
    });

    it.each(SKETCH_NAMES)("a %s built by either copy is an instance of the other's class and merges into its sketches as a one-copy merge", (name) => {
      const merged = { sameBytesAsOneCopyMerge: true, equalsOneCopyMerge: true, mergedIsReceiver: true };
      expect(interop.sketches[name]).toEqual({
        "instanceof esm class, built by cjs": true,
        "cjs merged into esm": merged,
        "instanceof cjs class, built by esm": true,
        "esm merged into cjs": merged,
      });
    });

    it("a HyperLogLog merged across the copies estimates the union as the one-copy merge does", () => {
      const { single, cross } = interop.hyperLogLogEstimates;
      expect(cross).toBe(single);
      // 9000 distinct items at precision 14: relative standard error 1.04 / 128 = 0.8 %; 5 % is over 6 sigma.
      expect(Math.abs(single - 9000) / 9000).toBeLessThan(0.05);
    });

    it.each(ERROR_NAMES)("a %s thrown by one copy is an instance of the other copy's class and its base, and of no other", (thrown) => {
      for (const by of ["esm", "cjs"]) {
        const expected = Object.fromEntries(ERROR_NAMES.map((name) => [name, name === thrown || name === "PaperTrailError"]));
        expect(interop.errors[`${thrown} thrown by ${by}`], `${thrown} thrown by the ${by} copy`).toEqual({
          name: thrown,
          instanceOfError: true,
          ...expected,
        });
      }
    });

    it.each(["esm", "cjs"])("the %s build keeps class names (HyperLogLog.name, and names in messages)", (format) => {
      const names = interop.classNames[format];
      expect(names?.HyperLogLog).toBe("HyperLogLog");
      expect(names?.wrong, "exported classes whose name differs from the export").toEqual([]);
      expect(names?.mismatchMessage).toMatch(/^cannot combine BloomFilter\(.*\) with HyperLogLog\b/);
      expect(names?.mismatchMessage).not.toMatch(/_[A-Z]/);
    });

    it.each(SUBPATHS)("%s exports the four error classes, the root's own objects, to import and require", (id) => {
      for (const format of ["esm", "cjs"]) {
        expect(interop.errorExports[`${format} ${id}`], `${format}: error classes exported by ${id}`).toEqual([...ERROR_NAMES]);
      }
    });
  });

  it(
    "type checks a consumer .ts (import condition) and .cts (require condition) with nodenext resolution",
    () => {
      writeFileSync(path.join(project, "consumer.ts"), CONSUMER_TS);
      writeFileSync(path.join(project, "consumer.cts"), CONSUMER_TS);
      writeJson(path.join(project, "tsconfig.json"), {
        compilerOptions: {
          target: "ES2022",
          module: "nodenext",
          moduleResolution: "nodenext",
          lib: ["ES2022", "DOM"],
          types: [],
          strict: true,
          noEmit: true,
          skipLibCheck: false,
        },
        files: ["consumer.ts", "consumer.cts"],
      });
      // One compile; --listFiles also proves which declaration files were used.
      const result = spawnSync(process.execPath, [tscPath, "-p", "tsconfig.json", "--pretty", "false", "--listFiles"], {
        cwd: project,
        encoding: "utf8",
        timeout: STEP_TIMEOUT,
      });
      const lines = `${result.stdout ?? ""}\n${result.stderr ?? ""}`.split("\n").map((line) => line.trim());
      const diagnostics = lines.filter((line) => /error TS\d+|^\s*error/i.test(line));
      expect(diagnostics, "tsc diagnostics for the consumer files (expected none)").toEqual([]);
      expect(result.status, `tsc should exit 0; error: ${String(result.error)}; output:\n${lines.join("\n")}`).toBe(0);

      // Both conditions' declarations were loaded: .d.ts ("import", for
      // consumer.ts) and .d.cts ("require", only reachable from consumer.cts).
      const files = lines.map((line) => line.split(path.sep).join("/"));
      for (const declaration of ["dist/index.d.ts", "dist/index.d.cts", "dist/laws/index.d.ts", "dist/laws/index.d.cts"]) {
        expect(
          files.some((file) => file.endsWith(`node_modules/papertrail/${declaration}`)),
          `tsc should have loaded papertrail/${declaration}`,
        ).toBe(true);
      }
    },
    STEP_TIMEOUT,
  );

  it(
    "type checks a Node consumer of the Node-only subpaths (with @types/node and the peers' types installed)",
    () => {
      // The peers' type packages, linked from this repository's node_modules as a user would install them.
      for (const name of ["@types", "redis", "@redis", "pg-protocol", "pg-types", "express"]) {
        const target = path.join(project, "node_modules", name);
        if (!existsSync(target)) symlinkSync(fileURLToPath(new URL(`../node_modules/${name}`, import.meta.url)), target);
      }
      const source = `${NODE_SUBPATHS.map((id, i) => `import * as node${i} from "${id}";`).join("\n")}
import { createComplianceBackend, type ComplianceApp, MemoryAlertStore, type AlertStore } from "papertrail/server";
import { generateNoteKey } from "papertrail/compliance/node";
import { RedisSketchStore } from "papertrail/redis";
export const backend = createComplianceBackend({ monitor: { identities: "plain" } });
export const store: AlertStore = new MemoryAlertStore();
export const key: string = generateNoteKey("example.com/audit").verifierKey;
export type App = ComplianceApp;
export const storeClass: typeof RedisSketchStore = RedisSketchStore;
export const entries = [${NODE_SUBPATHS.map((_, i) => `node${i}`).join(", ")}];
// @ts-expect-error the backend's ingest takes an array
backend.ingest("not an array");
`;
      writeFileSync(path.join(project, "node-consumer.ts"), source);
      writeJson(path.join(project, "tsconfig.node.json"), {
        compilerOptions: { target: "ES2022", module: "nodenext", moduleResolution: "nodenext", lib: ["ES2022"], types: ["node"], strict: true, noEmit: true, skipLibCheck: false },
        files: ["node-consumer.ts"],
      });
      const result = spawnSync(process.execPath, [tscPath, "-p", "tsconfig.node.json", "--pretty", "false"], { cwd: project, encoding: "utf8", timeout: STEP_TIMEOUT });
      const lines = `${result.stdout ?? ""}\n${result.stderr ?? ""}`.split("\n").map((line) => line.trim());
      // Diagnostics inside the peers' own declarations are theirs, not ours.
      const diagnostics = lines.filter((line) => /error TS\d+/.test(line) && !/^node_modules\/(?!papertrail\/)/.test(line));
      expect(diagnostics, "tsc diagnostics for the Node consumer (expected none)").toEqual([]);
    },
    STEP_TIMEOUT,
  );

  it(
    "root, algebra, hashing, codec, sketches, aggregators, windows and compliance load without the optional fast-check peer",
    () => {
      const entries = ["papertrail", "papertrail/algebra", "papertrail/hashing", "papertrail/codec", "papertrail/sketches", "papertrail/aggregators", "papertrail/windows", "papertrail/compliance", "papertrail/compliance/node", "papertrail/redis", "papertrail/workers", "papertrail/server"];
      const esmScript = `
const out = {};
for (const id of ${JSON.stringify(entries)}) out[id] = Object.keys(await import(id)).length > 0;
try { await import("papertrail/laws"); out.laws = "loaded"; } catch (error) { out.laws = String(error.message).includes("fast-check") ? "needs fast-check" : String(error.message); }
console.log(JSON.stringify(out));`;
      const cjsScript = `
const out = {};
for (const id of ${JSON.stringify(entries)}) out[id] = Object.keys(require(id)).length > 0;
try { require("papertrail/laws"); out.laws = "loaded"; } catch (error) { out.laws = String(error.message).includes("fast-check") ? "needs fast-check" : String(error.message); }
console.log(JSON.stringify(out));`;
      writeFileSync(path.join(projectWithoutPeer, "check.mjs"), esmScript);
      writeFileSync(path.join(projectWithoutPeer, "check.cjs"), cjsScript);
      const expected = {
        papertrail: true,
        "papertrail/algebra": true,
        "papertrail/hashing": true,
        "papertrail/codec": true,
        "papertrail/sketches": true,
        "papertrail/aggregators": true,
        "papertrail/windows": true,
        "papertrail/compliance": true,
        "papertrail/compliance/node": true,
        "papertrail/redis": true,
        "papertrail/workers": true,
        "papertrail/server": true,
        laws: "needs fast-check",
      };
      for (const script of ["check.mjs", "check.cjs"]) {
        const out = JSON.parse(run(process.execPath, [script], { cwd: projectWithoutPeer })) as unknown;
        expect(
          out,
          `${script}: without fast-check every entry but papertrail/laws should load, and laws should fail naming fast-check`,
        ).toEqual(expected);
      }
    },
    STEP_TIMEOUT,
  );
});
