import { GetParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import type { TelemetryReader } from "@fleet/core";
import { openTelemetryReader } from "@fleet/core/adapters/aws";
import { stageResourceNames, TelemetryStoreSettingsSchema } from "@fleet/core/contracts";
import type { Target } from "../commands/target-options.ts";
import { CliError } from "../errors.ts";
import { SandboxClient } from "./sandbox-client.ts";
import { stageClientConfig } from "./stage-client-config.ts";

/** Reads telemetry from the sandbox's store, or from the store the stage publishes in SSM. */
export async function telemetryReaderFor(target: Target): Promise<TelemetryReader> {
  if (target.kind === "sandbox") return SandboxClient.connect(target.stateDir);
  const config = stageClientConfig(target.stage);
  const parameter = stageResourceNames(target.stage).telemetryStoreParameter;
  let text: string | undefined;
  try {
    const reply = await new SSMClient(config).send(new GetParameterCommand({ Name: parameter }));
    text = reply.Parameter?.Value;
  } catch (error) {
    if ((error as { name?: string }).name !== "ParameterNotFound") throw error;
  }
  if (!text) {
    throw new CliError(
      `stage ${target.stage} publishes no telemetry store (SSM parameter ${parameter} not found): deploy it with \`npx sst deploy --stage ${target.stage}\``,
    );
  }
  return openTelemetryReader(TelemetryStoreSettingsSchema.parse(JSON.parse(text)), config);
}
