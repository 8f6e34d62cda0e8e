import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "./harness/index.ts";
import { bundledPackages, bundleInputs, isAgpl } from "./licences/bundled-packages.ts";

/**
 * The IAM simulation's evaluator, @cloud-copilot/iam-simulate, is AGPL-3.0: a test-time
 * devDependency only. What ships (the Lambda bundles, the CLI, the device client) must carry no
 * AGPL code, so no product module may import it.
 */

const HANDLERS_DIR = join(REPO_ROOT, "packages", "functions", "src", "handlers");
const BUNDLES = {
  "Lambda handlers": readdirSync(HANDLERS_DIR)
    .filter((file) => file.endsWith(".ts"))
    .map((file) => join(HANDLERS_DIR, file)),
  CLI: [join(REPO_ROOT, "packages", "cli", "src", "bin", "fleet.ts")],
  // As scripts/build-device.ts bundles it: readable-stream is Node's own stream module.
  "device client": [join(REPO_ROOT, "packages", "device", "src", "bin", "fleet-device.ts")],
};
const BUNDLE_TIMEOUT_MS = 60_000;

describe("licences of what ships", () => {
  it.each(Object.entries(BUNDLES))(
    "the %s bundle carries no AGPL-licensed package, and each package declares its licence",
    async (_, entryPoints) => {
      const inputs = await bundleInputs(
        { entryPoints, alias: { "readable-stream": "node:stream" } },
        REPO_ROOT,
      );

      const packages = bundledPackages(inputs, REPO_ROOT);

      expect(packages.length).toBeGreaterThan(1);
      expect(packages.filter(isAgpl)).toEqual([]);
      expect(packages.filter((bundled) => bundled.licence === "UNDECLARED")).toEqual([]);
    },
    BUNDLE_TIMEOUT_MS,
  );

  it("finds the IAM simulator's AGPL licence in a bundle that imports it", async () => {
    const inputs = await bundleInputs(
      {
        stdin: {
          contents: 'export { runSimulation } from "@cloud-copilot/iam-simulate";',
          resolveDir: REPO_ROOT,
          sourcefile: "imports-the-simulator.ts",
          loader: "ts",
        },
      },
      REPO_ROOT,
    );

    expect(bundledPackages(inputs, REPO_ROOT).filter(isAgpl)).toContainEqual({
      name: "@cloud-copilot/iam-simulate",
      licence: "AGPL-3.0-or-later",
    });
  });
});
