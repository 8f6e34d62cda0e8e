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

/** The stores a stage may write telemetry to: the `kind` of its settings. */
export const TELEMETRY_STORE_KINDS = [
  "influxdb",
  "timestream",
] as const satisfies readonly TelemetryStoreSettings["kind"][];

/**
 * The ingest function's variables naming its store: the stack sets them from the same settings
 * it publishes (`telemetryStoreVariables`), the function reads them back with this schema.
 */
export const TelemetryStoreEnvSchema = z.discriminatedUnion("TELEMETRY_STORE", [
  z.object({
    TELEMETRY_STORE: z.literal("timestream"),
    TIMESTREAM_DATABASE: z.string().min(1),
    TIMESTREAM_TABLE: z.string().min(1),
  }),
  z.object({
    TELEMETRY_STORE: z.literal("influxdb"),
    // The token travels with every request: TLS only.
    INFLUXDB_URL: z.url({ protocol: /^https$/ }),
    INFLUXDB_ORG: z.string().min(1),
    INFLUXDB_BUCKET: z.string().min(1),
    INFLUXDB_TOKEN_SECRET_ARN: z.string().min(1),
  }),
]);
export type TelemetryStoreEnv = z.infer<typeof TelemetryStoreEnvSchema>;

/** Settings whose values are `V` (a deploy-time output in the stack), the kind kept as it is. */
export type TelemetryStoreSettingsOf<V> = TelemetryStoreSettings extends infer S
  ? S extends { kind: string }
    ? { [K in keyof S]: K extends "kind" ? S[K] : V }
    : never
  : never;

/** The function variables naming the store of `settings` (read back by `TelemetryStoreEnvSchema`). */
export function telemetryStoreVariables<V>(
  settings: TelemetryStoreSettingsOf<V>,
): Record<string, V | string> {
  if (settings.kind === "timestream") {
    return {
      TELEMETRY_STORE: settings.kind,
      TIMESTREAM_DATABASE: settings.database,
      TIMESTREAM_TABLE: settings.table,
    };
  }
  return {
    TELEMETRY_STORE: settings.kind,
    INFLUXDB_URL: settings.url,
    INFLUXDB_ORG: settings.organization,
    INFLUXDB_BUCKET: settings.bucket,
    INFLUXDB_TOKEN_SECRET_ARN: settings.tokenSecretArn,
  };
}

/** The settings the function's variables name. */
export function telemetryStoreSettingsFromEnv(env: TelemetryStoreEnv): TelemetryStoreSettings {
  if (env.TELEMETRY_STORE === "timestream") {
    return { kind: "timestream", database: env.TIMESTREAM_DATABASE, table: env.TIMESTREAM_TABLE };
  }
  return {
    kind: "influxdb",
    url: env.INFLUXDB_URL,
    organization: env.INFLUXDB_ORG,
    bucket: env.INFLUXDB_BUCKET,
    tokenSecretArn: env.INFLUXDB_TOKEN_SECRET_ARN,
  };
}
