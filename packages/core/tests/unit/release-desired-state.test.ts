import { generateKeyPairSync } from "node:crypto";
import { rmSync } from "node:fs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { privateKeySigner } from "../../src/contracts/artifact-signature.ts";
import { createAdvanceRelease } from "../../src/use-cases/advance-release.ts";
import { createReleaseApp } from "../../src/use-cases/release-app.ts";
import { artifactDir, LED_MANIFEST, writeArtifact } from "./app-artifact-file.ts";
import { InMemoryArtifactStore, InMemoryOtaJobs, InMemoryReleaseStore } from "./fakes/index.ts";

const LED_1_3 = LED_MANIFEST.replace('"1.2.0"', '"1.3.0"');

describe("a release as the fleet's desired state (continuous fleet jobs)", () => {
  let dir: string;
  let jobs: InMemoryOtaJobs;
  let releases: InMemoryReleaseStore;
  let seconds: number;
  let releaseApp: ReturnType<typeof createReleaseApp>;
  let advanceRelease: ReturnType<typeof createAdvanceRelease>;

  beforeEach(() => {
    dir = artifactDir();
    jobs = new InMemoryOtaJobs({ groups: ["canary", "fleet", "lab"], things: ["rpi-0001"] });
    releases = new InMemoryReleaseStore();
    seconds = 1_795_000_000;
    // A minute between calls: each release gets its own id.
    const clock = () => {
      seconds += 60;
      return new Date(seconds * 1000);
    };
    releaseApp = createReleaseApp({
      artifacts: new InMemoryArtifactStore(),
      jobs,
      releases,
      signer: privateKeySigner(generateKeyPairSync("ed25519").privateKey),
      clock,
    });
    advanceRelease = createAdvanceRelease({ releases, jobs, clock });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const artifact = (manifest = LED_MANIFEST) => writeArtifact(dir, "led", { "app.json": manifest });

  it("makes the fleet job to a thing group continuous, and a job to things only a snapshot", async () => {
    await releaseApp({ artifactPath: await artifact(), targets: ["fleet"] });
    await releaseApp({ artifactPath: await artifact(), targets: ["rpi-0001"] });

    expect(jobs.created.map((job) => [job.targets[0]?.kind, job.continuous])).toEqual([
      ["group", true],
      ["thing", undefined],
    ]);
  });

  it("keeps the canary job a snapshot: it has to end for the release to move on", async () => {
    await releaseApp({ artifactPath: await artifact(), targets: ["fleet"], canaryGroup: "canary" });

    expect(jobs.created[0]?.continuous).toBeUndefined();
  });

  it("completes the release once its continuous fleet job has nothing queued or in progress", async () => {
    const release = await releaseApp({ artifactPath: await artifact(), targets: ["fleet"] });
    const fleetJobId = release.fleetJobId ?? "";

    jobs.progress(fleetJobId, { succeeded: 2, inProgress: 1 });
    expect(await advanceRelease(fleetJobId)).toBeNull();
    jobs.progress(fleetJobId, { succeeded: 3 });

    expect(await advanceRelease(fleetJobId)).toMatchObject({ phase: "completed", reason: null });
    // The job stays open for devices that join the group later.
    expect((await jobs.describeJob(fleetJobId))?.status).toBe("IN_PROGRESS");
  });

  it("supersedes the release of the same app: its continuous fleet job is canceled", async () => {
    const first = await releaseApp({ artifactPath: await artifact(), targets: ["fleet"] });
    const second = await releaseApp({ artifactPath: await artifact(LED_1_3), targets: ["fleet"] });

    expect(second.supersedes).toBe(first.releaseId);
    expect(jobs.canceled).toEqual([first.fleetJobId]);
    expect(await releases.get(first.releaseId)).toMatchObject({
      phase: "superseded",
      reason: `superseded by ${second.releaseId}`,
    });
  });

  it("supersedes only once the new release's fleet job starts, after its canary", async () => {
    const first = await releaseApp({ artifactPath: await artifact(), targets: ["fleet"] });
    const second = await releaseApp({
      artifactPath: await artifact(LED_1_3),
      targets: ["fleet"],
      canaryGroup: "canary",
    });
    expect(jobs.canceled).toEqual([]);
    expect((await releases.get(first.releaseId))?.phase).toBe("fleet");

    jobs.finish(second.canaryJobId ?? "", "COMPLETED", { succeeded: 1 });
    await advanceRelease(second.canaryJobId ?? "");

    expect(jobs.canceled).toEqual([first.fleetJobId]);
    expect((await releases.get(first.releaseId))?.phase).toBe("superseded");
  });

  it("never lets a release to fewer targets supersede one to more", async () => {
    const wide = await releaseApp({ artifactPath: await artifact(), targets: ["fleet", "lab"] });
    const narrow = await releaseApp({ artifactPath: await artifact(LED_1_3), targets: ["lab"] });

    expect(narrow.supersedes).toBeUndefined();
    expect((await releases.get(wide.releaseId))?.phase).toBe("fleet");
    expect(jobs.canceled).toEqual([]);
  });
});
