import { EventEmitter } from "node:events";
import { join } from "node:path";
import {
  checkPresignedUrlPlaceholders,
  JobIdSchema,
  type StatusDetails,
  ThingNameSchema,
  type UpdateJobExecutionRequest,
} from "@fleet/core/contracts";
import type { Logger } from "pino";
import * as z from "zod";
import {
  InvalidRequestError,
  JobsRequestRejectedError,
  ResourceAlreadyExistsError,
  ResourceNotFoundError,
  StateFileError,
} from "../errors.ts";
import { type CoalescingWriter, createCoalescingWriter } from "../state/coalescing-writer.ts";
import { readOptionalFile } from "../state/private-files.ts";
import { crossedAbortCriterion } from "./abort-criteria.ts";
import {
  cancelExecution,
  comparePending,
  isPending,
  isTerminal,
  startExecution,
  timeOutExecution,
  updateExecution,
} from "./job-execution-state-machine.ts";
import {
  AbortCriterionSchema,
  type JobExecutionRecord,
  type JobRecord,
  type JobsState,
  JobsStateSchema,
  type ScheduledEnd,
  ScheduledEndSchema,
  type TargetSelection,
  TargetSelectionSchema,
} from "./job-state.ts";

export type { AbortCriterion } from "./job-state.ts";
export type { JobExecutionRecord, JobRecord };

export const JOBS_FILE = "jobs.json";

/** AWS CreateJob as the sandbox takes it (thing and group names rather than ARNs). */
export interface CreateJobInput {
  jobId: string;
  document: Record<string, unknown>;
  /** Thing names. */
  targets?: readonly string[];
  /** Thing group names: their members are targets too (now, and later for a continuous job). */
  thingGroups?: readonly string[];
  /** Default SNAPSHOT. */
  targetSelection?: TargetSelection;
  description?: string;
  /** `jobExecutionsRolloutConfig.maximumPerMinute`: executions queued per minute at most. */
  rolloutMaximumPerMinute?: number;
  abortConfig?: { criteriaList: readonly AbortCriterionInput[] };
  timeoutConfig?: { inProgressTimeoutInMinutes: number };
  /** `schedulingConfig` with `endTime` (ISO) and `endBehavior`; no start time. */
  schedulingConfig?: ScheduledEnd;
}

export type AbortCriterionInput = z.input<typeof AbortCriterionSchema>;

/** A thing's pending executions before and after a change (ordered as AWS lists them). */
export interface PendingChange {
  thingName: string;
  before: JobExecutionRecord[];
  after: JobExecutionRecord[];
}

/**
 * What the store tells listeners: a job ended (AWS Jobs events `completed`, `canceled`), or one
 * of its executions reached a terminal status (the job-execution events `succeeded`, `failed`,
 * `removed`, ...): a continuous job never ends, its executions do.
 */
export interface JobStoreEventMap {
  jobCompleted: [jobId: string];
  jobCanceled: [jobId: string];
  executionEnded: [jobId: string, thingName: string];
}

export interface JobStoreOptions {
  /** Whether a target thing exists; AWS CreateJob refuses unknown targets. Default: all exist. */
  thingExists?: (thingName: string) => boolean;
  /** A thing group's members now; undefined for an unknown group. Default: no groups. */
  groupMembers?: (groupName: string) => readonly string[] | undefined;
  /** Default `() => new Date()`. */
  clock?: () => Date;
  /**
   * How long a Jobs "minute" lasts (rollout rate, in-progress timeouts). Default 60 000 ms;
   * tests shorten it.
   */
  minuteMs?: number;
  /** Where failures of timer-driven changes (rollout, timeouts) go. Default: a silent logger. */
  logger?: Logger;
}

const CreateJobInputSchema = z
  .object({
    jobId: JobIdSchema,
    document: z.record(z.string(), z.unknown()),
    targets: z.array(ThingNameSchema).default([]),
    thingGroups: z.array(ThingNameSchema).default([]),
    targetSelection: TargetSelectionSchema.default("SNAPSHOT"),
    description: z.string().max(2028).optional(),
    rolloutMaximumPerMinute: z.number().int().min(1).max(1000).optional(),
    abortConfig: z.object({ criteriaList: z.array(AbortCriterionSchema).min(1) }).optional(),
    timeoutConfig: z
      .object({ inProgressTimeoutInMinutes: z.number().int().min(1).max(10080) })
      .optional(),
    schedulingConfig: ScheduledEndSchema.optional(),
  })
  .refine((input) => input.targets.length + input.thingGroups.length > 0, {
    path: ["targets"],
    message: "a job needs at least one target",
  })
  .refine((input) => input.targetSelection === "SNAPSHOT" || input.thingGroups.length > 0, {
    path: ["targetSelection"],
    message: "a continuous job needs a thing group among its targets",
  });

