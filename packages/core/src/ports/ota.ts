import type { JobDocument } from "../contracts/job-document.ts";
import type { JobExecutionView, JobSummary } from "../contracts/ota-jobs.ts";
import type { ReleasePhase, ReleaseRecord, ReleaseTarget } from "../contracts/ota-release.ts";

/** Where release artifacts are kept: the stage's artifact bucket, or the sandbox's server. */
export interface ArtifactStore {
  /**
   * Stores the file at `key` (idempotent: the key names the content). `onProgress` gets the
   * bytes sent so far, for long uploads.
   */
  put(
    key: string,
    file: { path: string; size: number; sha256: string },
    onProgress?: (sentBytes: number) => void,
  ): Promise<void>;
  /**
   * What a job document carries as the step's `url`: on AWS the
   * `${aws:iot:s3-presigned-url-v2:...}` placeholder IoT Jobs replaces on delivery; in the
   * sandbox the same kind of placeholder, replaced by its Jobs API with an expiring signed URL.
   */
  documentUrl(key: string): string;
}

/** One job of a release. */
export interface OtaJobSpec {
  jobId: string;
  targets: readonly ReleaseTarget[];
  document: JobDocument;
  description: string;
  /** Cancel the job once this percent of executions failed (FAILED, REJECTED, TIMED_OUT). */
  abortFailurePct: number;
  /**
   * ISO time at which the job is canceled with every execution not started by then (AWS
   * SchedulingConfig `endTime` with `endBehavior` CANCEL); IN_PROGRESS ones run on. None: the
   * job runs until every execution ended.
   */
  endTime?: string;
  /**
   * A continuous job (AWS `targetSelection: CONTINUOUS`): it stays open and each thing that
   * joins a target group later gets an execution too. Needs a thing group among the targets.
   * Default: a snapshot of the targets now.
   */
  continuous?: boolean;
}

/** IoT Jobs as a release uses them. */
export interface OtaJobs {
  /**
   * Creates the job (snapshot targets, rollout rate, abort criteria, in-progress timeout and,
   * on AWS, the presigned-URL config). Unknown targets throw `ReleaseTargetNotFoundError`.
   */
  createJob(spec: OtaJobSpec): Promise<void>;
  /** null: no such job. */
  describeJob(jobId: string): Promise<JobSummary | null>;
  /**
   * CancelJob: QUEUED executions are canceled (with `force` IN_PROGRESS ones too) and the job
   * ends. `JobNotFoundError` for an unknown job, `JobNotCancelableError` for one that ended.
   */
  cancelJob(jobId: string, options: { force: boolean }): Promise<void>;
  /** The job's document as created (with URL placeholders, never signed URLs). */
  jobDocument(jobId: string): Promise<Record<string, unknown> | null>;
  /** Most recent first. */
  listJobs(): AsyncIterable<JobSummary>;
  listExecutions(jobId: string): AsyncIterable<JobExecutionView>;
  /** Which of the target names are thing groups and which are things; throws for unknown names. */
  resolveTargets(names: readonly string[]): Promise<ReleaseTarget[]>;
}

export type ReleasePatch = Partial<
  Pick<ReleaseRecord, "phase" | "canaryJobId" | "fleetJobId" | "reason" | "updatedAt">
>;

/** Releases by id (DynamoDB table / JSON file). */
export interface ReleaseStore {
  /** Throws if the id exists. */
  create(record: ReleaseRecord): Promise<void>;
  get(releaseId: string): Promise<ReleaseRecord | null>;
  /**
   * Applies `patch` only while the release is in `expectedPhase` (a conditional write, so two
   * job events cannot both advance it); returns the updated record, or null if it moved on.
   */
  update(
    releaseId: string,
    patch: ReleasePatch,
    expectedPhase: ReleasePhase,
  ): Promise<ReleaseRecord | null>;
  /** Most recent first. */
  list(): AsyncIterable<ReleaseRecord>;
}
