// The monitor's field reader (src/compliance/monitor-metrics.ts) and the rule
// dispatch's (src/compliance/event-field.ts): their switches use literal
// codes, so each case must read the field its code names.
import { describe, expect, it } from "vitest";
import type { ComplianceEvent } from "../src/compliance/event.js";
import { fieldReader, readEventMetrics, readTopLevelField, topLevelFieldCode } from "../src/compliance/event-field.js";
import { compileField, FieldCode, readField } from "../src/compliance/monitor-metrics.js";

describe("monitor readField", () => {
  it("reads every top-level field by its code, metrics.<name> and raw paths", () => {
    const event = {
      kind: "k", time: 1, user: "u", system: "s", ip: "i", session: "se", status: "st", outcome: "o",
      level: "l", message: "m", value: 2, id: "id", metrics: { cpu: 3 }, raw: { a: { b: "deep" } },
    } as unknown as ComplianceEvent;
    const names = ["kind", "time", "user", "system", "ip", "session", "status", "outcome", "level", "message", "value", "id"] as const;
    for (const name of names) {
      const field = compileField(name, "test");
      expect(field.code).toBe(FieldCode[(name.charAt(0).toUpperCase() + name.slice(1)) as keyof typeof FieldCode]);
      expect(readField(event, field)).toBe(event[name]);
    }
    expect(readField(event, compileField("metrics.cpu", "test"))).toBe(3);
    expect(readField(event, compileField("raw.a.b", "test"))).toBe("deep");
    expect(Object.values(FieldCode)).toEqual([...Array(14).keys()]);
  });
});

describe("the rules' top-level field codes", () => {
  it("give each top-level reader its field, the whole metrics object to readEventMetrics, and -1 for other readers", () => {
    const event = {
      kind: "k", time: 1, user: "u", system: "s", ip: "i", session: "se", status: "st", outcome: "o",
      level: "l", message: "m", value: 2, id: "id", metrics: { cpu: 3 }, raw: { a: "b" },
    } as unknown as ComplianceEvent;
    const names = ["kind", "time", "user", "system", "ip", "session", "status", "outcome", "level", "message", "value", "id"] as const;
    names.forEach((name, index) => {
      const code = topLevelFieldCode(fieldReader(name));
      expect(code).toBe(index);
      expect(readTopLevelField(event, code)).toBe(event[name]);
    });
    expect(topLevelFieldCode(readEventMetrics)).toBe(12);
    expect(readTopLevelField(event, 12)).toBe(event.metrics);
    expect(readEventMetrics(event)).toBe(event.metrics);
    expect(topLevelFieldCode(fieldReader("metrics.cpu"))).toBe(-1);
    expect(topLevelFieldCode(fieldReader("raw.a"))).toBe(-1);
    expect(topLevelFieldCode((e: ComplianceEvent) => e.user)).toBe(-1);
    expect(readTopLevelField(event, -1)).toBeUndefined();
    expect(readTopLevelField(event, 13)).toBeUndefined();
  });
});
