// Finds Debian's Chromium for browser tests. playwright-core drives it; no
// browser is ever downloaded. Flags: headless without a sandbox (CI runs as
// root) and without background networking, which this machine's closed
// network refuses (see the env notes).
import { existsSync } from "node:fs";
import { describe, it } from "vitest";

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
