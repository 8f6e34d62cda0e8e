import { describe, expect, it } from "vitest";
import { TELEMETRY_TOPIC_FILTER } from "../../src/contracts/index.ts";
import { parseMessage } from "../../src/contracts/parse-message.ts";
import { TELEMETRY_RULE_SQL, TelemetryRecordSchema } from "../../src/contracts/telemetry-rule.ts";
import { violation } from "./support.ts";

const message = {
  schemaVersion: 1,
  seq: 12,
  deviceTime: "2026-11-20T10:15:30.250Z",
  heartbeat: { uptimeSeconds: 60, clientVersion: "0.1.0", reconnects: 1 },
};
const record = { ...message, thing: "device-0001", receivedAt: 1795169730412 };
const parse = (value: unknown) =>
  parseMessage(TelemetryRecordSchema, JSON.stringify(value), "dt/device-0001/telemetry");

describe("telemetry rule", () => {
  it("selects from the telemetry topic filter and adds the thing and receive time", () => {
    expect(TELEMETRY_RULE_SQL).toBe(
      `SELECT *, topic(2) AS thing, timestamp() AS receivedAt FROM '${TELEMETRY_TOPIC_FILTER}'`,
    );
  });

  it("splits a record into the rule's fields and the device's message", () => {
    expect(parse(record)).toEqual({
      thing: "device-0001",
      receivedAt: 1795169730412,
      message,
    });
  });

  it("refuses a record without the rule's fields, naming each", () => {
    const error = violation(() => parse(message));
    expect(error.issues.map((issue) => issue.path)).toEqual(["thing", "receivedAt"]);
  });

  it("refuses a thing that is not a thing name", () => {
    const error = violation(() => parse({ ...record, thing: "a/b" }));
    expect(error.issues).toEqual([
      { path: "thing", message: expect.stringContaining("thing name") },
    ]);
  });

  it("reports the message's issues at their paths in the device's payload", () => {
    const error = violation(() =>
      parse({ ...record, heartbeat: { ...message.heartbeat, reconnects: "two" } }),
    );
    expect(error.kind).toBe("invalid-content");
    expect(error.issues).toEqual([
      { path: "heartbeat.reconnects", message: expect.stringContaining("number") },
    ]);
    expect(error.message).toMatch(
      /^Invalid message on dt\/device-0001\/telemetry: heartbeat\.reconnects/,
    );
  });

  it("refuses keys the message contract does not know", () => {
    const error = violation(() => parse({ ...record, extra: true }));
    expect(error.issues).toEqual([{ path: "", message: expect.stringContaining("extra") }]);
  });
});
