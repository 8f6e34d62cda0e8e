import { generateKeyPairSync } from "node:crypto";
import { rmSync } from "node:fs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { privateKeySigner } from "../../src/contracts/artifact-signature.ts";
import {
  NothingToRollBackError,
  ReleaseConflictError,
  ReleaseNotFoundError,
} from "../../src/contracts/operator-api/operator-errors.ts";
import { createCancelRelease } from "../../src/use-cases/cancel-release.ts";
import { createReleaseApp } from "../../src/use-cases/release-app.ts";
import { createRollbackRelease } from "../../src/use-cases/rollback-release.ts";
import { artifactDir, LED_MANIFEST, writeArtifact } from "./app-artifact-file.ts";
import { InMemoryArtifactStore, InMemoryOtaJobs, InMemoryReleaseStore } from "./fakes/index.ts";

describe("release control: cancel and rollback", () => {
  let dir: string;
  let jobs: InMemoryOtaJobs;
  let releases: InMemoryReleaseStore;
  let seconds: number;
  let releaseLed: (
    version: string,
    canaryGroup?: string,
  ) => ReturnType<ReturnType<typeof createReleaseApp>>;
  let cancelRelease: ReturnType<typeof createCancelRelease>;
  let rollbackRelease: ReturnType<typeof createRollbackRelease>;

  beforeEach(() => {
    dir = artifactDir();
    jobs = new InMemoryOtaJobs({ groups: ["canary", "fleet"], things: [] });
    releases = new InMemoryReleaseStore();
    seconds = 1_795_000_000;
    // A minute between calls: each release gets its own id.
    const clock = () => {
      seconds += 60;
      return new Date(seconds * 1000);
    };
    const releaseApp = createReleaseApp({
      artifacts: new InMemoryArtifactStore(),
      jobs,
      releases,
      signer: privateKeySigner(generateKeyPairSync("ed25519").privateKey),
      clock,
    });
    releaseLed = async (version, canaryGroup) => {
      const manifest = LED_MANIFEST.replace('"1.2.0"', JSON.stringify(version));
      const artifactPath = await writeArtifact(dir, "led", { "app.json": manifest });
      return releaseApp({
        artifactPath,
        targets: ["fleet"],
        ...(canaryGroup ? { canaryGroup } : {}),
      });
    };
    cancelRelease = createCancelRelease({ releases, jobs, clock });
    rollbackRelease = createRollbackRelease({ releases, jobs, clock });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("cancels the running job of a release and aborts it, passing force on", async () => {
    const release = await releaseLed("1.0.0", "canary");

    expect(await cancelRelease({ releaseId: release.releaseId, force: true })).toMatchObject({
      phase: "aborted",
      reason: "canceled by the operator, in-progress executions too",
    });
    expect(jobs.canceled).toEqual([release.canaryJobId]);
  });

  it("refuses to cancel an unknown release, and one with no job running", async () => {
    const release = await releaseLed("1.0.0");
    await cancelRelease({ releaseId: release.releaseId, force: false });

    await expect(cancelRelease({ releaseId: "nope", force: false })).rejects.toBeInstanceOf(
      ReleaseNotFoundError,
    );
    await expect(
      cancelRelease({ releaseId: release.releaseId, force: false }),
    ).rejects.toBeInstanceOf(ReleaseConflictError);
  });

  it("rolls back to the previous version with its document, straight to the fleet", async () => {
    const old = await releaseLed("1.0.0");
    const current = await releaseLed("1.1.0");

    const rolledBack = await rollbackRelease({});

    expect(rolledBack).toMatchObject({
      app: "led",
      version: "1.0.0",
      sha256: old.sha256,
      phase: "fleet",
      canaryJobId: null,
      supersedes: current.releaseId,
    });
    const [oldJob, , rollbackJob] = jobs.created;
    expect(rollbackJob).toMatchObject({
      jobId: rolledBack.fleetJobId,
      document: oldJob?.document,
      continuous: true,
    });
    expect((await releases.get(current.releaseId))?.phase).toBe("superseded");
  });

  it("has nothing to roll back without an earlier version, and refuses a release in canary", async () => {
    await expect(rollbackRelease({})).rejects.toBeInstanceOf(NothingToRollBackError);
    await releaseLed("1.0.0");
    await expect(rollbackRelease({ app: "led" })).rejects.toBeInstanceOf(NothingToRollBackError);
    await releaseLed("1.1.0", "canary");
    await expect(rollbackRelease({})).rejects.toBeInstanceOf(ReleaseConflictError);
  });
});
