import {
  DEVICE_LOG_LIMITS,
  type DeviceLogBatch,
  DeviceLogBatchSchema,
} from "@fleet/core/contracts";
import { describe, expect, it, vi } from "vitest";
import { createLogShipper } from "../../../src/logs/log-shipper.ts";
import { createLogTap } from "../../../src/logs/log-tap.ts";
import { createCaptureLogger } from "../../support/capture-logger.ts";
import { createFakeTime } from "../../support/fake-time.ts";

const THING = "sim-0001";

function setUp() {
  const time = createFakeTime();
  const tap = createLogTap();
  const sent: { topic: string; batch: DeviceLogBatch; qos: number; at: number }[] = [];
  const publish = vi.fn(async (topic: string, payload: string, qos: 0 | 1) => {
    sent.push({
      topic,
      batch: DeviceLogBatchSchema.parse(JSON.parse(payload)),
      qos,
      at: time.clock.now(),
    });
  });
  const shipper = createLogShipper({
    thingName: THING,
    connection: { publish },
    tap,
    clock: time.clock,
    timers: time.timers,
    logger: createCaptureLogger().logger,
  });
  const write = (count: number, text = (i: number) => `line ${i}`) => {
    for (let i = 0; i < count; i++) tap.write(`${text(i)}\n`);
  };
  return { time, tap, sent, publish, shipper, write };
}

describe("log shipper", () => {
  it("gathers the lines written after a request into one message on the thing's log topic", async () => {
    const { time, sent, shipper, write } = setUp();
    shipper.shipFor(60);
    write(3);
    await time.advance(200);
    expect(sent).toEqual([
      {
        topic: "dt/sim-0001/logs",
        qos: 1,
        at: time.clock.now(),
        batch: {
          dropped: 0,
          lines: [0, 1, 2].map((i) => ({
            timestamp: time.clock.now() - 200,
            message: `line ${i}`,
          })),
        },
      },
    ]);
  });

  it("sends at most maxLinesPerMessage lines a message and maxMessagesPerSecond messages a second", async () => {
    const { time, sent, shipper, write } = setUp();
    shipper.shipFor(60);
    write(DEVICE_LOG_LIMITS.maxLinesPerMessage * 4);
    await time.advance(5_000);
    expect(sent.map((message) => message.batch.lines.length)).toEqual([50, 50, 50, 50]);
    for (const [index, message] of sent.entries()) {
      const sameSecond = sent.filter((other, j) => j <= index && message.at - other.at < 1_000);
      expect(sameSecond.length).toBeLessThanOrEqual(DEVICE_LOG_LIMITS.maxMessagesPerSecond);
    }
  });

  it("keeps each message under maxMessageBytes, whatever the lines' characters", async () => {
    const { time, sent, shipper, write } = setUp();
    shipper.shipFor(60);
    // 2,000 characters of 3 bytes each, or 6 bytes escaped: 6-12 KB a line.
    write(40, (i) => (i % 2 === 0 ? "€" : "\u0001").repeat(DEVICE_LOG_LIMITS.maxLineChars));
    await time.advance(20_000);
    expect(sent.flatMap((message) => message.batch.lines)).toHaveLength(40);
    expect(sent.length).toBeGreaterThan(1);
    for (const message of sent) {
      const bytes = Buffer.byteLength(JSON.stringify(message.batch));
      expect(bytes).toBeLessThanOrEqual(DEVICE_LOG_LIMITS.maxMessageBytes);
    }
  });

  it("drops the oldest lines past maxQueuedLines and counts them in the next message", async () => {
    const { time, sent, shipper, write } = setUp();
    shipper.shipFor(60);
    write(DEVICE_LOG_LIMITS.maxQueuedLines + 100);
    await time.advance(200);
    expect(sent[0]?.batch.dropped).toBe(100);
    expect(sent[0]?.batch.lines[0]?.message).toBe("line 100");
  });

  it("redacts and cuts each line before it leaves the device", async () => {
    const { time, sent, shipper, tap } = setUp();
    shipper.shipFor(60);
    tap.write(
      `${JSON.stringify({ msg: "oops", privateKey: "-----BEGIN PRIVATE KEY-----\nMIGH\n-----END PRIVATE KEY-----" })}\n`,
    );
    tap.write("y".repeat(DEVICE_LOG_LIMITS.maxLineChars + 10));
    await time.advance(200);
    const [secret, long] = sent[0]?.batch.lines ?? [];
    expect(secret?.message).not.toMatch(/PRIVATE KEY|MIGH/);
    expect(long?.message).toHaveLength(DEVICE_LOG_LIMITS.maxLineChars);
  });

  it("stops when the window ends unless renewed, and then listens to nothing", async () => {
    const { time, sent, shipper, write } = setUp();
    shipper.shipFor(10);
    await time.advance(9_000);
    const until = shipper.shipFor(10);
    expect(until.getTime()).toBe(time.clock.now() + 10_000);
    await time.advance(5_000);
    write(1);
    await time.advance(200);
    expect(sent).toHaveLength(1);
    await time.advance(10_000);
    write(5);
    await time.advance(5_000);
    expect(sent).toHaveLength(1);
    expect(time.pendingDelays()).toEqual([]);
  });

  it("counts lines it could not send (offline) as dropped, without logging about them", async () => {
    const { time, sent, publish, shipper, write } = setUp();
    publish.mockRejectedValueOnce(new Error("not connected"));
    shipper.shipFor(60);
    write(3);
    await time.advance(200);
    write(1);
    await time.advance(1_000);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.batch).toMatchObject({ dropped: 3, lines: [{ message: "line 0" }] });
  });

  it("costs nothing before a request: a line written to the tap goes nowhere", async () => {
    const { time, publish, write } = setUp();
    write(10);
    await time.advance(10_000);
    expect(publish).not.toHaveBeenCalled();
    expect(time.pendingDelays()).toEqual([]);
  });
});
