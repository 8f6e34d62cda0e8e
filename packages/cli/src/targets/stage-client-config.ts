import { stageAwsProfile } from "@fleet/core/contracts";

/**
 * AWS client settings for a stage: credentials from the environment when set (CI), else
 * `AWS_PROFILE`, else the stage's own profile (`fleet-<stage>`): the rule `sst.config.ts`
 * deploys with, since each stage lives in its own account.
 */
export function stageClientConfig(stage: string): { profile?: string } {
  if (process.env.AWS_ACCESS_KEY_ID) return {};
  return { profile: process.env.AWS_PROFILE ?? stageAwsProfile(stage) };
}
