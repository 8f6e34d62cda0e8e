import {
  commandRequestFilter,
  commandTopics,
  presenceTopic,
  telemetryTopic,
} from "@fleet/core/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { enrollBackend, nextEvent, nextMessage, startTestSandbox } from "./sandbox-fixture.ts";

describe("an enrolled device over mutual TLS", () => {
  let env: Awaited<ReturnType<typeof startTestSandbox>>;
  beforeAll(async () => {
    env = await startTestSandbox("connection");
  });
  afterAll(() => env.stop());

  it("connects as its thing, publishes its telemetry and receives its commands", async () => {
    const { device, credentials } = await env.enroll("dev-connect-01");
    const backend = await env.connect(await enrollBackend(env.sandbox), "backend-connect");
    await backend.subscribeAsync(telemetryTopic(device.thingName), { qos: 1 });

    const connectedEvent = nextEvent(
      env.sandbox,
      "client-connected",
      (e) => e.clientId === device.thingName,
    );
    const client = await env.connect(credentials, device.thingName);
    expect(await connectedEvent).toMatchObject({
      certificateId: device.certificateId,
      thingName: device.thingName,
    });
    expect(env.sandbox.sessions.get(device.thingName)).toMatchObject({
      certificateId: device.certificateId,
      thingName: device.thingName,
    });

    const telemetry = nextMessage(backend, telemetryTopic(device.thingName));
    await client.publishAsync(telemetryTopic(device.thingName), '{"temp":21}', { qos: 1 });
    expect(await telemetry).toBe('{"temp":21}');

    const granted = await client.subscribeAsync(commandRequestFilter(device.thingName), { qos: 1 });
    expect(granted).toEqual([{ topic: commandRequestFilter(device.thingName), qos: 1 }]);
    const command = nextMessage(client, commandTopics(device.thingName, "reboot").request);
    await backend.publishAsync(commandTopics(device.thingName, "reboot").request, "now", {
      qos: 1,
    });
    expect(await command).toBe("now");
  });

  it("publishes AWS lifecycle events for the device's connect and disconnect", async () => {
    const { device, credentials } = await env.enroll("dev-presence-01");
    const backend = await env.connect(await enrollBackend(env.sandbox), "backend-presence");
    await backend.subscribeAsync("$aws/events/presence/+/+", { qos: 1 });

    const connected = nextMessage(backend, presenceTopic("connected", device.thingName));
    const client = await env.connect(credentials, device.thingName);
    expect(JSON.parse(await connected)).toMatchObject({
      clientId: device.thingName,
      eventType: "connected",
      principalIdentifier: device.certificateId,
      versionNumber: 1,
      sessionIdentifier: expect.any(String),
      timestamp: expect.any(Number),
      ipAddress: expect.stringContaining("127.0.0.1"),
    });

    const disconnected = nextMessage(backend, presenceTopic("disconnected", device.thingName));
    const disconnectedEvent = nextEvent(
      env.sandbox,
      "client-disconnected",
      (e) => e.clientId === device.thingName,
    );
    await client.endAsync();
    expect(JSON.parse(await disconnected)).toMatchObject({
      clientId: device.thingName,
      eventType: "disconnected",
      principalIdentifier: device.certificateId,
      clientInitiatedDisconnect: true,
      disconnectReason: "CLIENT_INITIATED_DISCONNECT",
      versionNumber: 1,
    });
    expect(await disconnectedEvent).toMatchObject({
      disconnectReason: "CLIENT_INITIATED_DISCONNECT",
    });
    expect(env.sandbox.sessions.has(device.thingName)).toBe(false);
  });
});
