import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ResourceNotFoundError } from "../../src/errors.ts";
import { JobStore, type JobStoreOptions } from "../../src/jobs/job-store.ts";
import { jobDetail, jobSummary } from "../../src/jobs/job-views.ts";
import { JobsMqttApi } from "../../src/jobs/jobs-mqtt-api.ts";

const groups: Record<string, string[]> = {
  canary: ["SN-1", "SN-2"],
  fleet: ["SN-1", "SN-2", "SN-3"],
};

describe("jobs with groups, rollout, abort criteria and timeouts", () => {
  let dir: string;
  const stores: JobStore[] = [];
  const open = async (options: JobStoreOptions = {}) => {
    const store = await JobStore.open(dir, {
      groupMembers: (name) => groups[name],
      ...options,
    });
    stores.push(store);
    return store;
  };
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "fleet-jobs-ota-"));
  });
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((store) => store.close()));
    await rm(dir, { recursive: true, force: true });
  });

  it("targets a group's members at creation, not things added later", async () => {
    const store = await open();
    const members = ["SN-1"];
    const snapshot = await open({ groupMembers: (name) => (name === "g" ? members : undefined) });
    await snapshot.createJob({
      jobId: "job-1",
      document: {},
      thingGroups: ["g"],
      targets: ["SN-9"],
    });
    members.push("SN-2");
    expect(
      snapshot
        .listJobExecutions("job-1")
        .map((e) => e.thingName)
        .sort(),
    ).toEqual(["SN-1", "SN-9"]);
    await expect(
      store.createJob({ jobId: "job-2", document: {}, thingGroups: ["nope"] }),
    ).rejects.toThrow(ResourceNotFoundError);
  });

  it("queues at most the rollout rate per minute", async () => {
    const store = await open({ minuteMs: 30 });
    await store.createJob({
      jobId: "job-1",
      document: {},
      thingGroups: ["fleet"],
      rolloutMaximumPerMinute: 2,
    });
    expect(store.listJobExecutions("job-1")).toHaveLength(2);
    expect(store.pendingExecutions("SN-3")).toEqual([]);
    await vi.waitFor(() => expect(store.pendingExecutions("SN-3")).toHaveLength(1));
    expect(store.describeJob("job-1").status).toBe("IN_PROGRESS");
  });

  it("completes the job once every execution is terminal and says so", async () => {
    const store = await open();
    const completed: string[] = [];
    store.events.on("jobCompleted", (jobId) => completed.push(jobId));
    await store.createJob({ jobId: "job-1", document: {}, thingGroups: ["canary"] });
    await store.updateJobExecution("SN-1", "job-1", { status: "SUCCEEDED" });
    expect(completed).toEqual([]);
    await store.updateJobExecution("SN-2", "job-1", { status: "SUCCEEDED" });
    expect(completed).toEqual(["job-1"]);
    const job = store.describeJob("job-1");
    expect(jobSummary(job, store.listJobExecutions("job-1"))).toMatchObject({
      status: "COMPLETED",
      counts: { succeeded: 2, queued: 0 },
      completedAt: expect.any(String),
    });
  });

  it("cancels the job and its queued executions when the abort threshold is crossed; one in progress runs on", async () => {
    const store = await open();
    const canceled: string[] = [];
    store.events.on("jobCanceled", (jobId) => canceled.push(jobId));
    await store.createJob({
      jobId: "job-1",
      document: {},
      targets: ["SN-1", "SN-2", "SN-3", "SN-4"],
      abortConfig: {
        criteriaList: [
          {
            failureType: "FAILED",
            action: "CANCEL",
            thresholdPercentage: 50,
            minNumberOfExecutedThings: 2,
          },
        ],
      },
    });
    await store.startNextPendingExecution("SN-3", undefined);
    await store.updateJobExecution("SN-1", "job-1", { status: "FAILED" });
    expect(store.describeJob("job-1").status).toBe("IN_PROGRESS"); // 1 executed: below the minimum
    await store.updateJobExecution("SN-2", "job-1", { status: "FAILED" });

    const detail = jobDetail(store.describeJob("job-1"), store.listJobExecutions("job-1"));
    expect(detail).toMatchObject({
      status: "CANCELED",
      reasonCode: "FAILED",
      comment: expect.stringContaining("2 of 2 executions failed"),
      counts: { failed: 2, canceled: 1, queued: 0, inProgress: 1 },
    });
    expect(canceled).toEqual(["job-1"]);
    // The device that took the job still reports how it ended.
    await store.updateJobExecution("SN-3", "job-1", { status: "FAILED" });
    expect(store.describeJobExecution("job-1", "SN-3").status).toBe("FAILED");
    expect(store.describeJob("job-1").status).toBe("CANCELED");
  });

  it("times out an execution in progress longer than the job's timeout", async () => {
    const store = await open({ minuteMs: 20 });
    await store.createJob({
      jobId: "job-1",
      document: {},
      targets: ["SN-1", "SN-2"],
      timeoutConfig: { inProgressTimeoutInMinutes: 1 },
    });
    await store.startNextPendingExecution("SN-1", undefined);
    await vi.waitFor(() =>
      expect(store.describeJobExecution("job-1", "SN-1").status).toBe("TIMED_OUT"),
    );
    expect(store.describeJobExecution("job-1", "SN-2").status).toBe("QUEUED");
  });

  describe("scheduling end time", () => {
    const inMinutes = (minutes: number) => new Date(Date.now() + minutes * 60_000).toISOString();

    it("cancels the job with its QUEUED executions at the end time; one IN_PROGRESS runs on (CANCEL)", async () => {
      const store = await open({ minuteMs: 2 });
      const canceled: string[] = [];
      store.events.on("jobCanceled", (jobId) => canceled.push(jobId));
      await store.createJob({
        jobId: "job-1",
        document: {},
        thingGroups: ["canary"],
        schedulingConfig: { endTime: inMinutes(31), endBehavior: "CANCEL" },
      });
      await store.startNextPendingExecution("SN-1", undefined);

      await vi.waitFor(() => expect(store.describeJob("job-1").status).toBe("CANCELED"));
      expect(canceled).toEqual(["job-1"]);
      expect(store.describeJobExecution("job-1", "SN-2").status).toBe("CANCELED");
      expect(store.describeJobExecution("job-1", "SN-1").status).toBe("IN_PROGRESS");
      await store.updateJobExecution("SN-1", "job-1", { status: "SUCCEEDED" });
      expect(store.describeJobExecution("job-1", "SN-1").status).toBe("SUCCEEDED");
    });

    it("cancels IN_PROGRESS executions too with FORCE_CANCEL, and only stops the rollout with STOP_ROLLOUT", async () => {
      const store = await open({ minuteMs: 2 });
      await store.createJob({
        jobId: "forced",
        document: {},
        targets: ["SN-1"],
        schedulingConfig: { endTime: inMinutes(31), endBehavior: "FORCE_CANCEL" },
      });
      await store.startNextPendingExecution("SN-1", undefined);
      await vi.waitFor(() =>
        expect(store.describeJobExecution("forced", "SN-1").status).toBe("CANCELED"),
      );

      // One a minute to 40 things: the end time (minute 31) comes before the rollout is done.
      const things = Array.from({ length: 40 }, (_, index) => `SN-${index + 10}`);
      await store.createJob({
        jobId: "stopped",
        document: {},
        targets: things,
        rolloutMaximumPerMinute: 1,
        schedulingConfig: { endTime: inMinutes(31), endBehavior: "STOP_ROLLOUT" },
      });
      await vi.waitFor(() => expect(store.describeJob("stopped").unreleased).toEqual([]));
      const queued = store.listJobExecutions("stopped").length;
      expect(queued).toBeLessThan(things.length);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(store.listJobExecutions("stopped")).toHaveLength(queued);
      expect(store.describeJob("stopped").status).toBe("IN_PROGRESS");
    });

    it("refuses an end time less than 30 minutes ahead, as AWS does", async () => {
      const store = await open();
      await expect(
        store.createJob({
          jobId: "job-1",
          document: {},
          targets: ["SN-1"],
          schedulingConfig: { endTime: inMinutes(29), endBehavior: "CANCEL" },
        }),
      ).rejects.toThrow(/30 minutes to 2 years/);
    });

    it("keeps the end time across a restart", async () => {
      const store = await open({ minuteMs: 60_000 });
      await store.createJob({
        jobId: "job-1",
        document: {},
        targets: ["SN-1"],
        schedulingConfig: { endTime: inMinutes(31), endBehavior: "CANCEL" },
      });
      await store.close();
      const reopened = await open({ minuteMs: 2 });
      await vi.waitFor(() => expect(reopened.describeJob("job-1").status).toBe("CANCELED"));
    });
  });

  it("tells a started execution the seconds left before its in-progress timeout, as AWS does", async () => {
    const store = await open();
    await store.createJob({
      jobId: "job-1",
      document: {},
      targets: ["SN-1"],
      timeoutConfig: { inProgressTimeoutInMinutes: 60 },
    });
    await store.createJob({ jobId: "job-2", document: {}, targets: ["SN-2"] });
    const api = new JobsMqttApi({ store, logger: pino({ level: "silent" }) });
    const startNext = async (thingName: string) => {
      const reply = await api.handle({
        topic: `$aws/things/${thingName}/jobs/start-next`,
        payload: Buffer.from("{}"),
        clientId: thingName,
        certificateId: "cert",
        thingName,
      });
      return (reply?.payload as { execution?: Record<string, unknown> } | undefined)?.execution;
    };

    const timed = await startNext("SN-1");
    expect(timed?.approximateSecondsBeforeTimedOut).toBeGreaterThan(3590);
    expect(timed?.approximateSecondsBeforeTimedOut).toBeLessThanOrEqual(3600);
    expect(await startNext("SN-2")).not.toHaveProperty("approximateSecondsBeforeTimedOut");
  });

  it("keeps rollout and abort settings across a restart", async () => {
    const store = await open({ minuteMs: 60_000 });
    await store.createJob({
      jobId: "job-1",
      document: {},
      thingGroups: ["fleet"],
      rolloutMaximumPerMinute: 1,
    });
    await store.close();
    const reopened = await open({ minuteMs: 30 });
    await vi.waitFor(() => expect(reopened.listJobExecutions("job-1")).toHaveLength(3));
  });
});
