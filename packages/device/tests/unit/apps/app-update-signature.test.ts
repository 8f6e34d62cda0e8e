import { generateKeyPairSync } from "node:crypto";
import { existsSync, readlinkSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { type AppUpdateStep, releaseKeyId, signArtifact } from "@fleet/core/contracts";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type AppManager, createAppManager } from "../../../src/apps/index.ts";
import type { StepOutcome } from "../../../src/jobs/step-handler.ts";
import { createAppUpdateStep } from "../../../src/jobs/steps/app-update-step.ts";
import { createCaptureLogger } from "../../support/capture-logger.ts";
import {
  type ArtifactServer,
  appUpdateStep,
  buildArtifact,
  isAlive,
  RUNS_FOREVER,
  recordedPid,
  scratchDir,
  startArtifactServer,
} from "./app-fixtures.ts";

const RELEASE_KEY = generateKeyPairSync("ed25519");
const OTHER_KEY = generateKeyPairSync("ed25519");

let work: { dir: string; cleanup: () => Promise<void> };
let server: ArtifactServer;
let appsDir: string;
let publicKeyFile: string;
let apps: AppManager;

beforeEach(async () => {
  work = await scratchDir();
  appsDir = join(work.dir, "apps");
  publicKeyFile = join(work.dir, "release-key.pub.pem");
  await writeFile(publicKeyFile, RELEASE_KEY.publicKey.export({ type: "spki", format: "pem" }));
  server = await startArtifactServer();
  apps = createAppManager({
    appsDir,
    healthGraceMs: 300,
    stopGraceMs: 1_000,
    logger: createCaptureLogger().logger,
  });
});

afterEach(async () => {
  await apps.stopAll();
  await server.close();
  await work.cleanup();
});

/** Builds and serves `led@version`; its step is unsigned. */
async function led(version: string): Promise<AppUpdateStep> {
  const bytes = await buildArtifact(work.dir, { name: "led", version, start: RUNS_FOREVER });
  return appUpdateStep(server.serve(`led-${version}.tar.gz`, bytes), bytes, "led", version);
}

function signed(step: AppUpdateStep, key = RELEASE_KEY.privateKey): AppUpdateStep {
  return { ...step, signature: signArtifact(step, key) };
}

/** Runs the device's app-update step handler as the jobs agent does. */
function run(
  step: AppUpdateStep,
  options: { releasePublicKeyFile: string | undefined } = { releasePublicKeyFile: publicKeyFile },
) {
  const handler = createAppUpdateStep(apps, options);
  return handler({
    jobId: "release-1",
    step,
    index: 0,
    count: 1,
    resumedPhase: undefined,
    timeLeftMs: undefined,
    report: async () => {},
  });
}

function refusal(errorCode: string, reason: string | RegExp): StepOutcome {
  return {
    status: "failed",
    reason: typeof reason === "string" ? reason : expect.stringMatching(reason),
    details: { errorCode },
  } as StepOutcome;
}

describe("app-update step: signed artifacts", () => {
  it("installs a release whose signature verifies with the device's release key", async () => {
    const outcome = await run(signed(await led("1.0.0")));

    expect(outcome).toEqual({ status: "succeeded", details: { app: "led", version: "1.0.0" } });
    expect(apps.installed()).toEqual({ led: "1.0.0" });
  });

  it("refuses a garbage signature before downloading: FAILED SignatureInvalid, the running version unchanged", async () => {
    await run(signed(await led("1.0.0")));
    const running = await recordedPid(appsDir, "led", "1.0.0");
    const requestsBefore = server.requests.length;
    const forged = {
      ...(await led("2.0.0")),
      signature: {
        keyId: releaseKeyId(RELEASE_KEY.publicKey),
        value: Buffer.from("garbage").toString("base64"),
      },
    };

    const outcome = await run(forged);

    expect(outcome).toEqual(
      refusal(
        "SignatureInvalid",
        /^the signature of led@2\.0\.0 \(sha256 [0-9a-f]{64}\) does not verify with release key [0-9a-f]{16}$/,
      ),
    );
    expect(server.requests.length).toBe(requestsBefore);
    expect(apps.installed()).toEqual({ led: "1.0.0" });
    expect(readlinkSync(join(appsDir, "led", "current"))).toBe("1.0.0");
    expect(existsSync(join(appsDir, "led", "2.0.0"))).toBe(false);
    expect(isAlive(running)).toBe(true);
  });

  it("refuses an unsigned release as SignatureMissing, installing nothing", async () => {
    const outcome = await run(await led("1.0.0"));

    expect(outcome).toEqual(
      refusal(
        "SignatureMissing",
        "led@1.0.0 is not signed; this device installs signed artifacts only",
      ),
    );
    expect(apps.installed()).toEqual({});
    expect(server.requests).toEqual([]);
  });

  it("refuses a release signed with another key, and one whose signature is of another version", async () => {
    const other = await run(signed(await led("1.0.0"), OTHER_KEY.privateKey));
    const v1 = signed(await led("1.0.0"));
    const replayed = await run({ ...(await led("2.0.0")), signature: v1.signature });

    expect(other).toEqual(
      refusal(
        "SignatureInvalid",
        /^led@1\.0\.0 is signed with release key [0-9a-f]{16}; this device trusts [0-9a-f]{16}$/,
      ),
    );
    expect(replayed).toEqual(
      refusal("SignatureInvalid", /^the signature of led@2\.0\.0 .* does not verify/),
    );
    expect(apps.installed()).toEqual({});
  });

  it("installs nothing on a device without a release key, signed or not", async () => {
    const outcome = await run(signed(await led("1.0.0")), { releasePublicKeyFile: undefined });

    expect(outcome).toEqual(
      refusal(
        "ReleaseKeyMissing",
        "this device has no release public key (apps.releasePublicKeyFile) and installs no artifact",
      ),
    );
    expect(apps.installed()).toEqual({});
  });

  it("installs nothing when the release key file is missing or not an Ed25519 public key", async () => {
    const notAKey = join(work.dir, "not-a-key.pem");
    await writeFile(notAKey, "garbage");

    const missing = await run(signed(await led("1.0.0")), {
      releasePublicKeyFile: join(work.dir, "absent.pem"),
    });
    const garbage = await run(signed(await led("1.0.0")), { releasePublicKeyFile: notAKey });

    expect(missing).toEqual(
      refusal("ReleaseKeyUnreadable", /^cannot use the release public key: ENOENT/),
    );
    expect(garbage).toEqual(refusal("ReleaseKeyUnreadable", /is not a PEM public key$/));
    expect(apps.installed()).toEqual({});
  });
});
