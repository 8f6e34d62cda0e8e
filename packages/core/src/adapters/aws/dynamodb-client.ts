import { DynamoDBClient, type DynamoDBClientConfig } from "@aws-sdk/client-dynamodb";
import { AWS_CLIENT_RETRY } from "./client-retry.ts";

/**
 * A DynamoDB client with AWS_CLIENT_RETRY (a reconcile records one ledger entry per removed
 * device); `config` (region, profile, credentials...) wins.
 */
export function createDynamoDbClient(config: DynamoDBClientConfig = {}): DynamoDBClient {
  return new DynamoDBClient({ ...AWS_CLIENT_RETRY, ...config });
}
