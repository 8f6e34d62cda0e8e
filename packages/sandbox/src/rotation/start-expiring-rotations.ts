import { X509Certificate } from "node:crypto";
import type { DeviceRegistry, RotationRecord } from "@fleet/core";
import type { Logger } from "pino";

export interface StartExpiringRotationsDeps {
  /** Every thing of the registry: an audit covers the account, not one thing group. */
  thingNames(): Iterable<string>;
  registry: Pick<DeviceRegistry, "listCertificates">;
  /**
   * `createStartRotation(...)` of the certificate the audit flagged: idempotent, so a device
   * already rotating is not restarted.
   */
  startRotation(thingName: string, certificateId: string): Promise<RotationRecord>;
  /** The certificate the thing's live session connected with; undefined while offline. */
  connectedCertificateId(thingName: string): string | undefined;
  clock: () => Date;
  logger: Logger;
}

/**
 * The sandbox's Device Defender audit (DEVICE_CERTIFICATE_EXPIRING_CHECK) and its follow-up in
 * one: every thing with an ACTIVE certificate that expires within `withinMs` gets a rotation
 * of that certificate (the one the audit names, never a guess such as the oldest ACTIVE one).
 * A connected thing is rotated only when the certificate it is connected with expires; one
 * offline gets its soonest expiring certificate rotated. Returns the rotations of those
 * devices, already running ones included; a device that fails is logged and the others go on.
 */
export function createStartExpiringRotations(deps: StartExpiringRotationsDeps) {
  const { thingNames, registry, startRotation, connectedCertificateId, clock, logger } = deps;

  return async function startExpiringRotations(withinMs: number): Promise<RotationRecord[]> {
    const now = clock().getTime();
    const horizon = now + withinMs;
    const rotations: RotationRecord[] = [];
    for (const thingName of [...thingNames()]) {
      try {
        const expiring = (await registry.listCertificates(thingName))
          .filter((certificate) => certificate.status === "ACTIVE")
          .map((certificate) => ({
            certificateId: certificate.certificateId,
            notAfter: Date.parse(new X509Certificate(certificate.certificatePem).validTo),
          }))
          // An expired one is left out: no device connects with it to rotate it; the device
          // provisions again by claim instead (and the hook retires it then).
          .filter((certificate) => certificate.notAfter > now && certificate.notAfter <= horizon)
          .sort((a, b) => a.notAfter - b.notAfter);
        const connected = connectedCertificateId(thingName);
        const chosen =
          connected === undefined
            ? expiring[0]
            : expiring.find((certificate) => certificate.certificateId === connected);
        if (chosen === undefined) continue;
        rotations.push(await startRotation(thingName, chosen.certificateId));
      } catch (error) {
        logger.warn({ thingName, err: error }, "expiring certificate not rotated");
      }
    }
    return rotations;
  };
}
