import {
  ConditionalCheckFailedException,
  TransactionCanceledException,
} from "@aws-sdk/client-dynamodb";
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  ScanCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from "@aws-sdk/lib-dynamodb";
import type { AwsClientStub } from "aws-sdk-client-mock";

type Item = Record<string, unknown>;
type Values = Record<string, unknown> | undefined;
type TransactItem = NonNullable<TransactWriteCommandInput["TransactItems"]>[number];
interface Write {
  ok: boolean;
  apply: () => void;
}

/**
 * The condition expressions the rotation store writes, as DynamoDB evaluates them against the
 * item already there. Any other expression fails loudly, so the fake never guesses.
 */
const CONDITIONS: Record<string, (existing: Item | undefined, values: Values) => boolean> = {
  "attribute_not_exists(pk)": (existing) => existing === undefined,
  "#step = :expectedStep": (existing, values) =>
    existing !== undefined && existing.step === values?.[":expectedStep"],
  "attribute_not_exists(pk) OR rotationId = :rotationId": (existing, values) =>
    existing === undefined || existing.rotationId === values?.[":rotationId"],
};

function holds(existing: Item | undefined, expression: string | undefined, values: Values) {
  if (expression === undefined) return true;
  const condition = CONDITIONS[expression];
  if (condition === undefined) throw new Error(`fake table: unsupported condition ${expression}`);
  return condition(existing, values);
}

/**
 * A DynamoDB table keyed by `pk` behind aws-sdk-client-mock on the document client: Get, Put
 * and TransactWrite (all-or-nothing) with conditions, Scan filtered by a `pk` prefix in pages
 * of `pageSize`.
 */
export class InMemoryDynamoDbTable {
  readonly items = new Map<string, Item>();
  readonly pageSize: number;

  constructor(pageSize = 2) {
    this.pageSize = pageSize;
  }

  install(mock: AwsClientStub<DynamoDBDocumentClient>): void {
    mock.on(GetCommand).callsFake(async (input) => {
      const item = this.items.get(input.Key?.pk);
      return { Item: item === undefined ? undefined : structuredClone(item) };
    });
    mock.on(PutCommand).callsFake(async (input) => {
      const pk = input.Item?.pk as string;
      if (!holds(this.items.get(pk), input.ConditionExpression, input.ExpressionAttributeValues)) {
        throw new ConditionalCheckFailedException({ message: "condition failed", $metadata: {} });
      }
      this.items.set(pk, structuredClone(input.Item as Item));
      return {};
    });
    mock.on(TransactWriteCommand).callsFake(async (input: TransactWriteCommandInput) => {
      const writes = (input.TransactItems ?? []).map((entry: TransactItem): Write => {
        if (entry.Put !== undefined) {
          const { Item, ConditionExpression, ExpressionAttributeValues } = entry.Put;
          const pk = Item?.pk as string;
          return {
            ok: holds(this.items.get(pk), ConditionExpression, ExpressionAttributeValues),
            apply: () => this.items.set(pk, structuredClone(Item as Item)),
          };
        }
        if (entry.Delete !== undefined) {
          const { Key, ConditionExpression, ExpressionAttributeValues } = entry.Delete;
          const pk = Key?.pk as string;
          return {
            ok: holds(this.items.get(pk), ConditionExpression, ExpressionAttributeValues),
            apply: () => this.items.delete(pk),
          };
        }
        throw new Error("fake table: only Put and Delete in transactions");
      });
      if (writes.some((w) => !w.ok)) {
        throw new TransactionCanceledException({
          message: "Transaction cancelled",
          $metadata: {},
          CancellationReasons: writes.map((w) => ({
            Code: w.ok ? "None" : "ConditionalCheckFailed",
          })),
        });
      }
      for (const write of writes) write.apply();
      return {};
    });
    mock.on(ScanCommand).callsFake(async (input) => {
      const prefix = String(input.ExpressionAttributeValues?.[":prefix"] ?? "");
      const all = [...this.items.values()].filter((i) => String(i.pk).startsWith(prefix));
      const after = input.ExclusiveStartKey?.pk;
      const start = after === undefined ? 0 : all.findIndex((i) => i.pk === after) + 1;
      const page = all.slice(start, start + this.pageSize);
      const last = page.at(-1);
      return {
        Items: page.map((i) => structuredClone(i)),
        LastEvaluatedKey:
          start + this.pageSize < all.length && last !== undefined ? { pk: last.pk } : undefined,
      };
    });
  }
}
