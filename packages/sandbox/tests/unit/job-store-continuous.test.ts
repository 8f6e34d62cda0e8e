import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { InvalidRequestError } from "../../src/errors.ts";
import { IotRegistry } from "../../src/iot-core/registry.ts";
import { JobStore } from "../../src/jobs/job-store.ts";
import { openSandboxJobs } from "../../src/wiring/jobs.ts";

/** Continuous jobs as AWS IoT runs them (targetSelection CONTINUOUS). */
describe("job store: continuous jobs", () => {
  let dir: string;
  let members: Map<string, Set<string>>;
  let store: JobStore;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "fleet-jobs-continuous-"));
    members = new Map([["fleet", new Set(["SN-1"])]]);
    store = await JobStore.open(dir, {
      groupMembers: (group) => (members.has(group) ? [...(members.get(group) ?? [])] : undefined),
    });
  });
  afterEach(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  const join_ = async (thing: string) => {
    members.get("fleet")?.add(thing);
    await store.thingJoinedGroup("fleet", thing);
  };
  const leave = async (thing: string) => {
    members.get("fleet")?.delete(thing);
    await store.thingLeftGroup("fleet", thing);
  };
  const continuous = () =>
    store.createJob({
      jobId: "led-fleet",
      document: {},
      thingGroups: ["fleet"],
      targetSelection: "CONTINUOUS",
    });

  it("queues an execution for a thing that joins the group after the job was created", async () => {
    await continuous();
    await join_("SN-2");

    expect(store.listJobExecutions("led-fleet").map((e) => [e.thingName, e.status])).toEqual([
      ["SN-1", "QUEUED"],
      ["SN-2", "QUEUED"],
    ]);
  });

  it("stays IN_PROGRESS once every execution ended, and still runs on a thing that joins then", async () => {
    await continuous();
    await store.updateJobExecution("SN-1", "led-fleet", { status: "SUCCEEDED" });
    expect(store.describeJob("led-fleet").status).toBe("IN_PROGRESS");

    await join_("SN-2");
    expect(store.describeJobExecution("led-fleet", "SN-2").status).toBe("QUEUED");
  });

  it("marks the QUEUED execution of a thing that left the group REMOVED; one IN_PROGRESS runs on", async () => {
    await continuous();
    await join_("SN-2");
    await store.startNextPendingExecution("SN-1", undefined);
    await leave("SN-1");
    await leave("SN-2");

    expect(store.describeJobExecution("led-fleet", "SN-1").status).toBe("IN_PROGRESS");
    expect(store.describeJobExecution("led-fleet", "SN-2").status).toBe("REMOVED");
  });

  it("runs again on a thing that rejoins after its execution ended (a re-provisioned device)", async () => {
    await continuous();
    await store.updateJobExecution("SN-1", "led-fleet", { status: "SUCCEEDED" });
    await leave("SN-1");
    await join_("SN-1");

    expect(store.describeJobExecution("led-fleet", "SN-1")).toMatchObject({
      status: "QUEUED",
      executionNumber: 2,
    });
  });

  it("gives a thing that joins twice one pending execution", async () => {
    await continuous();
    await store.thingJoinedGroup("fleet", "SN-1");

    expect(store.pendingExecutions("SN-1")).toHaveLength(1);
  });

  it("leaves a snapshot job and a canceled continuous job alone when a thing joins", async () => {
    await store.createJob({ jobId: "snapshot", document: {}, thingGroups: ["fleet"] });
    await continuous();
    await store.cancelJob("led-fleet");
    await join_("SN-2");

    expect(store.pendingExecutions("SN-2")).toEqual([]);
  });

  it("reports each execution that ends, as AWS's job-execution events", async () => {
    await continuous();
    const ended: string[] = [];
    store.events.on("executionEnded", (jobId, thingName) => ended.push(`${jobId}/${thingName}`));
    await join_("SN-2");
    await store.updateJobExecution("SN-1", "led-fleet", { status: "SUCCEEDED" });
    await leave("SN-2");

    expect(ended).toEqual(["led-fleet/SN-1", "led-fleet/SN-2"]);
  });

  it("refuses a continuous job without a thing group", async () => {
    await expect(
      store.createJob({
        jobId: "things-only",
        document: {},
        targets: ["SN-1"],
        targetSelection: "CONTINUOUS",
      }),
    ).rejects.toBeInstanceOf(InvalidRequestError);
  });
});

describe("sandbox jobs over the registry", () => {
  it("follow thing group membership: joining, leaving and deleting a thing", async () => {
    const dir = await mkdtemp(join(tmpdir(), "fleet-jobs-registry-"));
    const registry = await IotRegistry.open(dir);
    await registry.createThingGroup("fleet");
    for (const thing of ["SN-1", "SN-2"]) await registry.createThing({ thingName: thing });
    await registry.addThingToThingGroup("fleet", "SN-1");
    const jobs = await openSandboxJobs({
      stateDir: dir,
      registry,
      minuteMs: 60_000,
      logger: pino({ level: "silent" }),
    });
    await jobs.createJob({
      jobId: "led-fleet",
      document: {},
      thingGroups: ["fleet"],
      targetSelection: "CONTINUOUS",
    });

    await registry.addThingToThingGroup("fleet", "SN-2");
    await expect.poll(() => jobs.findJobExecution("led-fleet", "SN-2")?.status).toBe("QUEUED");
    await registry.deleteThing("SN-2");
    await expect.poll(() => jobs.findJobExecution("led-fleet", "SN-2")?.status).toBe("REMOVED");

    await jobs.close();
    await rm(dir, { recursive: true, force: true });
  });
});
