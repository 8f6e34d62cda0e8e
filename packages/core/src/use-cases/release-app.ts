import type { ArtifactSignature } from "../contracts/artifact-signature.ts";
import type { JobDocument } from "../contracts/job-document.ts";
import type { ReleaseRecord, ReleaseTarget } from "../contracts/ota-release.ts";
import { checkPresignedUrlPlaceholders } from "../contracts/presigned-url-placeholder.ts";
import { InvalidReleaseRequestError, ReleaseTargetNotFoundError } from "../ota/ota-errors.ts";
import type { ArtifactSigner } from "../ports/artifact-signer.ts";
import type { ArtifactStore, OtaJobSpec, OtaJobs, ReleaseStore } from "../ports/ota.ts";
import { describeError, silentLogger, type UseCaseLogger } from "./logger.ts";
import { type AppArtifact, readAppArtifact } from "./read-app-artifact.ts";
import { releaseToSupersede, supersedeRelease } from "./supersede-release.ts";

/** Percent of failed executions at which a release's job is canceled, unless the operator says. */
export const DEFAULT_ABORT_FAILURE_PCT = 10;

/**
 * Minutes a canary job may run before its executions not started are canceled (the device is
 * offline) and the release aborts, unless the operator says. A canary device offline for a
 * day is not a canary.
 */
export const DEFAULT_CANARY_DEADLINE_MINUTES = 24 * 60;
/**
 * AWS: a job's `endTime` is "a minimum of thirty minutes from the current time" and "no later
 * than two years from the current time" (API reference, SchedulingConfig). AWS measures from
 * when CreateJob arrives, so the shortest deadline leaves a minute for the call to get there.
 */
const CANARY_DEADLINE_MINUTES = { min: 31, max: 2 * 365 * 24 * 60 - 1 };

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
export interface ReleaseAppRequest {
  /** The `.tar.gz` artifact (app.json at its root). */
  artifactPath: string;
  /** Thing group or thing names the release is for. */
  targets: readonly string[];
  /** Group that gets the release first; the targets only once every canary device succeeded. */
  canaryGroup?: string | null;
  /** Default DEFAULT_ABORT_FAILURE_PCT. */
  abortFailurePct?: number;
  /**
   * Minutes from its creation after which the canary job is canceled with the executions that
   * have not started (offline canary devices), so the release aborts instead of stalling.
   * Default DEFAULT_CANARY_DEADLINE_MINUTES; 31 minutes to 2 years less a minute.
   */
  canaryDeadlineMinutes?: number;
}

/** What a long release is doing, for the operator's progress display. */
export type ReleaseProgress =
  | { stage: "hashing" }
  | { stage: "uploading"; sentBytes: number; totalBytes: number }
  | { stage: "creating-job"; jobId: string };

/** Release ids have to leave room for the `-canary` suffix in a 64-character job id. */
const RELEASE_ID_MAX = 56;

/** The release id `<app>-<version>-<epochSeconds>`, job-id safe and at most 56 characters. */
export function releaseIdFor(app: string, version: string, epochSeconds: number): string {
  const suffix = `-${epochSeconds}`;
  const head = `${app}-${version}`.replace(/[^a-zA-Z0-9_-]/g, "_");
  return `${head.slice(0, RELEASE_ID_MAX - suffix.length)}${suffix}`;
}

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
 * 4. Create the release record: phase `canary` with a canary group, else `fleet`; it names
 *    the release it supersedes (same app, targets among these) once its fleet job starts.
 * 5. Create the first job, its presigned-URL placeholders checked first (AWS presigns at
 *    delivery: a malformed one would fail every device instead): the canary group's, ending
 *    at the canary deadline (executions not started by then are canceled, the job with them,
 *    and the release aborts), or the targets' at once. If that fails the release ends
 *    `failed` with the reason, and the error is rethrown.
 * 6. A fleet job (continuous when a thing group is among the targets: the desired state of
 *    devices that join later) supersedes the older release (`supersedeRelease`).
 */
