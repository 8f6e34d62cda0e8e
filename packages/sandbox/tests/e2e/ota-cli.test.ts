import { readFile, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { join } from "node:path";
import { type DeviceView, DeviceViewSchema, ReleaseRecordSchema } from "@fleet/core/contracts";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import * as z from "zod";
import { type SandboxApi, sandboxFleetOperations, startSandboxApi } from "../../src/index.ts";
import {
  buildDemoApp,
  cliStateDirFor,
  type DeviceProcess,
  fleet,
  ledState,
  runningVersion,
  settledExecutions,
  startDeviceProcess,
} from "./ota-fixture.ts";
import { startTestSandbox, waitFor } from "./sandbox-fixture.ts";

/** Device starts, installs and restarts: a ceiling for each wait, never asserted. */
const TEST_TIMEOUT_MS = 120_000;

/** A loopback port nothing listens on: the cloud, unreachable. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe("the demo apps, operated from the fleet CLI", () => {
  let env: Awaited<ReturnType<typeof startTestSandbox>>;
  let api: SandboxApi;
  /** What the CLI gets as `--state-dir`: its sandbox.json names this sandbox's API. */
  let cliStateDir: string;
  let artifacts: { led: string; button: string };
  const devices: DeviceProcess[] = [];

  beforeAll(async () => {
    env = await startTestSandbox("ota-cli");
    api = await startSandboxApi(sandboxFleetOperations(env.sandbox));
    cliStateDir = await cliStateDirFor(env.sandbox, api, env.dir);
    const built = join(env.dir, "artifacts-built");
    artifacts = {
      led: (await buildDemoApp("led", built)).file,
      button: (await buildDemoApp("button", built)).file,
    };
  });
  afterEach(async () => {
    await Promise.all(devices.splice(0).map((device) => device.stop()));
  });
  afterAll(async () => {
    await api.close();
    await env.stop();
  });

  /** A device with the apps installed by releases made with `fleet ota release`. */
  async function deviceWithApps(
    serial: string,
    apps: (keyof typeof artifacts)[],
    config?: Record<string, unknown>,
  ): Promise<DeviceProcess> {
    const device = await startDeviceProcess(env.sandbox, env.dir, serial, { config });
    devices.push(device);
    for (const app of apps) {
      const release = ReleaseRecordSchema.parse(
        JSON.parse(
          await fleet(
            "ota",
            "release",
            "--artifact",
            artifacts[app],
            "--target",
            device.thingName,
            "--json",
            "--state-dir",
            cliStateDir,
          ),
        ),
      );
      const [execution] = await settledExecutions(env.sandbox, release.fleetJobId ?? "");
      expect(execution?.status).toBe("SUCCEEDED");
    }
    return device;
  }

  async function listDevices(): Promise<DeviceView[]> {
    return z
      .array(DeviceViewSchema)
      .parse(JSON.parse(await fleet("devices", "--json", "--state-dir", cliStateDir)));
  }

  it(
    "fleet devices --json maps each installed app to the version running on the device",
    async () => {
      const device = await deviceWithApps("SN-OTA-CLI1", ["led", "button"]);
      const row = await waitFor("the device's apps in fleet devices", async () => {
        const found = (await listDevices()).find((each) => each.thingName === device.thingName);
        return found?.apps?.button === undefined ? undefined : found;
      });
      expect(row.apps).toEqual({ led: "1.0.0", button: "1.0.0" });
      expect(runningVersion(device, "led")).toBe("1.0.0");
      expect(runningVersion(device, "button")).toBe("1.0.0");
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "the LED frequency changed from the CLI shows up in the device's telemetry within seconds",
    async () => {
      const device = await deviceWithApps("SN-OTA-CLI2", ["led"], {
        telemetry: { intervalSeconds: 1, sources: { led: {} } },
      });
      const since = new Date();
      await fleet(
        "led",
        "--device",
        device.serial,
        "--hz",
        "4",
        "--blink",
        "--state-dir",
        cliStateDir,
      );
      expect(await ledState(device)).toMatchObject({ blinking: true, blinkHz: 4 });

      const latest = await waitFor(
        "LED telemetry blinking at 4 Hz",
        async () => {
          const samples = await env.sandbox.queryTelemetry({ thing: device.thingName, since });
          const newest = (measure: string) => samples.find((s) => s.measure === measure)?.value;
          const reading = { blinkHz: newest("led.blinkHz"), blinking: newest("led.blinking") };
          return reading.blinkHz === 4 && reading.blinking === true ? reading : undefined;
        },
        15_000,
      );
      expect(latest).toEqual({ blinkHz: 4, blinking: true });
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "a button press toggles the LED blinking with the cloud unreachable",
    async () => {
      const device = await deviceWithApps("SN-OTA-CLI3", ["led", "button"]);
      // The cloud goes away: the device restarts pointed at a port nothing listens on.
      await device.stop();
      const busConnections = async (app: string) =>
        (await readFile(join(device.appsDir, app, "app.log"), "utf8")).split("bus.connected")
          .length - 1;
      const before = { led: await busConnections("led"), button: await busConnections("button") };
      const config = JSON.parse(await readFile(device.configPath, "utf8"));
      config.endpoint = { host: "127.0.0.1", port: await closedPort() };
      await writeFile(device.configPath, JSON.stringify(config));
      device.restart();
      await waitFor("the LED and button apps to run offline, on the local bus", async () =>
        runningVersion(device, "led") === "1.0.0" &&
        runningVersion(device, "button") === "1.0.0" &&
        (await busConnections("led")) > before.led &&
        (await busConnections("button")) > before.button
          ? true
          : undefined,
      );
      expect(env.sandbox.sessions.get(device.thingName)).toBeUndefined();

      const press = () => writeFile(join(device.appsDir, "button", "data", "press"), "");
      const blinking = (expected: boolean) => async () =>
        (await ledState(device))?.blinking === expected ? true : undefined;
      await press();
      await waitFor("a press to start the LED blinking", blinking(true));
      await press();
      await waitFor("a second press to stop the blinking", blinking(false));
      expect(env.sandbox.sessions.get(device.thingName)).toBeUndefined();
    },
    TEST_TIMEOUT_MS,
  );
});
