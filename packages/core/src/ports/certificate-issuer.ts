export interface IssueCertificateRequest {
  csrPem: string;
  /** How long the certificate is valid, from now. */
  validityMs: number;
}

export interface IssuedCertificate {
  certificatePem: string;
  /** The serial number as the CA prints it (hex). */
  serialNumber: string;
}

/** The private CA that signs device certificates (ACM Private CA, or the sandbox's CA). */
export interface CertificateIssuer {
  /**
   * Signs the CSR's public key and subject. Throws `CertificateIssueError`, with reason
   * `invalid-csr` when the CA refuses the CSR itself.
   */
  issue(request: IssueCertificateRequest): Promise<IssuedCertificate>;
}
