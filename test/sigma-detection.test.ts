// Sigma detections (selections, modifiers, wildcards, keywords, conditions)
// compiled by loadSigmaRules, tested against events. The rules are written
// here in Sigma syntax; the expectations follow the Sigma rules
// specification v2.0.0 and the modifiers appendix v2.1.0 (SigmaHQ
// sigma-specification).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type ComplianceEvent, type EventField, type EventPredicate, type MatchRule, loadSigmaRules } from "../src/compliance/index.js";
import { containsFolded, foldedText, foldString, foldUnit } from "../src/compliance/sigma/case-fold.js";
import { fieldReader } from "../src/compliance/sigma/field-accessor.js";
import { event } from "./support/sigma-events.js";

/** The predicate of a one-rule document whose detection is `detection` (YAML, indented by the caller or not). */
function detect(detection: string, options = {}): EventPredicate {
  const indented = detection.trim().split("\n").map((line) => `  ${line}`).join("\n");
  const rules = loadSigmaRules(`title: Test rule\nlevel: low\ndetection:\n${indented}\n`, options);
  expect(rules).toHaveLength(1);
  const rule = rules[0] as MatchRule;
  expect(rule.type).toBe("match");
  return rule.where!;
}

/** A detection with one selection `sel` holding `entry` (one `Field|mods: value` line or block). */
/** Whether `text` contains `raw` case-folded, every position tried (case-fold.ts's comparison, written out). */
function foldedContains(text: string, raw: string): boolean {
  const needle = foldString(raw);
  for (let i = 0; i + needle.length <= text.length; i++) {
    let all = true;
    for (let j = 0; j < needle.length && all; j++) {
      const c = text.charCodeAt(i + j);
      if (c !== needle.charCodeAt(j) && foldUnit(c) !== needle.charCodeAt(j)) all = false;
    }
    if (all) return true;
  }
  return false;
}

function selection(entry: string): EventPredicate {
  return detect(`sel:\n${entry.split("\n").map((l) => `  ${l}`).join("\n")}\ncondition: sel`);
}

type Case = readonly [entry: string, event: Partial<ComplianceEvent>, expected: boolean];

