import type { FleetInventory } from "@fleet/core";
import { createIotClient, IotFleetInventory } from "@fleet/core/adapters/aws";
import { stageAwsProfile, stageResourceNames } from "@fleet/core/contracts";
import type { Target } from "../commands/target-options.ts";
import { SandboxClient } from "./sandbox-client.ts";

/**
 * The fleet as the target sees it. A stage is read from its own AWS account: credentials from
 * the environment when set, else `AWS_PROFILE`, else the stage's profile (`fleet-<stage>`) —
 * the same rule `sst.config.ts` deploys with.
 */
export async function fleetInventoryFor(target: Target): Promise<FleetInventory> {
  if (target.kind === "sandbox") return SandboxClient.connect(target.stateDir);
  const names = stageResourceNames(target.stage);
  const iot = createIotClient(
    process.env.AWS_ACCESS_KEY_ID
      ? {}
      : { profile: process.env.AWS_PROFILE ?? stageAwsProfile(target.stage) },
  );
  return new IotFleetInventory({ iot, thingGroupName: names.thingGroupName });
}
