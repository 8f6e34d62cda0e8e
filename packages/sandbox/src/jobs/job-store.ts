import { join } from "node:path";
import {
  JobIdSchema,
  type StatusDetails,
  ThingNameSchema,
  type UpdateJobExecutionRequest,
} from "@fleet/core/contracts";
import { z } from "zod";
import {
  InvalidRequestError,
  JobsRequestRejectedError,
  ResourceAlreadyExistsError,
  ResourceNotFoundError,
  StateFileError,
} from "../errors.ts";
import { type CoalescingWriter, createCoalescingWriter } from "../state/coalescing-writer.ts";
import { readOptionalFile } from "../state/private-files.ts";
import {
  cancelExecution,
  comparePending,
  isPending,
  isTerminal,
  startExecution,
  updateExecution,
} from "./job-execution-state-machine.ts";
import {
  type JobExecutionRecord,
  type JobRecord,
  type JobsState,
  JobsStateSchema,
} from "./job-state.ts";

export type { JobExecutionRecord, JobRecord };

export const JOBS_FILE = "jobs.json";

export interface CreateJobInput {
  jobId: string;
  document: Record<string, unknown>;
  /** Thing names. */
  targets: readonly string[];
}

/** A thing's pending executions before and after a change (ordered as AWS lists them). */
export interface PendingChange {
  thingName: string;
  before: JobExecutionRecord[];
  after: JobExecutionRecord[];
}

export interface JobStoreOptions {
  /** Whether a target thing exists; AWS CreateJob refuses unknown targets. Default: all exist. */
  thingExists?: (thingName: string) => boolean;
  /** Default `() => new Date()`. */
  clock?: () => Date;
}

const CreateJobInputSchema = z.object({
  jobId: JobIdSchema,
  document: z.record(z.string(), z.unknown()),
  targets: z.array(ThingNameSchema).min(1, "a job needs at least one target"),
});

/**
 * The sandbox's AWS IoT Jobs: jobs, and one execution per target thing, persisted to
 * `<stateDir>/jobs.json`. Device-side changes follow `job-execution-state-machine.ts`; every
 * change to a thing's pending list is reported to `onChange` listeners (the notifications).
 */
export class JobStore {
  readonly #jobs = new Map<string, JobRecord>();
  /** jobId -> thingName -> execution */
  readonly #executions = new Map<string, Map<string, JobExecutionRecord>>();
  readonly #listeners = new Set<(change: PendingChange) => void>();
  readonly #writer: CoalescingWriter;
  readonly #thingExists: (thingName: string) => boolean;
  readonly #clock: () => Date;