export function createReleaseApp(deps: ReleaseAppDeps) {
  const { artifacts, jobs, releases, signer, clock } = deps;
  const logger = deps.logger ?? silentLogger;

  return async function releaseApp(
    request: ReleaseAppRequest,
    onProgress: (progress: ReleaseProgress) => void = () => {},
  ): Promise<ReleaseRecord> {
    const abortFailurePct = request.abortFailurePct ?? DEFAULT_ABORT_FAILURE_PCT;
    if (!(abortFailurePct >= 0 && abortFailurePct <= 100)) {
      throw new InvalidReleaseRequestError(
        `abort failure percentage ${abortFailurePct} is out of range: expected 0 to 100`,
        { field: "abortFailurePct" },
      );
    }
    const canaryDeadlineMinutes = request.canaryDeadlineMinutes ?? DEFAULT_CANARY_DEADLINE_MINUTES;
    const { min, max } = CANARY_DEADLINE_MINUTES;
    if (!(canaryDeadlineMinutes >= min && canaryDeadlineMinutes <= max)) {
      throw new InvalidReleaseRequestError(
        `canary deadline of ${canaryDeadlineMinutes} minutes is out of range: expected ${min} to ${max}`,
        { field: "canaryDeadlineMinutes" },
      );
    }
    if (request.targets.length === 0) {
      throw new InvalidReleaseRequestError("a release needs at least one target", {
        field: "targets",
      });
    }

    onProgress({ stage: "hashing" });
    const artifact = await readAppArtifact(request.artifactPath);
    const { name: app, version } = artifact.manifest;
    const signature = await signer.sign({ app, version, sha256: artifact.sha256 });

    const targets = await jobs.resolveTargets(request.targets);
    const canaryGroup = request.canaryGroup ?? null;
    if (canaryGroup !== null) await assertGroup(jobs, canaryGroup);

    const artifactKey = artifactKeyFor(artifact);
    onProgress({ stage: "uploading", sentBytes: 0, totalBytes: artifact.size });
    await artifacts.put(
      artifactKey,
      { path: request.artifactPath, size: artifact.size, sha256: artifact.sha256 },
      (sentBytes) => onProgress({ stage: "uploading", sentBytes, totalBytes: artifact.size }),
    );

    const supersedes = await releaseToSupersede(releases, app, targets);
    const now = clock();
    const releaseId = releaseIdFor(app, version, Math.floor(now.getTime() / 1_000));
    const first =
      canaryGroup === null
        ? { phase: "fleet" as const, jobId: `${releaseId}-fleet` }
        : { phase: "canary" as const, jobId: `${releaseId}-canary` };
    const record: ReleaseRecord = {
      releaseId,
      app,
      version,
      sha256: artifact.sha256,
      size: artifact.size,
      artifactKey,
      targets,
      canaryGroup,
      abortFailurePct,
      phase: first.phase,
      canaryJobId: first.phase === "canary" ? first.jobId : null,
      fleetJobId: first.phase === "fleet" ? first.jobId : null,
      reason: null,
      ...(supersedes === null ? {} : { supersedes }),
      createdAt: now.toISOString(),
      updatedAt: now.toISOString(),
    };
    await releases.create(record);

    onProgress({ stage: "creating-job", jobId: first.jobId });
    const jobTargets: ReleaseTarget[] =
      canaryGroup === null ? targets : [{ kind: "group", name: canaryGroup }];
    try {
      const document = releaseJobDocument(record, artifacts.documentUrl(artifactKey), signature);
      assertPlaceholders(document);
      const spec = releaseJobSpec(record, first.jobId, jobTargets, document);
      const endTime = new Date(now.getTime() + canaryDeadlineMinutes * 60_000).toISOString();
      await jobs.createJob(first.phase === "canary" ? { ...spec, endTime } : spec);
    } catch (error) {
      const reason = `${first.phase} job not created: ${describeError(error)}`;
      await releases.update(
        releaseId,
        { phase: "failed", reason, updatedAt: clock().toISOString() },
        first.phase,
      );
      logger.error({ releaseId, jobId: first.jobId, reason }, "release failed");
      throw error;
    }
    logger.info({ releaseId, jobId: first.jobId, phase: first.phase }, "release started");
    if (first.phase === "fleet") await supersedeRelease(deps, record);
    return record;
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

/**
 * The spec of one of a release's jobs. The fleet job is continuous when a thing group is among
 * its targets: a device that joins the group later (or is re-provisioned into it) gets the
 * release too. The canary job is a snapshot: it has to end for the release to move on.
 */
export function releaseJobSpec(
  record: ReleaseRecord,
  jobId: string,
  targets: readonly ReleaseTarget[],
  document: JobDocument,
): OtaJobSpec {
  const continuous =
    jobId === record.fleetJobId && targets.some((target) => target.kind === "group");
  return {
    jobId,
    targets,
    document,
    description: `Release ${record.releaseId}: ${record.app} ${record.version}`,
    abortFailurePct: record.abortFailurePct,
    ...(continuous ? { continuous } : {}),
  };
}

function assertPlaceholders(document: JobDocument): void {
  const check = checkPresignedUrlPlaceholders(document);
  if (!check.ok) {
    throw new InvalidReleaseRequestError(`job document refused: ${check.reason}`, {
      field: "document",
    });
  }
}

async function assertGroup(jobs: OtaJobs, name: string): Promise<void> {
  const [resolved] = await jobs.resolveTargets([name]);
  if (resolved?.kind !== "group") {
    throw new ReleaseTargetNotFoundError(`canary group ${name} is a thing, not a thing group`, {
      names: [name],
    });
  }
}
