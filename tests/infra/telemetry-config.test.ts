import { describe, expect, it } from "vitest";
import { telemetryConfigFromEnv } from "../../stacks/telemetry-config.ts";

const INFLUXDB_ENV = {
  FLEET_INFLUXDB_URL: "https://abc123.eu-west-1.timestream-influxdb.amazonaws.com:8086",
  FLEET_INFLUXDB_ORG: "fleet",
  FLEET_INFLUXDB_BUCKET: "telemetry",
  FLEET_INFLUXDB_TOKEN_SECRET_ARN:
    "arn:aws:secretsmanager:eu-west-1:123456789012:secret:fleet/dev/influxdb-token-AbCdEf",
};

describe("telemetry configuration from the deploy environment", () => {
  it("defaults to InfluxDB with an on-demand stream", () => {
    expect(telemetryConfigFromEnv(INFLUXDB_ENV)).toEqual({
      store: {
        kind: "influxdb",
        url: INFLUXDB_ENV.FLEET_INFLUXDB_URL,
        organization: "fleet",
        bucket: "telemetry",
        tokenSecretArn: INFLUXDB_ENV.FLEET_INFLUXDB_TOKEN_SECRET_ARN,
      },
      streamShards: undefined,
    });
  });

  it("names the missing InfluxDB setting when none is given", () => {
    expect(() => telemetryConfigFromEnv({})).toThrow(
      expect.objectContaining({
        name: "InvalidTelemetryConfigError",
        variable: "FLEET_INFLUXDB_URL",
        message: expect.stringContaining("FLEET_TELEMETRY_STORE=timestream"),
      }),
    );
    expect(() => telemetryConfigFromEnv({ ...INFLUXDB_ENV, FLEET_INFLUXDB_BUCKET: " " })).toThrow(
      expect.objectContaining({ variable: "FLEET_INFLUXDB_BUCKET" }),
    );
  });

  it("refuses an InfluxDB URL that would send the token in clear text", () => {
    expect(() =>
      telemetryConfigFromEnv({ ...INFLUXDB_ENV, FLEET_INFLUXDB_URL: "http://influx.local:8086" }),
    ).toThrow(/FLEET_INFLUXDB_URL: expected an https URL/);
  });

  it("refuses a token secret given by name instead of ARN", () => {
    expect(() =>
      telemetryConfigFromEnv({ ...INFLUXDB_ENV, FLEET_INFLUXDB_TOKEN_SECRET_ARN: "influx-token" }),
    ).toThrow(/FLEET_INFLUXDB_TOKEN_SECRET_ARN: expected a Secrets Manager secret ARN/);
  });

  it("uses Timestream with default retention of 24 hours in memory and 365 days on magnetic", () => {
    expect(telemetryConfigFromEnv({ FLEET_TELEMETRY_STORE: "timestream" })).toEqual({
      store: { kind: "timestream", memoryStoreRetentionHours: 24, magneticStoreRetentionDays: 365 },
      streamShards: undefined,
    });
  });

  it("takes Timestream retention and a provisioned shard count from the environment", () => {
    expect(
      telemetryConfigFromEnv({
        FLEET_TELEMETRY_STORE: "timestream",
        FLEET_TIMESTREAM_MEMORY_RETENTION_HOURS: "6",
        FLEET_TIMESTREAM_MAGNETIC_RETENTION_DAYS: "3650",
        FLEET_TELEMETRY_STREAM_SHARDS: "2",
      }),
    ).toEqual({
      store: { kind: "timestream", memoryStoreRetentionHours: 6, magneticStoreRetentionDays: 3650 },
      streamShards: 2,
    });
  });

  it("refuses numbers outside what AWS accepts, naming the variable and the range", () => {
    expect(() =>
      telemetryConfigFromEnv({
        FLEET_TELEMETRY_STORE: "timestream",
        FLEET_TIMESTREAM_MEMORY_RETENTION_HOURS: "9000",
      }),
    ).toThrow(
      'FLEET_TIMESTREAM_MEMORY_RETENTION_HOURS: expected an integer from 1 to 8766, got "9000"',
    );
    expect(() =>
      telemetryConfigFromEnv({ ...INFLUXDB_ENV, FLEET_TELEMETRY_STREAM_SHARDS: "1.5" }),
    ).toThrow(/FLEET_TELEMETRY_STREAM_SHARDS: expected an integer from 1 to 1000/);
  });

  it("refuses an unknown store", () => {
    expect(() => telemetryConfigFromEnv({ FLEET_TELEMETRY_STORE: "duckdb" })).toThrow(
      'FLEET_TELEMETRY_STORE: expected "influxdb" or "timestream", got "duckdb"',
    );
  });
});
