// Every construct outside the supported Sigma subset is refused at load time
// with a SigmaRuleError naming the rule and the construct (docs/sigma.md).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { InvalidArgumentError, SigmaRuleError, loadSigmaRules } from "../src/compliance/index.js";

/** A detection rule titled "R" (id r-1) with this detection body. */
const detection = (body: string) => `title: R\nid: r-1\ndetection:\n${body.trim().split("\n").map((l) => `  ${l}`).join("\n")}\n`;
const selection = (entry: string) => detection(`sel:\n  ${entry}\ncondition: sel`);
const failed = "title: Failed\nname: failed\ndetection:\n  sel:\n    outcome: failure\n  condition: sel\n";
/** A correlation titled "C" over the rule `failed` with this correlation body. */
const correlation = (body: string) => [failed, `title: C\nid: c-1\ncorrelation:\n${body.trim().split("\n").map((l) => `  ${l}`).join("\n")}\n`];

function refusal(source: string | string[]): SigmaRuleError {
  try {
    loadSigmaRules(source);
  } catch (error) {
    expect(error).toBeInstanceOf(SigmaRuleError);
    expect(error).toBeInstanceOf(InvalidArgumentError);
    return error as SigmaRuleError;
  }
  throw new Error("the rule loaded");
}

const cases: readonly (readonly [what: string, source: string | string[], construct: string, message: RegExp])[] = [
  // modifiers outside the subset
  ["base64", selection("CommandLine|base64: x"), "modifier base64", /encoding modifiers/],
  ["base64offset|contains", selection("CommandLine|base64offset|contains: x"), "modifier base64offset", /encoding/],
  ["utf16le", selection("CommandLine|utf16le: x"), "modifier utf16le", /encoding/],
  ["wide", selection("CommandLine|wide|base64: x"), "modifier wide", /encoding/],
  ["windash", selection("CommandLine|windash|contains: -x"), "modifier windash", /windash/],
  ["expand", selection("Computer|expand: '%DomainControllers%'"), "modifier expand", /placeholders/],
  ["fieldref", selection("User|fieldref: TargetUser"), "modifier fieldref", /field references/],
  ["neq", selection("User|neq: x"), "modifier neq", /neq is outside/],
  ["hour", selection("time|hour: 3"), "modifier hour", /time modifiers/],
  ["unknown modifier", selection("User|sortof: x"), "modifier sortof", /unknown modifier/],
  ["empty modifier", selection("User||contains: x"), 'key "User||contains"', /empty modifier/],
  ["modifier twice", selection("User|contains|contains: x"), "modifier contains", /given twice/],
  ["two kinds", selection("User|contains|re: x"), 'key "User|contains|re"', /different kinds/],
  ["re flag without re", selection("User|i: x"), "modifier i", /must follow re/],
  ["cased with re", selection("User|re|cased: x"), 'key "User|re|cased"', /cased applies/],
  ["all on one value", selection("User|contains|all: x"), "modifier all", /needs a list/],
  ["exists not boolean", selection("User|exists: yes"), "modifier exists", /true or false/],
  ["exists with all", selection("User|exists|all: [true]"), 'key "User|exists|all"', /exists takes one boolean/],
  ["gt on a string", selection("value|gt: '10'"), "modifier gt", /needs a number/],
  ["bad regex", selection("User|re: '('"), "modifier re", /invalid regular expression/],
  ["bad cidr", selection("SourceIp|cidr: 10.0.0.0/33"), "modifier cidr", /prefix length/],
  ["cidr not a string", selection("SourceIp|cidr: 10"), "modifier cidr", /as a string/],
  ["null with a modifier", selection("User|contains: null"), 'key "User|contains"', /null may only be a plain value/],
  ["nested list value", selection("User: [[a]]"), 'key "User"', /nested list/],
  ["map value", selection("User: { a: 1 }"), 'key "User"', /got object/],
  ["empty value list", selection("User: []"), 'key "User"', /empty list of values/],
  ["keyword with startswith", detection("kw:\n  '|startswith': x\ncondition: kw"), 'key "|startswith"', /keyword searches take only/],
  // search identifiers
  ["empty map", detection("sel: {}\ncondition: sel"), 'search identifier "sel"', /empty map/],
  ["empty list", detection("sel: []\ncondition: sel"), 'search identifier "sel"', /empty list/],
  ["scalar identifier", detection("sel: x\ncondition: sel"), 'search identifier "sel"', /must be a map of fields or a list/],
  ["null in a list", detection("sel:\n  - null\ncondition: sel"), 'search identifier "sel"', /got null/],
  ["reserved identifier", detection("them:\n  User: x\ncondition: them"), 'search identifier "them"', /condition keyword/],
  ["odd identifier", detection("'sel x':\n  User: x\ncondition: sel"), 'search identifier "sel x"', /only letters/],
  // conditions
  ["aggregation", detection("sel:\n  User: x\ncondition: sel | count() by ip > 5"), "condition", /obsolete Sigma 1 correlation/],
  ["near", detection("sel:\n  User: x\ncondition: sel near sel"), "condition", /near is the obsolete/],
  ["timeframe", detection("sel:\n  User: x\ntimeframe: 5m\ncondition: sel"), "detection.timeframe", /obsolete Sigma 1/],
  ["undefined identifier", detection("sel:\n  User: x\ncondition: sel and other"), "condition", /"other" is not defined/],
  ["pattern matching none", detection("sel:\n  User: x\ncondition: 1 of filter*"), "condition", /matches no search identifier/],
  ["2 of", detection("sel:\n  User: x\ncondition: 2 of sel*"), "condition", /only "1 of" and "all of"/],
  ["wildcard identifier", detection("sel:\n  User: x\ncondition: sel*"), "condition", /wildcard identifier/],
  ["unbalanced", detection("sel:\n  User: x\ncondition: (sel"), "condition", /expected "\)" but found the end/],
  ["dangling and", detection("sel:\n  User: x\ncondition: sel and"), "condition", /expected a search identifier/],
  ["two identifiers", detection("sel:\n  User: x\ncondition: sel sel"), "condition", /expected an operator/],
  ["strange character", detection("sel:\n  User: x\ncondition: sel && sel"), "condition", /unexpected character "&"/],
  ["missing condition", detection("sel:\n  User: x"), "detection.condition", /non-empty string/],
  ["empty condition", detection("sel:\n  User: x\ncondition: ''"), "detection.condition", /non-empty string/],
  // documents
  ["no title", "detection:\n  sel:\n    User: x\n  condition: sel\n", "title", /required/],
  ["bad level", "title: R\nlevel: severe\ndetection:\n  sel:\n    User: x\n  condition: sel\n", "level", /not a Sigma level/],
  ["both sections", "title: R\ndetection:\n  condition: x\ncorrelation:\n  type: event_count\n", "document", /either a detection or a correlation/],
  ["neither section", "title: R\n", "document", /either a detection or a correlation/],
  ["filter", "title: R\nfilter:\n  rules: [x]\n", "filter", /Sigma filters/],
  ["not a map", "- a\n- b\n", "document", /YAML map/],
  ["bad YAML", "title: [unclosed\n", "YAML", /./],
  ["unresolved alias", "*!", "YAML", /alias/i],
  ["alias bomb", "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n", "YAML", /alias/i],
  ["duplicate key", "title: R\ntitle: S\ndetection:\n  sel:\n    User: x\n  condition: sel\n", "YAML", /unique/i],
  ["tags not strings", "title: R\ntags: [1]\ndetection:\n  sel:\n    User: x\n  condition: sel\n", "tags", /list of strings/],
  ["duplicate id", ["title: A\nid: same\ndetection:\n  sel:\n    User: x\n  condition: sel\n", "title: B\nid: same\ndetection:\n  sel:\n    User: y\n  condition: sel\n"], "name/id", /also names rule "A"/],
  ["same title, no ids", ["title: A\ndetection:\n  sel:\n    User: x\n  condition: sel\n", "title: A\ndetection:\n  sel:\n    User: y\n  condition: sel\n"], "id", /give each rule an id/],
  ["bad field name", selection("'a..b': x"), "field a..b", /not a valid field name/],
  // correlations
  ["unknown type", correlation("type: value_sum\nrules: [failed]\ntimespan: 5m\ncondition: { gt: 1 }"), "correlation.type", /"value_sum" is outside the supported subset/],
  ["unknown key", correlation("type: event_count\nrules: [failed]\ntimespan: 5m\nwindow: sliding\ncondition: { gt: 1 }"), "correlation.window", /unknown key/],
  ["missing rule", correlation("type: event_count\nrules: [nope]\ntimespan: 5m\ncondition: { gt: 1 }"), "correlation.rules", /"nope", which no loaded rule/],
  ["rules not a list", correlation("type: event_count\nrules: failed\ntimespan: 5m\ncondition: { gt: 1 }"), "correlation.rules", /non-empty list/],
  ["rule twice", correlation("type: event_count\nrules: [failed, failed]\ntimespan: 5m\ncondition: { gt: 1 }"), "correlation.rules", /twice/],
  ["bad timespan", correlation("type: event_count\nrules: [failed]\ntimespan: 5 minutes\ncondition: { gt: 1 }"), "correlation.timespan", /not a timespan/],
  ["upper-case unit", correlation("type: event_count\nrules: [failed]\ntimespan: 5M\ncondition: { gt: 1 }"), "correlation.timespan", /not a timespan/],
  ["zero timespan", correlation("type: event_count\nrules: [failed]\ntimespan: 0s\ncondition: { gt: 1 }"), "correlation.timespan", /not a timespan/],
  ["missing timespan", correlation("type: event_count\nrules: [failed]\ncondition: { gt: 1 }"), "correlation.timespan", /not a timespan/],
  ["missing condition", correlation("type: event_count\nrules: [failed]\ntimespan: 5m"), "correlation.condition", /needs a condition map/],
  ["unknown condition key", correlation("type: event_count\nrules: [failed]\ntimespan: 5m\ncondition: { ge: 1 }"), "correlation.condition.ge", /unknown key/],
  ["field on event_count", correlation("type: event_count\nrules: [failed]\ntimespan: 5m\ncondition: { gt: 1, field: User }"), "correlation.condition.field", /unknown key/],
  ["non-integer threshold", correlation("type: event_count\nrules: [failed]\ntimespan: 5m\ncondition: { gt: 1.5 }"), "correlation.condition.gt", /non-negative integer/],
  ["empty condition", correlation("type: event_count\nrules: [failed]\ntimespan: 5m\ncondition: {}"), "correlation.condition", /at least one/],
  ["impossible range", correlation("type: event_count\nrules: [failed]\ntimespan: 5m\ncondition: { gt: 10, lt: 5 }"), "correlation.condition", /holds for no count/],
  ["value_count without field", correlation("type: value_count\nrules: [failed]\ntimespan: 5m\ncondition: { gt: 10 }"), "correlation.condition.field", /needs the field/],
  ["value_count of two fields", correlation("type: value_count\nrules: [failed]\ntimespan: 5m\ncondition: { gt: 10, field: [User, ip] }"), "correlation.condition.field", /several fields/],
  ["group-by not a list", correlation("type: event_count\nrules: [failed]\ngroup-by: User\ntimespan: 5m\ncondition: { gt: 1 }"), "correlation.group-by", /non-empty list/],
  ["group-by twice", correlation("type: event_count\nrules: [failed]\ngroup-by: [User, TargetUserName]\ntimespan: 5m\ncondition: { gt: 1 }"), "correlation.group-by", /names one event field twice/],
  ["temporal with fewer", correlation("type: temporal\nrules: [failed]\ntimespan: 5m\ncondition: { gte: 0 }"), "correlation.condition", /only when all 1 referenced rules/],
  ["temporal or-condition", correlation("type: temporal\nrules: [failed]\ntimespan: 5m\ncondition: failed or failed"), "correlation.condition", /AND of every referenced rule/],
  ["generate not boolean", correlation("type: event_count\nrules: [failed]\ntimespan: 5m\ncondition: { gt: 1 }\ngenerate: 1"), "generate", /true or false/],
  ["chained correlation", [failed, "title: C1\nname: c1\ncorrelation:\n  type: event_count\n  rules: [failed]\n  timespan: 5m\n  condition: { gt: 1 }\n", "title: C2\ncorrelation:\n  type: temporal\n  rules: [c1, failed]\n  timespan: 5m\n"], "correlation.rules", /chained correlations/],
  ["aliases onto different fields", [failed, "title: Other\nname: other\ndetection:\n  sel:\n    User: x\n  condition: sel\n", "title: C\ncorrelation:\n  type: temporal\n  rules: [failed, other]\n  group-by: [host]\n  timespan: 5m\n  aliases:\n    host:\n      failed: source.ip\n      other: destination.ip\n"], "correlation.aliases.host", /different event fields/],
  ["aliases missing a rule", [failed, "title: Other\nname: other\ndetection:\n  sel:\n    User: x\n  condition: sel\n", "title: C\ncorrelation:\n  type: temporal\n  rules: [failed, other]\n  group-by: [host]\n  timespan: 5m\n  aliases:\n    host:\n      failed: source.ip\n"], "correlation.aliases.host", /every referenced rule/],
];

