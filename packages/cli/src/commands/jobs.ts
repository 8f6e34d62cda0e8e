import type { FleetOperations } from "@fleet/core";
import {
  type JobDetail,
  type JobExecutionView,
  type JobSummary,
  RELEASE_ID_SHAPE,
  type StatusDetails,
} from "@fleet/core/contracts";
import type { Command } from "commander";
import { CliError } from "../errors.ts";
import { printRecord, renderRecord } from "../output/print-record.ts";
import { type Column, printRows, renderTable } from "../output/print-rows.ts";
import { fleetOperationsFor } from "../targets/fleet-operations-for.ts";
import { pollIntervalMs, watchJob } from "./job-progress.ts";
import { resolveTarget, type TargetOptions, withTargetOptions } from "./target-options.ts";

export const JOB_COLUMNS: readonly Column<JobSummary>[] = [
  { header: "job", value: (j) => j.jobId },
  { header: "status", value: (j) => j.status },
  { header: "succeeded", value: (j) => String(j.counts.succeeded) },
  {
    header: "failed",
    value: (j) => String(j.counts.failed + j.counts.rejected + j.counts.timedOut),
  },
  { header: "in progress", value: (j) => String(j.counts.inProgress) },
  { header: "queued", value: (j) => String(j.counts.queued) },
  { header: "created", value: (j) => j.createdAt },
  // Tells rotations (UUID job ids) from releases.
  { header: "description", value: (j) => j.description ?? "-", flexible: true },
];

const JOB_FIELDS: readonly Column<JobSummary>[] = [
  { header: "job", value: (j) => j.jobId },
  { header: "status", value: (j) => j.status },
  { header: "description", value: (j) => j.description ?? "-" },
  { header: "reason", value: (j) => [j.reasonCode, j.comment].filter(Boolean).join(": ") || "-" },
  { header: "executions", value: (j) => describeCounts(j) },
  { header: "created", value: (j) => j.createdAt },
  { header: "completed", value: (j) => j.completedAt ?? "-" },
];

export const EXECUTION_COLUMNS: readonly Column<JobExecutionView>[] = [
  { header: "device", value: (e) => e.thingName },
  { header: "status", value: (e) => e.status },
  // A device's own words (a failure reason can run to hundreds of characters): cut first.
  { header: "details", value: (e) => formatStatusDetails(e.statusDetails), flexible: true },
  { header: "updated", value: (e) => e.lastUpdatedAt },
];

export function registerJobsCommand(program: Command): void {
  const jobs = program
    .command("jobs")
    .description("IoT jobs (OTA releases, certificate rotations) and their executions");

  // The default subcommand: `fleet jobs [--json]`. Options on `jobs` itself would swallow
  // the same options given to `fleet jobs show`.
  withTargetOptions(
    jobs
      .command("list", { isDefault: true })
      .description("list jobs with execution counts (the default)")
      .option("--json", "print a JSON array instead of a table", false),
  ).action(async (options: TargetOptions & { json: boolean }) => {
    const fleet = await fleetOperationsFor(resolveTarget(options));
    printRows(await fleet.listJobs(), JOB_COLUMNS, { json: options.json });
  });

  withTargetOptions(
    jobs
      .command("show <id>")
      .description(
        "one job and each device's execution: status and progress details; a release id shows its -canary and -fleet jobs",
      )
      .option("--json", "print the job and its executions as JSON (a release: an array)", false),
  ).action(async (id: string, options: TargetOptions & { json: boolean }) => {
    const fleet = await fleetOperationsFor(resolveTarget(options));
    const job = await fleet.describeJob(id);
    const jobs = job !== null ? [job] : await releaseJobs(fleet, id);
    if (options.json) {
      const shown = job !== null ? job : jobs;
      process.stdout.write(`${JSON.stringify(shown, null, 2)}\n`);
      return;
    }
    for (const each of jobs) {
      process.stdout.write(`${renderRecord(each, JOB_FIELDS)}\n`);
      process.stdout.write(`${renderTable(each.executions, EXECUTION_COLUMNS)}\n`);
    }
  });

  withTargetOptions(
    jobs
      .command("watch <jobId>")
      .description(
        "follow a job's execution counts live until it ends (a continuous job: until nothing is pending)",
      ),
  ).action(async (jobId: string, options: TargetOptions) => {
    const target = resolveTarget(options);
    await watchJob(await fleetOperationsFor(target), jobId, pollIntervalMs(target));
  });

  withTargetOptions(
    jobs
      .command("cancel <jobId>")
      .description(
        "cancel a job in progress: its queued executions, with --force the running ones too",
      )
      .option("--force", "also cancel executions in progress (devices may be mid-update)", false)
      .option("--json", "print the canceled job as JSON", false),
  ).action(async (jobId: string, options: TargetOptions & { force: boolean; json: boolean }) => {
    const fleet = await fleetOperationsFor(resolveTarget(options));
    const job = await fleet.cancelJob({ jobId, force: options.force });
    printRecord(job, JOB_FIELDS, { json: options.json });
  });
}

/**
 * The jobs of the release named `id` (`<id>-canary`, `<id>-fleet`, those created so far), so
 * that `jobs show` takes the id `ota release` printed; neither a job nor a release is an error.
 */
async function releaseJobs(fleet: FleetOperations, id: string): Promise<JobDetail[]> {
  // Only an id shaped like a release's is looked up as one.
  const release = RELEASE_ID_SHAPE.test(id) ? await fleet.describeRelease(id) : null;
  if (release === null) throw new CliError(`no job named ${id}`);
  const jobIds = [release.canaryJobId, release.fleetJobId].filter((jobId) => jobId !== null);
  const jobs: JobDetail[] = [];
  for (const jobId of jobIds) {
    const job = await fleet.describeJob(jobId);
    if (job !== null) jobs.push(job);
  }
  if (jobs.length === 0) throw new CliError(`release ${id} has no job (${release.phase})`);
  return jobs;
}

/** `step=1/1 phase=health-check reason="health check failed: ..."`: values with spaces quoted. */
export function formatStatusDetails(details: StatusDetails): string {
  return Object.entries(details)
    .map(([key, value]) => `${key}=${/[\s"=]/.test(value) ? JSON.stringify(value) : value}`)
    .join(" ");
}

function describeCounts(job: JobSummary): string {
  const parts = Object.entries(job.counts)
    .filter(([, count]) => count > 0)
    .map(([status, count]) => `${count} ${status}`);
  return parts.length > 0 ? parts.join(", ") : "none";
}
