import { AllowListCache, createListFleetDevices, type FleetInventory } from "@fleet/core";
import {
  createDynamoDbClient,
  createIotClient,
  DynamoDbDeviceLedger,
  IotFleetInventory,
} from "@fleet/core/adapters/aws";
import { stageResourceNames } from "@fleet/core/contracts";
import type { Target } from "../commands/target-options.ts";
import { SandboxClient } from "./sandbox-client.ts";
import { stageAllowListStore } from "./stage-allow-list-store.ts";
import { stageClientConfig } from "./stage-client-config.ts";

/**
 * The fleet as the target sees it: the sandbox's API, or the stage's own AWS account, where
 * things come from fleet indexing, pending serials from the allow-list and refusals from the
 * device ledger, merged by the same use case the sandbox runs.
 */
export async function fleetInventoryFor(target: Target): Promise<FleetInventory> {
  if (target.kind === "sandbox") return SandboxClient.connect(target.stateDir);
  const names = stageResourceNames(target.stage);
  const config = stageClientConfig(target.stage);
  const { store } = await stageAllowListStore(target.stage);
  const listDevices = createListFleetDevices({
    inventory: new IotFleetInventory({
      iot: createIotClient(config),
      thingGroupName: names.thingGroupName,
    }),
    allowList: new AllowListCache({ store }),
    ledger: new DynamoDbDeviceLedger({
      dynamo: createDynamoDbClient(config),
      tableName: names.deviceLedgerTableName,
    }),
  });
  return { listDevices };
}
