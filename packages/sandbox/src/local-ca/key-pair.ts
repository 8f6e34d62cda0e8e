import { generateKeyPair, type webcrypto } from "node:crypto";
import { promisify } from "node:util";

const generateKeyPairAsync = promisify(generateKeyPair);

const P256_ECDSA = { name: "ECDSA", namedCurve: "P-256" } as const;

/** A new ECDSA P-256 key pair as PEM: PKCS#8 private key, SPKI public key. */
export async function generateP256KeyPair(): Promise<{
  privateKeyPem: string;
  publicKeyPem: string;
}> {
  const { privateKey, publicKey } = await generateKeyPairAsync("ec", {
    namedCurve: "prime256v1",
    privateKeyEncoding: { type: "pkcs8", format: "pem" },
    publicKeyEncoding: { type: "spki", format: "pem" },
  });
  return { privateKeyPem: privateKey, publicKeyPem: publicKey };
}

/** A PKCS#8 P-256 private key as a non-extractable WebCrypto signing key. */
export async function importP256SigningKey(privateKeyPem: string): Promise<webcrypto.CryptoKey> {
  const der = Buffer.from(
    privateKeyPem.replace(/-----(BEGIN|END) PRIVATE KEY-----/g, "").replace(/\s+/g, ""),
    "base64",
  );
  return crypto.subtle.importKey("pkcs8", der, P256_ECDSA, false, ["sign"]);
}

export const P256_SIGNING_ALGORITHM = { ...P256_ECDSA, hash: "SHA-256" } as const;