describe("Sigma refusals", () => {
  it.each(cases)("%s", (_what, source, construct, message) => {
    const error = refusal(source);
    expect(error.construct).toBe(construct);
    expect(error.message).toMatch(message);
    expect(error.message).toContain(error.rule);
    expect(error.message.startsWith(`Sigma rule ${error.rule}: ${construct}: `)).toBe(true);
  });

  it("the error names the rule by title, id and name", () => {
    const error = refusal("title: Named\nid: 1234\nname: named_rule\ndetection:\n  sel:\n    User|base64: x\n  condition: sel\n");
    expect(error.rule).toBe('"Named" (id 1234, name named_rule)');
    expect(error.message).toBe('Sigma rule "Named" (id 1234, name named_rule): modifier base64: encoding modifiers are outside the supported subset');
  });

  it("a refusal in one document refuses the whole load (nothing half-loaded)", () => {
    const good = "title: Good\ndetection:\n  sel:\n    User: x\n  condition: sel\n";
    expect(() => loadSigmaRules(`${good}---\ntitle: Bad\ndetection:\n  sel:\n    User|windash: x\n  condition: sel\n`)).toThrow(SigmaRuleError);
  });

  it("options are validated, unknown keys refused", () => {
    expect(() => loadSigmaRules("", { fieldMap: { User: "person" } } as never)).toThrow(/fieldMap\.User: "person" is not an event field/);
    expect(() => loadSigmaRules("", { strictness: true } as never)).toThrow(/has no option "strictness"/);
    expect(() => loadSigmaRules("", { defaultSeverity: "urgent" } as never)).toThrow(/defaultSeverity/);
    expect(() => loadSigmaRules("", { keywordField: "body" } as never)).toThrow(/keywordField/);
    expect(() => loadSigmaRules(42 as never)).toThrow(InvalidArgumentError);
  });

  it("an empty source and empty documents load nothing", () => {
    expect(loadSigmaRules("")).toEqual([]);
    expect(loadSigmaRules(["", "---\n---\n"])).toEqual([]);
  });

  it("fuzz: any text or any YAML structure either loads or is refused with a SigmaRuleError, never another error", () => {
    const outcome = (source: string) => {
      try {
        loadSigmaRules(source);
        return "loaded";
      } catch (error) {
        if (error instanceof SigmaRuleError) return "refused";
        throw error;
      }
    };
    fc.assert(fc.property(fc.string({ maxLength: 200 }), (text) => void outcome(text)), { numRuns: 300 });
    const value = fc.oneof(fc.string({ maxLength: 8 }), fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 }));
    const section = fc.dictionary(fc.constantFrom("sel", "filter", "keywords", "condition", "timeframe", "sel|x"), fc.oneof(value, fc.dictionary(fc.constantFrom("User", "User|contains", "SourceIp|cidr", "x|re", "a|all", "v|gt", "e|exists", "|all"), value)));
    const correlationSection = fc.dictionary(fc.constantFrom("type", "rules", "group-by", "timespan", "condition", "aliases", "generate"), fc.oneof(value, fc.dictionary(fc.constantFrom("gt", "gte", "field", "eq"), value)));
    const rule = fc.record({ title: fc.oneof(fc.constant("T"), value), name: fc.constantFrom("a", "b", undefined), detection: fc.option(section), correlation: fc.option(correlationSection) }, { requiredKeys: ["title"] });
    fc.assert(fc.property(fc.array(rule, { minLength: 1, maxLength: 3 }), (rules) => void outcome(rules.map((r) => stringify(r)).join("---\n"))), { numRuns: 500 });
  });
});
