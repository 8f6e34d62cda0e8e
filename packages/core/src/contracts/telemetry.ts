import * as z from "zod";

/**
 * The telemetry message a device publishes (QoS 1) to `dt/{thing}/telemetry`
 * (`telemetryTopic`). The thing comes from the topic, never from the payload.
 *
 * The backend is upgraded before the fleet, so it can refuse what it does not know: unknown
 * keys are errors at every level, which catches typos and devices running ahead of the cloud.
 * A message carries at least one section; a new section is added to `TelemetrySectionsShape`
 * and nothing else changes.
 *
 * The store flattens each section into measures named by the dotted path of each leaf
 * (`abs.wheelSpeedKph.fl`), so every key here is a plain camelCase identifier: no colons,
 * no reserved Timestream prefix (`ts_`, `measure_value`), no reserved name (`time`,
 * `measure_name`), and none of the names the store adds itself (`seq`, `thing`).
 */

const count = z.int().nonnegative();
const bytes = z.number().nonnegative();
/** A temperature in °C, bounded to what electronics and cabins can physically report. */
const celsius = z.number().min(-100).max(250);

/** What the device's offline buffer holds and has lost. */
export const BufferStatusSchema = z.strictObject({
  /** Messages waiting on disk to be sent, this one excluded. */
  queued: count,
  /** Oldest messages dropped because the buffer was full, since the device was installed. */
  droppedMessages: count,
});
export type BufferStatus = z.infer<typeof BufferStatusSchema>;

/** Liveness of the device client process. */
export const HeartbeatSectionSchema = z.strictObject({
  /** Seconds since the device client process started. */
  uptimeSeconds: z.number().nonnegative(),
  /** Version of the `fleet-device` client that sent the message. */
  clientVersion: z.string().min(1),
  /** MQTT reconnects since the process started. */
  reconnects: count,
  /** Offline buffer status; absent from clients that have no buffer. */
  buffer: BufferStatusSchema.optional(),
  /**
   * Expiry (epoch seconds) of the certificate the device is connected with, so dashboards can
   * show certificate expiry per device; absent before the device has a certificate of its own.
   */
  certificateNotAfter: z.int().positive().optional(),
});
export type HeartbeatSection = z.infer<typeof HeartbeatSectionSchema>;

/**
 * A network interface name as it becomes part of a measure name: Linux names are at most 15
 * bytes; dots (VLANs such as `eth0.100`) and anything else would blur the dotted path, so the
 * device leaves such interfaces out rather than mangling their names.
 */
const INTERFACE_NAME_RULE = "expected 1-15 characters of [A-Za-z0-9_-]";
export const NetworkInterfaceNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,15}$/, INTERFACE_NAME_RULE);

/** At most this many interfaces per message, so a host full of virtual links stays small. */
export const MAX_NETWORK_INTERFACES = 16;

/** Health of the board, read from /proc and /sys. */
export const SystemSectionSchema = z.strictObject({
  /** Hottest CPU/SoC thermal zone; absent where the board exposes none (VMs, containers). */
  cpuTemperatureC: celsius.optional(),
  /** Load averages over 1, 5 and 15 minutes (/proc/loadavg). */
  load1: z.number().nonnegative(),
  load5: z.number().nonnegative(),
  load15: z.number().nonnegative(),
  memory: z.strictObject({ totalBytes: bytes, availableBytes: bytes }),
  /** The root filesystem. */
  disk: z.strictObject({ totalBytes: bytes, freeBytes: bytes }),
  /** Seconds since the board booted (/proc/uptime). */
  uptimeSeconds: z.number().nonnegative(),
  /** Byte counters since boot per interface (/proc/net/dev), loopback excluded. */
  network: z
    .record(NetworkInterfaceNameSchema, z.strictObject({ rxBytes: bytes, txBytes: bytes }), {
      error: (issue) =>
        issue.code === "invalid_key" ? `invalid interface name: ${INTERFACE_NAME_RULE}` : undefined,
    })
    .refine((network) => Object.keys(network).length <= MAX_NETWORK_INTERFACES, {
      error: `at most ${MAX_NETWORK_INTERFACES} network interfaces`,
    }),
});
export type SystemSection = z.infer<typeof SystemSectionSchema>;

