import {
  EXPIRING_CERTIFICATE_CHECK,
  ROTATE_CERTIFICATE_JOB_DOCUMENT,
  ROTATION_COMMIT_TOPIC_FILTER,
  ROTATION_CSR_TOPIC_FILTER,
  stageResourceNames,
} from "@fleet/core/contracts";
import { caIssuingPermissions } from "./ca-issuing-permissions.ts";
import { type CertificatesConfig, controlPlaneShares } from "./certificates-config.ts";
import { iotServiceRole } from "./iot-rule-role.ts";
import { lambdaTopicRule } from "./iot-topic-rule.ts";
import { jobTemplate as replaceableJobTemplate } from "./job-template.ts";
import { type LambdaFunction, lambdaFunction } from "./lambda-function.ts";

export interface CertificatesArgs {
  config: CertificatesConfig;
  /** The stage's thing group (stacks/device-identity.ts). */
  thingGroup: aws.iot.ThingGroup;
  /** The device policy (stacks/device-identity.ts) attached to every new certificate. */
  devicePolicy: aws.iot.Policy;
  /** The IoT data endpoint, where the functions publish their replies to devices. */
  dataEndpoint: $util.Input<string>;
}

export interface Certificates {
  /** ARN of the CA issuing device certificates (created here or given by FLEET_CA_ARN). */
  certificateAuthorityArn: $util.Output<string>;
  /** The created CA; undefined when an existing one is used. */
  certificateAuthority: aws.acmpca.CertificateAuthority | undefined;
  /** The CA's own certificate (PEM): who it issued, and how long it may issue for. */
  caCertificatePem: $util.Output<string>;
  /** The ACM Private CA template of device certificates (client authentication only). */
  certificateTemplateArn: $util.Output<string>;
  rotations: aws.dynamodb.Table;
  auditTopic: aws.sns.Topic;
  auditConfiguration: aws.cloudcontrol.Resource;
  scheduledAudit: aws.cloudcontrol.Resource;
  jobTemplate: aws.cloudcontrol.Resource;
  /** The rotation job template's current id, for the CLI (`rotationJobTemplateParameter`). */
  jobTemplateParameter: aws.ssm.Parameter;
  csrRule: aws.iot.TopicRule;
  commitRule: aws.iot.TopicRule;
  sweeperSchedule: aws.cloudwatch.EventRule;
  auditNotification: LambdaFunction;
  rotationCsr: LambdaFunction;
  rotationCommit: LambdaFunction;
  rotationSweeper: LambdaFunction;
}

const CA_KEY_ALGORITHM = "EC_prime256v1";
const CA_SIGNING_ALGORITHM = "SHA256WITHECDSA";
const CA_VALIDITY_YEARS = "10";
/**
 * Minutes a device has, from the start of its rotation, to commit; also the job execution's
 * in-progress timeout. Long enough for a device that reconnects with backoff after an outage.
 */
const ROTATION_DEADLINE_MINUTES = 60;
const SWEEP_SCHEDULE = "rate(5 minutes)";
/** Issuance (IssueCertificate, then polled for up to 20 s) plus the IoT registration calls. */
const CSR_TIMEOUT = "60 seconds";
/** Paging a fleet's findings and starting its rotations against the IoT rate limits. */
const AUDIT_TIMEOUT = "15 minutes";
const SWEEP_TIMEOUT = "5 minutes";
/**
 * A rotation job has one execution, so this rate matters only for a job an operator creates from
 * the template for many things; the fleet-wide pace is the control-plane budget's.
 */
const JOB_ROLLOUT_PER_MINUTE = 100;

/**
 * Device certificates: the private CA, the Device Defender audit that finds certificates
 * close to expiry, and the rotation backend (protocol in packages/core/src/use-cases).
 *
 * Registration: issued certificates are registered in AWS IoT WITHOUT registering the CA
 * (RegisterCertificateWithoutCA). Registering the CA would take, in every account and region,
 * a verification certificate signed by the CA over AWS IoT's registration code (or the
 * multi-account SNI_ONLY mode); without it the same CA serves every stage's account as it is,
 * existing CAs included. AWS IoT then authenticates each certificate by its
 * own registration, which the rotation does anyway.
 *
 * Certificates from fleet provisioning come from this CA too, with the same template and
 * validity, through the account's certificate provider (stacks/certificate-provider.ts), so the
 * audit rotates them when due from the first boot. Only with `FLEET_CERTIFICATE_SIGNER=aws-iot`
 * (stacks/certificate-signer-config.ts) does AWS IoT sign them, expiring far in the future: the
 * audit then finds them only after their first rotation (`fleet rotation start`).
 */
