import { commandTopics, presenceTopic, telemetryTopic } from "@fleet/core/contracts";
import { connect } from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AWS_BROKER_QUOTAS } from "../../src/index.ts";
import { captureLog } from "../capture-log.ts";
import {
  enrollBackend,
  nextEvent,
  nextMessage,
  startTestSandbox,
  whenClosed,
} from "./sandbox-fixture.ts";

describe("AWS IoT Core message broker quotas in the sandbox", () => {
  const log = captureLog();
  let env: Awaited<ReturnType<typeof startTestSandbox>>;
  beforeAll(async () => {
    env = await startTestSandbox("quotas", { logger: log.logger });
  });
  afterAll(() => env.stop());

  it("takes a burst of 100 publishes from one connection", async () => {
    const { device, credentials } = await env.enroll("dev-quota-burst");
    const client = await env.connect(credentials, device.thingName);
    const topic = telemetryTopic(device.thingName);
    await Promise.all(
      Array.from({ length: AWS_BROKER_QUOTAS.publishesPerSecondPerConnection }, (_, i) =>
        client.publishAsync(topic, JSON.stringify({ i }), { qos: 1 }),
      ),
    );
    expect(client.connected).toBe(true);
    expect(env.sandbox.sessions.has(device.thingName)).toBe(true);
  });

  it("disconnects a connection publishing over 100 a second as THROTTLED, in its lifecycle event and the log", async () => {
    const { device, credentials } = await env.enroll("dev-quota-flood");
    const backend = await env.connect(await enrollBackend(env.sandbox), "backend-quotas");
    await backend.subscribeAsync("$aws/events/presence/+/+", { qos: 1 });
    const client = await env.connect(credentials, device.thingName);
    const presence = nextMessage(backend, presenceTopic("disconnected", device.thingName));
    const throttled = nextEvent(
      env.sandbox,
      "publish-throttled",
      (e) => e.clientId === device.thingName,
    );
    const disconnected = nextEvent(
      env.sandbox,
      "client-disconnected",
      (e) => e.clientId === device.thingName,
    );
    const closed = whenClosed(client);

    const topic = telemetryTopic(device.thingName);
    for (let i = 0; i < 150; i++) client.publish(topic, JSON.stringify({ i }), { qos: 0 });
    await closed;

    expect((await throttled).reason).toMatch(/Publish requests per second per connection/);
    expect(await disconnected).toMatchObject({ disconnectReason: "THROTTLED" });
    expect(JSON.parse(await presence)).toMatchObject({
      eventType: "disconnected",
      disconnectReason: "THROTTLED",
      clientInitiatedDisconnect: false,
    });
    expect(log.lines).toContainEqual(
      expect.objectContaining({
        msg: "client disconnected",
        clientId: device.thingName,
        disconnectReason: "THROTTLED",
      }),
    );
  });

  it("drops a second CONNECT of a client id within a second without a CONNACK, and keeps the first", async () => {
    const { device, credentials } = await env.enroll("dev-quota-connect");
    const first = await env.connect(credentials, device.thingName);
    const refused = nextEvent(
      env.sandbox,
      "connect-refused",
      (e) => e.clientId === device.thingName,
    );
    // Straight to mqtt.js: the fixture's own spacing would wait out the second.
    const second = connect({
      protocol: "mqtts",
      host: "127.0.0.1",
      port: env.sandbox.mqtt.port,
      ...credentials,
      clientId: device.thingName,
      protocolVersion: 4,
      reconnectPeriod: 0,
      connectTimeout: 5_000,
    });
    const connacks: number[] = [];
    second.on("connect", (packet) => connacks.push(packet.returnCode ?? 0));
    second.on("error", () => {});
    await whenClosed(second);
    second.end(true);

    expect(connacks).toEqual([]);
    expect((await refused).reason).toMatch(
      /^THROTTLED: .*Connect requests per second per client ID/,
    );
    expect(log.lines).toContainEqual(
      expect.objectContaining({ msg: "connection refused", clientId: device.thingName }),
    );
    expect(first.connected).toBe(true);
    expect(env.sandbox.sessions.has(device.thingName)).toBe(true);
  });

  it("closes a connection subscribing past 50 topic filters", async () => {
    const { device, credentials } = await env.enroll("dev-quota-subs");
    const client = await env.connect(credentials, device.thingName);
    const filters = Array.from(
      { length: AWS_BROKER_QUOTAS.subscriptionsPerConnection },
      (_, i) => commandTopics(device.thingName, `c${i}`).request,
    );
    for (let i = 0; i < filters.length; i += 8) {
      await client.subscribeAsync(filters.slice(i, i + 8), { qos: 1 });
    }
    // The same filters again replace, not add: still 50.
    await client.subscribeAsync(filters.slice(0, 8), { qos: 1 });
    expect(client.connected).toBe(true);

    const denied = nextEvent(
      env.sandbox,
      "subscribe-denied",
      (e) => e.clientId === device.thingName,
    );
    const disconnected = nextEvent(
      env.sandbox,
      "client-disconnected",
      (e) => e.clientId === device.thingName,
    );
    const closed = whenClosed(client);
    client.subscribe(commandTopics(device.thingName, "one-too-many").request, { qos: 1 });
    await closed;
    expect((await denied).reason).toMatch(/Subscriptions per connection/);
    expect(await disconnected).toMatchObject({ disconnectReason: "CLIENT_ERROR" });
  });
});
