import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  PutCommand,
  ScanCommand,
} from "@aws-sdk/lib-dynamodb";
import * as z from "zod";
import { ContractViolationError } from "../../contracts/contract-errors.ts";
import { contractIssues } from "../../contracts/parse-message.ts";
import type { DeviceLedger, LedgerEntry } from "../../ports/device-ledger.ts";
import { callAws, DYNAMODB_SERVICE } from "./aws-errors.ts";

export interface DynamoDbDeviceLedgerOptions {
  /** Preferably from `createDynamoDbClient`, whose retry settings absorb throttling. */
  dynamo: DynamoDBClient;
  /** The stage's ledger table (`stageResourceNames(stage).deviceLedgerTableName`), key `serial`. */
  tableName: string;
}

// Items are read back from a table anyone with access can write to: checked, not trusted.
const LedgerItemSchema = z.object({
  serial: z.string(),
  outcome: z.enum(["denied", "revoked"]),
  reason: z.string(),
  at: z.string(),
});

/** The ledger as a DynamoDB table, one item per serial (partition key `serial`). */
export class DynamoDbDeviceLedger implements DeviceLedger {
  readonly #documents: DynamoDBDocumentClient;
  readonly #tableName: string;

  constructor(options: DynamoDbDeviceLedgerOptions) {
    this.#documents = DynamoDBDocumentClient.from(options.dynamo);
    this.#tableName = options.tableName;
  }

  /** A put replaces the serial's previous entry: the latest outcome wins. */
  async record(entry: LedgerEntry): Promise<void> {
    const { serial, outcome, reason, at } = entry;
    await callAws(DYNAMODB_SERVICE, "PutItem", () =>
      this.#documents.send(
        new PutCommand({ TableName: this.#tableName, Item: { serial, outcome, reason, at } }),
      ),
    );
  }

  /** DynamoDB deletes a missing item without error. */
  async clear(serial: string): Promise<void> {
    await callAws(DYNAMODB_SERVICE, "DeleteItem", () =>
      this.#documents.send(new DeleteCommand({ TableName: this.#tableName, Key: { serial } })),
    );
  }

  async *list(): AsyncIterable<LedgerEntry> {
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await callAws(DYNAMODB_SERVICE, "Scan", () =>
        this.#documents.send(
          new ScanCommand({ TableName: this.#tableName, ExclusiveStartKey: startKey }),
        ),
      );
      for (const item of page.Items ?? []) yield this.#entry(item);
      startKey = page.LastEvaluatedKey;
    } while (startKey !== undefined);
  }

  #entry(item: Record<string, unknown>): LedgerEntry {
    const result = LedgerItemSchema.safeParse(item);
    if (result.success) return result.data;
    const issues = contractIssues(result.error);
    throw ContractViolationError.invalidContent(
      `DynamoDB table ${this.#tableName} item ${JSON.stringify(item.serial)}`,
      issues,
      result.error,
    );
  }
}
