// Finds Debian's Chromium for browser tests. playwright-core drives it; no
// browser is ever downloaded. Flags: headless without a sandbox (CI runs as
// root) and without background networking, which this machine's closed
// network refuses (see the env notes).
import { existsSync } from "node:fs";

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
