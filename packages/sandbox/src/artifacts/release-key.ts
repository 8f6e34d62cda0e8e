import { generateKeyPairSync } from "node:crypto";
import { join } from "node:path";
import type { ArtifactSigner } from "@fleet/core";
import {
  parseReleasePrivateKey,
  parseReleasePublicKey,
  privateKeySigner,
  releaseKeyId,
} from "@fleet/core/contracts";
import { ensurePrivateDir, readOptionalFile, writePrivateFile } from "../state/private-files.ts";

/** `<stateDir>/release-key/`: the sandbox's own release key pair (Ed25519, PEM). */
export const RELEASE_KEY_DIR = "release-key";
const PRIVATE_KEY_FILE = "release-key.pem";
const PUBLIC_KEY_FILE = "release-key.pub.pem";

/** The sandbox's release key: it signs every release, its devices trust the public half. */
export interface SandboxReleaseKey {
  /** The public key (PEM) simulated devices are configured with (`apps.releasePublicKeyFile`). */
  readonly publicKeyFile: string;
  /** `releaseKeyId` of the key, as job documents name it. */
  readonly keyId: string;
  /** Signs releases made through the sandbox (its API, so `fleet ota release` needs no key). */
  readonly signer: ArtifactSigner;
}

/**
 * Loads the state directory's release key pair, creating it on first start. One pair per
 * state directory, as a stage has one release key: a device of another sandbox refuses this
 * one's releases.
 */
export async function openReleaseKey(stateDir: string): Promise<SandboxReleaseKey> {
  const dir = join(stateDir, RELEASE_KEY_DIR);
  const privateKeyFile = join(dir, PRIVATE_KEY_FILE);
  const publicKeyFile = join(dir, PUBLIC_KEY_FILE);
  await ensurePrivateDir(dir);
  let privatePem = await readOptionalFile(privateKeyFile);
  if (privatePem === null) {
    const pair = generateKeyPairSync("ed25519");
    privatePem = pair.privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    await writePrivateFile(privateKeyFile, privatePem);
  }
  const privateKey = parseReleasePrivateKey(privatePem, privateKeyFile);
  const publicPem = parseReleasePublicKey(privatePem, privateKeyFile)
    .export({ type: "spki", format: "pem" })
    .toString();
  // Rewritten at each start from the private key, so the two halves always match.
  await writePrivateFile(publicKeyFile, publicPem);
  return { publicKeyFile, keyId: releaseKeyId(privateKey), signer: privateKeySigner(privateKey) };
}
