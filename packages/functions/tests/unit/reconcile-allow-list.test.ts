import { Readable } from "node:stream";
import {
  DeleteThingCommand,
  DescribeThingCommand,
  IoTClient,
  ListThingPrincipalsCommand,
  ListThingsInThingGroupCommand,
} from "@aws-sdk/client-iot";
import { GetObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { DynamoDBDocumentClient, PutCommand } from "@aws-sdk/lib-dynamodb";
import type { ReconcileSummary } from "@fleet/core";
import type { Context } from "aws-lambda";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from "vitest";
import type { InvalidEnvironmentError, ReconcileIncompleteError } from "../../src/errors.ts";
import { context, emfRecords, fixture, logRecords } from "./lambda-test-kit.ts";

const ENV = {
  POWERTOOLS_SERVICE_NAME: "reconcile-allow-list",
  POWERTOOLS_METRICS_NAMESPACE: "fleet/test",
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
