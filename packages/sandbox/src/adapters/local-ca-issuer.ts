import {
  CertificateIssueError,
  type CertificateIssuer,
  type IssueCertificateRequest,
  type IssuedCertificate,
} from "@fleet/core";
import { InvalidCsrError, InvalidRequestError, UnsupportedKeyError } from "../errors.ts";
import { csrCommonName } from "../local-ca/csr.ts";
import type { LocalCa } from "../local-ca/local-ca.ts";

/**
 * The `CertificateIssuer` port over the sandbox CA: the local stand-in for ACM Private CA
 * IssueCertificate. The certificate takes the CSR's subject CN and the requested validity,
 * cut short at the CA's own expiry as ACM PCA refuses to outlive its CA.
 */
export class LocalCaIssuer implements CertificateIssuer {
  readonly #ca: LocalCa;
  readonly #now: () => number;

  /** `now`: the clock validity starts from. Default Date.now. */
  constructor(ca: LocalCa, options: { now?: () => number } = {}) {
    this.#ca = ca;
    this.#now = options.now ?? Date.now;
  }

  async issue({ csrPem, validityMs }: IssueCertificateRequest): Promise<IssuedCertificate> {
    try {
      const commonName = csrCommonName(csrPem);
      if (commonName === undefined) {
        throw new InvalidCsrError("its subject has no common name");
      }
      const notAfter = new Date(Math.min(this.#now() + validityMs, this.#ca.notAfter.getTime()));
      const issued = await this.#ca.issueCertificate(
        { csrPem },
        { commonName, validity: { notAfter } },
      );
      return { certificatePem: issued.certificatePem, serialNumber: issued.serialNumber };
    } catch (error) {
      // The device's fault: a request the CA refuses, as ACM PCA's MalformedCSRException.
      const invalid =
        error instanceof InvalidCsrError ||
        error instanceof UnsupportedKeyError ||
        (error instanceof InvalidRequestError && error.field === "commonName");
      throw new CertificateIssueError(
        error instanceof Error ? error.message : "the CA did not issue",
        { reason: invalid ? "invalid-csr" : "failed", cause: error },
      );
    }
  }
}
