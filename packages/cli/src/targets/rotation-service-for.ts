import { SSMClient } from "@aws-sdk/client-ssm";
import { createStartRotation } from "@fleet/core";
import {
  createDynamoDbClient,
  createIotClient,
  DynamoDbRotationStore,
  IotDeviceRegistry,
  IotFleetInventory,
  IotJobStarter,
} from "@fleet/core/adapters/aws";
import { stageResourceNames } from "@fleet/core/contracts";
import type { Target } from "../commands/target-options.ts";
import type { RotationService } from "./rotation-service.ts";
import { SandboxClient } from "./sandbox-client.ts";
import { stageClientConfig } from "./stage-client-config.ts";
import { readStageParameter } from "./stage-parameter.ts";
import { StageRotations } from "./stage-rotations.ts";

export interface StageRotationSettings {
  /**
   * How long a device has to commit before the stage's sweeper abandons the rotation.
   * Default one hour (the IoT job's in-progress timeout).
   */
  deadlineMs?: number;
}

const DEFAULT_STAGE_DEADLINE_MS = 60 * 60 * 1_000;

/** The sandbox's API (which applies its own deadline), or the stage's table, registry and jobs. */
export async function rotationServiceFor(
  target: Target,
  settings: StageRotationSettings = {},
): Promise<RotationService> {
  if (target.kind === "sandbox") return SandboxClient.connect(target.stateDir);
  const names = stageResourceNames(target.stage);
  const config = stageClientConfig(target.stage);
  const iot = createIotClient(config);
  // The template's id changes with its content (stacks/job-template.ts): the stage publishes it.
  const jobTemplateId = await readStageParameter(
    new SSMClient(config),
    target.stage,
    names.rotationJobTemplateParameter,
    "rotation job template",
  );
  const rotations = new DynamoDbRotationStore({
    dynamo: createDynamoDbClient(config),
    tableName: names.rotationTableName,
  });
  return new StageRotations({
    rotations,
    inventory: new IotFleetInventory({ iot, thingGroupName: names.thingGroupName }),
    startRotation: createStartRotation({
      rotations,
      registry: new IotDeviceRegistry({
        iot,
        thingGroupName: names.thingGroupName,
        devicePolicyName: names.devicePolicyName,
      }),
      jobs: new IotJobStarter({ iot, jobTemplateId }),
      clock: () => new Date(),
      deadlineMs: settings.deadlineMs ?? DEFAULT_STAGE_DEADLINE_MS,
    }),
  });
}
