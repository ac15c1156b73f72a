// Extracts the ```ts blocks under @example tags from the TSDoc comments in
// src/, and turns each into a runnable module: package imports are pointed
// at the source, and every `expression; // => expected` line becomes an
// equality assertion. An example with no such line is an error: examples
// must show (and so check) what they return.
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";

export interface DocExample {
  /** Source file, relative to the repo root. */
  readonly file: string;
  /** 1-based line of the ```ts fence in the source file. */
  readonly line: number;
  /** The code as written in the comment. */
  readonly code: string;
}

const SUBPATHS: Record<string, string> = {
  papertrail: "src/index.ts",
  "papertrail/algebra": "src/algebra/index.ts",
  "papertrail/hashing": "src/hashing/index.ts",
  "papertrail/codec": "src/codec/index.ts",
  "papertrail/sketches": "src/sketches/index.ts",
  "papertrail/laws": "src/laws/index.ts",
  "papertrail/aggregators": "src/aggregators/index.ts",
  "papertrail/windows": "src/windows/index.ts",
};

export function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sourceFiles(path));
    else if (entry.name.endsWith(".ts")) out.push(path);
  }
  return out.sort();
}

export function extractExamples(root: string): DocExample[] {
  const examples: DocExample[] = [];
  for (const path of sourceFiles(join(root, "src"))) {
    const lines = readFileSync(path, "utf8").split("\n");
    let inExample = false;
    let inFence = false;
    let start = 0;
    let body: string[] = [];
    for (let i = 0; i < lines.length; i++) {
      const raw = lines[i] as string;
      const text = raw.replace(/^\s*\*\s?/, "");
      if (/@example/.test(raw)) inExample = true;
      else if (inExample && !inFence && /^```(ts|typescript)\s*$/.test(text.trim())) {
        inFence = true;
        start = i + 1;
        body = [];
      } else if (inFence && text.trim() === "```") {
        examples.push({ file: relative(root, path), line: start, code: body.join("\n") });
        inFence = false;
        inExample = false;
      } else if (inFence) body.push(text);
      if (/\*\//.test(raw) && !inFence) inExample = false;
    }
  }
  return examples;
}

/** Rewrites an example into a module; returns its text and its number of assertions. */
export function compileExample(example: DocExample, root: string): { source: string; assertions: number } {
  let assertions = 0;
  const body = example.code
    .split("\n")
    .map((line, index) => {
      const imported = line.replace(/from\s+"(papertrail(?:\/[a-z]+)?)"/, (match, spec: string) => {
        const target = SUBPATHS[spec];
        return target === undefined ? match : `from ${JSON.stringify(join(root, target))}`;
      });
      const assertion = /^(\s*)(.*?);?\s*\/\/ => (.*)$/.exec(imported);
      if (assertion === null) return imported;
      assertions++;
      const where = `${example.file}:${example.line + index + 1}`;
      return `${assertion[1]}__expect((${assertion[2]}), (${assertion[3]}), ${JSON.stringify(where)});`;
    })
    .join("\n");
  const header =
    'import { expect as __vitestExpect } from "vitest";\n' +
    "const __expect = (actual: unknown, expected: unknown, where: string): void => {\n" +
    "  __vitestExpect(actual, where).toEqual(expected);\n" +
    "};\n";
  return { source: header + body + "\nexport {};\n", assertions };
}
