import type { JobDetail, JobSummary, ReleaseRecord } from "@fleet/core/contracts";

/** What `fleet ota release` asks for; the artifact was validated locally first. */
export interface ReleaseRequest {
  /** Absolute path of the `.tar.gz` artifact. */
  artifactPath: string;
  /** Thing group or thing names. */
  targets: string[];
  canaryGroup: string | null;
  abortFailurePct: number;
  /** When the canary job gives up on devices that have not started; absent: core's default. */
  canaryDeadlineMinutes?: number;
}

/** Progress lines for the operator (stderr), e.g. `uploading ... 50%`. */
export type ProgressReporter = (message: string) => void;

/** Releases and their IoT jobs on a target: the sandbox's API or a stage's AWS account. */
export interface OtaService {
  release(request: ReleaseRequest, progress: ProgressReporter): Promise<ReleaseRecord>;
  /** Most recent first. */
  listReleases(): Promise<ReleaseRecord[]>;
  /** Most recent first. */
  listJobs(): Promise<JobSummary[]>;
  /** null: no such job. */
  showJob(jobId: string): Promise<JobDetail | null>;
}
