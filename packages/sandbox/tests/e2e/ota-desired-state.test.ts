import { join } from "node:path";
import type { ReleaseRecord } from "@fleet/core/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SANDBOX_RESOURCE_NAMES } from "../../src/index.ts";
import {
  buildDemoApp,
  type DeviceProcess,
  runningVersion,
  startDeviceProcess,
} from "./ota-fixture.ts";
import { startTestSandbox, waitFor } from "./sandbox-fixture.ts";

const FLEET_THING_GROUP = SANDBOX_RESOURCE_NAMES.thingGroupName;
/** Provisioning, downloads, health checks: a ceiling for each wait, never asserted. */
const TEST_TIMEOUT_MS = 120_000;

describe("a release is the fleet's desired state (continuous fleet jobs, real devices)", () => {
  let env: Awaited<ReturnType<typeof startTestSandbox>>;
  let artifacts: string;
  const devices: DeviceProcess[] = [];

  beforeAll(async () => {
    env = await startTestSandbox("ota-desired-state");
    artifacts = join(env.dir, "artifacts-built");
  });
  afterAll(async () => {
    await Promise.all(devices.splice(0).map((device) => device.stop()));
    await env.stop();
  });

  /** Puts the serial on the allow-list (keeping the others) and starts it: it provisions by claim. */
  async function addDevice(serial: string): Promise<DeviceProcess> {
    const { serials } = await env.sandbox.readAllowList();
    const list = `serial\n${[...serials, serial].join("\n")}\n`;
    await env.sandbox.uploadAllowList(new TextEncoder().encode(list), { allowEmpty: false });
    const device = await startDeviceProcess(env.sandbox, env.dir, serial, { byClaim: true });
    devices.push(device);
    return device;
  }

  const release = (releaseId: string) =>
    waitFor(`release ${releaseId}`, async () =>
      (await env.sandbox.listReleases()).find((r) => r.releaseId === releaseId),
    );
  const runs = (device: DeviceProcess, version: string) =>
    waitFor(`${device.serial} to run led ${version}`, async () =>
      runningVersion(device, "led") === version ? true : undefined,
    );

  async function releaseLed(version: string): Promise<ReleaseRecord> {
    const artifact = await buildDemoApp("led", artifacts, version);
    return env.sandbox.createRelease({ artifactPath: artifact.file, targets: [FLEET_THING_GROUP] });
  }

  it(
    "a serial added to the allow-list after a release provisions and ends with the release installed",
    async () => {
      const first = await addDevice("SN-DS-0001");
      const led = await releaseLed("1.1.0");
      await runs(first, "1.1.0");
      await waitFor("the release to complete", async () =>
        (await release(led.releaseId))?.phase === "completed" ? true : undefined,
      );

      const late = await addDevice("SN-DS-0002");

      await runs(late, "1.1.0");
      const executions = await waitFor("the late device's execution to succeed", async () => {
        const all = env.sandbox.jobs.listJobExecutions(led.fleetJobId ?? "");
        return all.every((e) => e.status === "SUCCEEDED") ? all : undefined;
      });
      expect(executions.map((e) => [e.thingName, e.status])).toEqual([
        [first.thingName, "SUCCEEDED"],
        [late.thingName, "SUCCEEDED"],
      ]);
      expect(env.sandbox.jobs.describeJob(led.fleetJobId ?? "").status).toBe("IN_PROGRESS");
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "a newer release supersedes the older one: its fleet job is canceled, a late device gets only the newer",
    async () => {
      const [older] = await env.sandbox.listReleases();
      const newer = await releaseLed("1.2.0");
      expect(newer.supersedes).toBe(older?.releaseId);
      for (const device of devices) await runs(device, "1.2.0");
      expect(await release(older?.releaseId ?? "")).toMatchObject({
        phase: "superseded",
        reason: `superseded by ${newer.releaseId}`,
      });
      expect(env.sandbox.jobs.describeJob(older?.fleetJobId ?? "").status).toBe("CANCELED");

      const late = await addDevice("SN-DS-0003");

      await runs(late, "1.2.0");
      expect(env.sandbox.jobs.findJobExecution(older?.fleetJobId ?? "", late.thingName)).toBe(
        undefined,
      );
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "a device removed from the group and added back (re-provisioned) converges again",
    async () => {
      const [current] = await env.sandbox.listReleases();
      const device = devices[0];
      if (device === undefined || current?.fleetJobId == null) throw new Error("no device");
      // Its execution ended first: one still IN_PROGRESS runs on, and is not queued twice.
      await waitFor(`${device.serial}'s execution to end`, async () =>
        env.sandbox.jobs.findJobExecution(current.fleetJobId ?? "", device.thingName)?.status ===
        "SUCCEEDED"
          ? true
          : undefined,
      );
      await env.sandbox.removeThingFromThingGroup(FLEET_THING_GROUP, device.thingName);
      await env.sandbox.addThingToThingGroup(FLEET_THING_GROUP, device.thingName);

      await waitFor(`${device.serial} to run the release again`, async () => {
        const execution = env.sandbox.jobs.findJobExecution(
          current.fleetJobId ?? "",
          device.thingName,
        );
        return execution?.executionNumber === 2 && execution.status === "SUCCEEDED"
          ? execution
          : undefined;
      });
      expect(runningVersion(device, "led")).toBe("1.2.0");
    },
    TEST_TIMEOUT_MS,
  );
});
