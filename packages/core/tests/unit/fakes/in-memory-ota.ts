import {
  JobNotCancelableError,
  JobNotFoundError,
} from "../../../src/contracts/operator-api/operator-errors.ts";
import type { JobSummary } from "../../../src/contracts/ota-jobs.ts";
import type {
  ReleasePhase,
  ReleaseRecord,
  ReleaseTarget,
} from "../../../src/contracts/ota-release.ts";
import {
  ReleaseAlreadyExistsError,
  ReleaseTargetNotFoundError,
} from "../../../src/ota/ota-errors.ts";
import type {
  ArtifactStore,
  OtaJobSpec,
  OtaJobs,
  ReleasePatch,
  ReleaseStore,
} from "../../../src/ports/ota.ts";

/** Artifacts kept as the paths they were put from. */
export class InMemoryArtifactStore implements ArtifactStore {
  readonly stored = new Map<string, { path: string; size: number; sha256: string }>();

  async put(
    key: string,
    file: { path: string; size: number; sha256: string },
    onProgress?: (sentBytes: number) => void,
  ): Promise<void> {
    onProgress?.(file.size);
    this.stored.set(key, file);
  }

  documentUrl(key: string): string {
    return `\${aws:iot:s3-presigned-url-v2:https://s3.eu-west-1.amazonaws.com/artifacts/${key}}`;
  }
}

/** Jobs the test ends by hand with `finish`; groups and things named up front. */
export class InMemoryOtaJobs implements OtaJobs {
  readonly created: OtaJobSpec[] = [];
  readonly canceled: string[] = [];
  readonly summaries = new Map<string, JobSummary>();
  failCreate: Error | null = null;

  readonly known: { groups: string[]; things: string[] };

  constructor(known: { groups: string[]; things: string[] }) {
    this.known = known;
  }

  async createJob(spec: OtaJobSpec): Promise<void> {
    if (this.failCreate !== null) throw this.failCreate;
    this.created.push(spec);
    this.summaries.set(spec.jobId, {
      jobId: spec.jobId,
      status: "IN_PROGRESS",
      description: spec.description,
      ...(spec.continuous === true ? { targetSelection: "CONTINUOUS" as const } : {}),
      reasonCode: null,
      comment: null,
      counts: zeroCounts(),
      createdAt: "2026-11-22T00:00:00.000Z",
      completedAt: null,
    });
  }

  /** Ends a job with the given status and execution counts. */
  finish(
    jobId: string,
    status: "COMPLETED" | "CANCELED",
    counts: Partial<JobSummary["counts"]>,
    reasonCode: string | null = null,
  ): void {
    const summary = this.summaries.get(jobId);
    if (summary === undefined) throw new Error(`no job ${jobId}`);
    this.summaries.set(jobId, {
      ...summary,
      status,
      reasonCode,
      counts: { ...zeroCounts(), ...counts },
      completedAt: "2026-11-22T00:10:00.000Z",
    });
  }

  /** Sets a running job's execution counts (a continuous job never ends by itself). */
  progress(jobId: string, counts: Partial<JobSummary["counts"]>): void {
    const summary = this.summaries.get(jobId);
    if (summary === undefined) throw new Error(`no job ${jobId}`);
    this.summaries.set(jobId, { ...summary, counts: { ...zeroCounts(), ...counts } });
  }

  async cancelJob(jobId: string): Promise<void> {
    const summary = this.summaries.get(jobId);
    if (summary === undefined) throw new JobNotFoundError(jobId);
    if (summary.status !== "IN_PROGRESS") throw new JobNotCancelableError(jobId, summary.status);
    this.canceled.push(jobId);
    this.summaries.set(jobId, { ...summary, status: "CANCELED" });
  }

  async describeJob(jobId: string): Promise<JobSummary | null> {
    return this.summaries.get(jobId) ?? null;
  }

  async jobDocument(jobId: string): Promise<Record<string, unknown> | null> {
    const spec = this.created.find((job) => job.jobId === jobId);
    return spec === undefined ? null : structuredClone(spec.document);
  }

  async *listJobs(): AsyncIterable<JobSummary> {
    yield* [...this.summaries.values()].reverse();
  }

  async *listExecutions(): AsyncIterable<never> {}

  async resolveTargets(names: readonly string[]): Promise<ReleaseTarget[]> {
    const unknown = names.filter(
      (name) => !this.known.groups.includes(name) && !this.known.things.includes(name),
    );
    if (unknown.length > 0) {
      throw new ReleaseTargetNotFoundError(`unknown targets ${unknown.join(", ")}`, {
        names: unknown,
      });
    }
    return names.map((name) => ({
      kind: this.known.groups.includes(name) ? "group" : "thing",
      name,
    }));
  }
}

export class InMemoryReleaseStore implements ReleaseStore {
  readonly records = new Map<string, ReleaseRecord>();

  async create(record: ReleaseRecord): Promise<void> {
    if (this.records.has(record.releaseId)) {
      throw new ReleaseAlreadyExistsError(`release ${record.releaseId} exists`, {
        releaseId: record.releaseId,
      });
    }
    this.records.set(record.releaseId, structuredClone(record));
  }

  async get(releaseId: string): Promise<ReleaseRecord | null> {
    return structuredClone(this.records.get(releaseId) ?? null);
  }

  async update(
    releaseId: string,
    patch: ReleasePatch,
    expectedPhase: ReleasePhase,
  ): Promise<ReleaseRecord | null> {
    const current = this.records.get(releaseId);
    if (current === undefined || current.phase !== expectedPhase) return null;
    const updated = { ...current, ...patch };
    this.records.set(releaseId, updated);
    return structuredClone(updated);
  }

  async *list(): AsyncIterable<ReleaseRecord> {
    yield* [...this.records.values()].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }
}

function zeroCounts(): JobSummary["counts"] {
  return {
    queued: 0,
    inProgress: 0,
    succeeded: 0,
    failed: 0,
    rejected: 0,
    timedOut: 0,
    canceled: 0,
    removed: 0,
  };
}
