import {
  CancelJobCommand,
  CreateJobCommand,
  DescribeJobCommand,
  DescribeJobExecutionCommand,
  DescribeThingCommand,
  DescribeThingGroupCommand,
  GetJobDocumentCommand,
  type IoTClient,
  type Job,
  ListJobExecutionsForJobCommand,
  ListJobsCommand,
} from "@aws-sdk/client-iot";
import pLimit from "p-limit";
import * as z from "zod";
import { JobExecutionStatusSchema } from "../../contracts/jobs-api.ts";
import {
  JobNotCancelableError,
  JobNotFoundError,
} from "../../contracts/operator-api/operator-errors.ts";
import {
  type JobExecutionView,
  JobStatusSchema,
  type JobSummary,
} from "../../contracts/ota-jobs.ts";
import type { ReleaseTarget } from "../../contracts/ota-release.ts";
import { OTA_JOB_DEFAULTS } from "../../contracts/ota-release.ts";
import { FleetError } from "../../errors.ts";
import { ReleaseTargetNotFoundError } from "../../ota/ota-errors.ts";
import type { OtaJobSpec, OtaJobs } from "../../ports/ota.ts";
import { callAws, errorName, IOT_SERVICE, mapAwsError } from "./aws-errors.ts";
import { nextTokenPages } from "./next-token-pages.ts";

export interface IotOtaJobsOptions {
  /** Preferably from `createIotClient`, whose retry settings absorb throttling. */
  iot: IoTClient;
  /** Role IoT Jobs assumes to presign the document's `${aws:iot:s3-presigned-url-v2:...}` URLs. */
  presignRoleArn: string;
  /** Seconds a presigned URL stays valid (60-3600). Default 3600: room for a slow download. */
  presignExpiresInSec?: number;
  /** Executions started per minute. Default 50. */
  maximumPerMinute?: number;
  /** Minutes an execution may stay IN_PROGRESS before it is TIMED_OUT. Default 60. */
  inProgressTimeoutMinutes?: number;
  /** Concurrent Describe calls when listing. Default 4. */
  concurrency?: number;
}

/**
 * Release jobs in AWS IoT Jobs. Listing costs more calls than the list APIs alone: ListJobs
 * carries no execution counts or description (one DescribeJob per job), and
 * ListJobExecutionsForJob no status details (one DescribeJobExecution per execution).
 */
export class IotOtaJobs implements OtaJobs {
  readonly #iot: IoTClient;
  readonly #options: Required<Omit<IotOtaJobsOptions, "iot">>;
  /** ARNs of the targets resolved so far: createJob needs them, resolveTargets finds them. */
  readonly #arns = new Map<string, string>();

  constructor(options: IotOtaJobsOptions) {
    const { iot, ...rest } = { ...OTA_JOB_DEFAULTS, ...options };
    this.#iot = iot;
    this.#options = rest;
  }

