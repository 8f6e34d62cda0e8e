import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import {
  loadAppConfig,
  MOCK_ACCOUNT_ID,
  MOCK_IOT_DATA_ENDPOINT,
  MOCK_REGION,
  PLATFORM_BUILD_TIMEOUT_MS,
  runApp,
  stopStackHarness,
} from "./harness/index.ts";

describe("sst.config.ts", () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });
  afterAll(stopStackHarness);

  it("retains prod's stateful resources and protects prod from `sst remove`", async () => {
    const prod = await loadAppConfig("prod");

    expect(prod).toMatchObject({ name: "fleet", home: "aws", removal: "retain", protect: true });
  });

  it("removes everything of a dev stage and leaves it unprotected", async () => {
    const dev = await loadAppConfig("dev");

    expect(dev).toMatchObject({ removal: "remove", protect: false });
  });

  it("deploys each stage with the AWS profile of its own account unless AWS_PROFILE says otherwise", async () => {
    vi.stubEnv("AWS_ACCESS_KEY_ID", undefined);
    vi.stubEnv("AWS_PROFILE", undefined);
    vi.stubEnv("AWS_REGION", undefined);
    expect((await loadAppConfig("prod")).providers?.aws).toEqual({
      profile: "fleet-prod",
      region: "eu-west-1",
    });

    vi.stubEnv("AWS_PROFILE", "ops-admin");
    vi.stubEnv("AWS_REGION", "us-east-2");
    expect((await loadAppConfig("dev")).providers?.aws).toEqual({
      profile: "ops-admin",
      region: "us-east-2",
    });
  });

  it("resolves region and profile with core's stageAwsSettings, the function the CLI uses", async () => {
    const { stageAwsSettings } = await import("@fleet/core/contracts");
    vi.stubEnv("AWS_ACCESS_KEY_ID", undefined);
    vi.stubEnv("AWS_PROFILE", undefined);
    vi.stubEnv("AWS_REGION", "ap-southeast-2");

    expect((await loadAppConfig("dev")).providers?.aws).toEqual(
      stageAwsSettings("dev", process.env),
    );
  });

  it("names no profile when credentials come from the environment (CI)", async () => {
    vi.stubEnv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLE");

    expect((await loadAppConfig("prod")).providers?.aws).not.toHaveProperty("profile");
  });

  it("refuses a stage name that AWS resource names could not carry", async () => {
    await expect(loadAppConfig("Prod_1")).rejects.toMatchObject({ name: "InvalidStageNameError" });
  });

  it(
    "outputs the stage's IoT endpoint, device, provisioning, telemetry, certificate and OTA resource names",
    async () => {
      vi.stubEnv("FLEET_TELEMETRY_STORE", "timestream");
      const app = await runApp({ stage: "prod" });

      expect(app.outputs).toEqual({
        iotDataEndpoint: MOCK_IOT_DATA_ENDPOINT,
        thingGroupName: "fleet-prod-devices",
        devicePolicyName: "fleet-prod-device",
        // Bucket names are global: SST adds a random suffix (the CLI reads it from SSM).
        allowListBucket: expect.stringMatching(/^fleet-prod-allowlistbucket-[a-z0-9]+$/),
        provisioningTemplateName: "fleet-prod-provision",
        claimCredentialsSecretName: "fleet/prod/claim-credentials",
        deviceLedgerTableName: "fleet-prod-device-ledger",
        telemetryStore: "timestream",
        telemetryStreamName: "fleet-prod-telemetry",
        telemetryRuleName: "fleet_prod_telemetry",
        telemetryDeadLetterQueueUrl: `https://sqs.${MOCK_REGION}.amazonaws.com/${MOCK_ACCOUNT_ID}/fleet-prod-telemetry-dead-letters`,
        telemetryIngestFailureQueueUrl: `https://sqs.${MOCK_REGION}.amazonaws.com/${MOCK_ACCOUNT_ID}/fleet-prod-telemetry-ingest-failures`,
        telemetryStoreParameter: "/fleet/prod/telemetry-store",
        certificateAuthorityArn: `arn:aws:acm-pca:${MOCK_REGION}:${MOCK_ACCOUNT_ID}:certificate-authority/DeviceCa`,
        rotationTableName: "fleet-prod-rotations",
        auditTopicArn: `arn:aws:sns:${MOCK_REGION}:${MOCK_ACCOUNT_ID}:fleet-prod-audit-notifications`,
        artifactBucket: expect.stringMatching(/^fleet-prod-artifactsbucket-[a-z0-9]+$/),
        canaryThingGroupName: "fleet-prod-canary",
        appUpdateJobTemplateId: expect.stringMatching(/^fleet-prod-app-update-[0-9a-f]{8}$/),
        releaseTableName: "fleet-prod-releases",
        _protect: true,
      });
    },
    PLATFORM_BUILD_TIMEOUT_MS,
  );
});
