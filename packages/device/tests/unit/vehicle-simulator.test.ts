import { VehicleSectionSchema } from "@fleet/core/contracts";
import { describe, expect, it } from "vitest";
import { createVehicleSource, seedFromSerial } from "../../src/telemetry/sources/vehicle.ts";
import { createVehicleSimulator } from "../../src/telemetry/sources/vehicle-simulator.ts";

/** One reading per simulated second for `seconds`. */
function drive(seed: number, seconds: number) {
  const simulator = createVehicleSimulator(seed);
  return Array.from({ length: seconds }, () => {
    simulator.advance(1);
    return simulator.reading();
  });
}

describe("vehicle simulator", () => {
  const readings = drive(42, 1_800);
  const pairs = readings.slice(1).map((now, i) => ({ before: readings[i], now }));

  it("drives the same cycle for the same seed and another for another seed", () => {
    expect(drive(42, 300)).toEqual(readings.slice(0, 300));
    expect(drive(43, 300)).not.toEqual(readings.slice(0, 300));
  });

  it("produces readings the vehicle section contract accepts throughout a drive", () => {
    for (const reading of readings) expect(VehicleSectionSchema.parse(reading)).toEqual(reading);
  });

  it("actually drives: accelerates, cruises above 30 km/h and comes to a stop", () => {
    const speeds = readings.map((r) => r.speedKph);
    expect(Math.max(...speeds)).toBeGreaterThan(30);
    expect(speeds.slice(60).some((speed) => speed === 0)).toBe(true);
    expect(readings.some((r) => r.accelerationMps2 > 0.9)).toBe(true);
    expect(readings.some((r) => r.accelerationMps2 < -0.9)).toBe(true);
  });

  it("drains the battery while accelerating and recharges it while braking", () => {
    const accelerating = pairs.filter(({ now }) => now.accelerationMps2 > 1 && now.speedKph > 18);
    const braking = pairs.filter(({ now }) => now.accelerationMps2 < -1 && now.speedKph > 18);
    expect(accelerating.length).toBeGreaterThan(10);
    expect(braking.length).toBeGreaterThan(10);
    for (const { before, now } of accelerating) {
      expect(now.battery.soc).toBeLessThan(before?.battery.soc ?? 0);
      expect(now.battery.energyAddedKwh).toBe(before?.battery.energyAddedKwh);
    }
    for (const { before, now } of braking) {
      expect(now.battery.soc).toBeGreaterThan(before?.battery.soc ?? 100);
      expect(now.battery.energyAddedKwh).toBeGreaterThan(before?.battery.energyAddedKwh ?? 0);
    }
  });

  it("warms the battery under load", () => {
    expect(Math.max(...readings.map((r) => r.battery.temperatureC))).toBeGreaterThan(25.05);
  });

  it("turns all four wheels within 3 % of the vehicle's speed", () => {
    for (const reading of readings) {
      for (const wheel of Object.values(reading.abs.wheelSpeedKph)) {
        expect(Math.abs(wheel - reading.speedKph)).toBeLessThanOrEqual(
          reading.speedKph * 0.03 + 0.01,
        );
      }
    }
  });

  it("applies brake pressure only when braking or holding at a standstill, front above rear", () => {
    for (const reading of readings) {
      const { fl, fr, rl, rr } = reading.abs.brakePressureBar;
      expect(fl).toBe(fr);
      expect(rl).toBe(rr);
      if (reading.accelerationMps2 > 0) expect(fl).toBe(0);
      // Above the 5 bar standstill hold, the front axle brakes harder.
      if (fl > 5) expect(fl).toBeGreaterThan(rl);
    }
    expect(readings.some((r) => r.abs.brakePressureBar.fl > 10)).toBe(true);
  });

  it("brings every HVAC zone towards its setpoint and slows the fan as it gets there", () => {
    const first = readings[0];
    const last = readings.at(-1);
    for (const zone of ["driver", "passenger", "rear"] as const) {
      const start = first?.hvac.zones[zone];
      const end = last?.hvac.zones[zone];
      if (!start || !end) throw new Error("no readings");
      expect(Math.abs(end.temperatureC - end.setpointC)).toBeLessThan(
        Math.max(0.01, Math.abs(start.temperatureC - start.setpointC)),
      );
      expect(end.fan).toBeLessThanOrEqual(start.fan);
    }
  });

  it("reports airbags ready and the driver's belt fastened", () => {
    expect(readings.every((r) => r.seatBelts.driver)).toBe(true);
    expect(new Set(readings.flatMap((r) => Object.values(r.airbags)))).toEqual(new Set(["ready"]));
  });
});

describe("vehicle source", () => {
  it("advances the drive by the time between readings", async () => {
    const startedAt = Date.parse("2026-11-21T12:00:00Z");
    const source = createVehicleSource({ seed: 42, startedAt });
    await source.read(startedAt + 100_000);
    const simulator = createVehicleSimulator(42);
    simulator.advance(130);
    expect(await source.read(startedAt + 130_000)).toEqual(simulator.reading());
  });

  it("derives a stable seed from the serial", () => {
    expect(seedFromSerial("sim-0001")).toBe(seedFromSerial("sim-0001"));
    expect(seedFromSerial("sim-0001")).not.toBe(seedFromSerial("sim-0002"));
  });
});
