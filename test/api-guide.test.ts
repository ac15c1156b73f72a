// Runs every curl command of docs/server.md ("A walk through the API with
// curl") against a fresh server with the embedded backend, in order, and
// checks each answer against the JSON (or text) block after it: the JSON as a
// subset (fields not shown may vary), text exactly.
import { execFile, spawnSync } from "node:child_process";
import { promisify } from "node:util";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuditLog } from "../src/compliance/index.js";
import { generateNoteKey, NoteSigner } from "../src/compliance/node/index.js";
import { type ComplianceApp, createAuditBackend, createComplianceApp, createComplianceBackend, createReportBackend, MemoryAlertStore } from "../src/server/index.js";

const page = readFileSync(fileURLToPath(new URL("../docs/server.md", import.meta.url)), "utf8");
const walk = page.slice(page.indexOf("## A walk through the API with curl"));
const blocks = [...walk.matchAll(/^```(\w+)\n([\s\S]*?)^```/gm)].map((m) => ({ language: m[1]!, text: m[2]! }));
const steps: { command: string; expected: { language: string; text: string } | undefined }[] = [];
for (let i = 1; i < blocks.length; i++) {
  if (blocks[i]!.language !== "sh") continue;
  const next = blocks[i + 1];
  steps.push({ command: blocks[i]!.text, expected: next !== undefined && next.language !== "sh" ? next : undefined });
}
const hasCurl = spawnSync("sh", ["-c", "command -v curl"]).status === 0;

describe.skipIf(!hasCurl)("docs/server.md curl walk-through", () => {
  let app: ComplianceApp;
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    const backend = createComplianceBackend({ monitor: { identities: "plain" }, dedup: { exact: true } });
    const alerts = new MemoryAlertStore();
    const audit = createAuditBackend({ log: new AuditLog({ origin: "papertrail.local/audit" }), signers: [NoteSigner.fromKey(generateNoteKey("papertrail.local/audit").signerKey)] });
    app = await createComplianceApp({ backend, alerts, audit, reports: createReportBackend({ backend, alerts, audit }), rateLimit: false, dashboard: false });
    const { url } = await app.listen(0);
    env = { ...process.env, PAPERTRAIL_URL: url, NOW: new Date().toISOString().replace(/\.\d+Z$/, "Z") };
  });
  afterAll(async () => {
    await app?.close();
  });

  it("finds the walk-through's commands", () => {
    expect(steps.length).toBeGreaterThanOrEqual(12);
    expect(steps.filter((s) => s.command.includes("curl")).length).toBeGreaterThanOrEqual(11);
  });

  for (const [index, step] of steps.entries()) {
    it(`step ${index + 1}: ${step.command.split("\n").find((l) => l.includes("curl"))?.slice(0, 90) ?? step.command.split("\n")[0]}`, async () => {
      // Asynchronously: the server answers from this same process.
      const { stdout: output } = await promisify(execFile)("bash", ["-c", step.command], { env, encoding: "utf8", timeout: 20_000 });
      if (step.expected === undefined) return;
      if (step.expected.language === "json") expect(JSON.parse(output)).toMatchObject(JSON.parse(step.expected.text));
      // Text answers line by line (CSV lines end in CRLF, RFC 4180).
      else expect(output.replace(/\r\n/g, "\n")).toBe(step.expected.text);
    });
  }
});
