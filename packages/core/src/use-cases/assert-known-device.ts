import { closestMatches } from "../domain/closest-matches.ts";
import type { FleetInventory } from "../ports/fleet-inventory.ts";
import { UnknownDeviceError } from "../telemetry/telemetry-errors.ts";

/**
 * Resolves when `thing` is a device of the fleet (its thing, or the serial of one without a
 * thing yet); throws UnknownDeviceError naming the fleet's nearest names otherwise.
 */
export async function assertKnownDevice(inventory: FleetInventory, thing: string): Promise<void> {
  const names = (await inventory.listDevices()).map((d) => d.thingName ?? d.serial);
  if (!names.includes(thing)) throw new UnknownDeviceError(thing, closestMatches(thing, names));
}
