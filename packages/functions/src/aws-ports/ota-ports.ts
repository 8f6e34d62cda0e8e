import { lazyMembers, type OtaPorts, type UseCaseLogger } from "@fleet/core";
import { DynamoDbReleaseStore, IotOtaJobs } from "@fleet/core/adapters/aws";
import * as z from "zod";
import { readEnv } from "../env.ts";
import { FunctionError } from "../errors.ts";
import { awsClients } from "./aws-clients.ts";

/** What no function has: releases are made by the operator (`fleet ota release --stage`). */
function operatorOnly(port: string): never {
  throw new FunctionError(
    `the OTA ${port} is the operator's (fleet ota release): no function makes releases`,
  );
}

/**
 * The OTA module's AWS ports for the functions, each built (and its variables read) on first
 * read: AWS IoT jobs (artifact URLs presigned with the stage's role) and the release table.
 * The functions only advance releases: the artifact bucket and the release key stay the
 * operator's.
 */
export function awsOtaPorts(logger: UseCaseLogger): OtaPorts {
  const clients = awsClients();
  return lazyMembers<OtaPorts>({
    artifacts: () => operatorOnly("artifact store"),
    jobs: () =>
      new IotOtaJobs({
        iot: clients.iot,
        presignRoleArn: readEnv(z.object({ OTA_PRESIGN_ROLE_ARN: z.string().startsWith("arn:") }))
          .OTA_PRESIGN_ROLE_ARN,
      }),
    releases: () =>
      new DynamoDbReleaseStore({
        dynamo: clients.dynamo,
        tableName: readEnv(z.object({ RELEASE_TABLE: z.string().min(1) })).RELEASE_TABLE,
      }),
    signer: () => operatorOnly("release key"),
    clock: () => () => new Date(),
    logger: () => logger,
  });
}
