// Every public export carries a TSDoc comment with an @example (which
// doc-examples.test.ts then runs). Uses the TypeScript compiler API to list
// what each entry point really exports.
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));
const entryPoints = ["src/index.ts", "src/algebra/index.ts", "src/hashing/index.ts", "src/codec/index.ts", "src/sketches/index.ts", "src/laws/index.ts", "src/aggregators/index.ts", "src/windows/index.ts", "src/compliance/index.ts", "src/compliance/node/index.ts", "src/redis/index.ts", "src/workers/index.ts", "src/server/index.ts"];

const program = ts.createProgram(
  entryPoints.map((entry) => join(root, entry)),
  { strict: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler, skipLibCheck: true },
);
const checker = program.getTypeChecker();

function undocumented(entry: string): string[] {
  const source = program.getSourceFile(join(root, entry));
  if (source === undefined) throw new Error(`cannot load ${entry}`);
  const moduleSymbol = checker.getSymbolAtLocation(source);
  if (moduleSymbol === undefined) throw new Error(`${entry} has no exports`);
  const missing: string[] = [];
  for (const exported of checker.getExportsOfModule(moduleSymbol)) {
    const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
    const declarations = symbol.getDeclarations() ?? [];
    const hasExample = declarations.some((declaration) =>
      ts.getJSDocTags(declaration).some((tag) => tag.tagName.text === "example"),
    );
    if (!hasExample) missing.push(exported.getName());
  }
  return missing;
}

describe("public API documentation", () => {
  for (const entry of entryPoints) {
    it(`${entry}: every export has a TSDoc @example`, () => {
      expect(undocumented(entry)).toEqual([]);
    });
  }
});
