import { GetParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import type { TelemetryReader } from "@fleet/core";
import { openTelemetryReader } from "@fleet/core/adapters/aws";
import { stageResourceNames, TelemetryStoreSettingsSchema } from "@fleet/core/contracts";
import { CliError } from "../errors.ts";
import { stageClientConfig } from "./stage-client-config.ts";

/** Reads telemetry from the store the stage publishes in SSM (Timestream or InfluxDB). */
export async function stageTelemetryReader(stage: string): Promise<TelemetryReader> {
  const config = stageClientConfig(stage);
  const parameter = stageResourceNames(stage).telemetryStoreParameter;
  let text: string | undefined;
  try {
    const reply = await new SSMClient(config).send(new GetParameterCommand({ Name: parameter }));
    text = reply.Parameter?.Value;
  } catch (error) {
    if ((error as { name?: string }).name !== "ParameterNotFound") throw error;
  }
  if (!text) {
    throw new CliError(
      `stage ${stage} publishes no telemetry store (SSM parameter ${parameter} not found): deploy it with \`npx sst deploy --stage ${stage}\``,
    );
  }
  return openTelemetryReader(TelemetryStoreSettingsSchema.parse(JSON.parse(text)), config);
}
