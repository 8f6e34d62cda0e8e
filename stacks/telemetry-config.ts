/**
 * How an operator configures a stage's telemetry: environment variables read by `sst deploy`
 * (sst.config.ts), so each stage's shell, CI job or `.env` file decides. Everything has a
 * default except the InfluxDB endpoint, which only the operator knows.
 *
 * - `FLEET_TELEMETRY_STORE`: `influxdb` (default) or `timestream`.
 *   Timestream for InfluxDB is the default because Timestream for LiveAnalytics is closed to
 *   AWS accounts that did not use it before 2025-06-20: a new account could not create the
 *   database. InfluxDB is not created by the stack (the instance needs a VPC and its API token
 *   is minted inside InfluxDB): the operator creates the instance, a bucket and an API token
 *   with write access, stores the token in Secrets Manager (the default `aws/secretsmanager`
 *   key), and names them with
 *   - `FLEET_INFLUXDB_URL` (https, e.g. `https://<id>-<hash>.<region>.timestream-influxdb.amazonaws.com:8086`),
 *   - `FLEET_INFLUXDB_ORG`, `FLEET_INFLUXDB_BUCKET`,
 *   - `FLEET_INFLUXDB_TOKEN_SECRET_ARN` (the secret's full ARN).
 * - With `timestream`, the stack creates the database and table; retention:
 *   - `FLEET_TIMESTREAM_MEMORY_RETENTION_HOURS` (default 24, 1..8766),
 *   - `FLEET_TIMESTREAM_MAGNETIC_RETENTION_DAYS` (default 365, 1..73000).
 * - `FLEET_TELEMETRY_STREAM_SHARDS`: unset for an on-demand Kinesis stream (default: capacity
 *   follows the fleet, paid per GB), or a shard count (1..1000) for a provisioned stream
 *   (cheaper at a steady, known rate; each shard takes 1,000 records/s or 1 MB/s).
 */

export type TelemetryStoreConfig =
  | {
      kind: "timestream";
      memoryStoreRetentionHours: number;
      magneticStoreRetentionDays: number;
    }
  | {
      kind: "influxdb";
      url: string;
      organization: string;
      bucket: string;
      tokenSecretArn: string;
    };

export interface TelemetryConfig {
  store: TelemetryStoreConfig;
  /** Shards of a provisioned stream; undefined for an on-demand stream. */
  streamShards: number | undefined;
}

export const TELEMETRY_CONFIG_DEFAULTS = {
  store: "influxdb",
  memoryStoreRetentionHours: 24,
  magneticStoreRetentionDays: 365,
} as const;

export class InvalidTelemetryConfigError extends Error {
  readonly variable: string;
  constructor(variable: string, message: string) {
    super(`${variable}: ${message}`);
    this.name = "InvalidTelemetryConfigError";
    this.variable = variable;
  }
}

type Env = Record<string, string | undefined>;

const SECRET_ARN_PATTERN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[\w/+=.@-]+$/;

function required(env: Env, variable: string, why: string): string {
  const value = env[variable]?.trim();
  if (!value) throw new InvalidTelemetryConfigError(variable, `is not set (${why})`);
  return value;
}

function integer(env: Env, variable: string, min: number, max: number): number | undefined {
  const raw = env[variable]?.trim();
  if (!raw) return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new InvalidTelemetryConfigError(
      variable,
      `expected an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`,
    );
  }
  return value;
}

function influxDbConfig(env: Env): TelemetryStoreConfig {
  const why = "the influxdb store needs its endpoint; or set FLEET_TELEMETRY_STORE=timestream";
  const url = required(env, "FLEET_INFLUXDB_URL", why);
  // The API token travels with every write: never over plain HTTP.
  if (!URL.canParse(url) || new URL(url).protocol !== "https:") {
    throw new InvalidTelemetryConfigError(
      "FLEET_INFLUXDB_URL",
      `expected an https URL, got ${JSON.stringify(url)}`,
    );
  }
  const tokenSecretArn = required(env, "FLEET_INFLUXDB_TOKEN_SECRET_ARN", why);
  if (!SECRET_ARN_PATTERN.test(tokenSecretArn)) {
    throw new InvalidTelemetryConfigError(
      "FLEET_INFLUXDB_TOKEN_SECRET_ARN",
      `expected a Secrets Manager secret ARN (arn:aws:secretsmanager:<region>:<account>:secret:<name>), got ${JSON.stringify(tokenSecretArn)}`,
    );
  }
  return {
    kind: "influxdb",
    url,
    organization: required(env, "FLEET_INFLUXDB_ORG", why),
    bucket: required(env, "FLEET_INFLUXDB_BUCKET", why),
    tokenSecretArn,
  };
}

/** Reads the telemetry configuration of the stage being deployed from `env`. */
export function telemetryConfigFromEnv(env: Env = process.env): TelemetryConfig {
  const kind = env.FLEET_TELEMETRY_STORE?.trim() || TELEMETRY_CONFIG_DEFAULTS.store;
  const streamShards = integer(env, "FLEET_TELEMETRY_STREAM_SHARDS", 1, 1000);
  switch (kind) {
    case "influxdb":
      return { store: influxDbConfig(env), streamShards };
    case "timestream":
      return {
        store: {
          kind,
          memoryStoreRetentionHours:
            integer(env, "FLEET_TIMESTREAM_MEMORY_RETENTION_HOURS", 1, 8766) ??
            TELEMETRY_CONFIG_DEFAULTS.memoryStoreRetentionHours,
          magneticStoreRetentionDays:
            integer(env, "FLEET_TIMESTREAM_MAGNETIC_RETENTION_DAYS", 1, 73000) ??
            TELEMETRY_CONFIG_DEFAULTS.magneticStoreRetentionDays,
        },
        streamShards,
      };
    default:
      throw new InvalidTelemetryConfigError(
        "FLEET_TELEMETRY_STORE",
        `expected "influxdb" or "timestream", got ${JSON.stringify(kind)}`,
      );
  }
}
