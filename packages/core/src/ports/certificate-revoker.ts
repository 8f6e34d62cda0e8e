/**
 * The private CA that issued device certificates (ACM Private CA, or the sandbox's CA).
 * Revoking there puts the certificate on the CA's revocation list, beyond AWS IoT's own status.
 */
export interface CertificateRevoker {
  /**
   * Revokes the certificate at the CA when this CA issued it; returns false (and does nothing)
   * for a certificate another issuer signed (e.g. AWS IoT itself). Idempotent.
   */
  revokeIfIssued(certificatePem: string): Promise<boolean>;
}
