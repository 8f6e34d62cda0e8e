import type { CertificateRevoker } from "../ports/certificate-revoker.ts";
import type { DeviceRegistry } from "../ports/device-registry.ts";

/**
 * Takes a certificate out of service for good: INACTIVE then REVOKED (live sessions end at
 * once), revoked at the CA when it issued it, detached from its policies and the thing, deleted.
 * Every step tolerates what is already done, so a retry finishes the job.
 */
export async function retireCertificate(
  deps: { registry: DeviceRegistry; revoker?: CertificateRevoker },
  thingName: string,
  certificateId: string,
): Promise<void> {
  const { registry, revoker } = deps;
  const certificate = (await registry.listCertificates(thingName)).find(
    (candidate) => candidate.certificateId === certificateId,
  );
  await registry.revokeCertificate(certificateId);
  if (revoker !== undefined && certificate !== undefined) {
    await revoker.revokeIfIssued(certificate.certificatePem);
  }
  await registry.detachPolicies(certificateId);
  await registry.detachThingPrincipal(thingName, certificateId);
  await registry.deleteCertificate(certificateId);
}
