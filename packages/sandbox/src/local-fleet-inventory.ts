import { deriveDeviceView, type FleetInventory } from "@fleet/core";
import {
  DeviceReportedStateSchema,
  type DeviceView,
  SERIAL_ATTRIBUTE,
} from "@fleet/core/contracts";
import type { IotRegistry } from "./iot-core/registry.ts";
import type { Sessions } from "./iot-core/sessions.ts";
import type { ShadowStore } from "./shadow/shadow-store.ts";

/**
 * The sandbox's side of the `FleetInventory` port: the registry's things and certificates and
 * the broker's live sessions, mapped to device views by the same rule a deployed stage uses;
 * `apps` come from the classic shadow's `state.reported.apps` (none while it holds no valid map).
 */
export class LocalFleetInventory implements FleetInventory {
  readonly #registry: IotRegistry;
  readonly #sessions: Sessions;
  readonly #shadows: Pick<ShadowStore, "find"> | undefined;

  constructor(deps: {
    registry: IotRegistry;
    sessions: Sessions;
    shadows?: Pick<ShadowStore, "find">;
  }) {
    this.#registry = deps.registry;
    this.#sessions = deps.sessions;
    this.#shadows = deps.shadows;
  }

  async listDevices(): Promise<DeviceView[]> {
    return this.#registry
      .listThings()
      .map((thing) =>
        deriveDeviceView({
          serial: thing.attributes[SERIAL_ATTRIBUTE] ?? thing.thingName,
          thingName: thing.thingName,
          connected: this.#sessions.has(thing.thingName),
          apps: this.#apps(thing.thingName),
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

  #apps(thingName: string): Record<string, string> {
    const reported = this.#shadows?.find(thingName)?.state.reported?.apps;
    const parsed = DeviceReportedStateSchema.shape.apps.safeParse(reported);
    return parsed.success ? parsed.data : {};
  }
}
