import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  ScanCommand,
  TransactWriteCommand,
} from "@aws-sdk/lib-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { AwsAccessDeniedError } from "../../src/adapters/aws/aws-error-types.ts";
import { DynamoDbRotationStore } from "../../src/adapters/aws/index.ts";
import { ContractViolationError } from "../../src/contracts/contract-errors.ts";
import type { RotationRecord } from "../../src/ports/index.ts";
import { RotationAlreadyActiveError } from "../../src/rotation/rotation-errors.ts";
import { describeRotationStore, rotationRecord } from "../port-suites/rotation-store.ts";
import { InMemoryDynamoDbTable } from "./fakes/in-memory-dynamodb-table.ts";

const TABLE = "fleet-dev-rotations";
// The store wraps the client it is given in a document client: mock that class.
const mock = mockClient(DynamoDBDocumentClient);
const dynamo = new DynamoDBClient({ region: "eu-west-1" });

function fresh(): { table: InMemoryDynamoDbTable; store: DynamoDbRotationStore } {
  mock.reset();
  const table = new InMemoryDynamoDbTable(2);
  table.install(mock);
  return { table, store: new DynamoDbRotationStore({ dynamo, tableName: TABLE }) };
}

describeRotationStore(
  "DynamoDbRotationStore (aws-sdk-client-mock over an in-memory table)",
  async () => ({ store: fresh().store }),
);

describe("DynamoDbRotationStore", () => {
  let table: InMemoryDynamoDbTable;
  let store: DynamoDbRotationStore;
  beforeEach(() => {
    ({ table, store } = fresh());
  });

  it("creates the rotation and the thing's lock in one transaction, each only if absent", async () => {
    const record = rotationRecord({ thingName: "rpi-0001" });

    await store.create(record);

    expect(mock.commandCalls(TransactWriteCommand).map((c) => c.args[0].input)).toEqual([
      {
        TransactItems: [
          {
            Put: {
              TableName: TABLE,
              Item: { pk: "active#rpi-0001", rotationId: record.rotationId },
              ConditionExpression: "attribute_not_exists(pk)",
            },
          },
          {
            Put: {
              TableName: TABLE,
              Item: { pk: `rotation#${record.rotationId}`, ...record },
              ConditionExpression: "attribute_not_exists(pk)",
            },
          },
        ],
      },
    ]);
  });

  it("names the thing when it already has a rotation in progress", async () => {
    await store.create(rotationRecord({ thingName: "rpi-0001" }));

    const error = await store
      .create(rotationRecord({ thingName: "rpi-0001" }))
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(RotationAlreadyActiveError);
    expect(error).toMatchObject({ thingName: "rpi-0001" });
  });

  it("moves between active steps with a single put conditioned on the expected step", async () => {
    const record = rotationRecord({ thingName: "rpi-0001" });
    await store.create(record);
    mock.resetHistory();

    await store.update(
      record.rotationId,
      { step: "issued", newCertificateId: "b".repeat(64) },
      "requested",
    );

    expect(mock.commandCalls(TransactWriteCommand)).toHaveLength(0);
    expect(mock.commandCalls(PutCommand).map((c) => c.args[0].input)).toEqual([
      {
        TableName: TABLE,
        Item: {
          pk: `rotation#${record.rotationId}`,
          ...record,
          step: "issued",
          newCertificateId: "b".repeat(64),
        },
        ConditionExpression: "#step = :expectedStep",
        ExpressionAttributeNames: { "#step": "step" },
        ExpressionAttributeValues: { ":expectedStep": "requested" },
      },
    ]);
    expect(table.items.has("active#rpi-0001")).toBe(true);
  });

  it("deletes the thing's lock in the same transaction as the step that ends the rotation", async () => {
    const record = rotationRecord({ thingName: "rpi-0001" });
    await store.create(record);
    await store.update(record.rotationId, { step: "issued" }, "requested");
    mock.resetHistory();

    await store.update(record.rotationId, { step: "committed" }, "issued");

    const [transaction] = mock.commandCalls(TransactWriteCommand).map((c) => c.args[0].input);
    expect(transaction?.TransactItems?.[1]).toEqual({
      Delete: {
        TableName: TABLE,
        Key: { pk: "active#rpi-0001" },
        ConditionExpression: "attribute_not_exists(pk) OR rotationId = :rotationId",
        ExpressionAttributeValues: { ":rotationId": record.rotationId },
      },
    });
    expect(table.items.has("active#rpi-0001")).toBe(false);
  });

  it("reads with strong consistency, so a rotation just written is never missed", async () => {
    const record = rotationRecord({ thingName: "rpi-0001" });
    await store.create(record);
    mock.resetHistory();

    await store.activeFor("rpi-0001");

    expect(mock.commandCalls(GetCommand).map((c) => c.args[0].input)).toEqual([
      { TableName: TABLE, Key: { pk: "active#rpi-0001" }, ConsistentRead: true },
      { TableName: TABLE, Key: { pk: `rotation#${record.rotationId}` }, ConsistentRead: true },
    ]);
  });

  it("scans every page for active rotations, skipping the lock items", async () => {
    const records: RotationRecord[] = [];
    for (const thingName of ["rpi-0001", "rpi-0002", "rpi-0003"]) {
      const record = rotationRecord({ thingName });
      records.push(record);
      await store.create(record);
    }
    mock.resetHistory();

    const active: RotationRecord[] = [];
    for await (const record of store.listActive()) active.push(record);

    expect(active.map((r) => r.rotationId).sort()).toEqual(records.map((r) => r.rotationId).sort());
    const scans = mock.commandCalls(ScanCommand).map((c) => c.args[0].input);
    expect(scans).toHaveLength(2);
    expect(scans[0]).toMatchObject({
      FilterExpression: "begins_with(pk, :prefix)",
      ExpressionAttributeValues: { ":prefix": "rotation#" },
      ConsistentRead: true,
    });
    expect(scans[1]?.ExclusiveStartKey).toEqual({ pk: `rotation#${records[1]?.rotationId}` });
  });

  it("refuses an item that is not a rotation, naming the table and key", async () => {
    mock.on(GetCommand).resolves({ Item: { pk: "rotation#x", step: "lost" } });

    const error = await store.get("x").catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ContractViolationError);
    expect((error as ContractViolationError).where).toBe(
      `DynamoDB table ${TABLE} item "rotation#x"`,
    );
  });

  it("names the refused operation when IAM denies the transaction", async () => {
    mock
      .on(TransactWriteCommand)
      .rejects(Object.assign(new Error("not authorized"), { name: "AccessDeniedException" }));

    const error = await store.create(rotationRecord()).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(AwsAccessDeniedError);
    expect((error as Error).message).toMatch(/allows dynamodb:TransactWriteItems$/);
  });
});
