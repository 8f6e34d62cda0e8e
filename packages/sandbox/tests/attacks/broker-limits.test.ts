// Issue 14, attack 3: no message limits. The broker took payloads up to MQTT's 256 MiB (AWS IoT:
// 128 KB), the shadow service merged a 30 MB update before its 8 KB check, six 4.3 MB shadow
// updates raised another device's round trip from 50-90 ms to 1.1-1.7 s, and NUL in topics and
// a 206-character client id were accepted. All over real mutual TLS.
import { connect as tlsConnect } from "node:tls";
import { shadowTopics, telemetryTopic } from "@fleet/core/contracts";
import { connect, type MqttClient } from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AWS_MESSAGE_LIMITS } from "../../src/iot-core/broker/message-limits.ts";
import { captureLog } from "../capture-log.ts";
import {
  type ClientCredentials,
  nextEvent,
  nextMessage,
  startTestSandbox,
  whenClosed,
} from "../e2e/sandbox-fixture.ts";

/** MQTT's variable byte integer (remaining length). */
function remainingLength(length: number): Buffer {
  const bytes: number[] = [];
  let rest = length;
  do {
    let byte = rest % 128;
    rest = Math.floor(rest / 128);
    if (rest > 0) byte |= 0x80;
    bytes.push(byte);
  } while (rest > 0);
  return Buffer.from(bytes);
}

function mqttString(text: string): Buffer {
  const bytes = Buffer.from(text);
  return Buffer.concat([Buffer.from([bytes.length >> 8, bytes.length & 0xff]), bytes]);
}

/** CONNECT (MQTT 3.1.1, clean session, 60 s keep-alive) then the head of a QoS 0 PUBLISH. */
function connectThenPublishHead(clientId: string, topic: string, payloadBytes: number): Buffer {
  const connectBody = Buffer.concat([
    mqttString("MQTT"),
    Buffer.from([4, 0x02, 0, 60]),
    mqttString(clientId),
  ]);
  const topicBytes = mqttString(topic);
  return Buffer.concat([
    Buffer.from([0x10]),
    remainingLength(connectBody.length),
    connectBody,
    Buffer.from([0x30]),
    remainingLength(topicBytes.length + payloadBytes),
    topicBytes,
  ]);
}

/**
 * What an attacker with a device certificate does by hand: CONNECT, then a PUBLISH announcing
 * `payloadBytes` and streaming them. Resolves with how many payload bytes the broker let it
 * write before it closed the connection.
 */
function oversizedPublish(
  port: number,
  credentials: ClientCredentials,
  clientId: string,
  topic: string,
  payloadBytes: number,
): Promise<number> {
  return new Promise((resolve) => {
    let written = 0;
    const socket = tlsConnect({
      host: "127.0.0.1",
      port,
      ...credentials,
      rejectUnauthorized: false,
    });
    socket.on("error", () => {});
    socket.once("close", () => resolve(written));
    socket.once("secureConnect", () => {
      socket.write(connectThenPublishHead(clientId, topic, payloadBytes));
      const chunk = Buffer.alloc(64 * 1024, 0x78);
      const pump = () => {
        while (written < payloadBytes && !socket.destroyed) {
          written += chunk.length;
          if (!socket.write(chunk)) {
            socket.once("drain", pump);
            return;
          }
        }
      };
      pump();
    });
  });
}

/** The size of each shadow update in the reported flood. */
const OVERSIZED_BYTES = Math.round(4.3 * 1024 * 1024);

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? Number.NaN;
}

