import type { ChildProcess } from "node:child_process";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { FLEET_BIN, fleet, run, startSandbox, waitFor } from "../support/fleet-process.ts";

/** `fleet ...args` expected to fail: its exit code and stderr. */
async function failing(...args: string[]): Promise<{ code: number; stderr: string }> {
  return run(process.execPath, [FLEET_BIN, ...args]).then(
    () => ({ code: 0, stderr: "" }),
    (error: { code: number; stderr: string }) => ({ code: error.code, stderr: error.stderr }),
  );
}

describe("telemetry names in a running sandbox", () => {
  const children: ChildProcess[] = [];
  afterEach(() => {
    for (const child of children) child.kill("SIGKILL");
  });

  it("a misspelt device or measure fails naming the closest; measures lists what the device sends", async () => {
    const stateDir = await mkdtemp(join(tmpdir(), "fleet-telemetry-names-"));
    children.push(startSandbox(stateDir, "1"));
    const target = ["--state-dir", stateDir];

    const measures = await waitFor(
      "sim-0001's vehicle measures",
      async () => {
        const names = JSON.parse(
          await fleet("telemetry", "measures", "--device", "sim-0001", "--json", ...target),
        ) as string[];
        return names.includes("vehicle.battery.soc") ? names : undefined;
      },
      60_000,
    );
    expect(measures).toEqual([...measures].sort());

    const device = await failing("telemetry", "query", "--device", "sim-0002", ...target);
    expect(device.code).toBe(2);
    expect(device.stderr).toMatch(/no device sim-0002 in the fleet \(did you mean sim-0001\?\)\n$/);

    const args = ["--device", "sim-0001", "--measure", "vehicle.battery.sco"];
    const measure = await failing("telemetry", "query", ...args, ...target);
    expect(measure.code).toBe(2);
    expect(measure.stderr).toMatch(
      /device sim-0001 sent no measure vehicle\.battery\.sco in that time \(did you mean vehicle\.battery\.soc\?\)/,
    );
  }, 90_000);
});
