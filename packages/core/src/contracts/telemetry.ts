import { z } from "zod";

/**
 * The telemetry message a device publishes (QoS 1) to `dt/{thing}/telemetry`
 * (`telemetryTopic`). The thing comes from the topic, never from the payload.
 *
 * The backend is upgraded before the fleet, so it can refuse what it does not know: unknown
 * keys are errors at every level, which catches typos and devices running ahead of the cloud.
 * A message carries at least one section; later issues add sections (system, led, vehicle)
 * to `TelemetrySectionsShape` and nothing else changes.
 */

/** Liveness of the device client process. */
export const HeartbeatSectionSchema = z.strictObject({
  /** Seconds since the device client process started. */
  uptimeSeconds: z.number().nonnegative(),
  /** Version of the `fleet-device` client that sent the message. */
  clientVersion: z.string().min(1),
  /** MQTT reconnects since the process started. */
  reconnects: z.number().int().nonnegative(),
});
export type HeartbeatSection = z.infer<typeof HeartbeatSectionSchema>;

/** Every optional section a telemetry message may carry. */
const TelemetrySectionsShape = {
  heartbeat: HeartbeatSectionSchema.optional(),
};
const SECTION_NAMES = Object.keys(
  TelemetrySectionsShape,
) as (keyof typeof TelemetrySectionsShape)[];

export const TelemetrySchema = z
  .strictObject({
    schemaVersion: z.literal(1),
    /** Per-process message counter; a reset to 0 marks a restart, a gap marks lost messages. */
    seq: z.number().int().nonnegative(),
    /** Device clock when the reading was taken, ISO 8601 with `Z` or a `±hh:mm` offset. */
    deviceTime: z.iso.datetime({
      offset: true,
      error: "expected an ISO 8601 date-time with Z or a ±hh:mm offset",
    }),
    ...TelemetrySectionsShape,
  })
  .refine((message) => SECTION_NAMES.some((name) => message[name] !== undefined), {
    error: `a telemetry message carries at least one section (${SECTION_NAMES.join(", ")})`,
  });
export type Telemetry = z.infer<typeof TelemetrySchema>;
