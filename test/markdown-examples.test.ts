// Runs and type-checks every ```ts / ```typescript / ```js block of README.md
// and docs/*.md, the way doc-examples*.test.ts do for the TSDoc examples (see
// support/doc-examples.ts): package imports point at src/, `expr; // => value`
// lines are asserted, and each failure names the page and line. A block that
// is not meant to run is fenced as another language (```sh, ```text).
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { type CompiledExample, type DocExample, HEADER_LINES, compileExample, extractMarkdownExamples, markdownPages, typeCheckExamples } from "./support/doc-examples.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const pages = markdownPages(root);
const examples = pages.flatMap((page) => extractMarkdownExamples(root, page));

/** Writes each example as a module into `dir` (emptied first). */
function writeModules(dir: string): CompiledExample[] {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return examples.map((example, index) => {
    const path = join(dir, `${example.file.replace(/[^\w]+/g, "-")}-${example.line}.${example.language === "js" ? "js" : "ts"}`);
    writeFileSync(path, compileExample(example, root).source);
    return { path, example };
  });
}

/** The page and line a run-time error points at (the block's fence line if the stack does not say). */
function where(error: unknown, path: string, example: DocExample): string {
  const stack = error instanceof Error ? (error.stack ?? "") : "";
  const escaped = path.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const match = new RegExp(`${escaped}:(\\d+)`).exec(stack);
  const compiledLine = match === null ? 0 : Number(match[1]);
  return `${example.file}:${compiledLine > HEADER_LINES ? example.line + compiledLine - HEADER_LINES : example.line}`;
}

describe("Markdown code blocks", () => {
  it("finds the blocks of the README and of every guide", () => {
    expect(pages).toContain("README.md");
    expect(pages).toContain("docs/sketches.md");
    expect(examples.length).toBeGreaterThan(10);
  });

  // Not under .doctest*: the TSDoc example tests clear those folders, maybe while this runs.
  const modules = writeModules(join(root, ".doctest-markdown", "run"));
  for (const { path, example } of modules) {
    it(`runs ${example.file}:${example.line}`, async () => {
      try {
        await import(/* @vite-ignore */ path);
      } catch (error) {
        // A failed `// =>` assertion already names its page and line.
        if (error instanceof Error && error.message.startsWith(`${example.file}:`)) throw error;
        throw new Error(`${where(error, path, example)}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
      }
    });
  }

  it("every block type-checks under the strict project options", () => {
    const checked = writeModules(join(root, ".doctest-markdown", "types"));
    expect(typeCheckExamples(root, checked)).toEqual([]);
  }, 120_000);
});
