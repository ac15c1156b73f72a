// The Sigma condition parser (Sigma rules specification v2.0.0,
// "Condition"): precedence tables, quantifiers, and a property test that
// compiles random boolean expressions through loadSigmaRules and compares
// them with a reference evaluator on every assignment of the selections.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type EventPredicate, loadSigmaRules } from "../src/compliance/index.js";
import { event } from "./support/sigma-events.js";

const NAMES = ["sel_a", "sel_b", "filter_c", "filter_d", "_hidden"] as const;

/** A rule whose search identifier NAMES[i] matches when raw.bi is 1. */
function compile(condition: string): EventPredicate {
  const selections = NAMES.map((name, i) => `  ${name}:\n    b${i}: 1`).join("\n");
  return loadSigmaRules(`title: Condition test\ndetection:\n${selections}\n  condition: ${JSON.stringify(condition)}\n`)[0]!.where!;
}

/** The event in which exactly the identifiers whose bit is set in `mask` match. */
function eventFor(mask: number) {
  const raw: Record<string, number> = {};
  NAMES.forEach((_, i) => (raw[`b${i}`] = (mask >> i) & 1));
  return event({ raw });
}

type Node =
  | { t: "id"; i: number }
  | { t: "not"; x: Node }
  | { t: "and" | "or"; a: Node; b: Node }
  | { t: "of"; all: boolean; pattern: "sel_*" | "filter*" | "them" | "*_?" };

const PATTERNS: Record<string, (i: number) => boolean> = {
  "sel_*": (i) => NAMES[i]!.startsWith("sel_"),
  "filter*": (i) => NAMES[i]!.startsWith("filter"),
  them: (i) => !NAMES[i]!.startsWith("_"),
};

function evaluate(node: Node, mask: number): boolean {
  switch (node.t) {
    case "id":
      return ((mask >> node.i) & 1) === 1;
    case "not":
      return !evaluate(node.x, mask);
    case "and":
      return evaluate(node.a, mask) && evaluate(node.b, mask);
    case "or":
      return evaluate(node.a, mask) || evaluate(node.b, mask);
    case "of": {
      const members = NAMES.map((_, i) => i).filter(PATTERNS[node.pattern]!);
      const bits = members.map((i) => ((mask >> i) & 1) === 1);
      return node.all ? bits.every(Boolean) : bits.some(Boolean);
    }
  }
}

const PRECEDENCE = { or: 1, and: 2, not: 3, atom: 4 } as const;

/** Renders with the parentheses precedence requires, plus random extra ones and random keyword case. */
function render(node: Node, parent: number, extra: () => boolean, kw: (word: string) => string): string {
  const wrap = (text: string, own: number) => (own < parent || extra() ? `(${text})` : text);
  switch (node.t) {
    case "id":
      return extra() ? `(${NAMES[node.i]})` : NAMES[node.i]!;
    case "of":
      return wrap(`${node.all ? kw("all") : "1"} ${kw("of")} ${node.pattern === "them" ? kw("them") : node.pattern}`, PRECEDENCE.atom);
    case "not":
      return wrap(`${kw("not")} ${render(node.x, PRECEDENCE.not, extra, kw)}`, PRECEDENCE.not);
    case "and":
    case "or": {
      const own = PRECEDENCE[node.t];
      // Left operand at the same level needs no parentheses (left-associative); the right one does only if lower.
      return wrap(`${render(node.a, own, extra, kw)} ${kw(node.t)} ${render(node.b, own, extra, kw)}`, own);
    }
  }
}

const nodeArb: fc.Arbitrary<Node> = fc.letrec<{ node: Node }>((tie) => ({
  node: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.record({ t: fc.constant("id" as const), i: fc.integer({ min: 0, max: NAMES.length - 1 }) }),
    fc.record({ t: fc.constant("of" as const), all: fc.boolean(), pattern: fc.constantFrom("sel_*" as const, "filter*" as const, "them" as const) }),
    fc.record({ t: fc.constant("not" as const), x: tie("node") }),
    fc.record({ t: fc.constantFrom("and" as const, "or" as const), a: tie("node"), b: tie("node") }),
  ),
})).node;

describe("Sigma conditions", () => {
  it.each([
    ["sel_a or sel_b and filter_c", (m: boolean[]) => m[0]! || (m[1]! && m[2]!)],
    ["sel_a and sel_b or filter_c", (m: boolean[]) => (m[0]! && m[1]!) || m[2]!],
    ["not sel_a and sel_b", (m: boolean[]) => !m[0]! && m[1]!],
    ["not sel_a or sel_b", (m: boolean[]) => !m[0]! || m[1]!],
    ["not (sel_a or sel_b)", (m: boolean[]) => !(m[0]! || m[1]!)],
    ["not not sel_a", (m: boolean[]) => m[0]!],
    ["sel_a and (sel_b or filter_c)", (m: boolean[]) => m[0]! && (m[1]! || m[2]!)],
    ["1 of sel_* and not 1 of filter*", (m: boolean[]) => (m[0]! || m[1]!) && !(m[2]! || m[3]!)],
    ["all of sel_* and not 1 of filter_*", (m: boolean[]) => m[0]! && m[1]! && !(m[2]! || m[3]!)],
    ["1 of them", (m: boolean[]) => m[0]! || m[1]! || m[2]! || m[3]!],
    ["all of them", (m: boolean[]) => m[0]! && m[1]! && m[2]! && m[3]!],
    ["1 of _*", (m: boolean[]) => m[4]!],
    ["_hidden and 1 of *_c", (m: boolean[]) => m[4]! && m[2]!],
    ["sel_a AND NOT filter_c", (m: boolean[]) => m[0]! && !m[2]!],
    ["ALL OF sel_* Or _hidden", (m: boolean[]) => (m[0]! && m[1]!) || m[4]!],
  ] as const)("%s", (condition, expected) => {
    const predicate = compile(condition);
    for (let mask = 0; mask < 1 << NAMES.length; mask++) {
      const bits = NAMES.map((_, i) => ((mask >> i) & 1) === 1);
      expect(predicate(eventFor(mask)), `mask ${mask.toString(2)}`).toBe(expected(bits));
    }
  });

  it("identifiers are case-sensitive; keywords are not", () => {
    expect(() => compile("SEL_A AND NOT filter_c")).toThrow(/search identifier "SEL_A" is not defined/);
  });

  it("a list of conditions is their OR", () => {
    const selections = NAMES.map((name, i) => `  ${name}:\n    b${i}: 1`).join("\n");
    const predicate = loadSigmaRules(`title: T\ndetection:\n${selections}\n  condition:\n    - sel_a and sel_b\n    - filter_c\n`)[0]!.where!;
    for (let mask = 0; mask < 32; mask++) expect(predicate(eventFor(mask))).toBe(((mask & 3) === 3) || (mask & 4) !== 0);
  });

  it("random expressions: the compiled predicate equals the reference evaluator on every assignment", () => {
    fc.assert(
      fc.property(nodeArb, fc.infiniteStream(fc.boolean()), fc.infiniteStream(fc.boolean()), (node, parens, cases) => {
        const extra = () => parens.next().value && parens.next().value && parens.next().value;
        const kw = (word: string) => (cases.next().value ? word.toUpperCase() : word);
        const condition = render(node, 0, extra, kw);
        const predicate = compile(condition);
        for (let mask = 0; mask < 1 << NAMES.length; mask++) {
          if (predicate(eventFor(mask)) !== evaluate(node, mask)) throw new Error(`${condition} differs at mask ${mask.toString(2)}`);
        }
      }),
      { numRuns: 400 },
    );
  });
});
