import { S3Client } from "@aws-sdk/client-s3";
import { SSMClient } from "@aws-sdk/client-ssm";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import {
  type ArtifactSigner,
  type CancelReleaseRequest,
  type DeviceJobReleaseRequest,
  type OtaJobs,
  type OtaModule,
  otaModule,
  type ReleaseProgress,
  type ReleaseStore,
  type RollbackReleaseRequest,
} from "@fleet/core";
import {
  createDynamoDbClient,
  createIotClient,
  DynamoDbReleaseStore,
  IotOtaJobs,
  S3ArtifactStore,
} from "@fleet/core/adapters/aws";
import {
  type JobDetail,
  JobNotCancelableError,
  JobNotFoundError,
  type JobSummary,
  type ReleaseRecord,
  type ReleaseRequest,
  stageResourceNames,
} from "@fleet/core/contracts";
import { UsageError } from "../errors.ts";
import type { StageClientConfig } from "./stage-client-config.ts";
import { readStageParameter } from "./stage-parameter.ts";

/** Progress lines for the operator (stderr), e.g. `uploading ... 50%`. */
export type ProgressReporter = (message: string) => void;

export interface StageOtaOptions {
  jobs: OtaJobs & Pick<IotOtaJobs, "cancelJob">;
  releases: ReleaseStore;
  /** The core OTA use cases (`otaModule`) bound to the stage's ports. */
  ota: Pick<OtaModule, "release" | "releaseDeviceJob" | "cancel" | "rollback">;
  progress: ProgressReporter;
}

/**
 * Releases and IoT jobs of a deployed stage, created from the operator's machine with the core
 * use case (the stage's release-advance function takes them on from the job events).
 */
export class StageOta {
  readonly #options: StageOtaOptions;

  constructor(options: StageOtaOptions) {
    this.#options = options;
  }

  /**
   * The stage's artifact bucket, IoT jobs and release table. `signer`: the stage's release key,
   * needed only to release.
   */
  static async open(
    stage: string,
    config: StageClientConfig,
    settings: { signer?: ArtifactSigner | undefined; progress: ProgressReporter },
  ): Promise<StageOta> {
    const names = stageResourceNames(stage);
    const [bucket, presignRoleArn] = await Promise.all([
      readStageParameter(
        new SSMClient(config),
        stage,
        names.artifactBucketParameter,
        "artifact bucket",
      ),
      stageRoleArn(new STSClient(config), names.otaPresignRoleName),
    ]);
    const jobs = new IotOtaJobs({ iot: createIotClient(config), presignRoleArn });
    const releases = new DynamoDbReleaseStore({
      dynamo: createDynamoDbClient(config),
      tableName: names.releaseTableName,
    });
    const s3 = new S3Client(config);
    // Job documents name artifacts by their regional URL: the bucket is in the stage's region.
    const artifacts = new S3ArtifactStore({ s3, bucket, region: await s3.config.region() });
    const ota = otaModule({
      artifacts,
      jobs,
      releases,
      signer: settings.signer ?? NO_SIGNING_KEY,
      clock: () => new Date(),
    });
    return new StageOta({ jobs, releases, ota, progress: settings.progress });
  }

  createRelease(request: ReleaseRequest): Promise<ReleaseRecord> {
    return this.#options.ota.release(request, releaseProgressLines(this.#options.progress));
  }

  releaseDeviceJob(request: DeviceJobReleaseRequest): Promise<ReleaseRecord> {
    return this.#options.ota.releaseDeviceJob(request);
  }

  describeRelease(releaseId: string): Promise<ReleaseRecord | null> {
    return this.#options.releases.get(releaseId);
  }

  cancelRelease(request: CancelReleaseRequest): Promise<ReleaseRecord> {
    return this.#options.ota.cancel(request);
  }

  rollbackRelease(request: RollbackReleaseRequest): Promise<ReleaseRecord> {
    return this.#options.ota.rollback(request);
  }

  listReleases(): Promise<ReleaseRecord[]> {
    return collect(this.#options.releases.list());
  }

  listJobs(): Promise<JobSummary[]> {
    return collect(this.#options.jobs.listJobs());
  }

  async describeJob(jobId: string): Promise<JobDetail | null> {
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

  /** Only a job in progress (or scheduled) is canceled; the job as it is afterwards. */
  async cancelJob(request: { jobId: string; force: boolean }): Promise<JobSummary> {
    const { jobs } = this.#options;
    const { jobId, force } = request;
    const before = await jobs.describeJob(jobId);
    if (before === null) throw new JobNotFoundError(jobId);
    if (before.status !== "IN_PROGRESS" && before.status !== "SCHEDULED") {
      throw new JobNotCancelableError(jobId, before.status);
    }
    await jobs.cancelJob(jobId, { force });
    return (await jobs.describeJob(jobId)) ?? before;
  }
}

/** Listing releases and jobs needs no key; a release without one is the operator's to fix. */
const NO_SIGNING_KEY: ArtifactSigner = {
  sign: () => Promise.reject(new UsageError("a stage release needs --signing-key FILE")),
};

/** The stage's role of that name: the stacks create it in the account the CLI is signed in to. */
async function stageRoleArn(sts: STSClient, roleName: string): Promise<string> {
  const { Arn, Account } = await sts.send(new GetCallerIdentityCommand({}));
  const partition = Arn?.split(":")[1] ?? "aws";
  return `arn:${partition}:iam::${Account}:role/${roleName}`;
}

/** The use case's progress as lines: an upload is reported at its start, each quarter and its end. */
function releaseProgressLines(progress: ProgressReporter): (event: ReleaseProgress) => void {
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
