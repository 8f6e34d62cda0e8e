import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { DASHBOARDS_DIR } from "./dashboard-files.ts";
import type { TimestreamSettings } from "./timestream-macros.ts";

/** A stage's Grafana environment, as the provisioning files' comments describe it. */
export const STAGE_ENVIRONMENT: Record<string, string> = {
  AWS_REGION: "eu-west-1",
  FLEET_TIMESTREAM_DATABASE: "fleet-dev",
  FLEET_INFLUXDB_BUCKET: "telemetry",
};

/** Grafana replaces `$VAR` and `${VAR}` in provisioning values with the environment's. */
function withEnvironment(value: unknown, environment: Record<string, string>): string {
  return String(value ?? "").replace(
    /\$\{?(\w+)\}?/g,
    (text, name: string) => environment[name] ?? text,
  );
}

/** The Timestream data source's defaults as Grafana holds them once provisioned. */
export function provisionedTimestreamSettings(
  environment: Record<string, string> = STAGE_ENVIRONMENT,
): TimestreamSettings {
  const file = join(DASHBOARDS_DIR, "provisioning", "datasources", "timestream.yaml");
  const { datasources } = parse(readFileSync(file, "utf8")) as {
    datasources: { jsonData: Record<string, unknown> }[];
  };
  const jsonData = datasources[0]?.jsonData ?? {};
  return {
    database: withEnvironment(jsonData.defaultDatabase, environment),
    table: withEnvironment(jsonData.defaultTable, environment),
  };
}
