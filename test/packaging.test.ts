// Packaging test: proves that the tarball `npm pack` produces works for users.
//
// It packs the repository (which runs `prepack` -> `npm run build` -> tsup),
// installs the tarball into fresh temporary projects, and then:
//   - checks the tarball's file list (built entry points present, no src/test),
//   - checks every path named by package.json's main/module/types/exports exists,
//   - imports every subpath from an ESM script and requires it from a CommonJS
//     script, uses something real from each, and compares the two outputs,
//   - type checks consumer .ts and .cts files against the installed types with
//     module/moduleResolution nodenext (the "import" and "require" conditions),
//   - checks the root, algebra, hashing and codec entries load without the
//     optional `fast-check` peer dependency.
//
// Slow (packing and installing take several seconds): excluded from
// `npm run test:unit`.
import { spawnSync, type SpawnSyncOptions } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
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
  hllCount: hll.count(),
  hllRoundTrip: HyperLogLog.fromBytes(hll.toBytes()).equals(hll),
  hllRedisRoundTrip: HyperLogLog.fromRedisBytes(hll.toRedisBytes()).count(),
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
  ["papertrail", "papertrail/algebra", "papertrail/hashing", "papertrail/codec", "papertrail/sketches", "papertrail/aggregators", "papertrail/windows", "papertrail/laws"].map((id) => [
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
  ["papertrail", "papertrail/algebra", "papertrail/hashing", "papertrail/codec", "papertrail/sketches", "papertrail/aggregators", "papertrail/windows", "papertrail/laws"].map((id) => [
    id,
    require.resolve(id),
  ]),
);
${CHECK_BODY}`;

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
  type CompensatedSum,
  type DecodeErrorCode,
  type Monoid,
} from "papertrail";
import { MonoidSum as AlgebraMonoidSum } from "papertrail/algebra";
import { murmurHash64A } from "papertrail/hashing";
import { createEnvelope as codecCreateEnvelope, type Envelope } from "papertrail/codec";
import { checkLaws, monoidLaws, type Law } from "papertrail/laws";
import fc from "fast-check";

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
    for (const file of ["package.json", "README.md", "LICENSE", "docs/format.md", "dist/index.js", "dist/index.cjs", "dist/index.d.ts", "dist/index.d.cts", "dist/laws/index.d.cts"]) {
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
      [".", "./aggregators", "./algebra", "./codec", "./hashing", "./laws", "./package.json", "./sketches", "./windows"].sort(),
    );
    const missing = [...targets].map((target) => target.replace(/^\.\//, "")).filter((target) => !tarballFiles.includes(target));
    expect(missing, "paths referenced by package.json but absent from the tarball").toEqual([]);
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
    "root, algebra, hashing, codec, sketches, aggregators and windows load without the optional fast-check peer",
    () => {
      const entries = ["papertrail", "papertrail/algebra", "papertrail/hashing", "papertrail/codec", "papertrail/sketches", "papertrail/aggregators", "papertrail/windows"];
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
