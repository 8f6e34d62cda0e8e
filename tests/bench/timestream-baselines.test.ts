import { describe, expect, it } from "vitest";
import {
  decodeMessage,
  naiveWrite,
  perSectionWrites,
} from "../../bench/support/timestream-baselines.ts";

function data(thing: string, seq: number): string {
  const message = {
    schemaVersion: 1,
    seq,
    deviceTime: "2026-12-06T09:00:00.000Z",
    heartbeat: { uptimeSeconds: 5, clientVersion: "0.1.0", reconnects: 0 },
    led: { on: true, blinking: false, blinkHz: 2 },
  };
  const record = { ...message, thing, receivedAt: Date.parse("2026-12-06T09:00:01.000Z") };
  return Buffer.from(JSON.stringify(record)).toString("base64");
}

describe("the ingest bench's baseline writers", () => {
  it("writes a message naively as one single-measure record per value, plus seq", () => {
    const write = naiveWrite(decodeMessage(data("t1", 7)));
    expect(write.Records?.map((r) => [r.MeasureName, r.MeasureValue, r.MeasureValueType])).toEqual([
      ["heartbeat.uptimeSeconds", "5", "DOUBLE"],
      ["heartbeat.clientVersion", "0.1.0", "VARCHAR"],
      ["heartbeat.reconnects", "0", "DOUBLE"],
      ["led.on", "true", "BOOLEAN"],
      ["led.blinking", "false", "BOOLEAN"],
      ["led.blinkHz", "2", "DOUBLE"],
      ["seq", "7", "BIGINT"],
    ]);
  });

  it("writes the previous shape as a MULTI record per section, a thing's side by side, 100 a call", () => {
    const messages = Array.from({ length: 60 }, (_, i) => decodeMessage(data(`t${i % 2}`, i)));
    const writes = perSectionWrites(messages);
    expect(writes.map((w) => w.Records?.length)).toEqual([100, 20]);
    const first = writes[0]?.Records ?? [];
    expect(first.slice(0, 2).map((r) => [r.Dimensions?.[0]?.Value, r.MeasureName])).toEqual([
      ["t0", "heartbeat"],
      ["t0", "led"],
    ]);
    expect(first[1]?.MeasureValues?.map((m) => m.Name)).toEqual([
      "on",
      "blinking",
      "blinkHz",
      "seq",
      "received_at_ms",
    ]);
  });
});
