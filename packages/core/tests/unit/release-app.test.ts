import { generateKeyPairSync } from "node:crypto";
import { rmSync } from "node:fs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  privateKeySigner,
  releaseKeyId,
  verifyArtifactSignature,
} from "../../src/contracts/artifact-signature.ts";
import {
  InvalidAppArtifactError,
  InvalidReleaseRequestError,
  ReleaseTargetNotFoundError,
} from "../../src/ota/ota-errors.ts";
import { readAppArtifact } from "../../src/use-cases/read-app-artifact.ts";
import { createReleaseApp, type ReleaseProgress } from "../../src/use-cases/release-app.ts";
import { releaseIdFor } from "../../src/use-cases/start-rollout.ts";
import { artifactDir, LED_MANIFEST, writeArtifact } from "./app-artifact-file.ts";
import { InMemoryArtifactStore, InMemoryOtaJobs, InMemoryReleaseStore } from "./fakes/index.ts";

const NOW = new Date("2026-11-22T00:00:00.000Z");
const EPOCH = NOW.getTime() / 1_000;
const RELEASE_KEY = generateKeyPairSync("ed25519");
const signer = privateKeySigner(RELEASE_KEY.privateKey);

describe("createReleaseApp", () => {
  let dir: string;
  let file: string;
  let artifacts: InMemoryArtifactStore;
  let jobs: InMemoryOtaJobs;
  let releases: InMemoryReleaseStore;
  let releaseApp: ReturnType<typeof createReleaseApp>;

  beforeEach(async () => {
    dir = artifactDir();
    file = await writeArtifact(dir, "led", { "app.json": LED_MANIFEST, "main.js": "1;" });
    artifacts = new InMemoryArtifactStore();
    jobs = new InMemoryOtaJobs({ groups: ["canary", "fleet"], things: ["rpi-0001"] });
    releases = new InMemoryReleaseStore();
    releaseApp = createReleaseApp({ artifacts, jobs, releases, signer, clock: () => NOW });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("uploads the artifact under its app, version and SHA-256, and starts with the canary group", async () => {
    const { sha256, size } = await readAppArtifact(file);
    const key = `apps/led/1.2.0/${sha256}.tar.gz`;

    const record = await releaseApp({
      artifactPath: file,
      targets: ["fleet"],
      canaryGroup: "canary",
    });

    expect([...artifacts.stored]).toEqual([[key, { path: file, size, sha256 }]]);
    expect(record).toEqual({
      releaseId: `led-1_2_0-${EPOCH}`,
      app: "led",
      version: "1.2.0",
      sha256,
      size,
      artifactKey: key,
      targets: [{ kind: "group", name: "fleet" }],
      canaryGroup: "canary",
      abortFailurePct: 10,
      phase: "canary",
      canaryJobId: `led-1_2_0-${EPOCH}-canary`,
      fleetJobId: null,
      reason: null,
      createdAt: NOW.toISOString(),
      updatedAt: NOW.toISOString(),
    });
    expect(await releases.get(record.releaseId)).toEqual(record);
    expect(jobs.created).toEqual([
      {
        jobId: `led-1_2_0-${EPOCH}-canary`,
        targets: [{ kind: "group", name: "canary" }],
        document: {
          version: "1",
          steps: [
            {
              operation: "app-update",
              app: "led",
              version: "1.2.0",
              url: artifacts.documentUrl(key),
              sha256,
              size,
              signature: {
                keyId: releaseKeyId(RELEASE_KEY.publicKey),
                value: expect.any(String),
              },
            },
          ],
        },
        description: `Release led-1_2_0-${EPOCH}: led 1.2.0`,
        abortFailurePct: 10,
        // The canary deadline, 24 hours by default: offline canary devices cannot stall it.
        endTime: "2026-11-23T00:00:00.000Z",
      },
    ]);
  });

  it("signs the app, version and digest with the release key, as a device holding its public key checks", async () => {
    await releaseApp({ artifactPath: file, targets: ["fleet"] });

    const step = jobs.created[0]?.document.steps[0];
    if (step?.operation !== "app-update") throw new Error("expected an app-update step");
    expect(() =>
      verifyArtifactSignature(step, step.signature, RELEASE_KEY.publicKey),
    ).not.toThrow();
  });

  it("creates no job and uploads nothing when the release key cannot sign", async () => {
    const broken = { sign: () => Promise.reject(new Error("kms:Sign denied")) };
    const release = createReleaseApp({
      artifacts,
      jobs,
      releases,
      signer: broken,
      clock: () => NOW,
    });

    await expect(release({ artifactPath: file, targets: ["fleet"] })).rejects.toThrow(
      "kms:Sign denied",
    );
    expect(artifacts.stored.size).toBe(0);
    expect(jobs.created).toEqual([]);
  });

  it("ends the canary job at the operator's canary deadline, and gives the fleet job none", async () => {
    await releaseApp({
      artifactPath: file,
      targets: ["fleet"],
      canaryGroup: "canary",
      canaryDeadlineMinutes: 45,
    });
    const later = new Date(NOW.getTime() + 1_000);
    await createReleaseApp({ artifacts, jobs, releases, signer, clock: () => later })({
      artifactPath: file,
      targets: ["fleet"],
      canaryDeadlineMinutes: 45,
    });

    expect(jobs.created.map((job) => job.endTime)).toEqual(["2026-11-22T00:45:00.000Z", undefined]);
  });

  it("refuses a canary deadline AWS could refuse: under 31 minutes or two years or more", async () => {
    for (const canaryDeadlineMinutes of [30, 2 * 365 * 24 * 60]) {
      await expect(
        releaseApp({ artifactPath: file, targets: ["fleet"], canaryDeadlineMinutes }),
      ).rejects.toBeInstanceOf(InvalidReleaseRequestError);
    }
    expect(jobs.created).toEqual([]);
  });

  it("goes straight to the fleet job without a canary group, with the operator's abort percentage", async () => {
    const record = await releaseApp({
      artifactPath: file,
      targets: ["fleet", "rpi-0001"],
      abortFailurePct: 25,
    });

    expect(record).toMatchObject({
      phase: "fleet",
      canaryGroup: null,
      canaryJobId: null,
      fleetJobId: `${record.releaseId}-fleet`,
      abortFailurePct: 25,
    });
    expect(jobs.created.map((job) => [job.jobId, job.targets, job.abortFailurePct])).toEqual([
      [
        `${record.releaseId}-fleet`,
        [
          { kind: "group", name: "fleet" },
          { kind: "thing", name: "rpi-0001" },
        ],
        25,
      ],
    ]);
  });

  it("reports hashing, upload progress and job creation", async () => {
    const progress: ReleaseProgress[] = [];

    const record = await releaseApp({ artifactPath: file, targets: ["fleet"] }, (event) =>
      progress.push(event),
    );

    expect(progress).toEqual([
      { stage: "hashing" },
      { stage: "uploading", sentBytes: 0, totalBytes: record.size },
      { stage: "uploading", sentBytes: record.size, totalBytes: record.size },
      { stage: "creating-job", jobId: `${record.releaseId}-fleet` },
    ]);
  });

  it("refuses unknown targets before uploading anything", async () => {
    const error = await releaseApp({ artifactPath: file, targets: ["fleet", "nope"] }).catch(
      (error: unknown) => error,
    );

    expect(error).toBeInstanceOf(ReleaseTargetNotFoundError);
    expect((error as ReleaseTargetNotFoundError).names).toEqual(["nope"]);
    expect(artifacts.stored.size).toBe(0);
    expect(releases.records.size).toBe(0);
  });

  it("refuses a canary that is a thing rather than a group", async () => {
    await expect(
      releaseApp({ artifactPath: file, targets: ["fleet"], canaryGroup: "rpi-0001" }),
    ).rejects.toThrow("canary group rpi-0001 is a thing, not a thing group");
  });

  it("refuses an abort percentage outside 0 to 100", async () => {
    await expect(
      releaseApp({ artifactPath: file, targets: ["fleet"], abortFailurePct: 150 }),
    ).rejects.toBeInstanceOf(InvalidReleaseRequestError);
  });

  it("refuses an invalid artifact before resolving targets or uploading", async () => {
    const bad = await writeArtifact(dir, "bad", { "main.js": "1;" });

    await expect(releaseApp({ artifactPath: bad, targets: ["fleet"] })).rejects.toBeInstanceOf(
      InvalidAppArtifactError,
    );
    expect(artifacts.stored.size).toBe(0);
  });

  it("marks the release failed with the reason when its job cannot be created", async () => {
    jobs.failCreate = Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException" });

    await expect(releaseApp({ artifactPath: file, targets: ["fleet"] })).rejects.toThrow(
      "Rate exceeded",
    );

    const [record] = releases.records.values();
    expect(record).toMatchObject({
      phase: "failed",
      reason: "fleet job not created: ThrottlingException: Rate exceeded",
    });
  });

  it("refuses a job document whose presigned placeholder is malformed, naming the step, and creates no job", async () => {
    artifacts.documentUrl = (key) =>
      `\${aws:iot:s3-presigned-url-v2:https://s3.eu-west-1.amazonaws.com/artifacts/${key}`;

    const released = releaseApp({ artifactPath: file, targets: ["fleet"] });

    await expect(released).rejects.toBeInstanceOf(InvalidReleaseRequestError);
    await expect(released).rejects.toThrow("steps[0].url: malformed presigned URL placeholder");
    expect(jobs.created).toEqual([]);
    const [record] = releases.records.values();
    expect(record?.phase).toBe("failed");
    expect(record?.reason).toContain("steps[0].url");
  });
});

describe("releaseIdFor", () => {
  it("keeps only job-id characters and at most 56 of them, the epoch seconds intact", () => {
    expect(releaseIdFor("led", "1.2.0+build.7", 1_795_000_000)).toBe(
      "led-1_2_0_build_7-1795000000",
    );
    const long = releaseIdFor("a".repeat(64), "1.0.0", 1_795_000_000);
    expect(long).toHaveLength(56);
    expect(long.endsWith("-1795000000")).toBe(true);
  });
});
