import { closestMatches } from "../domain/closest-matches.ts";
import type { FleetInventory } from "../ports/fleet-inventory.ts";
import { UnknownDeviceError } from "../telemetry/telemetry-errors.ts";

/**
 * Resolves when `thing` names a device of the fleet (its thing name or its serial); throws
 * UnknownDeviceError naming the fleet's nearest names otherwise.
 */
export async function assertKnownDevice(inventory: FleetInventory, thing: string): Promise<void> {
  const names = (await inventory.listDevices()).flatMap((d) =>
    d.thingName === null ? [d.serial] : [d.serial, d.thingName],
  );
  if (!names.includes(thing)) throw new UnknownDeviceError(thing, closestMatches(thing, names));
}
