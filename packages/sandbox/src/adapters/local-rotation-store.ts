import {
  ACTIVE_ROTATION_STEPS,
  RotationAlreadyActiveError,
  type RotationListOptions,
  type RotationPatch,
  type RotationRecord,
  type RotationStep,
  RotationStepConflictError,
  type RotationStore,
} from "@fleet/core";
import { RotationRecordSchema } from "@fleet/core/contracts";
import { type JsonRecordFile, openJsonRecordFile } from "../state/json-record-file.ts";

/**
 * The `RotationStore` port as one JSON file (the sandbox's stand-in for the DynamoDB table),
 * loaded on first use and written atomically after each change. Each check-and-write runs
 * without an await in between, so it is as conditional as DynamoDB's.
 */
export class LocalRotationStore implements RotationStore {
  readonly #file: JsonRecordFile<RotationRecord>;

  constructor(path: string) {
    this.#file = openJsonRecordFile({
      path,
      field: "rotations",
      recordSchema: RotationRecordSchema,
      keyOf: (record) => record.rotationId,
      what: "rotations",
    });
  }

  async create(record: RotationRecord): Promise<void> {
    const records = await this.#file.records();
    const active = activeIn(records, record.thingName);
    if (active !== undefined) {
      throw new RotationAlreadyActiveError(
        `Thing ${record.thingName} already has rotation ${active.rotationId} in progress`,
        { thingName: record.thingName },
      );
    }
    records.set(record.rotationId, { ...record });
    await this.#file.save();
  }

  async get(rotationId: string): Promise<RotationRecord | null> {
    const records = await this.#file.records();
    const record = records.get(rotationId);
    return record === undefined ? null : { ...record };
  }

  async activeFor(thingName: string): Promise<RotationRecord | null> {
    const active = activeIn(await this.#file.records(), thingName);
    return active === undefined ? null : { ...active };
  }

  async update(
    rotationId: string,
    patch: RotationPatch,
    expectedStep: RotationStep,
  ): Promise<RotationRecord> {
    const records = await this.#file.records();
    const record = records.get(rotationId);
    if (record?.step !== expectedStep) {
      throw new RotationStepConflictError(
        record === undefined
          ? `Rotation ${rotationId} does not exist`
          : `Rotation ${rotationId} is at ${record.step}, not ${expectedStep}`,
        { rotationId, expectedStep },
      );
    }
    const updated = { ...record, ...patch };
    records.set(rotationId, updated);
    await this.#file.save();
    return { ...updated };
  }

  async *listActive(): AsyncIterable<RotationRecord> {
    const records = await this.#file.records();
    for (const record of [...records.values()]) {
      if (ACTIVE_ROTATION_STEPS.includes(record.step)) yield { ...record };
    }
  }

  async list(options: RotationListOptions = {}): Promise<RotationRecord[]> {
    const records = [...(await this.#file.records()).values()]
      .filter((record) => options.thingName === undefined || record.thingName === options.thingName)
      .sort((a, b) => b.startedAt.localeCompare(a.startedAt))
      .map((record) => ({ ...record }));
    return options.limit === undefined ? records : records.slice(0, options.limit);
  }

  /** Resolves once every change so far is on disk. */
  flush(): Promise<void> {
    return this.#file.flush();
  }
}

function activeIn(
  records: Map<string, RotationRecord>,
  thingName: string,
): RotationRecord | undefined {
  for (const record of records.values()) {
    if (record.thingName === thingName && ACTIVE_ROTATION_STEPS.includes(record.step)) {
      return record;
    }
  }
  return undefined;
}
