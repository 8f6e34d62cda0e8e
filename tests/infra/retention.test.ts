import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { isRetained } from "../../stacks/retention.ts";
import {
  PLATFORM_BUILD_TIMEOUT_MS,
  type ResourceOptions,
  runApp,
  type StackRun,
  stopStackHarness,
} from "./harness/index.ts";

/** What prod must keep, by Pulumi type and logical name: issue 12's list. */
const KEPT_BY_PROD = [
  "aws:acmpca/certificateAuthority:CertificateAuthority DeviceCa",
  "aws:acmpca/certificate:Certificate DeviceCaCertificate",
  "aws:acmpca/certificateAuthorityCertificate:CertificateAuthorityCertificate DeviceCaInstall",
  "aws:timestreamwrite/database:Database TelemetryDatabase",
  "aws:timestreamwrite/table:Table TelemetryTable",
  "aws:iot/certificate:Certificate ClaimCertificate",
  "aws:secretsmanager/secret:Secret ClaimCredentials",
  "aws:secretsmanager/secretVersion:SecretVersion ClaimCredentialsVersion",
  "aws:iot/policyAttachment:PolicyAttachment ClaimPolicyAttachment",
  "aws:kinesis/stream:Stream TelemetryStream",
  "aws:sqs/queue:Queue TelemetryDeadLetterQueue",
  "aws:sqs/queue:Queue TelemetryIngestFailureQueue",
  "aws:dynamodb/table:Table DeviceLedger",
  "aws:dynamodb/table:Table Rotations",
  "aws:dynamodb/table:Table Releases",
  "aws:s3/bucket:Bucket AllowListBucket",
  "aws:s3/bucket:Bucket ArtifactsBucket",
  "aws:s3/bucket:Bucket TelemetryRejectedRecordsBucket",
  "aws:iot/thingGroup:ThingGroup DeviceThingGroup",
  "aws:iot/thingGroup:ThingGroup CanaryThingGroup",
  "aws:iot/policy:Policy DevicePolicy",
  "aws:iot/policy:Policy ClaimPolicy",
].sort();

const named = (options: ResourceOptions[]) =>
  options.map((option) => `${option.type} ${option.name}`).sort();

/** The whole app of a stage, with the Timestream store so its database and table exist. */
async function deployApp(stage: string): Promise<StackRun<Record<string, unknown>>> {
  vi.stubEnv("FLEET_TELEMETRY_STORE", "timestream");
  try {
    return await runApp({ stage });
  } finally {
    vi.unstubAllEnvs();
  }
}

describe("retention of stateful resources", () => {
  let prod: StackRun<Record<string, unknown>>;
  let dev: StackRun<Record<string, unknown>>;

  beforeAll(async () => {
    prod = await deployApp("prod");
    dev = await deployApp("dev");
  }, PLATFORM_BUILD_TIMEOUT_MS);
  afterAll(stopStackHarness);

  it("retains on delete exactly the resources prod must keep, beyond the types SST retains", () => {
    expect(named(prod.options.filter((option) => option.retainOnDelete))).toEqual(KEPT_BY_PROD);
  });

  it("protects the same resources in prod, so no deploy can delete or replace them", () => {
    expect(named(prod.options.filter((option) => option.protect))).toEqual(KEPT_BY_PROD);
  });

  it("retains and protects nothing in dev, which removes everything", () => {
    expect(dev.options.filter((option) => option.retainOnDelete || option.protect)).toEqual([]);
  });

  it("keeps no Cloud Control resource: not the job templates, not the certificate provider whose function goes", () => {
    expect(isRetained("aws:cloudcontrol/resource:Resource")).toBe(false);
    expect(prod.options.some((option) => option.name === "CertificateProvider")).toBe(true);
  });
});
