// The sandbox console in a real browser (issue 19): `fleet sandbox` as `npm start` runs it, its
// printed console URL opened in Debian's Chromium (installed by scripts/ensure-debian-tools.sh when
// missing). One sandbox and one browser for the file; the tests run in order and share them.
import { mkdir } from "node:fs/promises";
import { resolve } from "node:path";
import {
  type AllowListSnapshot,
  createOperatorClient,
  OPERATOR_ROUTES,
} from "@fleet/core/contracts";
import type { Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type ConsoleBrowser, launchChromium } from "../../scripts/console-browser.ts";
import {
  type ConsoleSandbox,
  releaseLedApp,
  startConsoleSandbox,
} from "../../scripts/console-sandbox.ts";

/** Screenshots of each test's last state: test artifacts, never committed. */
const ARTIFACTS = resolve(import.meta.dirname, "../../test-artifacts/browser");
/** Device starts, OTA installs: ceilings for the waits, never asserted. */
const WAIT_MS = 90_000;
const TEST_TIMEOUT_MS = 2 * WAIT_MS;

describe("the sandbox console in Chromium", () => {
  let sandbox: ConsoleSandbox;
  let browser: ConsoleBrowser;
  let page: Page;

  beforeAll(async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    sandbox = await startConsoleSandbox();
    browser = await launchChromium();
    page = await browser.context.newPage();
    // Installing Chromium on a fresh machine takes minutes.
  }, 600_000);
  afterEach(async (context) => {
    const name = context.task.name.replace(/\W+/g, "-");
    await page?.screenshot({ path: resolve(ARTIFACTS, `${name}.png`), fullPage: true });
  });
  afterAll(async () => {
    await browser?.close();
    await sandbox?.stop();
  });

  const cliApi = () =>
    createOperatorClient(OPERATOR_ROUTES, {
      url: sandbox.info.apiUrl,
      token: sandbox.info.token,
    });

  it("opens with the printed URL, whose token leaves the address bar for an HttpOnly cookie", async () => {
    expect(sandbox.consoleUrl).toBe(`${sandbox.info.apiUrl}/console/?token=${sandbox.info.token}`);
    await page.goto(sandbox.consoleUrl);
    expect(page.url()).toBe(`${sandbox.info.apiUrl}/console/`);
    // The page's script cannot read it. (A function, not a string: the page's CSP refuses
    // eval; the tooling compiles without DOM types.)
    const cookieSeenByScript = await page.evaluate(
      () => (globalThis as unknown as { document: { cookie: string } }).document.cookie,
    );
    expect(cookieSeenByScript).toBe("");
    const [cookie] = await browser.context.cookies();
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: "Strict" });
  });

  it(
    "shows the fleet: three devices provisioned and connected, with their certificate countdown",
    async () => {
      const rows = page.locator("#fleet tbody tr[data-state=provisioned]");
      await expect.poll(() => rows.count(), { timeout: WAIT_MS }).toBe(3);
      await expect
        .poll(() => page.locator("#fleet td.connected").count(), { timeout: WAIT_MS })
        .toBe(3);
      expect(await page.locator("#fleet th[scope=row]").allTextContents()).toEqual([
        "sim-0001",
        "sim-0002",
        "sim-0003",
      ]);
      // The sandbox issues 10-minute certificates: a countdown in minutes and seconds.
      expect(await page.locator("#fleet [data-not-after]").first().textContent()).toMatch(
        /^\d+m \d{2}s$/,
      );
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "draws a device's telemetry from the panel catalogue, and the chart gains points",
    async () => {
      const speed = page.locator("[data-panel='vehicle-simulator.speed']");
      const points = async () => Number(await speed.getAttribute("data-points"));
      await expect.poll(points, { timeout: WAIT_MS }).toBeGreaterThan(0);
      const first = await points();
      await expect.poll(points, { timeout: WAIT_MS }).toBeGreaterThan(first);
      expect(await speed.locator("canvas").count()).toBe(1);
      expect(await page.locator("#telemetry select[name=device] option").allTextContents()).toEqual(
        ["sim-0001", "sim-0002", "sim-0003"],
      );
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "follows a release from the canary to the fleet, device by device",
    async () => {
      const release = await releaseLedApp(sandbox);
      const card = page.locator(`[data-release='${release.releaseId}']`);
      await card.locator("tr[data-stage=canary]").first().waitFor({ timeout: WAIT_MS });
      const fleetDone = card.locator("tr[data-stage=fleet][data-status=SUCCEEDED]");
      await expect.poll(() => fleetDone.count(), { timeout: WAIT_MS }).toBe(3);
      await expect
        .poll(() => card.getAttribute("data-phase"), { timeout: WAIT_MS })
        .toBe("completed");
      expect(await card.locator("tr[data-stage=canary]").getAttribute("data-thing")).toBe(
        "sim-0001",
      );
      await expect
        .poll(() => page.locator("#fleet tr[data-serial=sim-0003] .apps").textContent())
        .toBe("led 1.0.0");
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "rotates a device's certificate from its row, and shows the rotation's progress",
    async () => {
      const row = page.locator("#fleet tr[data-serial=sim-0002]");
      const before = await row.locator("[data-not-after]").getAttribute("data-not-after");
      await row.getByRole("button", { name: "Rotate" }).click();
      await row.locator("[data-rotation-step=committed]").waitFor({ timeout: WAIT_MS });
      await expect
        .poll(() => row.locator("[data-not-after]").getAttribute("data-not-after"))
        .not.toBe(before);
    },
    TEST_TIMEOUT_MS,
  );

  it("shows an allow-list's diff before it is uploaded, and uploads it on Apply", async () => {
    const before: AllowListSnapshot = await cliApi().readAllowList();
    await page.locator("#allow-list input[type=file]").setInputFiles({
      name: "next.txt",
      mimeType: "text/plain",
      buffer: Buffer.from("serial\nsim-0001\nsim-0002\nsim-0004\n"),
    });
    const diff = page.locator("#allow-list [data-diff]");
    await diff.waitFor();
    expect(await diff.locator(".added").first().textContent()).toBe("+1 added");
    expect(await diff.locator("[data-added]").allTextContents()).toEqual(["+ sim-0004"]);
    expect(await diff.locator("[data-removed]").allTextContents()).toEqual(["− sim-0003"]);
    // Shown, not applied: the stored list is the one before.
    expect(await cliApi().readAllowList()).toEqual(before);

    await diff.getByRole("button", { name: "Apply" }).click();
    await page.locator("#allow-list [data-applied]").waitFor();
    expect((await cliApi().readAllowList()).serials).toEqual(["sim-0001", "sim-0002", "sim-0004"]);
  });

  it("refuses the page, its script and the API's data to a browser without the token or cookie", async () => {
    await browser.context.clearCookies();
    for (const path of ["/console/", "/console/console.js", "/v1/devices"]) {
      const response = await page.goto(`${sandbox.info.apiUrl}${path}`);
      expect(response?.status()).toBe(401);
    }
    expect(await page.textContent("body")).toContain("missing bearer token");
  });
});
