import type { ArtifactSignature } from "../contracts/artifact-signature.ts";
import type { JobDocument } from "../contracts/job-document.ts";
import type { ReleaseRecord } from "../contracts/ota-release.ts";
import type { ArtifactSigner } from "../ports/artifact-signer.ts";
import type { ArtifactStore, OtaJobs, ReleaseStore } from "../ports/ota.ts";
import type { UseCaseLogger } from "./logger.ts";
import { type AppArtifact, readAppArtifact } from "./read-app-artifact.ts";
import {
  checkRolloutRequest,
  type RolloutRequest,
  resolveRollout,
  startRollout,
} from "./start-rollout.ts";

export interface ReleaseAppDeps {
  artifacts: ArtifactStore;
  jobs: OtaJobs;
  releases: ReleaseStore;
  /** The release key devices verify the artifact with. */
  signer: ArtifactSigner;
  clock: () => Date;
  logger?: UseCaseLogger;
}

/** `fleet ota release` (and the sandbox's `POST /v1/releases`). */
export interface ReleaseAppRequest extends RolloutRequest {
  /** The `.tar.gz` artifact (app.json at its root). */
  artifactPath: string;
}

/** What a long release is doing, for the operator's progress display. */
export type ReleaseProgress =
  | { stage: "hashing" }
  | { stage: "uploading"; sentBytes: number; totalBytes: number }
  | { stage: "creating-job"; jobId: string };

/** Where an artifact is stored: content-addressed under its app and version. */
export function artifactKeyFor(artifact: AppArtifact): string {
  const { name, version } = artifact.manifest;
  return `apps/${name}/${version}/${artifact.sha256}.tar.gz`;
}

/**
 * Releases an application artifact to devices.
 * 1. Read the artifact: validate its `app.json`, hash it, and sign app, version and digest
 *    with the release key (a key that cannot sign fails the release before any upload).
 * 2. Resolve the targets and the canary group (unknown names → ReleaseTargetNotFoundError),
 *    before uploading anything.
 * 3. Upload the artifact (skipped by the store if that content is already there).
 * 4. Create the record and the first job, canary group first (`startRollout`): the fleet job
 *    is continuous when a thing group is among the targets (the desired state of devices that
 *    join later) and supersedes the older release of the app.
 */
export function createReleaseApp(deps: ReleaseAppDeps) {
  const { artifacts, jobs, signer } = deps;

  return async function releaseApp(
    request: ReleaseAppRequest,
    onProgress: (progress: ReleaseProgress) => void = () => {},
  ): Promise<ReleaseRecord> {
    const rollout = checkRolloutRequest(request);
    onProgress({ stage: "hashing" });
    const artifact = await readAppArtifact(request.artifactPath);
    const { name: app, version } = artifact.manifest;
    const signature = await signer.sign({ app, version, sha256: artifact.sha256 });

    const resolved = await resolveRollout(jobs, rollout);
    const artifactKey = artifactKeyFor(artifact);
    onProgress({ stage: "uploading", sentBytes: 0, totalBytes: artifact.size });
    await artifacts.put(
      artifactKey,
      { path: request.artifactPath, size: artifact.size, sha256: artifact.sha256 },
      (sentBytes) => onProgress({ stage: "uploading", sentBytes, totalBytes: artifact.size }),
    );

    const identity = { app, version, sha256: artifact.sha256, size: artifact.size, artifactKey };
    return startRollout(deps, resolved, identity, (record) => {
      const document = releaseJobDocument(record, artifacts.documentUrl(artifactKey), signature);
      onProgress({ stage: "creating-job", jobId: record.canaryJobId ?? record.fleetJobId ?? "" });
      return document;
    });
  };
}

/**
 * A release's job document: one app-update step, `url` from `ArtifactStore.documentUrl`. The
 * fleet job reuses the canary job's document, signature included.
 */
export function releaseJobDocument(
  record: ReleaseRecord,
  url: string,
  signature: ArtifactSignature,
): JobDocument {
  const { app, version, sha256, size } = record;
  return {
    version: "1",
    steps: [{ operation: "app-update", app, version, url, sha256, size, signature }],
  };
}
