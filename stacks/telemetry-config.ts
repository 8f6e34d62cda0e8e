import { TELEMETRY_STORE_KINDS } from "@fleet/core/contracts";

/**
 * How an operator configures a stage's telemetry: environment variables read by `sst deploy`
 * (sst.config.ts), so each stage's shell, CI job or `.env` file decides. Everything has a
 * default except what only the operator knows: the InfluxDB endpoint and where it lives.
 *
 * - `FLEET_TELEMETRY_STORE`: `influxdb` (default) or `timestream`.
 *   Timestream for InfluxDB is the default because Timestream for LiveAnalytics is closed to
 *   AWS accounts that did not use it before 2025-06-20: a new account could not create the
 *   database. InfluxDB is not created by the stack (its API token is minted inside InfluxDB):
 *   the operator creates the instance, a bucket and an API token with write access, stores the
 *   token in Secrets Manager (the default `aws/secretsmanager` key), and names them with
 *   - `FLEET_INFLUXDB_URL` (https, the instance's endpoint and port: AWS documents the form
 *     `https://<id>-<hash>.timestream-influxdb.<region>.on.aws:8086`; instances created before
 *     2024-12-09 carry their name instead, e.g. `influxdb1-123456789.us-east-1.timestream-
 *     influxdb.amazonaws.com`; docs.aws.amazon.com/timestream/latest/developerguide/
 *     timestream-for-influx-db-connecting.html),
 *   - `FLEET_INFLUXDB_ORG`, `FLEET_INFLUXDB_BUCKET`,
 *   - `FLEET_INFLUXDB_TOKEN_SECRET_ARN` (the secret's full ARN).
 * - How the ingest function reaches the instance, `FLEET_INFLUXDB_NETWORK`:
 *   - `vpc` (default): the instance is private, as Timestream for InfluxDB instances are unless
 *     created publicly accessible, and a Lambda function reaches it only from inside its VPC.
 *     The function joins the instance's VPC (stacks/telemetry-network.ts) with
 *     - `FLEET_INFLUXDB_VPC_ID` (`vpc-...`), the instance's VPC,
 *     - `FLEET_INFLUXDB_SUBNET_IDS` (comma-separated `subnet-...`, private subnets of that VPC,
 *       two or more availability zones so one zone's outage does not stop the ingest),
 *     - `FLEET_INFLUXDB_SECURITY_GROUP_ID` (`sg-...`), the instance's security group: the stack
 *       adds a rule to it letting the function's own security group in on port 8086,
 *     - `FLEET_INFLUXDB_VPC_ENDPOINTS`: `create` (default) makes interface endpoints with private
 *       DNS for Secrets Manager and SQS (the function reads its token and sends dead letters, and
 *       a VPC function has no route to AWS APIs of its own; private DNS needs the VPC's DNS
 *       resolution and DNS hostnames on), or `existing` when the VPC already reaches them (a
 *       NAT gateway, or endpoints of its own with private DNS: a second endpoint with private
 *       DNS for the same service would be refused).
 *   - `public`: the instance was created publicly accessible in public subnets and the function
 *     stays outside any VPC. No endpoints or network interfaces to pay for and
 *     `fleet telemetry query --stage` works from anywhere, but Lambda has no fixed addresses, so
 *     the instance's security group must accept port 8086 from the whole internet, guarded by
 *     TLS and the token alone. Offered for trials and dev stages; prod should stay `vpc`.
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
      network: InfluxDbNetwork;
    };

/** Where the InfluxDB instance is reachable from (see `FLEET_INFLUXDB_NETWORK` above). */
export type InfluxDbNetwork =
  | {
      kind: "vpc";
      vpcId: string;
      subnetIds: string[];
      /** The instance's security group, which gets the ingress rule for the function. */
      instanceSecurityGroupId: string;
      /** Whether the stack creates the Secrets Manager and SQS interface endpoints. */
      serviceEndpoints: "create" | "existing";
    }
  | { kind: "public" };

