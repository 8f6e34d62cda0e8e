import { JobExecutionStatusSchema, JobIdSchema, ThingNameSchema } from "@fleet/core/contracts";
import * as z from "zod";

/** One AWS `AbortCriteria`: cancel the job once this share of executed things failed so. */
export const AbortCriterionSchema = z.object({
  failureType: z.enum(["FAILED", "REJECTED", "TIMED_OUT", "ALL"]),
  action: z.literal("CANCEL"),
  thresholdPercentage: z.number().min(0).max(100),
  minNumberOfExecutedThings: z.number().int().positive(),
});
export type AbortCriterion = z.infer<typeof AbortCriterionSchema>;

/**
 * AWS `SchedulingConfig` without start time or maintenance windows: at `endTime` the rollout
 * stops (STOP_ROLLOUT), or the job is canceled with its QUEUED executions (CANCEL) and its
 * IN_PROGRESS ones too (FORCE_CANCEL).
 */
export const ScheduledEndSchema = z.object({
  endTime: z.iso.datetime(),
  endBehavior: z.enum(["STOP_ROLLOUT", "CANCEL", "FORCE_CANCEL"]),
});
export type ScheduledEnd = z.infer<typeof ScheduledEndSchema>;

/** AWS `targetSelection`: SNAPSHOT targets the group members at creation, CONTINUOUS later ones too. */
export const TargetSelectionSchema = z.enum(["SNAPSHOT", "CONTINUOUS"]);
export type TargetSelection = z.infer<typeof TargetSelectionSchema>;

/**
 * A job: IN_PROGRESS while any execution is pending (or not rolled out yet), COMPLETED once every
 * one is terminal, CANCELED by CancelJob or its abort config. `targets` are the things the job
 * runs on: the named things plus the members of `thingGroups` when it was created (a snapshot
 * job; a continuous one adds each thing that joins them later and never completes);
 * `unreleased` are those the rollout has not queued an execution for yet.
 */
export const JobRecordSchema = z.object({
  jobId: JobIdSchema,
  document: z.record(z.string(), z.unknown()),
  targets: z.array(ThingNameSchema),
  thingGroups: z.array(ThingNameSchema).optional(),
  /** Absent: SNAPSHOT. */
  targetSelection: z.literal("CONTINUOUS").optional(),
  description: z.string().optional(),
  status: z.enum(["IN_PROGRESS", "COMPLETED", "CANCELED"]),
  reasonCode: z.string().optional(),
  comment: z.string().optional(),
  rolloutMaximumPerMinute: z.number().int().positive().optional(),
  unreleased: z.array(ThingNameSchema).optional(),
  abortCriteria: z.array(AbortCriterionSchema).optional(),
  inProgressTimeoutInMinutes: z.number().int().positive().optional(),
  schedulingConfig: ScheduledEndSchema.optional(),
  createdAt: z.iso.datetime(),
  completedAt: z.iso.datetime().optional(),
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