/** State of the LED app (the app itself arrives with OTA). */
export const LedSectionSchema = z.strictObject({
  /** The LED is enabled. */
  on: z.boolean(),
  /** Blinking rather than steady. */
  blinking: z.boolean(),
  /** Blink frequency in Hz (kept while not blinking). */
  blinkHz: z.number().nonnegative().max(1_000),
});
export type LedSection = z.infer<typeof LedSectionSchema>;

const wheels = <T extends z.ZodType>(value: T) =>
  z.strictObject({ fl: value, fr: value, rl: value, rr: value });

export const AirbagStateSchema = z.enum(["ready", "deployed", "fault"]);
export type AirbagState = z.infer<typeof AirbagStateSchema>;

const HvacZoneSchema = z.strictObject({
  setpointC: celsius,
  temperatureC: celsius,
  /** Fan level, 0 (off) to 7. */
  fan: z.int().min(0).max(7),
});

/** The vehicle simulator: a drive cycle with regenerative braking. */
export const VehicleSectionSchema = z.strictObject({
  speedKph: z.number().nonnegative(),
  /** Longitudinal acceleration; negative while braking. */
  accelerationMps2: z.number(),
  battery: z.strictObject({
    /** State of charge, %. */
    soc: z.number().min(0).max(100),
    temperatureC: celsius,
    /** Energy put back into the battery (regenerative braking) since the simulator started. */
    energyAddedKwh: z.number().nonnegative(),
  }),
  abs: z.strictObject({
    brakePressureBar: wheels(z.number().nonnegative()),
    wheelSpeedKph: wheels(z.number().nonnegative()),
  }),
  hvac: z.strictObject({
    zones: z.strictObject({
      driver: HvacZoneSchema,
      passenger: HvacZoneSchema,
      rear: HvacZoneSchema,
    }),
  }),
  airbags: z.strictObject({
    driver: AirbagStateSchema,
    passenger: AirbagStateSchema,
    side: AirbagStateSchema,
  }),
  /** Fastened or not, per seat. */
  seatBelts: z.strictObject({
    driver: z.boolean(),
    passenger: z.boolean(),
    rearLeft: z.boolean(),
    rearRight: z.boolean(),
  }),
});
export type VehicleSection = z.infer<typeof VehicleSectionSchema>;

/** Every optional section a telemetry message may carry. */
const TelemetrySectionsShape = {
  heartbeat: HeartbeatSectionSchema.optional(),
  system: SystemSectionSchema.optional(),
  led: LedSectionSchema.optional(),
  vehicle: VehicleSectionSchema.optional(),
};
export type TelemetrySectionName = keyof typeof TelemetrySectionsShape;
/** Names of the sections, in message order; each becomes one record (measure set) in the store. */
export const TELEMETRY_SECTION_NAMES = Object.keys(
  TelemetrySectionsShape,
) as readonly TelemetrySectionName[];
/** The sections of a message, each present or not. */
export type TelemetrySections = {
  [K in TelemetrySectionName]?: z.infer<(typeof TelemetrySectionsShape)[K]>;
};

export const TelemetrySchema = z
  .strictObject({
    schemaVersion: z.literal(1),
    /**
     * The device's message counter: persistent and monotonic across restarts, shared by
     * every section. A gap marks lost messages (the heartbeat's `buffer.droppedMessages`
     * says how many the device dropped); a repeat is a redelivery (QoS 1 is at least once).
     */
    seq: z.number().int().nonnegative(),
    /** Device clock when the reading was taken, ISO 8601 with `Z` or a `±hh:mm` offset. */
    deviceTime: z.iso.datetime({
      offset: true,
      error: "expected an ISO 8601 date-time with Z or a ±hh:mm offset",
    }),
    ...TelemetrySectionsShape,
  })
  .refine((message) => TELEMETRY_SECTION_NAMES.some((name) => message[name] !== undefined), {
    error: `a telemetry message carries at least one section (${TELEMETRY_SECTION_NAMES.join(", ")})`,
  });
export type Telemetry = z.infer<typeof TelemetrySchema>;
