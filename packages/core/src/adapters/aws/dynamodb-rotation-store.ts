import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  ScanCommand,
  TransactWriteCommand,
} from "@aws-sdk/lib-dynamodb";
import * as z from "zod";
import { ContractViolationError } from "../../contracts/contract-errors.ts";
import { contractIssues } from "../../contracts/parse-message.ts";
import { RotationRecordSchema } from "../../contracts/rotation.ts";
import {
  ACTIVE_ROTATION_STEPS,
  type RotationListOptions,
  type RotationPatch,
  type RotationRecord,
  type RotationStep,
  type RotationStore,
} from "../../ports/rotation-store.ts";
import {
  RotationAlreadyActiveError,
  RotationStepConflictError,
} from "../../rotation/rotation-errors.ts";
import { callAws, DYNAMODB_SERVICE, errorName, mapAwsError } from "./aws-errors.ts";

export interface DynamoDbRotationStoreOptions {
  /** Preferably from `createDynamoDbClient`, whose retry settings absorb throttling. */
  dynamo: DynamoDBClient;
  /** The stage's rotation table: partition key `pk` (string), nothing else. */
  tableName: string;
}

/**
 * The table's one key attribute. A rotation lives at `rotation#<rotationId>`; while it is
 * active, a lock item `active#<thingName>` names it. Creating both in one transaction, the
 * lock only if absent, is what keeps a thing to one active rotation.
 */
export const ROTATION_TABLE_PARTITION_KEY = "pk";

const rotationKey = (rotationId: string) => ({ pk: `rotation#${rotationId}` });
const lockKey = (thingName: string) => ({ pk: `active#${thingName}` });
const isActive = (step: RotationStep) => ACTIVE_ROTATION_STEPS.includes(step);

// Items are read back from a table anyone with access can write to: checked, not trusted.
const LockItemSchema = z.object({ rotationId: z.string() });

/**
 * Rotations in a DynamoDB table. Every read is strongly consistent and every write
 * conditional; listing scans the table, which stays small: one item per rotation.
 */
export class DynamoDbRotationStore implements RotationStore {
  readonly #documents: DynamoDBDocumentClient;
  readonly #tableName: string;

  constructor(options: DynamoDbRotationStoreOptions) {
    this.#documents = DynamoDBDocumentClient.from(options.dynamo);
    this.#tableName = options.tableName;
  }

  /** The lock and the record in one transaction: the lock only if the thing has none. */
  async create(record: RotationRecord): Promise<void> {
    const putRecord = {
      Put: {
        TableName: this.#tableName,
        Item: { ...rotationKey(record.rotationId), ...toItem(record) },
        ConditionExpression: "attribute_not_exists(pk)",
      },
    };
    const putLock = {
      Put: {
        TableName: this.#tableName,
        Item: { ...lockKey(record.thingName), rotationId: record.rotationId },
        ConditionExpression: "attribute_not_exists(pk)",
      },
    };
    const items = isActive(record.step) ? [putLock, putRecord] : [putRecord];
    try {
      await this.#documents.send(new TransactWriteCommand({ TransactItems: items }));
    } catch (error) {
      if (isActive(record.step) && conditionFailedAt(error, 0)) {
        throw new RotationAlreadyActiveError(
          `thing ${record.thingName} already has a rotation in progress`,
          { thingName: record.thingName, cause: error },
        );
      }
      throw mapAwsError(DYNAMODB_SERVICE, "TransactWriteItems", error);
    }
  }

  async get(rotationId: string): Promise<RotationRecord | null> {
    const item = await this.#getItem(rotationKey(rotationId));
    return item === undefined ? null : this.#record(item);
  }

  async activeFor(thingName: string): Promise<RotationRecord | null> {
    const lock = await this.#getItem(lockKey(thingName));
    if (lock === undefined) return null;
    const { rotationId } = this.#parse(LockItemSchema, lock);
    const record = await this.get(rotationId);
    return record !== null && isActive(record.step) ? record : null;
  }

