import * as z from "zod";
import { ThingNameSchema } from "./identity.ts";
import { StatusDetailsSchema } from "./status-details.ts";

/**
 * Payloads of the AWS IoT Jobs device MQTT API (developer guide "Jobs device MQTT API" and
 * "Jobs device MQTT and HTTPS data types"; constraints from the iot-jobs-data API reference).
 * Topics are built in `topics.ts` (`jobsTopics`). Timestamps are seconds since the epoch.
 * These shapes are owned by AWS, so unknown fields are dropped rather than refused.
 */

export const JobExecutionStatusSchema = z.enum([
  "QUEUED",
  "IN_PROGRESS",
  "SUCCEEDED",
  "FAILED",
  "TIMED_OUT",
  "REJECTED",
  "REMOVED",
  "CANCELED",
]);
export type JobExecutionStatus = z.infer<typeof JobExecutionStatusSchema>;

/** The statuses a device may set with UpdateJobExecution. */
export const JobExecutionUpdateStatusSchema = JobExecutionStatusSchema.extract([
  "IN_PROGRESS",
  "SUCCEEDED",
  "FAILED",
  "REJECTED",
]);
export type JobExecutionUpdateStatus = z.infer<typeof JobExecutionUpdateStatusSchema>;

/** Job ids: 1-64 characters of [a-zA-Z0-9_-]. */
export const JobIdSchema = z
  .string()
  .regex(/^[a-zA-Z0-9_-]{1,64}$/, "a job id is 1-64 characters of [a-zA-Z0-9_-]");

/** Correlates a request with its reply; AWS reflects it unchanged. */
const ClientTokenSchema = z.string();
/** Step timer: "valid values range from 1 to 10080 (1 minute to 7 days)" (API reference). */
const StepTimeoutInMinutesSchema = z.number().int().min(1).max(10_080);
const EpochSecondsSchema = z.number().nonnegative();
const VersionSchema = z.number().int().nonnegative();

/**
 * The job document as the device receives it: any JSON object here, so that a document the
 * device cannot run still reaches it and is REJECTED with a reason (`checkJobDocument`).
 */
const ReceivedJobDocumentSchema = z.record(z.string(), z.unknown());

export const JobExecutionSchema = z.object({
  jobId: JobIdSchema,
  thingName: ThingNameSchema.optional(),
  /** Absent when the request asked for `includeJobDocument: false`. */
  jobDocument: ReceivedJobDocumentSchema.optional(),
  status: JobExecutionStatusSchema,
  statusDetails: StatusDetailsSchema.optional(),
  queuedAt: EpochSecondsSchema,
  startedAt: EpochSecondsSchema.optional(),
  lastUpdatedAt: EpochSecondsSchema,
  approximateSecondsBeforeTimedOut: z.number().optional(),
  versionNumber: VersionSchema,
  executionNumber: z.number().int(),
});
export type JobExecution = z.infer<typeof JobExecutionSchema>;

export const JobExecutionStateSchema = z.object({
  status: JobExecutionStatusSchema,
  statusDetails: StatusDetailsSchema.optional(),
  versionNumber: VersionSchema,
});
export type JobExecutionState = z.infer<typeof JobExecutionStateSchema>;

export const JobExecutionSummarySchema = z.object({
  jobId: JobIdSchema,
  queuedAt: EpochSecondsSchema,
  startedAt: EpochSecondsSchema.optional(),
  lastUpdatedAt: EpochSecondsSchema,
  versionNumber: VersionSchema,
  executionNumber: z.number().int(),
});
export type JobExecutionSummary = z.infer<typeof JobExecutionSummarySchema>;

/** `$aws/things/{thing}/jobs/notify`: the pending executions, grouped by status. */
export const JobExecutionsChangedSchema = z.object({
  jobs: z.object({
    QUEUED: z.array(JobExecutionSummarySchema).optional(),
    IN_PROGRESS: z.array(JobExecutionSummarySchema).optional(),
  }),
  timestamp: EpochSecondsSchema,
});
export type JobExecutionsChanged = z.infer<typeof JobExecutionsChangedSchema>;

/** `$aws/things/{thing}/jobs/notify-next`: no `execution` once nothing is pending. */
export const NextJobExecutionChangedSchema = z.object({
  execution: JobExecutionSchema.optional(),
  timestamp: EpochSecondsSchema,
});
export type NextJobExecutionChanged = z.infer<typeof NextJobExecutionChangedSchema>;

