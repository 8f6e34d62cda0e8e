import {
  JobNotCancelableError,
  JobNotFoundError,
} from "../contracts/operator-api/operator-errors.ts";
import type { ReleasePhase, ReleaseRecord, ReleaseTarget } from "../contracts/ota-release.ts";
import type { OtaJobs, ReleaseStore } from "../ports/ota.ts";
import { silentLogger, type UseCaseLogger } from "./logger.ts";

/** What moving a release on needs (advance, cancel, rollback, supersede, start a rollout). */
export interface ReleaseControlDeps {
  releases: ReleaseStore;
  jobs: OtaJobs;
  clock: () => Date;
  logger?: UseCaseLogger;
}

/** The phases in which a release's continuous fleet job delivers it to the devices. */
export const DELIVERING: readonly ReleasePhase[] = ["fleet", "completed"];

/**
 * The release a new one of `app` to `targets` takes over from: the newest of the same app whose
 * fleet job delivers it now and whose targets are all among the new ones (a release to more
 * devices is never cut short by one to fewer). null: none.
 */
export async function releaseToSupersede(
  releases: ReleaseStore,
  app: string,
  targets: readonly ReleaseTarget[],
): Promise<string | null> {
  const key = (target: ReleaseTarget) => `${target.kind}:${target.name}`;
  const covered = new Set(targets.map(key));
  for await (const release of releases.list()) {
    if (release.app !== app || !DELIVERING.includes(release.phase)) continue;
    if (release.targets.every((target) => covered.has(key(target)))) return release.releaseId;
  }
  return null;
}

/**
 * Once `release`'s fleet job exists, the release it supersedes stops being the desired state:
 * 1. The older release moves to `superseded` (a conditional write on the phase it is in, so a
 *    redelivered event changes nothing).
 * 2. Its continuous fleet job is canceled without force: AWS CancelJob cancels the QUEUED
 *    executions and lets IN_PROGRESS ones finish (a device mid-install is never cut off). Two
 *    continuous jobs on one group would install both versions on every device that joins.
 * A job that already ended (a snapshot job) needs no cancel.
 */
export async function supersedeRelease(
  deps: ReleaseControlDeps,
  release: ReleaseRecord,
): Promise<void> {
  const logger = deps.logger ?? silentLogger;
  if (release.supersedes == null) return;
  const previous = await deps.releases.get(release.supersedes);
  if (previous === null || !DELIVERING.includes(previous.phase)) return;
  const moved = await deps.releases.update(
    previous.releaseId,
    {
      phase: "superseded",
      reason: `superseded by ${release.releaseId}`,
      updatedAt: deps.clock().toISOString(),
    },
    previous.phase,
  );
  if (moved === null || previous.fleetJobId === null) return;
  try {
    await deps.jobs.cancelJob(previous.fleetJobId, { force: false });
  } catch (error) {
    if (!(error instanceof JobNotCancelableError || error instanceof JobNotFoundError)) throw error;
  }
  logger.info(
    { releaseId: previous.releaseId, supersededBy: release.releaseId },
    "release superseded",
  );
}
