// Issue 14, attack 6: `signature` in app-update steps was accepted and never checked, so
// whoever could put a job document in front of devices (iot:CreateJob without the release key,
// a tampered document) installed code of their choosing with a garbage signature. Now every
// device holds the release public key, verifies the step's signature over app, version and
// sha256 before downloading anything, and the fleet keeps running the released version.

import { generateKeyPairSync } from "node:crypto";
import { readFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { type JobDocument, type JobExecutionView, signArtifact } from "@fleet/core/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  buildDemoApp,
  type DeviceProcess,
  deviceView,
  runningVersion,
  settledExecutions,
  startDeviceProcess,
} from "../e2e/ota-fixture.ts";
import { startTestSandbox, waitFor } from "../e2e/sandbox-fixture.ts";

const TEST_TIMEOUT_MS = 120_000;

describe("attack: an app artifact the release key did not sign", () => {
  let env: Awaited<ReturnType<typeof startTestSandbox>>;
  let devices: DeviceProcess[];
  /** The legitimate release's app-update step (led 1.0.0, signed by the sandbox). */
  let released: Extract<JobDocument["steps"][number], { operation: "app-update" }>;
  /** The attacker's artifact: led 6.6.6, served from where the attacker likes. */
  let evil: { version: string; sha256: string; size: number; url: string };
  let attackerServer: Server;
  let attackerDownloads = 0;

  beforeAll(async () => {
    env = await startTestSandbox("attack-unsigned-artifact");
    devices = await Promise.all(
      ["SN-SIG-1", "SN-SIG-2"].map((serial) => startDeviceProcess(env.sandbox, env.dir, serial)),
    );
    const built = join(env.dir, "artifacts-built");
    const good = await buildDemoApp("led", built, "1.0.0");
    const release = await env.sandbox.createRelease({
      artifactPath: good.file,
      targets: devices.map((device) => device.thingName),
    });
    const executions = await settledExecutions(env.sandbox, release.fleetJobId ?? "");
    expect(executions.map((e) => e.status)).toEqual(["SUCCEEDED", "SUCCEEDED"]);
    const step = (await env.sandbox.describeJob(release.fleetJobId ?? "")).document as JobDocument;
    if (step.steps[0]?.operation !== "app-update") throw new Error("expected an app-update step");
    released = step.steps[0];
    // The attacker's artifact is a well-formed app, served where the devices can fetch it:
    // before the fix they downloaded and installed it.
    const bad = await buildDemoApp("led", built, "6.6.6");
    const bytes = await readFile(bad.file);
    attackerServer = createServer((_request, response) => {
      attackerDownloads += 1;
      response.writeHead(200, { "content-length": bytes.length }).end(bytes);
    });
    await new Promise<void>((resolve) => attackerServer.listen(0, "127.0.0.1", resolve));
    const { port } = attackerServer.address() as AddressInfo;
    evil = {
      version: bad.version,
      sha256: bad.sha256,
      size: bytes.length,
      url: `http://127.0.0.1:${port}/led-6.6.6.tar.gz`,
    };
    for (const device of devices) {
      await waitFor(`${device.serial} to run led 1.0.0`, async () =>
        runningVersion(device, "led") === "1.0.0" ? true : undefined,
      );
    }
  }, TEST_TIMEOUT_MS);
  afterAll(async () => {
    await Promise.all(devices.map((device) => device.stop()));
    await new Promise((resolve) => attackerServer.close(resolve));
    await env.stop();
  });

  /** Creates the attacker's job for every device and waits for each device's verdict. */
  async function attack(jobId: string, signature: unknown): Promise<JobExecutionView[]> {
    const { signature: _released, ...unsigned } = released;
    const step = { ...unsigned, ...evil, ...(signature === undefined ? {} : { signature }) };
    await env.sandbox.jobs.createJob({
      jobId,
      document: { version: "1", steps: [step] },
      targets: devices.map((device) => device.thingName),
    });
    return settledExecutions(env.sandbox, jobId);
  }

  /**
   * The fleet is untouched: no device fetched the attacker's artifact, and every device still
   * runs and reports led 1.0.0.
   */
  async function expectFleetOnReleasedVersion(): Promise<void> {
    expect(attackerDownloads).toBe(0);
    for (const device of devices) {
      expect(runningVersion(device, "led")).toBe("1.0.0");
      expect((await deviceView(env.sandbox, device.thingName)).apps).toEqual({ led: "1.0.0" });
      expect(
        device.lines.some((line) => line.msg === "app installed" && line.version === "6.6.6"),
      ).toBe(false);
    }
  }

  it(
    "a forged signature is refused by every device: FAILED SignatureInvalid, the fleet keeps running the old version",
    async () => {
      const forged = {
        keyId: released.signature?.keyId,
        value: Buffer.from(
          "garbage signature of sixty-four bytes, as long as a real one!!!!",
        ).toString("base64"),
      };

      const executions = await attack("attack-forged-signature", forged);

      for (const execution of executions) {
        expect(execution.status).toBe("FAILED");
        expect(execution.statusDetails.errorCode).toBe("SignatureInvalid");
        expect(execution.statusDetails.reason).toMatch(
          /^the signature of led@6\.6\.6 .* does not verify/,
        );
      }
      await expectFleetOnReleasedVersion();
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "the released version's valid signature replayed on the attacker's artifact is refused",
    async () => {
      const executions = await attack("attack-replayed-signature", released.signature);

      expect(executions.map((e) => e.statusDetails.errorCode)).toEqual([
        "SignatureInvalid",
        "SignatureInvalid",
      ]);
      await expectFleetOnReleasedVersion();
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "an artifact signed with the attacker's own key, or not signed at all, is refused",
    async () => {
      const ownKey = generateKeyPairSync("ed25519").privateKey;
      const signedByAttacker = await attack(
        "attack-own-key",
        signArtifact({ app: "led", version: evil.version, sha256: evil.sha256 }, ownKey),
      );
      const unsigned = await attack("attack-unsigned", undefined);

      expect(signedByAttacker.map((e) => e.statusDetails.reason)).toEqual(
        devices.map(() =>
          expect.stringMatching(
            /^led@6\.6\.6 is signed with release key [0-9a-f]{16}; this device trusts [0-9a-f]{16}$/,
          ),
        ),
      );
      expect(unsigned.map((e) => [e.status, e.statusDetails.errorCode])).toEqual([
        ["FAILED", "SignatureMissing"],
        ["FAILED", "SignatureMissing"],
      ]);
      await expectFleetOnReleasedVersion();
    },
    TEST_TIMEOUT_MS,
  );
});
