import {
  JobNotCancelableError,
  ReleaseConflictError,
  ReleaseNotFoundError,
} from "../contracts/operator-api/operator-errors.ts";
import type { ReleasePhase, ReleaseRecord } from "../contracts/ota-release.ts";
import { silentLogger } from "./logger.ts";
import type { ReleaseControlDeps } from "./supersede-release.ts";

/** `fleet ota cancel RELEASE [--force]`. */
export interface CancelReleaseRequest {
  releaseId: string;
  /** Cancel IN_PROGRESS executions too (a device may be mid-install). Default false. */
  force: boolean;
}

/** Phases with a job still delivering the release (a completed one's continuous fleet job). */
const CANCELABLE: readonly ReleasePhase[] = ["canary", "fleet", "completed"];

/**
 * Stops a release, with AWS CancelJob's semantics: QUEUED executions are canceled, IN_PROGRESS
 * ones run on unless `force` (AWS API reference, CancelJob `force`).
 * 1. Find the release (ReleaseNotFoundError) in a phase with a job running
 *    (ReleaseConflictError otherwise).
 * 2. Move it to `aborted`, "canceled by the operator" (a conditional write: a release that
 *    moved on meanwhile is a conflict), so the job's `canceled` event changes nothing more.
 * 3. Cancel its current job: the canary job in `canary`, else the fleet job. One that already
 *    ended (a snapshot fleet job) needs no cancel.
 */
export function createCancelRelease(deps: ReleaseControlDeps) {
  const { releases, jobs, clock } = deps;
  const logger = deps.logger ?? silentLogger;

  return async function cancelRelease(request: CancelReleaseRequest): Promise<ReleaseRecord> {
    const release = await releases.get(request.releaseId);
    if (release === null) throw new ReleaseNotFoundError(request.releaseId);
    if (!CANCELABLE.includes(release.phase)) {
      throw new ReleaseConflictError(release.releaseId, release.phase, "it has no job running");
    }
    const jobId = release.phase === "canary" ? release.canaryJobId : release.fleetJobId;
    const force = request.force ? ", in-progress executions too" : "";
    const moved = await releases.update(
      release.releaseId,
      {
        phase: "aborted",
        reason: `canceled by the operator${force}`,
        updatedAt: clock().toISOString(),
      },
      release.phase,
    );
    if (moved === null) {
      throw new ReleaseConflictError(release.releaseId, release.phase, "it moved on meanwhile");
    }
    if (jobId !== null) {
      try {
        await jobs.cancelJob(jobId, { force: request.force });
      } catch (error) {
        if (!(error instanceof JobNotCancelableError)) throw error;
      }
    }
    logger.info({ releaseId: release.releaseId, jobId, force: request.force }, "release canceled");
    return moved;
  };
}