/**
 * The sandbox's AWS IoT Jobs: jobs, and one execution per target thing, persisted to
 * `<stateDir>/jobs.json`. Device-side changes follow `job-execution-state-machine.ts`; every
 * change to a thing's pending list is reported to `onChange` listeners (the notifications), and
 * a job's end to `events`. Rollout, abort criteria and in-progress timeouts behave as AWS's.
 *
 * A continuous job (AWS `targetSelection: CONTINUOUS`) stays IN_PROGRESS until canceled. AWS:
 * "a job will run on a thing when the thing is added to a target group, even after the job was
 * completed by all things originally in the group" (API reference, Job `targetSelection`), and
 * `numberOfRemovedThings` counts "things that are no longer scheduled to execute the job because
 * they have been deleted or have been removed from the group that was a target of the job"
 * (JobProcessDetails). So a thing joining one of its groups gets a QUEUED execution, a thing
 * leaving them (or deleted) has its QUEUED one REMOVED; one IN_PROGRESS runs on. A thing that
 * rejoins after its execution ended gets a new one (`executionNumber` + 1): a re-provisioned
 * device converges again. (`thingJoinedGroup`, `thingLeftGroup`.)
 */
export class JobStore {
  readonly #jobs = new Map<string, JobRecord>();
  /** jobId -> thingName -> execution */
  readonly #executions = new Map<string, Map<string, JobExecutionRecord>>();
  readonly #listeners = new Set<(change: PendingChange) => void>();
  readonly #writer: CoalescingWriter;
  readonly #thingExists: (thingName: string) => boolean;
  readonly #groupMembers: (groupName: string) => readonly string[] | undefined;
  readonly #clock: () => Date;
  readonly #minuteMs: number;
  readonly #logger: Logger | undefined;
  /** jobId -> the next rollout batch. */
  readonly #rolloutTimers = new Map<string, NodeJS.Timeout>();
  /** `jobId/thingName` -> that IN_PROGRESS execution's timeout. */
  readonly #timeoutTimers = new Map<string, NodeJS.Timeout>();
  /** jobId -> the job's scheduled end. */
  readonly #endTimers = new Map<string, NodeJS.Timeout>();
  readonly #timerWork = new Set<Promise<void>>();
  #closed = false;
  /** `jobCompleted(jobId)`, `jobCanceled(jobId)`: after the change is persisted. */
  readonly events = new EventEmitter<JobStoreEventMap>();

