import type { ArtifactSignature, SignedArtifact } from "../contracts/artifact-signature.ts";

/**
 * Signs a release's artifact with the release key (`artifact-signature.ts` says what is
 * signed). Asynchronous so that the key may live in a service (AWS KMS) rather than a file.
 */
export interface ArtifactSigner {
  sign(artifact: SignedArtifact): Promise<ArtifactSignature>;
}
