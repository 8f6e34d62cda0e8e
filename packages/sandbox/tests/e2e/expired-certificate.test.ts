import { type ChildProcess, spawn } from "node:child_process";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { DeviceView } from "@fleet/core/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestSandbox, waitFor } from "./sandbox-fixture.ts";

const DEVICE_BIN = fileURLToPath(
  new URL("../../../device/src/bin/fleet-device.ts", import.meta.url),
);
const SERIAL = "SN-EXP-A001";
/** Short enough to wait out in a test, long enough to provision and connect within. */
const VALIDITY_MS = 8_000;

describe("a device stopped past its certificate's validity (real fleet-device process)", () => {
  let env: Awaited<ReturnType<typeof startTestSandbox>>;
  let device: ChildProcess | undefined;
  const dir = () => join(env.dir, "devices", SERIAL);
  const certFile = () => join(dir(), "credentials", "cert.pem");

  async function startDevice(): Promise<void> {
    const { claim } = env.sandbox;
    const configPath = join(dir(), "config.json");
    await mkdir(dir(), { recursive: true });
    await writeFile(
      configPath,
      JSON.stringify({
        serial: SERIAL,
        endpoint: env.sandbox.mqtt,
        tls: { caFile: claim.caFile },
        credentialsDir: join(dir(), "credentials"),
        provisioning: {
          claimCertFile: claim.certFile,
          claimKeyFile: claim.keyFile,
          templateName: claim.templateName,
          replyTimeoutMs: 10_000,
          retry: { initialDelayMs: 100, maxDelayMs: 500 },
          reprovisionAfterRefusals: 3,
        },
        reconnect: { initialDelayMs: 100, maxDelayMs: 500 },
      }),
    );
    device = spawn(process.execPath, [DEVICE_BIN, "--config", configPath, "--log-level", "warn"], {
      stdio: ["ignore", "ignore", "inherit"],
    });
  }

  async function stopDevice(): Promise<void> {
    const child = device;
    device = undefined;
    if (child === undefined || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    await exited;
  }

  const view = async (): Promise<DeviceView | undefined> =>
    (await env.sandbox.listDevices()).find((each) => each.serial === SERIAL);

  beforeAll(async () => {
    env = await startTestSandbox("expired-certificate", {
      certificateValidityMs: VALIDITY_MS,
      rotationThresholdMs: 1_000,
      // Only the audit at start (no devices yet): no rotation renews the certificate here.
      auditIntervalMs: 3_600_000,
    });
    await env.sandbox.uploadAllowList(Buffer.from(`serial\n${SERIAL}\n`), { allowEmpty: false });
  });

  afterAll(async () => {
    await stopDevice();
    await env.stop();
  });

  it("is shown expired while away, and comes back connected with a new certificate, the old one retired, no operator step", async () => {
    await startDevice();
    const first = await waitFor("the device connected", async () => {
      const current = await view();
      return current?.connected ? current : undefined;
    });
    expect(first.state).toBe("provisioned");
    const oldCert = await readFile(certFile(), "utf8");
    await stopDevice();

    // Away past the certificate's notAfter (a real wait of a few seconds).
    const away = await waitFor(
      "the device shown expired",
      async () => {
        const current = await view();
        return current?.state === "expired" ? current : undefined;
      },
      VALIDITY_MS + 5_000,
    );
    expect(away).toMatchObject({ connected: false, certificateId: first.certificateId });
    expect(away.reason).toContain(`certificate ${first.certificateId} expired at`);

    await startDevice();
    const back = await waitFor("the device connected again", async () => {
      const current = await view();
      return current?.connected && current.certificateId !== first.certificateId
        ? current
        : undefined;
    });
    expect(back).toMatchObject({ state: "provisioned", reason: null });
    // The hook retired the expired certificate when it let the device provision again.
    expect(env.sandbox.registry.describeCertificate(first.certificateId ?? "").status).toBe(
      "REVOKED",
    );
    expect(await readFile(certFile(), "utf8")).not.toBe(oldCert);
  });
});
