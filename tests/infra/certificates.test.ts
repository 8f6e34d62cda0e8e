import {
  ROTATE_CERTIFICATE_JOB_DOCUMENT,
  ROTATION_COMMIT_TOPIC_FILTER,
  ROTATION_CSR_TOPIC_FILTER,
} from "@fleet/core/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { certificatesConfigFromEnv, controlPlaneShares } from "../../stacks/certificates-config.ts";
import { jobTemplateId } from "../../stacks/job-template.ts";
import {
  type IamStatement,
  LAMBDA_FUNCTION,
  MOCK_ACCOUNT_ID,
  MOCK_CA,
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
const CLOUD_CONTROL = "aws:cloudcontrol/resource:Resource";
const CA_ARN = `arn:aws:acm-pca:${MOCK_REGION}:${MOCK_ACCOUNT_ID}:certificate-authority/DeviceCa`;
const EXISTING_CA_ARN = `arn:aws:acm-pca:${MOCK_REGION}:${MOCK_ACCOUNT_ID}:certificate-authority/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0`;
const TABLE_ARN = `arn:aws:dynamodb:${MOCK_REGION}:${MOCK_ACCOUNT_ID}:table/fleet-dev-rotations`;
const iotArn = (resource: string) => `arn:aws:iot:${MOCK_REGION}:${MOCK_ACCOUNT_ID}:${resource}`;

function deploy(env: Record<string, string>) {
  return runStack(
    async () => {
      const { deviceIdentity } = await import("../../stacks/device-identity.ts");
      const { certificates } = await import("../../stacks/certificates.ts");
      const identity = deviceIdentity();
      certificates({
        config: certificatesConfigFromEnv(env),
        thingGroup: identity.thingGroup,
        devicePolicy: identity.devicePolicy,
        dataEndpoint: identity.dataEndpoint,
      });
    },
    { stage: "dev" },
  );
}

const desiredState = (resource: RegisteredResource) => JSON.parse(resource.inputs.desiredState);
const cloudControl = (stack: StackRun<void>, typeName: string) => {
  const [resource] = stack.ofType(CLOUD_CONTROL).filter((r) => r.inputs.typeName === typeName);
  if (resource === undefined) throw new Error(`no ${typeName}`);
  return resource;
};

describe("certificates stack", () => {
  let stack: StackRun<void>;

  /** The permission statements of one function's role, without its log-writing statement. */
  const grantsOf = (functionName: string): IamStatement[] => {
    const logGroup = stack.one(LOG_GROUP, `${functionName}LogGroup`);
    const logArn = `arn:aws:logs:${MOCK_REGION}:${MOCK_ACCOUNT_ID}:log-group:${logGroup.inputs.name}:*`;
    return permissionStatements([stack.one(ROLE, `${functionName}Role`)]).filter(
      (statement) => !statement.resources.includes(logArn),
    );
  };
  const actionsOf = (functionName: string) => grantsOf(functionName).flatMap((s) => s.actions);
  const environmentOf = (functionName: string): Record<string, string> =>
    Object.fromEntries(
      Object.entries(
        stack.one(LAMBDA_FUNCTION, `${functionName}Function`).inputs.environment
          .variables as Record<string, string>,
      ).filter(([key]) => !key.startsWith("SST_")),
    );

  beforeAll(async () => {
    stack = await deploy({ FLEET_ROTATION_THRESHOLD_DAYS: "45", FLEET_CERT_VALIDITY_DAYS: "180" });
  }, PLATFORM_BUILD_TIMEOUT_MS);
  afterAll(stopStackHarness);

  describe("private CA", () => {
    it("creates a general-purpose EC P-256 root CA by default", () => {
      const ca = stack.one("aws:acmpca/certificateAuthority:CertificateAuthority");
      expect(ca.inputs).toMatchObject({
        type: "ROOT",
        usageMode: "GENERAL_PURPOSE",
        certificateAuthorityConfiguration: {
          keyAlgorithm: "EC_prime256v1",
          signingAlgorithm: "SHA256WITHECDSA",
        },
      });
    });

    it("issues the CA's own certificate from its CSR and installs it", () => {
      const certificate = stack.one("aws:acmpca/certificate:Certificate");
      expect(certificate.inputs).toMatchObject({
        certificateAuthorityArn: CA_ARN,
        certificateSigningRequest: MOCK_CA.certificateSigningRequest,
        templateArn: "arn:aws:acm-pca:::template/RootCACertificate/V1",
        validity: { type: "YEARS", value: "10" },
      });
      expect(
        stack.one("aws:acmpca/certificateAuthorityCertificate:CertificateAuthorityCertificate")
          .inputs,
      ).toMatchObject({ certificateAuthorityArn: CA_ARN, certificate: MOCK_CA.certificate });
    });

    it("issues client-auth certificates with the configured validity, nothing else", () => {
      expect(environmentOf("RotationCsr")).toMatchObject({
        CA_ARN,
        CA_CERTIFICATE_PEM: MOCK_CA.certificate,
        CERT_VALIDITY_DAYS: "180",
        CERT_TEMPLATE_ARN: "arn:aws:acm-pca:::template/EndEntityClientAuthCertificate/V1",
      });
      expect(grantsOf("RotationCsr")).toContainEqual(
        expect.objectContaining({
          actions: ["acm-pca:IssueCertificate"],
          resources: [CA_ARN],
          conditions: {
            StringEquals: {
              "acm-pca:TemplateArn": "arn:aws:acm-pca:::template/EndEntityClientAuthCertificate/V1",
            },
          },
        }),
      );
    });
  });

  describe("Device Defender audit", () => {
    it("enables the expiring-certificate check with the configured threshold, notifying SNS", () => {
      const state = desiredState(cloudControl(stack, "AWS::IoT::AccountAuditConfiguration"));
      expect(state).toEqual({
        AccountId: MOCK_ACCOUNT_ID,
        RoleArn: `arn:aws:iam::${MOCK_ACCOUNT_ID}:role/${stack.one(ROLE, "DeviceDefenderAuditRole").inputs.name ?? "DeviceDefenderAuditRole"}`,
        AuditNotificationTargetConfigurations: {
          Sns: {
            TargetArn: `arn:aws:sns:${MOCK_REGION}:${MOCK_ACCOUNT_ID}:fleet-dev-audit-notifications`,
            RoleArn: `arn:aws:iam::${MOCK_ACCOUNT_ID}:role/${stack.one(ROLE, "AuditNotifyRole").inputs.name ?? "AuditNotifyRole"}`,
            Enabled: true,
          },
        },
        AuditCheckConfigurations: {
          DeviceCertificateExpiringCheck: {
            Enabled: true,
            Configuration: { CertExpirationThresholdInDays: "45" },
          },
        },
      });
    });

    it("audits daily with DEVICE_CERTIFICATE_EXPIRING_CHECK", () => {
      expect(desiredState(cloudControl(stack, "AWS::IoT::ScheduledAudit"))).toEqual({
        ScheduledAuditName: "fleet-dev-expiring-certificates",
        Frequency: "DAILY",
        TargetCheckNames: ["DEVICE_CERTIFICATE_EXPIRING_CHECK"],
      });
    });

    it("gives the audit role the Device Defender managed policy and the notify role SNS publish only", () => {
      const audit = stack.one(ROLE, "DeviceDefenderAuditRole");
      expect(trustStatements(audit)[0]).toMatchObject({
        principals: { Service: ["iot.amazonaws.com"] },
        conditions: { StringEquals: { "aws:SourceAccount": MOCK_ACCOUNT_ID } },
      });
      expect(
        stack.one("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "DeviceDefenderAuditPolicy")
          .inputs.policyArn,
      ).toBe("arn:aws:iam::aws:policy/service-role/AWSIoTDeviceDefenderAudit");
      expect(
        permissionStatements(stack.resources).filter((s) => s.owner === "AuditNotifyPolicy"),
      ).toEqual([
        expect.objectContaining({
          actions: ["sns:Publish"],
          resources: [
            `arn:aws:sns:${MOCK_REGION}:${MOCK_ACCOUNT_ID}:fleet-dev-audit-notifications`,
          ],
        }),
      ]);
    });

    it("feeds audit notifications to the audit-notification function, invocable by that topic only", () => {
      const fn = stack.one(LAMBDA_FUNCTION, "AuditNotificationFunction");
      const topicArn = `arn:aws:sns:${MOCK_REGION}:${MOCK_ACCOUNT_ID}:fleet-dev-audit-notifications`;
      expect(stack.one("aws:sns/topicSubscription:TopicSubscription").inputs).toMatchObject({
        topic: topicArn,
        protocol: "lambda",
      });
      expect(
        stack.one("aws:lambda/permission:Permission", "AuditNotificationInvoke").inputs,
      ).toMatchObject({
        principal: "sns.amazonaws.com",
        sourceArn: topicArn,
        function: fn.inputs.name,
      });
      expect(actionsOf("AuditNotification")).toEqual(
        expect.arrayContaining(["iot:ListAuditFindings", "iot:CreateJob", "dynamodb:PutItem"]),
      );
    });
  });

  describe("rotation", () => {
    it("keeps rotations in fleet-<stage>-rotations keyed by pk", () => {
      expect(stack.one("aws:dynamodb/table:Table").inputs).toMatchObject({
        name: "fleet-dev-rotations",
        hashKey: "pk",
        attributes: [{ name: "pk", type: "S" }],
        billingMode: "PAY_PER_REQUEST",
      });
    });

    it.each([
      ["RotationCsr", "fleet_dev_rotation_csr", ROTATION_CSR_TOPIC_FILTER],
      ["RotationCommit", "fleet_dev_rotation_commit", ROTATION_COMMIT_TOPIC_FILTER],
    ])(
      "routes %s requests with the thing and certificate from the broker",
      (name, ruleName, filter) => {
        const rule = stack.one("aws:iot/topicRule:TopicRule", `${name}Rule`);
        expect(rule.inputs).toMatchObject({
          name: ruleName,
          sql: `SELECT *, topic(2) AS thing, principal() AS principal FROM '${filter}'`,
          sqlVersion: "2016-03-23",
          enabled: true,
        });
        expect(
          stack.one("aws:lambda/permission:Permission", `${name}RuleInvoke`).inputs,
        ).toMatchObject({
          principal: "iot.amazonaws.com",
          sourceArn: iotArn(`rule/${ruleName}`),
          sourceAccount: MOCK_ACCOUNT_ID,
        });
      },
    );

    it("lets each request function publish only its own reply topics", () => {
      const publish = (name: string) =>
        grantsOf(name).filter((s) => s.actions.includes("iot:Publish"));
      expect(publish("RotationCsr")).toEqual([
        expect.objectContaining({
          resources: [iotArn("topic/rot/*/csr/accepted"), iotArn("topic/rot/*/csr/rejected")],
        }),
      ]);
      expect(publish("RotationCommit")).toEqual([
        expect.objectContaining({
          resources: [iotArn("topic/rot/*/commit/accepted"), iotArn("topic/rot/*/commit/rejected")],
        }),
      ]);
      expect(publish("RotationSweeper")).toEqual([]);
    });

    it("sweeps every 5 minutes", () => {
      const rule = stack.one("aws:cloudwatch/eventRule:EventRule");
      expect(rule.inputs.scheduleExpression).toBe("rate(5 minutes)");
      expect(
        stack.one("aws:lambda/permission:Permission", "RotationSweeperInvoke").inputs,
      ).toMatchObject({
        principal: "events.amazonaws.com",
        sourceArn: `arn:aws:events:${MOCK_REGION}:${MOCK_ACCOUNT_ID}:rule/fleet-dev-rotation-sweeper`,
      });
      expect(actionsOf("RotationSweeper")).toEqual(
        expect.arrayContaining([
          "dynamodb:Scan",
          "iot:CancelJobExecution",
          "iot:DeleteCertificate",
        ]),
      );
      expect(actionsOf("RotationSweeper")).not.toContain("acm-pca:IssueCertificate");
    });

    it("defines the rotation job template's document, timeout and rollout rate", () => {
      const template = desiredState(cloudControl(stack, "AWS::IoT::JobTemplate"));
      expect(template).toMatchObject({
        JobTemplateId: expect.stringMatching(/^fleet-dev-rotate-certificate-[0-9a-f]{8}$/),
        TimeoutConfig: { InProgressTimeoutInMinutes: 60 },
        JobExecutionsRolloutConfig: { MaximumPerMinute: 100 },
      });
      expect(JSON.parse(template.Document)).toEqual(ROTATE_CERTIFICATE_JOB_DOCUMENT);
    });

    it("names the rotation job template after its content, so a changed template is created before the old one goes", () => {
      const { JobTemplateId, ...properties } = desiredState(
        cloudControl(stack, "AWS::IoT::JobTemplate"),
      );
      expect(JobTemplateId).toBe(jobTemplateId("fleet-dev-rotate-certificate", properties));
    });

    it("creates rotation jobs from that template only, its current id given to the functions and, through SSM, the CLI", () => {
      const { JobTemplateId } = desiredState(cloudControl(stack, "AWS::IoT::JobTemplate"));
      const templateArn = iotArn(`jobtemplate/${JobTemplateId}`);
      for (const name of ["AuditNotification", "RotationSweeper"]) {
        expect(environmentOf(name)).toMatchObject({
          ROTATION_JOB_TEMPLATE_ID: JobTemplateId,
          ROTATION_JOB_TEMPLATE_ARN: templateArn,
        });
      }
      expect(
        stack.one("aws:ssm/parameter:Parameter", "RotationJobTemplateParameter").inputs,
      ).toMatchObject({
        name: "/fleet/dev/rotation-job-template",
        type: "String",
        insecureValue: JobTemplateId,
      });
      const createJob = grantsOf("AuditNotification").find((s) =>
        s.actions.includes("iot:CreateJob"),
      );
      expect(createJob?.resources).toEqual([iotArn("job/*"), iotArn("thing/*"), templateArn]);
    });

    it("runs each rotation function as one instance with its share of 10 control-plane calls/s", () => {
      const shares = {
        AuditNotification: "2",
        RotationCsr: "4",
        RotationCommit: "2",
        RotationSweeper: "1",
      };
      for (const [name, share] of Object.entries(shares)) {
        expect(environmentOf(name).CONTROL_PLANE_CALLS_PER_SECOND).toBe(share);
        expect(
          stack.one(LAMBDA_FUNCTION, `${name}Function`).inputs.reservedConcurrentExecutions,
        ).toBe(1);
      }
    });

    it("leaves the account-wide event configuration to the ota stack, which owns the one", () => {
      expect(stack.ofType("aws:iot/eventConfigurations:EventConfigurations")).toEqual([]);
    });

    it("scopes the rotation table grants to the table and '*' to actions without resource types", () => {
      for (const name of [
        "AuditNotification",
        "RotationCsr",
        "RotationCommit",
        "RotationSweeper",
      ]) {
        for (const statement of grantsOf(name)) {
          for (const action of statement.actions) expect(action).not.toContain("*");
          if (statement.actions.some((a) => a.startsWith("dynamodb:"))) {
            expect(statement.resources).toEqual([TABLE_ARN]);
          }
          if (statement.resources.includes("*")) {
            expect(
              statement.actions.every((a) =>
                [
                  "iot:ListAuditFindings",
                  "iot:ListAttachedPolicies",
                  "iot:RegisterCertificateWithoutCA",
                ].includes(a),
              ),
            ).toBe(true);
          }
        }
      }
    });
  });
});

describe("certificates stack with an existing CA", () => {
  let stack: StackRun<void>;
  beforeAll(async () => {
    stack = await deploy({ FLEET_CA_ARN: EXISTING_CA_ARN });
  }, PLATFORM_BUILD_TIMEOUT_MS);
  afterAll(stopStackHarness);

  it("creates no CA and issues from the given one", () => {
    expect(stack.ofType("aws:acmpca/certificateAuthority:CertificateAuthority")).toEqual([]);
    expect(environmentOfFn(stack, "RotationCsrFunction")).toMatchObject({
      CA_ARN: EXISTING_CA_ARN,
      CA_CERTIFICATE_PEM: MOCK_CA.certificate,
    });
  });
});

function environmentOfFn(stack: StackRun<void>, name: string): Record<string, string> {
  return stack.one(LAMBDA_FUNCTION, name).inputs.environment.variables;
}

describe("certificates configuration", () => {
  it("defaults to a general-purpose CA, 365-day certificates and a 30-day threshold", () => {
    expect(certificatesConfigFromEnv({})).toEqual({
      existingCaArn: undefined,
      caMode: "general-purpose",
      validityDays: 365,
      rotationThresholdDays: 30,
      controlPlaneCallsPerSecond: 10,
    });
  });

  it("splits the control-plane budget between the rotation functions, never above it", () => {
    expect(controlPlaneShares(10)).toEqual({
      auditNotification: 2,
      rotationCsr: 4,
      rotationCommit: 2,
      rotationSweeper: 1,
    });
    for (const total of [4, 5, 7, 10, 33, 1000]) {
      const shares = Object.values(controlPlaneShares(total));
      expect(Math.min(...shares)).toBeGreaterThanOrEqual(1);
      expect(shares.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(total);
    }
    expect(() => certificatesConfigFromEnv({ FLEET_CONTROL_PLANE_CALLS_PER_SECOND: "3" })).toThrow(
      /FLEET_CONTROL_PLANE_CALLS_PER_SECOND: expected an integer from 4 to 1000, got "3"/,
    );
  });

  it("limits short-lived mode to 7-day certificates", () => {
    expect(certificatesConfigFromEnv({ FLEET_CA_MODE: "short-lived" }).validityDays).toBe(7);
    expect(() =>
      certificatesConfigFromEnv({ FLEET_CA_MODE: "short-lived", FLEET_CERT_VALIDITY_DAYS: "30" }),
    ).toThrow(/FLEET_CERT_VALIDITY_DAYS/);
  });

  it("refuses a general-purpose validity within the rotation threshold", () => {
    expect(() => certificatesConfigFromEnv({ FLEET_CERT_VALIDITY_DAYS: "30" })).toThrow(
      /every certificate would be rotated at once/,
    );
  });

  it("refuses a threshold Device Defender does not accept and a malformed CA ARN", () => {
    expect(() => certificatesConfigFromEnv({ FLEET_ROTATION_THRESHOLD_DAYS: "7" })).toThrow(
      /FLEET_ROTATION_THRESHOLD_DAYS/,
    );
    expect(() => certificatesConfigFromEnv({ FLEET_CA_ARN: "my-ca" })).toThrow(/FLEET_CA_ARN/);
  });
});