/** `$aws/things/{thing}/jobs/get`. */
export const GetPendingJobExecutionsRequestSchema = z.object({
  clientToken: ClientTokenSchema.optional(),
});
export type GetPendingJobExecutionsRequest = z.infer<typeof GetPendingJobExecutionsRequestSchema>;

/** `$aws/things/{thing}/jobs/get/accepted`. */
export const GetPendingJobExecutionsAcceptedSchema = z.object({
  inProgressJobs: z.array(JobExecutionSummarySchema),
  queuedJobs: z.array(JobExecutionSummarySchema),
  timestamp: EpochSecondsSchema,
  clientToken: ClientTokenSchema.optional(),
});
export type GetPendingJobExecutionsAccepted = z.infer<typeof GetPendingJobExecutionsAcceptedSchema>;

/** `$aws/things/{thing}/jobs/start-next`. */
export const StartNextPendingJobExecutionRequestSchema = z.object({
  /** Set on the execution if it moves from QUEUED to IN_PROGRESS; otherwise unchanged. */
  statusDetails: StatusDetailsSchema.optional(),
  stepTimeoutInMinutes: StepTimeoutInMinutesSchema.optional(),
  clientToken: ClientTokenSchema.optional(),
});
export type StartNextPendingJobExecutionRequest = z.infer<
  typeof StartNextPendingJobExecutionRequestSchema
>;

/** `.../start-next/accepted` and `.../{jobId}/get/accepted`; no `execution` if none is pending. */
export const JobExecutionAcceptedSchema = z.object({
  execution: JobExecutionSchema.optional(),
  timestamp: EpochSecondsSchema,
  clientToken: ClientTokenSchema.optional(),
});
export type JobExecutionAccepted = z.infer<typeof JobExecutionAcceptedSchema>;

/** `$aws/things/{thing}/jobs/{jobId}/get` (jobId `$next` for the next pending execution). */
export const DescribeJobExecutionRequestSchema = z.object({
  executionNumber: z.number().int().optional(),
  /** Default true. */
  includeJobDocument: z.boolean().optional(),
  clientToken: ClientTokenSchema.optional(),
});
export type DescribeJobExecutionRequest = z.infer<typeof DescribeJobExecutionRequestSchema>;

/** `$aws/things/{thing}/jobs/{jobId}/update`. */
export const UpdateJobExecutionRequestSchema = z.object({
  status: JobExecutionUpdateStatusSchema,
  /** Replaces the stored details; omitted means unchanged. */
  statusDetails: StatusDetailsSchema.optional(),
  /** Rejected with VersionMismatch unless it equals the stored version. */
  expectedVersion: VersionSchema.optional(),
  executionNumber: z.number().int().optional(),
  /** Default false. */
  includeJobExecutionState: z.boolean().optional(),
  /** Default false. */
  includeJobDocument: z.boolean().optional(),
  stepTimeoutInMinutes: StepTimeoutInMinutesSchema.optional(),
  clientToken: ClientTokenSchema.optional(),
});
export type UpdateJobExecutionRequest = z.infer<typeof UpdateJobExecutionRequestSchema>;

/** `$aws/things/{thing}/jobs/{jobId}/update/accepted`. */
export const UpdateJobExecutionAcceptedSchema = z.object({
  /** Present when the request set `includeJobExecutionState`. */
  executionState: JobExecutionStateSchema.optional(),
  /** Present when the request set `includeJobDocument`. */
  jobDocument: ReceivedJobDocumentSchema.optional(),
  timestamp: EpochSecondsSchema,
  clientToken: ClientTokenSchema.optional(),
});
export type UpdateJobExecutionAccepted = z.infer<typeof UpdateJobExecutionAcceptedSchema>;

export const JobsErrorCodeSchema = z.enum([
  "InvalidTopic",
  "InvalidJson",
  "InvalidRequest",
  "InvalidStateTransition",
  "ResourceNotFound",
  "VersionMismatch",
  "InternalError",
  "RequestThrottled",
  "TerminalStateReached",
]);
export type JobsErrorCode = z.infer<typeof JobsErrorCodeSchema>;

/** Every Jobs `/rejected` reply. */
export const JobsErrorResponseSchema = z.object({
  code: JobsErrorCodeSchema,
  message: z.string(),
  clientToken: ClientTokenSchema.optional(),
  timestamp: EpochSecondsSchema,
  /** Only with InvalidStateTransition and VersionMismatch: the current state. */
  executionState: JobExecutionStateSchema.optional(),
});
export type JobsErrorResponse = z.infer<typeof JobsErrorResponseSchema>;
