import type { JobStarter } from "@fleet/core";
import { JobIdSchema, type RotateCertificateJobDocument } from "@fleet/core/contracts";
import { JobsRequestRejectedError, ResourceAlreadyExistsError } from "../errors.ts";
import type { JobStore } from "../jobs/job-store.ts";

/** The `JobStarter` port over the sandbox's Jobs: one job per rotation, targeting one thing. */
export class LocalJobStarter implements JobStarter {
  readonly #jobs: Pick<JobStore, "createJob" | "cancelJobExecution">;
  readonly #now: () => number;

  /** `now`: the clock job ids are named by. Default Date.now. */
  constructor(
    jobs: Pick<JobStore, "createJob" | "cancelJobExecution">,
    options: { now?: () => number } = {},
  ) {
    this.#jobs = jobs;
    this.#now = options.now ?? Date.now;
  }

  /**
   * The job id is `rotate-<thing>-<epochSeconds>` as on a stage; when that is not a valid job id
   * (a long thing name) or is taken (a second rotation within the second) it is
   * `rotate-<rotationId>`, which is unique and always fits.
   */
  async startRotationJob(thingName: string, rotationId: string): Promise<{ jobId: string }> {
    const document: RotateCertificateJobDocument = { operation: "rotate-certificate", rotationId };
    const fallback = `rotate-${rotationId}`;
    const named = `rotate-${thingName}-${Math.floor(this.#now() / 1000)}`;
    if (JobIdSchema.safeParse(named).success) {
      try {
        await this.#jobs.createJob({ jobId: named, document, targets: [thingName] });
        return { jobId: named };
      } catch (error) {
        if (!(error instanceof ResourceAlreadyExistsError)) throw error;
      }
    }
    await this.#jobs.createJob({ jobId: fallback, document, targets: [thingName] });
    return { jobId: fallback };
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