export function certificates(args: CertificatesArgs): Certificates {
  const { config } = args;
  const partition = aws.getPartitionOutput().partition;
  const region = aws.getRegionOutput().region;
  const accountId = aws.getCallerIdentityOutput().accountId;
  const names = stageResourceNames($app.stage);
  const prefix = `${$app.name}-${$app.stage}`;
  const ruleName = (suffix: string) => `${prefix}-${suffix}`.replace(/[^a-zA-Z0-9_]/g, "_");
  const iotArn = (resource: string) =>
    $interpolate`arn:${partition}:iot:${region}:${accountId}:${resource}`;
  const namespace = `${$app.name}/${$app.stage}`;

  const { certificateAuthority, certificateAuthorityArn, caCertificatePem } = privateCa(
    config,
    prefix,
    partition,
  );
  // Device certificates authenticate TLS clients only.
  const certificateTemplateArn = $interpolate`arn:${partition}:acm-pca:::template/EndEntityClientAuthCertificate/V1`;

  const rotations = new aws.dynamodb.Table("Rotations", {
    name: names.rotationTableName,
    billingMode: "PAY_PER_REQUEST",
    hashKey: "pk",
    attributes: [{ name: "pk", type: "S" }],
  });

  // What every function needs to read the rotation table and the things' certificates, and
  // to retire a certificate (old on commit, new on timeout or a lost race).
  const readCertificates: sst.aws.FunctionPermissionArgs[] = [
    { actions: ["iot:ListThingPrincipals"], resources: [iotArn("thing/*")] },
    { actions: ["iot:DescribeCertificate"], resources: [iotArn("cert/*")] },
  ];
  const retireCertificates: sst.aws.FunctionPermissionArgs[] = [
    {
      actions: ["iot:UpdateCertificate", "iot:DetachPolicy", "iot:DeleteCertificate"],
      resources: [iotArn("cert/*")],
    },
    // Service Authorization Reference (AWS IoT): DetachThingPrincipal is authorized on the
    // certificate (`cert`, condition key iot:thingArn), not on the thing; ListAttachedPolicies
    // has no resource type, so only "*" grants it.
    { actions: ["iot:DetachThingPrincipal"], resources: [iotArn("cert/*")] },
    { actions: ["iot:ListAttachedPolicies"], resources: ["*"] },
    { actions: ["acm-pca:RevokeCertificate"], resources: [certificateAuthorityArn] },
  ];
  const caEnvironment = {
    CA_ARN: certificateAuthorityArn,
    CA_CERTIFICATE_PEM: caCertificatePem,
  };
  const registryEnvironment = {
    ROTATION_TABLE: rotations.name,
    THING_GROUP_NAME: args.thingGroup.name,
  };
  // Rotation jobs: every one is created from this template. Its id changes with its content
  // (stacks/job-template.ts); the functions and the CLI (through SSM) follow it.
  const rotationJobTemplate = replaceableJobTemplate("RotationJobTemplate", {
    baseId: names.rotationJobTemplateBaseId,
    properties: {
      Description: `Certificate rotation of ${$app.name} (${$app.stage}) devices`,
      // The same document for every rotation: each job's id is its rotation's id.
      Document: JSON.stringify(ROTATE_CERTIFICATE_JOB_DOCUMENT),
      TimeoutConfig: { InProgressTimeoutInMinutes: ROTATION_DEADLINE_MINUTES },
      JobExecutionsRolloutConfig: { MaximumPerMinute: JOB_ROLLOUT_PER_MINUTE },
    },
    arn: (id) => iotArn(`jobtemplate/${id}`),
  });
  const rotationJobTemplateArn = rotationJobTemplate.arn;
  const rotationJobEnvironment = {
    ROTATION_JOB_TEMPLATE_ID: rotationJobTemplate.id,
    ROTATION_JOB_TEMPLATE_ARN: rotationJobTemplateArn,
  };
  const jobTemplateParameter = new aws.ssm.Parameter("RotationJobTemplateParameter", {
    name: names.rotationJobTemplateParameter,
    description: `Rotation job template of ${$app.name} (${$app.stage})`,
    type: "String",
    insecureValue: rotationJobTemplate.id,
  });
  // The job-execution events (`$aws/events/jobExecution/...`) are enabled by the account's one
  // event configuration, in stacks/ota.ts.
  // The control-plane budget, split between the four functions; each runs one instance at a
  // time so that its in-process limiter holds for the function as a whole.
  const shares = controlPlaneShares(config.controlPlaneCallsPerSecond);
  const oneInstance = { reserved: 1 };
  const replyTopics = (request: "csr" | "commit") => [
    iotArn(`topic/rot/*/${request}/accepted`),
    iotArn(`topic/rot/*/${request}/rejected`),
  ];

  // 1. Audit: Device Defender flags certificates close to expiry, daily.
  const auditTopic = new aws.sns.Topic("AuditNotifications", {
    name: `${prefix}-audit-notifications`,
  });
  const auditRole = iotServiceRole("DeviceDefenderAudit", accountId);
  const auditRolePolicy = new aws.iam.RolePolicyAttachment("DeviceDefenderAuditPolicy", {
    role: auditRole.name,
    policyArn: $interpolate`arn:${partition}:iam::aws:policy/service-role/AWSIoTDeviceDefenderAudit`,
  });
  const auditNotifyRole = iotServiceRole("AuditNotify", accountId);
  const auditNotifyPolicy = new aws.iam.RolePolicy("AuditNotifyPolicy", {
    role: auditNotifyRole.name,
    policy: $jsonStringify({
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Action: ["sns:Publish"], Resource: [auditTopic.arn] }],
    }),
  });

  // pulumi-aws 7.20 has no resource for the audit configuration, scheduled audits or job
  // templates: they are created through the Cloud Control API from their CloudFormation types.
  // The audit configuration is one per account (each stage has its own account).
  const auditConfiguration = new aws.cloudcontrol.Resource(
    "AuditConfiguration",
    {
      typeName: "AWS::IoT::AccountAuditConfiguration",
      desiredState: $jsonStringify({
        AccountId: accountId,
        RoleArn: auditRole.arn,
        AuditNotificationTargetConfigurations: {
          Sns: { TargetArn: auditTopic.arn, RoleArn: auditNotifyRole.arn, Enabled: true },
        },
        AuditCheckConfigurations: {
          DeviceCertificateExpiringCheck: {
            Enabled: true,
            Configuration: {
              CertExpirationThresholdInDays: String(config.rotationThresholdDays),
            },
          },
        },
      }),
    },
    { dependsOn: [auditRolePolicy, auditNotifyPolicy] },
  );
  const scheduledAudit = new aws.cloudcontrol.Resource(
    "ScheduledAudit",
    {
      typeName: "AWS::IoT::ScheduledAudit",
      desiredState: JSON.stringify({
        ScheduledAuditName: `${prefix}-expiring-certificates`,
        Frequency: "DAILY",
        TargetCheckNames: [EXPIRING_CERTIFICATE_CHECK],
      }),
    },
    { dependsOn: [auditConfiguration] },
  );

  const auditNotification = lambdaFunction("AuditNotification", {
    handler: "audit-notification",
    timeout: AUDIT_TIMEOUT,
    concurrency: oneInstance,
    environment: {
      POWERTOOLS_SERVICE_NAME: "audit-notification",
      POWERTOOLS_METRICS_NAMESPACE: namespace,
      ...registryEnvironment,
      ...rotationJobEnvironment,
      CONTROL_PLANE_CALLS_PER_SECOND: String(shares.auditNotification),
      ROTATION_DEADLINE_MINUTES: String(ROTATION_DEADLINE_MINUTES),
    },
    permissions: [
      // Service Authorization Reference (AWS IoT): ListAuditFindings has no resource type;
      // ListPrincipalThings is authorized on the certificate.
      { actions: ["iot:ListAuditFindings"], resources: ["*"] },
      { actions: ["iot:ListPrincipalThings"], resources: [iotArn("cert/*")] },
      ...readCertificates,
      { actions: ["iot:DescribeThing"], resources: [iotArn("thing/*")] },
      {
        actions: ["iot:CreateJob"],
        resources: [iotArn("job/*"), iotArn("thing/*"), rotationJobTemplateArn],
      },
      {
        actions: ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem"],
        resources: [rotations.arn],
      },
    ],
  });
  const auditInvoke = new aws.lambda.Permission("AuditNotificationInvoke", {
    action: "lambda:InvokeFunction",
    function: auditNotification.fn.name,
    principal: "sns.amazonaws.com",
    sourceArn: auditTopic.arn,
  });
  new aws.sns.TopicSubscription(
    "AuditNotificationSubscription",
    { topic: auditTopic.arn, protocol: "lambda", endpoint: auditNotification.fn.arn },
    { dependsOn: [auditInvoke] },
  );

  // 2. The device's requests: one topic rule each, feeding its function.
  const rotationCsr = lambdaFunction("RotationCsr", {
    handler: "rotation-csr",
    timeout: CSR_TIMEOUT,
    concurrency: oneInstance,
    environment: {
      POWERTOOLS_SERVICE_NAME: "rotation-csr",
      POWERTOOLS_METRICS_NAMESPACE: namespace,
      ...registryEnvironment,
      ...caEnvironment,
      CONTROL_PLANE_CALLS_PER_SECOND: String(shares.rotationCsr),
      DEVICE_POLICY_NAME: args.devicePolicy.name,
      CERT_TEMPLATE_ARN: certificateTemplateArn,
      CERT_VALIDITY_DAYS: String(config.validityDays),
      IOT_DATA_ENDPOINT: args.dataEndpoint,
    },
    permissions: [
      ...readCertificates,
      // Neither action supports resource-level permissions.
      { actions: ["iot:RegisterCertificateWithoutCA"], resources: ["*"] },
      { actions: ["iot:AttachPolicy"], resources: [iotArn("cert/*")] },
      // Authorized on the certificate (`cert`, condition key iot:thingArn), not on the thing
      // (Service Authorization Reference, AWS IoT).
      { actions: ["iot:AttachThingPrincipal"], resources: [iotArn("cert/*")] },
      ...retireCertificates,
      ...caIssuingPermissions(certificateAuthorityArn, certificateTemplateArn),
      { actions: ["dynamodb:GetItem", "dynamodb:PutItem"], resources: [rotations.arn] },
      { actions: ["iot:Publish"], resources: replyTopics("csr") },
    ],
  });
  const rotationCommit = lambdaFunction("RotationCommit", {
    handler: "rotation-commit",
    concurrency: oneInstance,
    environment: {
      POWERTOOLS_SERVICE_NAME: "rotation-commit",
      POWERTOOLS_METRICS_NAMESPACE: namespace,
      ...registryEnvironment,
      ...caEnvironment,
      CONTROL_PLANE_CALLS_PER_SECOND: String(shares.rotationCommit),
      IOT_DATA_ENDPOINT: args.dataEndpoint,
    },
    timeout: CSR_TIMEOUT,
    permissions: [
      ...readCertificates,
      ...retireCertificates,
      {
        actions: ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem"],
        resources: [rotations.arn],
      },
      { actions: ["iot:Publish"], resources: replyTopics("commit") },
    ],
  });
  const csrRule = rotationRule("RotationCsr", {
    ruleName: ruleName("rotation_csr"),
    topicFilter: ROTATION_CSR_TOPIC_FILTER,
    fn: rotationCsr.fn,
    ruleArn: iotArn(`rule/${ruleName("rotation_csr")}`),
    accountId,
  });
  const commitRule = rotationRule("RotationCommit", {
    ruleName: ruleName("rotation_commit"),
    topicFilter: ROTATION_COMMIT_TOPIC_FILTER,
    fn: rotationCommit.fn,
    ruleArn: iotArn(`rule/${ruleName("rotation_commit")}`),
    accountId,
  });

  // 3. The sweeper: rotations past their deadline are ended and their new certificate removed.
  const rotationSweeper = lambdaFunction("RotationSweeper", {
    handler: "rotation-sweeper",
    timeout: SWEEP_TIMEOUT,
    concurrency: oneInstance,
    environment: {
      POWERTOOLS_SERVICE_NAME: "rotation-sweeper",
      POWERTOOLS_METRICS_NAMESPACE: namespace,
      ...registryEnvironment,
      ...caEnvironment,
      ...rotationJobEnvironment,
      CONTROL_PLANE_CALLS_PER_SECOND: String(shares.rotationSweeper),
    },
    permissions: [
      ...readCertificates,
      ...retireCertificates,
      { actions: ["iot:CancelJobExecution"], resources: [iotArn("job/*"), iotArn("thing/*")] },
      {
        actions: ["dynamodb:Scan", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem"],
        resources: [rotations.arn],
      },
    ],
  });
  const sweeperSchedule = new aws.cloudwatch.EventRule("RotationSweeperSchedule", {
    name: `${prefix}-rotation-sweeper`,
    description: "Ends certificate rotations past their deadline",
    scheduleExpression: SWEEP_SCHEDULE,
  });
  const sweeperInvoke = new aws.lambda.Permission("RotationSweeperInvoke", {
    action: "lambda:InvokeFunction",
    function: rotationSweeper.fn.name,
    principal: "events.amazonaws.com",
    sourceArn: sweeperSchedule.arn,
  });
  new aws.cloudwatch.EventTarget(
    "RotationSweeperTarget",
    { rule: sweeperSchedule.name, arn: rotationSweeper.fn.arn },
    { dependsOn: [sweeperInvoke] },
  );

  return {
    certificateAuthorityArn,
    certificateAuthority,
    caCertificatePem,
    certificateTemplateArn,
    rotations,
    auditTopic,
    auditConfiguration,
    scheduledAudit,
    jobTemplate: rotationJobTemplate.resource,
    jobTemplateParameter,
    csrRule,
    commitRule,
    sweeperSchedule,
    auditNotification,
    rotationCsr,
    rotationCommit,
    rotationSweeper,
  };
}

