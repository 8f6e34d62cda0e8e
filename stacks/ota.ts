import { DEFAULT_ABORT_FAILURE_PCT } from "@fleet/core";
import {
  JobExecutionEndOperationSchema,
  OTA_JOB_DEFAULTS,
  presignedUrlPlaceholder,
  s3ObjectUrl,
  stageResourceNames,
} from "@fleet/core/contracts";
import { iotServiceRole } from "./iot-rule-role.ts";
import { lambdaTopicRule } from "./iot-topic-rule.ts";
import { jobTemplate as replaceableJobTemplate } from "./job-template.ts";
import { type LambdaFunction, lambdaFunction } from "./lambda-function.ts";
import { privateBucket } from "./private-bucket.ts";

export interface Ota {
  artifactBucket: sst.aws.Bucket;
  artifactBucketParameter: aws.ssm.Parameter;
  presignRole: aws.iam.Role;
  canaryThingGroup: aws.iot.ThingGroup;
  jobTemplate: aws.cloudcontrol.Resource;
  /** The app-update job template's id (`<base>-<content hash>`, stacks/job-template.ts). */
  jobTemplateId: $util.Output<string>;
  releases: aws.dynamodb.Table;
  releaseAdvance: LambdaFunction;
  releaseAdvanceRule: aws.iot.TopicRule;
  eventConfigurations: aws.iot.EventConfigurations;
}

/**
 * Over-the-air updates (protocol in packages/core/src/use-cases/release-app.ts):
 * - the artifact bucket (versioned, SSE-S3, private, TLS only), its name in SSM for the CLI;
 * - the role IoT Jobs assumes to presign the artifact URLs in job documents, which may only
 *   read artifacts;
 * - the canary thing group (the fleet group is the provisioning group, device-identity.ts);
 * - the app-update job template: rollout, abort, timeouts and presigning preset;
 * - the releases table and the release-advance function, fed by a topic rule on the Jobs
 *   `completed` / `canceled` events, which moves a release from canary to fleet;
 * - the account's IoT event configuration: Jobs events (and the job-execution events the
 *   certificate rotation uses). Account-wide, so it exists once, here.
 */
