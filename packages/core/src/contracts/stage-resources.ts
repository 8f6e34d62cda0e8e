import { InvalidStageNameError } from "./contract-errors.ts";

/**
 * How a deployed stage names its AWS resources. The stacks create them under these names and
 * the CLI finds them by the same names, so `fleet devices --stage prod` needs no lookup of the
 * stage's outputs.
 */

/** The SST app name (`app().name` in sst.config.ts). */
export const FLEET_APP_NAME = "fleet";

/** Thing attribute holding the device's serial (the thing name is derived from it). */
export const SERIAL_ATTRIBUTE = "serial";

// Lowercase so one stage name gives valid S3, IoT and IAM names alike; 20 characters keeps
// every derived name well inside the 128-character IoT limits.
const STAGE_NAME_PATTERN = /^[a-z][a-z0-9-]{0,19}$/;

export interface StageResourceNames {
  /** The thing group every provisioned thing of the stage joins. */
  thingGroupName: string;
  /** The IoT policy attached to every device certificate of the stage. */
  devicePolicyName: string;
  /** The IoT policy of the shared claim certificate (fleet provisioning topics only). */
  claimPolicyName: string;
  /** The fleet provisioning template devices register with. */
  provisioningTemplateName: string;
  /** SSM parameter holding the allow-list bucket's name (bucket names are global). */
  allowListBucketParameter: string;
  /** Secrets Manager secret holding the claim certificate and key, for the image build. */
  claimCredentialsSecretName: string;
  /** DynamoDB table of provisioning refusals and revocations per serial. */
  deviceLedgerTableName: string;
  /** Kinesis data stream the telemetry rule feeds. */
  telemetryStreamName: string;
  /** IoT topic rule (rule names allow only letters, digits and `_`). */
  telemetryRuleName: string;
  /** SSM parameter: JSON `TelemetryStoreSettings` telling readers which store the stage uses. */
  telemetryStoreParameter: string;
  /** Timestream for LiveAnalytics database (when that store is chosen). */
  timestreamDatabaseName: string;
  /** SQS queue of telemetry dead letters. */
  telemetryDeadLetterQueueName: string;
  /** DynamoDB table of certificate rotations (one active rotation per thing). */
  rotationTableName: string;
  /**
   * The stable part of the id of the job template every certificate rotation job is created
   * from. The id itself is `<base>-<content hash>` (stacks/job-template.ts: a changed template
   * is a new one), published in `rotationJobTemplateParameter`.
   */
  rotationJobTemplateBaseId: string;
  /** SSM parameter holding the rotation job template's current id. */
  rotationJobTemplateParameter: string;
  /** SSM parameter holding the OTA artifact bucket's name (bucket names are global). */
  artifactBucketParameter: string;
  /** Role IoT Jobs assumes to presign artifact URLs (`presignedUrlConfig.roleArn`). */
  otaPresignRoleName: string;
  /** Thing group that gets each release first (`fleet ota release --canary`). */
  canaryThingGroupName: string;
  /** DynamoDB table of OTA releases (partition key `releaseId`). */
  releaseTableName: string;
  /**
   * The stable part of the id of the app-update job template (rollout, abort, timeouts and
   * presigning preset); its id is `<base>-<content hash>`, a stage output.
   */
  appUpdateJobTemplateBaseId: string;
  /** IoT topic rule on Jobs completed/canceled events, feeding release-advance. */
  releaseAdvanceRuleName: string;
  /**
   * IoT topic rule on the job-execution events that end a fleet job's execution, feeding
   * release-advance: a continuous fleet job never ends, so its executions tell it converged.
   */
  releaseConvergeRuleName: string;
}

/** Object key of the allow-list in the stage's allow-list bucket (text/CSV or JSON). */
export const ALLOW_LIST_OBJECT_KEY = "allow-list";

/** Throws InvalidStageNameError unless `stage` is a valid SST stage name for this app. */
export function assertStageName(stage: string): void {
  if (!STAGE_NAME_PATTERN.test(stage)) {
    throw new InvalidStageNameError(
      `invalid stage name ${JSON.stringify(stage)}: expected 1-20 characters of lowercase letters, digits and '-', starting with a letter (e.g. "dev", "prod", "pr-42")`,
      { stage },
    );
  }
}

export function stageResourceNames(stage: string): StageResourceNames {
  assertStageName(stage);
  const prefix = `${FLEET_APP_NAME}-${stage}`;
  return {
    thingGroupName: `${prefix}-devices`,
    devicePolicyName: `${prefix}-device`,
    claimPolicyName: `${prefix}-claim`,
    // Provisioning template names are limited to 36 characters of [0-9A-Za-z_-].
    provisioningTemplateName: `${prefix}-provision`,
    allowListBucketParameter: `/${FLEET_APP_NAME}/${stage}/allow-list-bucket`,
    claimCredentialsSecretName: `${FLEET_APP_NAME}/${stage}/claim-credentials`,
    deviceLedgerTableName: `${prefix}-device-ledger`,
    telemetryStreamName: `${prefix}-telemetry`,
    telemetryRuleName: `${FLEET_APP_NAME}_${stage.replaceAll("-", "_")}_telemetry`,
    telemetryStoreParameter: `/${FLEET_APP_NAME}/${stage}/telemetry-store`,
    timestreamDatabaseName: `${prefix}`,
    telemetryDeadLetterQueueName: `${prefix}-telemetry-dead-letters`,
    rotationTableName: `${prefix}-rotations`,
    rotationJobTemplateBaseId: `${prefix}-rotate-certificate`,
    rotationJobTemplateParameter: `/${FLEET_APP_NAME}/${stage}/rotation-job-template`,
    artifactBucketParameter: `/${FLEET_APP_NAME}/${stage}/artifact-bucket`,
    otaPresignRoleName: `${prefix}-ota-presign`,
    canaryThingGroupName: `${prefix}-canary`,
    releaseTableName: `${prefix}-releases`,
    appUpdateJobTemplateBaseId: `${prefix}-app-update`,
    releaseAdvanceRuleName: `${FLEET_APP_NAME}_${stage.replaceAll("-", "_")}_release_advance`,
    releaseConvergeRuleName: `${FLEET_APP_NAME}_${stage.replaceAll("-", "_")}_release_converge`,
  };
}

/**
 * The AWS profile that holds a stage's credentials by default: each stage is its own AWS
 * account. Like sst.config.ts, callers let `AWS_PROFILE` or environment credentials win.
 */
export function stageAwsProfile(stage: string): string {
  assertStageName(stage);
  return `${FLEET_APP_NAME}-${stage}`;
}
