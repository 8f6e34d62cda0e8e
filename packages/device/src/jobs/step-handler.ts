import type { JobOperation, JobStep, StatusDetails } from "@fleet/core/contracts";

/** What a step handler is given: its step, where it stands in the job, and a way to report. */
export interface StepContext<S extends JobStep = JobStep> {
  readonly jobId: string;
  readonly step: S;
  /** 0-based index of the step in the document, and the document's step count. */
  readonly index: number;
  readonly count: number;
  /**
   * The phase this step last persisted when the device restarted in the middle of it
   * (e.g. `rebooting`); undefined on a first run.
   */
  readonly resumedPhase: string | undefined;
  /**
   * Time left before AWS times the execution out, as it stood when the job was (re)started
   * (AWS's `approximateSecondsBeforeTimedOut`); undefined when the job has no in-progress timer.
   */
  readonly timeLeftMs: number | undefined;
  /**
   * Persists `phase` as the step's state (so a restart resumes from it), then reports
   * IN_PROGRESS with `{step: "i/n", operation, phase, ...detail}`.
   */
  report(phase: string, detail?: StatusDetails): Promise<void>;
}

/**
 * How a step ended: `succeeded` moves to the next step, `failed` ends the job FAILED with
 * the reason, `rebooting` leaves the job IN_PROGRESS: the device is going down and the step
 * finishes after the restart (its handler is called again with `resumedPhase`).
 */
export type StepOutcome =
  | { status: "succeeded"; details?: StatusDetails }
  | { status: "failed"; reason: string; details?: StatusDetails }
  | { status: "rebooting" };

/**
 * Runs one step of a job. Throws only for a transient fault (connection lost, no reply): the
 * execution then stays IN_PROGRESS and is started again after the next connect, so a
 * handler must resume from its persisted phase.
 */
export type StepHandler<S extends JobStep = JobStep> = (
  context: StepContext<S>,
) => Promise<StepOutcome>;

/** A handler per operation the device supports; a document with any other step is REJECTED. */
export type StepHandlers = {
  readonly [O in JobOperation]?: StepHandler<Extract<JobStep, { operation: O }>>;
};
