import { stageAwsProfile } from "./stage-resources.ts";

/** The region of a stage when `AWS_REGION` is not set. */
export const DEFAULT_AWS_REGION = "eu-west-1";

/** Where a stage lives in AWS: its region, and the profile its credentials come from. */
export interface StageAwsSettings {
  region: string;
  /** Undefined when credentials come from the environment (`AWS_ACCESS_KEY_ID`, as in CI). */
  profile?: string;
}

type Env = Record<string, string | undefined>;

/**
 * The one rule `sst deploy` (sst.config.ts) and the CLI (`--stage`) both follow, so the CLI
 * reads the region and account the stage was deployed to:
 * - region: `AWS_REGION`, else eu-west-1. A profile's own `region` setting is not read: SST
 *   hands the region to its provider, so reading it only in the CLI would split the two;
 * - credentials: the environment's when `AWS_ACCESS_KEY_ID` is set (CI with an assumed role),
 *   else the profile `AWS_PROFILE`, else `fleet-<stage>` (each stage in its own account).
 * Throws InvalidStageNameError for a stage name AWS resource names could not carry.
 */
export function stageAwsSettings(stage: string, env: Env): StageAwsSettings {
  const ownProfile = stageAwsProfile(stage);
  const region = env.AWS_REGION?.trim() || DEFAULT_AWS_REGION;
  if (env.AWS_ACCESS_KEY_ID) return { region };
  return { region, profile: env.AWS_PROFILE?.trim() || ownProfile };
}
