// Runs and type-checks every ```ts / ```typescript / ```js block of README.md
// and docs/*.md, the way doc-examples*.test.ts do for the TSDoc examples (see
// support/doc-examples.ts): package imports point at src/, `expr; // => value`
// lines are asserted, and each failure names the page and line. A block that
// is not meant to run is fenced as another language (```sh, ```text).
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
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

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens. */
function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, "")
    .replace(/ /g, "-");
}

/** The anchors of a Markdown page's headings. */
function anchors(path: string): Set<string> {
  const text = readFileSync(path, "utf8").replace(/^```[\s\S]*?^```/gm, "");
  return new Set([...text.matchAll(/^#{1,6}\s+(.*)$/gm)].map((match) => slug(match[1] as string)));
}

/** Relative links (and images) of a page that point at no file or no heading. */
function brokenLinks(page: string): string[] {
  const lines = readFileSync(join(root, page), "utf8").split("\n");
  const broken: string[] = [];
  let inFence = false;
  lines.forEach((line, index) => {
    if (/^\s*```/.test(line)) inFence = !inFence;
    if (inFence) return;
    for (const match of line.matchAll(/\]\(([^)\s]+)\)/g)) {
      const target = match[1] as string;
      if (/^[a-z]+:/i.test(target)) continue;
      const [file = "", anchor] = target.split("#");
      const path = file === "" ? join(root, page) : join(dirname(join(root, page)), file);
      const where = `${page}:${index + 1}: ${target}`;
      if (!existsSync(path)) broken.push(`${where} (no file ${relative(root, path)})`);
      else if (anchor !== undefined && path.endsWith(".md") && !anchors(path).has(anchor)) broken.push(`${where} (no heading #${anchor})`);
    }
  });
  return broken;
}

describe("Markdown links", () => {
  it("every relative link and image of README.md and docs/*.md points at an existing file and heading", () => {
    expect(pages.flatMap(brokenLinks)).toEqual([]);
  });

  it("every `npm run` script the pages name is in package.json", () => {
    const scripts = (JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts;
    const named = pages.flatMap((page) => [...readFileSync(join(root, page), "utf8").matchAll(/npm run ([\w:.-]*[\w:-])/g)].map((match) => ({ page, script: match[1] as string })));
    expect(named.length).toBeGreaterThan(5);
    expect(named.filter(({ script }) => !(script in scripts))).toEqual([]);
  });
});

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
