import { JobExecutionStatusSchema, JobIdSchema, ThingNameSchema } from "@fleet/core/contracts";
import { z } from "zod";

/** A job: IN_PROGRESS while any execution is pending, COMPLETED once every one is terminal. */
export const JobRecordSchema = z.object({
  jobId: JobIdSchema,
  document: z.record(z.string(), z.unknown()),
  targets: z.array(ThingNameSchema),
  status: z.enum(["IN_PROGRESS", "COMPLETED"]),
  createdAt: z.iso.datetime(),
});
export type JobRecord = z.infer<typeof JobRecordSchema>;

/** One thing's execution of a job. Times are seconds since the epoch, as the Jobs API sends them. */
export const JobExecutionRecordSchema = z.object({
  jobId: JobIdSchema,
  thingName: ThingNameSchema,
  status: JobExecutionStatusSchema,
  statusDetails: z.record(z.string(), z.string()).optional(),
  versionNumber: z.number().int().nonnegative(),
  executionNumber: z.number().int().positive(),
  queuedAt: z.number().int().nonnegative(),
  startedAt: z.number().int().nonnegative().optional(),
  lastUpdatedAt: z.number().int().nonnegative(),
});
export type JobExecutionRecord = z.infer<typeof JobExecutionRecordSchema>;

/** `<stateDir>/jobs.json`. */
export const JobsStateSchema = z.object({
  version: z.literal(1),
  jobs: z.array(JobRecordSchema),
  executions: z.array(JobExecutionRecordSchema),
});
export type JobsState = z.infer<typeof JobsStateSchema>;
