import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type SandboxApi, sandboxFleetOperations, startSandboxApi } from "../../src/index.ts";
import { cliStateDirFor, fleet, fleetFails } from "./ota-fixture.ts";
import { startTestSandbox } from "./sandbox-fixture.ts";

const serials = (from: number, to: number) =>
  Array.from({ length: to - from }, (_, i) => `SN-GRD-${String(from + i).padStart(4, "0")}`);

describe("the allow-list guard: an upload revoking more than a share of the fleet needs --yes", () => {
  let env: Awaited<ReturnType<typeof startTestSandbox>>;
  let api: SandboxApi;
  let cliStateDir: string;

  beforeAll(async () => {
    env = await startTestSandbox("allowlist-guard");
    api = await startSandboxApi(sandboxFleetOperations(env.sandbox));
    cliStateDir = await cliStateDirFor(env.sandbox, api, env.dir);
    const seeded = new TextEncoder().encode(`${serials(0, 20).join("\n")}\n`);
    await env.sandbox.uploadAllowList(seeded, { allowEmpty: false });
  });
  afterAll(async () => {
    await api.close();
    await env.stop();
  });

  async function listFile(name: string, items: string[]): Promise<string> {
    const file = join(env.dir, name);
    await writeFile(file, `${items.join("\n")}\n`);
    return file;
  }
  const current = async () =>
    JSON.parse(await fleet("allowlist", "show", "--json", "--state-dir", cliStateDir)) as {
      count: number;
    };

  it("refuses a list dropping 5 of 20 serials (25%), naming the share and the flag; nothing is stored", async () => {
    const truncated = await listFile("truncated.txt", serials(0, 15));

    const refused = await fleetFails("allowlist", "upload", truncated, "--state-dir", cliStateDir);

    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(
      "the new list removes 5 of 20 serials (25%), more than 10% of the fleet",
    );
    expect(refused.stderr).toContain("confirm with --yes");
    expect((await current()).count).toBe(20);
  });

  it("takes it with --yes, or with a larger --max-revoke-pct", async () => {
    const larger = await listFile("larger.txt", serials(0, 17));
    await fleet(
      "allowlist",
      "upload",
      larger,
      "--max-revoke-pct",
      "20",
      "--state-dir",
      cliStateDir,
    );
    expect((await current()).count).toBe(17);

    const confirmed = await listFile("confirmed.txt", serials(0, 10));
    await fleet("allowlist", "upload", confirmed, "--yes", "--state-dir", cliStateDir);
    expect((await current()).count).toBe(10);
  });
});