  /**
   * The whole record is put back, on the condition that its step is still `expectedStep`;
   * leaving the active steps also deletes the thing's lock, in the same transaction.
   */
  async update(
    rotationId: string,
    patch: RotationPatch,
    expectedStep: RotationStep,
  ): Promise<RotationRecord> {
    const current = await this.get(rotationId);
    const conflict = (cause?: unknown) =>
      new RotationStepConflictError(
        `rotation ${rotationId} is ${current === null ? "unknown" : `at step ${current.step}`}, not ${expectedStep}`,
        { rotationId, expectedStep, cause },
      );
    if (current === null || current.step !== expectedStep) throw conflict();
    const updated: RotationRecord = { ...current, ...patch };
    const putRecord = {
      Put: {
        TableName: this.#tableName,
        Item: { ...rotationKey(rotationId), ...toItem(updated) },
        ConditionExpression: "#step = :expectedStep",
        ExpressionAttributeNames: { "#step": "step" },
        ExpressionAttributeValues: { ":expectedStep": expectedStep },
      },
    };
    const releasesLock = isActive(current.step) && !isActive(updated.step);
    try {
      if (releasesLock) {
        const deleteLock = {
          Delete: {
            TableName: this.#tableName,
            Key: lockKey(current.thingName),
            ConditionExpression: "attribute_not_exists(pk) OR rotationId = :rotationId",
            ExpressionAttributeValues: { ":rotationId": rotationId },
          },
        };
        await this.#documents.send(
          new TransactWriteCommand({ TransactItems: [putRecord, deleteLock] }),
        );
      } else {
        await this.#documents.send(new PutCommand(putRecord.Put));
      }
    } catch (error) {
      if (errorName(error) === "ConditionalCheckFailedException" || conditionFailedAt(error, 0)) {
        throw conflict(error);
      }
      throw mapAwsError(DYNAMODB_SERVICE, releasesLock ? "TransactWriteItems" : "PutItem", error);
    }
    return updated;
  }

  async *listActive(): AsyncIterable<RotationRecord> {
    for await (const record of this.#scanRotations()) {
      if (isActive(record.step)) yield record;
    }
  }

  async list(options: RotationListOptions = {}): Promise<RotationRecord[]> {
    const records: RotationRecord[] = [];
    for await (const record of this.#scanRotations()) {
      if (options.thingName === undefined || record.thingName === options.thingName) {
        records.push(record);
      }
    }
    records.sort((a, b) => b.startedAt.localeCompare(a.startedAt));
    return options.limit === undefined ? records : records.slice(0, options.limit);
  }

  /** Every rotation item, page by page (lock items are skipped). */
  async *#scanRotations(): AsyncIterable<RotationRecord> {
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await callAws(DYNAMODB_SERVICE, "Scan", () =>
        this.#documents.send(
          new ScanCommand({
            TableName: this.#tableName,
            FilterExpression: "begins_with(pk, :prefix)",
            ExpressionAttributeValues: { ":prefix": "rotation#" },
            ConsistentRead: true,
            ExclusiveStartKey: startKey,
          }),
        ),
      );
      for (const item of page.Items ?? []) yield this.#record(item);
      startKey = page.LastEvaluatedKey;
    } while (startKey !== undefined);
  }

  async #getItem(key: { pk: string }): Promise<Record<string, unknown> | undefined> {
    const reply = await callAws(DYNAMODB_SERVICE, "GetItem", () =>
      this.#documents.send(
        new GetCommand({ TableName: this.#tableName, Key: key, ConsistentRead: true }),
      ),
    );
    return reply.Item;
  }

  #record(item: Record<string, unknown>): RotationRecord {
    const { serial, ...rest } = this.#parse(RotationRecordSchema, item);
    return serial === undefined ? rest : { ...rest, serial };
  }

  #parse<T>(schema: z.ZodType<T>, item: Record<string, unknown>): T {
    const result = schema.safeParse(item);
    if (result.success) return result.data;
    const issues = contractIssues(result.error);
    throw ContractViolationError.invalidContent(
      `DynamoDB table ${this.#tableName} item ${JSON.stringify(item.pk)}`,
      issues,
      result.error,
    );
  }
}

/** DynamoDB has no undefined: an absent serial is left out. */
function toItem(record: RotationRecord): Record<string, unknown> {
  const { serial, ...rest } = record;
  return serial === undefined ? { ...rest } : { ...rest, serial };
}

/** Whether a cancelled transaction failed on the condition of its `index`th item. */
function conditionFailedAt(error: unknown, index: number): boolean {
  if (errorName(error) !== "TransactionCanceledException") return false;
  const reasons = (error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons;
  return reasons?.[index]?.Code === "ConditionalCheckFailed";
}
