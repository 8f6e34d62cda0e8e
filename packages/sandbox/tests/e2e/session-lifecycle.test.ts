import { join } from "node:path";
import { telemetryTopic } from "@fleet/core/contracts";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { DEVICE_POLICY_NAME, startSandbox } from "../../src/index.ts";
import {
  connectClient,
  deviceCredentials,
  nextEvent,
  startTestSandbox,
  tempDir,
  whenClosed,
} from "./sandbox-fixture.ts";

describe("live sessions", () => {
  let env: Awaited<ReturnType<typeof startTestSandbox>>;
  beforeAll(async () => {
    env = await startTestSandbox("sessions");
  });
  afterEach(() => env.endClients());
  afterAll(() => env.stop());

  it("are disconnected when their certificate is revoked, and cannot come back", async () => {
    const { device, credentials } = await env.enroll("dev-revoke-01");
    const client = await env.connect(credentials, device.thingName);
    const disconnected = nextEvent(
      env.sandbox,
      "client-disconnected",
      (e) => e.clientId === device.thingName,
    );

    const clientClosed = whenClosed(client);
    await env.sandbox.registry.updateCertificate(device.certificateId, "REVOKED");
    await clientClosed;
    expect(await disconnected).toMatchObject({
      certificateId: device.certificateId,
      disconnectReason: "AUTH_ERROR",
      detail: `certificate ${device.certificateId} is REVOKED`,
    });
    expect(env.sandbox.sessions.has(device.thingName)).toBe(false);
    await expect(connectClient(env.sandbox, credentials, device.thingName)).rejects.toMatchObject({
      code: 5,
    });
  });

  it("are disconnected when their thing is detached from the certificate", async () => {
    const { device, credentials } = await env.enroll("dev-detach-01");
    const client = await env.connect(credentials, device.thingName);
    const disconnected = nextEvent(
      env.sandbox,
      "client-disconnected",
      (e) => e.clientId === device.thingName,
    );
    const clientClosed = whenClosed(client);
    await env.sandbox.registry.detachThingPrincipal(device.thingName, device.certificateId);
    await clientClosed;
    expect((await disconnected).detail).toBe(
      `thing ${device.thingName} was detached from certificate ${device.certificateId}`,
    );
  });

  it("lose publish rights at once when the policy is detached", async () => {
    const { device, credentials } = await env.enroll("dev-nopolicy-01");
    const client = await env.connect(credentials, device.thingName);
    await client.publishAsync(telemetryTopic(device.thingName), "allowed", { qos: 1 });
    await env.sandbox.registry.detachPolicy(DEVICE_POLICY_NAME, device.certificateId);

    const denied = nextEvent(env.sandbox, "publish-denied", (e) => e.clientId === device.thingName);
    const clientClosed = whenClosed(client);
    client.publish(telemetryTopic(device.thingName), "no longer allowed");
    await clientClosed;
    expect((await denied).reason).toMatch(/^iot:Publish on .* denied \(implicit-deny\)$/);
  });

  it("are taken over by a second connection with the same client id", async () => {
    const { device, credentials } = await env.enroll("dev-duplicate-01");
    const first = await env.connect(credentials, device.thingName);
    const firstSession = env.sandbox.sessions.get(device.thingName);
    const kicked = nextEvent(
      env.sandbox,
      "client-disconnected",
      (e) => e.clientId === device.thingName,
    );

    const firstClosed = whenClosed(first);
    const second = await env.connect(credentials, device.thingName);
    await firstClosed;
    expect(await kicked).toMatchObject({
      disconnectReason: "DUPLICATE_CLIENTID",
      sessionIdentifier: firstSession?.sessionIdentifier,
    });
    expect(second.connected).toBe(true);
    expect(env.sandbox.sessions.get(device.thingName)?.sessionIdentifier).not.toBe(
      firstSession?.sessionIdentifier,
    );
  });
});

describe("a restarted sandbox", () => {
  it("keeps its CA, registry and device certificates, and enrollment reuses them", async () => {
    const dir = await tempDir("restart");
    try {
      const stateDir = join(dir.path, "state");
      const deviceDir = join(dir.path, "device");
      const first = await startSandbox({ stateDir });
      const enrolled = await first.enrollDevice("dev-restart-01", deviceDir);
      const caCertPem = first.caCertPem;
      await first.close();

      const second = await startSandbox({ stateDir });
      try {
        expect(second.caCertPem).toBe(caCertPem);
        expect(second.registry.describeCertificate(enrolled.certificateId).status).toBe("ACTIVE");
        const again = await second.enrollDevice("dev-restart-01", deviceDir);
        expect(again).toEqual(enrolled);

        const client = await connectClient(
          second,
          await deviceCredentials(enrolled),
          enrolled.thingName,
        );
        await client.publishAsync(telemetryTopic(enrolled.thingName), "after restart", { qos: 1 });
        await client.endAsync();
      } finally {
        await second.close();
      }
    } finally {
      await dir.remove();
    }
  });
});
