import { Readable } from "node:stream";
import {
  DescribeCertificateCommand,
  IoTClient,
  ListThingPrincipalsCommand,
} from "@aws-sdk/client-iot";
import { GetObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { DeleteCommand, DynamoDBDocumentClient, PutCommand } from "@aws-sdk/lib-dynamodb";
import type { PreProvisioningHookResult } from "@fleet/core/contracts";
import type { Context } from "aws-lambda";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from "vitest";
import type { InvalidEnvironmentError } from "../../src/errors.ts";
import { context, emfRecords, fixture, logRecords } from "./lambda-test-kit.ts";

const ENV = {
  POWERTOOLS_SERVICE_NAME: "pre-provisioning-hook",
  POWERTOOLS_METRICS_NAMESPACE: "fleet/test",
  ALLOW_LIST_BUCKET: "fleet-test-allowlistbucket-abcd1234",
  DEVICE_LEDGER_TABLE: "fleet-test-device-ledger",
  CERTIFICATE_SIGNER: "private-ca",
  AWS_REGION: "eu-west-1",
};
/** The serial in the fixture event's parameters and its certificate's subject CN. */
const SERIAL = "10000000abcdef01";
const LIST_VERSION = "3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY";

type Handler = (event: unknown, context: Context) => Promise<PreProvisioningHookResult>;

const s3 = mockClient(S3Client);
const documents = mockClient(DynamoDBDocumentClient);
const iot = mockClient(IoTClient);

/** The allow-list object as S3 returns it: a stream, with the bucket's version id. */
function storeAllowList(text: string): void {
  const bytes = Buffer.from(text);
  s3.on(GetObjectCommand).callsFake(() => ({
    Body: Readable.from([bytes]),
    ContentLength: bytes.length,
    VersionId: LIST_VERSION,
    Metadata: {},
  }));
}

/** A fresh module instance per test: a cold start with nothing cached. */
async function loadHandler(): Promise<Handler> {
  vi.resetModules();
  const module = await import("../../src/handlers/pre-provisioning-hook.ts");
  return module.handler as unknown as Handler;
}

describe("pre-provisioning-hook handler", () => {
  let stdout: MockInstance;
  let stderr: MockInstance;

  beforeEach(() => {
    s3.reset();
    documents.reset();
    documents.on(PutCommand).resolves({});
    documents.on(DeleteCommand).resolves({});
    iot.reset();
    // Not provisioned yet: the serial's thing has no certificate.
    iot.on(ListThingPrincipalsCommand).resolves({ principals: [] });
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

  it("allows an allow-listed serial whose certificate names it, and clears its ledger entry", async () => {
    storeAllowList(`serial\n${SERIAL}\n20000000abcdef02\n`);
    const handler = await loadHandler();

    const result = await handler(fixture("pre-provisioning-hook"), context);

    expect(result).toEqual({ allowProvisioning: true });
    expect(s3.commandCalls(GetObjectCommand)[0]?.args[0].input).toEqual({
      Bucket: ENV.ALLOW_LIST_BUCKET,
      Key: "allow-list",
    });
    expect(documents.commandCalls(DeleteCommand).map((call) => call.args[0].input)).toEqual([
      { TableName: ENV.DEVICE_LEDGER_TABLE, Key: { serial: SERIAL } },
    ]);
    expect(documents.commandCalls(PutCommand)).toEqual([]);
    expect(emfRecords(stdout)[0]).toMatchObject({ ProvisioningAllowed: 1 });
    expect(logRecords(stdout, stderr)).toContainEqual(
      expect.objectContaining({ message: "provisioning allowed", serial: SERIAL }),
    );
  });

  it("denies a serial that is not on the allow-list and records why in the ledger", async () => {
    storeAllowList("20000000abcdef02\n");
    const handler = await loadHandler();

    const result = await handler(fixture("pre-provisioning-hook"), context);

    expect(result).toEqual({ allowProvisioning: false });
    const [put] = documents.commandCalls(PutCommand).map((call) => call.args[0].input);
    expect(put).toMatchObject({
      TableName: ENV.DEVICE_LEDGER_TABLE,
      Item: { serial: SERIAL, outcome: "denied", reason: expect.stringContaining("allow-list") },
    });
    expect(emfRecords(stdout)[0]).toMatchObject({ ProvisioningDenied: 1 });
    expect(logRecords(stdout, stderr)).toContainEqual(
      expect.objectContaining({
        message: "provisioning denied",
        serial: SERIAL,
        reason: put?.Item?.reason,
        certificateId: fixture("pre-provisioning-hook").certificateId,
      }),
    );
  });

  it("denies a request without the SerialNumber parameter, saying so", async () => {
    storeAllowList(`${SERIAL}\n`);
    const handler = await loadHandler();
    const event = { ...fixture("pre-provisioning-hook"), parameters: {} };

    const result = await handler(event, context);

    expect(result).toEqual({ allowProvisioning: false });
    expect(logRecords(stdout, stderr)).toContainEqual(
      expect.objectContaining({
        message: "provisioning denied",
        reason: expect.stringContaining("SerialNumber"),
      }),
    );
  });

  it("denies an allow-listed serial whose certificate subject is another serial", async () => {
    storeAllowList(`${SERIAL}\n20000000abcdef02\n`);
    const handler = await loadHandler();
    const event = {
      ...fixture("pre-provisioning-hook"),
      parameters: { SerialNumber: "20000000abcdef02" },
    };

    const result = await handler(event, context);

    expect(result).toEqual({ allowProvisioning: false });
    expect(logRecords(stdout, stderr)).toContainEqual(
      expect.objectContaining({
        message: "provisioning denied",
        reason: expect.stringContaining(SERIAL),
      }),
    );
  });

  it("allows an allow-listed serial whatever its certificate's subject when AWS IoT signed it", async () => {
    vi.stubEnv("CERTIFICATE_SIGNER", "aws-iot");
    storeAllowList(`${SERIAL}\n`);
    const handler = await loadHandler();
    const event = {
      ...fixture("pre-provisioning-hook"),
      certificatePem: fixture("ca-certificate").certificatePem,
    };

    const result = await handler(event, context);

    expect(result).toEqual({ allowProvisioning: true });
  });

  it("denies an allow-listed serial whose thing already has an ACTIVE certificate, naming it", async () => {
    storeAllowList(`${SERIAL}\n`);
    const certificateId = "c0ffee".padEnd(64, "0");
    iot.on(ListThingPrincipalsCommand, { thingName: SERIAL }).resolves({
      principals: [`arn:aws:iot:eu-west-1:123456789012:cert/${certificateId}`],
    });
    iot.on(DescribeCertificateCommand, { certificateId }).resolves({
      certificateDescription: {
        certificateId,
        certificateArn: `arn:aws:iot:eu-west-1:123456789012:cert/${certificateId}`,
        status: "ACTIVE",
        certificatePem: fixture("pre-provisioning-hook").certificatePem,
      },
    });
    const handler = await loadHandler();

    expect(await handler(fixture("pre-provisioning-hook"), context)).toEqual({
      allowProvisioning: false,
    });
    expect(logRecords(stdout, stderr)).toContainEqual(
      expect.objectContaining({
        message: "provisioning denied",
        reason: expect.stringContaining(`already has a usable certificate (${certificateId})`),
      }),
    );
  });

  it("denies a certificate whose subject is not the serial when the private CA signed it", async () => {
    storeAllowList(`${SERIAL}\n`);
    const handler = await loadHandler();
    const event = {
      ...fixture("pre-provisioning-hook"),
      certificatePem: fixture("ca-certificate").certificatePem,
    };

    const result = await handler(event, context);

    expect(result).toEqual({ allowProvisioning: false });
    expect(logRecords(stdout, stderr)).toContainEqual(
      expect.objectContaining({
        message: "provisioning denied",
        reason: `certificate subject CN "fleet-test devices" is not the serial "${SERIAL}"`,
      }),
    );
  });

  it("denies, without throwing, when the allow-list cannot be read", async () => {
    s3.on(GetObjectCommand).rejects(
      Object.assign(new Error("Access Denied"), { name: "AccessDenied" }),
    );
    const handler = await loadHandler();

    const result = await handler(fixture("pre-provisioning-hook"), context);

    expect(result).toEqual({ allowProvisioning: false });
    expect(emfRecords(stdout)[0]).toMatchObject({ ProvisioningDenied: 1 });
    expect(logRecords(stdout, stderr)).toContainEqual(
      expect.objectContaining({
        message: "provisioning denied",
        reason: expect.stringContaining("Access Denied"),
      }),
    );
  });

  it("denies an event that breaks the hook contract, naming the missing field", async () => {
    storeAllowList(`${SERIAL}\n`);
    const handler = await loadHandler();
    const { certificatePem: _, ...event } = fixture("pre-provisioning-hook");

    const result = await handler(event, context);

    expect(result).toEqual({ allowProvisioning: false });
    expect(logRecords(stdout, stderr)).toContainEqual(
      expect.objectContaining({
        message: "provisioning denied",
        reason: expect.stringMatching(/certificatePem/),
      }),
    );
    expect(s3.commandCalls(GetObjectCommand)).toEqual([]);
  });

  it("never logs the certificate it was sent", async () => {
    storeAllowList(`${SERIAL}\n`);
    const handler = await loadHandler();

    await handler(fixture("pre-provisioning-hook"), context);

    expect(JSON.stringify(logRecords(stdout, stderr))).not.toContain("BEGIN CERTIFICATE");
  });

  it("fails at cold start, naming an environment variable that is not set", async () => {
    vi.stubEnv("ALLOW_LIST_BUCKET", undefined);

    const error = await loadHandler().catch((caught: unknown) => caught);

    expect(error).toMatchObject({ name: "InvalidEnvironmentError" });
    expect((error as InvalidEnvironmentError).keys).toEqual(["ALLOW_LIST_BUCKET"]);
  });

  it("fails at cold start on a certificate signer it does not know", async () => {
    vi.stubEnv("CERTIFICATE_SIGNER", "self");

    const error = await loadHandler().catch((caught: unknown) => caught);

    expect((error as InvalidEnvironmentError).keys).toEqual(["CERTIFICATE_SIGNER"]);
  });
});
