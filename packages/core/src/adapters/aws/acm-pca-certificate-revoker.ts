import { X509Certificate } from "node:crypto";
import { type ACMPCAClient, RevokeCertificateCommand } from "@aws-sdk/client-acm-pca";
import type { CertificateRevoker } from "../../ports/certificate-revoker.ts";
import { ACM_PCA_SERVICE, errorName, mapAwsError } from "./aws-errors.ts";

export interface AcmPcaCertificateRevokerOptions {
  /** Preferably from `createAcmPcaClient`, whose retry settings absorb throttling. */
  pca: ACMPCAClient;
  /** The private CA that issues the stage's device certificates. */
  certificateAuthorityArn: string;
  /** That CA's own certificate (PEM): decides which device certificates it issued. */
  caCertificatePem: string;
}

/**
 * Puts certificates the stage's ACM Private CA issued on its revocation list (CRL), reason
 * CESSATION_OF_OPERATION: the device left the fleet, its key is not known to be compromised.
 */
export class AcmPcaCertificateRevoker implements CertificateRevoker {
  readonly #pca: ACMPCAClient;
  readonly #certificateAuthorityArn: string;
  readonly #ca: X509Certificate;

  constructor(options: AcmPcaCertificateRevokerOptions) {
    this.#pca = options.pca;
    this.#certificateAuthorityArn = options.certificateAuthorityArn;
    this.#ca = new X509Certificate(options.caCertificatePem);
  }

  /**
   * 1. Skip a certificate this CA did not issue: its issuer must be the CA's subject AND its
   *    signature must verify with the CA's key (a name alone can be forged).
   * 2. RevokeCertificate with the serial as colon-separated hex bytes, as `openssl x509 -text`
   *    prints it and the API reference asks for; a second revocation is already done.
   */
  async revokeIfIssued(certificatePem: string): Promise<boolean> {
    const certificate = new X509Certificate(certificatePem);
    if (!certificate.checkIssued(this.#ca) || !certificate.verify(this.#ca.publicKey)) {
      return false;
    }
    try {
      await this.#pca.send(
        new RevokeCertificateCommand({
          CertificateAuthorityArn: this.#certificateAuthorityArn,
          CertificateSerial: pcaSerial(certificate.serialNumber),
          RevocationReason: "CESSATION_OF_OPERATION",
        }),
      );
    } catch (error) {
      if (errorName(error) === "RequestAlreadyProcessedException") return true;
      throw mapAwsError(ACM_PCA_SERVICE, "RevokeCertificate", error);
    }
    return true;
  }
}

/** Node's serial (`7D0A3F...`, uppercase hex) as lowercase hex bytes joined by colons. */
export function pcaSerial(serialNumber: string): string {
  const hex = serialNumber.length % 2 === 0 ? serialNumber : `0${serialNumber}`;
  return (hex.toLowerCase().match(/../g) ?? []).join(":");
}
