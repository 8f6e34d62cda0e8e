import { chmod, mkdir, mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { telemetryTopic } from "@fleet/core/contracts";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { type DeviceProcess, spawnDevice } from "../support/device-process.ts";
import { HOOK_DENIED, TEMPLATE } from "../support/fake-cloud.ts";
import { nextEvent } from "../support/next-event.ts";
import { startTestBroker, type TestBroker } from "../support/test-broker.ts";
import { startTestCloud, type TestCloud } from "../support/test-cloud.ts";
import { createTestPki, type TestPki } from "../support/test-pki.ts";

const SERIAL = "SRX-0001";

describe("fleet-device provisioning by claim", () => {
  let pki: TestPki;
  let dir: string;
  let broker: TestBroker;
  let cloud: TestCloud;
  const devices: DeviceProcess[] = [];

  beforeAll(async () => {
    pki = await createTestPki(SERIAL);
  });

  afterEach(async () => {
    for (const device of devices.splice(0)) device.child.kill("SIGKILL");
    await cloud.close();
    await broker.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** An image as it leaves the factory: CA and claim credentials, no device credentials. */
  async function writeImage(port: number): Promise<string> {
    dir = await mkdtemp(join(tmpdir(), "fleet-device-provision-it-"));
    await mkdir(join(dir, "claim"), { mode: 0o700 });
    await writeFile(join(dir, "ca.pem"), pki.caPem);
    await writeFile(join(dir, "claim/cert.pem"), pki.claim.certPem);
    await writeFile(join(dir, "claim/key.pem"), pki.claim.keyPem, { mode: 0o600 });
    const file = join(dir, "device.json");
    const config = {
      serial: SERIAL,
      endpoint: { host: "127.0.0.1", port },
      tls: { caFile: "ca.pem" },
      credentialsDir: "credentials",
      provisioning: {
        claimCertFile: "claim/cert.pem",
        claimKeyFile: "claim/key.pem",
        templateName: TEMPLATE,
        replyTimeoutMs: 10_000,
        retry: { initialDelayMs: 50, maxDelayMs: 200 },
      },
      heartbeatIntervalSeconds: 0.2,
    };
    await writeFile(file, JSON.stringify(config, null, 2));
    await chmod(dir, 0o700);
    return file;
  }

  function device(args: string[]) {
    const started = spawnDevice(args);
    devices.push(started);
    return started;
  }

  it("provisions once (retrying a denial), connects as its thing, and reconnects without provisioning after a restart", async () => {
    broker = await startTestBroker(pki);
    cloud = await startTestCloud(pki, { port: broker.port, templateName: TEMPLATE });
    cloud.registerRejections.push(HOOK_DENIED);
    const config = await writeImage(broker.port);
    const clients: string[] = [];
    broker.events.on("client", (clientId) => clients.push(clientId));
    const heartbeat = nextEvent(
      broker.events,
      "publish",
      (p) => p.topic === telemetryTopic(SERIAL),
    );

    const first = device(["--config", config]);
    const denied = await first.waitForLog("provisioning.failed");
    expect(denied).toMatchObject({
      thingName: SERIAL,
      serial: SERIAL,
      step: "register-thing",
      statusCode: 403,
      errorCode: HOOK_DENIED.errorCode,
      errorMessage: HOOK_DENIED.errorMessage,
    });
    expect(await first.waitForLog("provisioning.provisioned")).toMatchObject({
      thingName: SERIAL,
      certificateId: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    expect((await heartbeat).clientId).toBe(SERIAL);
    expect(clients).toEqual([`claim-${SERIAL}`, `claim-${SERIAL}`, SERIAL]);
    expect((await stat(join(dir, "credentials"))).mode & 0o777).toBe(0o700);
    expect((await stat(join(dir, "credentials/key.pem"))).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir, "credentials/cert.pem"))).mode & 0o777).toBe(0o600);

    first.child.kill("SIGTERM");
    expect(await first.exited).toEqual({ code: 0, signal: null });
    const output = JSON.stringify(first.logs());
    expect(output).not.toContain("PRIVATE KEY");
    expect(output).not.toContain("CERTIFICATE");
    expect(output).not.toContain("token-");

    const requestsBefore = cloud.requests.length;
    const reconnected = nextEvent(broker.events, "client", (id) => id !== "test-cloud");
    const second = device(["--config", config]);
    expect(await reconnected).toBe(SERIAL);
    await second.waitForLog("connection.connected");
    expect(second.logs().some((line) => String(line.msg).startsWith("provisioning."))).toBe(false);
    expect(cloud.requests).toHaveLength(requestsBefore);
    second.child.kill("SIGTERM");
    expect(await second.exited).toEqual({ code: 0, signal: null });
  });
});
