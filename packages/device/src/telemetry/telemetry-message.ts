import {
  TELEMETRY_SECTION_NAMES,
  type Telemetry,
  TelemetrySchema,
  type TelemetrySectionName,
} from "@fleet/core/contracts";

/** What each source read, not yet checked against its section's contract. */
export type SectionReadings = Partial<Record<TelemetrySectionName, unknown>>;

export interface BuiltTelemetryMessage {
  message: Telemetry;
  /** Sections left out of the message because they broke their contract. */
  invalid: { section: TelemetrySectionName; reason: string }[];
}

/**
 * A telemetry message in the core contract. Each section is checked against its own schema,
 * once, and one that breaks it is left out (and named in `invalid`) instead of failing the
 * whole message; the envelope (schema version, seq, device time) is built, not parsed.
 * Throws when no section is left: a message carries at least one.
 */
export function buildTelemetryMessage(reading: {
  seq: number;
  /** Epoch milliseconds of the reading. */
  now: number;
  sections: SectionReadings;
}): BuiltTelemetryMessage {
  const message: Record<string, unknown> = {
    schemaVersion: 1,
    seq: reading.seq,
    deviceTime: new Date(reading.now).toISOString(),
  };
  const invalid: BuiltTelemetryMessage["invalid"] = [];
  let sections = 0;
  // In the contract's order, so every message lists its sections the same way.
  for (const section of TELEMETRY_SECTION_NAMES) {
    const value = reading.sections[section];
    if (value === undefined) continue;
    const parsed = TelemetrySchema.shape[section].safeParse(value);
    if (parsed.success) {
      message[section] = parsed.data;
      sections += 1;
    } else {
      invalid.push({ section, reason: parsed.error.message });
    }
  }
  if (sections === 0) {
    const reasons = invalid.map(({ section, reason }) => `; ${section}: ${reason}`).join("");
    throw new Error(`telemetry message ${reading.seq} has no valid section${reasons}`);
  }
  return { message: message as Telemetry, invalid };
}
