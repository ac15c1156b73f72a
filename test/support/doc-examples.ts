// Extracts code examples and turns each into a runnable module: package
// imports are pointed at the source, and every `expression; // => expected`
// line becomes an equality assertion. Two sources:
// - the ```ts blocks under @example tags in the TSDoc comments of src/ (an
//   example with no `// =>` line is an error there: examples must show, and
//   so check, what they return);
// - the ```ts, ```typescript and ```js blocks of README.md and docs/*.md.
// typeCheckExamples compiles a set of them under the project's strict options.
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import ts from "typescript";

export interface DocExample {
  /** Source file, relative to the repo root. */
  readonly file: string;
  /** 1-based line of the ```ts fence in the source file. */
  readonly line: number;
  /** The code as written in the comment. */
  readonly code: string;
  /** The block's language; TypeScript unless said otherwise. */
  readonly language?: "ts" | "js";
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
  "papertrail/compliance": "src/compliance/index.ts",
  "papertrail/compliance/node": "src/compliance/node/index.ts",
  "papertrail/redis": "src/redis/index.ts",
  "papertrail/workers": "src/workers/index.ts",
  "papertrail/server": "src/server/index.ts",
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

/** The pages whose code blocks must run: README.md and docs/*.md. */
export function markdownPages(root: string): string[] {
  const docs = readdirSync(join(root, "docs"))
    .filter((name) => name.endsWith(".md"))
    .sort()
    .map((name) => `docs/${name}`);
  return ["README.md", ...docs];
}

/**
 * The ```ts / ```typescript / ```js (```javascript) blocks of a Markdown page
 * (path relative to `root`). A block that is not meant to run is fenced with
 * another language (```sh, ```text).
 */
export function extractMarkdownExamples(root: string, page: string): DocExample[] {
  const examples: DocExample[] = [];
  const lines = readFileSync(join(root, page), "utf8").split("\n");
  let fence: { line: number; language: "ts" | "js" | undefined; marker: string } | undefined;
  let body: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const text = lines[i] as string;
    if (fence === undefined) {
      const open = /^(\s*)(```+|~~~+)\s*([\w-]*)/.exec(text);
      if (open === null) continue;
      const info = (open[3] as string).toLowerCase();
      const language = info === "ts" || info === "typescript" ? "ts" : info === "js" || info === "javascript" ? "js" : undefined;
      fence = { line: i + 1, language, marker: open[2] as string };
      body = [];
    } else if (text.trim().startsWith(fence.marker) && text.trim().replace(/[`~]/g, "") === "") {
      if (fence.language !== undefined) examples.push({ file: page, line: fence.line, code: body.join("\n"), language: fence.language });
      fence = undefined;
    } else body.push(text);
  }
  return examples;
}

/** Lines that compileExample puts before the example's first line. */
export const HEADER_LINES = 4;

/** Rewrites an example into a module; returns its text and its number of assertions. */
export function compileExample(example: DocExample, root: string): { source: string; assertions: number } {
  let assertions = 0;
  const body = example.code
    .split("\n")
    .map((line, index) => {
      const imported = line.replace(/from\s+"(papertrail(?:\/[a-z]+)*)"/, (match, spec: string) => {
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
  // The same HEADER_LINES lines in both languages; JavaScript's types as JSDoc.
  const header =
    'import { expect as __vitestExpect } from "vitest";\n' +
    (example.language === "js"
      ? "const __expect = /** @type {(actual: unknown, expected: unknown, where: string) => void} */ ((actual, expected, where) => {\n" +
        "  __vitestExpect(actual, where).toEqual(expected);\n" +
        "});\n"
      : "const __expect = (actual: unknown, expected: unknown, where: string): void => {\n" +
        "  __vitestExpect(actual, where).toEqual(expected);\n" +
        "};\n");
  return { source: header + body + "\nexport {};\n", assertions };
}

/** Where a compiled example came from, for messages. */
export interface CompiledExample {
  /** The compiled module on disk. */
  readonly path: string;
  /** The example it was compiled from. */
  readonly example: DocExample;
}

/**
 * Type-checks compiled examples in one program under the project's strict
 * compiler options (tsconfig.json), JavaScript ones with checkJs. Returns one
 * message per diagnostic, naming the example's file and line.
 */
export function typeCheckExamples(root: string, compiled: readonly CompiledExample[]): string[] {
  const config = ts.readConfigFile(join(root, "tsconfig.json"), (path) => ts.sys.readFile(path));
  const { options } = ts.parseJsonConfigFileContent(config.config, ts.sys, root);
  const program = ts.createProgram(
    compiled.map((file) => file.path),
    {
      ...options,
      noEmit: true,
      // Examples import the sources by their .ts paths, and may name a value only to show its type.
      allowImportingTsExtensions: true,
      noUnusedLocals: false,
      allowJs: true,
      checkJs: true,
      types: ["node"],
    },
  );
  const byPath = new Map(compiled.map((file) => [file.path, file.example]));
  return ts.getPreEmitDiagnostics(program).map((diagnostic) => {
    const file = diagnostic.file?.fileName ?? "";
    const example = byPath.get(file);
    const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n");
    if (example === undefined || diagnostic.file === undefined || diagnostic.start === undefined) return `${file}: ${message}`;
    const compiledLine = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start).line + 1;
    const line = compiledLine > HEADER_LINES ? example.line + compiledLine - HEADER_LINES : example.line;
    return `${example.file}:${line}: ${message}`;
  });
}
