import { commandRequestFilter, commandTopics, telemetryTopic } from "@fleet/core/contracts";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  enrollBackend,
  enrollPrincipal,
  nextEvent,
  nextMessage,
  recordMessages,
  startTestSandbox,
  topicArn,
  whenClosed,
} from "./sandbox-fixture.ts";

describe("topic authorization by the device policy", () => {
  let env: Awaited<ReturnType<typeof startTestSandbox>>;
  beforeAll(async () => {
    env = await startTestSandbox("topics");
  });
  afterEach(() => env.endClients());
  afterAll(() => env.stop());

  it("disconnects a device that publishes to another thing's telemetry, and lets it use its own", async () => {
    const a = await env.enroll("dev-pub-a");
    const b = await env.enroll("dev-pub-b");
    const backend = await env.connect(await enrollBackend(env.sandbox), "backend-pub");
    await backend.subscribeAsync("dt/+/telemetry", { qos: 1 });
    const received = recordMessages(backend);

    const client = await env.connect(a.credentials, a.device.thingName);
    const denied = nextEvent(
      env.sandbox,
      "publish-denied",
      (e) => e.clientId === a.device.thingName,
    );
    const disconnected = nextEvent(
      env.sandbox,
      "client-disconnected",
      (e) => e.clientId === a.device.thingName,
    );
    const clientClosed = whenClosed(client);
    client.publish(telemetryTopic(b.device.thingName), "forged");
    await clientClosed;
    expect(await denied).toMatchObject({
      certificateId: a.device.certificateId,
      topic: telemetryTopic(b.device.thingName),
      reason: `iot:Publish on ${topicArn("topic", telemetryTopic(b.device.thingName))} denied (implicit-deny)`,
    });
    expect(await disconnected).toMatchObject({ disconnectReason: "AUTH_ERROR" });

    const again = await env.connect(a.credentials, a.device.thingName);
    const own = nextMessage(backend, telemetryTopic(a.device.thingName));
    await again.publishAsync(telemetryTopic(a.device.thingName), "mine", { qos: 1 });
    expect(await own).toBe("mine");
    expect(received).not.toContainEqual(expect.objectContaining({ payload: "forged" }));
  });

  it("disconnects a device that subscribes to another thing's commands, and lets it use its own", async () => {
    const a = await env.enroll("dev-sub-a");
    const b = await env.enroll("dev-sub-b");
    const client = await env.connect(a.credentials, a.device.thingName);
    const denied = nextEvent(
      env.sandbox,
      "subscribe-denied",
      (e) => e.clientId === a.device.thingName,
    );
    const clientClosed = whenClosed(client);
    client.subscribe(commandRequestFilter(b.device.thingName), { qos: 1 }, () => {});
    await clientClosed;
    expect(await denied).toMatchObject({
      certificateId: a.device.certificateId,
      topicFilter: commandRequestFilter(b.device.thingName),
      reason: `iot:Subscribe on ${topicArn("topicfilter", commandRequestFilter(b.device.thingName))} denied (implicit-deny)`,
    });

    const again = await env.connect(a.credentials, a.device.thingName);
    const granted = await again.subscribeAsync(commandRequestFilter(a.device.thingName), {
      qos: 1,
    });
    expect(granted).toEqual([{ topic: commandRequestFilter(a.device.thingName), qos: 1 }]);
  });

  it("does not let a device subscribe to '#'", async () => {
    const a = await env.enroll("dev-hash-a");
    const client = await env.connect(a.credentials, a.device.thingName);
    const denied = nextEvent(
      env.sandbox,
      "subscribe-denied",
      (e) => e.clientId === a.device.thingName,
    );
    const clientClosed = whenClosed(client);
    client.subscribe("#", { qos: 0 }, () => {});
    await clientClosed;
    expect((await denied).topicFilter).toBe("#");
  });

  it("delivers a command to its thing only, even to a client allowed to subscribe to '#'", async () => {
    const b = await env.enroll("dev-recv-b");
    const backend = await env.connect(await enrollBackend(env.sandbox), "backend-recv");
    // May subscribe to anything but receive only its own topics: iot:Receive decides delivery.
    const snooper = await env.connect(
      await enrollPrincipal(env.sandbox, "test-snooper", {
        Version: "2012-10-17",
        Statement: [
          { Effect: "Allow", Action: "iot:Connect", Resource: topicArn("client", "snooper") },
          { Effect: "Allow", Action: "iot:Subscribe", Resource: topicArn("topicfilter", "*") },
          { Effect: "Allow", Action: "iot:Receive", Resource: topicArn("topic", "snooper/*") },
        ],
      }),
      "snooper",
    );
    await snooper.subscribeAsync("#", { qos: 1 });
    const snooped = recordMessages(snooper);
    const device = await env.connect(b.credentials, b.device.thingName);
    await device.subscribeAsync(commandRequestFilter(b.device.thingName), { qos: 1 });

    const command = nextMessage(device, commandTopics(b.device.thingName, "reboot").request);
    await backend.publishAsync(commandTopics(b.device.thingName, "reboot").request, "for b", {
      qos: 1,
    });
    expect(await command).toBe("for b");
    // Delivery is in order per subscriber: once this arrives, the command would have too.
    const marker = nextMessage(snooper, "snooper/marker");
    await backend.publishAsync("snooper/marker", "marker", { qos: 1 });
    expect(await marker).toBe("marker");
    expect(snooped).toEqual([{ topic: "snooper/marker", payload: "marker" }]);
  });
});
