import type { JobStarter } from "@fleet/core";
import { ROTATE_CERTIFICATE_JOB_DOCUMENT, rotationJobDescription } from "@fleet/core/contracts";
import { JobsRequestRejectedError } from "../errors.ts";
import type { JobStore } from "../jobs/job-store.ts";

/**
 * The `JobStarter` port over the sandbox's Jobs: one job per rotation, targeting one thing,
 * with the document a stage's rotation job template carries; the job id is the rotation id.
 */
export class LocalJobStarter implements JobStarter {
  readonly #jobs: Pick<JobStore, "createJob" | "cancelJobExecution">;

  constructor(jobs: Pick<JobStore, "createJob" | "cancelJobExecution">) {
    this.#jobs = jobs;
  }

  async startRotationJob(thingName: string, rotationId: string): Promise<{ jobId: string }> {
    await this.#jobs.createJob({
      jobId: rotationId,
      document: { ...ROTATE_CERTIFICATE_JOB_DOCUMENT },
      description: rotationJobDescription(thingName),
      targets: [thingName],
    });
    return { jobId: rotationId };
  }

  /** Forced, as on a stage: the device has usually taken the job already (IN_PROGRESS). */
  async cancelJob(jobId: string, thingName: string, reason: string): Promise<void> {
    try {
      await this.#jobs.cancelJobExecution(jobId, thingName, {
        force: true,
        statusDetails: { reason: reason.slice(0, 1024) },
      });
    } catch (error) {
      // Gone, or already terminal: nothing left to cancel.
      if (error instanceof JobsRequestRejectedError) return;
      throw error;
    }
  }
}
