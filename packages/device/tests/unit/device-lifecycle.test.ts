import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { type DeviceConfigInput, parseDeviceConfig } from "../../src/config.ts";
import { type Device, type DevicePhase, startDevice } from "../../src/device.ts";
import { SerialNotFoundError, TlsMaterialError } from "../../src/errors.ts";
import { createCaptureLogger } from "../support/capture-logger.ts";
import { createFakeCloud, TEMPLATE } from "../support/fake-cloud.ts";
import { createFakeSessions } from "../support/fake-sessions.ts";
import { createTestPki, type TestPki } from "../support/test-pki.ts";

const FIXTURES = fileURLToPath(new URL("../fixtures/serial/", import.meta.url));
const PI_SERIAL = "10000000a3c2f1e7";

describe("device lifecycle", () => {
  let pki: TestPki;
  let dir: string;
  const devices: Device[] = [];
  beforeAll(async () => {
    pki = await createTestPki(PI_SERIAL);
  });
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "fleet-device-lifecycle-"));
    await writeFile(join(dir, "ca.pem"), pki.caPem);
    await writeFile(join(dir, "claim.pem"), pki.claim.certPem);
    await writeFile(join(dir, "claim.key"), pki.claim.keyPem);
  });
  afterEach(async () => {
    await Promise.all(devices.splice(0).map((device) => device.stop()));
    await rm(dir, { recursive: true, force: true });
  });

  const config = (overrides: Partial<DeviceConfigInput> = {}) =>
    parseDeviceConfig(
      {
        endpoint: { host: "127.0.0.1" },
        tls: { caFile: join(dir, "ca.pem") },
        credentialsDir: join(dir, "credentials"),
        provisioning: {
          claimCertFile: join(dir, "claim.pem"),
          claimKeyFile: join(dir, "claim.key"),
          templateName: TEMPLATE,
        },
        ...overrides,
      },
      "device.json",
    );

  async function start(overrides: Partial<DeviceConfigInput> = {}) {
    const cloud = createFakeCloud(pki);
    const fakes = createFakeSessions({ onPublish: cloud.onPublish, onOpen: (s) => s.accept() });
    const device = await startDevice(config(overrides), {
      openSession: fakes.open,
      logger: createCaptureLogger().logger,
      serialRoot: join(FIXTURES, "raspberry-pi"),
    });
    devices.push(device);
    const phases: DevicePhase[] = [];
    device.events.on("phase", ({ phase }) => phases.push(phase));
    return { device, fakes, phases };
  }

  it("provisions on first boot with the board's serial, then connects as its thing", async () => {
    const { device, fakes, phases } = await start();
    expect(device.serial).toBe(PI_SERIAL);
    expect(device.phase).toBe("provisioning");
    const provisioned = new Promise((resolve) => device.events.once("provisioned", resolve));
    expect(await provisioned).toMatchObject({ thingName: PI_SERIAL });
    await vi.waitFor(() => expect(device.state).toBe("connected"));
    expect(phases).toEqual(["running"]);
    expect(fakes.sessions.map((s) => s.target.clientId)).toEqual([`claim-${PI_SERIAL}`, PI_SERIAL]);
    expect(fakes.latest().target.tls).toEqual({
      caFile: join(dir, "ca.pem"),
      certFile: join(dir, "credentials/cert.pem"),
      keyFile: join(dir, "credentials/key.pem"),
    });
  });

  it("never provisions again once its own certificate and key exist", async () => {
    const first = await start();
    await vi.waitFor(() => expect(first.device.state).toBe("connected"));
    await first.device.stop();

    const second = await start();
    expect(second.device.phase).toBe("running");
    await vi.waitFor(() => expect(second.device.state).toBe("connected"));
    expect(second.fakes.sessions.map((s) => s.target.clientId)).toEqual([PI_SERIAL]);
  });

  it("stops cleanly while provisioning", async () => {
    const { device, phases } = await start();
    await device.stop();
    expect(device.phase).toBe("stopped");
    expect(device.state).toBe("stopped");
    expect(phases).toEqual(["stopped"]);
  });

  it("does not start without a serial", async () => {
    const error = await startDevice(config(), {
      serialRoot: join(FIXTURES, "uefi-placeholder"),
      logger: createCaptureLogger().logger,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SerialNotFoundError);
  });

  it("does not start when the claim certificate the image should hold is missing", async () => {
    await rm(join(dir, "claim.key"));
    const error = await startDevice(config(), {
      serialRoot: join(FIXTURES, "raspberry-pi"),
      logger: createCaptureLogger().logger,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TlsMaterialError);
    expect((error as Error).message).toMatch(
      /^cannot read provisioning\.claimKeyFile .*claim\.key: ENOENT/,
    );
  });
});
