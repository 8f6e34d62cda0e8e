import { type Telemetry, TelemetrySchema, type TelemetrySections } from "@fleet/core/contracts";

/** A telemetry message, checked against the core contract before it is stored or sent. */
export function buildTelemetryMessage(reading: {
  seq: number;
  /** Epoch milliseconds of the reading. */
  now: number;
  sections: TelemetrySections;
}): Telemetry {
  return TelemetrySchema.parse({
    schemaVersion: 1,
    seq: reading.seq,
    deviceTime: new Date(reading.now).toISOString(),
    ...reading.sections,
  });
}
