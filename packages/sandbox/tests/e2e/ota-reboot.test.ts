import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  buildDemoApp,
  currentVersion,
  type DeviceProcess,
  deviceView,
  runningVersion,
  settledExecutions,
  startDeviceProcess,
} from "./ota-fixture.ts";
import { startTestSandbox, waitFor } from "./sandbox-fixture.ts";

/** Device starts and restarts: a ceiling for each wait, never asserted. */
const TEST_TIMEOUT_MS = 120_000;

describe("a device rebooted or killed in the middle of a job", () => {
  let env: Awaited<ReturnType<typeof startTestSandbox>>;
  const devices: DeviceProcess[] = [];

  beforeAll(async () => {
    env = await startTestSandbox("ota-reboot");
  });
  afterEach(async () => {
    await Promise.all(devices.splice(0).map((device) => device.stop()));
  });
  afterAll(async () => {
    await env.stop();
  });

  async function startDevice(serial: string): Promise<DeviceProcess> {
    const device = await startDeviceProcess(env.sandbox, env.dir, serial);
    devices.push(device);
    return device;
  }

  /** An os-update whose one command appends a line to `marker`, then takes `seconds`. */
  function osUpdate(jobId: string, device: DeviceProcess, marker: string, seconds: number) {
    return env.sandbox.jobs.createJob({
      jobId,
      document: {
        version: "1",
        steps: [
          {
            operation: "os-update",
            version: "2026.11",
            commands: [`echo ran >> '${marker}' && sleep ${seconds}`],
          },
        ],
      },
      targets: [device.thingName],
    });
  }

  async function linesOf(file: string): Promise<string[]> {
    return (await readFile(file, "utf8")).split("\n").filter(Boolean);
  }

  it(
    "an OS update runs its commands once, reboots the device, and succeeds after the restart",
    async () => {
      const device = await startDevice("SN-OTA-OS1");
      const marker = join(env.dir, "os1-commands.log");
      await osUpdate("os-update-reboots", device, marker, 0);

      const [execution] = await settledExecutions(env.sandbox, "os-update-reboots");
      expect(execution?.status).toBe("SUCCEEDED");
      // Started once, then once more after the simulated reboot (exit 75).
      expect(device.starts).toBe(2);
      expect(await linesOf(marker)).toEqual(["ran"]);
      expect(await readFile(join(device.stateDir, "os", "version"), "utf8")).toBe("2026.11\n");
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "a reboot step restarts the device and the job succeeds after the restart",
    async () => {
      const device = await startDevice("SN-OTA-RBT1");
      await env.sandbox.jobs.createJob({
        jobId: "reboot-once",
        document: { version: "1", steps: [{ operation: "reboot" }] },
        targets: [device.thingName],
      });

      const [execution] = await settledExecutions(env.sandbox, "reboot-once");
      expect(execution?.status).toBe("SUCCEEDED");
      expect(device.starts).toBe(2);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "killed while its OS update commands run, the restarted device fails the job cleanly without running them again",
    async () => {
      const device = await startDevice("SN-OTA-OS2");
      const marker = join(env.dir, "os2-commands.log");
      await osUpdate("os-update-killed", device, marker, 5);
      await waitFor("the OS update command to start", async () =>
        existsSync(marker) ? true : undefined,
      );
      await device.kill();
      device.restart();

      const [execution] = await settledExecutions(env.sandbox, "os-update-killed");
      expect(execution?.status).toBe("FAILED");
      expect(execution?.statusDetails?.reason).toMatch(/interrupted while its commands ran/);
      expect(await linesOf(marker)).toEqual(["ran"]);
      expect(existsSync(join(device.stateDir, "os", "2026.11.done"))).toBe(false);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "killed during an app update's health check, the restarted device ends the job with the app it reports running",
    async () => {
      const device = await startDevice("SN-OTA-APP1");
      const artifact = await buildDemoApp("led", join(env.dir, "artifacts-built"), "1.3.0");
      const killed = device.killWhen(
        (line) => line.msg === "app started" && line.app === "led" && line.version === "1.3.0",
      );
      const release = await env.sandbox.createRelease({
        artifactPath: artifact.file,
        targets: [device.thingName],
      });
      await killed;
      device.restart();

      const [execution] = await settledExecutions(env.sandbox, release.fleetJobId ?? "");
      expect(execution?.status).toBe("SUCCEEDED");
      expect(await currentVersion(device, "led")).toBe("1.3.0");
      await waitFor("the restarted device to run led 1.3.0 and report it", async () =>
        runningVersion(device, "led") === "1.3.0" &&
        (await deviceView(env.sandbox, device.thingName)).apps?.led === "1.3.0"
          ? true
          : undefined,
      );
    },
    TEST_TIMEOUT_MS,
  );
});
