import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  ScanCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import { ContractViolationError } from "../../contracts/contract-errors.ts";
import {
  type ReleasePhase,
  type ReleaseRecord,
  ReleaseRecordSchema,
} from "../../contracts/ota-release.ts";
import { contractIssues } from "../../contracts/parse-message.ts";
import { ReleaseAlreadyExistsError } from "../../ota/ota-errors.ts";
import type { ReleasePatch, ReleaseStore } from "../../ports/ota.ts";
import { callAws, DYNAMODB_SERVICE, errorName, mapAwsError } from "./aws-errors.ts";

export interface DynamoDbReleaseStoreOptions {
  /** Preferably from `createDynamoDbClient`, whose retry settings absorb throttling. */
  dynamo: DynamoDBClient;
  /** The stage's releases table: partition key `releaseId` (string), nothing else. */
  tableName: string;
}

/** The releases table's one key attribute. */
export const RELEASE_TABLE_PARTITION_KEY = "releaseId";

/**
 * Releases in a DynamoDB table, one item per release. Reads are strongly consistent; a phase
 * change is conditional on the phase the caller saw, so two job events cannot both move it.
 */
export class DynamoDbReleaseStore implements ReleaseStore {
  readonly #documents: DynamoDBDocumentClient;
  readonly #tableName: string;

  constructor(options: DynamoDbReleaseStoreOptions) {
    this.#documents = DynamoDBDocumentClient.from(options.dynamo);
    this.#tableName = options.tableName;
  }

  async create(record: ReleaseRecord): Promise<void> {
    try {
      await this.#documents.send(
        new PutCommand({
          TableName: this.#tableName,
          Item: record,
          ConditionExpression: "attribute_not_exists(releaseId)",
        }),
      );
    } catch (error) {
      if (errorName(error) === "ConditionalCheckFailedException") {
        throw new ReleaseAlreadyExistsError(`release ${record.releaseId} already exists`, {
          releaseId: record.releaseId,
          cause: error,
        });
      }
      throw mapAwsError(DYNAMODB_SERVICE, "PutItem", error);
    }
  }

  async get(releaseId: string): Promise<ReleaseRecord | null> {
    const reply = await callAws(DYNAMODB_SERVICE, "GetItem", () =>
      this.#documents.send(
        new GetCommand({ TableName: this.#tableName, Key: { releaseId }, ConsistentRead: true }),
      ),
    );
    return reply.Item === undefined ? null : this.#record(reply.Item);
  }

  async update(
    releaseId: string,
    patch: ReleasePatch,
    expectedPhase: ReleasePhase,
  ): Promise<ReleaseRecord | null> {
    const fields = Object.entries(patch).filter(([, value]) => value !== undefined);
    const names: Record<string, string> = { "#phase": "phase" };
    const values: Record<string, unknown> = { ":expectedPhase": expectedPhase };
    const assignments = fields.map(([field, value], index) => {
      names[`#f${index}`] = field;
      values[`:v${index}`] = value;
      return `#f${index} = :v${index}`;
    });
    if (assignments.length === 0) return this.get(releaseId);
    try {
      const reply = await this.#documents.send(
        new UpdateCommand({
          TableName: this.#tableName,
          Key: { releaseId },
          UpdateExpression: `SET ${assignments.join(", ")}`,
          // attribute_exists: an update never creates a release.
          ConditionExpression: "attribute_exists(releaseId) AND #phase = :expectedPhase",
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: "ALL_NEW",
        }),
      );
      return reply.Attributes === undefined ? null : this.#record(reply.Attributes);
    } catch (error) {
      if (errorName(error) === "ConditionalCheckFailedException") return null;
      throw mapAwsError(DYNAMODB_SERVICE, "UpdateItem", error);
    }
  }

  /** The whole table, scanned page by page and sorted: one small item per release. */
  async *list(): AsyncIterable<ReleaseRecord> {
    const records: ReleaseRecord[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await callAws(DYNAMODB_SERVICE, "Scan", () =>
        this.#documents.send(
          new ScanCommand({
            TableName: this.#tableName,
            ConsistentRead: true,
            ExclusiveStartKey: startKey,
          }),
        ),
      );
      for (const item of page.Items ?? []) records.push(this.#record(item));
      startKey = page.LastEvaluatedKey;
    } while (startKey !== undefined);
    records.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
    yield* records;
  }

  // Items are read back from a table anyone with access can write to: checked, not trusted.
  #record(item: Record<string, unknown>): ReleaseRecord {
    const result = ReleaseRecordSchema.safeParse(item);
    if (result.success) return result.data;
    throw ContractViolationError.invalidContent(
      `DynamoDB table ${this.#tableName} item ${JSON.stringify(item.releaseId)}`,
      contractIssues(result.error),
      result.error,
    );
  }
}
