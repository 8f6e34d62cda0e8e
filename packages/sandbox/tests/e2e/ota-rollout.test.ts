import { createHash } from "node:crypto";
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { ReleaseRecord } from "@fleet/core/contracts";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ARTIFACTS_DIR, CANARY_THING_GROUP, SANDBOX_RESOURCE_NAMES } from "../../src/index.ts";
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

const FLEET_THING_GROUP = SANDBOX_RESOURCE_NAMES.thingGroupName;
/** Device starts, downloads, health checks: a ceiling for each wait, never asserted. */
const TEST_TIMEOUT_MS = 120_000;

describe("OTA releases to real fleet-device processes", () => {
  let env: Awaited<ReturnType<typeof startTestSandbox>>;
  let artifacts: string;
  const devices: DeviceProcess[] = [];

  beforeAll(async () => {
    env = await startTestSandbox("ota-rollout");
    artifacts = join(env.dir, "artifacts-built");
  });
  afterEach(async () => {
    await Promise.all(devices.splice(0).map((device) => device.stop()));
    for (const group of [CANARY_THING_GROUP, FLEET_THING_GROUP]) {
      for (const thing of env.sandbox.listThingsInThingGroup(group)) {
        await env.sandbox.removeThingFromThingGroup(group, thing);
      }
    }
  });
  afterAll(async () => {
    await env.stop();
  });

  async function startDevices(...serials: string[]): Promise<DeviceProcess[]> {
    const started = await Promise.all(
      serials.map((serial) => startDeviceProcess(env.sandbox, env.dir, serial)),
    );
    devices.push(...started);
    return started;
  }

  async function releaseSettled(releaseId: string): Promise<ReleaseRecord> {
    return waitFor(`release ${releaseId} to end`, async () => {
      const release = (await env.sandbox.listReleases()).find((r) => r.releaseId === releaseId);
      return release?.phase === "completed" || release?.phase === "aborted" ? release : undefined;
    });
  }

  /** Installs led `version` on the devices through a release straight to them. */
  async function preinstallLed(version: string, targets: DeviceProcess[]): Promise<void> {
    const artifact = await buildDemoApp("led", artifacts, version);
    const release = await env.sandbox.createRelease({
      artifactPath: artifact.file,
      targets: targets.map((device) => device.thingName),
    });
    expect((await releaseSettled(release.releaseId)).phase).toBe("completed");
    for (const device of targets) {
      await waitFor(`${device.serial} to run led ${version}`, async () =>
        runningVersion(device, "led") === version ? true : undefined,
      );
    }
  }

  it(
    "a release reaches the canary group first, then the fleet, and every device runs the new version",
    async () => {
      const [canary, ...rest] = await startDevices("SN-OTA-CAN1", "SN-OTA-FLT1", "SN-OTA-FLT2");
      if (canary === undefined) throw new Error("no canary device");
      await env.sandbox.addThingToThingGroup(CANARY_THING_GROUP, canary.thingName);
      // As provisioning does, every device is in the fleet group, the canary devices too.
      for (const device of [canary, ...rest]) {
        await env.sandbox.addThingToThingGroup(FLEET_THING_GROUP, device.thingName);
      }
      const artifact = await buildDemoApp("led", artifacts, "1.1.0");

      const release = await env.sandbox.createRelease({
        artifactPath: artifact.file,
        targets: [FLEET_THING_GROUP],
        canaryGroup: CANARY_THING_GROUP,
      });
      expect(release).toMatchObject({ phase: "canary", fleetJobId: null });
      const canaryExecutions = await settledExecutions(env.sandbox, release.canaryJobId ?? "");
      expect(canaryExecutions.map((e) => [e.thingName, e.status])).toEqual([
        [canary.thingName, "SUCCEEDED"],
      ]);

      const done = await releaseSettled(release.releaseId);
      expect(done).toMatchObject({ phase: "completed", fleetJobId: `${release.releaseId}-fleet` });
      const fleetExecutions = await settledExecutions(env.sandbox, done.fleetJobId ?? "");
      expect(fleetExecutions.map((e) => e.status)).toEqual(["SUCCEEDED", "SUCCEEDED", "SUCCEEDED"]);
      for (const device of [canary, ...rest]) {
        expect(await currentVersion(device, "led")).toBe("1.1.0");
        await waitFor(`${device.serial} to run led 1.1.0 and report it`, async () =>
          runningVersion(device, "led") === "1.1.0" &&
          (await deviceView(env.sandbox, device.thingName)).apps?.led === "1.1.0"
            ? true
            : undefined,
        );
      }
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "a corrupt release rolls back on every canary device and the abort keeps it from the fleet",
    async () => {
      const [first, second, fleetDevice] = await startDevices(
        "SN-OTA-BAD1",
        "SN-OTA-BAD2",
        "SN-OTA-BADF",
      );
      if (first === undefined || second === undefined || fleetDevice === undefined) {
        throw new Error("devices missing");
      }
      await preinstallLed("1.0.0", [first, second, fleetDevice]);
      const canaries = [first, second];
      for (const device of canaries) {
        await env.sandbox.addThingToThingGroup(CANARY_THING_GROUP, device.thingName);
      }
      // apps/corrupt: led 2.0.0, whose process exits at once and whose health check fails.
      const corrupt = await buildDemoApp("corrupt", artifacts);
      expect(corrupt).toMatchObject({ name: "led", version: "2.0.0" });

      const release = await env.sandbox.createRelease({
        artifactPath: corrupt.file,
        targets: [fleetDevice.thingName],
        canaryGroup: CANARY_THING_GROUP,
      });
      const done = await releaseSettled(release.releaseId);
      expect(done).toMatchObject({ phase: "aborted", fleetJobId: null });
      expect(done.reason).toMatch(/cancel/i);
      const canaryJob = await env.sandbox.describeJob(release.canaryJobId ?? "");
      expect(canaryJob.status).toBe("CANCELED");
      const executions = await settledExecutions(env.sandbox, release.canaryJobId ?? "");
      // The abort cancels only executions not started yet: every canary device that took the
      // job rolls back and reports FAILED with the health check's reason.
      expect(executions.some((e) => e.status === "FAILED")).toBe(true);
      for (const execution of executions) {
        if (execution.status === "CANCELED" && execution.statusDetails?.step === undefined)
          continue;
        expect(execution.status).toBe("FAILED");
        expect(execution.statusDetails?.reason).toMatch(
          /^health check failed: .*; rolled back to 1\.0\.0$/,
        );
      }
      for (const device of canaries) {
        await waitFor(`${device.serial} to run led 1.0.0 again`, async () =>
          runningVersion(device, "led") === "1.0.0" &&
          (await currentVersion(device, "led")) === "1.0.0" &&
          (await deviceView(env.sandbox, device.thingName)).apps?.led === "1.0.0"
            ? true
            : undefined,
        );
      }

      // The fleet never got a job for it.
      expect((await env.sandbox.listJobs()).map((job) => job.jobId)).not.toContain(
        `${release.releaseId}-fleet`,
      );
      expect(
        env.sandbox.jobs.findJobExecution(release.canaryJobId ?? "", fleetDevice.thingName),
      ).toBeUndefined();
      expect(runningVersion(fleetDevice, "led")).toBe("1.0.0");
      expect(await currentVersion(fleetDevice, "led")).toBe("1.0.0");
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "an artifact changed in the store after its signed release is never installed",
    async () => {
      const [device] = await startDevices("SN-OTA-SHA1");
      if (device === undefined) throw new Error("no device");
      await preinstallLed("1.0.0", [device]);
      // The artifact is stored by a release to a thing that never connects; someone who can
      // write the store then flips one byte of it (same size, another digest), and a job sends
      // the release's genuine, signed document to the device.
      const idle = await env.sandbox.enrollDevice("SN-OTA-IDLE", join(env.dir, "idle"));
      const artifact = await buildDemoApp("led", artifacts, "1.2.0");
      const stored = await env.sandbox.createRelease({
        artifactPath: artifact.file,
        targets: [idle.thingName],
      });
      const { document } = await env.sandbox.describeJob(stored.fleetJobId ?? "");
      const file = join(env.dir, "state", ARTIFACTS_DIR, stored.artifactKey);
      const bytes = await readFile(file);
      bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) ^ 0xff;
      await writeFile(file, bytes);
      const tampered = createHash("sha256").update(bytes).digest("hex");
      const before = (await readdir(join(device.appsDir, "led"))).sort();

      await env.sandbox.jobs.createJob({
        jobId: "led-1_2_0-tampered",
        document,
        targets: [device.thingName],
      });
      const [execution] = await settledExecutions(env.sandbox, "led-1_2_0-tampered");
      expect(execution?.status).toBe("FAILED");
      expect(execution?.statusDetails?.reason).toBe(
        `sha256 mismatch: expected ${artifact.sha256}, got ${tampered}`,
      );
      expect(runningVersion(device, "led")).toBe("1.0.0");
      expect(await currentVersion(device, "led")).toBe("1.0.0");
      expect((await readdir(join(device.appsDir, "led"))).sort()).toEqual(before);
      expect(await readdir(join(device.appsDir, ".downloads"))).toEqual([]);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "an invalid job document is REJECTED with a reason naming the problem",
    async () => {
      const [device] = await startDevices("SN-OTA-INV1");
      if (device === undefined) throw new Error("no device");
      await env.sandbox.jobs.createJob({
        jobId: "unknown-operation",
        document: { version: "1", steps: [{ operation: "format-disk" }] },
        targets: [device.thingName],
      });
      const [unknown] = await settledExecutions(env.sandbox, "unknown-operation");
      expect(unknown?.status).toBe("REJECTED");
      expect(unknown?.statusDetails?.reason).toContain('unknown operation "format-disk"');

      await env.sandbox.jobs.createJob({
        jobId: "missing-sha256",
        document: {
          version: "1",
          steps: [
            {
              operation: "app-update",
              app: "led",
              version: "9.9.9",
              url: `${env.sandbox.artifactServer.origin}/artifacts/apps/led/9.9.9/x.tar.gz`,
              size: 100,
            },
          ],
        },
        targets: [device.thingName],
      });
      const [missing] = await settledExecutions(env.sandbox, "missing-sha256");
      expect(missing?.status).toBe("REJECTED");
      expect(missing?.statusDetails?.reason).toContain("sha256");
      expect(await currentVersion(device, "led")).toBeNull();
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "a device whose running job is canceled goes on to its next job",
    async () => {
      const [device] = await startDevices("SN-OTA-CNL1");
      if (device === undefined) throw new Error("no device");
      await env.sandbox.jobs.createJob({
        jobId: "os-update-canceled",
        document: {
          version: "1",
          steps: [{ operation: "os-update", version: "2026.12", commands: ["sleep 2; exit 3"] }],
        },
        targets: [device.thingName],
      });
      await waitFor("the OS update to start", async () =>
        env.sandbox.jobs.findJobExecution("os-update-canceled", device.thingName)?.status ===
        "IN_PROGRESS"
          ? true
          : undefined,
      );
      await env.sandbox.jobs.createJob({
        jobId: "configure-after-cancel",
        document: {
          version: "1",
          steps: [{ operation: "configure", settings: { telemetryIntervalMs: 5_000 } }],
        },
        targets: [device.thingName],
      });
      await env.sandbox.jobs.cancelJob("os-update-canceled", { force: true });

      const [next] = await settledExecutions(env.sandbox, "configure-after-cancel");
      expect(next?.status).toBe("SUCCEEDED");
      expect(
        env.sandbox.jobs.findJobExecution("os-update-canceled", device.thingName)?.status,
      ).toBe("CANCELED");
      // Taken on the same connection: no restart, no reconnect hands it over.
      expect(device.starts).toBe(1);
      expect(device.lines.filter((line) => line.msg === "connection.connected")).toHaveLength(1);
    },
    TEST_TIMEOUT_MS,
  );
});
