// Type-checks every @example of src/ (the ones doc-examples.test.ts runs)
// under the project's strict compiler options, so an example cannot show a
// call that TypeScript users could not write. Each example is compiled as in
// doc-examples.test.ts (package imports pointed at the source) into its own
// folder, then the whole set is checked in one program (typeCheckExamples in
// support/doc-examples.ts, shared with markdown-examples.test.ts).
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { compileExample, extractExamples, typeCheckExamples } from "./support/doc-examples.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const outDir = join(root, ".doctest-types"); // not under .doctest: doc-examples.test.ts clears that folder, maybe while this runs

describe("doc examples type-check", () => {
  it("every example compiles under the strict project options", () => {
    rmSync(outDir, { recursive: true, force: true });
    mkdirSync(outDir, { recursive: true });
    const examples = extractExamples(root);
    const compiled = examples.map((example, index) => {
      const path = join(outDir, `example-${index}.ts`);
      writeFileSync(path, compileExample(example, root).source);
      return { path, example };
    });
    expect(examples.length).toBeGreaterThan(50);
    expect(typeCheckExamples(root, compiled)).toEqual([]);
  }, 120_000);
});
