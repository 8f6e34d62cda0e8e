import { ConditionalCheckFailedException, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  ScanCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { DynamoDbReleaseStore } from "../../src/adapters/aws/index.ts";
import { ContractViolationError } from "../../src/contracts/contract-errors.ts";
import type { ReleaseRecord } from "../../src/contracts/ota-release.ts";
import { ReleaseAlreadyExistsError } from "../../src/ota/ota-errors.ts";

const TABLE = "fleet-dev-releases";
// The store wraps the client it is given in a document client: mock that class.
const mock = mockClient(DynamoDBDocumentClient);
const dynamo = new DynamoDBClient({ region: "eu-west-1" });
const conditionFailed = () =>
  new ConditionalCheckFailedException({ message: "condition failed", $metadata: {} });

function release(overrides: Partial<ReleaseRecord> = {}): ReleaseRecord {
  return {
    releaseId: "led-1_2_0-1795000000",
    app: "led",
    version: "1.2.0",
    sha256: "a".repeat(64),
    size: 100,
    artifactKey: `apps/led/1.2.0/${"a".repeat(64)}.tar.gz`,
    targets: [{ kind: "group", name: "fleet" }],
    canaryGroup: "canary",
    abortFailurePct: 10,
    phase: "canary",
    canaryJobId: "led-1_2_0-1795000000-canary",
    fleetJobId: null,
    reason: null,
    createdAt: "2026-11-22T00:00:00.000Z",
    updatedAt: "2026-11-22T00:00:00.000Z",
    ...overrides,
  };
}

describe("DynamoDbReleaseStore", () => {
  let store: DynamoDbReleaseStore;
  beforeEach(() => {
    mock.reset();
    store = new DynamoDbReleaseStore({ dynamo, tableName: TABLE });
  });

  it("creates a release only if its id is new", async () => {
    mock.on(PutCommand).resolvesOnce({}).rejectsOnce(conditionFailed());

    await store.create(release());
    const error = await store.create(release()).catch((e: unknown) => e);

    expect(mock.commandCalls(PutCommand)[0]?.args[0].input).toEqual({
      TableName: TABLE,
      Item: release(),
      ConditionExpression: "attribute_not_exists(releaseId)",
    });
    expect(error).toBeInstanceOf(ReleaseAlreadyExistsError);
  });

  it("reads a release consistently, null when absent", async () => {
    mock.on(GetCommand).resolvesOnce({ Item: release() }).resolvesOnce({});

    expect(await store.get("led-1_2_0-1795000000")).toEqual(release());
    expect(await store.get("other")).toBeNull();
    expect(mock.commandCalls(GetCommand)[0]?.args[0].input).toEqual({
      TableName: TABLE,
      Key: { releaseId: "led-1_2_0-1795000000" },
      ConsistentRead: true,
    });
  });

  it("changes the phase only while the release is in the expected one", async () => {
    const moved = release({ phase: "fleet", fleetJobId: "led-1_2_0-1795000000-fleet" });
    mock.on(UpdateCommand).resolvesOnce({ Attributes: moved }).rejectsOnce(conditionFailed());
    const patch = { phase: "fleet" as const, fleetJobId: moved.fleetJobId };

    expect(await store.update(moved.releaseId, patch, "canary")).toEqual(moved);
    expect(await store.update(moved.releaseId, patch, "canary")).toBeNull();
    expect(mock.commandCalls(UpdateCommand)[0]?.args[0].input).toEqual({
      TableName: TABLE,
      Key: { releaseId: moved.releaseId },
      UpdateExpression: "SET #f0 = :v0, #f1 = :v1",
      ConditionExpression: "attribute_exists(releaseId) AND #phase = :expectedPhase",
      ExpressionAttributeNames: { "#phase": "phase", "#f0": "phase", "#f1": "fleetJobId" },
      ExpressionAttributeValues: {
        ":expectedPhase": "canary",
        ":v0": "fleet",
        ":v1": "led-1_2_0-1795000000-fleet",
      },
      ReturnValues: "ALL_NEW",
    });
  });

  it("lists every page of the table, most recent first", async () => {
    const older = release({ releaseId: "a-1", createdAt: "2026-11-01T00:00:00.000Z" });
    const newer = release({ releaseId: "b-2", createdAt: "2026-11-20T00:00:00.000Z" });
    mock
      .on(ScanCommand)
      .resolvesOnce({ Items: [older], LastEvaluatedKey: { releaseId: "a-1" } })
      .resolvesOnce({ Items: [newer] });

    const listed = [];
    for await (const record of store.list()) listed.push(record.releaseId);

    expect(listed).toEqual(["b-2", "a-1"]);
    expect(
      mock.commandCalls(ScanCommand).map((call) => call.args[0].input.ExclusiveStartKey),
    ).toEqual([undefined, { releaseId: "a-1" }]);
  });

  it("refuses an item that is not a release record, naming the field", async () => {
    mock.on(GetCommand).resolves({ Item: { ...release(), phase: "paused" } });

    const error = await store.get("led-1_2_0-1795000000").catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ContractViolationError);
    expect((error as ContractViolationError).issues.map((issue) => issue.path)).toEqual(["phase"]);
  });
});
