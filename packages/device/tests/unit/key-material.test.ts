import "reflect-metadata";
import { createPrivateKey, createPublicKey } from "node:crypto";
import * as x509 from "@peculiar/x509";
import { beforeAll, describe, expect, it } from "vitest";
import {
  certificateMatchesKey,
  createCsrPem,
  generateDeviceKeyPem,
} from "../../src/provisioning/key-material.ts";
import { createTestPki, type TestPki } from "../support/test-pki.ts";

describe("device key and CSR", () => {
  let pki: TestPki;
  beforeAll(async () => {
    pki = await createTestPki("sim-0001");
  });

  it("generates a P-256 private key as PKCS#8 PEM", async () => {
    const pem = await generateDeviceKeyPem();
    expect(pem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    const key = createPrivateKey(pem);
    expect(key.asymmetricKeyType).toBe("ec");
    expect(key.asymmetricKeyDetails?.namedCurve).toBe("prime256v1");
  });

  it("builds a CSR whose subject is CN=<serial>, signed by the device key", async () => {
    const keyPem = await generateDeviceKeyPem();
    const csr = new x509.Pkcs10CertificateRequest(await createCsrPem("SRX-2026-000417", keyPem));
    expect(csr.subject).toBe("CN=SRX-2026-000417");
    expect(await csr.verify()).toBe(true);
    const csrSpki = Buffer.from(csr.publicKey.rawData);
    const keySpki = createPublicKey(keyPem).export({ type: "spki", format: "der" });
    expect(csrSpki.equals(keySpki)).toBe(true);
    expect(csr.signatureAlgorithm).toMatchObject({ name: "ECDSA", hash: { name: "SHA-256" } });
  });

  it("accepts a certificate issued for the key and refuses one for another key", async () => {
    const keyPem = await generateDeviceKeyPem();
    const issued = await pki.signCsr(await createCsrPem("sim-0001", keyPem));
    expect(certificateMatchesKey(issued, keyPem)).toBe(true);
    expect(certificateMatchesKey(pki.device.certPem, keyPem)).toBe(false);
    expect(certificateMatchesKey("not a certificate", keyPem)).toBe(false);
  });
});
