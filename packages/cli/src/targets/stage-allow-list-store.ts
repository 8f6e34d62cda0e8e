import { S3Client } from "@aws-sdk/client-s3";
import { GetParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { S3AllowListStore } from "@fleet/core/adapters/aws";
import { stageResourceNames } from "@fleet/core/contracts";
import { CliError } from "../errors.ts";
import { stageClientConfig } from "./stage-client-config.ts";

/** The stage's allow-list in its bucket; the bucket's name is global, so SSM publishes it. */
export async function stageAllowListStore(
  stage: string,
): Promise<{ store: S3AllowListStore; bucket: string }> {
  const config = stageClientConfig(stage);
  const bucket = await allowListBucket(stage, new SSMClient(config));
  return { store: new S3AllowListStore({ s3: new S3Client(config), bucket }), bucket };
}

async function allowListBucket(stage: string, ssm: SSMClient): Promise<string> {
  const name = stageResourceNames(stage).allowListBucketParameter;
  try {
    const reply = await ssm.send(new GetParameterCommand({ Name: name }));
    const value = reply.Parameter?.Value;
    if (value) return value;
  } catch (error) {
    if ((error as { name?: string }).name !== "ParameterNotFound") throw error;
  }
  throw new CliError(
    `stage ${stage} has no allow-list bucket (SSM parameter ${name} not found): deploy it with \`npx sst deploy --stage ${stage}\``,
  );
}