  async createJob(spec: OtaJobSpec): Promise<void> {
    const targets: string[] = [];
    for (const target of spec.targets) targets.push(await this.#arnOf(target));
    await callAws(IOT_SERVICE, "CreateJob", () =>
      this.#iot.send(
        new CreateJobCommand({
          jobId: spec.jobId,
          targets,
          // SNAPSHOT: the devices in the groups now. CONTINUOUS: "a job will run on a thing
          // when the thing is added to a target group, even after the job was completed by all
          // things originally in the group" (API reference, Job targetSelection).
          targetSelection: spec.continuous === true ? "CONTINUOUS" : "SNAPSHOT",
          document: JSON.stringify(spec.document),
          description: spec.description.slice(0, 2028),
          presignedUrlConfig: {
            roleArn: this.#options.presignRoleArn,
            expiresInSec: this.#options.presignExpiresInSec,
          },
          jobExecutionsRolloutConfig: { maximumPerMinute: this.#options.maximumPerMinute },
          abortConfig: {
            criteriaList: [
              {
                failureType: "ALL",
                action: "CANCEL",
                // AWS IoT takes at most two decimals.
                thresholdPercentage: Math.round(spec.abortFailurePct * 100) / 100,
                // The lowest AWS allows: with a small canary group one failure already counts.
                minNumberOfExecutedThings: 1,
              },
            ],
          },
          timeoutConfig: { inProgressTimeoutInMinutes: this.#options.inProgressTimeoutMinutes },
          ...(spec.endTime === undefined
            ? {}
            : {
                // CANCEL, not STOP_ROLLOUT (which leaves QUEUED executions queued, so the job
                // never ends) nor FORCE_CANCEL (which would cut off a device mid-install).
                schedulingConfig: { endTime: awsJobTime(spec.endTime), endBehavior: "CANCEL" },
              }),
        }),
      ),
    );
  }

  async describeJob(jobId: string): Promise<JobSummary | null> {
    const reply = await this.#orNull("DescribeJob", () =>
      this.#iot.send(new DescribeJobCommand({ jobId })),
    );
    return reply?.job === undefined ? null : jobSummary(reply.job);
  }

  /**
   * CancelJob: the job's QUEUED executions (with `force` its IN_PROGRESS ones too) are
   * canceled and the rollout stops. An unknown job throws JobNotFoundError; one IoT refuses to
   * cancel (it already ended) JobNotCancelableError.
   */
  async cancelJob(jobId: string, options: { force: boolean }): Promise<void> {
    try {
      await this.#iot.send(new CancelJobCommand({ jobId, force: options.force }));
    } catch (error) {
      const name = errorName(error);
      if (name === "ResourceNotFoundException") throw new JobNotFoundError(jobId, { cause: error });
      if (name === "InvalidRequestException") {
        throw new JobNotCancelableError(jobId, "no longer in progress", { cause: error });
      }
      throw mapAwsError(IOT_SERVICE, "CancelJob", error);
    }
  }

  async jobDocument(jobId: string): Promise<Record<string, unknown> | null> {
    const reply = await this.#orNull("GetJobDocument", () =>
      this.#iot.send(new GetJobDocumentCommand({ jobId })),
    );
    if (reply?.document === undefined) return null;
    return z.record(z.string(), z.unknown()).parse(JSON.parse(reply.document));
  }

  async *listJobs(): AsyncIterable<JobSummary> {
    const limit = pLimit(this.#options.concurrency);
    const pages = nextTokenPages((nextToken) =>
      callAws(IOT_SERVICE, "ListJobs", () =>
        this.#iot.send(new ListJobsCommand({ maxResults: 250, nextToken })),
      ),
    );
    const jobs: JobSummary[] = [];
    for await (const page of pages) {
      const described = await Promise.all(
        (page.jobs ?? []).flatMap((job) =>
          job.jobId === undefined ? [] : [limit(() => this.describeJob(job.jobId as string))],
        ),
      );
      for (const job of described) if (job !== null) jobs.push(job);
    }
    // ListJobs has no documented order.
    jobs.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
    yield* jobs;
  }

  async *listExecutions(jobId: string): AsyncIterable<JobExecutionView> {
    const limit = pLimit(this.#options.concurrency);
    const pages = nextTokenPages((nextToken) =>
      callAws(IOT_SERVICE, "ListJobExecutionsForJob", () =>
        this.#iot.send(new ListJobExecutionsForJobCommand({ jobId, maxResults: 250, nextToken })),
      ),
    );
    for await (const page of pages) {
      const views = await Promise.all(
        (page.executionSummaries ?? []).map((summary) =>
          limit(async (): Promise<JobExecutionView> => {
            const thingName = thingNameOf(summary.thingArn);
            const reply = await callAws(IOT_SERVICE, "DescribeJobExecution", () =>
              this.#iot.send(new DescribeJobExecutionCommand({ jobId, thingName })),
            );
            const execution = reply.execution;
            return {
              thingName,
              status: JobExecutionStatusSchema.parse(
                execution?.status ?? summary.jobExecutionSummary?.status,
              ),
              statusDetails: execution?.statusDetails?.detailsMap ?? {},
              lastUpdatedAt: iso(
                execution?.lastUpdatedAt ?? summary.jobExecutionSummary?.lastUpdatedAt,
              ),
            };
          }),
        ),
      );
      yield* views;
    }
  }

  /** A thing group first, then a thing; every unknown name is named in one error. */
  async resolveTargets(names: readonly string[]): Promise<ReleaseTarget[]> {
    const targets: ReleaseTarget[] = [];
    const unknown: string[] = [];
    for (const name of names) {
      const group = await this.#orNull("DescribeThingGroup", () =>
        this.#iot.send(new DescribeThingGroupCommand({ thingGroupName: name })),
      );
      if (group?.thingGroupArn !== undefined) {
        this.#arns.set(`group:${name}`, group.thingGroupArn);
        targets.push({ kind: "group", name });
        continue;
      }
      const thing = await this.#orNull("DescribeThing", () =>
        this.#iot.send(new DescribeThingCommand({ thingName: name })),
      );
      if (thing?.thingArn !== undefined) {
        this.#arns.set(`thing:${name}`, thing.thingArn);
        targets.push({ kind: "thing", name });
        continue;
      }
      unknown.push(name);
    }
    if (unknown.length > 0) {
      throw new ReleaseTargetNotFoundError(
        `no thing group or thing named ${unknown.join(", ")} in AWS IoT`,
        { names: unknown },
      );
    }
    return targets;
  }

