import { createHash } from "node:crypto";
import type { TelemetrySource } from "./telemetry-source.ts";
import { createVehicleSimulator } from "./vehicle-simulator.ts";

export interface VehicleSourceOptions {
  seed: number;
  /** Epoch ms the drive starts at: the first reading is that far into it. */
  startedAt: number;
}

/** The simulated vehicle, advanced by the time elapsed since the previous reading. */
export function createVehicleSource(options: VehicleSourceOptions): TelemetrySource<"vehicle"> {
  const simulator = createVehicleSimulator(options.seed);
  let last = options.startedAt;
  return {
    section: "vehicle",
    async read(now) {
      simulator.advance(Math.max(0, now - last) / 1000);
      last = Math.max(last, now);
      return simulator.reading();
    },
  };
}

/** A seed of its own for each device when the config names none: 32 bits of the serial's hash. */
export function seedFromSerial(serial: string): number {
  return createHash("sha256").update(serial).digest().readUInt32BE(0);
}
