import { TelemetrySchema, telemetryTopic } from "@fleet/core/contracts";
import { describe, expect, it } from "vitest";
import { createDeviceConnection } from "../../src/connection/device-connection.ts";
import { buildHeartbeat, startHeartbeat } from "../../src/telemetry/heartbeat.ts";
import { createSequence } from "../../src/telemetry/sequence.ts";
import { createCaptureLogger } from "../support/capture-logger.ts";
import { createFakeSessions } from "../support/fake-sessions.ts";
import { createFakeTime, flushPromises } from "../support/fake-time.ts";

describe("buildHeartbeat", () => {
  it("builds a message the core telemetry contract accepts", () => {
    const startedAt = Date.parse("2026-11-21T12:00:00.000Z");
    const message = buildHeartbeat({
      seq: 7,
      now: startedAt + 90_500,
      startedAt,
      clientVersion: "0.1.0",
      reconnects: 2,
    });
    expect(TelemetrySchema.parse(message)).toEqual({
      schemaVersion: 1,
      seq: 7,
      deviceTime: "2026-11-21T12:01:30.500Z",
      heartbeat: { uptimeSeconds: 90, clientVersion: "0.1.0", reconnects: 2 },
    });
  });

  it("refuses to build a message the contract would reject", () => {
    const reading = { seq: 0, now: 0, startedAt: 0, clientVersion: "", reconnects: 0 };
    expect(() => buildHeartbeat(reading)).toThrow(/clientVersion/);
  });
});

describe("heartbeat loop", () => {
  function setUp() {
    const time = createFakeTime();
    const sessions = createFakeSessions();
    const { logger } = createCaptureLogger();
    const connection = createDeviceConnection({
      target: {
        clientId: "sim-0001",
        host: "127.0.0.1",
        port: 8883,
        tls: { caFile: "/ca.pem", certFile: "/cert.pem", keyFile: "/key.pem" },
        keepaliveSeconds: 30,
        connectTimeoutMs: 30_000,
        closeTimeoutMs: 5_000,
      },
      reconnect: { initialDelayMs: 1_000, maxDelayMs: 8_000, stableAfterMs: 30_000 },
      openSession: sessions.open,
      logger,
      clock: time.clock,
      timers: time.timers,
      random: () => 0,
    });
    const heartbeat = startHeartbeat({
      thingName: "sim-0001",
      intervalMs: 10_000,
      connection,
      sequence: createSequence(),
      clock: time.clock,
      timers: time.timers,
      startedAt: time.clock.now(),
      clientVersion: "0.1.0",
      logger,
    });
    const published = () =>
      sessions.sessions.flatMap((session) =>
        session.published.map((p) => ({
          ...p,
          message: TelemetrySchema.parse(JSON.parse(p.payload)),
        })),
      );
    return { time, sessions, connection, heartbeat, published };
  }

  it("publishes at QoS 1 on the telemetry topic right after connecting", async () => {
    const { sessions, connection, published } = setUp();
    connection.start();
    await flushPromises();
    sessions.latest().accept();
    await flushPromises();
    expect(published()).toHaveLength(1);
    expect(published()[0]).toMatchObject({ topic: telemetryTopic("sim-0001"), qos: 1 });
  });

  it("publishes every interval with a seq that increases by one", async () => {
    const { time, sessions, connection, published } = setUp();
    connection.start();
    await flushPromises();
    sessions.latest().accept();
    await time.advance(30_000);
    expect(published().map((p) => p.message.seq)).toEqual([0, 1, 2, 3]);
    expect(published().map((p) => p.message.heartbeat?.uptimeSeconds)).toEqual([0, 10, 20, 30]);
  });

  it("sends nothing while disconnected and resumes the same seq after reconnecting", async () => {
    const { time, sessions, connection, published } = setUp();
    connection.start();
    await flushPromises();
    sessions.latest().accept();
    await flushPromises();
    sessions.latest().end({ reason: "read ECONNRESET" });
    for (let i = 0; i < 3; i++) {
      await time.advance(20_000);
      sessions.latest().end({ reason: "connect ECONNREFUSED" });
    }
    expect(published()).toHaveLength(1);
    await time.advance(20_000);
    sessions.latest().accept();
    await flushPromises();
    expect(published().map((p) => [p.message.seq, p.message.heartbeat?.reconnects])).toEqual([
      [0, 0],
      [1, 1],
    ]);
  });

  it("stops publishing when stopped", async () => {
    const { time, sessions, connection, heartbeat, published } = setUp();
    connection.start();
    await flushPromises();
    sessions.latest().accept();
    await flushPromises();
    heartbeat.stop();
    await time.advance(60_000);
    expect(published()).toHaveLength(1);
  });
});
