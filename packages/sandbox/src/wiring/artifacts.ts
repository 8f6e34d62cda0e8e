import type { Logger } from "pino";
import { type ArtifactServer, startArtifactServer } from "../artifacts/artifact-server.ts";
import { ArtifactUrlSigner } from "../artifacts/artifact-url-signer.ts";
import { replacePresignedUrlPlaceholders } from "../artifacts/presigned-url-placeholders.ts";
import { openReleaseKey, type SandboxReleaseKey } from "../artifacts/release-key.ts";
import type { DeliverDocument } from "../jobs/jobs-mqtt-api.ts";

export interface SandboxArtifacts {
  /** The release key pair (`<stateDir>/release-key/`): it signs releases, devices trust it. */
  releaseKey: SandboxReleaseKey;
  /** The loopback server behind the signed artifact URLs. */
  server: ArtifactServer;
  /** Job documents as devices get them: placeholders replaced by freshly signed URLs. */
  deliverDocument: DeliverDocument;
}

/** The artifact side of OTA: the release key, the artifact server and its URL signer. */
export async function startArtifacts(options: {
  stateDir: string;
  /** How long the artifact URLs in job documents sent to devices stay valid. */
  urlExpiryMs: number;
  logger: Logger;
}): Promise<SandboxArtifacts> {
  const { stateDir, urlExpiryMs, logger } = options;
  const signer = await ArtifactUrlSigner.open(stateDir);
  const releaseKey = await openReleaseKey(stateDir);
  const server = await startArtifactServer({ stateDir, signer, logger });
  // Devices get signed URLs each time a document is sent; stored documents keep placeholders.
  const deliverDocument: DeliverDocument = (document) =>
    replacePresignedUrlPlaceholders(document, (url) =>
      signer.sign(url, new Date(Date.now() + urlExpiryMs), server.origin),
    );
  return { releaseKey, server, deliverDocument };
}
