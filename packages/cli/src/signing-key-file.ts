import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import type { ArtifactSigner } from "@fleet/core";
import {
  parseReleasePrivateKey,
  privateKeySigner,
  ReleaseKeyError,
  releaseKeyId,
} from "@fleet/core/contracts";
import { CliError } from "./errors.ts";

/**
 * The operator's release private key (`--signing-key FILE`, Ed25519 PEM as `openssl genpkey
 * -algorithm ed25519` writes it): a missing file or a key that is not Ed25519 is a usage error,
 * reported before anything is uploaded. The key stays in this process.
 */
export async function readSigningKeyFile(
  file: string,
): Promise<{ signer: ArtifactSigner; keyId: string }> {
  const path = resolve(file);
  let pem: string;
  try {
    pem = await readFile(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "unreadable";
    throw new CliError(`--signing-key ${file}: cannot read it (${code})`, {
      exitCode: 2,
      cause: error,
    });
  }
  try {
    const privateKey = parseReleasePrivateKey(pem, file);
    return { signer: privateKeySigner(privateKey), keyId: releaseKeyId(privateKey) };
  } catch (error) {
    if (!(error instanceof ReleaseKeyError)) throw error;
    throw new CliError(`--signing-key ${error.message}`, { exitCode: 2, cause: error });
  }
}