  private constructor(path: string, options: JobStoreOptions) {
    this.#writer = createCoalescingWriter(
      path,
      () => `${JSON.stringify(this.#snapshot(), null, 2)}\n`,
    );
    this.#thingExists = options.thingExists ?? (() => true);
    this.#groupMembers = options.groupMembers ?? (() => undefined);
    this.#clock = options.clock ?? (() => new Date());
    this.#minuteMs = options.minuteMs ?? 60_000;
    this.#logger = options.logger;
  }

  static async open(stateDir: string, options: JobStoreOptions = {}): Promise<JobStore> {
    const path = join(stateDir, JOBS_FILE);
    const store = new JobStore(path, options);
    const text = await readOptionalFile(path);
    if (text !== null) store.#restore(parseState(path, text));
    return store;
  }

  /**
   * Like AWS CreateJob (targetSelection SNAPSHOT): the targets are the named things plus the
   * groups' members now; the first rollout batch is queued at once, the rest one batch a minute.
   */
  async createJob(input: CreateJobInput): Promise<JobRecord> {
    const parsed = CreateJobInputSchema.safeParse(input);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new InvalidRequestError(
        issue?.path.join(".") || "job",
        issue?.message ?? "invalid job",
      );
    }
    const request = parsed.data;
    // AWS presigns at delivery: a bad placeholder stored now would fail every device later.
    const placeholders = checkPresignedUrlPlaceholders(request.document);
    if (!placeholders.ok) throw new InvalidRequestError("document", placeholders.reason);
    const { jobId } = request;
    if (this.#jobs.has(jobId)) {
      throw new ResourceAlreadyExistsError("job", jobId, "job ids are unique");
    }
    const unknown = request.targets.find((thingName) => !this.#thingExists(thingName));
    if (unknown !== undefined) throw new ResourceNotFoundError("thing", unknown);
    const members = request.thingGroups.flatMap((groupName) => {
      const found = this.#groupMembers(groupName);
      if (found === undefined) throw new ResourceNotFoundError("thing-group", groupName);
      return found;
    });
    const targets = [...new Set([...request.targets, ...members])];

    const now = this.#clock();
    if (request.schedulingConfig !== undefined) checkEndTime(request.schedulingConfig, now);
    const batch = request.rolloutMaximumPerMinute ?? targets.length;
    const job: JobRecord = {
      jobId,
      document: request.document,
      targets,
      ...(request.thingGroups.length === 0 ? {} : { thingGroups: request.thingGroups }),
      ...(request.targetSelection === "CONTINUOUS" ? { targetSelection: "CONTINUOUS" } : {}),
      ...(request.description === undefined ? {} : { description: request.description }),
      status: "IN_PROGRESS",
      ...(request.rolloutMaximumPerMinute === undefined
        ? {}
        : { rolloutMaximumPerMinute: request.rolloutMaximumPerMinute }),
      unreleased: targets.slice(batch),
      ...(request.abortConfig === undefined
        ? {}
        : { abortCriteria: request.abortConfig.criteriaList }),
      ...(request.timeoutConfig === undefined
        ? {}
        : { inProgressTimeoutInMinutes: request.timeoutConfig.inProgressTimeoutInMinutes }),
      ...(request.schedulingConfig === undefined
        ? {}
        : { schedulingConfig: request.schedulingConfig }),
      createdAt: now.toISOString(),
    };
    this.#jobs.set(jobId, job);
    this.#executions.set(jobId, new Map());
    await this.#commit(this.#queue(jobId, targets.slice(0, batch)), [jobId]);
    this.#scheduleRollout(jobId);
    this.#scheduleEnd(jobId);
    return this.describeJob(jobId);
  }

  describeJob(jobId: string): JobRecord {
    const job = this.#jobs.get(jobId);
    if (job === undefined) throw new ResourceNotFoundError("job", jobId);
    return job;
  }

  listJobs(): JobRecord[] {
    return [...this.#jobs.values()];
  }

  /** The job, or undefined when there is none (`describeJob` throws instead). */
  findJob(jobId: string): JobRecord | undefined {
    return this.#jobs.get(jobId);
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

  /**
   * AWS's `approximateSecondsBeforeTimedOut` of an IN_PROGRESS execution whose job has an
   * in-progress timeout (in Jobs minutes, as the timer runs); undefined otherwise.
   */
  secondsBeforeTimedOut(execution: JobExecutionRecord): number | undefined {
    const minutes = this.#jobs.get(execution.jobId)?.inProgressTimeoutInMinutes;
    if (execution.status !== "IN_PROGRESS" || minutes === undefined) return undefined;
    const startedMs = (execution.startedAt ?? epochSeconds(this.#clock())) * 1000;
    const leftMs = startedMs + minutes * this.#minuteMs - this.#clock().getTime();
    return Math.max(0, Math.floor(leftMs / 1000));
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
    const next = this.pendingExecutions(thingName)[0];
    if (next === undefined) return undefined;
    const started = startExecution(next, statusDetails, epochSeconds(this.#clock()));
    if (started === next) return next;
    await this.#commit([started]);
    return started;
  }

  /** UpdateJobExecution; refusals are `JobsRequestRejectedError`s. */
  async updateJobExecution(
    thingName: string,
    jobId: string,
    request: UpdateJobExecutionRequest,
  ): Promise<JobExecutionRecord> {
    const execution = this.#requireExecution(jobId, thingName);
    const updated = updateExecution(execution, request, epochSeconds(this.#clock()));
    await this.#commit([updated]);
    return updated;
  }

  /**
   * Fails an execution whose job document cannot be delivered (FAILED, `reason` in its status
   * details, at most the 1024 characters AWS allows a value), so the thing's queue moves on.
   */
  async failUndeliverableExecution(
    jobId: string,
    thingName: string,
    reason: string,
  ): Promise<JobExecutionRecord> {
    const execution = this.#requireExecution(jobId, thingName);
    const request = { status: "FAILED", statusDetails: { reason: reason.slice(0, 1024) } } as const;
    const failed = updateExecution(execution, request, epochSeconds(this.#clock()));
    await this.#commit([failed]);
    return failed;
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
    const execution = this.#requireExecution(jobId, thingName);
    const canceled = cancelExecution(execution, options, epochSeconds(this.#clock()));
    await this.#commit([canceled]);
    return canceled;
  }

  /** The thing's execution of the job, or the Jobs API's ResourceNotFound refusal. */
  #requireExecution(jobId: string, thingName: string): JobExecutionRecord {
    const execution = this.findJobExecution(jobId, thingName);
    if (execution === undefined) {
      throw new JobsRequestRejectedError(
        "ResourceNotFound",
        `Job execution ${jobId} not found for thing ${thingName}.`,
      );
    }
    return execution;
  }

  /**
   * CancelJob: the job becomes CANCELED, its QUEUED executions (and with `force` its
   * IN_PROGRESS ones) CANCELED, and the rollout stops. Canceling a canceled job is a no-op; a
   * COMPLETED one cannot be canceled (InvalidRequestError).
   */
  async cancelJob(
    jobId: string,
    options: { force?: boolean; reasonCode?: string; comment?: string } = {},
  ): Promise<JobRecord> {
    const job = this.describeJob(jobId);
    if (job.status === "CANCELED") return job;
    if (job.status === "COMPLETED") {
      throw new InvalidRequestError("jobId", `job ${jobId} is COMPLETED; it cannot be canceled`);
    }
    const changed = this.#cancel(job, { ...options, force: options.force ?? false });
    await this.#commit(changed, [], [{ event: "jobCanceled", jobId }]);
    return this.describeJob(jobId);
  }

  /**
   * A thing joined a thing group: every continuous job IN_PROGRESS that targets the group queues
   * an execution for it, unless it has one pending.
   */
  async thingJoinedGroup(thingGroupName: string, thingName: string): Promise<void> {
    const queued: JobExecutionRecord[] = [];
    for (const job of this.#continuousJobsOf(thingGroupName)) {
      const previous = this.findJobExecution(job.jobId, thingName);
      if (previous !== undefined && isPending(previous.status)) continue;
      const [execution] = this.#queue(job.jobId, [thingName]);
      if (execution === undefined) continue;
      if (!job.targets.includes(thingName)) {
        this.#jobs.set(job.jobId, { ...job, targets: [...job.targets, thingName] });
      }
      queued.push({ ...execution, executionNumber: (previous?.executionNumber ?? 0) + 1 });
    }
    if (queued.length > 0) await this.#commit(queued);
  }

  /**
   * A thing left a thing group (or was deleted): its QUEUED execution of each continuous job
   * IN_PROGRESS that no longer targets it (by name or through another group) is REMOVED.
   */
  async thingLeftGroup(thingGroupName: string, thingName: string): Promise<void> {
    const seconds = epochSeconds(this.#clock());
    const removed: JobExecutionRecord[] = [];
    for (const job of this.#continuousJobsOf(thingGroupName)) {
      const stillTargeted = (job.thingGroups ?? []).some((group) =>
        this.#groupMembers(group)?.includes(thingName),
      );
      const execution = this.findJobExecution(job.jobId, thingName);
      if (stillTargeted || execution?.status !== "QUEUED") continue;
      removed.push({
        ...execution,
        status: "REMOVED",
        versionNumber: execution.versionNumber + 1,
        lastUpdatedAt: seconds,
      });
    }
    if (removed.length > 0) await this.#commit(removed);
  }

  #continuousJobsOf(thingGroupName: string): JobRecord[] {
    return [...this.#jobs.values()].filter(
      (job) =>
        job.targetSelection === "CONTINUOUS" &&
        job.status === "IN_PROGRESS" &&
        (job.thingGroups ?? []).includes(thingGroupName),
    );
  }

  /** Called after each change to a thing's pending executions; returns an unsubscribe. */
  onChange(listener: (change: PendingChange) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  flush(): Promise<void> {
    return this.#writer.flush();
  }

  /** Stops the rollout and timeout timers, waits for changes they started, then flushes. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const timer of [
      ...this.#rolloutTimers.values(),
      ...this.#timeoutTimers.values(),
      ...this.#endTimers.values(),
    ]) {
      clearTimeout(timer);
    }
    this.#rolloutTimers.clear();
    this.#timeoutTimers.clear();
    this.#endTimers.clear();
    await Promise.all(this.#timerWork);
    await this.flush();
  }

  /** New QUEUED executions of the job for these things (not stored yet). */
  #queue(jobId: string, thingNames: readonly string[]): JobExecutionRecord[] {
    const seconds = epochSeconds(this.#clock());
    return thingNames.map((thingName) => ({
      jobId,
      thingName,
      status: "QUEUED",
      versionNumber: 1,
      executionNumber: 1,
      queuedAt: seconds,
      lastUpdatedAt: seconds,
    }));
  }

  /** Marks the job CANCELED in memory; returns the executions that the cancel changes. */
  #cancel(
    job: JobRecord,
    options: { force: boolean; reasonCode?: string | undefined; comment?: string | undefined },
  ): JobExecutionRecord[] {
    const now = this.#clock();
    this.#jobs.set(job.jobId, {
      ...job,
      status: "CANCELED",
      unreleased: [],
      ...(options.reasonCode === undefined ? {} : { reasonCode: options.reasonCode }),
      ...(options.comment === undefined ? {} : { comment: options.comment }),
      completedAt: now.toISOString(),
    });
    clearTimeout(this.#rolloutTimers.get(job.jobId));
    this.#rolloutTimers.delete(job.jobId);
    const seconds = epochSeconds(now);
    return [...(this.#executions.get(job.jobId)?.values() ?? [])]
      .filter((e) => e.status === "QUEUED" || (options.force && e.status === "IN_PROGRESS"))
      .map((e) => cancelExecution(e, { force: options.force }, seconds));
  }

  /**
   * Stores the changed executions, settles their jobs (abort criteria, completion), persists,
   * then tells the listeners: pending-list changes first, then job ends.
   */
  async #commit(
    changed: JobExecutionRecord[],
    jobIds?: readonly string[],
    ended: { event: keyof JobStoreEventMap; jobId: string }[] = [],
  ): Promise<void> {
    const befores = new Map<string, JobExecutionRecord[]>();
    const put = (execution: JobExecutionRecord) => {
      if (!befores.has(execution.thingName)) {
        befores.set(execution.thingName, this.pendingExecutions(execution.thingName));
      }
      this.#executions.get(execution.jobId)?.set(execution.thingName, execution);
      this.#watchTimeout(execution);
    };
    for (const execution of changed) put(execution);
    for (const jobId of new Set(jobIds ?? changed.map((e) => e.jobId))) {
      const job = this.#jobs.get(jobId);
      if (job?.status !== "IN_PROGRESS") continue;
      const executions = [...(this.#executions.get(jobId)?.values() ?? [])];
      const abort = crossedAbortCriterion(job.abortCriteria ?? [], executions);
      if (abort !== undefined) {
        // As AWS's abort: the job is canceled with its QUEUED executions; those IN_PROGRESS run
        // on and end as their devices report (a canary device rolls back and reports FAILED).
        for (const execution of this.#cancel(job, { force: false, ...abort })) put(execution);
        ended.push({ event: "jobCanceled", jobId });
      } else if (
        job.targetSelection !== "CONTINUOUS" &&
        (job.unreleased ?? []).length === 0 &&
        executions.every((e) => isTerminal(e.status))
      ) {
        this.#jobs.set(jobId, {
          ...job,
          status: "COMPLETED",
          completedAt: this.#clock().toISOString(),
        });
        ended.push({ event: "jobCompleted", jobId });
      }
    }
    await this.#writer.write();
    for (const [thingName, before] of befores) this.#emit(thingName, before);
    for (const execution of changed) {
      if (isTerminal(execution.status)) {
        this.events.emit("executionEnded", execution.jobId, execution.thingName);
      }
    }
    for (const { event, jobId } of ended) this.events.emit(event, jobId);
  }

  /** Queues the job's next rollout batch a minute from now, while executions are unreleased. */
  #scheduleRollout(jobId: string): void {
    const job = this.#jobs.get(jobId);
    if (this.#closed || job?.status !== "IN_PROGRESS" || (job.unreleased ?? []).length === 0) {
      return;
    }
    const timer = setTimeout(() => {
      this.#rolloutTimers.delete(jobId);
      this.#runTimerWork("rollout", async () => {
        const current = this.#jobs.get(jobId);
        if (current?.status !== "IN_PROGRESS") return;
        const unreleased = current.unreleased ?? [];
        const batch = current.rolloutMaximumPerMinute ?? unreleased.length;
        this.#jobs.set(jobId, { ...current, unreleased: unreleased.slice(batch) });
        await this.#commit(this.#queue(jobId, unreleased.slice(0, batch)), [jobId]);
        this.#scheduleRollout(jobId);
      });
    }, this.#minuteMs);
    timer.unref();
    this.#rolloutTimers.set(jobId, timer);
  }

  /**
   * At its scheduling end time a job still IN_PROGRESS ends as its `endBehavior` says. The time
   * from creation to the end is counted in Jobs minutes (`minuteMs`), like every Jobs timer.
   */
  #scheduleEnd(jobId: string): void {
    const job = this.#jobs.get(jobId);
    const end = job?.schedulingConfig;
    if (this.#closed || job?.status !== "IN_PROGRESS" || end === undefined) return;
    const createdMs = Date.parse(job.createdAt);
    const minutes = (Date.parse(end.endTime) - createdMs) / 60_000;
    const delay = createdMs + minutes * this.#minuteMs - this.#clock().getTime();
    const timer = setTimeout(
      () => {
        this.#endTimers.delete(jobId);
        this.#runTimerWork("scheduled end", async () => {
          const current = this.#jobs.get(jobId);
          if (current?.status !== "IN_PROGRESS") return;
          if (end.endBehavior === "STOP_ROLLOUT") {
            this.#jobs.set(jobId, { ...current, unreleased: [] });
            clearTimeout(this.#rolloutTimers.get(jobId));
            this.#rolloutTimers.delete(jobId);
            await this.#commit([], [jobId]);
            return;
          }
          const force = end.endBehavior === "FORCE_CANCEL";
          await this.#commit(
            this.#cancel(current, { force }),
            [],
            [{ event: "jobCanceled", jobId }],
          );
        });
      },
      Math.max(0, delay),
    );
    timer.unref();
    this.#endTimers.set(jobId, timer);
  }

  /** An IN_PROGRESS execution of a job with an in-progress timeout times out unless it ends first. */
  #watchTimeout(execution: JobExecutionRecord): void {
    const key = `${execution.jobId}/${execution.thingName}`;
    const minutes = this.#jobs.get(execution.jobId)?.inProgressTimeoutInMinutes;
    if (execution.status !== "IN_PROGRESS" || minutes === undefined) {
      clearTimeout(this.#timeoutTimers.get(key));
      this.#timeoutTimers.delete(key);
      return;
    }
    if (this.#timeoutTimers.has(key) || this.#closed) return;
    const startedMs = (execution.startedAt ?? epochSeconds(this.#clock())) * 1000;
    const elapsed = Math.max(0, this.#clock().getTime() - startedMs);
    // The start is known to the second only: time from now when less than a second has passed.
    const delay = elapsed < 1000 ? minutes * this.#minuteMs : minutes * this.#minuteMs - elapsed;
    const timer = setTimeout(
      () => {
        this.#timeoutTimers.delete(key);
        this.#runTimerWork("in-progress timeout", async () => {
          const current = this.findJobExecution(execution.jobId, execution.thingName);
          if (current?.status !== "IN_PROGRESS") return;
          await this.#commit([timeOutExecution(current, epochSeconds(this.#clock()))]);
        });
      },
      Math.max(0, delay),
    );
    timer.unref();
    this.#timeoutTimers.set(key, timer);
  }

  #runTimerWork(what: string, work: () => Promise<void>): void {
    const run = work().catch((error: unknown) => {
      this.#logger?.error({ err: error }, `jobs ${what} failed`);
    });
    this.#timerWork.add(run);
    void run.finally(() => this.#timerWork.delete(run));
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
      this.#watchTimeout(execution);
    }
    for (const job of state.jobs) {
      this.#scheduleRollout(job.jobId);
      this.#scheduleEnd(job.jobId);
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

/**
 * AWS: `endTime` is "a minimum of thirty minutes from the current time" and "no later than two
 * years from the current time" (API reference, SchedulingConfig); CreateJob refuses others.
 */
function checkEndTime(end: ScheduledEnd, now: Date): void {
  const minutesAhead = (Date.parse(end.endTime) - now.getTime()) / 60_000;
  if (minutesAhead < 30 || minutesAhead > 2 * 365 * 24 * 60) {
    throw new InvalidRequestError(
      "schedulingConfig.endTime",
      `endTime ${end.endTime} must be 30 minutes to 2 years from now`,
    );
  }
}

export function epochSeconds(date: Date): number {
  return Math.floor(date.getTime() / 1000);
}
