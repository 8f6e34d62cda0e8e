import { createHash, createPrivateKey, type webcrypto, X509Certificate } from "node:crypto";
import { mkdtemp, rm, stat, unlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { InvalidCsrError, StateFileError, UnsupportedKeyError } from "../../src/errors.ts";
import { openLocalCa } from "../../src/local-ca/local-ca.ts";
import { x509 } from "../../src/local-ca/x509.ts";

const HOUR = 3600_000;

async function csrPem(
  algorithm: webcrypto.EcKeyGenParams | webcrypto.RsaHashedKeyGenParams,
  signingAlgorithm: webcrypto.EcdsaParams | webcrypto.Algorithm,
): Promise<string> {
  const keys = (await crypto.subtle.generateKey(algorithm, true, [
    "sign",
    "verify",
  ])) as webcrypto.CryptoKeyPair;
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: "CN=requested",
    keys,
    signingAlgorithm,
  });
  return csr.toString("pem");
}

const p256Csr = () =>
  csrPem({ name: "ECDSA", namedCurve: "P-256" }, { name: "ECDSA", hash: "SHA-256" });

describe("the local CA", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "fleet-local-ca-"));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it("creates its root on first start with a private key only the owner can read, and reloads it", async () => {
    const caDir = join(dir, "ca");
    const created = await openLocalCa(caDir);
    expect((await stat(caDir)).mode & 0o777).toBe(0o700);
    expect((await stat(join(caDir, "ca-key.pem"))).mode & 0o777).toBe(0o600);
    const root = new X509Certificate(created.certificatePem);
    expect(root.ca).toBe(true);
    expect(root.publicKey.asymmetricKeyDetails?.namedCurve).toBe("prime256v1");

    const reopened = await openLocalCa(caDir);
    expect(reopened.certificatePem).toBe(created.certificatePem);
    const issued = await reopened.issueCertificate(
      { csrPem: await p256Csr() },
      { commonName: "after-restart", validity: { durationMs: HOUR } },
    );
    expect(new X509Certificate(issued.certificatePem).verify(root.publicKey)).toBe(true);
  });

  it("issues a client certificate from a P-256 CSR, named by the SHA-256 of its DER", async () => {
    const ca = await openLocalCa(join(dir, "ca"));
    const notAfter = new Date(Date.now() + 2 * HOUR);
    const issued = await ca.issueCertificate(
      { csrPem: await p256Csr() },
      { commonName: "thing-1", validity: { notAfter } },
    );
    const certificate = new X509Certificate(issued.certificatePem);
    expect(certificate.subject).toBe("CN=thing-1");
    expect(certificate.ca).toBe(false);
    expect(certificate.keyUsage).toEqual(["1.3.6.1.5.5.7.3.2"]);
    expect(certificate.verify(new X509Certificate(ca.certificatePem).publicKey)).toBe(true);
    expect(issued.certificateId).toBe(createHash("sha256").update(certificate.raw).digest("hex"));
    expect(issued.serialNumber).toBe(certificate.serialNumber.toLowerCase());
    expect(Math.abs(issued.notAfter.getTime() - notAfter.getTime())).toBeLessThan(1000);
  });

  it("accepts an RSA-2048 CSR", async () => {
    const ca = await openLocalCa(join(dir, "ca"));
    const csr = await csrPem(
      {
        name: "RSASSA-PKCS1-v1_5",
        modulusLength: 2048,
        publicExponent: new Uint8Array([1, 0, 1]),
        hash: "SHA-256",
      },
      { name: "RSASSA-PKCS1-v1_5" },
    );
    const issued = await ca.issueCertificate(
      { csrPem: csr },
      { commonName: "rsa", validity: { durationMs: HOUR } },
    );
    expect(new X509Certificate(issued.certificatePem).publicKey.asymmetricKeyType).toBe("rsa");
  });

  // The stage's CSR checks (core's deviceKeyProblem) accept P-384, so the local CA does too;
  // P-521 is the curve neither of the stage's signers takes.
  it("rejects a CSR whose key is on another curve", async () => {
    const ca = await openLocalCa(join(dir, "ca"));
    const csr = await csrPem(
      { name: "ECDSA", namedCurve: "P-521" },
      { name: "ECDSA", hash: "SHA-512" },
    );
    const issuing = ca.issueCertificate(
      { csrPem: csr },
      { commonName: "p521", validity: { durationMs: HOUR } },
    );
    await expect(issuing).rejects.toBeInstanceOf(UnsupportedKeyError);
    await expect(issuing).rejects.toThrow("unsupported ec key: curve secp521r1");
  });

  it("certifies a CSR with an EC P-384 key, as the stage's CSR checks accept it", async () => {
    const ca = await openLocalCa(join(dir, "ca"));
    const csr = await csrPem(
      { name: "ECDSA", namedCurve: "P-384" },
      { name: "ECDSA", hash: "SHA-384" },
    );
    const issued = await ca.issueCertificate(
      { csrPem: csr },
      { commonName: "p384", validity: { durationMs: HOUR } },
    );
    expect(issued.certificatePem).toContain("BEGIN CERTIFICATE");
  });

  it("rejects a CSR with an RSA key shorter than 2048 bits", async () => {
    const ca = await openLocalCa(join(dir, "ca"));
    const csr = await csrPem(
      {
        name: "RSASSA-PKCS1-v1_5",
        modulusLength: 1024,
        publicExponent: new Uint8Array([1, 0, 1]),
        hash: "SHA-256",
      },
      { name: "RSASSA-PKCS1-v1_5" },
    );
    await expect(
      ca.issueCertificate({ csrPem: csr }, { commonName: "weak", validity: { durationMs: HOUR } }),
    ).rejects.toMatchObject({ name: "UnsupportedKeyError", keyType: "rsa" });
  });

  it("rejects a CSR whose signature does not match its key", async () => {
    const ca = await openLocalCa(join(dir, "ca"));
    const der = Buffer.from(new x509.Pkcs10CertificateRequest(await p256Csr()).rawData);
    // The signature is the last field of the request: changing its last byte breaks it.
    der[der.length - 1] = (der[der.length - 1] ?? 0) ^ 0xff;
    const tampered = new x509.Pkcs10CertificateRequest(der).toString("pem");
    await expect(
      ca.issueCertificate(
        { csrPem: tampered },
        { commonName: "tampered", validity: { durationMs: HOUR } },
      ),
    ).rejects.toThrow(new InvalidCsrError("its signature does not match its public key"));
  });

  it("rejects text that is not a CSR", async () => {
    const ca = await openLocalCa(join(dir, "ca"));
    await expect(
      ca.issueCertificate(
        { csrPem: "not a csr" },
        { commonName: "x", validity: { durationMs: HOUR } },
      ),
    ).rejects.toBeInstanceOf(InvalidCsrError);
  });

  it("issues a broker certificate valid for localhost and 127.0.0.1", async () => {
    const ca = await openLocalCa(join(dir, "ca"));
    const server = await ca.issueServerCertificate({
      dnsNames: ["localhost"],
      ipAddresses: ["127.0.0.1"],
      validity: { durationMs: HOUR },
    });
    const certificate = new X509Certificate(server.certificatePem);
    expect(certificate.subjectAltName).toBe("DNS:localhost, IP Address:127.0.0.1");
    expect(certificate.checkHost("localhost")).toBe("localhost");
    expect(certificate.checkIP("127.0.0.1")).toBe("127.0.0.1");
    expect(certificate.checkPrivateKey(createPrivateKey(server.privateKeyPem))).toBe(true);
  });

  it("refuses to start when the CA key is missing but its certificate is there", async () => {
    const caDir = join(dir, "ca");
    await openLocalCa(caDir);
    await unlink(join(caDir, "ca-key.pem"));
    await expect(openLocalCa(caDir)).rejects.toBeInstanceOf(StateFileError);
  });
});
