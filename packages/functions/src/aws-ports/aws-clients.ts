import type { IoTClient } from "@aws-sdk/client-iot";
import { lazyMembers } from "@fleet/core";
import {
  createAcmPcaClient,
  createDynamoDbClient,
  createIotClient,
} from "@fleet/core/adapters/aws";

/** The SDK clients of a function's ports: one of each per cold start, made when first used. */
export interface AwsClients {
  readonly iot: IoTClient;
  readonly pca: ReturnType<typeof createAcmPcaClient>;
  readonly dynamo: ReturnType<typeof createDynamoDbClient>;
}

export function awsClients(): AwsClients {
  return lazyMembers<AwsClients>({
    iot: () => createIotClient(),
    pca: () => createAcmPcaClient(),
    dynamo: () => createDynamoDbClient(),
  });
}
