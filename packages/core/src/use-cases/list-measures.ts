import type { FleetInventory } from "../ports/fleet-inventory.ts";
import type { TelemetryReader } from "../ports/telemetry-store.ts";
import { assertKnownDevice } from "./assert-known-device.ts";

export interface TelemetryQueryPorts {
  reader: TelemetryReader;
  /** The fleet, to tell a misspelt device from a silent one. */
  inventory: FleetInventory;
}

export interface MeasureListQuery {
  thing: string;
  since: Date;
}

/** The measure names a device sent since `since`, sorted. */
export type ListMeasures = (query: MeasureListQuery) => Promise<string[]>;

/**
 * Samples read to collect the names: every message carries all the measures of its sections,
 * so the newest messages name every measure the device sends (a section sent rarely may be
 * missed when the window holds more than this many newer samples).
 */
export const MEASURE_SCAN_SAMPLES = 2_000;

/**
 * `fleet telemetry measures --device`, the same on every target.
 *  1. Collect the names in the device's newest samples of the window.
 *  2. None: a device the fleet does not have is UnknownDeviceError, with the nearest names;
 *     a known one sent nothing in that time (an empty list).
 */
export function createListMeasures(ports: TelemetryQueryPorts): ListMeasures {
  return async ({ thing, since }) => {
    const samples = await ports.reader.query({ thing, since, limit: MEASURE_SCAN_SAMPLES });
    if (samples.length === 0) await assertKnownDevice(ports.inventory, thing);
    return [...new Set(samples.map((s) => s.measure))].sort();
  };
}
