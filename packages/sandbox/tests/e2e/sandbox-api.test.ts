import { stat } from "node:fs/promises";
import { join } from "node:path";
import { ALLOW_LIST_MAX_BYTES } from "@fleet/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type SandboxApi,
  sandboxFleetOperations,
  startSandbox,
  startSandboxApi,
} from "../../src/index.ts";
import { apiFetch } from "./api-fetch.ts";
import { startTestSandbox, tempDir } from "./sandbox-fixture.ts";

describe("the sandbox HTTP API's allow-list routes", () => {
  let env: Awaited<ReturnType<typeof startTestSandbox>>;
  let api: SandboxApi;

  const put = (body: string | Uint8Array, query = "") =>
    apiFetch(api, `/v1/allowlist${query}`, {
      method: "PUT",
      body,
      headers: { "content-type": "application/octet-stream" },
    });
  const current = async () =>
    (await (await apiFetch(api, `/v1/allowlist`)).json()) as {
      version: string | null;
      serials: string[];
      count: number;
    };

  beforeAll(async () => {
    env = await startTestSandbox("api");
    api = await startSandboxApi(sandboxFleetOperations(env.sandbox));
  });
  afterAll(async () => {
    await api.close();
    await env.stop();
  });

  it("serves no list before the first upload", async () => {
    expect(await current()).toEqual({ version: null, serials: [], count: 0 });
  });

  it("refuses a list with malformed lines with 400, naming each line, and stores nothing", async () => {
    const response = await put("SN-OK-0001\nbad serial!\n# comment\nx\n");
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: string; issues: { line: number }[] };
    expect(body.issues.map((issue) => issue.line)).toEqual([2, 4]);
    expect(body.error).toContain('line 2: "bad serial!"');
    expect((await current()).version).toBeNull();
  });

  it("refuses an empty list unless allowEmpty is given", async () => {
    const refused = await put("# nothing here\n");
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { error: string }).error).toContain("allow-list is empty");
    const accepted = await put("# nothing here\n", "?allowEmpty=1");
    expect(accepted.status).toBe(200);
    expect(await current()).toMatchObject({ serials: [], count: 0 });
  });

  it("stores a valid list, reports the diff and the reconcile, and serves it sorted", async () => {
    const response = await put("serial,comment\nSN-API-0002,lab\nSN-API-0001\nSN-API-0001\n");
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      version: expect.stringMatching(/^[0-9a-f]{64}$/),
      diff: { added: 2, removed: 0, addedSample: ["SN-API-0001", "SN-API-0002"] },
      reconcile: { status: "reconciled", listed: 2, removed: [], failures: [] },
    });
    expect(await current()).toEqual({
      version: body.version,
      serials: ["SN-API-0001", "SN-API-0002"],
      count: 2,
    });
    const devices = (await (await apiFetch(api, `/v1/devices`)).json()) as { state: string }[];
    expect(devices.map((device) => device.state)).toEqual(["pending", "pending"]);
  });

  it("refuses a body over the allow-list size limit with 413", async () => {
    const response = await put(new Uint8Array(ALLOW_LIST_MAX_BYTES + 1).fill(0x41));
    expect(response.status).toBe(413);
  });

  it("refuses a 64 MiB JSON nesting bomb with 400 naming its line and column, in bounded time", async () => {
    const started = performance.now();
    const response = await put(`{"serials":\n${"[".repeat(ALLOW_LIST_MAX_BYTES - 20)}`);
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toContain(
      "is JSON nested deeper than 8 levels at line 2, column 8",
    );
    expect(performance.now() - started).toBeLessThan(10_000);
  });

  it("answers 404 on the allow-list routes when serving a bare fleet inventory", async () => {
    const bare = await startSandboxApi({ listDevices: async () => [] });
    try {
      expect((await apiFetch(bare, `/v1/allowlist`)).status).toBe(404);
      expect((await apiFetch(bare, `/v1/devices`)).status).toBe(200);
    } finally {
      await bare.close();
    }
  });
});

describe("a restarted sandbox", () => {
  it("keeps its claim certificate, private to the state directory", async () => {
    const dir = await tempDir("restart-claim");
    const stateDir = join(dir.path, "state");
    try {
      const first = await startSandbox({ stateDir });
      const { claim } = first;
      await first.close();
      const second = await startSandbox({ stateDir });
      await second.close();

      expect(second.claim).toEqual(claim);
      expect(
        second.registry.listAttachedPolicies(claim.certificateId).map((p) => p.policyName),
      ).toEqual(["fleet-sandbox-claim"]);
      expect((await stat(claim.keyFile)).mode & 0o777).toBe(0o600);
      expect((await stat(join(stateDir, "claim"))).mode & 0o777).toBe(0o700);
    } finally {
      await dir.remove();
    }
  });
});
