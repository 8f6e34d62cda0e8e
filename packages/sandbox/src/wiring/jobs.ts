import type { JobDetail, JobSummary } from "@fleet/core/contracts";
import type { Logger } from "pino";
import type { IotRegistry } from "../iot-core/registry.ts";
import { JobStore } from "../jobs/job-store.ts";
import { jobDetail, jobSummary } from "../jobs/job-views.ts";

/**
 * IoT Jobs (`<stateDir>/jobs.json`) over the registry's things and thing groups; group
 * membership changes reach the continuous jobs.
 */
export async function openSandboxJobs(options: {
  stateDir: string;
  registry: IotRegistry;
  /** How long a Jobs "minute" lasts for rollout rates and in-progress timeouts. */
  minuteMs: number;
  logger: Logger;
}): Promise<JobStore> {
  const { registry } = options;
  const jobs = await JobStore.open(options.stateDir, {
    thingExists: (thingName) => registry.findThing(thingName) !== undefined,
    groupMembers: (groupName) =>
      registry.findThingGroup(groupName) === undefined
        ? undefined
        : registry.listThingsInThingGroup(groupName),
    minuteMs: options.minuteMs,
    logger: options.logger,
  });
  registry.onChange((change) => {
    if (change.kind !== "thing-group-membership") return;
    const { thingGroupName, thingName, member } = change;
    const applied = member
      ? jobs.thingJoinedGroup(thingGroupName, thingName)
      : jobs.thingLeftGroup(thingGroupName, thingName);
    applied.catch((error: unknown) => {
      options.logger.error(
        { err: error, thingGroupName, thingName },
        "continuous jobs not updated",
      );
    });
  });
  return jobs;
}

/** The jobs as operators see them: every job newest first, or one with its executions. */
export function operatorJobViews(jobs: JobStore): {
  listJobs(): Promise<JobSummary[]>;
  describeJob(jobId: string): Promise<JobDetail>;
} {
  return {
    listJobs: async () =>
      jobs
        .listJobs()
        .sort((a, b) => b.createdAt.localeCompare(a.createdAt))
        .map((job) => jobSummary(job, jobs.listJobExecutions(job.jobId))),
    describeJob: async (jobId) => jobDetail(jobs.describeJob(jobId), jobs.listJobExecutions(jobId)),
  };
}
