import { readFile } from "node:fs/promises";
import {
  type AppUpdateStep,
  ArtifactSignatureError,
  parseReleasePublicKey,
  verifyArtifactSignature,
} from "@fleet/core/contracts";
import { errorText } from "../error-text.ts";
import { ArtifactUntrustedError } from "./app-errors.ts";

/**
 * Whether the device may install the step's artifact: its signature must verify with the
 * release public key over the step's app, version and sha256 (the download is then checked
 * against that sha256 before unpacking). Throws `ArtifactUntrustedError` otherwise.
 *
 * A device without a release key installs nothing: an image built without one is a
 * misconfiguration to see in the job's FAILED reason, not a device that trusts any job
 * document. The key is read at each update, so a key replaced on disk takes effect at once.
 */
export async function checkArtifactSignature(
  step: AppUpdateStep,
  releasePublicKeyFile: string | undefined,
): Promise<void> {
  const fields = { app: step.app, version: step.version };
  if (releasePublicKeyFile === undefined) {
    throw new ArtifactUntrustedError(
      "this device has no release public key (apps.releasePublicKeyFile) and installs no artifact",
      { ...fields, errorCode: "ReleaseKeyMissing" },
    );
  }
  let publicKey: ReturnType<typeof parseReleasePublicKey>;
  try {
    publicKey = parseReleasePublicKey(
      await readFile(releasePublicKeyFile, "utf8"),
      releasePublicKeyFile,
    );
  } catch (cause) {
    throw new ArtifactUntrustedError(
      `cannot use the release public key: ${errorText(cause)}`,
      { ...fields, errorCode: "ReleaseKeyUnreadable" },
      { cause },
    );
  }
  try {
    verifyArtifactSignature(step, step.signature, publicKey);
  } catch (cause) {
    if (!(cause instanceof ArtifactSignatureError)) throw cause;
    throw new ArtifactUntrustedError(
      cause.message,
      { ...fields, errorCode: cause.code },
      { cause },
    );
  }
}
