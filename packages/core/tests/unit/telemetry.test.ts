import { describe, expect, it } from "vitest";
import { parseMessage } from "../../src/contracts/parse-message.ts";
import { TelemetrySchema } from "../../src/contracts/telemetry.ts";
import { telemetryTopic } from "../../src/contracts/topics.ts";
import { violation } from "./support.ts";

const topic = telemetryTopic("rpi-0001");
const heartbeat = { uptimeSeconds: 93.5, clientVersion: "0.1.0", reconnects: 2 };
const message = { schemaVersion: 1, seq: 41, deviceTime: "2026-11-21T21:30:00.123Z", heartbeat };
const issuesOf = (payload: unknown) =>
  violation(() => parseMessage(TelemetrySchema, JSON.stringify(payload), topic)).issues;

describe("TelemetrySchema", () => {
  it("accepts a heartbeat message", () => {
    expect(parseMessage(TelemetrySchema, JSON.stringify(message), topic)).toEqual(message);
  });

  it("accepts a device time with a numeric offset", () => {
    expect(
      TelemetrySchema.parse({ ...message, deviceTime: "2026-11-21T23:30:00+02:00" }).deviceTime,
    ).toBe("2026-11-21T23:30:00+02:00");
  });

  it("rejects a device time without an offset", () => {
    expect(issuesOf({ ...message, deviceTime: "2026-11-21T21:30:00" })).toEqual([
      { path: "deviceTime", message: "expected an ISO 8601 date-time with Z or a ±hh:mm offset" },
    ]);
  });

  it("rejects a message without any section", () => {
    const { heartbeat: _omitted, ...bare } = message;
    expect(issuesOf(bare)).toEqual([
      { path: "", message: "a telemetry message carries at least one section (heartbeat)" },
    ]);
  });

  it("rejects unknown top-level keys, naming them", () => {
    const [issue] = issuesOf({ ...message, temprature: 21 });
    expect(issue?.message).toContain('"temprature"');
  });

  it("rejects unknown keys inside a section", () => {
    const [issue] = issuesOf({ ...message, heartbeat: { ...heartbeat, uptime: 3 } });
    expect(issue?.path).toBe("heartbeat");
    expect(issue?.message).toContain('"uptime"');
  });

  it("rejects another schema version", () => {
    expect(issuesOf({ ...message, schemaVersion: 2 }).map((issue) => issue.path)).toEqual([
      "schemaVersion",
    ]);
  });

  it("rejects a negative or fractional sequence number", () => {
    expect(issuesOf({ ...message, seq: -1 }).map((issue) => issue.path)).toEqual(["seq"]);
    expect(issuesOf({ ...message, seq: 1.5 }).map((issue) => issue.path)).toEqual(["seq"]);
  });

  it("rejects a fractional reconnect count", () => {
    expect(
      issuesOf({ ...message, heartbeat: { ...heartbeat, reconnects: 0.5 } }).map(
        (issue) => issue.path,
      ),
    ).toEqual(["heartbeat.reconnects"]);
  });
});
