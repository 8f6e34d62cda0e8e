// Issue 19: the sandbox console, a page the loopback API serves. Its launch URL carries the
// run's token once; the browser then holds only an HttpOnly, SameSite=Strict session cookie.
// Attackers: another local process or page without the token or cookie, a stale cookie from an
// earlier run, a page on another loopback port (same site: it gets the cookie), a foreign Origin.
import type { AllowListUploadReport } from "@fleet/core/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type SandboxApi, startSandboxApi } from "../../src/index.ts";

const ALLOW_LIST_REPORT: AllowListUploadReport = {
  format: "text",
  serials: 1,
  duplicates: [],
  currentVersion: null,
  diff: { added: 1, removed: 0, unchanged: 0, addedSample: ["SN-1"], removedSample: [] },
  version: null,
  reconcile: null,
};

/** The `error` of a refusal. */
async function reason(response: Response): Promise<string> {
  return ((await response.json()) as { error: string }).error;
}

describe("the sandbox console's session", () => {
  let api: SandboxApi;
  let other: SandboxApi;
  const uploads: boolean[] = [];

  beforeAll(async () => {
    api = await startSandboxApi({
      listDevices: async () => [],
      uploadAllowList: async ({ dryRun }) => {
        uploads.push(dryRun);
        return ALLOW_LIST_REPORT;
      },
    });
    other = await startSandboxApi({});
  });
  afterAll(async () => {
    await api.close();
    await other.close();
  });

  const get = (path: string, headers: Record<string, string> = {}) =>
    fetch(new URL(path, api.url), { headers, redirect: "manual" });

  /** What a browser does with the launch URL: the cookie it is given. */
  async function launch(): Promise<string> {
    const response = await fetch(api.consoleUrl, { redirect: "manual" });
    const cookie = response.headers.get("set-cookie") ?? "";
    return cookie.split(";")[0] ?? "";
  }

  it("refuses every console file and data request without the token or the session cookie", async () => {
    for (const path of ["/console/", "/console/console.js", "/console/console.css"]) {
      const refused = await get(path);
      expect(refused.status).toBe(401);
      expect(await reason(refused)).toBe(
        "no console session: open the console URL `fleet sandbox` printed at start",
      );
    }
    const data = await get("/v1/devices");
    expect(data.status).toBe(401);
    expect(await reason(data)).toMatch(/^missing bearer token/);
  });

  it("exchanges the launch URL's token for an HttpOnly, SameSite=Strict cookie and drops it from the address", async () => {
    expect(api.consoleUrl).toBe(`${api.url}/console/?token=${api.token}`);
    const response = await fetch(api.consoleUrl, { redirect: "manual" });
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe("/console/");
    const port = new URL(api.url).port;
    expect(response.headers.get("set-cookie")).toMatch(
      new RegExp(`^fleet-console-${port}=[\\w-]{43}; Path=/; HttpOnly; SameSite=Strict$`),
    );
    // The cookie is not the API's token: it cannot be replayed as a bearer token.
    const cookie = await launch();
    expect(cookie).not.toContain(api.token);
    const page = await get("/console/", { cookie });
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(page.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    expect(await page.text()).toContain('<script type="module" src="console.js"></script>');
    const script = await get("/console/console.js", { cookie, "sec-fetch-site": "same-origin" });
    expect(script.status).toBe(200);
    expect(await (await get("/v1/devices", { cookie })).json()).toEqual([]);
  });

  it("refuses a wrong launch token, and the session cookie of another sandbox run", async () => {
    const wrong = await get(`/console/?token=${other.token}`);
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get("set-cookie")).toBeNull();
    expect(await reason(wrong)).toMatch(/^wrong console token/);

    // Another run's cookie, sent to this run's port: the secret differs.
    const otherCookie = (await fetch(other.consoleUrl, { redirect: "manual" })).headers
      .get("set-cookie")
      ?.split(";")[0]
      ?.replace(/^fleet-console-\d+/, `fleet-console-${new URL(api.url).port}`);
    expect((await get("/console/", { cookie: otherCookie ?? "" })).status).toBe(401);
  });

  it("refuses a page on another loopback port even though the browser sends it the cookie", async () => {
    // Cookies reach every port of a host and 127.0.0.1:3000 is the same site: the browser's
    // Fetch Metadata says the request did not come from the console's own page.
    const cookie = await launch();
    for (const site of ["same-site", "cross-site"]) {
      const refused = await get("/v1/devices", { cookie, "sec-fetch-site": site });
      expect(refused.status).toBe(403);
      expect(await reason(refused)).toBe(
        `console requests must come from the console's own page (Sec-Fetch-Site ${site})`,
      );
    }
  });

  it("takes writes from the console's own origin only, with the cookie", async () => {
    const cookie = await launch();
    const upload = (headers: Record<string, string>) =>
      fetch(new URL("/v1/allowlist?dryRun=1", api.url), {
        method: "PUT",
        headers: { "content-type": "application/octet-stream", ...headers },
        body: "serial\nSN-1\n",
      });
    const own = await upload({ cookie, origin: api.url, "sec-fetch-site": "same-origin" });
    expect(own.status).toBe(200);
    const foreign = await upload({ cookie, origin: "http://127.0.0.1:3000" });
    expect(foreign.status).toBe(403);
    expect((await upload({ origin: api.url })).status).toBe(401);
    expect(uploads).toEqual([true]);
  });
});