export function ota(): Ota {
  const partition = aws.getPartitionOutput().partition;
  const region = aws.getRegionOutput().region;
  const accountId = aws.getCallerIdentityOutput().accountId;
  const names = stageResourceNames($app.stage);
  const namespace = `${$app.name}/${$app.stage}`;
  const iotArn = (resource: string) =>
    $interpolate`arn:${partition}:iot:${region}:${accountId}:${resource}`;

  // 1. Artifacts: devices never read the bucket themselves, only through presigned URLs.
  const { bucket: artifactBucket, parameter: artifactBucketParameter } = privateBucket(
    "Artifacts",
    {
      parameterResource: "ArtifactBucketParameter",
      parameterName: names.artifactBucketParameter,
      description: `OTA artifact bucket of ${$app.name} (${$app.stage})`,
    },
  );

  const presignRole = iotServiceRole("OtaPresign", accountId, names.otaPresignRoleName);
  new aws.iam.RolePolicy("OtaPresignPolicy", {
    role: presignRole.name,
    policy: $jsonStringify({
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Action: ["s3:GetObject"],
          // Artifacts only: every release's key is apps/<app>/<version>/<sha256>.tar.gz
          // (artifactKeyFor in core); nothing else in the bucket is ever presigned.
          Resource: [$interpolate`${artifactBucket.arn}/apps/*`],
        },
      ],
    }),
  });

  // 2. Where releases go: the canary group first.
  const canaryThingGroup = new aws.iot.ThingGroup("CanaryThingGroup", {
    name: names.canaryThingGroupName,
    properties: { description: `Devices that get each release of ${namespace} first` },
  });

  // Each release creates its jobs with its own document and abort percentage (IotOtaJobs); the
  // template presets the same settings for jobs an operator creates by hand, and its document
  // shows the shape (operators replace the example step, and sign it: devices refuse an
  // app-update step without the release key's signature).
  const exampleDocument = $jsonStringify({
    version: "1",
    steps: [
      {
        operation: "app-update",
        app: "example",
        version: "1.0.0",
        url: $resolve([region, artifactBucket.name]).apply(([bucketRegion, bucket]) =>
          presignedUrlPlaceholder(
            s3ObjectUrl({
              region: bucketRegion,
              bucket,
              key: `apps/example/1.0.0/${"0".repeat(64)}.tar.gz`,
            }),
          ),
        ),
        sha256: "0".repeat(64),
        size: 1,
      },
    ],
  });
  // Replaced (under a new id) whenever a setting changes: see stacks/job-template.ts.
  const jobTemplate = replaceableJobTemplate("AppUpdateJobTemplate", {
    baseId: names.appUpdateJobTemplateBaseId,
    properties: {
      Description: `App update of ${$app.name} (${$app.stage}) devices`,
      Document: exampleDocument,
      PresignedUrlConfig: {
        RoleArn: presignRole.arn,
        ExpiresInSec: OTA_JOB_DEFAULTS.presignExpiresInSec,
      },
      JobExecutionsRolloutConfig: { MaximumPerMinute: OTA_JOB_DEFAULTS.maximumPerMinute },
      AbortConfig: {
        CriteriaList: [
          {
            Action: "CANCEL",
            FailureType: "ALL",
            // The lowest AWS allows: with a small canary group one failure already counts.
            MinNumberOfExecutedThings: 1,
            ThresholdPercentage: DEFAULT_ABORT_FAILURE_PCT,
          },
        ],
      },
      TimeoutConfig: { InProgressTimeoutInMinutes: OTA_JOB_DEFAULTS.inProgressTimeoutMinutes },
    },
    arn: (id) => iotArn(`jobtemplate/${id}`),
  });

  // 3. Releases and their progress, event driven.
  const releases = new aws.dynamodb.Table("Releases", {
    name: names.releaseTableName,
    billingMode: "PAY_PER_REQUEST",
    hashKey: "releaseId",
    attributes: [{ name: "releaseId", type: "S" }],
  });
  const ruleArn = iotArn(`rule/${names.releaseAdvanceRuleName}`);

  const releaseAdvance = lambdaFunction("ReleaseAdvance", {
    handler: "release-advance",
    timeout: "30 seconds",
    environment: {
      POWERTOOLS_SERVICE_NAME: "release-advance",
      POWERTOOLS_METRICS_NAMESPACE: namespace,
      RELEASE_TABLE: releases.name,
      OTA_PRESIGN_ROLE_ARN: presignRole.arn,
    },
    permissions: [
      { actions: ["dynamodb:GetItem", "dynamodb:UpdateItem"], resources: [releases.arn] },
      { actions: ["iot:DescribeJob", "iot:GetJobDocument"], resources: [iotArn("job/*")] },
      // A release whose fleet job starts cancels the continuous fleet job of the one it supersedes.
      { actions: ["iot:CancelJob"], resources: [iotArn("job/*")] },
      // CreateJob is authorized on the job and on each of its targets.
      {
        actions: ["iot:CreateJob"],
        resources: [iotArn("job/*"), iotArn("thing/*"), iotArn("thinggroup/*")],
      },
      // Resolving the fleet job's targets to ARNs.
      { actions: ["iot:DescribeThingGroup"], resources: [iotArn("thinggroup/*")] },
      { actions: ["iot:DescribeThing"], resources: [iotArn("thing/*")] },
      // A job with presignedUrlConfig passes the presign role to IoT Jobs, and to nothing else.
      {
        actions: ["iam:PassRole"],
        resources: [presignRole.arn],
        conditions: [
          { test: "StringEquals", variable: "iam:PassedToService", values: ["iot.amazonaws.com"] },
        ],
      },
    ],
  });

  const { rule: releaseAdvanceRule } = lambdaTopicRule("ReleaseAdvanceRule", {
    ruleName: names.releaseAdvanceRuleName,
    ruleArn,
    accountId,
    description: `Moves ${namespace} releases on when one of their jobs completed or was canceled`,
    // Jobs events: `$aws/events/job/<jobId>/<operation>`; only the two that end a job.
    sql: "SELECT * FROM '$aws/events/job/+/+' WHERE operation = 'completed' OR operation = 'canceled'",
    fn: releaseAdvance.fn,
  });

  // A continuous fleet job never ends: the ends of its executions tell release-advance when the
  // fleet converged. Job-execution events: `$aws/events/jobExecution/<jobId>/<operation>`
  // (AWS IoT developer guide, "Jobs events"); only fleet jobs' terminal ones.
  lambdaTopicRule("ReleaseConvergeRule", {
    ruleName: names.releaseConvergeRuleName,
    ruleArn: iotArn(`rule/${names.releaseConvergeRuleName}`),
    accountId,
    description: `Completes ${namespace} releases once every device their fleet job reached ended`,
    sql: `SELECT * FROM '$aws/events/jobExecution/+/+' WHERE regexp_matches(jobId, '-fleet$') AND (${JobExecutionEndOperationSchema.options.map((operation) => `operation = '${operation}'`).join(" OR ")})`,
    fn: releaseAdvance.fn,
  });

  // Account-wide: one resource for every event the product uses (the Jobs events above, and
  // the job-execution events of the certificate rotation).
  const eventConfigurations = new aws.iot.EventConfigurations(
    "IotEventConfigurations",
    { eventConfigurations: { JOB: true, JOB_EXECUTION: true } },
    // Formerly the certificates stack's: the alias updates that resource in place, where a
    // delete and create could switch the rotation's events off in between.
    { aliases: [{ name: "JobExecutionEvents" }] },
  );

  return {
    artifactBucket,
    artifactBucketParameter,
    presignRole,
    canaryThingGroup,
    jobTemplate: jobTemplate.resource,
    jobTemplateId: jobTemplate.id,
    releases,
    releaseAdvance,
    releaseAdvanceRule,
    eventConfigurations,
  };
}
