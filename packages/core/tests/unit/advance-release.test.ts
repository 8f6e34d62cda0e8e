import { generateKeyPairSync } from "node:crypto";
import { rmSync } from "node:fs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { privateKeySigner } from "../../src/contracts/artifact-signature.ts";
import type { ReleaseRecord } from "../../src/contracts/ota-release.ts";
import { createAdvanceRelease } from "../../src/use-cases/advance-release.ts";
import { createReleaseApp } from "../../src/use-cases/release-app.ts";
import { artifactDir, LED_MANIFEST, writeArtifact } from "./app-artifact-file.ts";
import { InMemoryArtifactStore, InMemoryOtaJobs, InMemoryReleaseStore } from "./fakes/index.ts";

const NOW = new Date("2026-11-22T00:00:00.000Z");
const LATER = new Date("2026-11-22T00:20:00.000Z");

describe("createAdvanceRelease", () => {
  let dir: string;
  let jobs: InMemoryOtaJobs;
  let releases: InMemoryReleaseStore;
  let release: ReleaseRecord;
  let advanceRelease: ReturnType<typeof createAdvanceRelease>;
  let canaryJobId: string;
  let fleetJobId: string;

  beforeEach(async () => {
    dir = artifactDir();
    const file = await writeArtifact(dir, "led", { "app.json": LED_MANIFEST });
    jobs = new InMemoryOtaJobs({ groups: ["canary", "fleet"], things: [] });
    releases = new InMemoryReleaseStore();
    const artifacts = new InMemoryArtifactStore();
    release = await createReleaseApp({
      artifacts,
      jobs,
      releases,
      signer: privateKeySigner(generateKeyPairSync("ed25519").privateKey),
      clock: () => NOW,
    })({
      artifactPath: file,
      targets: ["fleet"],
      canaryGroup: "canary",
    });
    canaryJobId = `${release.releaseId}-canary`;
    fleetJobId = `${release.releaseId}-fleet`;
    advanceRelease = createAdvanceRelease({ releases, jobs, clock: () => LATER });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("creates the fleet job with the canary's document once every canary device succeeded", async () => {
    jobs.finish(canaryJobId, "COMPLETED", { succeeded: 2 });

    const moved = await advanceRelease(canaryJobId);

    expect(moved).toMatchObject({ phase: "fleet", fleetJobId, updatedAt: LATER.toISOString() });
    const [canary, fleet] = jobs.created;
    expect(fleet).toEqual({
      ...canary,
      jobId: fleetJobId,
      targets: [{ kind: "group", name: "fleet" }],
      // Only the canary has a deadline.
      endTime: undefined,
      // Only the fleet job to a group is continuous: devices that join later get the release.
      continuous: true,
    });
  });

  it("aborts the release when the canary deadline canceled an offline device's queued execution", async () => {
    jobs.finish(canaryJobId, "CANCELED", { succeeded: 1, canceled: 1 });

    expect(await advanceRelease(canaryJobId)).toMatchObject({
      phase: "aborted",
      reason: "canary job canceled: 1 of 2 executions failed (1 CANCELED)",
    });
    expect(jobs.created).toHaveLength(1);
  });

  it("does nothing more when the same completion is delivered twice", async () => {
    jobs.finish(canaryJobId, "COMPLETED", { succeeded: 1 });
    await advanceRelease(canaryJobId);

    expect(await advanceRelease(canaryJobId)).toBeNull();
    expect(jobs.created).toHaveLength(2);
  });

  it("aborts the release when the abort criterion canceled the canary job, naming the counts", async () => {
    jobs.finish(canaryJobId, "CANCELED", { failed: 2 }, "FAILED");

    const moved = await advanceRelease(canaryJobId);

    expect(moved).toMatchObject({
      phase: "aborted",
      reason: "canary job canceled by abort criterion FAILED: 2 of 2 executions failed",
    });
    expect(jobs.created).toHaveLength(1);
  });

  it("aborts the release when a canary device did not succeed though the job completed", async () => {
    jobs.finish(canaryJobId, "COMPLETED", { succeeded: 3, rejected: 1 });

    expect(await advanceRelease(canaryJobId)).toMatchObject({
      phase: "aborted",
      reason: "canary job completed: 1 of 4 executions failed (1 REJECTED)",
    });
    expect(jobs.created).toHaveLength(1);
  });

  it("aborts a release whose canary group had no devices", async () => {
    jobs.finish(canaryJobId, "COMPLETED", {});

    expect(await advanceRelease(canaryJobId)).toMatchObject({
      phase: "aborted",
      reason: "canary job completed without executions: the canary group has no devices",
    });
  });

  it("completes the release when the fleet job completed", async () => {
    jobs.finish(canaryJobId, "COMPLETED", { succeeded: 1 });
    await advanceRelease(canaryJobId);
    jobs.finish(fleetJobId, "COMPLETED", { succeeded: 9, failed: 1 });

    expect(await advanceRelease(fleetJobId)).toMatchObject({
      phase: "completed",
      reason: "fleet job completed: 1 of 10 executions failed",
    });
  });

  it("aborts the release when the fleet job was canceled", async () => {
    jobs.finish(canaryJobId, "COMPLETED", { succeeded: 1 });
    await advanceRelease(canaryJobId);
    jobs.finish(fleetJobId, "CANCELED", { succeeded: 5, timedOut: 3 }, "TIMED_OUT");

    expect(await advanceRelease(fleetJobId)).toMatchObject({
      phase: "aborted",
      reason:
        "fleet job canceled by abort criterion TIMED_OUT: 3 of 8 executions failed (3 TIMED_OUT)",
    });
  });

  it("ignores jobs that are not a release's, and jobs still running", async () => {
    expect(await advanceRelease("rotate-rpi-0001-1795000000")).toBeNull();
    expect(await advanceRelease("unknown-release-canary")).toBeNull();
    expect(await advanceRelease(canaryJobId)).toBeNull();
    expect((await releases.get(release.releaseId))?.phase).toBe("canary");
  });

  it("leaves the release failed when the fleet job cannot be created", async () => {
    jobs.finish(canaryJobId, "COMPLETED", { succeeded: 1 });
    jobs.failCreate = new Error("boom");

    await expect(advanceRelease(canaryJobId)).rejects.toThrow("boom");

    expect(await releases.get(release.releaseId)).toMatchObject({
      phase: "failed",
      reason: "fleet job not created: boom",
    });
  });
});
