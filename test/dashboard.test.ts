// The dashboard in headless Chromium (Debian's, driven by playwright-core):
// it loads without console errors, its counts and chart move after events are
// posted, the activity checker answers, and an alert appears and is resolved
// with its button.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ComplianceApp, createComplianceApp, createComplianceBackend } from "../src/server/index.js";
import { CHROMIUM_ARGS, chromiumPath, skipWithoutChromium } from "./support/chromium.js";

const executable = chromiumPath();
const DASHBOARD = fileURLToPath(new URL("../dashboard", import.meta.url));

if (executable === undefined) {
  skipWithoutChromium("dashboard");
} else {
  describe("dashboard in headless Chromium", () => {
    let app: ComplianceApp;
    let url: string;
    let browser: Browser;
    beforeAll(async () => {
      const backend = createComplianceBackend({ monitor: { identities: "plain" }, dedup: { exact: true } });
      app = await createComplianceApp({ backend, rateLimit: false, dashboard: DASHBOARD, sse: { heartbeatMs: 1000 } });
      url = (await app.listen(0)).url;
      browser = await chromium.launch({ executablePath: executable, args: CHROMIUM_ARGS });
    }, 60_000);
    afterAll(async () => {
      await browser?.close();
      await app?.close();
    });

    const post = (body: unknown) => fetch(`${url}/api/v1/events`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

    it("loads cleanly, moves with the stream, answers the activity check, and resolves an alert", async () => {
      const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
      const problems: string[] = [];
      page.on("console", (message) => {
        if (message.type() === "error") problems.push(message.text());
      });
      page.on("pageerror", (error) => problems.push(error.message));
      await page.goto(url);
      await page.getByTestId("connection").filter({ hasText: "live" }).waitFor({ timeout: 15_000 });

      const t = new Date(Date.now() - 30_000).toISOString();
      const login = (user: string, ip: string, status: string, id?: string) => ({ event_type: "login", event_id: id, user_id: user, system: "billing", timestamp: t, metadata: { ip, status } });
      const answer = await (await post([...Array.from({ length: 30 }, (_, i) => login(`user${i % 6}`, `10.0.0.${i % 4}`, "success", `e${i}`)), login("user0", "10.0.0.0", "success", "e0")])).json();
      expect(answer).toMatchObject({ accepted: 30, duplicates: 1, rejected: 0 });
      // Counts and the chart follow the stream.
      await expect.poll(() => page.locator('#distinct-rows tr[data-system="billing"] td[data-metric="users"]').getAttribute("data-count"), { timeout: 15_000 }).toBe("6");
      await expect.poll(async () => Number(await page.getByTestId("chart-total").getAttribute("data-events")), { timeout: 15_000 }).toBe(30);
      await expect.poll(async () => page.getByTestId("event-count").textContent(), { timeout: 15_000 }).toBe("30 received");

      // The activity checker.
      await page.fill("#activity-user", "user3");
      await page.fill("#activity-system", "billing");
      await page.click("#activity-form button");
      await expect.poll(() => page.getByTestId("activity-answer").getAttribute("data-accessed")).toBe("true");
      await page.fill("#activity-user", "mallory");
      await page.click("#activity-form button");
      await expect.poll(() => page.getByTestId("activity-answer").getAttribute("data-accessed")).toBe("false");

      // A brute force (5 failed logins from one IP) makes an alert appear; its Resolve button resolves it.
      await post(Array.from({ length: 5 }, () => login("admin", "203.0.113.9", "failed")));
      const row = page.locator("#alert-rows tr").first();
      await row.waitFor({ timeout: 15_000 });
      const id = await row.getAttribute("data-id");
      await row.locator('button[data-action="resolved"]').click();
      await expect.poll(async () => (await (await fetch(`${url}/api/v1/alerts/${encodeURIComponent(id!)}`)).json()).status).toBe("resolved");
      await expect.poll(() => page.locator("#alert-rows tr").count()).toBe(0);
      await page.selectOption("#alert-status", "");
      await expect.poll(() => page.locator(`#alert-rows tr[data-status="resolved"]`).count()).toBe(1);

      expect(problems, "console errors before the invalid allow-list entry").toEqual([]);
      // The allow-list editor refuses an invalid entry (the one console error
      // expected: the browser logs the 400) and adds a valid one.
      await page.fill("#allow-entry", "not-an-ip");
      await page.click("#allow-form button");
      await expect.poll(() => page.getByTestId("allow-error").textContent()).toContain("not-an-ip");
      await page.fill("#allow-entry", "10.1.0.0/16");
      await page.click("#allow-form button");
      await page.locator("#allow-list li").filter({ hasText: "10.1.0.0/16" }).waitFor();

      const shot = join(process.env.DASHBOARD_SCREENSHOT_DIR ?? mkdtempSync(join(tmpdir(), "papertrail-dashboard-")), "dashboard.png");
      await page.screenshot({ path: shot, fullPage: true });
      expect(problems).toEqual(["Failed to load resource: the server responded with a status of 400 (Bad Request)"]);
      await page.close();
    }, 90_000);
  });
}
