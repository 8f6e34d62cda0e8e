import { describe, expect, it } from "vitest";
import { TelemetrySchema } from "../../src/contracts/telemetry.ts";
import type { TelemetryRecord } from "../../src/contracts/telemetry-rule.ts";
import { MAX_MEASURES_PER_POINT, telemetryPoints } from "../../src/telemetry/telemetry-points.ts";
import { fixtureJson, violation } from "./support.ts";

const heartbeat = { uptimeSeconds: 60, clientVersion: "0.1.0", reconnects: 1 };

function record(sections: Record<string, unknown>): TelemetryRecord {
  return {
    thing: "device-0001",
    receivedAt: Date.parse("2026-11-20T10:15:31.000Z"),
    // Sections beyond heartbeat are built here as any future section schema would pass them.
    message: {
      schemaVersion: 1,
      seq: 12,
      deviceTime: "2026-11-20T11:15:30.250+01:00",
      ...sections,
    } as TelemetryRecord["message"],
  };
}

describe("telemetryPoints", () => {
  it("makes one point per section with the message's device time, seq and receive time", () => {
    const points = telemetryPoints(
      record({ heartbeat, vehicle: { speedKph: 42, battery: { soc: 80 } } }),
    );
    const common = {
      thing: "device-0001",
      time: new Date("2026-11-20T10:15:30.250Z"),
      receivedAt: new Date("2026-11-20T10:15:31.000Z"),
      seq: 12,
    };
    expect(points).toEqual([
      { ...common, section: "heartbeat", measures: heartbeat },
      { ...common, section: "vehicle", measures: { speedKph: 42, "battery.soc": 80 } },
    ]);
  });

  it("leaves out a section that holds no measures", () => {
    const points = telemetryPoints(record({ heartbeat, led: { blinkHz: null } }));
    expect(points.map((point) => point.section)).toEqual(["heartbeat"]);
  });

  it(`accepts ${MAX_MEASURES_PER_POINT} measures in a section and refuses one more`, () => {
    const measures = (count: number) =>
      Object.fromEntries(Array.from({ length: count }, (_, i) => [`m${i}`, i]));
    expect(telemetryPoints(record({ system: measures(MAX_MEASURES_PER_POINT) }))).toHaveLength(1);
    const error = violation(() =>
      telemetryPoints(record({ system: measures(MAX_MEASURES_PER_POINT + 1) })),
    );
    expect(error.issues).toEqual([
      { path: "system", message: `a section holds at most 256 measures, got 257` },
    ]);
  });

  it("names every unstorable measure of every section with its full path and the topic", () => {
    const error = violation(() =>
      telemetryPoints(record({ heartbeat, system: { "a b": 1 }, vehicle: { x: { "c:d": 2 } } })),
    );
    expect(error.where).toBe("dt/device-0001/telemetry");
    expect(error.issues.map((issue) => issue.path)).toEqual(["system.a b", "vehicle.x.c:d"]);
  });

  it("stores every section a device sends, under names every store accepts", () => {
    const message = TelemetrySchema.parse(fixtureJson("telemetry-all-sections.json"));
    const points = telemetryPoints({ thing: "device-0001", receivedAt: 0, message });
    expect(points.map((point) => point.section)).toEqual(
      Object.keys(message).filter((key) => !["schemaVersion", "seq", "deviceTime"].includes(key)),
    );
    expect(points.find((point) => point.section === "vehicle")?.measures).toMatchObject({
      "battery.soc": expect.any(Number),
      "abs.wheelSpeedKph.fl": expect.any(Number),
    });
  });
});
