import { deriveDeviceView, type FleetInventory } from "@fleet/core";
import { type DeviceView, SERIAL_ATTRIBUTE } from "@fleet/core/contracts";
import type { IotRegistry } from "./iot-core/registry.ts";
import type { Sessions } from "./iot-core/sessions.ts";

/**
 * The sandbox's side of the `FleetInventory` port: the registry's things and certificates and
 * the broker's live sessions, mapped to device views by the same rule a deployed stage uses.
 */
export class LocalFleetInventory implements FleetInventory {
  readonly #registry: IotRegistry;
  readonly #sessions: Sessions;

  constructor(deps: { registry: IotRegistry; sessions: Sessions }) {
    this.#registry = deps.registry;
    this.#sessions = deps.sessions;
  }

  async listDevices(): Promise<DeviceView[]> {
    return this.#registry
      .listThings()
      .map((thing) =>
        deriveDeviceView({
          serial: thing.attributes[SERIAL_ATTRIBUTE] ?? thing.thingName,
          thingName: thing.thingName,
          connected: this.#sessions.has(thing.thingName),
          apps: {},
          certificates: this.#registry.listThingPrincipals(thing.thingName).map((id) => {
            const certificate = this.#registry.describeCertificate(id);
            return {
              certificateId: certificate.certificateId,
              status: certificate.status,
              notAfter: new Date(certificate.notAfter),
              createdAt: new Date(certificate.createdAt),
            };
          }),
        }),
      )
      .sort((a, b) => a.serial.localeCompare(b.serial));
  }
}
