import { describe, expect, it } from "vitest";
import { telemetryConfigFromEnv } from "../../stacks/telemetry-config.ts";

// The endpoint form AWS documents for instances created since 2024-12-09.
const INFLUXDB_ENV = {
  FLEET_INFLUXDB_URL: "https://c5vasdqn0b-3ksj4dla5nfjhi.timestream-influxdb.eu-west-1.on.aws:8086",
  FLEET_INFLUXDB_ORG: "fleet",
  FLEET_INFLUXDB_BUCKET: "telemetry",
  FLEET_INFLUXDB_TOKEN_SECRET_ARN:
    "arn:aws:secretsmanager:eu-west-1:123456789012:secret:fleet/dev/influxdb-token-AbCdEf",
  FLEET_INFLUXDB_VPC_ID: "vpc-0a1b2c3d4e5f60718",
  FLEET_INFLUXDB_SUBNET_IDS: "subnet-0a1b2c3d4e5f60001, subnet-0a1b2c3d4e5f60002",
  FLEET_INFLUXDB_SECURITY_GROUP_ID: "sg-0a1b2c3d4e5f60719",
};

describe("telemetry configuration from the deploy environment", () => {
  it("defaults to InfluxDB reached from inside its VPC, with endpoints, and an on-demand stream", () => {
    expect(telemetryConfigFromEnv(INFLUXDB_ENV)).toEqual({
      store: {
        kind: "influxdb",
        url: INFLUXDB_ENV.FLEET_INFLUXDB_URL,
        organization: "fleet",
        bucket: "telemetry",
        tokenSecretArn: INFLUXDB_ENV.FLEET_INFLUXDB_TOKEN_SECRET_ARN,
        network: {
          kind: "vpc",
          vpcId: "vpc-0a1b2c3d4e5f60718",
          subnetIds: ["subnet-0a1b2c3d4e5f60001", "subnet-0a1b2c3d4e5f60002"],
          instanceSecurityGroupId: "sg-0a1b2c3d4e5f60719",
          serviceEndpoints: "create",
        },
      },
      streamShards: undefined,
    });
  });

  it("names the missing VPC setting and the public alternative", () => {
    const { FLEET_INFLUXDB_SUBNET_IDS: _, ...withoutSubnets } = INFLUXDB_ENV;

    expect(() => telemetryConfigFromEnv(withoutSubnets)).toThrow(
      expect.objectContaining({
        name: "InvalidTelemetryConfigError",
        variable: "FLEET_INFLUXDB_SUBNET_IDS",
        message: expect.stringContaining("FLEET_INFLUXDB_NETWORK=public"),
      }),
    );
    expect(() =>
      telemetryConfigFromEnv({ ...INFLUXDB_ENV, FLEET_INFLUXDB_VPC_ID: undefined }),
    ).toThrow(expect.objectContaining({ variable: "FLEET_INFLUXDB_VPC_ID" }));
    expect(() =>
      telemetryConfigFromEnv({ ...INFLUXDB_ENV, FLEET_INFLUXDB_SECURITY_GROUP_ID: "" }),
    ).toThrow(expect.objectContaining({ variable: "FLEET_INFLUXDB_SECURITY_GROUP_ID" }));
  });

  it("refuses ids that are not EC2 ids of the right kind, naming the bad one", () => {
    expect(() =>
      telemetryConfigFromEnv({
        ...INFLUXDB_ENV,
        FLEET_INFLUXDB_SUBNET_IDS: "subnet-0a1b2c3d4e5f60001,sg-0a1b2c3d4e5f60719",
      }),
    ).toThrow(
      /FLEET_INFLUXDB_SUBNET_IDS: expected 1 to 16 comma-separated subnet ids .*got "sg-0a1b2c3d4e5f60719"/,
    );
    expect(() =>
      telemetryConfigFromEnv({ ...INFLUXDB_ENV, FLEET_INFLUXDB_VPC_ID: "my-vpc" }),
    ).toThrow('FLEET_INFLUXDB_VPC_ID: expected an id like vpc-0123456789abcdef0, got "my-vpc"');
    expect(() =>
      telemetryConfigFromEnv({ ...INFLUXDB_ENV, FLEET_INFLUXDB_SECURITY_GROUP_ID: "sg-123" }),
    ).toThrow(/FLEET_INFLUXDB_SECURITY_GROUP_ID: expected an id like sg-/);
  });

  it("takes at most the 16 subnets Lambda accepts, once each", () => {
    const subnets = Array.from({ length: 17 }, (_, i) => `subnet-${String(i).padStart(8, "0")}`);

    expect(() =>
      telemetryConfigFromEnv({ ...INFLUXDB_ENV, FLEET_INFLUXDB_SUBNET_IDS: subnets.join(",") }),
    ).toThrow(/FLEET_INFLUXDB_SUBNET_IDS: expected 1 to 16/);
    const repeated = telemetryConfigFromEnv({
      ...INFLUXDB_ENV,
      FLEET_INFLUXDB_SUBNET_IDS: "subnet-00000001,subnet-00000001,",
    }).store;
    expect(repeated.kind === "influxdb" && repeated.network).toMatchObject({
      subnetIds: ["subnet-00000001"],
    });
  });

  it("uses the VPC's own route to Secrets Manager and SQS when told they exist", () => {
    const { store } = telemetryConfigFromEnv({
      ...INFLUXDB_ENV,
      FLEET_INFLUXDB_VPC_ENDPOINTS: "existing",
    });

    expect(store.kind === "influxdb" && store.network).toMatchObject({
      kind: "vpc",
      serviceEndpoints: "existing",
    });
    expect(() =>
      telemetryConfigFromEnv({ ...INFLUXDB_ENV, FLEET_INFLUXDB_VPC_ENDPOINTS: "nat" }),
    ).toThrow('FLEET_INFLUXDB_VPC_ENDPOINTS: expected "create" or "existing", got "nat"');
  });

  it("needs no VPC settings for a publicly accessible instance", () => {
    const { store } = telemetryConfigFromEnv({
      ...INFLUXDB_ENV,
      FLEET_INFLUXDB_VPC_ID: undefined,
      FLEET_INFLUXDB_SUBNET_IDS: undefined,
      FLEET_INFLUXDB_SECURITY_GROUP_ID: undefined,
      FLEET_INFLUXDB_NETWORK: "public",
    });

    expect(store.kind === "influxdb" && store.network).toEqual({ kind: "public" });
    expect(() =>
      telemetryConfigFromEnv({ ...INFLUXDB_ENV, FLEET_INFLUXDB_NETWORK: "internet" }),
    ).toThrow('FLEET_INFLUXDB_NETWORK: expected "vpc" or "public", got "internet"');
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