/**
 * The CA issuing device certificates: the one FLEET_CA_ARN names, or a root CA created here
 * (EC P-256, its self-signed certificate issued and installed, so it is ACTIVE).
 *
 * No CRL is configured: AWS IoT does not read CRLs, it refuses a certificate by its REVOKED
 * status in the registry, which the rotation sets; RevokeCertificate still records the
 * revocation at the CA for its audit reports.
 */
function privateCa(
  config: CertificatesConfig,
  prefix: string,
  partition: $util.Output<string>,
): {
  certificateAuthority: aws.acmpca.CertificateAuthority | undefined;
  certificateAuthorityArn: $util.Output<string>;
  caCertificatePem: $util.Output<string>;
} {
  if (config.existingCaArn !== undefined) {
    const existing = aws.acmpca.getCertificateAuthorityOutput({ arn: config.existingCaArn });
    return {
      certificateAuthority: undefined,
      certificateAuthorityArn: $output(config.existingCaArn),
      caCertificatePem: existing.certificate,
    };
  }
  const certificateAuthority = new aws.acmpca.CertificateAuthority("DeviceCa", {
    type: "ROOT",
    usageMode: config.caMode === "short-lived" ? "SHORT_LIVED_CERTIFICATE" : "GENERAL_PURPOSE",
    certificateAuthorityConfiguration: {
      keyAlgorithm: CA_KEY_ALGORITHM,
      signingAlgorithm: CA_SIGNING_ALGORITHM,
      subject: { commonName: `${prefix} devices`, organization: $app.name },
    },
    // The shortest wait AWS allows before a deleted CA is gone (its certificates stop
    // verifying), for disposable stages; prod retains and protects the CA (stacks/retention.ts).
    permanentDeletionTimeInDays: 7,
  });
  const caCertificate = new aws.acmpca.Certificate("DeviceCaCertificate", {
    certificateAuthorityArn: certificateAuthority.arn,
    certificateSigningRequest: certificateAuthority.certificateSigningRequest,
    signingAlgorithm: CA_SIGNING_ALGORITHM,
    templateArn: $interpolate`arn:${partition}:acm-pca:::template/RootCACertificate/V1`,
    validity: { type: "YEARS", value: CA_VALIDITY_YEARS },
  });
  new aws.acmpca.CertificateAuthorityCertificate("DeviceCaInstall", {
    certificateAuthorityArn: certificateAuthority.arn,
    certificate: caCertificate.certificate,
    certificateChain: caCertificate.certificateChain,
  });
  return {
    certificateAuthority,
    certificateAuthorityArn: certificateAuthority.arn,
    caCertificatePem: caCertificate.certificate,
  };
}

interface RotationRuleArgs {
  ruleName: string;
  ruleArn: $util.Input<string>;
  accountId: $util.Output<string>;
  topicFilter: string;
  fn: sst.aws.Function;
}

/**
 * A rotation request rule: the payload plus who sent it, from the broker (the thing named by
 * the topic, the certificate the message came over), never from the payload. Requests the rule
 * fails to deliver go to a log group.
 */
function rotationRule(name: string, args: RotationRuleArgs): aws.iot.TopicRule {
  return lambdaTopicRule(`${name}Rule`, {
    ruleName: args.ruleName,
    ruleArn: args.ruleArn,
    accountId: args.accountId,
    description: `Certificate rotation requests on ${args.topicFilter}`,
    sql: `SELECT *, topic(2) AS thing, principal() AS principal FROM '${args.topicFilter}'`,
    fn: args.fn,
  }).rule;
}
