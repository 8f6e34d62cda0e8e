import { stageResourceNames } from "@fleet/core/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type IamStatement,
  LAMBDA_FUNCTION,
  MOCK_ACCOUNT_ID,
  MOCK_REGION,
  PLATFORM_BUILD_TIMEOUT_MS,
  permissionStatements,
  type RegisteredResource,
  runStack,
  type StackRun,
  stopStackHarness,
  trustStatements,
} from "./harness/index.ts";

const ROLE = "aws:iam/role:Role";
const LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup";
const names = stageResourceNames("dev");
const iotArn = (resource: string) => `arn:aws:iot:${MOCK_REGION}:${MOCK_ACCOUNT_ID}:${resource}`;
const roleArn = (role: RegisteredResource) =>
  `arn:aws:iam::${MOCK_ACCOUNT_ID}:role/${role.inputs.name ?? role.name}`;

async function deployOta() {
  const { ota } = await import("../../stacks/ota.ts");
  ota();
}

describe("ota stack", () => {
  let stack: StackRun<void>;
  let bucketName: string;
  let bucketArn: string;
  let presignRole: RegisteredResource;

  beforeAll(async () => {
    stack = await runStack(deployOta, { stage: "dev" });
    bucketName = stack.one("aws:s3/bucket:Bucket").inputs.bucket;
    bucketArn = `arn:aws:s3:::${bucketName}`;
    presignRole = stack.one(ROLE, "OtaPresignRole");
  }, PLATFORM_BUILD_TIMEOUT_MS);
  afterAll(stopStackHarness);

  describe("artifact bucket", () => {
    it("is versioned, encrypted with SSE-S3 and blocks every public access", () => {
      expect(stack.one("aws:s3/bucketVersioning:BucketVersioning").inputs).toEqual({
        bucket: bucketName,
        versioningConfiguration: { status: "Enabled" },
      });
      expect(
        stack.one(
          "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        ).inputs,
      ).toEqual({
        bucket: bucketName,
        rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }],
      });
      expect(stack.one("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock").inputs).toEqual({
        bucket: bucketName,
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
      });
    });

    it("denies every request not made over TLS", () => {
      expect(
        JSON.parse(stack.one("aws:s3/bucketPolicy:BucketPolicy").inputs.policy).Statement,
      ).toEqual([
        {
          Effect: "Deny",
          Principal: { "*": "*" },
          Action: "s3:*",
          Resource: [bucketArn, `${bucketArn}/*`],
          Condition: { Bool: { "aws:SecureTransport": "false" } },
        },
      ]);
    });

    it("publishes its name under the SSM parameter the CLI reads", () => {
      expect(stack.one("aws:ssm/parameter:Parameter").inputs).toMatchObject({
        name: "/fleet/dev/artifact-bucket",
        type: "String",
        insecureValue: bucketName,
      });
    });
  });

  describe("presign role", () => {
    it("is assumed by AWS IoT for this account only, under the name the CLI derives", () => {
      expect(presignRole.inputs.name).toBe(names.otaPresignRoleName);
      expect(trustStatements(presignRole)).toEqual([
        expect.objectContaining({
          effect: "Allow",
          actions: ["sts:AssumeRole"],
          principals: { Service: ["iot.amazonaws.com"] },
          conditions: { StringEquals: { "aws:SourceAccount": MOCK_ACCOUNT_ID } },
        }),
      ]);
    });

    it("may only read artifacts (keys under apps/)", () => {
      expect(
        permissionStatements(stack.ofType("aws:iam/rolePolicy:RolePolicy")).filter(
          (statement) => statement.owner === "OtaPresignPolicy",
        ),
      ).toEqual([
        expect.objectContaining({ actions: ["s3:GetObject"], resources: [`${bucketArn}/apps/*`] }),
      ]);
    });
  });

  it("creates the canary thing group under its stage name", () => {
    expect(stack.one("aws:iot/thingGroup:ThingGroup").inputs.name).toBe("fleet-dev-canary");
  });

  it("presets rollout, abort at 10% after one executed thing, timeout and presigning in the job template", () => {
    const template = stack.one("aws:cloudcontrol/resource:Resource");
    expect(template.inputs.typeName).toBe("AWS::IoT::JobTemplate");
    const state = JSON.parse(template.inputs.desiredState);

    expect(state).toMatchObject({
      JobTemplateId: expect.stringMatching(/^fleet-dev-app-update-[0-9a-f]{8}$/),
      PresignedUrlConfig: { RoleArn: roleArn(presignRole), ExpiresInSec: 3600 },
      JobExecutionsRolloutConfig: { MaximumPerMinute: 50 },
      AbortConfig: {
        CriteriaList: [
          {
            Action: "CANCEL",
            FailureType: "ALL",
            MinNumberOfExecutedThings: 1,
            ThresholdPercentage: 10,
          },
        ],
      },
      TimeoutConfig: { InProgressTimeoutInMinutes: 60 },
    });
    const document = JSON.parse(state.Document);
    expect(document.version).toBe("1");
    expect(document.steps[0].url).toBe(
      `\${aws:iot:s3-presigned-url-v2:https://s3.${MOCK_REGION}.amazonaws.com/${bucketName}/apps/example/1.0.0/${"0".repeat(64)}.tar.gz}`,
    );
  });

  it("keeps releases in a table keyed by release id", () => {
    expect(stack.one("aws:dynamodb/table:Table").inputs).toMatchObject({
      name: "fleet-dev-releases",
      billingMode: "PAY_PER_REQUEST",
      hashKey: "releaseId",
      attributes: [{ name: "releaseId", type: "S" }],
    });
  });

  describe("release-advance", () => {
    it("is fed the Jobs events that end a job, by a rule only it serves", () => {
      const rule = stack.one("aws:iot/topicRule:TopicRule", "ReleaseAdvanceRule");
      const fn = stack.one(LAMBDA_FUNCTION);

      expect(rule.inputs).toMatchObject({
        name: "fleet_dev_release_advance",
        sql: "SELECT * FROM '$aws/events/job/+/+' WHERE operation = 'completed' OR operation = 'canceled'",
        sqlVersion: "2016-03-23",
        enabled: true,
      });
      expect(rule.inputs.lambdas).toEqual([
        {
          functionArn: `arn:aws:lambda:${MOCK_REGION}:${MOCK_ACCOUNT_ID}:function:${fn.inputs.name ?? fn.name}`,
        },
      ]);
      expect(
        stack.one("aws:lambda/permission:Permission", "ReleaseAdvanceRuleInvoke").inputs,
      ).toMatchObject({
        principal: "iot.amazonaws.com",
        sourceArn: iotArn("rule/fleet_dev_release_advance"),
        sourceAccount: MOCK_ACCOUNT_ID,
      });
    });

    it("is fed the ends of fleet job executions (a continuous job never ends), by a second rule", () => {
      const rule = stack.one("aws:iot/topicRule:TopicRule", "ReleaseConvergeRule");
      const fn = stack.one(LAMBDA_FUNCTION);

      expect(rule.inputs).toMatchObject({
        name: "fleet_dev_release_converge",
        sql:
          "SELECT * FROM '$aws/events/jobExecution/+/+' WHERE regexp_matches(jobId, '-fleet$') AND " +
          "(operation = 'succeeded' OR operation = 'failed' OR operation = 'rejected' OR " +
          "operation = 'canceled' OR operation = 'timed_out' OR operation = 'removed')",
        sqlVersion: "2016-03-23",
        enabled: true,
      });
      expect(rule.inputs.lambdas).toEqual([
        {
          functionArn: `arn:aws:lambda:${MOCK_REGION}:${MOCK_ACCOUNT_ID}:function:${fn.inputs.name ?? fn.name}`,
        },
      ]);
      expect(
        stack.one("aws:lambda/permission:Permission", "ReleaseConvergeRuleInvoke").inputs,
      ).toMatchObject({
        principal: "iot.amazonaws.com",
        sourceArn: iotArn("rule/fleet_dev_release_converge"),
        sourceAccount: MOCK_ACCOUNT_ID,
      });
    });

    it("gets exactly the variables it parses", () => {
      const fn = stack.one(LAMBDA_FUNCTION);
      expect(
        Object.keys(fn.inputs.environment.variables)
          .filter((key) => !key.startsWith("SST"))
          .sort(),
      ).toEqual([
        "OTA_PRESIGN_ROLE_ARN",
        "POWERTOOLS_METRICS_NAMESPACE",
        "POWERTOOLS_SERVICE_NAME",
        "RELEASE_TABLE",
      ]);
      expect(fn.inputs.environment.variables).toMatchObject({
        RELEASE_TABLE: "fleet-dev-releases",
        OTA_PRESIGN_ROLE_ARN: roleArn(presignRole),
      });
    });

    it("may read and move releases, create jobs and pass only the presign role", () => {
      const logGroup = stack.one(LOG_GROUP, "ReleaseAdvanceLogGroup");
      const grants = permissionStatements([stack.one(ROLE, "ReleaseAdvanceRole")]).filter(
        (statement) =>
          !statement.resources.includes(
            `arn:aws:logs:${MOCK_REGION}:${MOCK_ACCOUNT_ID}:log-group:${logGroup.inputs.name}:*`,
          ),
      );
      const grant = (statement: IamStatement) => [statement.actions, statement.resources];

      expect(grants.map(grant)).toEqual([
        [
          ["dynamodb:GetItem", "dynamodb:UpdateItem"],
          [`arn:aws:dynamodb:${MOCK_REGION}:${MOCK_ACCOUNT_ID}:table/fleet-dev-releases`],
        ],
        [["iot:DescribeJob", "iot:GetJobDocument"], [iotArn("job/*")]],
        [["iot:CancelJob"], [iotArn("job/*")]],
        [["iot:CreateJob"], [iotArn("job/*"), iotArn("thing/*"), iotArn("thinggroup/*")]],
        [["iot:DescribeThingGroup"], [iotArn("thinggroup/*")]],
        [["iot:DescribeThing"], [iotArn("thing/*")]],
        [["iam:PassRole"], [roleArn(presignRole)]],
      ]);
    });

    it("may pass the presign role to AWS IoT only (iam:PassedToService)", () => {
      const passRole = permissionStatements([stack.one(ROLE, "ReleaseAdvanceRole")]).find(
        (statement) => statement.actions.includes("iam:PassRole"),
      );

      expect(passRole?.conditions).toEqual({
        StringEquals: { "iam:PassedToService": "iot.amazonaws.com" },
      });
    });
  });

  it("enables Jobs and job-execution events in the account's one event configuration", () => {
    expect(stack.one("aws:iot/eventConfigurations:EventConfigurations").inputs).toEqual({
      eventConfigurations: { JOB: true, JOB_EXECUTION: true },
    });
  });
});
