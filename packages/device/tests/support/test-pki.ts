import "reflect-metadata";
import { webcrypto } from "node:crypto";
import * as x509 from "@peculiar/x509";

x509.cryptoProvider.set(globalThis.crypto);

const ALGORITHM = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;

export interface PemPair {
  certPem: string;
  keyPem: string;
}

export interface TestPki {
  caPem: string;
  /** Broker certificate for 127.0.0.1 and localhost. */
  server: PemPair;
  /** Device certificate whose subject CN is the thing name. */
  device: PemPair;
  /** A claim certificate, as the OS image would hold. */
  claim: PemPair;
  /** Issues a client certificate for a CSR, as CreateCertificateFromCsr does (subject kept). */
  signCsr(csrPem: string): Promise<string>;
}

/** A throwaway CA with one server and one device certificate (P-256), valid for a day. */
export async function createTestPki(thingName: string): Promise<TestPki> {
  const notBefore = new Date(Date.now() - 60_000);
  const notAfter = new Date(Date.now() + 86_400_000);
  const caKeys = await generateKeys();
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: "01",
    name: "CN=fleet-device test CA",
    notBefore,
    notAfter,
    keys: caKeys,
    signingAlgorithm: ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign,
        true,
      ),
    ],
  });

  const issue = async (
    serialNumber: string,
    subject: string,
    extensions: x509.Extension[],
  ): Promise<PemPair> => {
    const keys = await generateKeys();
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber,
      subject,
      issuer: ca.subject,
      notBefore,
      notAfter,
      publicKey: keys.publicKey,
      signingKey: caKeys.privateKey,
      signingAlgorithm: ALGORITHM,
      extensions: [new x509.BasicConstraintsExtension(false, undefined, true), ...extensions],
    });
    const pkcs8 = await webcrypto.subtle.exportKey("pkcs8", keys.privateKey);
    return {
      certPem: cert.toString("pem"),
      keyPem: x509.PemConverter.encode(pkcs8, "PRIVATE KEY"),
    };
  };

  const server = await issue("02", "CN=localhost", [
    new x509.SubjectAlternativeNameExtension([
      { type: "dns", value: "localhost" },
      { type: "ip", value: "127.0.0.1" },
    ]),
    new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
  ]);
  const device = await issue("03", `CN=${thingName}`, [
    new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth]),
  ]);
  const claim = await issue("04", "CN=fleet claim", [
    new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth]),
  ]);
  let serial = 0x10;
  const signCsr = async (csrPem: string) => {
    const csr = new x509.Pkcs10CertificateRequest(csrPem);
    serial += 1;
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: serial.toString(16).padStart(2, "0"),
      subject: csr.subject,
      issuer: ca.subject,
      notBefore,
      notAfter,
      publicKey: await csr.publicKey.export(),
      signingKey: caKeys.privateKey,
      signingAlgorithm: ALGORITHM,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth]),
      ],
    });
    return cert.toString("pem");
  };
  return { caPem: ca.toString("pem"), server, device, claim, signCsr };
}

function generateKeys(): Promise<webcrypto.CryptoKeyPair> {
  return webcrypto.subtle.generateKey(ALGORITHM, true, ["sign", "verify"]);
}
