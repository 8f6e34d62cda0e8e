import type { FleetOperations } from "@fleet/core";
import type { JobSummary, ReleaseRecord } from "@fleet/core/contracts";
import { CliError } from "../errors.ts";
import { pollUntil, progressLine } from "../progress-line.ts";
import type { Target } from "../targets/target.ts";

/** The sandbox answers at once; a stage's IoT control plane is rate-limited. */
export function pollIntervalMs(target: Target): number {
  return target.kind === "sandbox" ? 500 : 5_000;
}

/** `led-1_2_0-1795000000-fleet IN_PROGRESS: 3/4 succeeded, 0 failed, 1 in progress, 0 queued`. */
function jobProgressText(job: JobSummary): string {
  const { counts } = job;
  const total = executionCount(job);
  const failed = counts.failed + counts.rejected + counts.timedOut;
  const others = [
    ["canceled", counts.canceled],
    ["removed", counts.removed],
  ] as const;
  const extra = others
    .filter(([, count]) => count > 0)
    .map(([name, count]) => `, ${count} ${name}`);
  return `${job.jobId} ${job.status}: ${counts.succeeded}/${total} succeeded, ${failed} failed, ${counts.inProgress} in progress, ${counts.queued} queued${extra.join("")}`;
}

/** The job's executions, whatever their status. */
function executionCount(job: JobSummary): number {
  return Object.values(job.counts).reduce((sum, count) => sum + count, 0);
}

/**
 * Whether a job is done for a watcher: it ended, or (a continuous job, which never ends) every
 * device it reached so far ended.
 */
function jobSettled(job: JobSummary): boolean {
  if (job.status !== "IN_PROGRESS" && job.status !== "SCHEDULED") return true;
  const total = executionCount(job);
  return (
    job.targetSelection === "CONTINUOUS" &&
    total > 0 &&
    job.counts.queued === 0 &&
    job.counts.inProgress === 0
  );
}

/** `fleet jobs watch JOB`: the job's counts live until it settles; the job as it ended. */
export async function watchJob(
  fleet: FleetOperations,
  jobId: string,
  intervalMs: number,
): Promise<JobSummary> {
  const display = progressLine(process.stdout);
  try {
    return await pollUntil(
      async () => {
        const job = await fleet.describeJob(jobId);
        if (job === null) throw new CliError(`no job named ${jobId}`);
        display.show(jobId, jobProgressText(job));
        return job;
      },
      jobSettled,
      intervalMs,
    );
  } finally {
    display.end();
  }
}

/** Release phases after which nothing more happens (a completed one's job only takes joiners). */
const RELEASE_ENDED = new Set(["completed", "superseded", "aborted", "failed"]);

/**
 * `fleet ota release --wait`: the canary job's counts, then the fleet job's, live, until the
 * release ends; a release that did not complete is an error naming its reason.
 */
export async function waitForRelease(
  fleet: FleetOperations,
  releaseId: string,
  options: { intervalMs: number; stream: NodeJS.WriteStream },
): Promise<ReleaseRecord> {
  const display = progressLine(options.stream);
  let release: ReleaseRecord;
  try {
    release = await pollUntil(
      async () => {
        const current = await fleet.describeRelease(releaseId);
        if (current === null) throw new CliError(`no release named ${releaseId}`);
        const jobId = current.phase === "canary" ? current.canaryJobId : current.fleetJobId;
        const job = jobId === null ? null : await fleet.describeJob(jobId);
        const stage = current.phase === "canary" ? "canary" : "fleet";
        const counts = job === null ? "" : ` ${jobProgressText(job)}`;
        display.show(stage, `${releaseId} ${current.phase}:${counts}`);
        return current;
      },
      (current) => RELEASE_ENDED.has(current.phase),
      options.intervalMs,
    );
  } finally {
    display.end();
  }
  if (release.phase !== "completed") {
    throw new CliError(`release ${releaseId} ${release.phase}: ${release.reason ?? "no reason"}`);
  }
  return release;
}