const cases: Record<string, readonly Case[]> = {
  "plain values: case-insensitive equality, numbers, booleans, null, empty": [
    ["User: alice", { user: "alice" }, true],
    ["User: alice", { user: "ALICE" }, true],
    ["User: alice", { user: "alice2" }, false],
    ["User: alice", { user: undefined }, false],
    ["User: 'Élodie'", { user: "éLODIE" }, true],
    ["EventID: 4625", { raw: { EventID: 4625 } }, true],
    ["EventID: 4625", { raw: { EventID: "4625" } }, true],
    ["EventID: '4625'", { raw: { EventID: 4625 } }, true],
    ["EventID: 4625", { raw: { EventID: 4624 } }, false],
    ["value: 10.5", { value: 10.5 }, true],
    ["Admin: true", { raw: { Admin: true } }, true],
    ["Admin: true", { raw: { Admin: "TRUE" } }, true],
    ["Admin: true", { raw: { Admin: false } }, false],
    ["PasswordLastSet: null", { raw: {} }, true],
    ["PasswordLastSet: null", { raw: { PasswordLastSet: null } }, true],
    ["PasswordLastSet: null", { raw: { PasswordLastSet: "x" } }, false],
    ["Message: ''", { message: "" }, true],
    ["Message: ''", { message: undefined }, false],
    ["Message: ''", { message: "x" }, false],
  ],
  "lists of values are OR": [
    ["EventID: [4624, 4625]", { raw: { EventID: 4625 } }, true],
    ["EventID: [4624, 4625]", { raw: { EventID: 4626 } }, false],
    ["User:\n  - alice\n  - bob", { user: "Bob" }, true],
  ],
  "a field holding an array matches when any element does": [
    ["Groups: admins", { raw: { Groups: ["users", "Admins"] } }, true],
    ["Groups: admins", { raw: { Groups: ["users"] } }, false],
    ["Groups: admins", { raw: { Groups: { admins: 1 } } }, false],
  ],
  "wildcards * and ?, and escaping": [
    ["Image: '*\\cmd.exe'", { raw: { Image: "C:\\Windows\\System32\\CMD.EXE" } }, true],
    ["Image: 'C:\\Windows\\*'", { raw: { Image: "C:\\Windows\\x" } }, false], // \* is a plain *
    ["Image: 'C:\\Windows\\*'", { raw: { Image: "C:\\Windows*" } }, true],
    ["Image: 'C:\\Windows\\\\*'", { raw: { Image: "C:\\Windows\\x" } }, true],
    ["Image: 'prog?.exe'", { raw: { Image: "progA.exe" } }, true],
    ["Image: 'prog?.exe'", { raw: { Image: "prog.exe" } }, false],
    ["Image: 'prog?.exe'", { raw: { Image: "progAB.exe" } }, false],
    ["Image: 'a*b*c'", { raw: { Image: "aXXbYYc" } }, true],
    ["Image: 'a*b*c'", { raw: { Image: "aXXcYYb" } }, false],
    ["Image: 'a*b?d'", { raw: { Image: "abbbXd" } }, true],
    ["Image: '*'", { raw: { Image: "" } }, true],
    ["Image: '*'", { raw: {} }, false],
    ["Image: 'x?y'", { raw: { Image: "x😀y" } }, true],
    ["Image: 'x??y'", { raw: { Image: "x😀y" } }, false],
    ["Note: 'a\\*b'", { raw: { Note: "a*b" } }, true],
    ["Note: 'a\\*b'", { raw: { Note: "aXb" } }, false],
    ["Note: 'a\\?'", { raw: { Note: "a?" } }, true],
    ["Note: 'a\\?'", { raw: { Note: "ab" } }, false],
    ["Note: 'a\\\\*'", { raw: { Note: "a\\anything" } }, true],
    ["Note: 'a\\\\*'", { raw: { Note: "a*" } }, false],
    ["Note: 'a\\\\\\*'", { raw: { Note: "a\\*" } }, true],
    ["Note: 'a\\\\\\*'", { raw: { Note: "a\\x" } }, false],
    ["Note: 'a\\\\\\\\b'", { raw: { Note: "a\\\\b" } }, true],
    ["Note: 'a\\\\\\b'", { raw: { Note: "a\\\\b" } }, true],
    ["Note: 'a\\b'", { raw: { Note: "a\\b" } }, true],
    ["Note: 'a\\\\b'", { raw: { Note: "a\\b" } }, true],
  ],
  "contains, startswith, endswith (case-insensitive; wildcards still apply)": [
    ["Message|contains: fail", { message: "Login FAILED for x" }, true],
    ["Message|contains: fail", { message: "login ok" }, false],
    ["Message|contains: 'a*c'", { message: "xxabbbcxx" }, true],
    ["Message|startswith: err", { message: "ERROR: x" }, true],
    ["Message|startswith: err", { message: "an error" }, false],
    ["Message|endswith: '.EXE'", { message: "run evil.exe" }, true],
    ["Message|endswith: '.EXE'", { message: "evil.exe now" }, false],
    ["Message|contains: ''", { message: "anything" }, true],
    ["Message|contains: kelvin", { message: "300 \u212Aelvin" }, true], // the Kelvin sign folds to k
    ["Message|contains: 'éclair'", { message: "an ÉCLAIR" }, true],
    ["Message|contains: '-x'", { message: "run -X now" }, true],
    ["Message|contains: '-x'", { message: "run x- now" }, false],
    ["Message|contains: aab", { message: "aaab" }, true],
    ["Message|contains: abc", { message: "xxAB" }, false],
    ["EventID|startswith: 46", { raw: { EventID: 4625 } }, true],
    ["Message|contains:\n  - foo\n  - bar", { message: "xbarx" }, true],
  ],
  "all: a list of values as AND (also |contains|all)": [
    ["Message|contains|all:\n  - foo\n  - bar", { message: "foo and BAR" }, true],
    ["Message|contains|all:\n  - foo\n  - bar", { message: "foo only" }, false],
    ["Groups|all: [a, b]", { raw: { Groups: ["b", "a", "c"] } }, true],
    ["Groups|all: [a, b]", { raw: { Groups: ["a", "c"] } }, false],
  ],
  "cased: case-sensitive": [
    ["User|cased: Alice", { user: "Alice" }, true],
    ["User|cased: Alice", { user: "alice" }, false],
    ["Message|contains|cased: Err", { message: "an Err" }, true],
    ["Message|contains|cased: Err", { message: "an err" }, false],
    ["Message|cased: 'A*c'", { message: "Abc" }, true],
    ["Message|cased: 'A*c'", { message: "abc" }, false],
  ],
  "re: case-sensitive regular expressions, flags i, m, s": [
    ["Message|re: '^Error [0-9]+$'", { message: "Error 42" }, true],
    ["Message|re: '^Error [0-9]+$'", { message: "error 42" }, false],
    ["Message|re|i: '^Error [0-9]+$'", { message: "error 42" }, true],
    ["Message|re: 'b.c'", { message: "xb\ncx" }, false],
    ["Message|re|s: 'b.c'", { message: "xb\ncx" }, true],
    ["Message|re: '^two$'", { message: "one\ntwo" }, false],
    ["Message|re|m: '^two$'", { message: "one\ntwo" }, true],
    ["Message|re: 'fail'", { message: "it failed" }, true],
    ["EventID|re: '^46\\d\\d$'", { raw: { EventID: 4625 } }, true],
  ],
  "cidr: IPv4 and IPv6 ranges": [
    ["SourceIp|cidr: 10.0.0.0/8", { ip: "10.20.30.40" }, true],
    ["SourceIp|cidr: 10.0.0.0/8", { ip: "11.0.0.1" }, false],
    ["SourceIp|cidr: 10.0.0.0/8", { ip: "10.0.0.256" }, false],
    ["SourceIp|cidr: 10.0.0.0/8", { ip: undefined }, false],
    ["SourceIp|cidr:\n  - 192.168.0.0/16\n  - '2001:db8::/32'", { ip: "2001:DB8::7" }, true],
    ["SourceIp|cidr:\n  - 192.168.0.0/16\n  - '2001:db8::/32'", { ip: "192.168.4.1" }, true],
    ["SourceIp|cidr:\n  - 192.168.0.0/16\n  - '2001:db8::/32'", { ip: "::ffff:192.168.4.1" }, false],
    ["SourceIp|cidr: 203.0.113.7", { ip: "203.0.113.7" }, true],
    ["SourceIp|cidr|all: [10.0.0.0/8, 10.1.0.0/16]", { ip: "10.1.2.3" }, true],
    ["SourceIp|cidr|all: [10.0.0.0/8, 10.1.0.0/16]", { ip: "10.2.2.3" }, false],
  ],
  "exists": [
    ["PasswordLastSet|exists: true", { raw: { PasswordLastSet: null } }, true],
    ["PasswordLastSet|exists: true", { raw: {} }, false],
    ["PasswordLastSet|exists: false", { raw: {} }, true],
    ["User|exists: true", { user: "a" }, true],
    ["User|exists: false", { user: "a" }, false],
    ["metrics.cpu|exists: true", { metrics: { cpu: 3 } }, true],
    ["metrics.cpu|exists: true", { metrics: { latency_ms: 3 } }, false],
  ],
  "gt, gte, lt, lte: numbers and numeric strings": [
    ["value|gt: 10000", { value: 10000.5 }, true],
    ["value|gt: 10000", { value: 10000 }, false],
    ["value|gte: 10000", { value: 10000 }, true],
    ["value|lt: 5", { value: 4 }, true],
    ["value|lte: 5", { value: 6 }, false],
    ["amount|gt: 10000", { raw: { amount: "25000" } }, true],
    ["amount|gt: 10000", { raw: { amount: "" } }, false],
    ["amount|gt: 10000", { raw: { amount: "lots" } }, false],
    ["amount|gt: 10000", { raw: {} }, false],
    ["metrics.latency_ms|gt: 1000", { metrics: { latency_ms: 1500 } }, true],
    ["metrics.latency_ms|gt: 1000", { metrics: undefined }, false],
  ],
  "field mapping: defaults, raw paths": [
    ["source.ip: 203.0.113.7", { ip: "203.0.113.7" }, true],
    ["TargetUserName: bob", { user: "bob" }, true],
    ["event.action: login", { kind: "login" }, true],
    ["outcome: failure", { outcome: "failure" }, true],
    ["Level: error", { level: "ERROR" }, true],
    ["metadata.country: NZ", { raw: { metadata: { country: "nz" } } }, true],
    ["metadata.country: NZ", { raw: { metadata: "NZ" } }, false],
    ["raw.metadata.country: NZ", { raw: { metadata: { country: "NZ" } } }, true],
    ["constructor: x", { raw: {} }, false],
  ],
};

