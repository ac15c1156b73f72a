import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type Alert, CallbackSink, type ComplianceEvent, formatDiscordPayload, formatSlackPayload, InvalidArgumentError, RingSink } from "../src/compliance/index.js";

const event = (n: number, text: string): ComplianceEvent => ({
  kind: "login", time: 1767603600000 + n, user: text, system: "auth", ip: "203.0.113.7", session: undefined, status: "failed", outcome: "failure",
  level: undefined, message: text, value: undefined, metrics: undefined, id: undefined, raw: {},
});

const alertOf = (text: string, evidence: number, type: "alert" | "summary" = "alert"): Alert => ({
  id: `rule:${text}:1`, type, ruleId: text || "r", title: text || "t", severity: "critical", groupKey: text, group: { key: text },
  system: text, user: text, window: { from: 0, to: 1 }, count: 3, value: 1.5, firstTime: 0, lastTime: 1,
  suppressed: type === "summary" ? 42 : 0, message: text, evidence: Array.from({ length: evidence }, (_, i) => event(i, text)), tags: [text],
});

describe("CallbackSink", () => {
  it("calls back in order, and keeps a throwing callback away from the caller", () => {
    const seen: string[] = [];
    const sink = new CallbackSink((a) => {
      if (a.id === "boom") throw new Error("callback failed");
      seen.push(a.id);
    });
    sink.emit({ id: "1" } as Alert);
    expect(() => sink.emit({ id: "boom" } as Alert)).not.toThrow();
    sink.emit({ id: "2" } as Alert);
    expect(seen).toEqual(["1", "2"]);
    expect(sink.errors).toBe(1);
    expect((sink.lastError as Error).message).toBe("callback failed");
    expect(() => new CallbackSink("x" as never)).toThrow(InvalidArgumentError);
  });
});

describe("RingSink", () => {
  it("holds the last N alerts oldest first, counting overwrites (against an array model)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), fc.array(fc.oneof(fc.nat(1000), fc.constant(-1)), { maxLength: 60 }), (capacity, ops) => {
        const ring = new RingSink(capacity);
        let model: string[] = [];
        let overwritten = 0;
        for (const op of ops) {
          if (op === -1) {
            ring.clear();
            model = [];
            continue;
          }
          ring.emit({ id: String(op) } as Alert);
          model.push(String(op));
          if (model.length > capacity) {
            model.shift();
            overwritten++;
          }
          expect(ring.alerts().map((a) => a.id)).toEqual(model);
          expect(ring.size).toBe(model.length);
          expect(ring.overwritten).toBe(overwritten);
        }
      }),
    );
    expect(() => new RingSink(0)).toThrow(InvalidArgumentError);
    expect(() => new RingSink(1.5)).toThrow(InvalidArgumentError);
  });
});

describe("webhook payloads", () => {
  // Long text, markup, surrogate pairs: every limit must hold whatever the alert holds.
  const text = fc.oneof(fc.string({ maxLength: 20 }), fc.string({ minLength: 900, maxLength: 5000 }), fc.constantFrom("<!channel> @everyone & ```", "😀".repeat(3000)));

  it("Slack: header ≤ 150, section text ≤ 3000, ≤ 10 fields of ≤ 2000, mrkdwn escaped", () => {
    fc.assert(
      fc.property(text, fc.nat(12), fc.boolean(), (t, evidence, summary) => {
        const payload = formatSlackPayload(alertOf(t, evidence, summary ? "summary" : "alert"));
        expect(payload.text.length).toBeLessThanOrEqual(3000);
        for (const block of payload.blocks) {
          if (block.type === "header") expect(block.text.text.length).toBeLessThanOrEqual(150);
          if (block.type === "header" || (block.type === "section" && "text" in block)) expect(block.text.text.trim().length).toBeGreaterThan(0);
          if (block.type === "section" && "text" in block) expect(block.text.text.length).toBeLessThanOrEqual(3000);
          if (block.type === "section" && "fields" in block) {
            expect(block.fields.length).toBeLessThanOrEqual(10);
            for (const field of block.fields) expect(field.text.length).toBeLessThanOrEqual(2000);
          }
          if (block.type === "context") for (const element of block.elements) expect(element.text.length).toBeLessThanOrEqual(3000);
          const json = JSON.stringify(block.type === "header" ? {} : block);
          expect(json).not.toContain("<!channel>");
        }
        expect(JSON.stringify(payload)).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/); // no split surrogate pair
      }),
      { numRuns: 200 },
    );
  });

  it("Discord: title ≤ 256, description ≤ 4096, ≤ 25 fields, values ≤ 1024, 6000 in all, mentions off", () => {
    fc.assert(
      fc.property(text, fc.nat(12), fc.boolean(), (t, evidence, summary) => {
        const payload = formatDiscordPayload(alertOf(t, evidence, summary ? "summary" : "alert"));
        expect(payload.allowed_mentions).toEqual({ parse: [] });
        for (const embed of payload.embeds) {
          expect(embed.title.length).toBeLessThanOrEqual(256);
          expect(embed.title.trim().length * embed.description.trim().length).toBeGreaterThan(0);
          expect(embed.description.length).toBeLessThanOrEqual(4096);
          expect(embed.fields.length).toBeLessThanOrEqual(25);
          for (const field of embed.fields) {
            expect(field.name.length).toBeLessThanOrEqual(256);
            expect(field.value.length).toBeLessThanOrEqual(1024);
            expect(field.value.length).toBeGreaterThan(0);
          }
          expect(embed.footer.text.length).toBeLessThanOrEqual(2048);
          const total = embed.title.length + embed.description.length + embed.footer.text.length + embed.fields.reduce((sum, f) => sum + f.name.length + f.value.length, 0);
          expect(total).toBeLessThanOrEqual(6000);
          expect(new Date(embed.timestamp).toISOString()).toBe(embed.timestamp);
        }
      }),
      { numRuns: 200 },
    );
  });

  it("shows the evidence (latest events) and the suppressed count of a summary", () => {
    const payload = formatDiscordPayload(alertOf("alice", 8, "summary"));
    const fields = Object.fromEntries(payload.embeds[0]!.fields.map((f) => [f.name, f.value]));
    expect(fields.Suppressed).toBe("42");
    expect(fields.Evidence).toContain("2026-01-05T09:00:00.007Z login user=alice ip=203.0.113.7");
    expect(fields.Evidence!.split("\n").length).toBe(5 + 2); // five lines inside a code fence
    expect(payload.embeds[0]!.title).toBe("Summary: alice");
  });
});
