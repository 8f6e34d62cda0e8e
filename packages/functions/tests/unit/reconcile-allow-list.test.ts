import { readFileSync } from "node:fs";
import { Readable } from "node:stream";
import { ACMPCAClient, RevokeCertificateCommand } from "@aws-sdk/client-acm-pca";
import {
  DeleteCertificateCommand,
  DeleteThingCommand,
  DescribeCertificateCommand,
  DescribeThingCommand,
  DetachThingPrincipalCommand,
  IoTClient,
  ListAttachedPoliciesCommand,
  ListThingPrincipalsCommand,
  ListThingsInThingGroupCommand,
  UpdateCertificateCommand,
} from "@aws-sdk/client-iot";
import { GetObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { DynamoDBDocumentClient, PutCommand } from "@aws-sdk/lib-dynamodb";
import type { ReconcileSummary } from "@fleet/core";
import type { Context } from "aws-lambda";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from "vitest";
import type { InvalidEnvironmentError, ReconcileIncompleteError } from "../../src/errors.ts";
import { context, emfRecords, fixture, logRecords } from "./lambda-test-kit.ts";

/** The stage's CA and a device certificate it issued (serial 7D0A3F41C2E5): core's fixtures. */
const pcaFixture = (name: string) =>
  readFileSync(new URL(`../../../core/tests/fixtures/aws/pca/${name}`, import.meta.url), "utf8");
const CA_ARN =
  "arn:aws:acm-pca:eu-west-1:123456789012:certificate-authority/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0";
const ENV = {
  POWERTOOLS_SERVICE_NAME: "reconcile-allow-list",
  POWERTOOLS_METRICS_NAMESPACE: "fleet/test",
  CA_ARN,
  CA_CERTIFICATE_PEM: pcaFixture("ca.pem"),
  ALLOW_LIST_BUCKET: "fleet-test-allowlistbucket-abcd1234",
  THING_GROUP_NAME: "fleet-test-devices",
  DEVICE_LEDGER_TABLE: "fleet-test-device-ledger",
  AWS_REGION: "eu-west-1",
};
const LIST_VERSION = "3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY";
const KEPT = "10000000abcdef01";
const GONE = "20000000abcdef02";

type Handler = (event: unknown, context: Context) => Promise<ReconcileSummary>;

const s3 = mockClient(S3Client);
const iot = mockClient(IoTClient);
const documents = mockClient(DynamoDBDocumentClient);
const pca = mockClient(ACMPCAClient);

function storeAllowList(text: string): void {
  const bytes = Buffer.from(text);
  s3.on(GetObjectCommand).callsFake(() => ({
    Body: Readable.from([bytes]),
    ContentLength: bytes.length,
    VersionId: LIST_VERSION,
    Metadata: {},
  }));
}

/** Two provisioned things without certificates: the smallest fleet that shows a removal. */
function registerDevices(...serials: string[]): void {
  iot.on(ListThingsInThingGroupCommand).resolves({ things: serials });
  for (const serial of serials) {
    iot
      .on(DescribeThingCommand, { thingName: serial })
      .resolves({ thingName: serial, attributes: { serial } });
  }
  iot.on(ListThingPrincipalsCommand).resolves({ principals: [] });
}

async function loadHandler(): Promise<Handler> {
  vi.resetModules();
  const module = await import("../../src/handlers/reconcile-allow-list.ts");
  return module.handler as unknown as Handler;
}

describe("reconcile-allow-list handler", () => {
  let stdout: MockInstance;
  let stderr: MockInstance;

  beforeEach(() => {
    s3.reset();
    iot.reset();
    documents.reset();
    pca.reset();
    documents.on(PutCommand).resolves({});
    iot.on(DeleteThingCommand).resolves({});
    vi.stubEnv("POWERTOOLS_DEV", "");
    for (const [key, value] of Object.entries(ENV)) vi.stubEnv(key, value);
    stdout = vi.spyOn(process.stdout, "write").mockImplementation(() => true);
    stderr = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
  });

  afterEach(() => {
    stdout.mockRestore();
    stderr.mockRestore();
    vi.unstubAllEnvs();
  });

  it("removes the device whose serial left the allow-list and records it as revoked", async () => {
    storeAllowList(`${KEPT}\n`);
    registerDevices(KEPT, GONE);
    const handler = await loadHandler();

    const summary = await handler(fixture("s3-allow-list-created"), context);

    expect(summary).toMatchObject({
      status: "reconciled",
      version: LIST_VERSION,
      listed: 1,
      registered: 2,
      removed: [{ serial: GONE, thingName: GONE }],
      failures: [],
    });
    expect(s3.commandCalls(GetObjectCommand)[0]?.args[0].input).toEqual({
      Bucket: ENV.ALLOW_LIST_BUCKET,
      Key: "allow-list",
    });
    expect(iot.commandCalls(ListThingsInThingGroupCommand)[0]?.args[0].input).toMatchObject({
      thingGroupName: ENV.THING_GROUP_NAME,
    });
    expect(iot.commandCalls(DeleteThingCommand).map((call) => call.args[0].input)).toEqual([
      { thingName: GONE },
    ]);
    expect(documents.commandCalls(PutCommand).map((call) => call.args[0].input)).toEqual([
      {
        TableName: ENV.DEVICE_LEDGER_TABLE,
        Item: expect.objectContaining({ serial: GONE, outcome: "revoked" }),
      },
    ]);
    expect(emfRecords(stdout)[0]).toMatchObject({
      DevicesRemoved: 1,
      DeviceRemovalFailures: 0,
      InvalidAllowList: 0,
    });
    expect(logRecords(stdout, stderr)).toContainEqual(
      expect.objectContaining({
        message: "allow-list reconciled",
        removed: 1,
        removedSerials: [GONE],
        version: LIST_VERSION,
      }),
    );
  });

  it("revokes a removed device's certificate at the private CA that issued it", async () => {
    const certificateId = "c".repeat(64);
    const certificateArn = `arn:aws:iot:eu-west-1:123456789012:cert/${certificateId}`;
    storeAllowList(`${KEPT}\n`);
    registerDevices(KEPT, GONE);
    iot.on(ListThingPrincipalsCommand, { thingName: GONE }).resolves({
      principals: [certificateArn],
    });
    iot.on(DescribeCertificateCommand, { certificateId }).resolves({
      certificateDescription: {
        certificateId,
        certificateArn,
        certificatePem: pcaFixture("device-1.pem"),
        status: "ACTIVE",
      },
    });
    iot.on(UpdateCertificateCommand).resolves({});
    iot.on(ListAttachedPoliciesCommand).resolves({ policies: [] });
    iot.on(DetachThingPrincipalCommand).resolves({});
    iot.on(DeleteCertificateCommand).resolves({});
    pca.on(RevokeCertificateCommand).resolves({});
    const handler = await loadHandler();

    const summary = await handler(fixture("s3-allow-list-created"), context);

    expect(summary).toMatchObject({ removed: [{ serial: GONE }], failures: [] });
    expect(pca.commandCalls(RevokeCertificateCommand).map((call) => call.args[0].input)).toEqual([
      {
        CertificateAuthorityArn: CA_ARN,
        CertificateSerial: "7d:0a:3f:41:c2:e5",
        RevocationReason: "CESSATION_OF_OPERATION",
      },
    ]);
    expect(iot.commandCalls(DeleteCertificateCommand).map((call) => call.args[0].input)).toEqual([
      { certificateId, forceDelete: false },
    ]);
  });

  it("logs which upload started the run", async () => {
    storeAllowList(`${KEPT}\n`);
    registerDevices(KEPT);
    const handler = await loadHandler();

    await handler(fixture("s3-allow-list-created"), context);

    expect(logRecords(stdout, stderr)).toContainEqual(
      expect.objectContaining({
        message: "allow-list uploaded",
        uploads: [
          {
            bucket: "fleet-test-allowlistbucket-abcd1234",
            key: "allow-list",
            versionId: LIST_VERSION,
          },
        ],
      }),
    );
  });

  it("throws after the others are done when a device could not be removed, so Lambda retries", async () => {
    storeAllowList(`${KEPT}\n`);
    registerDevices(KEPT, GONE, "30000000abcdef03");
    iot
      .on(DeleteThingCommand, { thingName: GONE })
      .rejects(Object.assign(new Error("thing is busy"), { name: "InvalidRequestException" }));
    const handler = await loadHandler();

    const error = await handler(fixture("s3-allow-list-created"), context).catch(
      (caught: unknown) => caught,
    );

    expect(error).toMatchObject({ name: "ReconcileIncompleteError", version: LIST_VERSION });
    expect((error as ReconcileIncompleteError).failures).toEqual([
      expect.objectContaining({ serial: GONE, step: "delete-thing" }),
    ]);
    expect((error as Error).message).toContain(GONE);
    expect(iot.commandCalls(DeleteThingCommand).map((call) => call.args[0].input)).toContainEqual({
      thingName: "30000000abcdef03",
    });
    expect(emfRecords(stdout)[0]).toMatchObject({ DevicesRemoved: 1, DeviceRemovalFailures: 1 });
  });

  it("removes nothing and does not retry when the stored list is invalid", async () => {
    storeAllowList(`${KEPT}\nbad serial!\n`);
    registerDevices(KEPT, GONE);
    const handler = await loadHandler();

    const summary = await handler(fixture("s3-allow-list-created"), context);

    expect(summary.status).toBe("invalid-list");
    expect(iot.commandCalls(DeleteThingCommand)).toEqual([]);
    expect(documents.commandCalls(PutCommand)).toEqual([]);
    expect(emfRecords(stdout)[0]).toMatchObject({ InvalidAllowList: 1, DevicesRemoved: 0 });
    expect(logRecords(stdout, stderr)).toContainEqual(
      expect.objectContaining({
        message: "allow-list refused: no device removed",
        issues: [expect.objectContaining({ line: 2, text: "bad serial!" })],
      }),
    );
  });

  it("rejects an event that is not an S3 notification, before touching the registry", async () => {
    const handler = await loadHandler();

    await expect(handler({ Records: [{ eventSource: "aws:sqs" }] }, context)).rejects.toMatchObject(
      { name: "ContractViolationError" },
    );
    expect(s3.commandCalls(GetObjectCommand)).toEqual([]);
    expect(iot.calls()).toEqual([]);
  });

  it("fails at cold start, naming an environment variable that is not set", async () => {
    vi.stubEnv("THING_GROUP_NAME", undefined);

    const error = await loadHandler().catch((caught: unknown) => caught);

    expect(error).toMatchObject({ name: "InvalidEnvironmentError" });
    expect((error as InvalidEnvironmentError).keys).toEqual(["THING_GROUP_NAME"]);
  });
});
