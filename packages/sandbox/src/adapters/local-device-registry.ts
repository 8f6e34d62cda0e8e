import type { DeviceRegistry, RegisteredCertificate, RegisteredDevice } from "@fleet/core";
import { SERIAL_ATTRIBUTE } from "@fleet/core/contracts";
import { ResourceAlreadyExistsError, ResourceNotFoundError } from "../errors.ts";
import type { IotRegistry } from "../iot-core/registry.ts";
import { DEVICE_POLICY_NAME } from "../iot-core/sandbox-scope.ts";

/**
 * The `DeviceRegistry` port over the sandbox's IoT registry, limited to the things of one thing
 * group (the stage's fleet). Like the AWS adapter, every removal tolerates what is already
 * gone, so a reconcile that stopped half-way can run again.
 */
export class LocalDeviceRegistry implements DeviceRegistry {
  readonly #registry: IotRegistry;
  readonly #thingGroupName: string;
  readonly #devicePolicyName: string;

  /** `devicePolicyName`: the policy `attachPolicy` attaches; the sandbox's device policy by default. */
  constructor(
    registry: IotRegistry,
    thingGroupName: string,
    options: { devicePolicyName?: string } = {},
  ) {
    this.#registry = registry;
    this.#thingGroupName = thingGroupName;
    this.#devicePolicyName = options.devicePolicyName ?? DEVICE_POLICY_NAME;
  }

  async *listDevices(): AsyncIterable<RegisteredDevice> {
    if (this.#registry.findThingGroup(this.#thingGroupName) === undefined) return;
    for (const thingName of this.#registry.listThingsInThingGroup(this.#thingGroupName)) {
      const thing = this.#registry.findThing(thingName);
      if (thing === undefined) continue;
      yield { thingName, serial: thing.attributes[SERIAL_ATTRIBUTE] ?? thingName };
    }
  }

  async listCertificates(thingName: string): Promise<RegisteredCertificate[]> {
    if (this.#registry.findThing(thingName) === undefined) return [];
    return this.#registry.listThingPrincipals(thingName).flatMap((certificateId) => {
      const certificate = this.#registry.findCertificate(certificateId);
      return certificate === undefined
        ? []
        : [
            {
              certificateId,
              status: certificate.status,
              certificatePem: certificate.certificatePem,
            },
          ];
    });
  }

  async revokeCertificate(certificateId: string): Promise<void> {
    const certificate = this.#registry.findCertificate(certificateId);
    if (certificate === undefined || certificate.status === "REVOKED") return;
    // INACTIVE first, as the AWS adapter does: sessions end at the first step already.
    if (certificate.status !== "INACTIVE") {
      await this.#registry.updateCertificate(certificateId, "INACTIVE");
    }
    await this.#registry.updateCertificate(certificateId, "REVOKED");
  }

  async detachPolicies(certificateId: string): Promise<void> {
    if (this.#registry.findCertificate(certificateId) === undefined) return;
    for (const policy of this.#registry.listAttachedPolicies(certificateId)) {
      await tolerateNotFound(() => this.#registry.detachPolicy(policy.policyName, certificateId));
    }
  }

  async detachThingPrincipal(thingName: string, certificateId: string): Promise<void> {
    await tolerateNotFound(() => this.#registry.detachThingPrincipal(thingName, certificateId));
  }

  async deleteCertificate(certificateId: string): Promise<void> {
    await tolerateNotFound(() => this.#registry.deleteCertificate(certificateId));
  }

  async deleteThing(thingName: string): Promise<void> {
    await this.#registry.deleteThing(thingName);
  }

  async registerCertificate(certificatePem: string): Promise<{ certificateId: string }> {
    try {
      const record = await this.#registry.registerCertificate({ certificatePem, status: "ACTIVE" });
      return { certificateId: record.certificateId };
    } catch (error) {
      // A retried registration returns the id the first one made (AWS names it in the error too).
      if (error instanceof ResourceAlreadyExistsError) return { certificateId: error.resourceId };
      throw error;
    }
  }

  async attachPolicy(certificateId: string): Promise<void> {
    await this.#registry.attachPolicy(this.#devicePolicyName, certificateId);
  }

  async attachThingPrincipal(thingName: string, certificateId: string): Promise<void> {
    await this.#registry.attachThingPrincipal(thingName, certificateId);
  }

  async thingOfCertificate(certificateId: string): Promise<string | null> {
    if (this.#registry.findCertificate(certificateId) === undefined) return null;
    return this.#registry.listPrincipalThings(certificateId)[0] ?? null;
  }
}

async function tolerateNotFound(action: () => Promise<void>): Promise<void> {
  try {
    await action();
  } catch (error) {
    if (!(error instanceof ResourceNotFoundError)) throw error;
  }
}
