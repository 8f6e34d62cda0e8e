import { X509Certificate } from "node:crypto";
import { isUsableCertificate } from "../domain/usable-certificate.ts";
import type { RegisteredCertificate } from "../ports/device-registry.ts";

/** A certificate a device can connect with, and when it stops being one. */
export interface UsableCertificate {
  certificateId: string;
  notAfter: Date;
}

/** The certificates a device can still connect with (`isUsableCertificate`), read from their PEMs. */
export function usableCertificates(
  certificates: readonly RegisteredCertificate[],
  now: Date,
): UsableCertificate[] {
  return certificates.flatMap((certificate) => {
    const notAfter = notAfterOf(certificate.certificatePem);
    if (!isUsableCertificate({ status: certificate.status, notAfter }, now)) return [];
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
