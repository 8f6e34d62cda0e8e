import * as z from "zod";
import { ThingNameSchema } from "./identity.ts";
import { JobExecutionStatusSchema, JobIdSchema } from "./jobs-api.ts";
import { StatusDetailsSchema } from "./status-details.ts";

/**
 * Jobs as operators see them (`fleet jobs [--json]`, `fleet jobs show ID`), the same for a
 * deployed stage (DescribeJob / ListJobExecutionsForJob) and the sandbox API.
 */

/** AWS IoT job statuses (DescribeJob). */
export const JobStatusSchema = z.enum([
  "IN_PROGRESS",
  "CANCELED",
  "COMPLETED",
  "DELETION_IN_PROGRESS",
  "SCHEDULED",
]);
export type JobStatus = z.infer<typeof JobStatusSchema>;

/** How many of a job's executions are in each status (AWS `jobProcessDetails`). */
export const JobExecutionCountsSchema = z.object({
  queued: z.number().int().nonnegative(),
  inProgress: z.number().int().nonnegative(),
  succeeded: z.number().int().nonnegative(),
  failed: z.number().int().nonnegative(),
  rejected: z.number().int().nonnegative(),
  timedOut: z.number().int().nonnegative(),
  canceled: z.number().int().nonnegative(),
  removed: z.number().int().nonnegative(),
});
export type JobExecutionCounts = z.infer<typeof JobExecutionCountsSchema>;

export const JobSummarySchema = z.object({
  jobId: JobIdSchema,
  status: JobStatusSchema,
  description: z.string().nullable(),
  /**
   * CONTINUOUS: the job stays IN_PROGRESS and runs on things that join its groups later.
   * Absent: SNAPSHOT.
   */
  targetSelection: z.enum(["SNAPSHOT", "CONTINUOUS"]).optional(),
  /** Why the job was canceled, e.g. the abort config's `FAILED` criterion; null otherwise. */
  reasonCode: z.string().nullable(),
  comment: z.string().nullable(),
  counts: JobExecutionCountsSchema,
  createdAt: z.iso.datetime(),
  completedAt: z.iso.datetime().nullable(),
});
export type JobSummary = z.infer<typeof JobSummarySchema>;

export const JobExecutionViewSchema = z.object({
  thingName: ThingNameSchema,
  status: JobExecutionStatusSchema,
  statusDetails: StatusDetailsSchema,
  lastUpdatedAt: z.iso.datetime(),
});
export type JobExecutionView = z.infer<typeof JobExecutionViewSchema>;

/**
 * The job-execution events (`$aws/events/jobExecution/<jobId>/<operation>`, AWS IoT developer
 * guide "Jobs events") of an execution reaching a terminal status.
 */
export const JobExecutionEndOperationSchema = z.enum([
  "succeeded",
  "failed",
  "rejected",
  "canceled",
  "timed_out",
  "removed",
]);

/** `fleet jobs show ID --json`. */
export const JobDetailSchema = JobSummarySchema.extend({
  document: z.record(z.string(), z.unknown()),
  executions: z.array(JobExecutionViewSchema),
});
export type JobDetail = z.infer<typeof JobDetailSchema>;
