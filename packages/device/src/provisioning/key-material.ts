import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type webcrypto,
  X509Certificate,
} from "node:crypto";

/** ECDSA P-256 with SHA-256: what AWS IoT accepts in a CSR and the cheapest key to make on a Pi. */
const ALGORITHM = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;

/** A fresh P-256 private key as PKCS#8 PEM. It never leaves the device. */
export async function generateDeviceKeyPem(): Promise<string> {
  const { privateKey } = generateKeyPairSync("ec", { namedCurve: ALGORITHM.namedCurve });
  return privateKey.export({ type: "pkcs8", format: "pem" }).toString();
}

/**
 * A PKCS#10 request signed with the device key whose subject is `CN=<serial>`: the
 * pre-provisioning hook checks that the issued certificate names the serial the device
 * registers with.
 */
export async function createCsrPem(serial: string, privateKeyPem: string): Promise<string> {
  // Loaded on first use: a device makes a CSR once per provisioning or rotation, and the
  // X.509 library and its ASN.1 schemas would otherwise stay in memory for the device's life.
  const { x509 } = await import("./x509.ts");
  const keys = await importKeyPair(privateKeyPem);
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: [{ CN: [serial] }],
    keys,
    signingAlgorithm: ALGORITHM,
  });
  return csr.toString("pem");
}

/** True when the certificate's public key is the one of this private key. */
export function certificateMatchesKey(certificatePem: string, privateKeyPem: string): boolean {
  try {
    return new X509Certificate(certificatePem).checkPrivateKey(createPrivateKey(privateKeyPem));
  } catch {
    return false;
  }
}

async function importKeyPair(privateKeyPem: string): Promise<webcrypto.CryptoKeyPair> {
  const privateKey = createPrivateKey(privateKeyPem);
  const spki = createPublicKey(privateKey).export({ type: "spki", format: "der" });
  const pkcs8 = privateKey.export({ type: "pkcs8", format: "der" });
  const subtle = crypto.subtle;
  return {
    privateKey: await subtle.importKey("pkcs8", pkcs8, ALGORITHM, false, ["sign"]),
    publicKey: await subtle.importKey("spki", spki, ALGORITHM, true, ["verify"]),
  };
}
