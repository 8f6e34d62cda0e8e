import {
  ALLOW_LIST_OBJECT_KEY,
  type CertificateSigner,
  type ClaimCredentials,
  claimPolicyDocument,
  provisioningTemplateBody,
  stageResourceNames,
} from "@fleet/core/contracts";
import { iotServiceRole } from "./iot-rule-role.ts";
import { type LambdaFunction, lambdaFunction } from "./lambda-function.ts";
import { privateBucket } from "./private-bucket.ts";

export interface ProvisioningArgs {
  /** The stage's thing group (stacks/device-identity.ts): provisioned things join it. */
  thingGroup: aws.iot.ThingGroup;
  /** The device policy (stacks/device-identity.ts) the template attaches to new certificates. */
  devicePolicy: aws.iot.Policy;
  /** The IoT data endpoint, stored with the claim credentials for the image build. */
  dataEndpoint: $util.Input<string>;
  /** Who signs device certificates (stacks/certificate-signer-config.ts), told to the hook. */
  certificateSigner: CertificateSigner;
  /**
   * The stage's private CA (stacks/certificates.ts): the reconcile function revokes there the
   * certificates of removed devices that it issued.
   */
  certificateAuthority: { arn: $util.Input<string>; certificatePem: $util.Input<string> };
}

export interface Provisioning {
  allowListBucket: sst.aws.Bucket;
  allowListBucketParameter: aws.ssm.Parameter;
  reconcile: LambdaFunction;
  hook: LambdaFunction;
  template: aws.iot.ProvisioningTemplate;
  claimCertificate: aws.iot.Certificate;
  claimPolicy: aws.iot.Policy;
  claimCredentials: aws.secretsmanager.Secret;
  ledger: aws.dynamodb.Table;
}

/** The only payload version AWS IoT accepts for pre-provisioning hooks. */
const HOOK_PAYLOAD_VERSION = "2020-04-01";
/** AWS IoT gives a pre-provisioning hook 5 seconds; a slower answer denies the device. */
const HOOK_TIMEOUT = "5 seconds";
/** Lambda's maximum: reconciling a large fleet against the IoT rate limits takes minutes. */
const RECONCILE_TIMEOUT = "15 minutes";
/**
 * Parsing a 1,000,000-serial list (64 MB at most) takes well under this, and Lambda CPU grows
 * with memory: the hook's cold start has to fit in its 5 seconds.
 */
const ALLOW_LIST_MEMORY = "1024 MB";

/**
 * Provisioning by claim, gated by the operator's allow-list:
 * - the allow-list bucket (versioned, encrypted, private, TLS only); each upload of the
 *   allow-list object triggers the reconcile function, which removes every device whose serial
 *   is no longer listed (its certificates revoked in AWS IoT and, those the private CA issued,
 *   at the CA);
 * - the fleet provisioning template (core's body) with a pre-provisioning hook function that
 *   allows only valid, allow-listed serials;
 * - the claim certificate baked into the OS image, with a policy allowing nothing but the
 *   provisioning topics of this template, its credentials in Secrets Manager;
 * - the device ledger (refusals and revocations per serial) and an SSM parameter naming the
 *   bucket, both found by the CLI through `stageResourceNames`.
 *
 * The certificate that RegisterThing activates is signed by the stage's private CA through the
 * certificate provider (stacks/certificate-provider.ts), or by AWS IoT with
 * `FLEET_CERTIFICATE_SIGNER=aws-iot`; the hook is told which, as it checks the subject only when
 * the private CA made it.
 */
