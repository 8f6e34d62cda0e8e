import { resolve } from "node:path";
import { parseArgs } from "node:util";
import type { Locator } from "playwright-core";
import { launchChromium } from "./console-browser.ts";
import { releaseLedApp, startConsoleSandbox } from "./console-sandbox.ts";

/**
 * `npm run screenshot:console [-- --out FILE]`: the README's picture of the sandbox console.
 * Starts `fleet sandbox` as `npm start` does, opens its console URL in Debian's Chromium, waits
 * for the charts to fill, releases the demo LED app and shoots once the fleet has it.
 */

const ROOT = resolve(import.meta.dirname, "..");
/** The simulated devices report every few seconds: this many readings make a readable line. */
const POINTS = 12;

const { values } = parseArgs({
  options: { out: { type: "string", default: resolve(ROOT, "docs/console.png") } },
});
const sandbox = await startConsoleSandbox();
const browser = await launchChromium();
try {
  const page = await browser.context.newPage();
  await page.goto(sandbox.consoleUrl);
  await page.locator("#fleet tr[data-state=provisioned]").nth(2).waitFor({ timeout: 60_000 });
  await chartFilled(page.locator("[data-panel='vehicle-simulator.speed']"), 120_000);
  const release = await releaseLedApp(sandbox);
  await page
    .locator(`[data-release='${release.releaseId}'][data-phase=completed]`)
    .waitFor({ timeout: 120_000 });
  await page.screenshot({ path: resolve(values.out), fullPage: true });
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
