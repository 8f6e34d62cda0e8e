import { randomBytes, type webcrypto, X509Certificate } from "node:crypto";
import { join } from "node:path";
import { certificateIdOf } from "@fleet/core/contracts";
import { InvalidCsrError, InvalidRequestError, StateFileError } from "../errors.ts";
import { ensurePrivateDir, readOptionalFile, writePrivateFile } from "../state/private-files.ts";
import { acceptedPublicKeySpki, type PublicKeyInput } from "./accepted-public-key.ts";
import { generateP256KeyPair, importP256SigningKey, P256_SIGNING_ALGORITHM } from "./key-pair.ts";
import {
  normalizeSerialNumber,
  openRevocationList,
  type RevocationList,
} from "./revocation-list.ts";
import { x509 } from "./x509.ts";

/** Where the key of an issued certificate comes from: a CSR (its signature is verified) or a bare public key. */
export type CertificateKeySource = { csrPem: string } | { publicKey: PublicKeyInput };

export interface IssueCertificateOptions {
  /** Subject common name of the new certificate. */
  commonName: string;
  /** Lifetime from now in milliseconds, or an absolute expiry. */
  validity: { durationMs: number } | { notAfter: Date };
}

export interface IssuedCertificate {
  certificatePem: string;
  /** Lowercase hex SHA-256 of the DER, as AWS IoT names certificates. */
  certificateId: string;
  /** Hexadecimal serial number. */
  serialNumber: string;
  notBefore: Date;
  notAfter: Date;
}

export interface ServerCertificateOptions {
  /** DNS names in the subjectAltName; the first one is also the subject CN. */
  dnsNames: readonly string[];
  ipAddresses: readonly string[];
  validity: IssueCertificateOptions["validity"];
}

/** The sandbox's certificate authority: the stand-in for ACM Private CA. */
export interface LocalCa {
  readonly certificatePem: string;
  readonly certificateId: string;
  readonly notAfter: Date;
  issueCertificate(
    source: CertificateKeySource,
    options: IssueCertificateOptions,
  ): Promise<IssuedCertificate>;
  /** A TLS server certificate and its fresh P-256 key, for the broker. */
  issueServerCertificate(
    options: ServerCertificateOptions,
  ): Promise<IssuedCertificate & { privateKeyPem: string }>;
  /** True when this CA signed the certificate (issuer name and signature both check out). */
  issued(certificatePem: string): boolean;
  /**
   * Puts a serial number on the CA's revocation list, persisted in the CA directory (the local
   * stand-in for ACM Private CA's CRL). Idempotent.
   */
  revoke(serialNumber: string): Promise<void>;
  /** Whether the serial number (hex, any case, leading zeros ignored) is on the revocation list. */
  isRevoked(serialNumber: string): boolean;
}

const CA_CERT_FILE = "ca-cert.pem";
const CA_KEY_FILE = "ca-key.pem";
const REVOKED_FILE = "revoked.json";
const CA_SUBJECT = "CN=Fleet Sandbox Root CA, O=fleet-reference sandbox";
const CA_VALIDITY_MS = 10 * 365 * 24 * 3600 * 1000;
/** Issued certificates start slightly in the past so a device with a lagging clock accepts them. */
const BACKDATE_MS = 60 * 1000;

/**
 * Loads the CA kept in `dir` (`ca-cert.pem`, `ca-key.pem`) or, when neither file exists,
 * creates an ECDSA P-256 root and persists it (key 0600, directory 0700). Exactly one of the two
 * files present means damaged state: that is an error, since a new root would silently
 * invalidate every device certificate issued so far.
 */
export async function openLocalCa(dir: string): Promise<LocalCa> {
  await ensurePrivateDir(dir);
  const certPath = join(dir, CA_CERT_FILE);
  const keyPath = join(dir, CA_KEY_FILE);
  const [certText, keyText] = await Promise.all([
    readOptionalFile(certPath),
    readOptionalFile(keyPath),
  ]);
  const revocations = await openRevocationList(join(dir, REVOKED_FILE));
  if (certText === null && keyText === null) {
    return createLocalCa(certPath, keyPath, revocations);
  }
  if (certText === null || keyText === null) {
    const missing = certText === null ? certPath : keyPath;
    throw new StateFileError(
      missing,
      "missing while its CA counterpart exists; restore it or remove both",
    );
  }
  let caCert: x509.X509Certificate;
  let signingKey: webcrypto.CryptoKey;
  try {
    caCert = new x509.X509Certificate(certText);
  } catch (error) {
    throw new StateFileError(certPath, "not a PEM certificate", { cause: error });
  }
  try {
    signingKey = await importP256SigningKey(keyText);
  } catch (error) {
    throw new StateFileError(keyPath, "not a PKCS#8 P-256 private key", { cause: error });
  }
  return localCa(caCert, signingKey, revocations);
}

async function createLocalCa(
  certPath: string,
  keyPath: string,
  revocations: RevocationList,
): Promise<LocalCa> {
  const { privateKeyPem, publicKeyPem } = await generateP256KeyPair();
  const signingKey = await importP256SigningKey(privateKeyPem);
  const publicKey = new x509.PublicKey(publicKeyPem);
  const now = Date.now();
  const caCert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerialNumber(),
    subject: CA_SUBJECT,
    issuer: CA_SUBJECT,
    notBefore: new Date(now - BACKDATE_MS),
    notAfter: new Date(now + CA_VALIDITY_MS),
    publicKey,
    signingKey,
    signingAlgorithm: P256_SIGNING_ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign,
        true,
      ),
      await x509.SubjectKeyIdentifierExtension.create(publicKey),
    ],
  });
  // Key first: a certificate without its key on disk would be the worse half-state.
  await writePrivateFile(keyPath, privateKeyPem);
  await writePrivateFile(certPath, `${caCert.toString("pem")}\n`);
  return localCa(caCert, signingKey, revocations);
}

