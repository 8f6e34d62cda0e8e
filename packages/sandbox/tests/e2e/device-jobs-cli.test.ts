import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { ReleaseRecordSchema } from "@fleet/core/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CANARY_THING_GROUP } from "../../src/index.ts";
import { type CliFleet, FLEET_THING_GROUP, startCliFleet } from "./cli-fleet-fixture.ts";
import { type DeviceProcess, fleet } from "./ota-fixture.ts";
import { waitFor } from "./sandbox-fixture.ts";

/** Device reboots and restarts: a ceiling for each test, never asserted. */
const TEST_TIMEOUT_MS = 120_000;

describe("os-update, reboot and configure from the fleet CLI, canary first", () => {
  let env: CliFleet["env"];
  let cliStateDir: string;
  let devices: DeviceProcess[];
  let cliFleet: CliFleet;

  beforeAll(async () => {
    cliFleet = await startCliFleet("device-jobs-cli", ["SN-DJ-CAN1", "SN-DJ-FLT1"]);
    ({ env, cliStateDir, devices } = cliFleet);
  });
  afterAll(() => cliFleet.stop());

  const rollout = async (...args: string[]) =>
    ReleaseRecordSchema.parse(
      JSON.parse(
        await fleet(
          ...args,
          "--target",
          FLEET_THING_GROUP,
          "--canary",
          CANARY_THING_GROUP,
          "--wait",
          "--json",
          "--state-dir",
          cliStateDir,
        ),
      ),
    );
  const fleetExecutions = (release: { fleetJobId: string | null }) =>
    env.sandbox.jobs
      .listJobExecutions(release.fleetJobId ?? "")
      .map((e) => [e.thingName, e.status]);

  it(
    "configure rolls the settings out to the canary, then the fleet, as a continuous job",
    async () => {
      // No LED setting: these devices run no LED app to apply it.
      const release = await rollout("configure", "--telemetry-interval", "30s");

      expect(release).toMatchObject({ app: "config", phase: "completed" });
      expect(env.sandbox.jobs.describeJob(release.fleetJobId ?? "").document).toEqual({
        version: "1",
        steps: [{ operation: "configure", settings: { telemetryIntervalMs: 30_000 } }],
      });
      expect(env.sandbox.jobs.describeJob(release.fleetJobId ?? "").targetSelection).toBe(
        "CONTINUOUS",
      );
      expect(fleetExecutions(release)).toEqual(
        devices.map((device) => [device.thingName, "SUCCEEDED"]),
      );
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "os-update runs its commands once on each device, records the version and reboots it",
    async () => {
      const starts = devices.map((device) => device.starts);

      const release = await rollout("os-update", "--os-version", "2.0.0", "--command", "true");

      expect(release).toMatchObject({ app: "os", version: "2.0.0", phase: "completed" });
      for (const [index, device] of devices.entries()) {
        expect(await readFile(join(device.stateDir, "os", "version"), "utf8")).toBe("2.0.0\n");
        expect(device.starts).toBeGreaterThan(starts[index] ?? 0);
      }
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "reboot reboots every device once, as a snapshot job a device joining later never gets",
    async () => {
      const starts = devices.map((device) => device.starts);

      const release = await rollout("reboot");

      expect(release).toMatchObject({ app: "reboot", phase: "completed" });
      expect(env.sandbox.jobs.describeJob(release.fleetJobId ?? "")).toMatchObject({
        status: "COMPLETED",
      });
      expect(
        env.sandbox.jobs.describeJob(release.fleetJobId ?? "").targetSelection,
      ).toBeUndefined();
      await waitFor("every device restarted", async () =>
        devices.every((device, index) => device.starts > (starts[index] ?? 0)) ? true : undefined,
      );
    },
    TEST_TIMEOUT_MS,
  );
});
