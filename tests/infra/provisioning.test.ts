import {
  ALLOW_LIST_OBJECT_KEY,
  ClaimCredentialsSchema,
  claimPolicyDocument,
  provisioningTemplateBody,
  stageResourceNames,
} from "@fleet/core/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type IamStatement,
  LAMBDA_FUNCTION,
  MOCK_ACCOUNT_ID,
  MOCK_CA,
  MOCK_CERTIFICATE,
  MOCK_IOT_DATA_ENDPOINT,
  MOCK_PARTITION,
  MOCK_REGION,
  PLATFORM_BUILD_TIMEOUT_MS,
  permissionStatements,
  type RegisteredResource,
  runStack,
  type StackRun,
  stopStackHarness,
  trustStatements,
} from "./harness/index.ts";

const PERMISSION = "aws:lambda/permission:Permission";
const ROLE = "aws:iam/role:Role";
const LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup";

const names = stageResourceNames("dev");
const scope = { partition: MOCK_PARTITION, region: MOCK_REGION, accountId: MOCK_ACCOUNT_ID };
const iotArn = (resource: string) => `arn:aws:iot:${MOCK_REGION}:${MOCK_ACCOUNT_ID}:${resource}`;
/** The stage's private CA, as stacks/certificates.ts hands it over. */
const CA_ARN = `arn:aws:acm-pca:${MOCK_REGION}:${MOCK_ACCOUNT_ID}:certificate-authority/DeviceCa`;
const logGroupArn = (group: RegisteredResource) =>
  `arn:aws:logs:${MOCK_REGION}:${MOCK_ACCOUNT_ID}:log-group:${group.inputs.name}:*`;

async function deployProvisioning() {
  const { deviceIdentity } = await import("../../stacks/device-identity.ts");
  const { provisioning } = await import("../../stacks/provisioning.ts");
  const identity = deviceIdentity();
  provisioning({
    thingGroup: identity.thingGroup,
    devicePolicy: identity.devicePolicy,
    dataEndpoint: identity.dataEndpoint,
    certificateSigner: "private-ca",
    certificateAuthority: { arn: CA_ARN, certificatePem: MOCK_CA.certificate },
  });
}

/** Pulumi marks some inputs secret: the mocks receive them wrapped with a signature key. */
const unwrapSecret = (value: unknown): unknown =>
  typeof value === "object" && value !== null && "value" in value
    ? (value as { value: unknown }).value
    : value;