export interface TelemetryConfig {
  store: TelemetryStoreConfig;
  /** Shards of a provisioned stream; undefined for an on-demand stream. */
  streamShards: number | undefined;
}

export const TELEMETRY_CONFIG_DEFAULTS = {
  store: "influxdb",
  influxDbNetwork: "vpc",
  serviceEndpoints: "create",
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
// Lambda takes at most 16 subnets in a VPC configuration (VpcConfig.SubnetIds).
const MAX_SUBNETS = 16;

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

function choice<T extends string>(
  env: Env,
  variable: string,
  choices: readonly T[],
  fallback: T,
): T {
  const value = env[variable]?.trim() || fallback;
  if (!choices.includes(value as T)) {
    throw new InvalidTelemetryConfigError(
      variable,
      `expected ${choices.map((c) => JSON.stringify(c)).join(" or ")}, got ${JSON.stringify(value)}`,
    );
  }
  return value as T;
}

type Ec2IdPrefix = "vpc" | "subnet" | "sg";

/** EC2 ids are a prefix and 8 (older resources) or 17 hexadecimal digits. */
function isEc2Id(prefix: Ec2IdPrefix, value: string): boolean {
  return new RegExp(`^${prefix}-[0-9a-f]{8}([0-9a-f]{9})?$`).test(value);
}

function ec2Id(env: Env, variable: string, prefix: Ec2IdPrefix, why: string): string {
  const value = required(env, variable, why);
  if (!isEc2Id(prefix, value)) {
    throw new InvalidTelemetryConfigError(
      variable,
      `expected an id like ${prefix}-0123456789abcdef0, got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

function influxDbNetwork(env: Env): InfluxDbNetwork {
  const kind = choice(
    env,
    "FLEET_INFLUXDB_NETWORK",
    ["vpc", "public"],
    TELEMETRY_CONFIG_DEFAULTS.influxDbNetwork,
  );
  if (kind === "public") return { kind };
  const why =
    "the ingest function joins the InfluxDB instance's VPC; or set FLEET_INFLUXDB_NETWORK=public for a publicly accessible instance";
  const vpcId = ec2Id(env, "FLEET_INFLUXDB_VPC_ID", "vpc", why);
  const subnetIds = [
    ...new Set(
      required(env, "FLEET_INFLUXDB_SUBNET_IDS", why)
        .split(",")
        .map((id) => id.trim())
        .filter((id) => id !== ""),
    ),
  ];
  const invalid = subnetIds.find((id) => !isEc2Id("subnet", id));
  if (invalid !== undefined || subnetIds.length === 0 || subnetIds.length > MAX_SUBNETS) {
    throw new InvalidTelemetryConfigError(
      "FLEET_INFLUXDB_SUBNET_IDS",
      `expected 1 to ${MAX_SUBNETS} comma-separated subnet ids (subnet-0123456789abcdef0,subnet-...), got ${JSON.stringify(invalid ?? env.FLEET_INFLUXDB_SUBNET_IDS)}`,
    );
  }
  return {
    kind,
    vpcId,
    subnetIds,
    instanceSecurityGroupId: ec2Id(env, "FLEET_INFLUXDB_SECURITY_GROUP_ID", "sg", why),
    serviceEndpoints: choice(
      env,
      "FLEET_INFLUXDB_VPC_ENDPOINTS",
      ["create", "existing"],
      TELEMETRY_CONFIG_DEFAULTS.serviceEndpoints,
    ),
  };
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
    network: influxDbNetwork(env),
  };
}

/** Reads the telemetry configuration of the stage being deployed from `env`. */
export function telemetryConfigFromEnv(env: Env = process.env): TelemetryConfig {
  const kind = choice(
    env,
    "FLEET_TELEMETRY_STORE",
    TELEMETRY_STORE_KINDS,
    TELEMETRY_CONFIG_DEFAULTS.store,
  );
  const streamShards = integer(env, "FLEET_TELEMETRY_STREAM_SHARDS", 1, 1000);
  if (kind === "influxdb") return { store: influxDbConfig(env), streamShards };
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
}
