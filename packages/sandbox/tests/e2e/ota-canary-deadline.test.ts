import { join } from "node:path";
import type { ReleaseRecord } from "@fleet/core/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CANARY_THING_GROUP } from "../../src/index.ts";
import { buildDemoApp } from "./ota-fixture.ts";
import { startTestSandbox, waitFor } from "./sandbox-fixture.ts";

/** A Jobs minute of 20 ms: the shortest canary deadline, 31 minutes, passes in 0.62 s. */
const JOBS_MINUTE_MS = 20;

describe("the canary deadline of an OTA release", () => {
  let env: Awaited<ReturnType<typeof startTestSandbox>>;

  beforeAll(async () => {
    env = await startTestSandbox("ota-canary-deadline", { jobsMinuteMs: JOBS_MINUTE_MS });
  });
  afterAll(() => env.stop());

  it("cancels an offline canary device's QUEUED execution at the deadline, and the release aborts instead of stalling", async () => {
    // Enrolled, never connected: its execution can only stay QUEUED.
    const { device: offline } = await env.enroll("SN-OTA-OFF1");
    const { device: fleetDevice } = await env.enroll("SN-OTA-OFF2");
    await env.sandbox.addThingToThingGroup(CANARY_THING_GROUP, offline.thingName);
    const artifact = await buildDemoApp("led", join(env.dir, "artifacts-built"));

    const release = await env.sandbox.createRelease({
      artifactPath: artifact.file,
      targets: [fleetDevice.thingName],
      canaryGroup: CANARY_THING_GROUP,
      canaryDeadlineMinutes: 31,
    });
    const canaryJobId = release.canaryJobId ?? "";
    expect(env.sandbox.jobs.describeJobExecution(canaryJobId, offline.thingName).status).toBe(
      "QUEUED",
    );

    const ended = await waitFor(`release ${release.releaseId} to end`, async () => {
      const current = (await env.sandbox.listReleases()).find(
        (each): each is ReleaseRecord => each.releaseId === release.releaseId,
      );
      return current?.phase === "canary" ? undefined : current;
    });
    expect(ended).toMatchObject({
      phase: "aborted",
      fleetJobId: null,
      reason: "canary job canceled: 1 of 1 executions failed (1 CANCELED)",
    });
    expect(env.sandbox.jobs.describeJob(canaryJobId).status).toBe("CANCELED");
    expect(env.sandbox.jobs.describeJobExecution(canaryJobId, offline.thingName).status).toBe(
      "CANCELED",
    );
    // Not before the deadline: 31 Jobs minutes after the job was created.
    const { createdAt, completedAt } = env.sandbox.jobs.describeJob(canaryJobId);
    expect(Date.parse(completedAt ?? "") - Date.parse(createdAt)).toBeGreaterThanOrEqual(
      31 * JOBS_MINUTE_MS - 1,
    );
    expect((await env.sandbox.listJobs()).map((job) => job.jobId)).not.toContain(
      `${release.releaseId}-fleet`,
    );
  });
});
