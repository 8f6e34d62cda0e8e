import type { JobExecution, StatusDetails } from "@fleet/core/contracts";

/** What a job handler is given: the execution and a way to report progress on it. */
export interface JobContext {
  readonly execution: JobExecution;
  /** Reports IN_PROGRESS with these details (replacing the previous ones). */
  progress(statusDetails: StatusDetails): Promise<void>;
}

/** The terminal status a handler reports; the agent sends it as the execution's last update. */
export interface JobOutcome {
  status: "SUCCEEDED" | "FAILED" | "REJECTED";
  statusDetails: StatusDetails;
}

/**
 * Runs one job whose document's `operation` names this handler. Returns the outcome; throws
 * only for a transient fault (connection lost, no reply): the execution then stays
 * IN_PROGRESS and is started again after the next connect, so a handler must resume.
 */
export type JobHandler = (context: JobContext) => Promise<JobOutcome>;
