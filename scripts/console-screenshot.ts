import { resolve } from "node:path";
import { parseArgs } from "node:util";
import type { Locator } from "playwright-core";
import { launchChromium } from "./console-browser.ts";
import { releaseLedApp, startConsoleSandbox } from "./console-sandbox.ts";

/**
 * `npm run screenshot:console [-- --out FILE]`: the README's picture of the sandbox console.
 * Starts `fleet sandbox` as `npm start` does, opens its console URL in Debian's Chromium, waits
 * for the charts to fill, releases the demo LED app, rotates a device's certificate from the
 * console and shoots once both are done.
 */

const ROOT = resolve(import.meta.dirname, "..");
/** The simulated devices report every few seconds: this many readings make a readable line. */
const POINTS = 12;

const { values } = parseArgs({
  options: { out: { type: "string", default: resolve(ROOT, "docs/console.png") } },
});
const sandbox = await startConsoleSandbox();
const browser = await launchChromium({ width: 1440, height: 1200 });
try {
  const page = await browser.context.newPage();
  await page.goto(sandbox.consoleUrl);
  await page.locator("#fleet tr[data-state=provisioned]").nth(2).waitFor({ timeout: 60_000 });
  await chartFilled(page.locator("[data-panel='vehicle-simulator.speed']"), 120_000);
  const release = await releaseLedApp(sandbox);
  await page
    .locator(`[data-release='${release.releaseId}'][data-phase=completed]`)
    .waitFor({ timeout: 120_000 });
  // A rotation started from the console, as an operator would.
  await page
    .locator("#fleet tr[data-serial=sim-0002]")
    .getByRole("button", { name: "Rotate" })
    .click();
  await page
    .locator("#fleet tr[data-serial=sim-0002] [data-rotation-step=committed]")
    .waitFor({ timeout: 60_000 });
  // The first screen: fleet, release, allow-list and the first charts; a small PNG to commit.
  await page.screenshot({ path: resolve(values.out) });
  console.log(`screenshot:console: wrote ${values.out}`);
} finally {
  await browser.close();
  await sandbox.stop();
}

/** Waits until the panel has drawn `POINTS` readings (its `data-points`). */
async function chartFilled(panel: Locator, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Number(await panel.getAttribute("data-points")) < POINTS) {
    if (Date.now() > deadline) throw new Error(`the chart has fewer than ${POINTS} points`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