export function provisioning(args: ProvisioningArgs): Provisioning {
  const partition = aws.getPartitionOutput().partition;
  const region = aws.getRegionOutput().region;
  const accountId = aws.getCallerIdentityOutput().accountId;
  const names = stageResourceNames($app.stage);
  const namespace = `${$app.name}/${$app.stage}`;

  const { bucket: allowListBucket, parameter: allowListBucketParameter } = privateBucket(
    "AllowList",
    {
      parameterResource: "AllowListBucketParameter",
      parameterName: names.allowListBucketParameter,
      description: `Allow-list bucket of ${$app.name} (${$app.stage})`,
    },
  );
  const allowListObjectArn = $interpolate`${allowListBucket.arn}/${ALLOW_LIST_OBJECT_KEY}`;

  const ledger = new aws.dynamodb.Table("DeviceLedger", {
    name: names.deviceLedgerTableName,
    billingMode: "PAY_PER_REQUEST",
    hashKey: "serial",
    attributes: [{ name: "serial", type: "S" }],
  });

  // Without s3:ListBucket, S3 answers a missing object with AccessDenied instead of
  // NoSuchKey, and "no list uploaded yet" could not be told from a broken permission. The
  // bucket holds nothing but the allow-list.
  const listAllowListBucket: sst.aws.FunctionPermissionArgs = {
    actions: ["s3:ListBucket"],
    resources: [allowListBucket.arn],
  };

  const iotArn = (resource: string) =>
    $interpolate`arn:${partition}:iot:${region}:${accountId}:${resource}`;

  const reconcile = lambdaFunction("ReconcileAllowList", {
    handler: "reconcile-allow-list",
    timeout: RECONCILE_TIMEOUT,
    memory: ALLOW_LIST_MEMORY,
    // One reconcile at a time: S3 may deliver two uploads' events at once, and each run reads
    // the current list anyway. Further events wait in Lambda's asynchronous queue. (Reserving
    // concurrency needs an account whose Lambda concurrency quota exceeds its unreserved
    // minimum: a new account's quota of 10 has to be raised first.)
    concurrency: { reserved: 1 },
    environment: {
      POWERTOOLS_SERVICE_NAME: "reconcile-allow-list",
      POWERTOOLS_METRICS_NAMESPACE: namespace,
      ALLOW_LIST_BUCKET: allowListBucket.name,
      THING_GROUP_NAME: args.thingGroup.name,
      DEVICE_LEDGER_TABLE: ledger.name,
      CA_ARN: args.certificateAuthority.arn,
      CA_CERTIFICATE_PEM: args.certificateAuthority.certificatePem,
    },
    permissions: [
      // The current version only: each run reconciles against the latest upload, whichever
      // upload's event started it.
      { actions: ["s3:GetObject"], resources: [allowListObjectArn] },
      listAllowListBucket,
      { actions: ["iot:ListThingsInThingGroup"], resources: [args.thingGroup.arn] },
      // Thing names are serials, so devices are not named per stage: each stage has its own
      // account (sst.config.ts), and these grants stay inside it.
      {
        actions: ["iot:DescribeThing", "iot:ListThingPrincipals", "iot:DeleteThing"],
        resources: [iotArn("thing/*")],
      },
      // Service Authorization Reference (AWS IoT): DetachThingPrincipal is authorized on the
      // certificate (`cert`, condition key iot:thingArn), not on the thing.
      {
        actions: [
          "iot:DescribeCertificate",
          "iot:UpdateCertificate",
          "iot:DetachPolicy",
          "iot:DetachThingPrincipal",
          "iot:DeleteCertificate",
        ],
        resources: [iotArn("cert/*")],
      },
      // No resource type (Service Authorization Reference): only "*" grants it.
      { actions: ["iot:ListAttachedPolicies"], resources: ["*"] },
      { actions: ["dynamodb:PutItem"], resources: [ledger.arn] },
      // Revocation only, at this CA only: it can neither issue nor read what the CA issued.
      { actions: ["acm-pca:RevokeCertificate"], resources: [args.certificateAuthority.arn] },
    ],
  });

  // A failed run is retried by Lambda (every step is idempotent); the event age covers the
  // wait behind a long reconcile that holds the single concurrency slot.
  new aws.lambda.FunctionEventInvokeConfig("ReconcileAllowListInvokeConfig", {
    functionName: reconcile.fn.name,
    maximumRetryAttempts: 2,
    maximumEventAgeInSeconds: 6 * 60 * 60,
  });

  const reconcileInvoke = new aws.lambda.Permission("ReconcileAllowListInvoke", {
    action: "lambda:InvokeFunction",
    function: reconcile.fn.name,
    principal: "s3.amazonaws.com",
    sourceArn: allowListBucket.arn,
    sourceAccount: accountId,
  });

  // S3 filters by prefix and suffix only: both equal to the key select that one object.
  new aws.s3.BucketNotification(
    "AllowListNotification",
    {
      bucket: allowListBucket.name,
      lambdaFunctions: [
        {
          id: "reconcile-allow-list",
          lambdaFunctionArn: reconcile.fn.arn,
          events: ["s3:ObjectCreated:*"],
          filterPrefix: ALLOW_LIST_OBJECT_KEY,
          filterSuffix: ALLOW_LIST_OBJECT_KEY,
        },
      ],
    },
    { dependsOn: [reconcileInvoke] },
  );

  const hook = lambdaFunction("PreProvisioningHook", {
    handler: "pre-provisioning-hook",
    timeout: HOOK_TIMEOUT,
    memory: ALLOW_LIST_MEMORY,
    environment: {
      POWERTOOLS_SERVICE_NAME: "pre-provisioning-hook",
      POWERTOOLS_METRICS_NAMESPACE: namespace,
      ALLOW_LIST_BUCKET: allowListBucket.name,
      DEVICE_LEDGER_TABLE: ledger.name,
      CERTIFICATE_SIGNER: args.certificateSigner,
    },
    permissions: [
      { actions: ["s3:GetObject"], resources: [allowListObjectArn] },
      listAllowListBucket,
      { actions: ["dynamodb:PutItem", "dynamodb:DeleteItem"], resources: [ledger.arn] },
      // Whether the serial's thing already has a usable certificate (one device, one identity),
      // and retiring its old ones (expired, INACTIVE) when it may provision again.
      { actions: ["iot:ListThingPrincipals"], resources: [iotArn("thing/*")] },
      {
        actions: ["iot:DescribeCertificate", "iot:UpdateCertificate"],
        resources: [iotArn("cert/*")],
      },
    ],
  });

  // Built from the name, not read from the template: the template needs the permission first.
  const templateArn = iotArn(`provisioningtemplate/${names.provisioningTemplateName}`);
  const hookInvoke = new aws.lambda.Permission("PreProvisioningHookInvoke", {
    action: "lambda:InvokeFunction",
    function: hook.fn.name,
    principal: "iot.amazonaws.com",
    sourceArn: templateArn,
    sourceAccount: accountId,
  });

  // The role AWS IoT assumes to create the thing, activate the certificate and attach the
  // policy while running the template (the AWS managed policy made for it).
  const provisioningRole = iotServiceRole("Provisioning", accountId);
  const provisioningRolePolicy = new aws.iam.RolePolicyAttachment("ProvisioningRolePolicy", {
    role: provisioningRole.name,
    policyArn: $interpolate`arn:${partition}:iam::aws:policy/service-role/AWSIoTThingsRegistration`,
  });

  // The same body the sandbox interprets, built once in core.
  const template = new aws.iot.ProvisioningTemplate(
    "ProvisioningTemplate",
    {
      name: names.provisioningTemplateName,
      description: `Provisioning by claim of ${$app.name} (${$app.stage}) devices`,
      type: "FLEET_PROVISIONING",
      enabled: true,
      provisioningRoleArn: provisioningRole.arn,
      preProvisioningHook: { targetArn: hook.fn.arn, payloadVersion: HOOK_PAYLOAD_VERSION },
      templateBody: $resolve({
        thingGroupName: args.thingGroup.name,
        devicePolicyName: args.devicePolicy.name,
      }).apply((templateNames) => JSON.stringify(provisioningTemplateBody(templateNames))),
    },
    { dependsOn: [hookInvoke, provisioningRolePolicy] },
  );

  // Keys generated by AWS IoT: the claim certificate is shared by every image of the stage,
  // and its policy makes it worthless for anything but asking to be provisioned.
  const claimCertificate = new aws.iot.Certificate("ClaimCertificate", { active: true });
  const claimPolicy = new aws.iot.Policy("ClaimPolicy", {
    name: names.claimPolicyName,
    policy: $resolve({ partition, region, accountId }).apply((scope) =>
      JSON.stringify(
        claimPolicyDocument({ ...scope, templateName: names.provisioningTemplateName }),
      ),
    ),
  });
  new aws.iot.PolicyAttachment("ClaimPolicyAttachment", {
    policy: claimPolicy.name,
    target: claimCertificate.arn,
  });

  const claimCredentials = new aws.secretsmanager.Secret("ClaimCredentials", {
    name: names.claimCredentialsSecretName,
    description: `Claim certificate and key of ${$app.name} (${$app.stage}), for the OS image build`,
    // A disposable stage must be able to deploy again right after removal under the same name.
    recoveryWindowInDays: $app.removal === "remove" ? 0 : 30,
  });
  new aws.secretsmanager.SecretVersion("ClaimCredentialsVersion", {
    secretId: claimCredentials.id,
    secretString: $resolve({
      certificateId: claimCertificate.id,
      certificatePem: claimCertificate.certificatePem,
      privateKeyPem: claimCertificate.privateKey,
      templateName: template.name,
      endpoint: args.dataEndpoint,
    }).apply((credentials: ClaimCredentials) => JSON.stringify(credentials)),
  });

  return {
    allowListBucket,
    allowListBucketParameter,
    reconcile,
    hook,
    template,
    claimCertificate,
    claimPolicy,
    claimCredentials,
    ledger,
  };
}
