import type {
  JobDetail,
  JobExecutionCounts,
  JobExecutionStatus,
  JobSummary,
} from "@fleet/core/contracts";
import type { JobExecutionRecord, JobRecord } from "./job-state.ts";

const COUNT_KEYS: Record<JobExecutionStatus, keyof JobExecutionCounts> = {
  QUEUED: "queued",
  IN_PROGRESS: "inProgress",
  SUCCEEDED: "succeeded",
  FAILED: "failed",
  REJECTED: "rejected",
  TIMED_OUT: "timedOut",
  CANCELED: "canceled",
  REMOVED: "removed",
};

/** A job as operators see it (DescribeJob's `jobProcessDetails` counts executions so far). */
export function jobSummary(job: JobRecord, executions: readonly JobExecutionRecord[]): JobSummary {
  const counts: JobExecutionCounts = {
    queued: 0,
    inProgress: 0,
    succeeded: 0,
    failed: 0,
    rejected: 0,
    timedOut: 0,
    canceled: 0,
    removed: 0,
  };
  for (const execution of executions) counts[COUNT_KEYS[execution.status]] += 1;
  return {
    jobId: job.jobId,
    status: job.status,
    description: job.description ?? null,
    ...(job.targetSelection === undefined ? {} : { targetSelection: job.targetSelection }),
    reasonCode: job.reasonCode ?? null,
    comment: job.comment ?? null,
    counts,
    createdAt: job.createdAt,
    completedAt: job.completedAt ?? null,
  };
}

/** `fleet jobs show`: the summary, the stored document and each execution. */
export function jobDetail(job: JobRecord, executions: readonly JobExecutionRecord[]): JobDetail {
  return {
    ...jobSummary(job, executions),
    document: job.document,
    executions: executions.map((execution) => ({
      thingName: execution.thingName,
      status: execution.status,
      statusDetails: execution.statusDetails ?? {},
      lastUpdatedAt: new Date(execution.lastUpdatedAt * 1000).toISOString(),
    })),
  };
}
