import type { JobExecutionView, JobSummary, StatusDetails } from "@fleet/core/contracts";
import type { Command } from "commander";
import { CliError } from "../errors.ts";
import { printRecord, renderRecord } from "../output/print-record.ts";
import { type Column, printRows, renderTable } from "../output/print-rows.ts";
import { fleetOperationsFor } from "../targets/fleet-operations-for.ts";
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
  { header: "details", value: (e) => formatStatusDetails(e.statusDetails) },
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
      .command("show <jobId>")
      .description("one job and each device's execution: status and progress details")
      .option("--json", "print the job and its executions as JSON", false),
  ).action(async (jobId: string, options: TargetOptions & { json: boolean }) => {
    const fleet = await fleetOperationsFor(resolveTarget(options));
    const job = await fleet.describeJob(jobId);
    if (job === null) throw new CliError(`no job named ${jobId}`);
    if (options.json) {
      process.stdout.write(`${JSON.stringify(job, null, 2)}\n`);
      return;
    }
    process.stdout.write(`${renderRecord(job, JOB_FIELDS)}\n`);
    process.stdout.write(`${renderTable(job.executions, EXECUTION_COLUMNS)}\n`);
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
