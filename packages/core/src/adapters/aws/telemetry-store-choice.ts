import {
  GetSecretValueCommand,
  SecretsManagerClient,
  type SecretsManagerClientConfig,
} from "@aws-sdk/client-secrets-manager";
import { TimestreamQueryClient } from "@aws-sdk/client-timestream-query";
import { TimestreamWriteClient } from "@aws-sdk/client-timestream-write";
import type { TelemetryStoreSettings } from "../../contracts/telemetry-store-settings.ts";
import type { TelemetryReader, TelemetryStore } from "../../ports/telemetry-store.ts";
import { TelemetryStoreError } from "../../telemetry/telemetry-errors.ts";
import { AWS_CLIENT_RETRY } from "./client-retry.ts";
import type { InfluxDbOptions } from "./influxdb-http.ts";
import { InfluxDbTelemetryReader } from "./influxdb-telemetry-reader.ts";
import { InfluxDbTelemetryStore } from "./influxdb-telemetry-store.ts";
import { TimestreamTelemetryReader } from "./timestream-telemetry-reader.ts";
import { TimestreamTelemetryStore } from "./timestream-telemetry-store.ts";

/**
 * Region, credentials and retry settings of the clients the store needs (Timestream, Secrets
 * Manager). Default `AWS_CLIENT_RETRY` with the SDK's own region and credentials.
 */
export type TelemetryClientConfig = Pick<
  SecretsManagerClientConfig,
  "region" | "profile" | "credentials" | "retryMode" | "maxAttempts"
>;

/**
 * The one place a stage's telemetry store is chosen from its settings: the ingest function
 * writes to it, `fleet telemetry query --stage` reads from it. Timestream for LiveAnalytics,
 * or Timestream for InfluxDB with its API token read from Secrets Manager.
 */
export async function openTelemetryStore(
  settings: TelemetryStoreSettings,
  config: TelemetryClientConfig = AWS_CLIENT_RETRY,
): Promise<TelemetryStore> {
  if (settings.kind === "influxdb") {
    return new InfluxDbTelemetryStore(await influxDbOptions(settings, config));
  }
  // The write client discovers its regional endpoint itself (DescribeEndpoints, cached).
  return new TimestreamTelemetryStore({
    client: new TimestreamWriteClient(config),
    database: settings.database,
    table: settings.table,
  });
}

/** The reader of the store `settings` name (see `openTelemetryStore`). */
export async function openTelemetryReader(
  settings: TelemetryStoreSettings,
  config: TelemetryClientConfig = AWS_CLIENT_RETRY,
): Promise<TelemetryReader> {
  if (settings.kind === "influxdb") {
    return new InfluxDbTelemetryReader(await influxDbOptions(settings, config));
  }
  return new TimestreamTelemetryReader({
    client: new TimestreamQueryClient(config),
    database: settings.database,
    table: settings.table,
  });
}

/**
 * Where the InfluxDB bucket is, with the API token: read from Secrets Manager each time a
 * store or reader is opened (once per cold start, once per command), never from the settings.
 */
async function influxDbOptions(
  settings: Extract<TelemetryStoreSettings, { kind: "influxdb" }>,
  config: TelemetryClientConfig,
): Promise<InfluxDbOptions> {
  const secret = await new SecretsManagerClient(config).send(
    new GetSecretValueCommand({ SecretId: settings.tokenSecretArn }),
  );
  if (!secret.SecretString) {
    throw new TelemetryStoreError(
      `the InfluxDB token secret ${settings.tokenSecretArn} holds no SecretString`,
      { operation: "GetSecretValue" },
    );
  }
  return {
    url: settings.url,
    token: secret.SecretString,
    organization: settings.organization,
    bucket: settings.bucket,
  };
}
