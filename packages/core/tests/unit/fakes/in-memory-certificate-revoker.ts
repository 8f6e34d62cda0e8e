import type { CertificateRevoker } from "../../../src/ports/index.ts";
import type { CertificateRevokerSubject } from "../../port-suites/index.ts";
import { Faults } from "./faults.ts";

/** A CA that knows the PEMs it issued; anything else is another issuer's. */
export class InMemoryCertificateRevoker implements CertificateRevoker {
  readonly faults = new Faults();
  readonly issued = new Set<string>();
  readonly revoked = new Set<string>();

  async revokeIfIssued(certificatePem: string): Promise<boolean> {
    this.faults.check("revokeIfIssued", certificatePem);
    if (!this.issued.has(certificatePem)) return false;
    this.revoked.add(certificatePem);
    return true;
  }
}

/** The fake as a port-suite subject. */
export function inMemoryCertificateRevokerSubject(): CertificateRevokerSubject {
  const revoker = new InMemoryCertificateRevoker();
  let serial = 0;
  return {
    revoker,
    issue: async () => {
      const pem = `-----BEGIN CERTIFICATE-----\nissued-${++serial}\n-----END CERTIFICATE-----\n`;
      revoker.issued.add(pem);
      return pem;
    },
    impostor: async () =>
      `-----BEGIN CERTIFICATE-----\nimpostor-${++serial}\n-----END CERTIFICATE-----\n`,
    isRevoked: async (pem) => revoker.revoked.has(pem),
  };
}
