import {
  createHash,
  createPrivateKey,
  createPublicKey,
  type KeyObject,
  sign,
  verify,
} from "node:crypto";
import * as z from "zod";
import { ArtifactSignatureError, ReleaseKeyError } from "./contract-errors.ts";

// The verifier's errors, for devices that import the contracts and not the use cases.
export { ArtifactSignatureError, ReleaseKeyError };

/**
 * The signing rule of app artifacts, the one module the release signer (CLI, sandbox) and the
 * device's verifier share.
 *
 * The release key is Ed25519: deterministic signatures (no per-signature nonce to get wrong),
 * 32-byte public keys that fit a device config, one-shot `sign`/`verify` in node:crypto with
 * nothing to bundle, and AWS KMS signs with the same algorithm (key spec
 * ECC_NIST_EDWARDS25519, ED25519_SHA_512 over the raw message), so a key moved into KMS makes
 * signatures devices already verify.
 *
 * What is signed is not the digest alone but `fleet-app-artifact:v1\n<app>\n<version>\n<sha256>`:
 * a signature of led 1.0.0 cannot be replayed as the signature of another app or version, and
 * the prefix keeps it from meaning anything to another protocol using the same key. The
 * device checks the bytes it downloaded against `sha256` before unpacking, so the signature
 * covers the content too.
 */

const SIGNING_CONTEXT = "fleet-app-artifact:v1";
const ED25519_SIGNATURE_BYTES = 64;

/** What a release signature vouches for. */
export interface SignedArtifact {
  app: string;
  version: string;
  /** Lowercase hex SHA-256 of the `.tar.gz`. */
  sha256: string;
}

/** The signature an app-update step carries. */
export const ArtifactSignatureSchema = z.strictObject({
  /** Which release key signed: `releaseKeyId` of its public key. */
  keyId: z.string().regex(/^[0-9a-f]{16}$/, "expected a key id: 16 lowercase hex characters"),
  /** The Ed25519 signature of `artifactSigningPayload`, base64. */
  value: z.base64().max(128),
});
export type ArtifactSignature = z.infer<typeof ArtifactSignatureSchema>;

/** The exact bytes a release key signs for `artifact`. */
export function artifactSigningPayload(artifact: SignedArtifact): Buffer {
  const { app, version, sha256 } = artifact;
  return Buffer.from(`${SIGNING_CONTEXT}\n${app}\n${version}\n${sha256}`, "utf8");
}

/**
 * A release key's id: the first 16 hex characters of the SHA-256 of its public key (SPKI DER).
 * It tells an operator which key signed and lets a device name a key it does not trust.
 */
export function releaseKeyId(key: KeyObject): string {
  const publicKey = key.type === "private" ? createPublicKey(key) : key;
  const der = publicKey.export({ type: "spki", format: "der" });
  return createHash("sha256").update(der).digest("hex").slice(0, 16);
}

/** The release public key from PEM; anything but an Ed25519 public key is refused. */
export function parseReleasePublicKey(pem: string, source: string): KeyObject {
  return ed25519(() => createPublicKey(pem), "public", source);
}

/** The release private key from PEM (PKCS#8, as `openssl genpkey -algorithm ed25519` writes). */
export function parseReleasePrivateKey(pem: string, source: string): KeyObject {
  return ed25519(() => createPrivateKey(pem), "private", source);
}

function ed25519(parse: () => KeyObject, kind: "public" | "private", source: string): KeyObject {
  let key: KeyObject;
  try {
    key = parse();
  } catch (cause) {
    throw new ReleaseKeyError(`${source} is not a PEM ${kind} key`, { source, cause });
  }
  if (key.asymmetricKeyType !== "ed25519") {
    throw new ReleaseKeyError(
      `${source} is a ${key.asymmetricKeyType ?? "symmetric"} key; release keys are Ed25519`,
      { source },
    );
  }
  return key;
}

/** Signs `artifact` with the release private key. */
export function signArtifact(artifact: SignedArtifact, privateKey: KeyObject): ArtifactSignature {
  return {
    keyId: releaseKeyId(privateKey),
    value: sign(null, artifactSigningPayload(artifact), privateKey).toString("base64"),
  };
}

/**
 * Checks that `signature` was made by `publicKey` over exactly this app, version and digest.
 * Throws `ArtifactSignatureError`: `SignatureMissing` without one, `SignatureInvalid` for a
 * signature by another key, one that is not an Ed25519 signature at all, or one that does
 * not verify (tampered digest, another app or version, forged).
 */
export function verifyArtifactSignature(
  artifact: SignedArtifact,
  signature: ArtifactSignature | undefined,
  publicKey: KeyObject,
): void {
  const where = `${artifact.app}@${artifact.version}`;
  if (signature === undefined) {
    throw new ArtifactSignatureError(
      `${where} is not signed; this device installs signed artifacts only`,
      {
        code: "SignatureMissing",
      },
    );
  }
  const trusted = releaseKeyId(publicKey);
  if (signature.keyId !== trusted) {
    throw new ArtifactSignatureError(
      `${where} is signed with release key ${signature.keyId}; this device trusts ${trusted}`,
      { code: "SignatureInvalid" },
    );
  }
  const bytes = Buffer.from(signature.value, "base64");
  const valid =
    bytes.length === ED25519_SIGNATURE_BYTES &&
    verify(null, artifactSigningPayload(artifact), publicKey, bytes);
  if (!valid) {
    throw new ArtifactSignatureError(
      `the signature of ${where} (sha256 ${artifact.sha256}) does not verify with release key ${trusted}`,
      { code: "SignatureInvalid" },
    );
  }
}

/**
 * Signs with a release private key held in memory (an operator's key file, the sandbox's own
 * key); an `ArtifactSigner` of the release use case.
 */
export function privateKeySigner(privateKey: KeyObject): {
  sign(artifact: SignedArtifact): Promise<ArtifactSignature>;
} {
  return { sign: async (artifact) => signArtifact(artifact, privateKey) };
}