describe("attack: AWS IoT Core's message limits over mutual TLS", () => {
  const log = captureLog();
  let env: Awaited<ReturnType<typeof startTestSandbox>>;
  beforeAll(async () => {
    env = await startTestSandbox("broker-limits", { logger: log.logger });
  });
  afterAll(() => env.stop());

  it("disconnects a client publishing to a topic with U+0000 (CLIENT_ERROR), with the reason in the log", async () => {
    const { device, credentials } = await env.enroll("SN-LIM-NUL1");
    const client = await env.connect(credentials, device.thingName);
    const denied = nextEvent(env.sandbox, "publish-denied", (e) => e.clientId === device.thingName);
    const disconnected = nextEvent(
      env.sandbox,
      "client-disconnected",
      (e) => e.clientId === device.thingName,
    );
    const closed = whenClosed(client);
    client.publish(`dt/${device.thingName}\u0000/telemetry`, "{}", { qos: 0 });
    await closed;

    expect((await denied).reason).toMatch(/U\+0000 \(MQTT 3\.1\.1 1\.5\.3\)/);
    expect(await disconnected).toMatchObject({ disconnectReason: "CLIENT_ERROR" });
    expect(log.lines).toContainEqual(
      expect.objectContaining({ msg: "publish refused", clientId: device.thingName }),
    );
  });

  it("refuses a 206-character client id with CONNACK 2 (identifier rejected)", async () => {
    const { credentials } = await env.enroll("SN-LIM-CID1");
    const clientId = "c".repeat(206);
    const refused = nextEvent(env.sandbox, "connect-refused", (e) => e.clientId === clientId);
    const client = connect({
      protocol: "mqtts",
      host: "127.0.0.1",
      port: env.sandbox.mqtt.port,
      ...credentials,
      clientId,
      protocolVersion: 4,
      reconnectPeriod: 0,
      connectTimeout: 5_000,
    });
    const code = await new Promise<number | undefined>((resolve) => {
      client.once("error", (error) => resolve((error as { code?: number }).code));
    });
    client.end(true);

    expect(code).toBe(2);
    expect((await refused).reason).toMatch(
      /206 bytes exceeds 128 \(AWS IoT Core quota "Client ID size"\)/,
    );
    expect(env.sandbox.sessions.has(clientId)).toBe(false);
  });

  it("disconnects a client publishing a payload over 128 KB with PAYLOAD_LIMIT_EXCEEDED", async () => {
    const { device, credentials } = await env.enroll("SN-LIM-BIG1");
    const client = await env.connect(credentials, device.thingName);
    const disconnected = nextEvent(
      env.sandbox,
      "client-disconnected",
      (e) => e.clientId === device.thingName,
    );
    const closed = whenClosed(client);
    client.publish(
      telemetryTopic(device.thingName),
      Buffer.alloc(AWS_MESSAGE_LIMITS.payloadBytes + 1, 0x20),
      { qos: 0 },
    );
    await closed;

    expect(await disconnected).toMatchObject({
      disconnectReason: "CLIENT_ERROR",
      detail: expect.stringMatching(/^PAYLOAD_LIMIT_EXCEEDED: payload of 131073 bytes/),
    });
  });

  it("refuses a 30 MB shadow update from its packet header, before its body is read, and answers a 20 KB one with 413", async () => {
    const { device, credentials } = await env.enroll("SN-LIM-SHD1");
    const topics = shadowTopics(device.thingName);
    const written = await oversizedPublish(
      env.sandbox.mqtt.port,
      credentials,
      device.thingName,
      topics.update,
      30 * 1024 * 1024,
    );
    // The connection closed long before the 30 MB were through: the broker never buffered them.
    expect(written).toBeLessThan(30 * 1024 * 1024);
    expect(log.lines).toContainEqual(
      expect.objectContaining({
        msg: "packet refused",
        reason: expect.stringMatching(/^PAYLOAD_LIMIT_EXCEEDED: publish packet of \d+ bytes/),
      }),
    );

    const client = await env.connect(credentials, device.thingName);
    await client.subscribeAsync(topics.updateRejected, { qos: 1 });
    const rejected = nextMessage(client, topics.updateRejected);
    const state = { reported: { blob: "x".repeat(20 * 1024) } };
    await client.publishAsync(topics.update, JSON.stringify({ state, clientToken: "big" }), {
      qos: 1,
    });
    expect(JSON.parse(await rejected)).toMatchObject({
      code: 413,
      message: "The payload exceeds the maximum size allowed",
    });
    expect(client.connected).toBe(true);
  });

  it("keeps another device's shadow round trip fast while one device floods oversized updates and publishes", async () => {
    const victim = await env.enroll("SN-LIM-OK01");
    const attacker = await env.enroll("SN-LIM-EVL1");
    const topics = shadowTopics(victim.device.thingName);
    const client = await env.connect(victim.credentials, victim.device.thingName);
    await client.subscribeAsync(topics.updateAccepted, { qos: 1 });
    const roundTrip = async (seq: number) => {
      const started = performance.now();
      const accepted = nextMessage(client, topics.updateAccepted);
      client.publish(topics.update, JSON.stringify({ state: { reported: { seq } } }), { qos: 1 });
      await accepted;
      return performance.now() - started;
    };
    await roundTrip(0); // warm-up

    const flooder: MqttClient = await env.connect(attacker.credentials, attacker.device.thingName);
    flooder.on("error", () => {});
    const attempts = Promise.all(
      Array.from({ length: 6 }, () =>
        oversizedPublish(
          env.sandbox.mqtt.port,
          attacker.credentials,
          attacker.device.thingName,
          shadowTopics(attacker.device.thingName).update,
          OVERSIZED_BYTES,
        ),
      ),
    );
    const publishFlood = (async () => {
      const topic = telemetryTopic(attacker.device.thingName);
      // As fast as the socket takes them: throttled past AWS's 100 publishes a second.
      for (let i = 0; i < 500 && !flooder.disconnected; i++) {
        flooder.publish(topic, JSON.stringify({ i }), { qos: 0 });
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    const times: number[] = [];
    for (let seq = 1; seq <= 40; seq++) times.push(await roundTrip(seq));
    await publishFlood;

    for (const written of await attempts) expect(written).toBeLessThan(OVERSIZED_BYTES);
    expect(flooder.connected).toBe(false);

    // Generous for a loaded 2-core CI machine; the attack raised it to 1.1-1.7 s.
    expect(quantile(times, 0.99)).toBeLessThan(500);
    expect(client.connected).toBe(true);
  });
});
