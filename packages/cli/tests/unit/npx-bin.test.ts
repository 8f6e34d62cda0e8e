import { execFile } from "node:child_process";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const REPO = fileURLToPath(new URL("../../../../", import.meta.url));

/**
 * `npx --no-install fleet --version` in `cwd`, offline: a registry lookup fails at once instead
 * of reaching the network, so the test shows where the bin came from.
 */
async function npxNoInstall(cwd: string) {
  const env = { ...process.env, npm_config_offline: "true", npm_config_update_notifier: "false" };
  return promisify(execFile)("npx", ["--no-install", "fleet", "--version"], { cwd, env }).then(
    ({ stdout }) => ({ code: 0, stdout }),
    (error: { code?: number; stdout?: string }) => ({
      code: error.code ?? 1,
      stdout: error.stdout ?? "",
    }),
  );
}

describe("npx --no-install fleet (the documented way to run the CLI)", () => {
  it("in the repository runs the workspace's own bin, without the registry", async () => {
    const { code, stdout } = await npxNoInstall(REPO);
    expect(stdout).toMatch(/^fleet 0\.1\.0 \(/);
    expect(code).toBe(0);
  });

  it("outside it fails instead of installing and running a registry package named fleet", async () => {
    const { code, stdout } = await npxNoInstall(await mkdtemp(join(tmpdir(), "fleet-npx-")));
    expect(code).not.toBe(0);
    expect(stdout).toBe("");
  });
});
