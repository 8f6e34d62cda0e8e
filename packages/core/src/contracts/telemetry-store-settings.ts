import * as z from "zod";

/** Timestream for LiveAnalytics table holding every device's telemetry. */
export const TIMESTREAM_TABLE_NAME = "telemetry";

/**
 * Which store a stage writes telemetry to, published by the stack (SSM parameter
 * `telemetryStoreParameter`) so that readers (`fleet telemetry query --stage`) need no config.
 */
export const TelemetryStoreSettingsSchema = z.discriminatedUnion("kind", [
  z.object({
    kind: z.literal("timestream"),
    database: z.string().min(1),
    table: z.string().min(1),
  }),
  z.object({
    kind: z.literal("influxdb"),
    /** HTTPS endpoint of the Timestream for InfluxDB instance, e.g. https://<id>-<hash>.timestream-influxdb.<region>.on.aws:8086 */
    url: z.url(),
    organization: z.string().min(1),
    bucket: z.string().min(1),
    /** Secrets Manager secret holding the API token (never in the parameter itself). */
    tokenSecretArn: z.string().min(1),
  }),
]);
export type TelemetryStoreSettings = z.infer<typeof TelemetryStoreSettingsSchema>;
