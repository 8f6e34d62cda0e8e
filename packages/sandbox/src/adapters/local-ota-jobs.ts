import { type OtaJobSpec, type OtaJobs, ReleaseTargetNotFoundError } from "@fleet/core";
import {
  type JobExecutionView,
  JobNotCancelableError,
  JobNotFoundError,
  type JobSummary,
  type ReleaseTarget,
} from "@fleet/core/contracts";
import { ResourceNotFoundError } from "../errors.ts";
import type { IotRegistry } from "../iot-core/registry.ts";
import type { JobStore } from "../jobs/job-store.ts";
import { jobDetail, jobSummary } from "../jobs/job-views.ts";

/** What a release job gets, as the AWS adapter's job template sets it. */
export const OTA_ROLLOUT_MAXIMUM_PER_MINUTE = 100;
export const OTA_IN_PROGRESS_TIMEOUT_MINUTES = 30;

/**
 * The `OtaJobs` port over the sandbox's Jobs and registry: snapshot or continuous jobs on
 * things and thing groups, rollout 100 a minute, cancel once `abortFailurePct` percent of at least one executed
 * thing FAILED, were REJECTED or TIMED_OUT, and a 30-minute in-progress timeout.
 */
export class LocalOtaJobs implements OtaJobs {
  readonly #jobs: JobStore;
  readonly #registry: IotRegistry;

  constructor(deps: { jobs: JobStore; registry: IotRegistry }) {
    this.#jobs = deps.jobs;
    this.#registry = deps.registry;
  }

  async createJob(spec: OtaJobSpec): Promise<void> {
    const names = (kind: ReleaseTarget["kind"]) =>
      spec.targets.filter((target) => target.kind === kind).map((target) => target.name);
    try {
      await this.#jobs.createJob({
        jobId: spec.jobId,
        document: spec.document,
        targets: names("thing"),
        thingGroups: names("group"),
        ...(spec.continuous === true ? { targetSelection: "CONTINUOUS" as const } : {}),
        description: spec.description,
        rolloutMaximumPerMinute: OTA_ROLLOUT_MAXIMUM_PER_MINUTE,
        abortConfig: {
          criteriaList: [
            {
              failureType: "ALL",
              action: "CANCEL",
              thresholdPercentage: spec.abortFailurePct,
              minNumberOfExecutedThings: 1,
            },
          ],
        },
        timeoutConfig: { inProgressTimeoutInMinutes: OTA_IN_PROGRESS_TIMEOUT_MINUTES },
        // As the AWS adapter: at the end time what has not started is canceled, the job too.
        ...(spec.endTime === undefined
          ? {}
          : { schedulingConfig: { endTime: spec.endTime, endBehavior: "CANCEL" } }),
      });
    } catch (error) {
      if (
        error instanceof ResourceNotFoundError &&
        (error.resourceType === "thing" || error.resourceType === "thing-group")
      ) {
        throw new ReleaseTargetNotFoundError(`Release target ${error.resourceId} does not exist`, {
          names: [error.resourceId],
          cause: error,
        });
      }
      throw error;
    }
  }

  async describeJob(jobId: string): Promise<JobSummary | null> {
    const job = this.#jobs.findJob(jobId);
    return job === undefined ? null : jobSummary(job, this.#jobs.listJobExecutions(jobId));
  }

  async cancelJob(jobId: string, options: { force: boolean }): Promise<void> {
    const job = this.#jobs.findJob(jobId);
    if (job === undefined) throw new JobNotFoundError(jobId);
    // The store treats a second cancel as a no-op; AWS refuses a job that ended.
    if (job.status !== "IN_PROGRESS") throw new JobNotCancelableError(jobId, job.status);
    await this.#jobs.cancelJob(jobId, options);
  }

  async jobDocument(jobId: string): Promise<Record<string, unknown> | null> {
    const job = this.#jobs.findJob(jobId);
    return job === undefined ? null : structuredClone(job.document);
  }

  async *listJobs(): AsyncIterable<JobSummary> {
    const jobs = this.#jobs.listJobs().sort((a, b) => b.createdAt.localeCompare(a.createdAt));
    for (const job of jobs) yield jobSummary(job, this.#jobs.listJobExecutions(job.jobId));
  }

  async *listExecutions(jobId: string): AsyncIterable<JobExecutionView> {
    const job = this.#jobs.findJob(jobId);
    if (job === undefined) return;
    yield* jobDetail(job, this.#jobs.listJobExecutions(jobId)).executions;
  }

  async resolveTargets(names: readonly string[]): Promise<ReleaseTarget[]> {
    const unknown = names.filter(
      (name) =>
        this.#registry.findThingGroup(name) === undefined &&
        this.#registry.findThing(name) === undefined,
    );
    if (unknown.length > 0) {
      throw new ReleaseTargetNotFoundError(`No thing group or thing named ${unknown.join(", ")}`, {
        names: unknown,
      });
    }
    return names.map((name) => ({
      kind: this.#registry.findThingGroup(name) === undefined ? "thing" : "group",
      name,
    }));
  }
}
