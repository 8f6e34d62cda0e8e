import type { JobDocument } from "../contracts/job-document.ts";
import type { JobExecutionCounts, JobSummary } from "../contracts/ota-jobs.ts";
import type { ReleasePhase, ReleaseRecord } from "../contracts/ota-release.ts";
import { FleetError } from "../errors.ts";
import type { ReleasePatch } from "../ports/ota.ts";
import { describeError, silentLogger } from "./logger.ts";
import { releaseJobSpec } from "./start-rollout.ts";
import { type ReleaseControlDeps, supersedeRelease } from "./supersede-release.ts";

export type AdvanceReleaseDeps = ReleaseControlDeps;

/** A release's jobs are `<releaseId>-canary` and `<releaseId>-fleet`. */
const RELEASE_JOB_ID = /^(?<releaseId>[a-zA-Z0-9_-]{1,56})-(?<kind>canary|fleet)$/;

/**
 * Moves a release on when one of its jobs ended (a Jobs `completed` or `canceled` event), or
 * one of its continuous fleet job's executions did (a job-execution event):
 * 1. Find the release the job belongs to; any other job is ignored (null).
 * 2. Describe the job; one still running is ignored (the event will come), except a
 *    continuous fleet job with nothing QUEUED or IN_PROGRESS: it never ends, the fleet has
 *    converged, so it counts as COMPLETED (the job stays open for devices that join later).
 * 3. Canary job COMPLETED with every execution SUCCEEDED: the release moves to `fleet` and the
 *    fleet job is created with the canary's document; it supersedes the older release.
 *    Canceled (abort criterion), or any execution not SUCCEEDED: `aborted`,
 *    with a reason naming the counts; the fleet never gets the release.
 * 4. Fleet job COMPLETED: `completed` (the reason names executions that did not succeed, if
 *    any); canceled: `aborted`.
 * Each move is a conditional write on the phase the job belongs to, so a redelivered event
 * changes nothing (null). A fleet job that cannot be created leaves the release `failed`.
 */
export function createAdvanceRelease(deps: AdvanceReleaseDeps) {
  const { releases, jobs, clock } = deps;
  const logger = deps.logger ?? silentLogger;

  return async function advanceRelease(jobId: string): Promise<ReleaseRecord | null> {
    const match = RELEASE_JOB_ID.exec(jobId)?.groups;
    if (match === undefined) return null;
    const kind = match.kind as "canary" | "fleet";
    const release = await releases.get(match.releaseId as string);
    if (
      release === null ||
      (kind === "canary" ? release.canaryJobId : release.fleetJobId) !== jobId
    ) {
      return null;
    }
    const fields = { releaseId: release.releaseId, jobId };
    if (release.phase !== kind) {
      logger.info({ ...fields, phase: release.phase }, "release already moved on");
      return null;
    }
    const job = await jobs.describeJob(jobId);
    if (
      job === null ||
      (job.status !== "COMPLETED" && job.status !== "CANCELED" && !converged(job))
    ) {
      logger.info({ ...fields, status: job?.status ?? null }, "release job has not ended");
      return null;
    }

    const move = async (patch: ReleasePatch, expected: ReleasePhase) => {
      const updated = await releases.update(
        release.releaseId,
        { ...patch, updatedAt: clock().toISOString() },
        expected,
      );
      if (updated !== null) {
        logger.info({ ...fields, phase: updated.phase, reason: updated.reason }, "release moved");
      }
      return updated;
    };

    const outcome = jobOutcome(kind, job);
    if (kind === "fleet") {
      return move(
        { phase: outcome.succeeded ? "completed" : "aborted", reason: outcome.reason },
        kind,
      );
    }
    if (!outcome.succeeded) return move({ phase: "aborted", reason: outcome.reason }, kind);

    const fleetJobId = `${release.releaseId}-fleet`;
    const moved = await move({ phase: "fleet", fleetJobId }, "canary");
    if (moved === null) return null;
    try {
      // The canary's document as created (with its URL placeholder): the fleet gets the same.
      const document = await jobs.jobDocument(jobId);
      if (document === null) throw new FleetError(`canary job ${jobId} has no document`);
      await jobs.createJob(
        releaseJobSpec(moved, fleetJobId, moved.targets, document as JobDocument),
      );
      await supersedeRelease(deps, moved);
    } catch (error) {
      const reason = `fleet job not created: ${describeError(error)}`;
      logger.error({ ...fields, fleetJobId, reason }, "release failed");
      await move({ phase: "failed", reason }, "fleet");
      throw error;
    }
    return moved;
  };
}

/** A continuous job that reached every device it targets so far, and each execution ended. */
function converged(job: JobSummary): boolean {
  const { counts } = job;
  const total = Object.values(counts).reduce((sum, count) => sum + count, 0);
  return (
    job.targetSelection === "CONTINUOUS" &&
    job.status === "IN_PROGRESS" &&
    counts.queued === 0 &&
    counts.inProgress === 0 &&
    total > 0
  );
}

/**
 * Whether a job that ended lets its release go on, and why not. A canary must have every
 * execution SUCCEEDED (and at least one); a fleet job counts as done once COMPLETED.
 */
function jobOutcome(
  kind: "canary" | "fleet",
  job: JobSummary,
): { succeeded: boolean; reason: string | null } {
  const { counts } = job;
  const total = Object.values(counts).reduce((sum, count) => sum + count, 0);
  if (job.status === "CANCELED") {
    const criterion = job.reasonCode ? ` by abort criterion ${job.reasonCode}` : "";
    return {
      succeeded: false,
      reason: `${kind} job canceled${criterion}: ${failures(counts, total)}`,
    };
  }
  const allSucceeded = total > 0 && counts.succeeded === total;
  if (allSucceeded) return { succeeded: true, reason: null };
  if (kind === "fleet") {
    return { succeeded: true, reason: `fleet job completed: ${failures(counts, total)}` };
  }
  return {
    succeeded: false,
    reason:
      total === 0
        ? "canary job completed without executions: the canary group has no devices"
        : `canary job completed: ${failures(counts, total)}`,
  };
}

/** `2 of 3 executions failed (1 REJECTED)`: FAILED counted plainly, other outcomes named. */
function failures(counts: JobExecutionCounts, total: number): string {
  const others = [
    ["REJECTED", counts.rejected],
    ["TIMED_OUT", counts.timedOut],
    ["CANCELED", counts.canceled],
    ["REMOVED", counts.removed],
  ] as const;
  const failed = counts.failed + others.reduce((sum, [, count]) => sum + count, 0);
  const named = others
    .filter(([, count]) => count > 0)
    .map(([status, count]) => `${count} ${status}`);
  return `${failed} of ${total} executions failed${named.length > 0 ? ` (${named.join(", ")})` : ""}`;
}
