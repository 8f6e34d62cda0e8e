import { X509Certificate } from "node:crypto";
import type { DeviceRegistry, RotationRecord } from "@fleet/core";
import type { Logger } from "pino";

export interface StartExpiringRotationsDeps {
  /** Every thing of the registry: an audit covers the account, not one thing group. */
  thingNames(): Iterable<string>;
  registry: Pick<DeviceRegistry, "listCertificates" | "activeCertificateId">;
  /** `createStartRotation(...)`: idempotent, so a device already rotating is not restarted. */
  startRotation(thingName: string): Promise<RotationRecord>;
  clock: () => Date;
  logger: Logger;
}

/**
 * The sandbox's Device Defender audit (DEVICE_CERTIFICATE_EXPIRING_CHECK) and its follow-up in
 * one: every thing whose certificate in use (the one a rotation would replace)
 * expires within `withinMs` gets a rotation. Returns the rotations of those devices, already
 * running ones included; a device that fails is logged and the others go on.
 */
export function createStartExpiringRotations(deps: StartExpiringRotationsDeps) {
  const { thingNames, registry, startRotation, clock, logger } = deps;

  return async function startExpiringRotations(withinMs: number): Promise<RotationRecord[]> {
    const horizon = clock().getTime() + withinMs;
    const rotations: RotationRecord[] = [];
    for (const thingName of [...thingNames()]) {
      try {
        const certificateId = await registry.activeCertificateId(thingName);
        if (certificateId === null) continue;
        const certificate = (await registry.listCertificates(thingName)).find(
          (candidate) => candidate.certificateId === certificateId,
        );
        if (certificate === undefined) continue;
        const notAfter = Date.parse(new X509Certificate(certificate.certificatePem).validTo);
        if (notAfter > horizon) continue;
        rotations.push(await startRotation(thingName));
      } catch (error) {
        logger.warn({ thingName, err: error }, "expiring certificate not rotated");
      }
    }
    return rotations;
  };
}
