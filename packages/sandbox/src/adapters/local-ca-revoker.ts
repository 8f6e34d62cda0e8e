import { X509Certificate } from "node:crypto";
import type { CertificateRevoker } from "@fleet/core";
import type { LocalCa } from "../local-ca/local-ca.ts";

/** The `CertificateRevoker` port over the sandbox CA: the local stand-in for ACM Private CA. */
export class LocalCaRevoker implements CertificateRevoker {
  readonly #ca: LocalCa;

  constructor(ca: LocalCa) {
    this.#ca = ca;
  }

  async revokeIfIssued(certificatePem: string): Promise<boolean> {
    if (!this.#ca.issued(certificatePem)) return false;
    await this.#ca.revoke(new X509Certificate(certificatePem).serialNumber);
    return true;
  }
}
