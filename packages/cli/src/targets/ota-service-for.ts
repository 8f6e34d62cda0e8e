import { S3Client } from "@aws-sdk/client-s3";
import { SSMClient } from "@aws-sdk/client-ssm";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { type ArtifactSigner, createReleaseApp } from "@fleet/core";
import {
  createDynamoDbClient,
  createIotClient,
  DynamoDbReleaseStore,
  IotOtaJobs,
  S3ArtifactStore,
} from "@fleet/core/adapters/aws";
import { stageResourceNames } from "@fleet/core/contracts";
import type { Target } from "../commands/target-options.ts";
import { UsageError } from "../errors.ts";
import type { OtaService } from "./ota-service.ts";
import { SandboxClient } from "./sandbox-client.ts";
import { stageClientConfig } from "./stage-client-config.ts";
import { StageOta } from "./stage-ota.ts";
import { readStageParameter } from "./stage-parameter.ts";

/**
 * The sandbox's API, or the stage's artifact bucket, IoT jobs and release table. `signer`:
 * the stage's release key, needed only to release (the sandbox signs with its own).
 */
export async function otaServiceFor(target: Target, signer?: ArtifactSigner): Promise<OtaService> {
  if (target.kind === "sandbox") return SandboxClient.connect(target.stateDir);
  const { stage } = target;
  const names = stageResourceNames(stage);
  const config = stageClientConfig(stage);
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
  const releaseApp = createReleaseApp({
    artifacts,
    jobs,
    releases,
    signer: signer ?? NO_SIGNING_KEY,
    clock: () => new Date(),
  });
  return new StageOta({ jobs, releases, releaseApp });
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
