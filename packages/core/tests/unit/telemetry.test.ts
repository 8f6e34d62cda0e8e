import { describe, expect, it } from "vitest";
import { parseMessage } from "../../src/contracts/parse-message.ts";
import {
  MAX_NETWORK_INTERFACES,
  TELEMETRY_SECTION_NAMES,
  TelemetrySchema,
} from "../../src/contracts/telemetry.ts";
import { telemetryTopic } from "../../src/contracts/topics.ts";
import { fixture, fixtureJson, violation } from "./support.ts";

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
      {
        path: "",
        message:
          "a telemetry message carries at least one section (heartbeat, system, led, vehicle)",
      },
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

  it("accepts a message with every section", () => {
    const full = fixtureJson("telemetry-all-sections.json");
    expect(parseMessage(TelemetrySchema, fixture("telemetry-all-sections.json"), topic)).toEqual(
      full,
    );
  });

  it("accepts a message with only a vehicle section", () => {
    const { vehicle } = fixtureJson("telemetry-all-sections.json");
    expect(TelemetrySchema.parse({ ...message, heartbeat: undefined, vehicle }).vehicle).toEqual(
      vehicle,
    );
  });

  it("accepts a heartbeat from a client without an offline buffer", () => {
    expect(TelemetrySchema.parse(message).heartbeat?.buffer).toBeUndefined();
  });

  it("rejects unknown keys deep inside the vehicle section", () => {
    const full = fixtureJson("telemetry-all-sections.json") as { vehicle: { abs: object } };
    const abs = { ...full.vehicle.abs, wheelSpeedKph: { fl: 1, fr: 1, rl: 1, rr: 1, spare: 1 } };
    const [issue] = issuesOf({ ...full, vehicle: { ...full.vehicle, abs } });
    expect(issue?.path).toBe("vehicle.abs.wheelSpeedKph");
    expect(issue?.message).toContain('"spare"');
  });

  it("rejects a state of charge above 100 %", () => {
    const full = fixtureJson("telemetry-all-sections.json") as { vehicle: { battery: object } };
    const battery = { ...full.vehicle.battery, soc: 100.5 };
    expect(
      issuesOf({ ...full, vehicle: { ...full.vehicle, battery } }).map((issue) => issue.path),
    ).toEqual(["vehicle.battery.soc"]);
  });

  it("rejects an unknown airbag state", () => {
    const full = fixtureJson("telemetry-all-sections.json") as { vehicle: { airbags: object } };
    const airbags = { ...full.vehicle.airbags, side: "armed" };
    expect(
      issuesOf({ ...full, vehicle: { ...full.vehicle, airbags } }).map((issue) => issue.path),
    ).toEqual(["vehicle.airbags.side"]);
  });

  it("rejects a network interface whose name would blur the dotted measure name", () => {
    const full = fixtureJson("telemetry-all-sections.json") as { system: object };
    const network = { "eth0.100": { rxBytes: 1, txBytes: 2 } };
    const [issue] = issuesOf({ ...full, system: { ...full.system, network } });
    expect(issue).toEqual({
      path: 'system.network["eth0.100"]',
      message: "invalid interface name: expected 1-15 characters of [A-Za-z0-9_-]",
    });
  });

  it(`rejects more than ${MAX_NETWORK_INTERFACES} network interfaces`, () => {
    const full = fixtureJson("telemetry-all-sections.json") as { system: object };
    const network = Object.fromEntries(
      Array.from({ length: MAX_NETWORK_INTERFACES + 1 }, (_, i) => [
        `veth${i}`,
        { rxBytes: 0, txBytes: 0 },
      ]),
    );
    expect(
      issuesOf({ ...full, system: { ...full.system, network } }).map((issue) => issue.path),
    ).toEqual(["system.network"]);
  });

  it("names every measure within Timestream's rules once flattened with dots", () => {
    const full = TelemetrySchema.parse(fixtureJson("telemetry-all-sections.json"));
    for (const section of TELEMETRY_SECTION_NAMES) {
      const names = dottedLeaves(full[section]);
      expect(names.length, section).toBeGreaterThan(0);
      expect(names.length, section).toBeLessThanOrEqual(256);
      for (const name of names) {
        expect(name).toMatch(/^[A-Za-z][A-Za-z0-9_.-]*$/);
        expect(Buffer.byteLength(`${section}.${name}`)).toBeLessThanOrEqual(256);
        expect(name).not.toMatch(/^(ts_|measure_value|measure_name)/);
        expect(["time", "seq", "thing"]).not.toContain(name);
      }
    }
  });
});

/** Dotted paths of the leaves of a section, as the store names measures. */
function dottedLeaves(value: unknown, prefix = ""): string[] {
  if (value === null || typeof value !== "object") return [prefix];
  return Object.entries(value).flatMap(([key, child]) =>
    dottedLeaves(child, prefix === "" ? key : `${prefix}.${key}`),
  );
}
