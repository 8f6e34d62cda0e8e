import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { JobStore, type PendingChange } from "../../src/jobs/job-store.ts";
import { jobsNotifications } from "../../src/jobs/jobs-mqtt-api.ts";

describe("job store", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "fleet-jobs-"));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it("keeps jobs and execution progress across a restart", async () => {
    const store = await JobStore.open(dir);
    await store.createJob({ jobId: "job-1", document: { a: 1 }, targets: ["SN-1", "SN-2"] });
    await store.startNextPendingExecution("SN-1", { step: "one" });
    await store.flush();

    const reopened = await JobStore.open(dir);
    expect(reopened.describeJob("job-1").document).toEqual({ a: 1 });
    expect(reopened.describeJobExecution("job-1", "SN-1")).toMatchObject({
      status: "IN_PROGRESS",
      statusDetails: { step: "one" },
      versionNumber: 2,
    });
    expect(reopened.listJobExecutions("job-1").map((e) => e.status)).toEqual([
      "IN_PROGRESS",
      "QUEUED",
    ]);
  });

  it("notifies notify-next only when the next execution changes, not its details", async () => {
    const store = await JobStore.open(dir);
    const changes: PendingChange[] = [];
    store.onChange((change) => changes.push(change));
    await store.createJob({ jobId: "job-1", document: {}, targets: ["SN-1"] });
    await store.createJob({ jobId: "job-2", document: {}, targets: ["SN-1"] });
    await store.updateJobExecution("SN-1", "job-1", {
      status: "IN_PROGRESS",
      statusDetails: { step: "two" },
    });
    await store.updateJobExecution("SN-1", "job-1", { status: "IN_PROGRESS" });
    await store.updateJobExecution("SN-1", "job-1", { status: "SUCCEEDED" });

    const topics = changes.map((change) =>
      jobsNotifications(change, store, new Date()).map((m) => m.topic.split("/").at(-1)),
    );
    expect(topics).toEqual([
      ["notify", "notify-next"], // job-1 queued: first in the list
      ["notify"], // job-2 queued behind it
      ["notify"], // job-1 IN_PROGRESS: still next
      [], // details only
      ["notify", "notify-next"], // job-1 done: job-2 is next
    ]);
  });
});
