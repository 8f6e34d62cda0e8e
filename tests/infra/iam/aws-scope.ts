import type { AwsScope } from "../../../packages/functions/tests/sdk-calls/handler-scenario.ts";
import { MOCK_ACCOUNT_ID, MOCK_PARTITION, MOCK_REGION } from "../harness/index.ts";

/** The account and region the infra mocks deploy the stage into. */
export const STAGE_SCOPE: AwsScope = {
  partition: MOCK_PARTITION,
  region: MOCK_REGION,
  accountId: MOCK_ACCOUNT_ID,
};

/** Another stage's account (each stage has its own, sst.config.ts). */
export const OTHER_ACCOUNT_ID = "210987654321";

export type { AwsScope };
