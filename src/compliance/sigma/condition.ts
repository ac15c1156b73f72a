/**
 * The `condition` of a Sigma detection: a tokenizer and a precedence parser
 * into a small tree, then compiled once into one closure over the search
 * identifiers' predicates (Sigma rules specification v2.0.0, "Condition").
 *
 * Grammar (least to most binding, as the spec orders them):
 *
 * ```text
 * or-expr   := and-expr ("or" and-expr)*
 * and-expr  := not-expr ("and" not-expr)*
 * not-expr  := "not" not-expr | primary
 * primary   := "(" or-expr ")" | ("1" | "all") "of" (pattern | "them") | identifier
 * ```
 *
 * Keywords are case-insensitive. `them` is every search identifier not
 * starting with `_`; a pattern's `*` matches any run of characters. The
 * obsolete Sigma 1 aggregations (`| count() by ...`) and `near` are
 * refused, as is anything else the grammar does not describe.
 *
 * @module
 */
import type { EventPredicate } from "../event.js";
import { allOf, anyOf } from "./combine.js";
import type { Refuse } from "./field-test.js";

/** A parsed condition. */
export type ConditionNode =
  | { readonly type: "identifier"; readonly name: string }
  | { readonly type: "not"; readonly operand: ConditionNode }
  | { readonly type: "and" | "or"; readonly operands: readonly ConditionNode[] }
  | { readonly type: "of"; readonly quantifier: "1" | "all"; readonly pattern: string | undefined };

interface Token {
  /** The token as written. */
  readonly text: string;
  /** Lower-case for keywords, `(` / `)`, or `word` for anything else. */
  readonly kind: "and" | "or" | "not" | "of" | "them" | "all" | "1" | "(" | ")" | "word";
  /** Character offset in the condition, for messages. */
  readonly at: number;
}

const KEYWORDS = new Set(["and", "or", "not", "of", "them", "all", "1"]);

/** Words a search identifier may not be (they would read as operators). */
export const RESERVED_WORDS: ReadonlySet<string> = new Set(["and", "or", "not", "of", "them", "all", "near", "by", "count"]);

/** Splits a condition into tokens; refuses characters outside the grammar. */
function tokenize(condition: string, refuse: Refuse): Token[] {
  const tokens: Token[] = [];
  const word = /[A-Za-z0-9_.\-*]+/y;
  let i = 0;
  while (i < condition.length) {
    const c = condition[i]!;
    if (c === " " || c === "\t" || c === "\n" || c === "\r") {
      i++;
    } else if (c === "(" || c === ")") {
      tokens.push({ text: c, kind: c, at: i });
      i++;
    } else if (c === "|") {
      refuse("condition", `aggregation expressions ("| count() by ...", at ${i}) are the obsolete Sigma 1 correlation; write a correlation rule instead`);
    } else {
      word.lastIndex = i;
      const match = word.exec(condition);
      if (match === null) refuse("condition", `unexpected character ${JSON.stringify(c)} at ${i} in ${JSON.stringify(condition)}`);
      const text = match[0];
      const lower = text.toLowerCase();
      if (lower === "near") refuse("condition", "near is the obsolete Sigma 1 temporal operator; write a temporal correlation rule instead");
      tokens.push({ text, kind: KEYWORDS.has(lower) ? (lower as Token["kind"]) : "word", at: i });
      i += text.length;
    }
  }
  return tokens;
}

