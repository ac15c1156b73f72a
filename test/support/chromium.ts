// Finds Debian's Chromium for browser tests. playwright-core drives it; no
// browser is ever downloaded. Flags: headless without a sandbox (CI runs as
// root) and without background networking, which this machine's closed
// network refuses (see the env notes).
import { existsSync } from "node:fs";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, it } from "vitest";

export function chromiumPath(): string | undefined {
  return ["/usr/bin/chromium", "/usr/bin/chromium-browser", process.env.CHROMIUM_PATH ?? ""].find((path) => path !== "" && existsSync(path));
}

export const CHROMIUM_ARGS = [
  "--headless=new",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-dev-shm-usage",
];

/**
 * What a browser suite does when Chromium is missing: in CI (which installs
 * Debian's chromium) that is an error, not a skip; elsewhere one visibly
 * skipped test named after the suite.
 */
export function skipWithoutChromium(suite: string): void {
  if (process.env.CI === "true") throw new Error(`chromium not found, but CI must run the ${suite} test`);
  describe(suite, () => {
    it.skip("skipped: /usr/bin/chromium not found (install the Debian package chromium)", () => undefined);
  });
}

/**
 * A suite run in one headless Chromium, launched before its tests and closed
 * after them; `body` declares the tests and gets the browser from
 * `browser()`. Without Chromium, {@link skipWithoutChromium}.
 */
export function describeInChromium(suite: string, body: (browser: () => Browser) => void): void {
  const executable = chromiumPath();
  if (executable === undefined) {
    skipWithoutChromium(suite);
    return;
  }
  describe(suite, () => {
    let launched: Browser | undefined;
    beforeAll(async () => {
      launched = await chromium.launch({ executablePath: executable, args: CHROMIUM_ARGS });
    }, 60_000);
    afterAll(async () => {
      await launched?.close();
    });
    body(() => {
      if (launched === undefined) throw new Error(`${suite}: Chromium did not start`);
      return launched;
    });
  });
}