  async #arnOf(target: ReleaseTarget): Promise<string> {
    const known = this.#arns.get(`${target.kind}:${target.name}`);
    if (known !== undefined) return known;
    await this.resolveTargets([target.name]);
    const arn = this.#arns.get(`${target.kind}:${target.name}`);
    if (arn === undefined) {
      throw new ReleaseTargetNotFoundError(
        `${target.name} is no longer a ${target.kind === "group" ? "thing group" : "thing"} in AWS IoT`,
        { names: [target.name] },
      );
    }
    return arn;
  }

  async #orNull<T>(operation: string, send: () => Promise<T>): Promise<T | null> {
    try {
      return await send();
    } catch (error) {
      if (errorName(error) === "ResourceNotFoundException") return null;
      throw mapAwsError(IOT_SERVICE, operation, error);
    }
  }
}

function jobSummary(job: Job): JobSummary {
  const details = job.jobProcessDetails ?? {};
  return {
    jobId: required(job.jobId, "jobId"),
    status: JobStatusSchema.parse(job.status),
    description: job.description ?? null,
    ...(job.targetSelection === "CONTINUOUS" ? { targetSelection: "CONTINUOUS" as const } : {}),
    reasonCode: job.reasonCode ?? null,
    comment: job.comment ?? null,
    counts: {
      queued: details.numberOfQueuedThings ?? 0,
      inProgress: details.numberOfInProgressThings ?? 0,
      succeeded: details.numberOfSucceededThings ?? 0,
      failed: details.numberOfFailedThings ?? 0,
      rejected: details.numberOfRejectedThings ?? 0,
      timedOut: details.numberOfTimedOutThings ?? 0,
      canceled: details.numberOfCanceledThings ?? 0,
      removed: details.numberOfRemovedThings ?? 0,
    },
    createdAt: iso(job.createdAt),
    completedAt: job.completedAt === undefined ? null : iso(job.completedAt),
  };
}

/** `arn:aws:iot:region:account:thing/<name>` → `<name>`. */
function thingNameOf(thingArn: string | undefined): string {
  const name = required(thingArn, "thingArn").split(":thing/")[1];
  return required(name, "thingArn");
}

function iso(date: Date | undefined): string {
  return required(date, "timestamp").toISOString();
}

function required<T>(value: T | undefined, field: string): T {
  if (value === undefined) throw new FleetError(`AWS IoT answered without ${field}`);
  return value;
}

/**
 * A job time as SchedulingConfig takes it: "YYYY-MM-DD for the date and HH:MM for the time"
 * (API reference), in UTC, rounded up to the minute so the end is never earlier than asked.
 */
export function awsJobTime(iso: string): string {
  const minute = 60_000;
  return new Date(Math.ceil(Date.parse(iso) / minute) * minute).toISOString().slice(0, 16);
}