/** Parses a condition string into a tree; refuses what the grammar does not describe. */
export function parseCondition(condition: string, refuse: Refuse): ConditionNode {
  const tokens = tokenize(condition, refuse);
  let p = 0;
  const where = (): string => (p < tokens.length ? `"${tokens[p]!.text}" at ${tokens[p]!.at}` : "the end");
  const fail = (expected: string): never => refuse("condition", `expected ${expected} but found ${where()} in ${JSON.stringify(condition)}`);

  const parseOr = (): ConditionNode => {
    const operands = [parseAnd()];
    while (p < tokens.length && tokens[p]!.kind === "or") {
      p++;
      operands.push(parseAnd());
    }
    return operands.length === 1 ? operands[0]! : { type: "or", operands };
  };
  const parseAnd = (): ConditionNode => {
    const operands = [parseNot()];
    while (p < tokens.length && tokens[p]!.kind === "and") {
      p++;
      operands.push(parseNot());
    }
    return operands.length === 1 ? operands[0]! : { type: "and", operands };
  };
  const parseNot = (): ConditionNode => {
    if (p < tokens.length && tokens[p]!.kind === "not") {
      p++;
      return { type: "not", operand: parseNot() };
    }
    return parsePrimary();
  };
  const parsePrimary = (): ConditionNode => {
    const token = tokens[p];
    if (token === undefined) return fail("a search identifier, \"not\", \"(\", \"1 of\" or \"all of\"");
    if (token.kind === "(") {
      p++;
      const inner = parseOr();
      if (p >= tokens.length || tokens[p]!.kind !== ")") fail("\")\"");
      p++;
      return inner;
    }
    if (token.kind === "1" || token.kind === "all") {
      p++;
      if (p >= tokens.length || tokens[p]!.kind !== "of") fail("\"of\"");
      p++;
      const target = tokens[p];
      if (target === undefined || (target.kind !== "them" && target.kind !== "word")) return fail("a search-identifier pattern or \"them\"");
      p++;
      return { type: "of", quantifier: token.kind, pattern: target.kind === "them" ? undefined : target.text };
    }
    if (token.kind === "word") {
      if (/^[0-9]+$/.test(token.text) && tokens[p + 1]?.kind === "of") {
        refuse("condition", `"${token.text} of" is not Sigma: only "1 of" and "all of" exist`);
      }
      if (token.text.includes("*")) refuse("condition", `wildcard identifier "${token.text}" outside "1 of" / "all of"`);
      p++;
      return { type: "identifier", name: token.text };
    }
    return fail("a search identifier, \"not\", \"(\", \"1 of\" or \"all of\"");
  };

  const tree = parseOr();
  if (p < tokens.length) fail("an operator (\"and\", \"or\") or the end");
  return tree;
}

/** The search identifiers a `1 of` / `all of` names, in definition order. */
export function identifiersOf(pattern: string | undefined, names: readonly string[]): string[] {
  if (pattern === undefined) return names.filter((name) => !name.startsWith("_"));
  const re = new RegExp(`^${pattern.split("*").map((part) => part.replace(/[.*+?^${}()|[\]\\-]/g, "\\$&")).join(".*")}$`);
  return names.filter((name) => re.test(name));
}

/**
 * Compiles a parsed condition over the search identifiers' predicates
 * (`identifiers`, in definition order). Refuses identifiers that are not
 * defined and patterns that match none.
 */
export function compileCondition(node: ConditionNode, identifiers: ReadonlyMap<string, EventPredicate>, refuse: Refuse): EventPredicate {
  switch (node.type) {
    case "identifier": {
      const predicate = identifiers.get(node.name);
      if (predicate === undefined) refuse("condition", `search identifier "${node.name}" is not defined in the detection`);
      return predicate;
    }
    case "not": {
      const operand = compileCondition(node.operand, identifiers, refuse);
      return (e) => !operand(e);
    }
    case "and":
      return allOf(node.operands.map((operand) => compileCondition(operand, identifiers, refuse)));
    case "or":
      return anyOf(node.operands.map((operand) => compileCondition(operand, identifiers, refuse)));
    case "of": {
      const names = identifiersOf(node.pattern, [...identifiers.keys()]);
      const written = `${node.quantifier} of ${node.pattern ?? "them"}`;
      if (names.length === 0) refuse("condition", `"${written}" matches no search identifier`);
      const predicates = names.map((name) => identifiers.get(name)!);
      return node.quantifier === "all" ? allOf(predicates) : anyOf(predicates);
    }
  }
}
