import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TelemetrySchema, telemetryTopic } from "@fleet/core/contracts";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { heartbeatSection } from "../../src/telemetry/heartbeat.ts";
import { type OfflineBuffer, openOfflineBuffer } from "../../src/telemetry/offline-buffer.ts";
import { createLedSource } from "../../src/telemetry/sources/led.ts";
import type { AnyTelemetrySource } from "../../src/telemetry/sources/telemetry-source.ts";
import { createVehicleSource } from "../../src/telemetry/sources/vehicle.ts";
import { buildTelemetryMessage } from "../../src/telemetry/telemetry-message.ts";
import { startTelemetry } from "../../src/telemetry/telemetry-publisher.ts";
import { createCaptureLogger } from "../support/capture-logger.ts";
import { createFakeSessions } from "../support/fake-sessions.ts";
import { createFakeTime, flushPromises } from "../support/fake-time.ts";
import { createTestConnection } from "../support/test-connection.ts";

const THING = "sim-0001";

describe("telemetry publisher", () => {
  let dir: string;
  const buffers: OfflineBuffer[] = [];
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "fleet-telemetry-"));
  });
  afterEach(async () => {
    for (const buffer of buffers.splice(0)) buffer.close();
    await rm(dir, { recursive: true, force: true });
  });

  function setUp(
    options: { sources?: AnyTelemetrySource[]; maxMessages?: number; intervalMs?: number } = {},
  ) {
    const time = createFakeTime();
    const sessions = createFakeSessions();
    const capture = createCaptureLogger();
    const connection = createTestConnection({
      clientId: THING,
      openSession: sessions.open,
      logger: capture.logger,
      time,
      random: () => 0,
    });
    const buffer = openOfflineBuffer({ stateDir: dir, maxMessages: options.maxMessages ?? 100 });
    buffers.push(buffer);
    const acknowledged: number[] = [];
    const publisher = startTelemetry({
      thingName: THING,
      intervalMs: options.intervalMs ?? 10_000,
      connection,
      buffer,
      sources: options.sources ?? [],
      clock: time.clock,
      timers: time.timers,
      startedAt: time.clock.now(),
      clientVersion: "0.1.0",
      logger: capture.logger,
      onPublished: (payload) => acknowledged.push(TelemetrySchema.parse(JSON.parse(payload)).seq),
    });
    const published = () =>
      sessions.sessions.flatMap((session) =>
        session.published.map((p) => ({
          ...p,
          message: TelemetrySchema.parse(JSON.parse(p.payload)),
        })),
      );
    const connect = async () => {
      connection.start();
      await flushPromises();
      sessions.latest().accept();
      await flushPromises();
    };
    return {
      time,
      sessions,
      connection,
      buffer,
      publisher,
      published,
      connect,
      acknowledged,
      capture,
    };
  }

  it("publishes at QoS 1 on the telemetry topic right after connecting", async () => {
    const { published, connect } = setUp();
    await connect();
    expect(published()).toHaveLength(1);
    expect(published()[0]).toMatchObject({ topic: telemetryTopic(THING), qos: 1 });
  });

  it("publishes every interval with a seq that increases by one", async () => {
    const { time, published, connect } = setUp();
    await connect();
    await time.advance(30_000);
    expect(published().map((p) => p.message.seq)).toEqual([0, 1, 2, 3]);
    expect(published().map((p) => p.message.heartbeat?.uptimeSeconds)).toEqual([0, 10, 20, 30]);
  });

  it("carries every configured section with the heartbeat in one message", async () => {
    const led = createLedSource({ on: true, blinking: true, blinkHz: 2 });
    const { published, connect } = setUp({
      sources: [
        led,
        createVehicleSource({ seed: 7, startedAt: Date.parse("2026-11-21T12:00:00Z") }),
      ],
    });
    await connect();
    const [first] = published();
    expect(Object.keys(first?.message ?? {})).toEqual([
      "schemaVersion",
      "seq",
      "deviceTime",
      "heartbeat",
      "led",
      "vehicle",
    ]);
    expect(first?.message.led).toEqual({ on: true, blinking: true, blinkHz: 2 });
  });

  it("reports what the LED app last set", async () => {
    const led = createLedSource({ on: true, blinking: false, blinkHz: 1 });
    const { time, published, connect } = setUp({ sources: [led] });
    await connect();
    led.update({ blinking: true, blinkHz: 5 });
    await time.advance(10_000);
    expect(published().map((p) => p.message.led)).toEqual([
      { on: true, blinking: false, blinkHz: 1 },
      { on: true, blinking: true, blinkHz: 5 },
    ]);
  });

  it("leaves out a failing source and still sends the heartbeat", async () => {
    const broken: AnyTelemetrySource = {
      section: "system",
      read: () => Promise.reject(new Error("ENOENT: /proc/loadavg")),
    };
    const { published, connect, capture } = setUp({ sources: [broken] });
    await connect();
    expect(published()[0]?.message.system).toBeUndefined();
    expect(published()[0]?.message.heartbeat).toBeDefined();
    expect(capture.lines()).toContainEqual(
      expect.objectContaining({
        msg: "telemetry.sourceFailed",
        section: "system",
        reason: "ENOENT: /proc/loadavg",
      }),
    );
  });

  it("leaves out a reading that breaks its section's contract and names the field", async () => {
    const invalid: AnyTelemetrySource = {
      section: "led",
      read: async () => ({ on: true, blinking: false, blinkHz: -1 }),
    };
    const { published, connect, capture } = setUp({ sources: [invalid] });
    await connect();
    expect(published()[0]?.message.led).toBeUndefined();
    expect(published()[0]?.message.heartbeat).toBeDefined();
    expect(capture.lines()).toContainEqual(
      expect.objectContaining({
        msg: "telemetry.sourceInvalid",
        section: "led",
        reason: expect.stringContaining("blinkHz"),
      }),
    );
  });

  it("buffers readings while offline and replays them in order after reconnecting", async () => {
    const { time, sessions, published, connect, acknowledged, buffer } = setUp();
    await connect();
    sessions.latest().end({ reason: "read ECONNRESET" });
    // Offline for 50 s: five readings go to the buffer; the reconnect attempts are refused.
    for (let i = 0; i < 4; i++) {
      await time.advance(10_000);
      sessions.latest().end({ reason: "connect ECONNREFUSED" });
    }
    expect(published()).toHaveLength(1);
    expect(buffer.stats().queued).toBe(4);
    await time.advance(10_000);
    sessions.latest().accept();
    await flushPromises();
    const seqs = published().map((p) => p.message.seq);
    expect(seqs).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(acknowledged).toEqual(seqs);
    expect(buffer.stats().queued).toBe(0);
    // The last offline reading saw the backlog ahead of it; the one taken on reconnect
    // counts the reconnect and an empty buffer.
    expect(published()[5]?.message.heartbeat?.buffer).toEqual({ queued: 4, droppedMessages: 0 });
    expect(published()[6]?.message.heartbeat).toMatchObject({
      reconnects: 1,
      buffer: { queued: 0, droppedMessages: 0 },
    });
  });

  it("drops the oldest readings when the buffer is full and reports how many", async () => {
    const { time, sessions, published, connect, capture } = setUp({ maxMessages: 3 });
    await connect();
    sessions.latest().end({ reason: "read ECONNRESET" });
    for (let i = 0; i < 5; i++) {
      await time.advance(10_000);
      sessions.latest().end({ reason: "connect ECONNREFUSED" });
    }
    await time.advance(10_000);
    sessions.latest().accept();
    await flushPromises();
    // seq 1-6 were taken offline; 1-3 fell out of the 3-message buffer. Each heartbeat
    // reports the drops before its own append.
    expect(published().map((p) => p.message.seq)).toEqual([0, 4, 5, 6, 7]);
    expect(published().map((p) => p.message.heartbeat?.buffer?.droppedMessages)).toEqual([
      0, 0, 1, 2, 3,
    ]);
    expect(capture.lines().filter((line) => line.msg === "telemetry.dropped")).toHaveLength(3);
  });

  it("keeps a message whose publish failed and sends it again after reconnecting", async () => {
    const { time, sessions, published, connect, connection } = setUp();
    await connect();
    const session = sessions.latest();
    const realPublish = connection.publish;
    let failures = 1;
    connection.publish = async (topic, payload, qos) => {
      if (failures-- > 0) throw new Error("Connection closed");
      return realPublish(topic, payload, qos);
    };
    await time.advance(10_000);
    session.end({ reason: "read ECONNRESET" });
    await time.advance(1_000);
    sessions.latest().accept();
    await flushPromises();
    expect(published().map((p) => p.message.seq)).toEqual([0, 1, 2]);
  });

  it("paces a 1,000-message replay under AWS IoT's 100 publishes a second", async () => {
    const { time, sessions, connection, buffer } = setUp({
      maxMessages: 2_000,
      intervalMs: 600_000,
    });
    // A long outage's backlog, as the publisher itself would have buffered it.
    const now = time.clock.now();
    for (let i = 0; i < 1_000; i++) {
      buffer.append((seq, status) => {
        const heartbeat = heartbeatSection({
          now,
          startedAt: now,
          clientVersion: "0.1.0",
          reconnects: 0,
          buffer: status,
        });
        return JSON.stringify(buildTelemetryMessage({ seq, now, sections: { heartbeat } }).message);
      });
    }
    const sentAt: number[] = [];
    connection.start();
    await flushPromises();
    const session = sessions.latest();
    const publish = session.published.push.bind(session.published);
    session.published.push = (...items) => {
      for (const _ of items) sentAt.push(time.clock.now());
      return publish(...items);
    };
    session.accept();
    // Small steps: each paced publish books its timer a few promise turns after the last.
    for (let ms = 0; ms < 30_000; ms += 10) await time.advance(10);
    expect(buffer.stats().queued).toBe(0);
    // The first 10 (maxInFlight) at once, then 50 a second: at most 61 in any one-second window.
    const busiest = Math.max(
      ...sentAt.map((at) => sentAt.filter((t) => t >= at && t < at + 1_000).length),
    );
    expect(sentAt.length).toBeGreaterThanOrEqual(1_000);
    expect(busiest).toBeLessThanOrEqual(61);
  });

  it("stops taking readings when stopped", async () => {
    const { time, published, connect, publisher, buffer } = setUp();
    await connect();
    await publisher.stop();
    await time.advance(60_000);
    expect(published()).toHaveLength(1);
    expect(buffer.stats().queued).toBe(0);
  });
});
