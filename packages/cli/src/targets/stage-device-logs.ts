import { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import { createReadDeviceLogs, type ReadDeviceLogs } from "@fleet/core";
import { CloudWatchDeviceLogEvents } from "@fleet/core/adapters/aws";
import { stageDeviceLogNames } from "@fleet/core/contracts";
import { CliError } from "../errors.ts";
import type { StageClientConfig } from "./stage-client-config.ts";

/**
 * A stage's device log lines, read from its device-logs group by the use case the sandbox runs.
 * The client is configured as every stage client is (`stageClientConfig`: region, profile).
 */
export function stageDeviceLogs(stage: string, config: StageClientConfig): ReadDeviceLogs {
  const { logGroupName } = stageDeviceLogNames(stage);
  const logs = new CloudWatchLogsClient(config);
  const read = createReadDeviceLogs({
    events: new CloudWatchDeviceLogEvents({ logs, logGroupName }),
  });
  return (query) =>
    read(query).catch((error: unknown) => {
      if ((error as { name?: string }).name !== "ResourceNotFoundException") throw error;
      throw new CliError(
        `stage ${stage} has no device log group ${logGroupName}: deploy it with \`npx sst deploy --stage ${stage}\``,
      );
    });
}
