import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ReleaseTargetNotFoundError } from "@fleet/core";
import type { ReleaseRecord } from "@fleet/core/contracts";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { LocalOtaJobs } from "../../src/adapters/local-ota-jobs.ts";
import { LocalReleaseStore } from "../../src/adapters/local-release-store.ts";
import { IotRegistry } from "../../src/iot-core/registry.ts";
import type { Sessions } from "../../src/iot-core/sessions.ts";
import { JobStore } from "../../src/jobs/job-store.ts";
import { LocalFleetInventory } from "../../src/local-fleet-inventory.ts";
import { ShadowStore } from "../../src/shadow/shadow-store.ts";

const RELEASE: ReleaseRecord = {
  releaseId: "led-1_0_0-1767225600",
  app: "led",
  version: "1.0.0",
  sha256: "a".repeat(64),
  size: 10,
  artifactKey: `apps/led/1.0.0/${"a".repeat(64)}.tar.gz`,
  targets: [{ kind: "group", name: "fleet" }],
  canaryGroup: "canary",
  abortFailurePct: 10,
  phase: "canary",
  canaryJobId: "led-1_0_0-1767225600-canary",
  fleetJobId: null,
  reason: null,
  createdAt: "2026-01-01T00:00:00.000Z",
  updatedAt: "2026-01-01T00:00:00.000Z",
};

describe("the sandbox's OTA adapters", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "fleet-ota-"));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it("updates a release only while it is in the expected phase, and keeps it across a restart", async () => {
    const releases = new LocalReleaseStore(join(dir, "releases.json"));
    await releases.create(RELEASE);
    await expect(releases.create(RELEASE)).rejects.toThrow(/already exists/);
    const moved = await releases.update(
      RELEASE.releaseId,
      { phase: "fleet", fleetJobId: "f" },
      "canary",
    );
    expect(moved).toMatchObject({ phase: "fleet", fleetJobId: "f" });
    expect(await releases.update(RELEASE.releaseId, { phase: "aborted" }, "canary")).toBeNull();
    expect(await releases.update("missing", { phase: "aborted" }, "canary")).toBeNull();
    await releases.flush();
    const reopened = new LocalReleaseStore(join(dir, "releases.json"));
    expect(await reopened.get(RELEASE.releaseId)).toMatchObject({ phase: "fleet" });
  });

  it("creates release jobs on groups with the abort threshold, and names unknown targets", async () => {
    const registry = await IotRegistry.open(dir);
    await registry.createThingGroup("canary");
    await registry.createThing({ thingName: "SN-1" });
    await registry.createThing({ thingName: "SN-2" });
    await registry.addThingToThingGroup("canary", "SN-1");
    await registry.addThingToThingGroup("canary", "SN-2");
    const jobs = await JobStore.open(dir, {
      thingExists: (name) => registry.findThing(name) !== undefined,
      groupMembers: (name) =>
        registry.findThingGroup(name) === undefined
          ? undefined
          : registry.listThingsInThingGroup(name),
    });
    const ota = new LocalOtaJobs({ jobs, registry });

    expect(await ota.resolveTargets(["canary", "SN-2"])).toEqual([
      { kind: "group", name: "canary" },
      { kind: "thing", name: "SN-2" },
    ]);
    await expect(ota.resolveTargets(["nope", "SN-1"])).rejects.toMatchObject({
      name: "ReleaseTargetNotFoundError",
      names: ["nope"],
    });

    await ota.createJob({
      jobId: "rel-canary",
      targets: [{ kind: "group", name: "canary" }],
      document: { version: "1", steps: [{ operation: "reboot" }] },
      description: "led 1.0.0 to canary",
      abortFailurePct: 50,
    });
    await jobs.updateJobExecution("SN-1", "rel-canary", { status: "REJECTED" });
    expect(await ota.describeJob("rel-canary")).toMatchObject({
      status: "CANCELED",
      reasonCode: "ALL",
      description: "led 1.0.0 to canary",
      counts: { rejected: 1, canceled: 1 },
    });
    expect(await ota.describeJob("missing")).toBeNull();
    const executions = [];
    for await (const execution of ota.listExecutions("rel-canary"))
      executions.push(execution.status);
    expect(executions.sort()).toEqual(["CANCELED", "REJECTED"]);
    await expect(
      ota.createJob({
        jobId: "rel-x",
        targets: [{ kind: "group", name: "gone" }],
        document: { version: "1", steps: [{ operation: "reboot" }] },
        description: "x",
        abortFailurePct: 10,
      }),
    ).rejects.toThrow(ReleaseTargetNotFoundError);
    await jobs.close();
  });

  it("lists each device's apps from its shadow's reported state", async () => {
    const registry = await IotRegistry.open(dir);
    await registry.createThing({ thingName: "SN-1" });
    await registry.createThing({ thingName: "SN-2" });
    const shadows = await ShadowStore.open(dir);
    await shadows.update("SN-1", {
      state: { reported: { apps: { led: "1.2.0", button: "1.0.0" } } },
    });
    await shadows.update("SN-2", { state: { reported: { apps: "garbage" } } });
    const sessions = { has: () => false } as unknown as Sessions;
    const devices = await new LocalFleetInventory({ registry, sessions, shadows }).listDevices();
    expect(devices.map((device) => [device.thingName, device.apps])).toEqual([
      ["SN-1", { led: "1.2.0", button: "1.0.0" }],
      ["SN-2", {}],
    ]);
  });
});
