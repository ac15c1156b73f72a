// The core and the browser-safe subpaths import nothing Node-only: no
// `node:` modules, no bare Node built-ins, no client libraries. Node-only code
// lives in the directories listed here, each behind a subpath of its own.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { builtinModules } from "node:module";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const SRC = fileURLToPath(new URL("../src", import.meta.url));
/** Directories (relative to src/) allowed to use Node and client libraries. */
const NODE_ONLY = ["compliance/node", "redis", "workers", "server"];
/** Packages the browser-safe modules may import. */
const ALLOWED_PACKAGES = ["@msgpack/msgpack", "yaml", "fast-check"];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    return statSync(full).isDirectory() ? sourceFiles(full) : full.endsWith(".ts") ? [full] : [];
  });
}

describe("browser safety", () => {
  const files = sourceFiles(SRC).filter((file) => !NODE_ONLY.some((dir) => relative(SRC, file).startsWith(`${dir}/`)));
  it("finds the browser-safe sources", () => {
    expect(files.length).toBeGreaterThan(40);
  });
  it("no browser-safe module imports Node built-ins or non-allowed packages", () => {
    const offending: string[] = [];
    for (const file of files) {
      // Comments hold TSDoc examples that import the package itself: skip them.
      const text = readFileSync(file, "utf8").replace(/\/\*[\s\S]*?\*\/|(^|[^:])\/\/.*$/gm, "$1");
      for (const match of text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^;]*?\bfrom\s*["']([^"']+)["']|\bimport\(\s*["']([^"']+)["']\s*\)|\brequire\(\s*["']([^"']+)["']\s*\)/g)) {
        const target = match[1] ?? match[2] ?? match[3] ?? "";
        if (target.startsWith(".")) {
          const resolved = relative(SRC, join(file, "..", target));
          if (NODE_ONLY.some((dir) => resolved === dir || resolved.startsWith(`${dir}/`))) offending.push(`${relative(SRC, file)} imports Node-only ${target}`);
          continue;
        }
        const bare = target.replace(/^node:/, "");
        if (target.startsWith("node:") || builtinModules.includes(bare)) offending.push(`${relative(SRC, file)} imports ${target}`);
        else if (!ALLOWED_PACKAGES.some((name) => target === name || target.startsWith(`${name}/`))) offending.push(`${relative(SRC, file)} imports package ${target}`);
      }
      if (/\bprocess\.|\bBuffer\./.test(text)) offending.push(`${relative(SRC, file)} uses process or Buffer`);
    }
    expect(offending).toEqual([]);
  });
});
