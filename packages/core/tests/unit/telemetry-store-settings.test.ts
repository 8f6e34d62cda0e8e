import { describe, expect, it } from "vitest";
import {
  TelemetryStoreEnvSchema,
  type TelemetryStoreSettings,
  telemetryStoreSettingsFromEnv,
  telemetryStoreVariables,
} from "../../src/contracts/index.ts";

const INFLUXDB: TelemetryStoreSettings = {
  kind: "influxdb",
  url: "https://c5vasdqn0b-3ksj4dla5nfjhi.timestream-influxdb.eu-west-1.on.aws:8086",
  organization: "fleet",
  bucket: "telemetry",
  tokenSecretArn: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:fleet-influxdb-AbCdEf",
};
const STORES: TelemetryStoreSettings[] = [
  { kind: "timestream", database: "fleet-dev", table: "telemetry" },
  INFLUXDB,
];

describe("the ingest function's telemetry store variables", () => {
  it.each(STORES)("name the $kind store the function reads back", (settings) => {
    const env = TelemetryStoreEnvSchema.parse(telemetryStoreVariables(settings));
    expect(telemetryStoreSettingsFromEnv(env)).toEqual(settings);
  });

  it("refuses an InfluxDB endpoint that is not HTTPS, naming the variable", () => {
    const variables = telemetryStoreVariables({ ...INFLUXDB, url: "http://influx.internal:8086" });
    const result = TelemetryStoreEnvSchema.safeParse(variables);
    expect(result.error?.issues.map((issue) => issue.path)).toEqual([["INFLUXDB_URL"]]);
  });
});
