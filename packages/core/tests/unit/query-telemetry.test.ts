import { describe, expect, it } from "vitest";
import type { DeviceView } from "../../src/contracts/device-view.ts";
import { closestMatches } from "../../src/domain/closest-matches.ts";
import type { TelemetryQuery, TelemetrySample } from "../../src/ports/telemetry-store.ts";
import { UnknownDeviceError, UnknownMeasureError } from "../../src/telemetry/telemetry-errors.ts";
import { createListMeasures } from "../../src/use-cases/list-measures.ts";
import { createQueryTelemetry } from "../../src/use-cases/query-telemetry.ts";

const SINCE = new Date("2026-11-21T10:00:00.000Z");

function device(serial: string): DeviceView {
  return {
    serial,
    thingName: serial,
    state: "provisioned",
    connected: true,
    certificateId: null,
    notAfter: null,
    reason: null,
    apps: {},
  };
}

function sample(thing: string, measure: string): TelemetrySample {
  return { thing, time: new Date("2026-11-21T10:05:00.000Z"), seq: 1, measure, value: 1 };
}

/** A store holding `samples`, filtered as the readers filter, and a fleet of `serials`. */
function ports(samples: TelemetrySample[], serials: string[]) {
  const queries: TelemetryQuery[] = [];
  let inventoryReads = 0;
  return {
    queries,
    inventoryReads: () => inventoryReads,
    reader: {
      async query(query: TelemetryQuery) {
        queries.push(query);
        return samples
          .filter((s) => s.thing === query.thing)
          .filter((s) => query.measure === undefined || s.measure === query.measure)
          .slice(0, query.limit ?? 1000);
      },
    },
    inventory: {
      async listDevices() {
        inventoryReads++;
        return serials.map(device);
      },
    },
  };
}

const FLEET = ["sim-0001", "sim-0002", "sim-0010"];
const SAMPLES = [
  sample("sim-0001", "vehicle.battery.soc"),
  sample("sim-0001", "vehicle.speedKph"),
  sample("sim-0001", "system.cpu.load1"),
];

describe("telemetry query (both targets)", () => {
  it("answers samples without reading the fleet", async () => {
    const p = ports(SAMPLES, FLEET);
    const samples = await createQueryTelemetry(p)({ thing: "sim-0001", since: SINCE });
    expect(samples).toHaveLength(3);
    expect(p.inventoryReads()).toBe(0);
  });

  it("an unknown device is an error naming the closest devices, not an empty answer", async () => {
    const query = createQueryTelemetry(ports(SAMPLES, FLEET));
    const error = await query({ thing: "sim-0003", since: SINCE }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnknownDeviceError);
    expect((error as UnknownDeviceError).closest).toEqual(["sim-0001", "sim-0002", "sim-0010"]);
    expect((error as Error).message).toBe(
      "no device sim-0003 in the fleet (did you mean sim-0001, sim-0002, sim-0010?)",
    );
  });

  it("an unknown measure is an error naming the device's closest measures", async () => {
    const query = createQueryTelemetry(ports(SAMPLES, FLEET));
    const error = await query({
      thing: "sim-0001",
      since: SINCE,
      measure: "vehicle.battery.sco",
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnknownMeasureError);
    expect((error as UnknownMeasureError).closest).toEqual(["vehicle.battery.soc"]);
    expect((error as Error).message).toMatch(
      /^device sim-0001 sent no measure vehicle\.battery\.sco in that time \(did you mean vehicle\.battery\.soc\?\)/,
    );
  });

  it("a known device that sent nothing in the window is an empty answer", async () => {
    const query = createQueryTelemetry(ports(SAMPLES, FLEET));
    expect(await query({ thing: "sim-0002", since: SINCE })).toEqual([]);
    expect(await query({ thing: "sim-0002", since: SINCE, measure: "vehicle.speedKph" })).toEqual(
      [],
    );
  });
});

describe("telemetry measures (both targets)", () => {
  it("lists the device's measure names, sorted, once each", async () => {
    const list = createListMeasures(ports([...SAMPLES, ...SAMPLES], FLEET));
    expect(await list({ thing: "sim-0001", since: SINCE })).toEqual([
      "system.cpu.load1",
      "vehicle.battery.soc",
      "vehicle.speedKph",
    ]);
  });

  it("an unknown device is an error naming the closest devices", async () => {
    const list = createListMeasures(ports(SAMPLES, FLEET));
    await expect(list({ thing: "sim-001", since: SINCE })).rejects.toThrow(
      /no device sim-001 in the fleet \(did you mean sim-0001/,
    );
  });
});

describe("closestMatches", () => {
  it("finds a typo's word by edit distance, nearest first, and nothing for noise", () => {
    expect(closestMatches("vehicle.speedkph", ["vehicle.speedKph", "system.cpu.load1"])).toEqual([
      "vehicle.speedKph",
    ]);
    expect(closestMatches("sim-0004", ["sim-0001", "sim-0044", "rpi-1"])).toEqual([
      "sim-0001",
      "sim-0044",
    ]);
    expect(closestMatches("xyz", ["sim-0001", "vehicle.speedKph"])).toEqual([]);
  });
});
