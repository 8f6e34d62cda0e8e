import { closestMatches } from "../domain/closest-matches.ts";
import type { TelemetryQuery, TelemetrySample } from "../ports/telemetry-store.ts";
import { UnknownMeasureError } from "../telemetry/telemetry-errors.ts";
import { assertKnownDevice } from "./assert-known-device.ts";
import { createListMeasures, type TelemetryQueryPorts } from "./list-measures.ts";

/** A device's samples, newest first (see `TelemetryQuery`). */
export type QueryTelemetry = (query: TelemetryQuery) => Promise<TelemetrySample[]>;

/**
 * `fleet telemetry query`, the same on every target: a misspelt device or measure is an error
 * naming the nearest names, never an empty answer that reads as "no data". The checks cost
 * nothing when samples come back.
 *  1. Read the samples: any is the answer.
 *  2. None, for a device the fleet does not have: UnknownDeviceError (nearest names).
 *  3. None for a measure, while the device sent other measures in the window:
 *     UnknownMeasureError (its nearest measures).
 *  4. Otherwise the device sent nothing in that time: an empty answer.
 */
export function createQueryTelemetry(ports: TelemetryQueryPorts): QueryTelemetry {
  const listMeasures = createListMeasures(ports);
  return async (query) => {
    const samples = await ports.reader.query(query);
    if (samples.length > 0) return samples;
    if (query.measure === undefined) {
      await assertKnownDevice(ports.inventory, query.thing);
      return samples;
    }
    const measures = await listMeasures({ thing: query.thing, since: query.since });
    if (measures.length > 0 && !measures.includes(query.measure)) {
      throw new UnknownMeasureError(
        query.thing,
        query.measure,
        closestMatches(query.measure, measures),
      );
    }
    return samples;
  };
}
