import { SSMClient } from "@aws-sdk/client-ssm";
import { createStartRotation, type FleetInventory, type RotationStore } from "@fleet/core";
import {
  createDynamoDbClient,
  createIotClient,
  DynamoDbRotationStore,
  IotDeviceRegistry,
  IotFleetInventory,
  IotJobStarter,
} from "@fleet/core/adapters/aws";
import {
  type DeviceView,
  type RotationRequest,
  type RotationStartResult,
  stageResourceNames,
  thingNameFromSerial,
} from "@fleet/core/contracts";
import type { StageClientConfig } from "./stage-client-config.ts";
import { readStageParameter } from "./stage-parameter.ts";

export interface StageRotationsOptions {
  rotations: RotationStore;
  /** The stage's things with their active certificate (for `expiringWithinMs`). */
  inventory: FleetInventory;
  startRotation: ReturnType<typeof createStartRotation>;
  clock?: () => Date;
}

/** How long a device has to commit before the stage's sweeper abandons the rotation. */
const DEFAULT_STAGE_DEADLINE_MS = 60 * 60 * 1_000;

/**
 * Rotations of a deployed stage, started from the operator's machine with the same use case
 * the stage's audit handler runs; the stage's functions then carry them out with the device.
 */
export class StageRotations {
  readonly #options: StageRotationsOptions;

  constructor(options: StageRotationsOptions) {
    this.#options = options;
  }

  /**
   * The stage's rotation table, registry and jobs. `deadlineMs`: how long a device has to
   * commit; default one hour (the IoT job's in-progress timeout).
   */
  static async open(
    stage: string,
    config: StageClientConfig,
    settings: { deadlineMs?: number | undefined },
  ): Promise<StageRotations> {
    const names = stageResourceNames(stage);
    const iot = createIotClient(config);
    // The template's id changes with its content (stacks/job-template.ts): the stage publishes it.
    const jobTemplateId = await readStageParameter(
      new SSMClient(config),
      stage,
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

  listRotations() {
    return this.#options.rotations.list();
  }

  async startRotations(request: RotationRequest): Promise<RotationStartResult> {
    const { inventory, startRotation, clock = () => new Date() } = this.#options;
    if ("device" in request) {
      return { started: [await startRotation(thingNameFromSerial(request.device))], failures: [] };
    }
    const expiring = devicesExpiringWithin(
      await inventory.listDevices(),
      request.expiringWithinMs,
      clock(),
    );
    const result: RotationStartResult = { started: [], failures: [] };
    // One at a time: a fleet-wide rotation should not burst CreateJob calls.
    for (const device of expiring) {
      try {
        result.started.push(await startRotation(device.thingName ?? device.serial));
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        result.failures.push({ device: device.serial, message });
      }
    }
    return result;
  }
}

/** Provisioned devices whose active certificate ends within `withinMs` of `now`. */
function devicesExpiringWithin(
  devices: readonly DeviceView[],
  withinMs: number,
  now: Date,
): DeviceView[] {
  const limit = now.getTime() + withinMs;
  return devices.filter(
    (d) =>
      d.state === "provisioned" &&
      d.thingName !== null &&
      d.notAfter !== null &&
      Date.parse(d.notAfter) <= limit,
  );
}
