import { defineConfig } from "tsup";

export default defineConfig({
  entry: {
    index: "src/index.ts",
    "algebra/index": "src/algebra/index.ts",
    "hashing/index": "src/hashing/index.ts",
    "codec/index": "src/codec/index.ts",
    "sketches/index": "src/sketches/index.ts",
    "aggregators/index": "src/aggregators/index.ts",
    "windows/index": "src/windows/index.ts",
    "compliance/index": "src/compliance/index.ts",
    "compliance/node/index": "src/compliance/node/index.ts",
    "redis/index": "src/redis/index.ts",
    "workers/index": "src/workers/index.ts",
    "server/index": "src/server/index.ts",
    "laws/index": "src/laws/index.ts",
  },
  format: ["esm", "cjs"],
  dts: true,
  sourcemap: true,
  clean: true,
  splitting: true,
  target: "es2022",
  // Class and function names survive bundling: `HyperLogLog.name` is
  // "HyperLogLog" and messages built from `type.name` read as in the source.
  keepNames: true,
  // import.meta.url in the CommonJS build (the server finds its dashboard with it).
  shims: true,
  external: ["fast-check", "@msgpack/msgpack", "yaml", "redis", "pdfkit", "pg", "express", "zod", "express-rate-limit", "@platformatic/kafka"],
});
