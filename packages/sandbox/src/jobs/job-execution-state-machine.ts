import type {
  JobExecutionState,
  JobExecutionStatus,
  StatusDetails,
  UpdateJobExecutionRequest,
} from "@fleet/core/contracts";
import { JobsRequestRejectedError } from "../errors.ts";
import type { JobExecutionRecord } from "./job-state.ts";

/** "Terminal" statuses (developer guide, "Jobs concepts"): an execution never leaves them. */
const TERMINAL_STATUSES: ReadonlySet<JobExecutionStatus> = new Set([
  "SUCCEEDED",
  "FAILED",
  "TIMED_OUT",
  "REJECTED",
  "REMOVED",
  "CANCELED",
]);

export function isTerminal(status: JobExecutionStatus): boolean {
  return TERMINAL_STATUSES.has(status);
}

export function isPending(status: JobExecutionStatus): boolean {
  return status === "QUEUED" || status === "IN_PROGRESS";
}

export function executionState(execution: JobExecutionRecord): JobExecutionState {
  return {
    status: execution.status,
    ...(execution.statusDetails === undefined ? {} : { statusDetails: execution.statusDetails }),
    versionNumber: execution.versionNumber,
  };
}

/**
 * The order AWS lists pending executions in (and so picks `$next` and start-next by):
 * IN_PROGRESS before QUEUED, then oldest queued first (developer guide, "Jobs notifications").
 */
export function comparePending(a: JobExecutionRecord, b: JobExecutionRecord): number {
  const rank = (execution: JobExecutionRecord) => (execution.status === "IN_PROGRESS" ? 0 : 1);
  return rank(a) - rank(b) || a.queuedAt - b.queuedAt || a.jobId.localeCompare(b.jobId);
}

/**
 * StartNextPendingJobExecution on the thing's next pending execution: a QUEUED one moves to
 * IN_PROGRESS (taking `statusDetails`, one version up); an IN_PROGRESS one is returned as it is.
 */
export function startExecution(
  execution: JobExecutionRecord,
  statusDetails: StatusDetails | undefined,
  now: number,
): JobExecutionRecord {
  if (execution.status !== "QUEUED") return execution;
  return {
    ...execution,
    status: "IN_PROGRESS",
    ...(statusDetails === undefined ? {} : { statusDetails }),
    versionNumber: execution.versionNumber + 1,
    startedAt: now,
    lastUpdatedAt: now,
  };
}

/**
 * UpdateJobExecution as AWS applies it: a terminal execution refuses every change
 * (InvalidStateTransition, e.g. SUCCEEDED -> IN_PROGRESS); `expectedVersion` must equal the
 * stored version (VersionMismatch); `executionNumber`, when given, must name this execution.
 * Both refusals carry the current state. `statusDetails` replaces the stored details.
 */
export function updateExecution(
  execution: JobExecutionRecord,
  request: UpdateJobExecutionRequest,
  now: number,
): JobExecutionRecord {
  if (
    request.executionNumber !== undefined &&
    request.executionNumber !== execution.executionNumber
  ) {
    throw new JobsRequestRejectedError(
      "ResourceNotFound",
      `Job execution ${execution.jobId} number ${request.executionNumber} not found for thing ${execution.thingName}.`,
    );
  }
  if (isTerminal(execution.status)) {
    throw new JobsRequestRejectedError(
      "InvalidStateTransition",
      `Job execution ${execution.jobId} is in terminal state ${execution.status}; it cannot move to ${request.status}.`,
      executionState(execution),
    );
  }
  if (
    request.expectedVersion !== undefined &&
    request.expectedVersion !== execution.versionNumber
  ) {
    throw new JobsRequestRejectedError(
      "VersionMismatch",
      `Expected version ${request.expectedVersion} but the job execution is at version ${execution.versionNumber}.`,
      executionState(execution),
    );
  }
  const startedAt = execution.startedAt ?? (request.status === "IN_PROGRESS" ? now : undefined);
  return {
    ...execution,
    status: request.status,
    ...(request.statusDetails === undefined ? {} : { statusDetails: request.statusDetails }),
    versionNumber: execution.versionNumber + 1,
    ...(startedAt === undefined ? {} : { startedAt }),
    lastUpdatedAt: now,
  };
}

/**
 * CancelJobExecution: a QUEUED execution, or an IN_PROGRESS one with `force`, moves to
 * CANCELED (one version up); anything else is InvalidStateTransition, as AWS refuses it.
 */
export function cancelExecution(
  execution: JobExecutionRecord,
  options: { force: boolean; statusDetails?: StatusDetails | undefined },
  now: number,
): JobExecutionRecord {
  const cancellable =
    execution.status === "QUEUED" || (execution.status === "IN_PROGRESS" && options.force);
  if (!cancellable) {
    throw new JobsRequestRejectedError(
      "InvalidStateTransition",
      `Job execution ${execution.jobId} is ${execution.status}; it cannot be canceled${execution.status === "IN_PROGRESS" ? " without force" : ""}.`,
      executionState(execution),
    );
  }
  return {
    ...execution,
    status: "CANCELED",
    ...(options.statusDetails === undefined ? {} : { statusDetails: options.statusDetails }),
    versionNumber: execution.versionNumber + 1,
    lastUpdatedAt: now,
  };
}

/** The job's in-progress timeout ran out: IN_PROGRESS moves to TIMED_OUT (terminal). */
export function timeOutExecution(execution: JobExecutionRecord, now: number): JobExecutionRecord {
  return {
    ...execution,
    status: "TIMED_OUT",
    versionNumber: execution.versionNumber + 1,
    lastUpdatedAt: now,
  };
}
