import type { JobDocument } from "../contracts/job-document.ts";
import {
  NothingToRollBackError,
  ReleaseConflictError,
} from "../contracts/operator-api/operator-errors.ts";
import type { ReleasePhase, ReleaseRecord } from "../contracts/ota-release.ts";
import { describeError, silentLogger } from "./logger.ts";
import { releaseIdFor, releaseJobSpec } from "./start-rollout.ts";
import { DELIVERING, type ReleaseControlDeps, supersedeRelease } from "./supersede-release.ts";

/** `fleet ota rollback [--app NAME]`. */
export interface RollbackReleaseRequest {
  /** Default: the app of the newest release. */
  app?: string | undefined;
}

/** Phases of an earlier release that reached the fleet. */
const REACHED_FLEET: readonly ReleasePhase[] = ["fleet", "completed", "superseded"];

/**
 * Re-releases the version before the current one, to the current release's targets.
 * 1. The current release: the newest of the app whose fleet job delivers it (one still in its
 *    canary phase is canceled instead: ReleaseConflictError says so).
 * 2. The previous version: the newest earlier release of the app with another version that
 *    reached the fleet; its fleet job's document (artifact URL and signature as released) is
 *    reused, so nothing is uploaded or signed again.
 * 3. A new release of that version straight to the fleet (it ran there before: no canary),
 *    whose fleet job supersedes the current release. A job that cannot be created leaves the
 *    new release `failed` and is rethrown.
 */
export function createRollbackRelease(deps: ReleaseControlDeps) {
  const { releases, jobs, clock } = deps;
  const logger = deps.logger ?? silentLogger;

  return async function rollbackRelease(request: RollbackReleaseRequest): Promise<ReleaseRecord> {
    const all: ReleaseRecord[] = [];
    for await (const release of releases.list()) all.push(release);
    const app = request.app ?? all[0]?.app;
    if (app === undefined) throw new NothingToRollBackError(null, "no release yet");
    const ofApp = all.filter((release) => release.app === app);
    const newest = ofApp[0];
    if (newest?.phase === "canary") {
      throw new ReleaseConflictError(
        newest.releaseId,
        "canary",
        "cancel it (fleet ota cancel) rather than roll back",
      );
    }
    const current = ofApp.find((release) => DELIVERING.includes(release.phase));
    if (current === undefined) throw new NothingToRollBackError(app, "no release delivered now");
    const previous = ofApp.find(
      (release) =>
        release.createdAt < current.createdAt &&
        release.version !== current.version &&
        release.fleetJobId !== null &&
        REACHED_FLEET.includes(release.phase),
    );
    if (previous?.fleetJobId == null) {
      throw new NothingToRollBackError(
        app,
        `no earlier version reached the fleet before ${current.version}`,
      );
    }
    const document = await jobs.jobDocument(previous.fleetJobId);
    if (document === null) {
      throw new NothingToRollBackError(app, `the fleet job ${previous.fleetJobId} is gone`);
    }

    const now = clock();
    const releaseId = releaseIdFor(app, previous.version, Math.floor(now.getTime() / 1_000));
    const fleetJobId = `${releaseId}-fleet`;
    const record: ReleaseRecord = {
      releaseId,
      app,
      version: previous.version,
      sha256: previous.sha256,
      size: previous.size,
      artifactKey: previous.artifactKey,
      targets: current.targets,
      canaryGroup: null,
      abortFailurePct: current.abortFailurePct,
      phase: "fleet",
      canaryJobId: null,
      fleetJobId,
      reason: `rollback from ${current.version} (${current.releaseId})`,
      supersedes: current.releaseId,
      createdAt: now.toISOString(),
      updatedAt: now.toISOString(),
    };
    await releases.create(record);
    try {
      await jobs.createJob(
        releaseJobSpec(record, fleetJobId, record.targets, document as JobDocument),
      );
    } catch (error) {
      const reason = `fleet job not created: ${describeError(error)}`;
      await releases.update(
        releaseId,
        { phase: "failed", reason, updatedAt: clock().toISOString() },
        "fleet",
      );
      throw error;
    }
    await supersedeRelease(deps, record);
    logger.info({ releaseId, from: current.releaseId, version: previous.version }, "rolled back");
    return record;
  };
}