  private constructor(path: string, options: JobStoreOptions) {
    this.#writer = createCoalescingWriter(
      path,
      () => `${JSON.stringify(this.#snapshot(), null, 2)}\n`,
    );
    this.#thingExists = options.thingExists ?? (() => true);
    this.#clock = options.clock ?? (() => new Date());
  }

  static async open(stateDir: string, options: JobStoreOptions = {}): Promise<JobStore> {
    const path = join(stateDir, JOBS_FILE);
    const store = new JobStore(path, options);
    const text = await readOptionalFile(path);
    if (text !== null) store.#restore(parseState(path, text));
    return store;
  }

  /** Like AWS CreateJob with thing targets: queues one execution per target. */
  async createJob(input: CreateJobInput): Promise<JobRecord> {
    const parsed = CreateJobInputSchema.safeParse(input);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new InvalidRequestError(
        issue?.path.join(".") || "job",
        issue?.message ?? "invalid job",
      );
    }
    const { jobId, document } = parsed.data;
    if (this.#jobs.has(jobId)) {
      throw new ResourceAlreadyExistsError("job", jobId, "job ids are unique");
    }
    const targets = [...new Set(parsed.data.targets)];
    const unknown = targets.find((thingName) => !this.#thingExists(thingName));
    if (unknown !== undefined) throw new ResourceNotFoundError("thing", unknown);

    const now = this.#clock();
    const job: JobRecord = {
      jobId,
      document,
      targets,
      status: "IN_PROGRESS",
      createdAt: now.toISOString(),
    };
    const seconds = epochSeconds(now);
    const befores = targets.map((thingName) => this.pendingExecutions(thingName));
    this.#jobs.set(jobId, job);
    this.#executions.set(
      jobId,
      new Map(
        targets.map((thingName) => [
          thingName,
          {
            jobId,
            thingName,
            status: "QUEUED",
            versionNumber: 1,
            executionNumber: 1,
            queuedAt: seconds,
            lastUpdatedAt: seconds,
          },
        ]),
      ),
    );
    await this.#writer.write();
    for (const [index, thingName] of targets.entries()) this.#emit(thingName, befores[index] ?? []);
    return job;
  }

  describeJob(jobId: string): JobRecord {
    const job = this.#jobs.get(jobId);
    if (job === undefined) throw new ResourceNotFoundError("job", jobId);
    return job;
  }

  listJobs(): JobRecord[] {
    return [...this.#jobs.values()];
  }

  findJobExecution(jobId: string, thingName: string): JobExecutionRecord | undefined {
    return this.#executions.get(jobId)?.get(thingName);
  }

  describeJobExecution(jobId: string, thingName: string): JobExecutionRecord {
    const execution = this.findJobExecution(jobId, thingName);
    if (execution === undefined) {
      throw new ResourceNotFoundError("job-execution", `${jobId} on ${thingName}`);
    }
    return execution;
  }

  listJobExecutions(jobId: string): JobExecutionRecord[] {
    this.describeJob(jobId);
    return [...(this.#executions.get(jobId)?.values() ?? [])];
  }

  /** The thing's QUEUED and IN_PROGRESS executions, IN_PROGRESS first, then oldest first. */
  pendingExecutions(thingName: string): JobExecutionRecord[] {
    const pending: JobExecutionRecord[] = [];
    for (const byThing of this.#executions.values()) {
      const execution = byThing.get(thingName);
      if (execution !== undefined && isPending(execution.status)) pending.push(execution);
    }
    return pending.sort(comparePending);
  }

  /** StartNextPendingJobExecution; undefined when nothing is pending. */
  async startNextPendingExecution(
    thingName: string,
    statusDetails: StatusDetails | undefined,
  ): Promise<JobExecutionRecord | undefined> {
    const before = this.pendingExecutions(thingName);
    const next = before[0];
    if (next === undefined) return undefined;
    const started = startExecution(next, statusDetails, epochSeconds(this.#clock()));
    if (started === next) return next;
    await this.#save(started, before);
    return started;
  }

  /** UpdateJobExecution; refusals are `JobsRequestRejectedError`s. */
  async updateJobExecution(
    thingName: string,
    jobId: string,
    request: UpdateJobExecutionRequest,
  ): Promise<JobExecutionRecord> {
    const execution = this.findJobExecution(jobId, thingName);
    if (execution === undefined) {
      throw new JobsRequestRejectedError(
        "ResourceNotFound",
        `Job execution ${jobId} not found for thing ${thingName}.`,
      );
    }
    const before = this.pendingExecutions(thingName);
    const updated = updateExecution(execution, request, epochSeconds(this.#clock()));
    await this.#save(updated, before);
    return updated;
  }

  /**
   * CancelJobExecution: QUEUED, or IN_PROGRESS with `force` (the device learns it when its next
   * update is refused). Refusals are `JobsRequestRejectedError`s (ResourceNotFound,
   * InvalidStateTransition).
   */
  async cancelJobExecution(
    jobId: string,
    thingName: string,
    options: { force: boolean; statusDetails?: StatusDetails },
  ): Promise<JobExecutionRecord> {
    const execution = this.findJobExecution(jobId, thingName);
    if (execution === undefined) {
      throw new JobsRequestRejectedError(
        "ResourceNotFound",
        `Job execution ${jobId} not found for thing ${thingName}.`,
      );
    }
    const before = this.pendingExecutions(thingName);
    const canceled = cancelExecution(execution, options, epochSeconds(this.#clock()));
    await this.#save(canceled, before);
    return canceled;
  }

  /** Called after each change to a thing's pending executions; returns an unsubscribe. */
  onChange(listener: (change: PendingChange) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  flush(): Promise<void> {
    return this.#writer.flush();
  }

  async #save(execution: JobExecutionRecord, before: JobExecutionRecord[]): Promise<void> {
    const byThing = this.#executions.get(execution.jobId);
    const job = this.#jobs.get(execution.jobId);
    if (byThing === undefined || job === undefined) return;
    byThing.set(execution.thingName, execution);
    if ([...byThing.values()].every((each) => isTerminal(each.status))) {
      this.#jobs.set(job.jobId, { ...job, status: "COMPLETED" });
    }
    await this.#writer.write();
    this.#emit(execution.thingName, before);
  }

  #emit(thingName: string, before: JobExecutionRecord[]): void {
    const change = { thingName, before, after: this.pendingExecutions(thingName) };
    for (const listener of this.#listeners) listener(change);
  }

  #snapshot(): JobsState {
    return {
      version: 1,
      jobs: [...this.#jobs.values()],
      executions: [...this.#executions.values()].flatMap((byThing) => [...byThing.values()]),
    };
  }

  #restore(state: JobsState): void {
    for (const job of state.jobs) {
      this.#jobs.set(job.jobId, job);
      this.#executions.set(job.jobId, new Map());
    }
    for (const execution of state.executions) {
      this.#executions.get(execution.jobId)?.set(execution.thingName, execution);
    }
  }
}

function parseState(path: string, text: string): JobsState {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new StateFileError(path, "not valid JSON", { cause: error });
  }
  const parsed = JobsStateSchema.safeParse(json);
  if (!parsed.success) throw new StateFileError(path, z.prettifyError(parsed.error));
  return parsed.data;
}

export function epochSeconds(date: Date): number {
  return Math.floor(date.getTime() / 1000);
}
