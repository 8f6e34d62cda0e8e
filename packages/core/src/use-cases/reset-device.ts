import { thingNameFromSerial } from "../contracts/identity.ts";
import type { CertificateRevoker } from "../ports/certificate-revoker.ts";
import type { DeviceRegistry } from "../ports/device-registry.ts";
import { silentLogger, type UseCaseLogger } from "./logger.ts";

export interface ResetDeviceDeps {
  registry: Pick<DeviceRegistry, "listCertificates" | "revokeCertificate">;
  /** The stage's private CA (the sandbox's CA); absent where AWS IoT signs certificates. */
  revoker?: CertificateRevoker;
  logger?: UseCaseLogger;
}

export interface DeviceReset {
  serial: string;
  thingName: string;
  /** The certificates this reset revoked (those already REVOKED are left out). */
  revoked: string[];
}

/**
 * `fleet devices reset SERIAL`: the operator's way to let a device provision again by claim
 * (a board replaced, its storage wiped) while its thing still holds a usable certificate,
 * which the pre-provisioning hook would otherwise refuse. Idempotent.
 * 1. List the thing's certificates (a serial without a thing has none: nothing to do).
 * 2. For each not yet REVOKED: revoke it at the private CA when that CA issued it, then in the
 *    registry (INACTIVE, which ends live sessions, then REVOKED). The CA goes first, so a run
 *    cut short between the two leaves the certificate un-REVOKED and the next run does both.
 * The thing stays: the device's next RegisterThing reuses it, with its groups and attributes.
 */
export function createResetDevice(deps: ResetDeviceDeps): (serial: string) => Promise<DeviceReset> {
  const logger = deps.logger ?? silentLogger;
  return async (serial) => {
    const thingName = thingNameFromSerial(serial);
    const revoked: string[] = [];
    for (const certificate of await deps.registry.listCertificates(thingName)) {
      if (certificate.status === "REVOKED") continue;
      await deps.revoker?.revokeIfIssued(certificate.certificatePem);
      await deps.registry.revokeCertificate(certificate.certificateId);
      revoked.push(certificate.certificateId);
    }
    logger.info({ serial, thingName, revoked }, "device reset");
    return { serial, thingName, revoked };
  };
}
