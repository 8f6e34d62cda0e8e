import type { createStartRotation, FleetInventory, RotationStore } from "@fleet/core";
import { thingNameFromSerial } from "@fleet/core/contracts";
import {
  devicesExpiringWithin,
  type RotationRequest,
  type RotationService,
  type RotationStartResult,
} from "./rotation-service.ts";

export interface StageRotationsOptions {
  rotations: RotationStore;
  /** The stage's things with their active certificate (for `expiringWithinMs`). */
  inventory: FleetInventory;
  startRotation: ReturnType<typeof createStartRotation>;
  clock?: () => Date;
}

/**
 * Rotations of a deployed stage, started from the operator's machine with the same use case
 * the stage's audit handler runs; the stage's functions then carry them out with the device.
 */
export class StageRotations implements RotationService {
  readonly #options: StageRotationsOptions;

  constructor(options: StageRotationsOptions) {
    this.#options = options;
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
