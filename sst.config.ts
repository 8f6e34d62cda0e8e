/// <reference path="./.sst/platform/config.d.ts" />

/**
 * The fleet backend as one SST app. `run()` imports one module per capability from `stacks/`
 * (SST forbids top-level imports in this file).
 *
 * Stages and accounts: `dev` and `prod` (and any personal stage) each deploy into their own AWS
 * account, chosen by AWS profile: `AWS_PROFILE` when set, else the profile `fleet-<stage>`
 * (e.g. `fleet-prod` in ~/.aws/config; the CLI follows the same rule, `stageAwsSettings`, which
 * also rejects stage names that are not lowercase letters, digits and '-'). Separate accounts
 * matter beyond blast radius: fleet indexing, the IoT data endpoint and the certificate
 * provider are per account and region, so two stages in one account would fight over them.
 * When credentials come from the environment (CI with an assumed role sets AWS_ACCESS_KEY_ID),
 * no profile is named and those credentials are used as they are.
 *
 * Region: `AWS_REGION` when set, else eu-west-1 (a profile's own region is not read; the CLI
 * resolves it the same way, with the same function).
 *
 * Telemetry store and stream: environment variables read at deploy time, described in
 * stacks/telemetry-config.ts (`FLEET_TELEMETRY_STORE`, default `influxdb`, which needs the
 * `FLEET_INFLUXDB_*` endpoint and network settings).
 *
 * Device certificates: the private CA, its mode and validity and the rotation threshold are
 * environment variables too, described in stacks/certificates-config.ts (`FLEET_CA_ARN`,
 * `FLEET_CA_MODE`, `FLEET_CERT_VALIDITY_DAYS`, `FLEET_ROTATION_THRESHOLD_DAYS`). The CA signs
 * devices' first certificates too, through the account's certificate provider, unless
 * `FLEET_CERTIFICATE_SIGNER=aws-iot` (stacks/certificate-signer-config.ts) leaves that to AWS IoT.
 *
 * Removal: prod is protected from `sst remove`, and every stateful resource of prod (the CA,
 * tables, buckets, stream, queues, claim credentials, thing groups, policies; not the
 * certificate provider, which goes with its function) is retained on removal and protected from
 * deletion and replacement, by one rule in stacks/retention.ts (SST's `removal: "retain"` alone
 * keeps only some types). Every other stage is disposable and removes everything.
 */
export default $config({
  async app(input) {
    // Names shared with the CLI come from core (SST forbids top-level imports here).
    const { FLEET_APP_NAME, stageAwsSettings } = await import("@fleet/core/contracts");
    const stage = input.stage;
    const isProd = stage === "prod";
    const { region, profile } = stageAwsSettings(stage, process.env);
    return {
      name: FLEET_APP_NAME,
      home: "aws",
      removal: isProd ? "retain" : "remove",
      protect: isProd,
      providers: {
        aws: {
          region,
          ...(profile ? { profile } : {}),
        },
      },
    };
  },
  async run() {
    // First: the rule must see every resource (prod keeps its stateful ones; stacks/retention.ts).
    const { retainProtectedStageResources } = await import("./stacks/retention.ts");
    retainProtectedStageResources();
    const { certificateProvider } = await import("./stacks/certificate-provider.ts");
    const { certificateSignerFromEnv } = await import("./stacks/certificate-signer-config.ts");
    const { certificates } = await import("./stacks/certificates.ts");
    const { certificatesConfigFromEnv } = await import("./stacks/certificates-config.ts");
    const { deviceIdentity } = await import("./stacks/device-identity.ts");
    const { deviceLogs } = await import("./stacks/device-logs.ts");
    const { devicePresence } = await import("./stacks/device-presence.ts");
    const { ota } = await import("./stacks/ota.ts");
    const { provisioning } = await import("./stacks/provisioning.ts");
    const { telemetry } = await import("./stacks/telemetry.ts");
    const { telemetryConfigFromEnv } = await import("./stacks/telemetry-config.ts");

    const identity = deviceIdentity();
    devicePresence();
    const certificateSigner = certificateSignerFromEnv();
    const certificatesConfig = certificatesConfigFromEnv();
    const deviceCertificates = certificates({
      config: certificatesConfig,
      thingGroup: identity.thingGroup,
      devicePolicy: identity.devicePolicy,
      dataEndpoint: identity.dataEndpoint,
    });
    const provision = provisioning({
      thingGroup: identity.thingGroup,
      devicePolicy: identity.devicePolicy,
      dataEndpoint: identity.dataEndpoint,
      certificateSigner,
      certificateAuthority: {
        arn: deviceCertificates.certificateAuthorityArn,
        certificatePem: deviceCertificates.caCertificatePem,
      },
    });
    const telemetryConfig = telemetryConfigFromEnv();
    const deviceTelemetry = telemetry({ config: telemetryConfig });
    certificateProvider({
      signer: certificateSigner,
      certificates: deviceCertificates,
      validityDays: certificatesConfig.validityDays,
    });
    // The fleet a release targets is the provisioning thing group (`thingGroupName`).
    const updates = ota();
    // Device logs shipped on request (`fleet logs`).
    deviceLogs();

    return {
      iotDataEndpoint: identity.dataEndpoint,
      thingGroupName: identity.thingGroup.name,
      devicePolicyName: identity.devicePolicy.name,
      allowListBucket: provision.allowListBucket.name,
      provisioningTemplateName: provision.template.name,
      claimCredentialsSecretName: provision.claimCredentials.name,
      deviceLedgerTableName: provision.ledger.name,
      telemetryStore: telemetryConfig.store.kind,
      telemetryStreamName: deviceTelemetry.stream.name,
      telemetryRuleName: deviceTelemetry.rule.name,
      telemetryDeadLetterQueueUrl: deviceTelemetry.deadLetterQueue.url,
      telemetryIngestFailureQueueUrl: deviceTelemetry.ingestFailureQueue.url,
      telemetryStoreParameter: deviceTelemetry.storeParameter.name,
      certificateAuthorityArn: deviceCertificates.certificateAuthorityArn,
      rotationTableName: deviceCertificates.rotations.name,
      auditTopicArn: deviceCertificates.auditTopic.arn,
      artifactBucket: updates.artifactBucket.name,
      canaryThingGroupName: updates.canaryThingGroup.name,
      // Changes with the template's settings (stacks/job-template.ts): for jobs made by hand.
      appUpdateJobTemplateId: updates.jobTemplateId,
      releaseTableName: updates.releases.name,
    };
  },
});