describe("Sigma selections", () => {
  for (const [group, rows] of Object.entries(cases)) {
    describe(group, () => {
      it.each(rows.map(([entry, fields, expected]) => ({ entry, fields, expected })))("$entry on $fields → $expected", ({ entry, fields, expected }) => {
        expect(selection(entry)(event(fields))).toBe(expected);
      });
    });
  }

  it("a map is an AND of its fields; a list of maps an OR of the maps", () => {
    const and = selection("User: alice\nSystem: billing");
    expect(and(event({ user: "alice", system: "billing" }))).toBe(true);
    expect(and(event({ user: "alice", system: "hr" }))).toBe(false);
    const or = detect("sel:\n  - User: alice\n    System: billing\n  - Message|contains: boom\ncondition: sel");
    expect(or(event({ user: "alice", system: "billing" }))).toBe(true);
    expect(or(event({ message: "BOOM" }))).toBe(true);
    expect(or(event({ user: "alice" }))).toBe(false);
  });

  it("keywords: plain lists are searched anywhere in the message (OR; |all as AND)", () => {
    const any = detect("keywords:\n  - failed\n  - unauthorized\n  - exception\ncondition: keywords");
    expect(any(event({ message: "Request UNAUTHORIZED" }))).toBe(true);
    expect(any(event({ message: "all fine" }))).toBe(false);
    expect(any(event({ message: undefined }))).toBe(false);
    const all = detect("keywords:\n  '|all':\n    - OabVirtualDirectory\n    - ' -ExternalUrl '\ncondition: keywords");
    expect(all(event({ message: "Set-OabVirtualDirectory -ExternalUrl http://x" }))).toBe(true);
    expect(all(event({ message: "Set-OabVirtualDirectory" }))).toBe(false);
    const elsewhere = detect("keywords: [boom]\ncondition: keywords", { keywordField: "raw.line" });
    expect(elsewhere(event({ raw: { line: "x boom" }, message: "nothing" }))).toBe(true);
    const re = detect("keywords:\n  '|re': '^ERR-[0-9]+'\ncondition: keywords");
    expect(re(event({ message: "ERR-12 disk" }))).toBe(true);
    expect(re(event({ message: "x ERR-12" }))).toBe(false);
  });

  it("fieldMap overrides and extends the defaults; strict refuses what it does not map", () => {
    const mapped = detect("sel:\n  amount|gt: 10\ncondition: sel", { fieldMap: { amount: "value" } });
    expect(mapped(event({ value: 11 }))).toBe(true);
    expect(mapped(event({ raw: { amount: 11 } }))).toBe(false);
    const remapped = detect("sel:\n  User: x\ncondition: sel", { fieldMap: { User: "raw.actor" } });
    expect(remapped(event({ raw: { actor: "x" } }))).toBe(true);
    const noDefaults = detect("sel:\n  User: x\ncondition: sel", { defaultFieldMap: false });
    expect(noDefaults(event({ user: "x" }))).toBe(false);
    expect(noDefaults(event({ raw: { User: "x" } }))).toBe(true);
    expect(() => detect("sel:\n  Unknown: x\ncondition: sel", { strict: true })).toThrow(/field Unknown: is not in the field map \(strict\)/);
    expect(detect("sel:\n  metrics.cpu|gte: 80\ncondition: sel", { strict: true })(event({ metrics: { cpu: 90 } }))).toBe(true);
  });

  it("logsource narrows a rule only through the logsource option", () => {
    const text = "title: T\nlogsource:\n  service: sshd\ndetection:\n  sel:\n    User: root\n  condition: sel\n";
    const wide = loadSigmaRules(text)[0]!.where!;
    expect(wide(event({ user: "root", system: "web" }))).toBe(true);
    const narrow = loadSigmaRules(text, { logsource: (ls) => (ls.service === undefined ? undefined : (e) => e.system === ls.service) })[0]!.where!;
    expect(narrow(event({ user: "root", system: "web" }))).toBe(false);
    expect(narrow(event({ user: "root", system: "sshd" }))).toBe(true);
  });

  it("the Kelvin sign is the only non-ASCII unit whose lower case is ASCII (case-fold.ts relies on it)", () => {
    const found: number[] = [];
    for (let c = 128; c < 65536; c++) {
      const lower = String.fromCharCode(c).toLowerCase();
      if (lower.length === 1 && lower.charCodeAt(0) < 128) found.push(c);
    }
    expect(found).toEqual([0x212a]);
  });

  it("case-insensitive matching agrees with toLowerCase on random ASCII and Latin-1 text", () => {
    const chars = fc.constantFrom(..."aAbBzZ09 _-.éÉßñÑxX");
    fc.assert(
      fc.property(fc.string({ unit: chars, maxLength: 12 }), fc.string({ unit: chars, maxLength: 4 }), (text, needle) => {
        const quoted = `'${needle.replace(/'/g, "''")}'`;
        const contains = selection(`Message|contains: ${quoted}`)(event({ message: text }));
        const equals = selection(`Message: ${quoted}`)(event({ message: text }));
        expect(contains).toBe(text.toLowerCase().includes(needle.toLowerCase()));
        expect(equals).toBe(text.toLowerCase() === needle.toLowerCase());
      }),
      { numRuns: 300 },
    );
  });

  it("contains on text folded once per text (the keyword fast path) agrees with trying every position, for any units", () => {
    // Units around the folding corners: ASCII cases, the Kelvin sign, a dotted capital I (two units in lower case),
    // sigma (context-dependent in toLowerCase), a surrogate pair's halves, Latin-1.
    const chars = fc.constantFrom(..."aAkKxX-é\u00c9\u212a\u0130i\u03a3\u03c3\u03c2\ud83d\ude00 ");
    const reference = foldedContains;
    fc.assert(
      fc.property(fc.array(fc.string({ unit: chars, maxLength: 10 }), { minLength: 1, maxLength: 4 }), fc.array(fc.string({ unit: chars, maxLength: 3 }), { minLength: 1, maxLength: 4 }), (texts, needles) => {
        const tests = needles.map((raw) => containsFolded(foldString(raw)));
        // Each text against every needle, twice in a row (the second finds the text folded already).
        for (const text of [...texts, ...texts]) {
          for (const [k, raw] of needles.entries()) expect(tests[k]!(text)).toBe(reference(text, raw));
        }
        for (const text of texts) expect(foldedText(text)).toBe(foldString(text));
      }),
      { numRuns: 500 },
    );
  });

  it("a list of contains values (the fused keyword search) matches exactly when one of its values alone does, for strings, numbers, booleans and arrays", () => {
    const chars = fc.constantFrom(..."aAkK1-\u212a\u0130\u03a3 ");
    const ruleValue = fc.oneof(fc.string({ unit: chars, maxLength: 3 }), fc.constantFrom<unknown>(1, 12, true, false));
    const fieldValue = fc.oneof(fc.string({ unit: chars, maxLength: 8 }), fc.constantFrom<unknown>(1, 112, true, null), fc.array(fc.string({ unit: chars, maxLength: 4 }), { maxLength: 2 }));
    const yamlValue = (v: unknown) => (typeof v === "string" ? `'${v.replace(/'/g, "''")}'` : String(v));
    fc.assert(
      fc.property(fc.uniqueArray(ruleValue, { minLength: 1, maxLength: 3 }), fc.array(fieldValue, { minLength: 1, maxLength: 4 }), (values, notes) => {
        const list = selection(`Note|contains:\n${values.map((v) => `  - ${yamlValue(v)}`).join("\n")}`);
        // Keyword lists take strings and numbers only.
        const keywords = values.some((v) => typeof v === "boolean") ? undefined : detect(`keywords:\n${values.map((v) => `  - ${yamlValue(v)}`).join("\n")}\ncondition: keywords`);
        // The reference: Sigma's comparison written out (field-test.ts: numbers and booleans as text, any element of an array).
        const asText = (v: unknown): string | undefined => (typeof v === "string" ? v : typeof v === "number" || typeof v === "boolean" ? String(v) : undefined);
        const matches = (note: unknown): boolean =>
          Array.isArray(note) ? note.some(matches) : asText(note) !== undefined && values.some((v) => foldedContains(asText(note)!, String(v)));
        for (const note of notes) {
          const e = event({ raw: { Note: note }, message: typeof note === "string" ? note : undefined });
          const expected = matches(note);
          expect(list(e)).toBe(expected);
          if (keywords !== undefined && typeof note === "string") expect(keywords(e)).toBe(expected);
        }
      }),
      { numRuns: 400 },
    );
  });

  it("raw field readers of one, two and three keys read what a walk of own and inherited properties of objects gives", () => {
    const leaf = fc.constantFrom<unknown>(undefined, null, 0, "x", true, [1], { b: "deep" }, { c: { d: 1 } });
    const level = fc.dictionary(fc.constantFrom("a", "b", "c", "d"), leaf, { maxKeys: 3 });
    const raw = fc.oneof(fc.dictionary(fc.constantFrom("a", "b", "c"), fc.oneof(leaf, level), { maxKeys: 3 }), leaf);
    // The reference: step into objects (arrays too) key by key, undefined once a step is not an object.
    const walk = (value: unknown, keys: readonly string[]): unknown => {
      let at = value;
      for (const key of keys) at = at !== null && typeof at === "object" ? (at as Record<string, unknown>)[key] : undefined;
      return at;
    };
    const paths = [["a"], ["a", "b"], ["b", "c", "d"], ["c", "d"]];
    fc.assert(
      fc.property(raw, (value) => {
        for (const keys of paths) {
          const read = fieldReader(`raw.${keys.join(".")}` as EventField);
          expect(read(event({ raw: value as Record<string, unknown> }))).toBe(walk(value, keys));
        }
      }),
      { numRuns: 500 },
    );
  });

  it("wildcard patterns with ? take one code point (a surrogate pair or a lone half), whatever the text's length", () => {
    const pair = "\ud83d\ude00";
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom("a", "A", "?", "*", pair), maxLength: 6 }), fc.string({ unit: fc.constantFrom("a", "b", pair, "\ud83d", "\ude00"), maxLength: 9 }), (pattern, text) => {
        // The reference: a regular expression over code points (the u flag), `?` one of them, `*` any run.
        const source = [...pattern].map((c) => (c === "*" ? "[\\s\\S]*" : c === "?" ? "[\\s\\S]" : c)).join("");
        const expected = new RegExp(`^${source}$`, "iu").test(text);
        expect(selection(`Note: '${pattern}'`)(event({ raw: { Note: text } }))).toBe(expected);
      }),
      { numRuns: 1_000 },
    );
  });

  it("wildcard patterns agree with an equivalent regular expression on random strings", () => {
    const chars = fc.constantFrom("a", "b", "A", "*", "?", "\\");
    fc.assert(
      fc.property(fc.string({ unit: chars, maxLength: 8 }), fc.string({ unit: fc.constantFrom("a", "b", "B", "\\", "*", "?"), maxLength: 10 }), (pattern, text) => {
        // The reference: the spec's escaping rules turned into a regular expression.
        let source = "";
        for (let i = 0; i < pattern.length; i++) {
          const c = pattern[i]!;
          const next = pattern[i + 1];
          if (c === "\\" && (next === "*" || next === "?" || next === "\\")) {
            source += `\\${next}`;
            i++;
          } else if (c === "*") source += "[\\s\\S]*";
          else if (c === "?") source += "[\\s\\S]";
          else source += c === "\\" ? "\\\\" : c;
        }
        const expected = new RegExp(`^${source}$`, "i").test(text);
        const quoted = `'${pattern}'`;
        expect(selection(`Note: ${quoted}`)(event({ raw: { Note: text } }))).toBe(expected);
      }),
      { numRuns: 500 },
    );
  });
});
