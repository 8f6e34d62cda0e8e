import { S3Client } from "@aws-sdk/client-s3";
import { SSMClient } from "@aws-sdk/client-ssm";
import { S3AllowListStore } from "@fleet/core/adapters/aws";
import { stageResourceNames } from "@fleet/core/contracts";
import { stageClientConfig } from "./stage-client-config.ts";
import { readStageParameter } from "./stage-parameter.ts";

/** The stage's allow-list in its bucket; the bucket's name is global, so SSM publishes it. */
export async function stageAllowListStore(
  stage: string,
): Promise<{ store: S3AllowListStore; bucket: string }> {
  const config = stageClientConfig(stage);
  const bucket = await readStageParameter(
    new SSMClient(config),
    stage,
    stageResourceNames(stage).allowListBucketParameter,
    "allow-list bucket",
  );
  return { store: new S3AllowListStore({ s3: new S3Client(config), bucket }), bucket };
}
