import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { type BrowserContext, chromium } from "playwright-core";

/**
 * Debian's Chromium, driven by playwright-core, for the sandbox console's browser tests and
 * the README's screenshot. Headless, and quiet: the machine may have no internet, so nothing
 * in the background (updates, sync, component downloads) tries to reach it.
 */
const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

const ENSURE_DEBIAN_TOOLS = resolve(import.meta.dirname, "ensure-debian-tools.sh");
/** Where Debian's `chromium` package puts the browser. */
const CHROMIUM = "/usr/bin/chromium";

/** Installs Chromium from Debian's packages when missing (`ensure-debian-tools.sh`); its path. */
export async function ensureChromium(): Promise<string> {
  await promisify(execFile)("sh", [ENSURE_DEBIAN_TOOLS, "chromium=chromium"], {
    timeout: 600_000,
  });
  return CHROMIUM;
}

export interface ConsoleBrowser {
  context: BrowserContext;
  close(): Promise<void>;
}

/** A browser with a fresh profile (`--user-data-dir` in a new temporary directory). */
export async function launchChromium(
  viewport = { width: 1440, height: 1000 },
): Promise<ConsoleBrowser> {
  const executablePath = await ensureChromium();
  const profile = await mkdtemp(join(tmpdir(), "fleet-console-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport,
  });
  return {
    context,
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}
