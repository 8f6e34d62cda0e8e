import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { GetCommand, PutCommand, ScanCommand, TransactWriteCommand } from "@aws-sdk/lib-dynamodb";
import type { SdkRecorder } from "./sdk-recorder.ts";

export const ROTATION_ID = "3f6c1a52-8d4e-4b8a-9c7e-2f1d0a9b8c7d";
export const THING = "sim-0001";

export type RotationItem = Record<string, unknown> & { step: string; thingName: string };

/** A rotation record as the rotation table stores it (DynamoDbRotationStore). */
export const rotationItem = (overrides: Record<string, unknown> = {}): RotationItem => ({
  pk: `rotation#${ROTATION_ID}`,
  rotationId: ROTATION_ID,
  thingName: THING,
  oldCertificateId: null,
  newCertificateId: null,
  jobId: ROTATION_ID,
  step: "requested",
  reason: null,
  startedAt: "2026-11-21T03:00:00.000Z",
  updatedAt: "2026-11-21T03:00:00.000Z",
  deadline: "2099-01-01T00:00:00.000Z",
  ...overrides,
});

/**
 * The rotation table holding one rotation, `item` (and its thing's lock): reads answer the
 * current record, writes of a record replace it. `conflictOnce` makes the first conditional write fail,
 * as when a concurrent request moved the rotation on to `conflictOnce` first.
 */
export function answerRotationTable(
  sdk: SdkRecorder,
  item: RotationItem | null,
  options: { conflictOnce?: RotationItem } = {},
): void {
  let current = item;
  let conflict = options.conflictOnce;
  sdk.on(GetCommand).callsFake((input) => {
    const pk = (input.Key as { pk: string }).pk;
    if (current === null) return {};
    if (pk === `active#${current.thingName}`)
      return { Item: { pk, rotationId: current.rotationId } };
    return pk === current.pk ? { Item: current } : {};
  });
  const write = (put: { Item: RotationItem } | undefined) => {
    if (conflict !== undefined) {
      current = conflict;
      conflict = undefined;
      throw new ConditionalCheckFailedException({ message: "condition failed", $metadata: {} });
    }
    if (String(put?.Item.pk).startsWith("rotation#")) current = put?.Item ?? current;
    return {};
  };
  sdk.on(PutCommand).callsFake((input) => write(input as { Item: RotationItem }));
  sdk.on(TransactWriteCommand).callsFake((input) => {
    const items = input.TransactItems as { Put?: { Item: RotationItem } }[];
    return write(items.find((entry) => String(entry.Put?.Item.pk).startsWith("rotation#"))?.Put);
  });
  sdk.on(ScanCommand).callsFake(() => ({ Items: current === null ? [] : [current] }));
}
