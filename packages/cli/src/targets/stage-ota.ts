import type { OtaJobs, ReleaseProgress, ReleaseStore } from "@fleet/core";
import type { JobDetail, JobSummary, ReleaseRecord } from "@fleet/core/contracts";
import type { OtaService, ProgressReporter, ReleaseRequest } from "./ota-service.ts";

export interface StageOtaOptions {
  jobs: OtaJobs;
  releases: ReleaseStore;
  /** The core release use case (`createReleaseApp`) bound to the stage's ports. */
  releaseApp: (
    request: ReleaseRequest,
    onProgress: (progress: ReleaseProgress) => void,
  ) => Promise<ReleaseRecord>;
}

/**
 * Releases of a deployed stage, created from the operator's machine with the core use case
 * (the stage's release-advance function takes them on from the job events).
 */
export class StageOta implements OtaService {
  readonly #options: StageOtaOptions;

  constructor(options: StageOtaOptions) {
    this.#options = options;
  }

  release(request: ReleaseRequest, progress: ProgressReporter): Promise<ReleaseRecord> {
    return this.#options.releaseApp(request, releaseProgressLines(progress));
  }

  listReleases(): Promise<ReleaseRecord[]> {
    return collect(this.#options.releases.list());
  }

  listJobs(): Promise<JobSummary[]> {
    return collect(this.#options.jobs.listJobs());
  }

  async showJob(jobId: string): Promise<JobDetail | null> {
    const { jobs } = this.#options;
    // Described first: the other calls fail on an unknown job instead of saying so.
    const summary = await jobs.describeJob(jobId);
    if (summary === null) return null;
    const [document, executions] = await Promise.all([
      jobs.jobDocument(jobId),
      collect(jobs.listExecutions(jobId)),
    ]);
    return { ...summary, document: document ?? {}, executions };
  }
}

/** The use case's progress as lines: an upload is reported at its start, each quarter and its end. */
export function releaseProgressLines(progress: ProgressReporter): (event: ReleaseProgress) => void {
  let quarter = -1;
  return (event) => {
    if (event.stage === "hashing") progress("hashing the artifact");
    else if (event.stage === "creating-job") progress(`creating job ${event.jobId}`);
    else {
      const reached = Math.floor((event.sentBytes / Math.max(event.totalBytes, 1)) * 4);
      if (reached > quarter) {
        quarter = reached;
        progress(`uploading: ${event.sentBytes} of ${event.totalBytes} bytes (${reached * 25}%)`);
      }
    }
  };
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}
