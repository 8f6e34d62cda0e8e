import type { DeviceConfig } from "../../config.ts";
import { createLedSource, type LedSource } from "./led.ts";
import { createSystemSource } from "./system.ts";
import type { AnyTelemetrySource } from "./telemetry-source.ts";
import { createVehicleSource, seedFromSerial } from "./vehicle.ts";

export interface ConfiguredSources {
  /** Every configured source, in message order. */
  sources: AnyTelemetrySource[];
  /** The LED source when configured, for the LED app to feed. */
  led?: LedSource;
}

/** The sources `telemetry.sources` enables; none is on unless configured. */
export function createSources(
  config: DeviceConfig["telemetry"]["sources"],
  context: { serial: string; startedAt: number; systemRoot?: string },
): ConfiguredSources {
  const sources: AnyTelemetrySource[] = [];
  if (config.system) sources.push(createSystemSource({ root: context.systemRoot }));
  const led = config.led ? createLedSource(config.led) : undefined;
  if (led) sources.push(led);
  if (config.vehicle) {
    const seed = config.vehicle.seed ?? seedFromSerial(context.serial);
    sources.push(createVehicleSource({ seed, startedAt: context.startedAt }));
  }
  return { sources, ...(led && { led }) };
}