describe("provisioning stack", () => {
  let stack: StackRun<void>;
  let bucketName: string;
  let bucketArn: string;
  let allowListArn: string;
  let tableArn: string;
  let reconcileFn: RegisteredResource;
  let hookFn: RegisteredResource;

  /** The permission statements of one function's role, without its log-writing statement. */
  const grantsOf = (functionName: string): IamStatement[] => {
    const logGroup = stack.one(LOG_GROUP, `${functionName}LogGroup`);
    return permissionStatements([stack.one(ROLE, `${functionName}Role`)]).filter(
      (statement) => !statement.resources.includes(logGroupArn(logGroup)),
    );
  };

  beforeAll(async () => {
    stack = await runStack(deployProvisioning, { stage: "dev" });
    bucketName = stack.one("aws:s3/bucket:Bucket").inputs.bucket;
    bucketArn = `arn:aws:s3:::${bucketName}`;
    allowListArn = `${bucketArn}/${ALLOW_LIST_OBJECT_KEY}`;
    tableArn = `arn:aws:dynamodb:${MOCK_REGION}:${MOCK_ACCOUNT_ID}:table/${names.deviceLedgerTableName}`;
    reconcileFn = stack.one(LAMBDA_FUNCTION, "ReconcileAllowListFunction");
    hookFn = stack.one(LAMBDA_FUNCTION, "PreProvisioningHookFunction");
  }, PLATFORM_BUILD_TIMEOUT_MS);
  afterAll(stopStackHarness);

  describe("allow-list bucket", () => {
    it("keeps every uploaded version of the allow-list", () => {
      expect(stack.one("aws:s3/bucketVersioning:BucketVersioning").inputs).toEqual({
        bucket: bucketName,
        versioningConfiguration: { status: "Enabled" },
      });
    });

    it("encrypts objects at rest by default", () => {
      expect(
        stack.one(
          "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        ).inputs,
      ).toEqual({
        bucket: bucketName,
        rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }],
      });
    });

    it("blocks every form of public access and allows no browser origin", () => {
      expect(stack.one("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock").inputs).toEqual({
        bucket: bucketName,
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
      });
      expect(stack.ofType("aws:s3/bucketCorsConfiguration:BucketCorsConfiguration")).toEqual([]);
    });

    it("denies every request that is not made over TLS, and grants nothing", () => {
      const policy = stack.one("aws:s3/bucketPolicy:BucketPolicy");

      expect(policy.inputs.bucket).toBe(bucketName);
      expect(JSON.parse(policy.inputs.policy).Statement).toEqual([
        {
          Effect: "Deny",
          Principal: { "*": "*" },
          Action: "s3:*",
          Resource: [bucketArn, `${bucketArn}/*`],
          Condition: { Bool: { "aws:SecureTransport": "false" } },
        },
      ]);
    });

    it("publishes the bucket name under the SSM parameter the CLI reads", () => {
      expect(stack.one("aws:ssm/parameter:Parameter").inputs).toMatchObject({
        name: "/fleet/dev/allow-list-bucket",
        type: "String",
        insecureValue: bucketName,
      });
      expect(names.allowListBucketParameter).toBe("/fleet/dev/allow-list-bucket");
    });
  });

  describe("reconcile on upload", () => {
    it("notifies the reconcile function of every new version of the allow-list object only", () => {
      const notification = stack.one("aws:s3/bucketNotification:BucketNotification");

      expect(notification.inputs).toEqual({
        bucket: bucketName,
        lambdaFunctions: [
          {
            id: "reconcile-allow-list",
            lambdaFunctionArn: `arn:aws:lambda:${MOCK_REGION}:${MOCK_ACCOUNT_ID}:function:${reconcileFn.inputs.name}`,
            events: ["s3:ObjectCreated:*"],
            filterPrefix: "allow-list",
            filterSuffix: "allow-list",
          },
        ],
      });
      expect(ALLOW_LIST_OBJECT_KEY).toBe("allow-list");
    });

    it("lets only this bucket, in this account, invoke the reconcile function", () => {
      expect(stack.one(PERMISSION, "ReconcileAllowListInvoke").inputs).toEqual({
        action: "lambda:InvokeFunction",
        function: reconcileFn.inputs.name,
        principal: "s3.amazonaws.com",
        sourceArn: bucketArn,
        sourceAccount: MOCK_ACCOUNT_ID,
      });
    });

    it("runs one reconcile at a time, for up to 15 minutes, retried by Lambda on failure", () => {
      expect(reconcileFn.inputs).toMatchObject({
        handler: "packages/functions/src/handlers/reconcile-allow-list.handler",
        runtime: "nodejs24.x",
        architectures: ["arm64"],
        timeout: 900,
        reservedConcurrentExecutions: 1,
      });
      expect(
        stack.one("aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig").inputs,
      ).toEqual({
        functionName: reconcileFn.inputs.name,
        maximumRetryAttempts: 2,
        maximumEventAgeInSeconds: 21_600,
      });
    });

    it("lets the reconcile function read the allow-list, remove the stage's devices and write the ledger, nothing more", () => {
      expect(grantsOf("ReconcileAllowList")).toEqual([
        expect.objectContaining({
          effect: "Allow",
          actions: ["s3:GetObject"],
          resources: [allowListArn],
        }),
        expect.objectContaining({ actions: ["s3:ListBucket"], resources: [bucketArn] }),
        expect.objectContaining({
          actions: ["iot:ListThingsInThingGroup"],
          resources: [iotArn(`thinggroup/${names.thingGroupName}`)],
        }),
        expect.objectContaining({
          actions: ["iot:DescribeThing", "iot:ListThingPrincipals", "iot:DeleteThing"],
          resources: [iotArn("thing/*")],
        }),
        // Detaching a certificate from a thing is authorized on the certificate; listing its
        // policies has no resource type (tests/infra/iam-function-roles.test.ts simulates both).
        expect.objectContaining({
          actions: [
            "iot:DescribeCertificate",
            "iot:UpdateCertificate",
            "iot:DetachPolicy",
            "iot:DetachThingPrincipal",
            "iot:DeleteCertificate",
          ],
          resources: [iotArn("cert/*")],
        }),
        expect.objectContaining({ actions: ["iot:ListAttachedPolicies"], resources: ["*"] }),
        expect.objectContaining({ actions: ["dynamodb:PutItem"], resources: [tableArn] }),
        expect.objectContaining({ actions: ["acm-pca:RevokeCertificate"], resources: [CA_ARN] }),
      ]);
    });

    it("lets the reconcile function revoke removed devices' certificates at the stage's CA, and do nothing else there", () => {
      const atTheCa = grantsOf("ReconcileAllowList").filter((grant) =>
        grant.actions.some((action) => action.startsWith("acm-pca:")),
      );

      expect(atTheCa).toEqual([
        expect.objectContaining({ actions: ["acm-pca:RevokeCertificate"], resources: [CA_ARN] }),
      ]);
      expect(ownEnvironment(reconcileFn)).toMatchObject({
        CA_ARN,
        CA_CERTIFICATE_PEM: MOCK_CA.certificate,
      });
    });

    it("gives the reconcile function only the environment variables it reads", () => {
      expect(ownEnvironment(reconcileFn)).toEqual({
        POWERTOOLS_SERVICE_NAME: "reconcile-allow-list",
        POWERTOOLS_METRICS_NAMESPACE: "fleet/dev",
        ALLOW_LIST_BUCKET: bucketName,
        THING_GROUP_NAME: names.thingGroupName,
        DEVICE_LEDGER_TABLE: names.deviceLedgerTableName,
        CA_ARN,
        CA_CERTIFICATE_PEM: MOCK_CA.certificate,
      });
    });
  });

  describe("provisioning template", () => {
    it("deploys exactly the core template body for the stage's thing group and device policy", () => {
      const template = stack.one("aws:iot/provisioningTemplate:ProvisioningTemplate");

      expect(template.inputs.templateBody).toBe(
        JSON.stringify(
          provisioningTemplateBody({
            thingGroupName: names.thingGroupName,
            devicePolicyName: names.devicePolicyName,
          }),
        ),
      );
      expect(template.inputs).toMatchObject({
        name: names.provisioningTemplateName,
        type: "FLEET_PROVISIONING",
        enabled: true,
      });
    });

    it("asks the pre-provisioning hook function before every registration", () => {
      const template = stack.one("aws:iot/provisioningTemplate:ProvisioningTemplate");

      expect(template.inputs.preProvisioningHook).toEqual({
        targetArn: `arn:aws:lambda:${MOCK_REGION}:${MOCK_ACCOUNT_ID}:function:${hookFn.inputs.name}`,
        payloadVersion: "2020-04-01",
      });
    });

    it("lets only this template, in this account, invoke the hook", () => {
      expect(stack.one(PERMISSION, "PreProvisioningHookInvoke").inputs).toEqual({
        action: "lambda:InvokeFunction",
        function: hookFn.inputs.name,
        principal: "iot.amazonaws.com",
        sourceArn: iotArn(`provisioningtemplate/${names.provisioningTemplateName}`),
        sourceAccount: MOCK_ACCOUNT_ID,
      });
    });

    it("registers things through a role only AWS IoT in this account can assume, with AWSIoTThingsRegistration", () => {
      const role = stack.one(ROLE, "ProvisioningRole");
      const template = stack.one("aws:iot/provisioningTemplate:ProvisioningTemplate");

      expect(template.inputs.provisioningRoleArn).toBe(
        `arn:aws:iam::${MOCK_ACCOUNT_ID}:role/${role.name}`,
      );
      expect(trustStatements(role)).toEqual([
        expect.objectContaining({
          effect: "Allow",
          actions: ["sts:AssumeRole"],
          principals: { Service: ["iot.amazonaws.com"] },
          conditions: { StringEquals: { "aws:SourceAccount": MOCK_ACCOUNT_ID } },
        }),
      ]);
      expect(stack.one("aws:iam/rolePolicyAttachment:RolePolicyAttachment").inputs).toEqual({
        role: role.name,
        policyArn: "arn:aws:iam::aws:policy/service-role/AWSIoTThingsRegistration",
      });
      expect(permissionStatements([role])).toEqual([]);
    });
  });

  describe("pre-provisioning hook", () => {
    it("answers within the 5 seconds AWS IoT waits", () => {
      expect(hookFn.inputs).toMatchObject({
        handler: "packages/functions/src/handlers/pre-provisioning-hook.handler",
        runtime: "nodejs24.x",
        architectures: ["arm64"],
        timeout: 5,
      });
    });

    it("lets the hook read the allow-list object, write the ledger and read things' certificates, nothing more", () => {
      expect(grantsOf("PreProvisioningHook")).toEqual([
        expect.objectContaining({
          effect: "Allow",
          actions: ["s3:GetObject"],
          resources: [allowListArn],
        }),
        expect.objectContaining({ actions: ["s3:ListBucket"], resources: [bucketArn] }),
        expect.objectContaining({
          actions: ["dynamodb:PutItem", "dynamodb:DeleteItem"],
          resources: [tableArn],
        }),
        expect.objectContaining({
          actions: ["iot:ListThingPrincipals"],
          resources: [iotArn("thing/*")],
        }),
        expect.objectContaining({
          actions: ["iot:DescribeCertificate", "iot:UpdateCertificate"],
          resources: [iotArn("cert/*")],
        }),
      ]);
    });

    it("gives the hook only the environment variables it reads", () => {
      expect(ownEnvironment(hookFn)).toEqual({
        POWERTOOLS_SERVICE_NAME: "pre-provisioning-hook",
        POWERTOOLS_METRICS_NAMESPACE: "fleet/dev",
        ALLOW_LIST_BUCKET: bucketName,
        DEVICE_LEDGER_TABLE: names.deviceLedgerTableName,
        CERTIFICATE_SIGNER: "private-ca",
      });
    });
  });

  describe("claim certificate", () => {
    it("has AWS IoT generate an active claim certificate with the core claim policy attached", () => {
      const certificate = stack.one("aws:iot/certificate:Certificate");
      const policy = stack.one("aws:iot/policy:Policy", "ClaimPolicy");

      expect(certificate.inputs).toEqual({ active: true });
      expect(policy.inputs.name).toBe(names.claimPolicyName);
      expect(policy.inputs.policy).toBe(
        JSON.stringify(
          claimPolicyDocument({ ...scope, templateName: names.provisioningTemplateName }),
        ),
      );
      expect(stack.one("aws:iot/policyAttachment:PolicyAttachment").inputs).toEqual({
        policy: names.claimPolicyName,
        target: iotArn(`cert/${certificate.name}`),
      });
    });

    it("stores the claim credentials for the image build as one Secrets Manager secret", () => {
      const secret = stack.one("aws:secretsmanager/secret:Secret");
      const version = stack.one("aws:secretsmanager/secretVersion:SecretVersion");
      const credentials = ClaimCredentialsSchema.parse(
        JSON.parse(unwrapSecret(version.inputs.secretString) as string),
      );

      expect(secret.inputs.name).toBe(names.claimCredentialsSecretName);
      expect(version.inputs.secretId).toBe(`${names.claimCredentialsSecretName}-id`);
      expect(credentials).toEqual({
        certificateId: "ClaimCertificate-id",
        certificatePem: MOCK_CERTIFICATE.certificatePem,
        privateKeyPem: MOCK_CERTIFICATE.privateKey,
        templateName: names.provisioningTemplateName,
        endpoint: MOCK_IOT_DATA_ENDPOINT,
      });
    });

    it("keeps the private key out of plain state: the secret value is a Pulumi secret", () => {
      const version = stack.one("aws:secretsmanager/secretVersion:SecretVersion");

      expect(unwrapSecret(version.inputs.secretString)).not.toBe(version.inputs.secretString);
    });

    it("frees the secret name at once on removal of a disposable stage", () => {
      expect(stack.one("aws:secretsmanager/secret:Secret").inputs.recoveryWindowInDays).toBe(0);
    });
  });

  it("keeps the device ledger in an on-demand DynamoDB table keyed by serial", () => {
    expect(stack.one("aws:dynamodb/table:Table").inputs).toEqual({
      name: names.deviceLedgerTableName,
      billingMode: "PAY_PER_REQUEST",
      hashKey: "serial",
      attributes: [{ name: "serial", type: "S" }],
    });
  });

  it("grants no wildcard action, and '*' only to the one action without resource types", () => {
    const statements = permissionStatements(stack.resources);

    expect(statements.length).toBeGreaterThan(0);
    for (const statement of statements) {
      for (const action of statement.actions) expect(action).not.toContain("*");
      if (statement.resources.includes("*")) {
        expect(statement.actions).toEqual(["iot:ListAttachedPolicies"]);
      }
    }
  });

  it("lets only the Lambda service assume the function roles", () => {
    for (const name of ["ReconcileAllowListRole", "PreProvisioningHookRole"]) {
      expect(trustStatements(stack.one(ROLE, name)).map((s) => s.principals)).toEqual([
        { Service: ["lambda.amazonaws.com"] },
      ]);
    }
  });

  it("builds both handlers for Node.js 24", () => {
    expect(stack.builds.map((build) => [build.functionID, build.handler, build.runtime])).toEqual(
      expect.arrayContaining([
        [
          "ReconcileAllowList",
          "packages/functions/src/handlers/reconcile-allow-list.handler",
          "nodejs24.x",
        ],
        [
          "PreProvisioningHook",
          "packages/functions/src/handlers/pre-provisioning-hook.handler",
          "nodejs24.x",
        ],
      ]),
    );
  });
});

/** A function's own variables: SST adds SST_* variables (resource linking) to every function. */
function ownEnvironment(fn: RegisteredResource): Record<string, string> {
  return Object.fromEntries(
    Object.entries(fn.inputs.environment.variables as Record<string, string>).filter(
      ([key]) => !key.startsWith("SST_"),
    ),
  );
}
