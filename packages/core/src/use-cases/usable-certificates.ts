import { X509Certificate } from "node:crypto";
import type { RegisteredCertificate } from "../ports/device-registry.ts";

/** A certificate a device can connect with, and when it stops being one. */
export interface UsableCertificate {
  certificateId: string;
  notAfter: Date;
}

/**
 * The certificates a device can still connect with: ACTIVE and not expired at `now`. A PEM that
 * does not parse counts as usable: a certificate of unknown validity must not let anyone
 * register the thing again.
 */
export function usableCertificates(
  certificates: readonly RegisteredCertificate[],
  now: Date,
): UsableCertificate[] {
  return certificates.flatMap((certificate) => {
    if (certificate.status !== "ACTIVE") return [];
    const notAfter = notAfterOf(certificate.certificatePem);
    if (notAfter !== null && notAfter.getTime() <= now.getTime()) return [];
    return [{ certificateId: certificate.certificateId, notAfter: notAfter ?? new Date(8.64e15) }];
  });
}

function notAfterOf(certificatePem: string): Date | null {
  try {
    return new Date(new X509Certificate(certificatePem).validTo);
  } catch {
    return null;
  }
}
