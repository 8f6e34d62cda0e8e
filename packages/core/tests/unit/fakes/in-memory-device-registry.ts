import { createHash } from "node:crypto";
import type { CertificateStatus } from "../../../src/contracts/certificate-status.ts";
import type {
  DeviceRegistry,
  RegisteredCertificate,
  RegisteredDevice,
} from "../../../src/ports/index.ts";
import type {
  CertificateState,
  DeviceRegistrySubject,
  SeedDevice,
  SeededDevice,
} from "../../port-suites/index.ts";
import { Faults } from "./faults.ts";

interface CertificateRecord {
  status: CertificateStatus;
  certificatePem: string;
  policies: Set<string>;
  things: Set<string>;
}

/**
 * A registry with AWS IoT's rules where they constrain the order of a removal: an ACTIVE or
 * still attached certificate cannot be deleted, a thing with principals cannot be deleted, a
 * REVOKED certificate cannot change status. Every call is logged, and `faults` makes any fail.
 */
export class InMemoryDeviceRegistry implements DeviceRegistry {
  readonly faults = new Faults();
  /** `operation argument` of each call, in order. */
  readonly calls: string[] = [];
  /** The policy `attachPolicy` attaches. */
  readonly devicePolicyName = "fleet-test-device";
  readonly #things = new Map<string, { serial: string; inFleetGroup: boolean }>();
  readonly #certificates = new Map<string, CertificateRecord>();
  #nextId = 1;

  seed(...devices: SeedDevice[]): SeededDevice[] {
    return devices.map((device) => {
      this.#things.set(device.thingName, {
        serial: device.serial,
        inFleetGroup: device.inFleetGroup ?? true,
      });
      const certificates = (device.certificates ?? []).map((seed) => {
        const certificateId = (this.#nextId++).toString(16).padStart(64, "0");
        const certificatePem = `-----BEGIN CERTIFICATE-----\n${certificateId}\n-----END CERTIFICATE-----\n`;
        this.#certificates.set(certificateId, {
          status: seed.status ?? "ACTIVE",
          certificatePem,
          policies: new Set(seed.policies ?? []),
          things: new Set([device.thingName]),
        });
        return { certificateId, certificatePem };
      });
      return { thingName: device.thingName, serial: device.serial, certificates };
    });
  }

  certificate(certificateId: string): CertificateState | null {
    const record = this.#certificates.get(certificateId);
    if (record === undefined) return null;
    return { status: record.status, policies: [...record.policies], things: [...record.things] };
  }

  thingExists(thingName: string): boolean {
    return this.#things.has(thingName);
  }

  async *listDevices(): AsyncIterable<RegisteredDevice> {
    this.#enter("listDevices");
    for (const [thingName, { serial, inFleetGroup }] of [...this.#things]) {
      if (inFleetGroup) yield { thingName, serial };
    }
  }

  async listCertificates(thingName: string): Promise<RegisteredCertificate[]> {
    this.#enter("listCertificates", thingName);
    return [...this.#certificates]
      .filter(([, record]) => record.things.has(thingName))
      .map(([certificateId, { status, certificatePem }]) => ({
        certificateId,
        status,
        certificatePem,
      }));
  }

  async revokeCertificate(certificateId: string): Promise<void> {
    this.#enter("revokeCertificate", certificateId);
    const record = this.#certificates.get(certificateId);
    if (record !== undefined) record.status = "REVOKED";
  }

  async detachPolicies(certificateId: string): Promise<void> {
    this.#enter("detachPolicies", certificateId);
    this.#certificates.get(certificateId)?.policies.clear();
  }

  async detachThingPrincipal(thingName: string, certificateId: string): Promise<void> {
    this.#enter("detachThingPrincipal", certificateId);
    this.#certificates.get(certificateId)?.things.delete(thingName);
  }

  async deleteCertificate(certificateId: string): Promise<void> {
    this.#enter("deleteCertificate", certificateId);
    const record = this.#certificates.get(certificateId);
    if (record === undefined) return;
    if (record.status === "ACTIVE" || record.policies.size > 0 || record.things.size > 0) {
      throw Object.assign(new Error(`certificate ${certificateId} is active or attached`), {
        name: "CertificateStateException",
      });
    }
    this.#certificates.delete(certificateId);
  }

  async deleteThing(thingName: string): Promise<void> {
    this.#enter("deleteThing", thingName);
    if ([...this.#certificates.values()].some((record) => record.things.has(thingName))) {
      throw Object.assign(new Error(`thing ${thingName} still has principals`), {
        name: "InvalidRequestException",
      });
    }
    this.#things.delete(thingName);
  }

  async registerCertificate(certificatePem: string): Promise<{ certificateId: string }> {
    this.#enter("registerCertificate");
    const certificateId = createHash("sha256").update(certificatePem).digest("hex");
    if (!this.#certificates.has(certificateId)) {
      this.#certificates.set(certificateId, {
        status: "ACTIVE",
        certificatePem,
        policies: new Set(),
        things: new Set(),
      });
    }
    return { certificateId };
  }

  async attachPolicy(certificateId: string): Promise<void> {
    this.#enter("attachPolicy", certificateId);
    this.#existing(certificateId).policies.add(this.devicePolicyName);
  }

  async attachThingPrincipal(thingName: string, certificateId: string): Promise<void> {
    this.#enter("attachThingPrincipal", certificateId);
    if (!this.#things.has(thingName)) throw notFound(`thing ${thingName}`);
    this.#existing(certificateId).things.add(thingName);
  }

  async thingOfCertificate(certificateId: string): Promise<string | null> {
    this.#enter("thingOfCertificate", certificateId);
    const [thingName] = this.#certificates.get(certificateId)?.things ?? [];
    return thingName ?? null;
  }

  #existing(certificateId: string): CertificateRecord {
    const record = this.#certificates.get(certificateId);
    if (record === undefined) throw notFound(`certificate ${certificateId}`);
    return record;
  }

  #enter(operation: string, argument?: string): void {
    this.calls.push(argument === undefined ? operation : `${operation} ${argument}`);
    this.faults.check(operation, argument);
  }
}

function notFound(what: string): Error {
  return Object.assign(new Error(`${what} does not exist`), { name: "ResourceNotFoundException" });
}

/** The fake as a port-suite subject. */
export function inMemoryDeviceRegistrySubject(): DeviceRegistrySubject {
  const registry = new InMemoryDeviceRegistry();
  return {
    registry,
    seed: async (...devices) => registry.seed(...devices),
    certificate: async (certificateId) => registry.certificate(certificateId),
    thingExists: async (thingName) => registry.thingExists(thingName),
  };
}
