import { DescribeEndpointCommand } from "@aws-sdk/client-iot";
import { IoTDataPlaneClient } from "@aws-sdk/client-iot-data-plane";
import { createIotClient } from "@fleet/core/adapters/aws";
import type { Target } from "../commands/target-options.ts";
import { CliError } from "../errors.ts";
import type { LedCommander } from "./led-commander.ts";
import { SandboxClient } from "./sandbox-client.ts";
import { stageClientConfig } from "./stage-client-config.ts";
import { StageLedCommander } from "./stage-led-commander.ts";

/** The sandbox's API (which waits for the reply), or the stage's IoT data endpoint. */
export async function ledCommanderFor(target: Target): Promise<LedCommander> {
  if (target.kind === "sandbox") return SandboxClient.connect(target.stateDir);
  const config = stageClientConfig(target.stage);
  // The data plane lives on the account's own ATS endpoint, which only the control plane knows.
  const { endpointAddress } = await createIotClient(config).send(
    new DescribeEndpointCommand({ endpointType: "iot:Data-ATS" }),
  );
  if (!endpointAddress) {
    throw new CliError(`stage ${target.stage}: IoT returned no iot:Data-ATS endpoint`);
  }
  return new StageLedCommander({
    dataPlane: new IoTDataPlaneClient({ ...config, endpoint: `https://${endpointAddress}` }),
  });
}
