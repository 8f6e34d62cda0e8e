import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import type { CertificateRevoker } from "../../src/ports/index.ts";

/** A self-signed certificate no adapter's CA issued (stands for one AWS IoT signed). */
const FOREIGN_CERTIFICATE_PEM = readFileSync(
  new URL("./fixtures/foreign-issuer-certificate.pem", import.meta.url),
  "utf8",
);

/** One adapter under test, with its CA and a view of that CA's revocations. */
export interface CertificateRevokerSubject {
  revoker: CertificateRevoker;
  /** A new device certificate (PEM) the adapter's CA issued. */
  issue(): Promise<string>;
  /** A certificate naming the adapter's CA as issuer but signed by another key. */
  impostor(): Promise<string>;
  /** Whether the CA holds the certificate as revoked (sandbox CA list, mocked RevokeCertificate calls). */
  isRevoked(certificatePem: string): Promise<boolean>;
  /** Releases what makeSubject opened (temp dirs, mocks). */
  close?(): Promise<void>;
}

/** The CertificateRevoker contract: revoke only what this CA issued, idempotently. */
export function describeCertificateRevoker(
  name: string,
  makeSubject: () => Promise<CertificateRevokerSubject>,
): void {
  describe(`CertificateRevoker contract: ${name}`, () => {
    let opened: CertificateRevokerSubject | undefined;
    async function subject(): Promise<CertificateRevokerSubject> {
      opened = await makeSubject();
      return opened;
    }
    afterEach(async () => {
      await opened?.close?.();
      opened = undefined;
    });

    it("revokes a certificate its CA issued", async () => {
      const s = await subject();
      const pem = await s.issue();
      expect(await s.revoker.revokeIfIssued(pem)).toBe(true);
      expect(await s.isRevoked(pem)).toBe(true);
    });

    it("reports success when revoking the same certificate again", async () => {
      const s = await subject();
      const pem = await s.issue();
      await s.revoker.revokeIfIssued(pem);
      expect(await s.revoker.revokeIfIssued(pem)).toBe(true);
      expect(await s.isRevoked(pem)).toBe(true);
    });

    it("leaves the CA's other certificates valid", async () => {
      const s = await subject();
      const revoked = await s.issue();
      const kept = await s.issue();
      await s.revoker.revokeIfIssued(revoked);
      expect(await s.isRevoked(kept)).toBe(false);
    });

    it("leaves a certificate another issuer signed alone", async () => {
      const s = await subject();
      expect(await s.revoker.revokeIfIssued(FOREIGN_CERTIFICATE_PEM)).toBe(false);
      expect(await s.isRevoked(FOREIGN_CERTIFICATE_PEM)).toBe(false);
    });

    it("leaves alone a certificate that names the CA as issuer but was signed by another key", async () => {
      const s = await subject();
      const pem = await s.impostor();
      expect(await s.revoker.revokeIfIssued(pem)).toBe(false);
      expect(await s.isRevoked(pem)).toBe(false);
    });
  });
}