function localCa(
  caCert: x509.X509Certificate,
  signingKey: webcrypto.CryptoKey,
  revocations: RevocationList,
): LocalCa {
  const certificatePem = `${caCert.toString("pem")}\n`;
  const caNodeCert = new X509Certificate(certificatePem);

  async function sign(
    spki: Buffer,
    options: IssueCertificateOptions,
    usage: { extendedKeyUsage: string; extensions: x509.Extension[] },
  ): Promise<IssuedCertificate> {
    const { notBefore, notAfter } = validityWindow(options.validity, caCert.notAfter);
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: randomSerialNumber(),
      subject: [{ CN: [commonNameOf(options.commonName)] }],
      issuer: caCert.subjectName,
      notBefore,
      notAfter,
      publicKey: spki,
      signingKey,
      signingAlgorithm: P256_SIGNING_ALGORITHM,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([usage.extendedKeyUsage]),
        await x509.SubjectKeyIdentifierExtension.create(spki),
        await x509.AuthorityKeyIdentifierExtension.create(caCert),
        ...usage.extensions,
      ],
    });
    const pem = `${cert.toString("pem")}\n`;
    return {
      certificatePem: pem,
      certificateId: certificateIdOf(Buffer.from(cert.rawData)),
      serialNumber: cert.serialNumber,
      notBefore: cert.notBefore,
      notAfter: cert.notAfter,
    };
  }

  return {
    certificatePem,
    certificateId: certificateIdOf(Buffer.from(caCert.rawData)),
    notAfter: caCert.notAfter,

    async issueCertificate(source, options) {
      const spki =
        "csrPem" in source
          ? await verifiedCsrKey(source.csrPem)
          : acceptedPublicKeySpki(source.publicKey);
      return sign(spki, options, {
        extendedKeyUsage: x509.ExtendedKeyUsage.clientAuth,
        extensions: [],
      });
    },

    async issueServerCertificate(options) {
      const [commonName] = options.dnsNames;
      if (commonName === undefined) {
        throw new InvalidRequestError(
          "dnsNames",
          "a server certificate needs at least one DNS name",
        );
      }
      const { privateKeyPem, publicKeyPem } = await generateP256KeyPair();
      const names = [
        ...options.dnsNames.map((value) => ({ type: "dns" as const, value })),
        ...options.ipAddresses.map((value) => ({ type: "ip" as const, value })),
      ];
      const issued = await sign(
        acceptedPublicKeySpki(publicKeyPem),
        { commonName, validity: options.validity },
        {
          extendedKeyUsage: x509.ExtendedKeyUsage.serverAuth,
          extensions: [new x509.SubjectAlternativeNameExtension(names)],
        },
      );
      return { ...issued, privateKeyPem };
    },

    issued(pem) {
      let certificate: X509Certificate;
      try {
        certificate = new X509Certificate(pem);
      } catch {
        return false;
      }
      return certificate.checkIssued(caNodeCert) && certificate.verify(caNodeCert.publicKey);
    },

    revoke: (serialNumber) => revocations.add(serialNumber),

    isRevoked: (serialNumber) => revocations.has(normalizeSerialNumber(serialNumber)),
  };
}

/** The CSR's public key, after checking its self-signature and its key type. */
async function verifiedCsrKey(csrPem: string): Promise<Buffer> {
  let csr: x509.Pkcs10CertificateRequest;
  try {
    csr = new x509.Pkcs10CertificateRequest(csrPem);
  } catch (error) {
    throw new InvalidCsrError("not a PEM or DER PKCS#10 request", { cause: error });
  }
  const spki = acceptedPublicKeySpki(new Uint8Array(csr.publicKey.rawData));
  let verified: boolean;
  try {
    verified = await csr.verify();
  } catch (error) {
    throw new InvalidCsrError("its signature cannot be checked", { cause: error });
  }
  if (!verified) throw new InvalidCsrError("its signature does not match its public key");
  return spki;
}

function validityWindow(
  validity: IssueCertificateOptions["validity"],
  caNotAfter: Date,
): { notBefore: Date; notAfter: Date } {
  const now = Date.now();
  const notAfter =
    "durationMs" in validity ? new Date(now + validity.durationMs) : validity.notAfter;
  if (!(notAfter.getTime() > now)) {
    throw new InvalidRequestError(
      "validity",
      `expiry ${notAfter.toISOString()} is not in the future`,
    );
  }
  if (notAfter > caNotAfter) {
    throw new InvalidRequestError(
      "validity",
      `expiry ${notAfter.toISOString()} is after the CA's own expiry ${caNotAfter.toISOString()}`,
    );
  }
  return { notBefore: new Date(now - BACKDATE_MS), notAfter };
}

function commonNameOf(value: string): string {
  if (value.length === 0 || value.length > 64) {
    throw new InvalidRequestError(
      "commonName",
      "must be 1-64 characters (RFC 5280 ub-common-name)",
    );
  }
  return value;
}

/** 16 random bytes with the top bit clear: a positive serial as RFC 5280 requires. */
function randomSerialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] = ((bytes[0] ?? 0) & 0x7f) | 0x01;
  return bytes.toString("hex");
}
