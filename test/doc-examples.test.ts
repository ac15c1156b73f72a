// Runs every @example in the TSDoc comments of src/ (see support/doc-examples.ts).
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { compileExample, extractExamples } from "./support/doc-examples.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const outDir = join(root, ".doctest");
const examples = extractExamples(root);

describe("doc examples", () => {
  it("finds the examples", () => {
    expect(examples.length).toBeGreaterThan(50);
  });

  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  examples.forEach((example, index) => {
    it(`${example.file}:${example.line}`, async () => {
      const { source, assertions } = compileExample(example, root);
      expect(assertions, "an example must show its results with `expr; // => value` lines").toBeGreaterThan(0);
      const path = join(outDir, `example-${index}.ts`);
      writeFileSync(path, source);
      await import(/* @vite-ignore */ path);
    });
  });
});
