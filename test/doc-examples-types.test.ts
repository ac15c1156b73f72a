// Type-checks every @example of src/ (the ones doc-examples.test.ts runs)
// under the project's strict compiler options, so an example cannot show a
// call that TypeScript users could not write. Each example is compiled as in
// doc-examples.test.ts (package imports pointed at the source) into its own
// folder, then the whole set is checked in one program.
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { compileExample, extractExamples } from "./support/doc-examples.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const outDir = join(root, ".doctest-types"); // not under .doctest: doc-examples.test.ts clears that folder, maybe while this runs

describe("doc examples type-check", () => {
  it("every example compiles under the strict project options", () => {
    rmSync(outDir, { recursive: true, force: true });
    mkdirSync(outDir, { recursive: true });
    const examples = extractExamples(root);
    const files = examples.map((example, index) => {
      const path = join(outDir, `example-${index}.ts`);
      writeFileSync(path, compileExample(example, root).source);
      return { path, where: `${example.file}:${example.line}` };
    });
    const config = ts.readConfigFile(join(root, "tsconfig.json"), (path) => ts.sys.readFile(path));
    const { options } = ts.parseJsonConfigFileContent(config.config, ts.sys, root);
    const program = ts.createProgram(
      files.map((file) => file.path),
      {
        ...options,
        noEmit: true,
        // Examples import the sources by their .ts paths, and may name a value only to show its type.
        allowImportingTsExtensions: true,
        noUnusedLocals: false,
        types: ["node"],
      },
    );
    const where = new Map(files.map((file) => [file.path, file.where]));
    const problems = ts.getPreEmitDiagnostics(program).map((diagnostic) => {
      const file = diagnostic.file?.fileName ?? "";
      const line = diagnostic.file !== undefined && diagnostic.start !== undefined ? diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start).line + 1 : 0;
      return `${where.get(file) ?? file} (compiled line ${line}): ${ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n")}`;
    });
    expect(examples.length).toBeGreaterThan(50);
    expect(problems).toEqual([]);
  }, 120_000);
});
