import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  PutCommand,
  ScanCommand,
} from "@aws-sdk/lib-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { AwsAccessDeniedError } from "../../src/adapters/aws/aws-error-types.ts";
import { createDynamoDbClient, DynamoDbDeviceLedger } from "../../src/adapters/aws/index.ts";
import { ContractViolationError } from "../../src/contracts/contract-errors.ts";
import type { LedgerEntry } from "../../src/ports/index.ts";
import { describeDeviceLedger } from "../port-suites/index.ts";
import {
  onFakeClock,
  stubHttpHandler,
  TEST_CREDENTIALS,
  throttled,
} from "./fakes/stub-http-handler.ts";

const TABLE = "fleet-dev-device-ledger";
// The ledger wraps the client it is given in a document client: mock that class.
const mock = mockClient(DynamoDBDocumentClient);
const dynamo = new DynamoDBClient({ region: "eu-west-1" });

/** A table keyed by `serial` behind aws-sdk-client-mock; Scan hands out `pageSize` items a page. */
function inMemoryTable(pageSize = 100): Map<string, Record<string, unknown>> {
  const items = new Map<string, Record<string, unknown>>();
  mock.reset();
  mock.on(PutCommand).callsFake(async (input) => {
    items.set(input.Item.serial, { ...input.Item });
    return {};
  });
  mock.on(DeleteCommand).callsFake(async (input) => {
    items.delete(input.Key.serial);
    return {};
  });
  mock.on(ScanCommand).callsFake(async (input) => {
    const all = [...items.values()];
    const after = input.ExclusiveStartKey?.serial;
    const start = after === undefined ? 0 : all.findIndex((i) => i.serial === after) + 1;
    const page = all.slice(start, start + pageSize);
    const last = page.at(-1);
    return {
      Items: page,
      LastEvaluatedKey: start + pageSize < all.length && last ? { serial: last.serial } : undefined,
    };
  });
  return items;
}

const entry: LedgerEntry = {
  serial: "device-0001",
  outcome: "denied",
  reason: 'serial "device-0001" is not on the allow-list (version v1)',
  at: "2025-01-02T03:04:05.000Z",
};

async function listAll(ledger: DynamoDbDeviceLedger): Promise<LedgerEntry[]> {
  const entries: LedgerEntry[] = [];
  for await (const e of ledger.list()) entries.push(e);
  return entries;
}

describeDeviceLedger(
  "DynamoDbDeviceLedger (aws-sdk-client-mock over an in-memory table)",
  async () => {
    inMemoryTable();
    return { ledger: new DynamoDbDeviceLedger({ dynamo, tableName: TABLE }) };
  },
);

describe("DynamoDbDeviceLedger", () => {
  const ledger = new DynamoDbDeviceLedger({ dynamo, tableName: TABLE });
  beforeEach(() => {
    inMemoryTable(2);
  });

  it("puts one item per serial with the outcome, reason and time", async () => {
    await ledger.record({ ...entry, extra: "dropped" } as LedgerEntry);

    expect(mock.commandCalls(PutCommand).map((c) => c.args[0].input)).toEqual([
      { TableName: TABLE, Item: entry },
    ]);
  });

  it("deletes the serial's item to clear it", async () => {
    await ledger.clear("device-0001");

    expect(mock.commandCalls(DeleteCommand).map((c) => c.args[0].input)).toEqual([
      { TableName: TABLE, Key: { serial: "device-0001" } },
    ]);
  });

  it("scans every page, continuing from each page's last key", async () => {
    const serials = ["device-0001", "device-0002", "device-0003"];
    for (const serial of serials) await ledger.record({ ...entry, serial });

    expect((await listAll(ledger)).map((e) => e.serial)).toEqual(serials);
    expect(mock.commandCalls(ScanCommand).map((c) => c.args[0].input)).toEqual([
      { TableName: TABLE },
      { TableName: TABLE, ExclusiveStartKey: { serial: "device-0002" } },
    ]);
  });

  it("refuses an item that is not a ledger entry, naming the table and serial", async () => {
    mock.on(ScanCommand).resolves({ Items: [{ serial: "device-0001", outcome: "lost" }] });

    const error = await listAll(ledger).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ContractViolationError);
    expect((error as ContractViolationError).where).toBe(
      `DynamoDB table ${TABLE} item "device-0001"`,
    );
    expect((error as ContractViolationError).issues.map((i) => i.path)).toEqual([
      "outcome",
      "reason",
      "at",
    ]);
  });

  it("names the refused operation when IAM denies a write", async () => {
    mock
      .on(PutCommand)
      .rejects(Object.assign(new Error("not authorized"), { name: "AccessDeniedException" }));

    const error = await ledger.record(entry).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(AwsAccessDeniedError);
    expect((error as Error).message).toMatch(/allows dynamodb:PutItem$/);
  });

  it("passes other DynamoDB failures through unchanged", async () => {
    const failure = Object.assign(new Error("table gone"), { name: "ResourceNotFoundException" });
    mock.on(ScanCommand).rejects(failure);

    await expect(listAll(ledger)).rejects.toBe(failure);
  });
});

describe("DynamoDbDeviceLedger on createDynamoDbClient", () => {
  afterAll(() => {
    mock.reset();
  });

  it("retries a throttled write until it is stored", async () => {
    mock.restore();
    const targets: string[] = [];
    let throttledOnce = false;
    const { handler } = stubHttpHandler((request) => {
      targets.push(request.headers["x-amz-target"] ?? "");
      if (throttledOnce) return { statusCode: 200, body: {} };
      throttledOnce = true;
      return throttled("ProvisionedThroughputExceededException");
    });
    const ledger = new DynamoDbDeviceLedger({
      dynamo: createDynamoDbClient({
        region: "eu-west-1",
        credentials: TEST_CREDENTIALS,
        requestHandler: handler,
      }),
      tableName: TABLE,
    });

    await onFakeClock(() => ledger.record(entry));

    expect(targets).toEqual(["DynamoDB_20120810.PutItem", "DynamoDB_20120810.PutItem"]);
  });

  it("configures the SDK's adaptive retry mode", async () => {
    const client = createDynamoDbClient({ region: "eu-west-1" });

    expect(await client.config.maxAttempts()).toBe(8);
    expect(await client.config.retryStrategy()).toMatchObject({ mode: "adaptive" });
  });
});
