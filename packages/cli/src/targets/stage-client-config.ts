import type { SSMClientConfig } from "@aws-sdk/client-ssm";
import { AwsCredentialsError } from "@fleet/core/adapters/aws";
import { stageAwsSettings } from "@fleet/core/contracts";

type Credentials = NonNullable<SSMClientConfig["credentials"]>;

/** The part of an SDK client's runtime extension configuration that holds its credentials. */
interface CredentialsConfiguration {
  credentials(): Credentials | undefined;
  setCredentials(credentials: Credentials): void;
}

export interface StageClientConfig {
  region: string;
  profile?: string;
  extensions: { configure(configuration: CredentialsConfiguration): void }[];
}

/**
 * AWS client settings for a stage, by the rule `sst deploy` follows (`stageAwsSettings`): the
 * region and credentials the stage was deployed with. When no credentials can be loaded, the
 * client fails with an AwsCredentialsError naming where it looked and how to fix it.
 */
export function stageClientConfig(stage: string): StageClientConfig {
  const { region, profile } = stageAwsSettings(stage, process.env);
  return {
    region,
    ...(profile ? { profile } : {}),
    extensions: [
      { configure: (configuration) => explainCredentialFailures(configuration, stage, profile) },
    ],
  };
}

/**
 * Wraps the client's credential provider (the SDK's default chain for the profile, resolved by
 * then), so a failure names the profile instead of the SDK's generic "could not load".
 */
function explainCredentialFailures(
  configuration: CredentialsConfiguration,
  stage: string,
  profile: string | undefined,
): void {
  const resolve = configuration.credentials();
  if (typeof resolve !== "function") return;
  configuration.setCredentials(async (options) => {
    try {
      return await resolve(options);
    } catch (error) {
      throw new AwsCredentialsError(credentialsHelp(stage, profile, error), { cause: error });
    }
  });
}

function credentialsHelp(stage: string, profile: string | undefined, error: unknown): string {
  const detail = error instanceof Error ? error.message.split("\n")[0] : String(error);
  if (profile === undefined) {
    return `the AWS credentials in the environment (AWS_ACCESS_KEY_ID) could not be used for stage ${stage} (${detail}): set AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN) too, or unset AWS_ACCESS_KEY_ID to use the profile fleet-${stage}`;
  }
  return `no AWS credentials for stage ${stage} from profile ${profile} (${detail}): create the profile with \`aws configure sso --profile ${profile}\` (or add it to ~/.aws/config), sign in again with \`aws sso login --profile ${profile}\`, or set AWS_PROFILE to a profile of the stage's account`;
}
